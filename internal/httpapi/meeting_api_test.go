package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/seed"
)

// A meeting's ETag changes when a registration changes its counts, though
// the meeting itself has no new version.
func TestMeetingETagFollowsRegistrations(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	res := env.Do(t, "POST", "/v1/meetings", map[string]any{"title": "Meet", "topic": "Open data", "format": "other",
		"startsAt": "2099-03-01T10:00:00Z", "endsAt": "2099-03-01T12:00:00Z"}, apptest.Bearer(editor))
	var m api.Meeting
	res.JSON(t, &m)
	before := env.Do(t, "GET", "/v1/meetings/"+m.ID.String(), nil, nil).Header.Get("ETag")
	person := env.Do(t, "POST", "/v1/people", map[string]any{"name": "Registrant", "memberships": []any{}}, apptest.Bearer(env.User(t, "admin@example.org", domain.RoleAdmin, "")))
	var p api.Person
	person.JSON(t, &p)
	if r := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/registrations", map[string]any{"person": p.ID}, apptest.Bearer(editor)); r.StatusCode != 201 {
		t.Fatalf("register: got %d (%s)", r.StatusCode, r.Body)
	}
	after := env.Do(t, "GET", "/v1/meetings/"+m.ID.String(), nil, map[string]string{"If-None-Match": before})
	if after.StatusCode != 200 || after.Header.Get("ETag") == before {
		t.Errorf("after a registration: got %d with ETag %q (before %q); want 200 and a new tag", after.StatusCode, after.Header.Get("ETag"), before)
	}
}

// A member submits papers for its own organisation, not in another's name.
func TestSubmissionsInTheMembersOwnName(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	member := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	today := time.Now().UTC()
	res := env.Do(t, "POST", "/v1/meetings", map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details":  map[string]any{"format": "conference", "callForPapers": map[string]any{"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}, apptest.Bearer(editor))
	var m api.Meeting
	res.JSON(t, &m)
	paper := func(org string) map[string]any {
		return map[string]any{"title": "Open agendas", "abstract": "What we learned.", "authors": []string{"A. Pioneer"}, "organisation": org}
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/submissions", paper("GM0344"), apptest.Bearer(member)); res.StatusCode != 403 {
		t.Errorf("member submits for another organisation: got %d (%s); want 403", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/submissions", paper("GM0606"), apptest.Bearer(member)); res.StatusCode != 201 {
		t.Errorf("member submits for its own organisation: got %d (%s); want 201", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/submissions", paper("GM0344"), apptest.Bearer(editor)); res.StatusCode != 201 {
		t.Errorf("editor submits for an organisation: got %d (%s); want 201", res.StatusCode, res.Body)
	}
}

func TestDemoSeedHasEightExampleMeetingsWithReports(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	ctx := context.Background()
	if _, err := env.App.Seed.Load(ctx, true); err != nil {
		t.Fatal(err)
	}
	again, err := env.App.Seed.Load(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if again.Added != 0 {
		t.Errorf("second demo load: added %d; want nothing", again.Added)
	}
	// The series of 2018–2020; the upcoming examples are TestDemoSeedPlansTheComingQuarters'.
	var page api.MeetingPage
	env.Do(t, "GET", "/v1/meetings?pageSize=100&to=2020-12-31", nil, nil).JSON(t, &page)
	if len(page.Items) != 8 {
		t.Fatalf("demo meetings of 2018–2020: got %d; want 8", len(page.Items))
	}
	for i, m := range page.Items {
		if !m.Example || m.Status != "held" || m.GuestChair == nil || m.Report == nil {
			t.Errorf("meeting %d: got %+v; want a held example with guest chair and report", i+1, m)
		}
		if i > 0 {
			months := (m.StartsAt.Year()-page.Items[i-1].StartsAt.Year())*12 + int(m.StartsAt.Month()-page.Items[i-1].StartsAt.Month())
			if months != 3 {
				t.Errorf("meetings %d and %d: %d months apart; want one every three months", i, i+1, months)
			}
		}
	}
	if first, last := page.Items[0].StartsAt, page.Items[7].StartsAt; first.Format("2006-01") != "2018-10" || last.Format("2006-01") != "2020-07" {
		t.Errorf("demo series: from %s to %s; want October 2018 to July 2020", first, last)
	}
	var all api.MeetingPage
	env.Do(t, "GET", "/v1/meetings?pageSize=100", nil, nil).JSON(t, &all)
	if len(all.Items) != 8+seed.UpcomingQuarters {
		t.Errorf("demo meetings: got %d; want the series of 8 and %d upcoming", len(all.Items), seed.UpcomingQuarters)
	}
	var pubs api.PublicationPage
	env.Do(t, "GET", "/v1/publications?pageSize=100", nil, nil).JSON(t, &pubs)
	kinds := map[api.PublicationKind]int{}
	for _, p := range pubs.Items {
		if !p.Example {
			t.Errorf("demo publication of kind %s: not marked as example", p.Kind)
		}
		kinds[p.Kind]++
	}
	if kinds["meeting-report"] != 8 || kinds["magazine-edition"] != 2 {
		t.Errorf("demo publications: got %v; want 8 meeting reports and 2 magazine editions", kinds)
	}
	health := env.Do(t, "GET", "/v1/schedule-health?from=2018-10-01&to=2020-07-31", nil, nil)
	var h api.ScheduleHealth
	health.JSON(t, &h)
	if h.Meetings != 8 || len(h.Gaps) != 0 || len(h.WithoutGuestChair) != 0 || len(h.OverdueReports) != 0 {
		t.Errorf("schedule health of the demo series: got %+v; want 8 meetings, no gaps, every meeting chaired and reported", h)
	}
}
