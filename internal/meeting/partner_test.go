package meeting_test

import (
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// client is a partner portal's API client token, bound to orgID (none when
// empty), with scopes.
func client(orgID string, scopes ...string) domain.Actor {
	return domain.Actor{Subject: "pc_" + orgID + "_" + strings.Join(scopes, "+"), Role: domain.RolePartner,
		OrganisationID: orgID, Client: true, Scopes: scopes}
}

func TestPartnerRegistrations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	ours := e.person(t, "Van Schiedam", "GM0606")
	public := e.publicPerson(t, "Van Schiedam, openbaar", "GM0606")
	theirs := e.publicPerson(t, "Van Utrecht, openbaar", "GM0344")
	left, err := e.people.Create(apptest.As(domain.System), person.Input{Name: "Vertrokken", Memberships: []person.MembershipInput{
		{Organisation: "GM0606", Role: "pioneer", From: apptest.Date(2019, 1, 1), To: apptest.Date(2020, 1, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.people.RecordConsent(apptest.As(domain.System), left.ID, true); err != nil {
		t.Fatal(err)
	}
	writer := client(schiedam.ID, domain.ScopeRegistrationsWrite)
	both := client(schiedam.ID, domain.ScopeRegistrationsWrite, domain.ScopePeopleRead)
	tests := []struct {
		name   string
		actor  domain.Actor
		person string
		want   domain.Code
	}{
		{"registrations:write, its organisation's public person", writer, public.ID, ""},
		{"registrations:write and people:read, its organisation's person", both, ours.ID, ""},
		{"registrations:write alone does not find a person who made no profile public", writer, ours.ID, domain.CodeInvalid},
		{"another organisation's person", both, theirs.ID, domain.CodeForbidden},
		{"a person who left the organisation", both, left.ID, domain.CodeForbidden},
		{"without registrations:write", client(schiedam.ID, domain.ScopePeopleRead), public.ID, domain.CodeForbidden},
		{"with the scope but for another organisation", client(utrecht.ID, domain.ScopeRegistrationsWrite), public.ID, domain.CodeForbidden},
		{"a user with a partner role and the scope", domain.Actor{Subject: "u", Role: domain.RolePartner, OrganisationID: schiedam.ID,
			Scopes: []string{domain.ScopeRegistrationsWrite}}, public.ID, domain.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
			r, err := e.meetings.Register(apptest.As(tt.actor), m.ID, tt.person)
			apptest.CheckCode(t, "register", err, tt.want)
			want := 0
			if tt.want == "" {
				want = 1
				if r.RegisteredBy != tt.actor.Subject {
					t.Errorf("registered by: got %s; want %s", r.RegisteredBy, tt.actor.Subject)
				}
			}
			if got := e.mustGet(t, m.ID).RegisteredCount; got != want {
				t.Errorf("got %d registered; want %d", got, want)
			}
		})
	}

	// Listing and cancelling: its own organisation's registrations only,
	// and names only with people:read.
	m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	rOurs := e.register(t, apptest.As(editor), m.ID, ours)
	rTheirs := e.register(t, apptest.As(editor), m.ID, theirs)
	lists := []struct {
		name  string
		actor domain.Actor
		want  []string // person ids, then names
		names []string
	}{
		{"registrations:write", writer, []string{ours.ID}, []string{""}},
		{"registrations:write and people:read", both, []string{ours.ID}, []string{ours.Name}},
		{"people:read alone", client(schiedam.ID, domain.ScopePeopleRead), []string{}, []string{}},
		{"unbound", client("", domain.ScopeRegistrationsWrite), []string{}, []string{}},
	}
	for _, tt := range lists {
		regs, err := e.meetings.Registrations(apptest.As(tt.actor), m.ID)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		ids, names := []string{}, []string{}
		for _, r := range regs {
			ids, names = append(ids, r.PersonID), append(names, r.PersonName)
		}
		if strings.Join(ids, ",") != strings.Join(tt.want, ",") || strings.Join(names, ",") != strings.Join(tt.names, ",") {
			t.Errorf("%s: got %v %q; want %v %q", tt.name, ids, names, tt.want, tt.names)
		}
	}
	cancels := []struct {
		name  string
		actor domain.Actor
		reg   string
		want  domain.Code
	}{
		{"another organisation's registration", writer, rTheirs.ID, domain.CodeForbidden},
		{"without registrations:write", client(schiedam.ID, domain.ScopePeopleRead), rOurs.ID, domain.CodeForbidden},
		{"its organisation's registration", writer, rOurs.ID, ""},
	}
	for _, tt := range cancels {
		err := e.meetings.CancelRegistration(apptest.As(tt.actor), m.ID, tt.reg)
		apptest.CheckCode(t, "cancel: "+tt.name, err, tt.want)
	}
	if got := e.mustGet(t, m.ID).RegisteredCount; got != 1 {
		t.Errorf("after cancelling: got %d registered; want 1", got)
	}
}

func TestSubmitInAnOrganisationsName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	tests := []struct {
		name    string
		actor   domain.Actor
		org     string
		want    domain.Code
		wantOrg string // the organisation the paper is in the name of
	}{
		{"analyst, for Schiedam", analyst, "GM0606", domain.CodeForbidden, ""},
		{"analyst, in its own name", analyst, "", "", ""},
		{"unbound partner, for Schiedam", client(""), "GM0606", domain.CodeForbidden, ""},
		{"unbound partner, in its own name", client(""), "", "", ""},
		{"bound partner, its own organisation by default", client(schiedam.ID), "", "", schiedam.ID},
		{"bound partner, its own organisation by code", client(schiedam.ID), "gm0606", "", schiedam.ID},
		{"bound partner, another organisation", client(schiedam.ID), "GM0344", domain.CodeForbidden, ""},
		{"member, another organisation", member(utrecht.ID), "GM0606", domain.CodeForbidden, ""},
		{"member, its own", member(utrecht.ID), "GM0344", "", utrecht.ID},
		{"editor, any organisation", editor, "GM0606", "", schiedam.ID},
		{"admin, any organisation", admin, "GM0344", "", utrecht.ID},
	}
	for _, tt := range tests {
		in := paper()
		in.Organisation = tt.org
		sub, err := e.meetings.Submit(apptest.As(tt.actor), conf.ID, in)
		apptest.CheckCode(t, tt.name, err, tt.want)
		if tt.want != "" {
			continue
		}
		got := ""
		if sub.Organisation != nil {
			got = sub.Organisation.ID
		}
		if got != tt.wantOrg {
			t.Errorf("%s: got organisation %q; want %q", tt.name, got, tt.wantOrg)
		}
	}
	subs, err := e.meetings.Submissions(apptest.As(editor), conf.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 7 {
		t.Errorf("got %d submissions; want the 7 allowed", len(subs))
	}
}
