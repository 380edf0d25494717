package httpapi_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Erasing a person cancels their registrations for meetings to come, giving
// the place to the waitlist, and takes their name off papers' authors;
// another author's name, even a near one, stays.
func TestErasureCancelsRegistrationsAndAuthorship(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	other := f.Post(t, f.Admin, "/v1/people", apptest.Pioneer("Robin Waiting", "robin@north.example", "", "GM9901")).ID
	register := func(person string) api.Registration {
		t.Helper()
		res := f.Do(t, "POST", "/v1/meetings/"+f.Planned+"/registrations", map[string]any{"person": person}, apptest.Headers(f.Admin))
		if res.StatusCode != 201 {
			t.Fatalf("register %s: got %d (%s); want 201", person, res.StatusCode, apptest.Short(res.Body))
		}
		var r api.Registration
		res.JSON(t, &r)
		return r
	}
	if r := register(f.Person); r.Status != "registered" {
		t.Fatalf("first registration: got %s; want registered (capacity 1)", r.Status)
	}
	if r := register(other); r.Status != "waitlisted" {
		t.Fatalf("second registration: got %s; want waitlisted (capacity 1)", r.Status)
	}

	today := time.Now().UTC()
	conf := f.Post(t, f.Editor, "/v1/meetings", map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
			"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}).ID
	papers := [][]string{{"Sam Example", "Kim Other"}, {"Sam Examples"}, {"Sam Example"}}
	for _, authors := range papers {
		f.Post(t, f.Editor, "/v1/meetings/"+conf+"/submissions", map[string]any{"title": "Open agendas", "abstract": "What we learned.",
			"authors": authors, "organisation": "GM9901"})
	}

	if res := f.Do(t, "DELETE", "/v1/people/"+f.Person, nil, apptest.Headers(f.Admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s); want 204", res.StatusCode, apptest.Short(res.Body))
	}

	var regs api.RegistrationList
	f.Do(t, "GET", "/v1/meetings/"+f.Planned+"/registrations", nil, apptest.Headers(f.Admin)).JSON(t, &regs)
	if len(regs.Items) != 1 || regs.Items[0].Person.ID.String() != other || regs.Items[0].Status != "registered" {
		t.Errorf("registrations after erasure: got %+v; want only %s, registered from the waitlist", regs.Items, other)
	}
	var subs api.SubmissionList
	f.Do(t, "GET", "/v1/meetings/"+conf+"/submissions", nil, apptest.Headers(f.Admin)).JSON(t, &subs)
	var got [][]string
	for _, s := range subs.Items {
		got = append(got, s.Authors)
	}
	want := [][]string{{"Kim Other"}, {"Sam Examples"}, {}}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("authors after erasure: got %q; want %q", got, want)
	}
}
