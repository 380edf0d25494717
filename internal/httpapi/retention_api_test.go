package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
)

// The purge (what pioniers purge and serve's schedule run) erases a person
// who left the network longer ago than the retention as DELETE
// /v1/people/{id} does: the person reads as gone, their registration for a
// meeting to come is cancelled and its place goes to the waitlist, their
// account no longer signs in or acts, and the audit log names the system
// and the run, without the person's name or address. A dry run before it
// changes nothing; a purge after it has nothing to do.
func TestPurgeErasesWhoLeft(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	name, email := "Lea Vertrokken", "lea.vertrokken@north.example"
	left := f.Post(t, f.Admin, "/v1/people", map[string]any{"name": name, "email": email, "phone": "+31611112222", "memberships": []any{
		map[string]any{"organisation": "GM9901", "role": "pioneer", "from": "2018-07-01", "to": "2021-06-30"}}}).ID
	stays := f.Post(t, f.Admin, "/v1/people", apptest.Pioneer("Robin Blijft", "robin.blijft@north.example", "", "GM9901")).ID
	for _, id := range []string{left, stays} {
		if res := f.Do(t, "POST", "/v1/meetings/"+f.Planned+"/registrations", map[string]any{"person": id}, apptest.Headers(f.Admin)); res.StatusCode != 201 {
			t.Fatalf("register %s: got %d (%s)", id, res.StatusCode, apptest.Short(res.Body))
		}
	}
	token := f.PersonUser(t, email, domain.RoleMember, "GM9901", left)
	system := apptest.As(domain.System)
	policy := f.App.Config.RetentionPolicy()

	// Someone who left but still signs in keeps their data.
	kept, err := f.App.Retention.Purge(system, policy, true)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(kept.Items, func(it retention.Item) bool { return it.ID == left }) {
		t.Fatalf("dry run while their account is in use: got %+v; want person %s kept", kept.Items, left)
	}
	var me api.Me
	f.Do(t, "GET", "/v1/me", nil, apptest.Headers(token)).JSON(t, &me)
	apptest.Backdate(t, f.App.Config.DatabaseURL, "users", me.ID, time.Now().AddDate(-3, 0, 0), "created_at", "last_sign_in_at")

	before := f.Changes(t, "person", left)
	dry, err := f.App.Retention.Purge(system, policy, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(dry.Items, func(it retention.Item) bool { return it.ID == left && it.Kind == retention.KindPerson }) {
		t.Fatalf("dry run: got %+v; want person %s listed", dry.Items, left)
	}
	if res := f.Do(t, "GET", "/v1/people/"+left, nil, apptest.Headers(f.Admin)); res.StatusCode != 200 || f.Changes(t, "person", left) != before {
		t.Fatalf("after a dry run: got %d and %d change records; want 200 and %d", res.StatusCode, f.Changes(t, "person", left), before)
	}

	rep, err := f.App.Retention.Purge(system, policy, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed()) > 0 {
		t.Fatalf("purge failed: %+v", rep.Failed())
	}
	if res := f.Do(t, "GET", "/v1/people/"+left, nil, apptest.Headers(f.Admin)); res.StatusCode != 410 {
		t.Errorf("GET the purged person: got %d; want 410", res.StatusCode)
	}
	if res := f.Do(t, "GET", "/v1/people/"+stays, nil, apptest.Headers(f.Admin)); res.StatusCode != 200 {
		t.Errorf("GET a current member: got %d; want 200", res.StatusCode)
	}
	var regs api.RegistrationList
	f.Do(t, "GET", "/v1/meetings/"+f.Planned+"/registrations", nil, apptest.Headers(f.Admin)).JSON(t, &regs)
	if len(regs.Items) != 1 || regs.Items[0].Person.ID.String() != stays || regs.Items[0].Status != "registered" {
		t.Errorf("registrations after the purge: got %+v; want only %s, registered from the waitlist", regs.Items, stays)
	}
	if res := f.Do(t, "POST", "/v1/auth/token", map[string]string{"email": email, "password": apptest.Password}, nil); res.StatusCode != 401 {
		t.Errorf("the purged person signs in: got %d; want 401", res.StatusCode)
	}
	if res := f.Do(t, "GET", "/v1/me", nil, apptest.Headers(token)); res.StatusCode != 401 {
		t.Errorf("the purged person's token: got %d; want 401", res.StatusCode)
	}

	res := f.Do(t, "GET", "/v1/audit-events?resourceId="+left, nil, apptest.Headers(f.Admin))
	var log api.AuditEventPage
	res.JSON(t, &log)
	if len(log.Items) == 0 || string(log.Items[0].Action) != "erase" || string(log.Items[0].Actor.Kind) != "system" ||
		log.Items[0].RequestID != rep.RunID {
		t.Errorf("audit of the purge: got %s; want an erase by the system in request %s", apptest.Short(res.Body), rep.RunID)
	}
	for _, value := range []string{name, email, "Vertrokken", "+31611112222"} {
		if strings.Contains(strings.ToLower(res.Body), strings.ToLower(value)) {
			t.Errorf("the audit log holds %q: %s", value, apptest.Short(res.Body))
		}
	}

	again, err := f.App.Retention.Purge(system, policy, false)
	if err != nil || len(again.Items) != 0 {
		t.Errorf("a second purge: got %+v, %v; want nothing to do", again.Items, err)
	}
}
