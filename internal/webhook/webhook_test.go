package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

func partner(subject string, scopes ...string) context.Context {
	return apptest.As(domain.Actor{Subject: subject, Role: domain.RolePartner, Client: true, Scopes: scopes})
}

func TestWhoManagesSubscriptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := webhook.Input{URL: "https://hooks.example.org/in", Enabled: true}
	adminSub, err := f.subs.Create(f.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := f.subs.Create(partner("pc_a", domain.ScopeWebhooksManage), in)
	if err != nil {
		t.Fatal(err)
	}
	if !mine.OwnerClient || mine.Owner != "pc_a" {
		t.Errorf("got owner %q (client %v); want the API client pc_a", mine.Owner, mine.OwnerClient)
	}
	tests := []struct {
		name string
		ctx  context.Context
		id   string
		want domain.Code
	}{
		{"admin reads a partner's", f.admin, mine.ID, ""},
		{"partner reads its own", partner("pc_a", domain.ScopeWebhooksManage), mine.ID, ""},
		{"partner cannot see another's", partner("pc_b", domain.ScopeWebhooksManage), mine.ID, domain.CodeNotFound},
		{"partner cannot see an admin's", partner("pc_a", domain.ScopeWebhooksManage), adminSub.ID, domain.CodeNotFound},
		{"partner without the scope", partner("pc_a"), mine.ID, domain.CodeForbidden},
		{"a user who shares the client's subject is not the client", apptest.As(domain.Actor{Subject: "pc_a", Role: domain.RoleEditor}), mine.ID, domain.CodeForbidden},
		{"editor", apptest.As(domain.Actor{Subject: "e", Role: domain.RoleEditor}), adminSub.ID, domain.CodeForbidden},
		{"member", apptest.As(domain.Actor{Subject: "m", Role: domain.RoleMember, OrganisationID: "o"}), adminSub.ID, domain.CodeForbidden},
		{"anonymous", context.Background(), adminSub.ID, domain.CodeUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.subs.Get(tc.ctx, tc.id)
			apptest.CheckCode(t, "get", err, tc.want)
			_, err = f.subs.Update(tc.ctx, tc.id, func(in webhook.Input) (webhook.Input, error) { in.Description = "x"; return in, nil },
				domain.Precondition{Present: true, Any: true})
			apptest.CheckCode(t, "update", err, tc.want)
			_, err = f.subs.Deliveries(tc.ctx, tc.id, 0, "")
			apptest.CheckCode(t, "deliveries", err, tc.want)
		})
	}
	list, err := f.subs.List(partner("pc_a", domain.ScopeWebhooksManage), 0, "")
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != mine.ID {
		t.Errorf("partner's list: got %+v, %v; want only its own", list.Items, err)
	}
	all, err := f.subs.List(f.admin, 0, "")
	if err != nil || len(all.Items) != 2 {
		t.Errorf("admin's list: got %d, %v; want 2", len(all.Items), err)
	}
	_, err = f.subs.Create(partner("pc_c"), in)
	apptest.CheckCode(t, "create without scope", err, domain.CodeForbidden)
	err = f.subs.Delete(partner("pc_b", domain.ScopeWebhooksManage), mine.ID, domain.Precondition{Present: true, Any: true})
	apptest.CheckCode(t, "delete another's", err, domain.CodeNotFound)
}

func TestCreateChecksInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	strict := webhook.NewService(f.db, webhook.Guard{Resolver: resolver{"inside.example.org": {"10.0.0.5"}}}, time.Now)
	tests := []struct {
		name  string
		in    webhook.Input
		field string
	}{
		{"http", webhook.Input{URL: "http://hooks.example.org/"}, "url"},
		{"loopback", webhook.Input{URL: "https://127.0.0.1/"}, "url"},
		{"10.x", webhook.Input{URL: "https://10.1.1.1/"}, "url"},
		{"metadata", webhook.Input{URL: "https://169.254.169.254/"}, "url"},
		{"ipv6 loopback", webhook.Input{URL: "https://[::1]/"}, "url"},
		{"resolves inward", webhook.Input{URL: "https://inside.example.org/"}, "url"},
		{"unknown type", webhook.Input{URL: "https://hooks.example.org/", EventTypes: []string{"meeting.updated"}}, "eventTypes"},
		{"unknown action", webhook.Input{URL: "https://hooks.example.org/", EventTypes: []string{"nl.pioniersnetwerk.meeting.moved"}}, "eventTypes"},
		{"misspelt resource", webhook.Input{URL: "https://hooks.example.org/", EventTypes: []string{"nl.pioniersnetwerk.meetng.updated"}}, "eventTypes"},
		{"a part, not a feed resource", webhook.Input{URL: "https://hooks.example.org/", EventTypes: []string{"nl.pioniersnetwerk.registration.*"}}, "eventTypes"},
	}
	for _, tc := range tests {
		_, err := strict.Create(f.admin, tc.in)
		if got := apptest.FieldNames(t, err); len(got) != 1 || got[0] != tc.field {
			t.Errorf("%s: got fields %v (%v); want [%s]", tc.name, got, err, tc.field)
		}
	}
	sub, err := strict.Create(f.admin, webhook.Input{URL: " https://hooks.example.org/in ", Enabled: true,
		EventTypes: []string{"nl.pioniersnetwerk.*", "nl.pioniersnetwerk.meeting.*", "nl.pioniersnetwerk.meeting.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if sub.URL != "https://hooks.example.org/in" || len(sub.EventTypes) != 2 || !sub.Enabled || sub.Version != 1 {
		t.Errorf("got %+v; want the URL trimmed, types deduplicated, enabled at version 1", sub)
	}
	// The same checks on update.
	_, err = strict.Update(f.admin, sub.ID, func(in webhook.Input) (webhook.Input, error) { in.URL = "https://10.0.0.1/"; return in, nil },
		apptest.IfVersion(sub.Version))
	if got := apptest.FieldNames(t, err); len(got) != 1 || got[0] != "url" {
		t.Errorf("update to 10.x: got %v; want [url]", got)
	}
}

func TestEventTypesMatch(t *testing.T) {
	t.Parallel()
	ev := change.Event{Resource: "meeting", ResourceID: "m1", Type: change.Updated}
	tests := []struct {
		types []string
		ids   []string
		want  bool
	}{
		{nil, nil, true},
		{[]string{"nl.pioniersnetwerk.meeting.updated"}, nil, true},
		{[]string{"nl.pioniersnetwerk.meeting.*"}, nil, true},
		{[]string{"nl.pioniersnetwerk.*"}, nil, true},
		{[]string{"nl.pioniersnetwerk.meeting.created"}, nil, false},
		{[]string{"nl.pioniersnetwerk.milestone.*"}, nil, false},
		{nil, []string{"m1"}, true},
		{nil, []string{"m2"}, false},
	}
	for _, tc := range tests {
		s := webhook.Subscription{EventTypes: tc.types, Filters: webhook.Filters{ResourceIDs: tc.ids}}
		if got := s.Wants(ev); got != tc.want {
			t.Errorf("types %v ids %v: got %v; want %v", tc.types, tc.ids, got, tc.want)
		}
	}
}

func TestRotateSecretOverlaps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sub, err := f.subs.Create(f.admin, webhook.Input{URL: "https://hooks.example.org/in", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := f.subs.RotateSecret(f.admin, sub.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if rotated.Secret == sub.Secret || rotated.PreviousSecret != sub.Secret {
		t.Fatalf("got secret %q, previous %q; want a new one and the old one kept", rotated.Secret, rotated.PreviousSecret)
	}
	if got := rotated.Secrets(now); len(got) != 2 || got[0] != rotated.Secret || got[1] != sub.Secret {
		t.Errorf("during the overlap: got %d secrets; want the new and the old", len(got))
	}
	if got := rotated.Secrets(now.Add(webhook.DefaultOverlap + time.Minute)); len(got) != 1 || got[0] != rotated.Secret {
		t.Errorf("after the overlap: got %d secrets; want the new one only", len(got))
	}
	stored, _ := f.subs.Get(f.admin, sub.ID)
	if stored.Secret != rotated.Secret || stored.Version != sub.Version+1 {
		t.Errorf("stored: got version %d; want %d with the new secret", stored.Version, sub.Version+1)
	}
	zero := time.Duration(0)
	again, err := f.subs.RotateSecret(f.admin, sub.ID, &zero)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Secrets(now); len(got) != 1 {
		t.Errorf("rotated without overlap: got %d secrets; want 1", len(got))
	}
	long := 25 * time.Hour
	_, err = f.subs.RotateSecret(f.admin, sub.ID, &long)
	if got := apptest.FieldNames(t, err); len(got) != 1 || got[0] != "overlapSeconds" {
		t.Errorf("overlap of 25h: got %v; want [overlapSeconds]", got)
	}
	_, err = f.subs.RotateSecret(partner("pc_x", domain.ScopeWebhooksManage), sub.ID, nil)
	apptest.CheckCode(t, "rotate another's", err, domain.CodeNotFound)
}
