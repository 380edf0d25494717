package milestone_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

// TestBothTimeAxes: evidence entered late counts by its own date
// (evidenceOn, valid time) but not in the record of a day before it was
// entered (asOf, record time); both together read that day's record by the
// evidence dated up to the other day. The milestone is judged (not started,
// delayed) on the evidence day.
func TestBothTimeAxes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 1, 15, 12, 0))
	f.commitment(t, "NL0037", 2018)
	m33 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.3", Title: "Meetings",
		PlannedStart: apptest.Date(2018, 10, 1), PlannedEnd: apptest.Date(2020, 7, 1), Target: &milestone.Target{Count: 4, Unit: "meetings"},
		Rule: milestone.RuleHeldMeetings})
	m35 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.5", Title: "Magazine",
		PlannedStart: apptest.Date(2019, 4, 1), PlannedEnd: apptest.Date(2020, 6, 30), Target: &milestone.Target{Count: 2, Unit: "editions"},
		Rule: milestone.RuleMagazineEditions})
	a := f.heldMeeting(t, "A", apptest.AmsterdamTime(2018, 10, 11, 14, 0))
	f.report(t, a)
	f.clock.Set(apptest.AmsterdamTime(2020, 3, 1, 12, 0)) // what follows is entered late
	b := f.heldMeeting(t, "B", apptest.AmsterdamTime(2019, 4, 4, 14, 0))
	f.report(t, b)
	c := f.heldMeeting(t, "C", apptest.AmsterdamTime(2020, 1, 2, 14, 0))
	f.report(t, c)
	e1 := f.publication(t, publication.KindMagazineEdition, "First edition", apptest.Date(2019, 6, 20))

	// Each item carries both of its dates.
	now := f.get(t, m33.ID, time.Time{})
	if got := evidenceIDs(now); !slices.Equal(got, []string{a.ID, b.ID, c.ID}) {
		t.Fatalf("3.3 now: got %v; want A, B, C", got)
	}
	for i, want := range []struct {
		countsFrom time.Time
		recorded   time.Time
	}{
		{apptest.Date(2018, 10, 11), apptest.AmsterdamTime(2019, 1, 15, 12, 0)},
		{apptest.Date(2019, 4, 4), apptest.AmsterdamTime(2020, 3, 1, 12, 0)},
		{apptest.Date(2020, 1, 2), apptest.AmsterdamTime(2020, 3, 1, 12, 0)},
	} {
		if it := now.Evidence.Items[i]; !it.CountsFrom.Equal(want.countsFrom) || !it.RecordedAt.Equal(want.recorded) {
			t.Errorf("item %s: counts from %v, recorded %v; want %v, %v", it.Title, it.CountsFrom, it.RecordedAt, want.countsFrom, want.recorded)
		}
	}

	for _, tc := range []struct {
		name       string
		when       milestone.When
		want33     []string
		status33   milestone.Status
		want35     []string
		wantListed int
	}{
		{"now", milestone.When{}, []string{a.ID, b.ID, c.ID}, milestone.StatusInProgress, []string{e1.ID}, 2},
		{"record of mid-2019", milestone.When{AsOf: apptest.Date(2019, 6, 30)}, []string{a.ID}, milestone.StatusInProgress, nil, 2},
		{"evidence of mid-2019", milestone.When{EvidenceOn: apptest.Date(2019, 6, 30)}, []string{a.ID, b.ID}, milestone.StatusInProgress, []string{e1.ID}, 2},
		{"the day before the edition", milestone.When{EvidenceOn: apptest.Date(2019, 6, 19)}, []string{a.ID, b.ID}, milestone.StatusInProgress, nil, 2},
		{"both mid-2019", milestone.When{AsOf: apptest.Date(2019, 6, 30), EvidenceOn: apptest.Date(2019, 6, 30)}, []string{a.ID}, milestone.StatusInProgress, nil, 2},
		{"today's record, evidence of 2018", milestone.When{AsOf: apptest.Date(2020, 3, 1), EvidenceOn: apptest.Date(2018, 12, 31)}, []string{a.ID}, milestone.StatusInProgress, nil, 2},
		{"before the window", milestone.When{EvidenceOn: apptest.Date(2018, 9, 30)}, nil, milestone.StatusNotStarted, nil, 2},
		{"before it was recorded", milestone.When{AsOf: apptest.Date(2019, 1, 14), EvidenceOn: apptest.Date(2019, 6, 30)}, nil, "", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := f.all(t, milestone.ListRequest{AsOf: tc.when.AsOf, EvidenceOn: tc.when.EvidenceOn, PageSize: 1})
			if len(list) != tc.wantListed {
				t.Fatalf("list: got %v; want %d milestones", codes(list), tc.wantListed)
			}
			got33, err := f.svc.Get(context.Background(), m33.ID, tc.when)
			if tc.wantListed == 0 {
				apptest.CheckCode(t, "get before it was recorded", err, domain.CodeNotFound)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ids := evidenceIDs(got33); !slices.Equal(ids, tc.want33) || got33.Status != tc.status33 {
				t.Errorf("3.3: got %v, %s; want %v, %s", ids, got33.Status, tc.want33, tc.status33)
			}
			if ids := evidenceIDs(list[0]); !slices.Equal(ids, tc.want33) {
				t.Errorf("3.3 in the list: got %v; want %v", ids, tc.want33)
			}
			got35, err := f.svc.Get(context.Background(), m35.ID, tc.when)
			if err != nil {
				t.Fatal(err)
			}
			if ids := evidenceIDs(got35); !slices.Equal(ids, tc.want35) {
				t.Errorf("3.5: got %v; want %v", ids, tc.want35)
			}
			sum, err := f.svc.CommitmentSummary(context.Background(), "NL0037", tc.when)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Milestones != 2 || sum.ByStatus[got33.Status]+sum.ByStatus[got35.Status] < 2 || !sum.EvidenceOn.Equal(tc.when.EvidenceOn) {
				t.Errorf("summary: got %d milestones by status %v, evidenceOn %v; want 2 as 3.3 (%s) and 3.5 (%s), %v",
					sum.Milestones, sum.ByStatus, sum.EvidenceOn, got33.Status, got35.Status, tc.when.EvidenceOn)
			}
		})
	}
}

// TestWhenInput: neither day may be in the future, each named; a cursor
// continues only a list read on the same days and with the same selectors.
func TestWhenInput(t *testing.T) {
	t.Parallel()
	f := listFixture(t)
	ctx := context.Background()
	tomorrow := domain.Today(f.clock.Now()).AddDate(0, 0, 1)
	ms := f.all(t, milestone.ListRequest{})
	for _, tc := range []struct {
		name string
		when milestone.When
		want []string
	}{
		{"asOf", milestone.When{AsOf: tomorrow}, []string{"asOf"}},
		{"evidenceOn", milestone.When{EvidenceOn: tomorrow}, []string{"evidenceOn"}},
		{"both", milestone.When{AsOf: tomorrow, EvidenceOn: tomorrow}, []string{"asOf", "evidenceOn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Get(ctx, ms[0].ID, tc.when)
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("get: got fields %v; want %v", got, tc.want)
			}
			_, err = f.svc.List(ctx, milestone.ListRequest{AsOf: tc.when.AsOf, EvidenceOn: tc.when.EvidenceOn})
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("list: got fields %v; want %v", got, tc.want)
			}
			_, err = f.svc.CycleSummary(ctx, 2018, tc.when)
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("summary: got fields %v; want %v", got, tc.want)
			}
			_, err = f.svc.ProgressUpdates(ctx, ms[0].ID, tc.when)
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("updates: got fields %v; want %v", got, tc.want)
			}
		})
	}

	day := domain.Today(f.clock.Now()).AddDate(-1, 0, 0)
	other := day.AddDate(0, -1, 0)
	done := true
	for _, tc := range []struct{ from, with milestone.ListRequest }{
		{milestone.ListRequest{EvidenceOn: day}, milestone.ListRequest{EvidenceOn: other}},
		{milestone.ListRequest{EvidenceOn: day}, milestone.ListRequest{}},
		{milestone.ListRequest{}, milestone.ListRequest{EvidenceOn: day}},
		{milestone.ListRequest{Overdue: &done}, milestone.ListRequest{}},
		{milestone.ListRequest{AsOf: domain.Today(f.clock.Now())}, milestone.ListRequest{AsOf: domain.Today(f.clock.Now()), EvidenceOn: day}},
	} {
		tc.from.PageSize, tc.with.PageSize = 1, 1
		page, err := f.svc.List(ctx, tc.from)
		if err != nil || page.Next == "" {
			t.Fatalf("list %+v: got %v, next %q; want a next page", tc.from, err, page.Next)
		}
		tc.with.Cursor = page.Next
		_, err = f.svc.List(ctx, tc.with)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"cursor"}) {
			t.Errorf("cursor of %+v with %+v: got fields %v; want [cursor]", tc.from, tc.with, got)
		}
	}
}
