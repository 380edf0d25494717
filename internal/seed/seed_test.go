package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/seed"
)

// upcomingExamples lists the example meetings that end after now, as the API shows them.
func upcomingExamples(t *testing.T, env *apptest.Env, now time.Time) []api.Meeting {
	t.Helper()
	var page api.MeetingPage
	env.Do(t, "GET", "/v1/meetings?pageSize=100&from="+now.UTC().Format(time.RFC3339), nil, nil).JSON(t, &page)
	return page.Items
}

// The demo plans the next quarters' meetings from the day it is loaded, on
// a clock of its own here, so that the test does not depend on today.
func TestDemoSeedPlansTheComingQuarters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		now    time.Time
		months []string // the upcoming meetings' months
	}{
		{"in February", apptest.AmsterdamTime(2031, time.February, 10, 9, 0), []string{"2031-04", "2031-07", "2031-10", "2032-01"}},
		{"on the last evening of a quarter, in Amsterdam", apptest.AmsterdamTime(2031, time.September, 30, 23, 30), []string{"2031-10", "2032-01", "2032-04", "2032-07"}},
		// 22:30 UTC on 31 March is 1 April in Amsterdam: the next quarter has begun there.
		{"after midnight in Amsterdam, before it in UTC", time.Date(2031, time.March, 31, 22, 30, 0, 0, time.UTC), []string{"2031-07", "2031-10", "2032-01", "2032-04"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t)
			a := env.App
			clock := apptest.NewClock(tt.now)
			loader := seed.NewLoader(a.DB, a.Organisations, a.Meetings, a.Publications, a.Milestones, a.Evaluations, clock.Now)
			if _, err := loader.Load(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			got := upcomingExamples(t, env, tt.now)
			if len(got) != len(tt.months) {
				t.Fatalf("upcoming meetings: got %d; want %d", len(got), len(tt.months))
			}
			var online, openCall bool
			for i, m := range got {
				start := m.StartsAt.In(domain.Amsterdam)
				if month := start.Format("2006-01"); month != tt.months[i] {
					t.Errorf("meeting %d: in %s; want %s", i+1, month, tt.months[i])
				}
				if start.Weekday() != time.Thursday || start.Day() < 8 || start.Day() > 14 || start.Hour() != 13 {
					t.Errorf("meeting %d: starts %s; want the second Thursday at 13:00 in Amsterdam", i+1, start)
				}
				if !m.Example || m.GuestChair == nil {
					t.Errorf("meeting %d: example %v, guest chair %v; want a chaired example", i+1, m.Example, m.GuestChair)
				}
				if want := map[bool]api.MeetingStatus{true: "confirmed", false: "planned"}[i == 0]; m.Status != want {
					t.Errorf("meeting %d: status %s; want %s", i+1, m.Status, want)
				}
				online = online || m.OnlineURL != nil
				if d, err := m.Details.AsConferenceDetails(); err == nil && m.Format == "conference" {
					today := domain.Today(tt.now)
					openCall = !d.CallForPapers.OpensOn.Time.After(today) && !d.CallForPapers.ClosesOn.Time.Before(today)
				}
			}
			if !online || !openCall {
				t.Errorf("upcoming examples: an online link %v, a conference with an open call %v; want both", online, openCall)
			}

			// Later the same quarter nothing is added; in the next, its new quarter only.
			for _, later := range []struct {
				after time.Duration
				added int
			}{{0, 0}, {20 * time.Minute, 0}, {92 * 24 * time.Hour, 1}} {
				clock.Set(tt.now.Add(later.after))
				rep, err := loader.Load(context.Background(), true)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Added != later.added {
					t.Errorf("load again %s later: added %d; want %d", later.after, rep.Added, later.added)
				}
			}
		})
	}
}
