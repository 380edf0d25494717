package milestone

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// items returns n evidence items, as the store would list them.
func items(n int) *Evidence {
	ev := &Evidence{Rule: RuleHeldMeetings}
	for i := range n {
		ev.Items = append(ev.Items, EvidenceItem{Kind: "meeting", ID: fmt.Sprintf("m%d", i), Title: fmt.Sprintf("Meeting %d", i+1)})
	}
	return ev
}

// TestDeriveFromEvidence: under a rule, progress is the share of the target
// reached (never past 100%), completion follows the IRM scale and the status
// follows the count and the day; a cancelled milestone stays cancelled.
func TestDeriveFromEvidence(t *testing.T) {
	// 3.3: eight meetings from 1 October 2018 to 1 July 2020.
	m33 := Milestone{Code: "3.3", Rule: RuleHeldMeetings, Target: &Target{Count: 8, Unit: "meetings"},
		PlannedStart: day(2018, 10, 1), PlannedEnd: day(2020, 7, 1),
		// What was set by hand is ignored under a rule.
		Progress: 77, Status: StatusNotStarted, Completion: CompletionNoEvidence}
	during, after, before := day(2019, 6, 1), day(2020, 7, 2), day(2018, 9, 1)
	cancelled := m33
	cancelled.Status = StatusCancelled
	for _, tc := range []struct {
		name           string
		m              Milestone
		count          int
		today          time.Time
		wantProgress   int
		wantStatus     Status
		wantCompletion Completion
		wantOverdue    bool
	}{
		{"none yet, before the start", m33, 0, before, 0, StatusNotStarted, CompletionNotStarted, false},
		{"none yet, window open", m33, 0, during, 0, StatusInProgress, CompletionNotStarted, false},
		{"one of eight", m33, 1, during, 12, StatusInProgress, CompletionLimited, false},
		{"one of eight before the start", m33, 1, before, 12, StatusInProgress, CompletionLimited, false},
		{"three of eight", m33, 3, during, 37, StatusInProgress, CompletionLimited, false},
		{"four of eight is half", m33, 4, during, 50, StatusInProgress, CompletionSubstantial, false},
		{"seven of eight", m33, 7, during, 87, StatusInProgress, CompletionSubstantial, false},
		{"eight of eight", m33, 8, during, 100, StatusCompleted, CompletionComplete, false},
		{"a ninth does not pass 100%", m33, 9, during, 100, StatusCompleted, CompletionComplete, false},
		{"complete after the end is not overdue", m33, 8, after, 100, StatusCompleted, CompletionComplete, false},
		{"short after the end is delayed and overdue", m33, 5, after, 62, StatusDelayed, CompletionSubstantial, true},
		{"the last day itself is not overdue", m33, 5, day(2020, 7, 1), 62, StatusInProgress, CompletionSubstantial, false},
		{"cancelled stays cancelled", cancelled, 3, after, 37, StatusCancelled, CompletionLimited, false},
		{"cancelled stays cancelled even when complete", cancelled, 8, during, 100, StatusCancelled, CompletionComplete, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := items(tc.count)
			got := derive(tc.m, ev, tc.today)
			if got.Progress != tc.wantProgress {
				t.Errorf("progress: got %d; want %d", got.Progress, tc.wantProgress)
			}
			if got.Status != tc.wantStatus {
				t.Errorf("status: got %s; want %s", got.Status, tc.wantStatus)
			}
			if got.Completion != tc.wantCompletion {
				t.Errorf("completion: got %s; want %s", got.Completion, tc.wantCompletion)
			}
			if got.Overdue != tc.wantOverdue {
				t.Errorf("overdue: got %v; want %v", got.Overdue, tc.wantOverdue)
			}
			if got.Evidence == nil || len(got.Evidence.Items) != tc.count {
				t.Errorf("evidence: got %+v; want the %d items that counted", got.Evidence, tc.count)
			}
		})
	}
}

// TestMilestoneDeriveByHand: without a rule, progress, status and completion are the
// ones set by hand; only overdue follows from the day.
func TestMilestoneDeriveByHand(t *testing.T) {
	base := Milestone{Code: "3.1", Rule: RuleNone, PlannedStart: day(2018, 1, 1), PlannedEnd: day(2018, 6, 29),
		Progress: 40, Status: StatusInProgress, Completion: CompletionLimited}
	noEnd := base
	noEnd.PlannedEnd = time.Time{}
	done := base
	done.Status, done.Progress, done.Completion = StatusCompleted, 100, CompletionComplete
	dropped := base
	dropped.Status = StatusCancelled
	// A rule without a target cannot count; it is treated as set by hand.
	noTarget := base
	noTarget.Rule = RuleHeldMeetings
	for _, tc := range []struct {
		name        string
		m           Milestone
		today       time.Time
		wantOverdue bool
	}{
		{"before the end", base, day(2018, 6, 1), false},
		{"on the last day", base, day(2018, 6, 29), false},
		{"the day after", base, day(2018, 6, 30), true},
		{"no planned end", noEnd, day(2030, 1, 1), false},
		{"completed", done, day(2019, 1, 1), false},
		{"cancelled", dropped, day(2019, 1, 1), false},
		{"rule without target", noTarget, day(2019, 1, 1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := derive(tc.m, items(3), tc.today)
			if got.Progress != tc.m.Progress || got.Status != tc.m.Status || got.Completion != tc.m.Completion {
				t.Errorf("got %d %s %s; want the hand-set %d %s %s", got.Progress, got.Status, got.Completion,
					tc.m.Progress, tc.m.Status, tc.m.Completion)
			}
			if got.Overdue != tc.wantOverdue {
				t.Errorf("overdue: got %v; want %v", got.Overdue, tc.wantOverdue)
			}
		})
	}
}

// TestMilestoneCodeKeyOrdersNumerically: 3.9 before 3.10, 3.3 before 3.3.1, 9 before 10.
func TestMilestoneCodeKeyOrdersNumerically(t *testing.T) {
	want := []string{"1", "1.2", "1.10", "2", "3.1", "3.3", "3.3.1", "3.3.2", "3.9", "3.10", "3.11", "9", "10", "10.1", "100"}
	for range 20 {
		got := slices.Clone(want)
		rand.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, func(a, b string) int {
			ka, kb := CodeKey(a), CodeKey(b)
			switch {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		if !slices.Equal(got, want) {
			t.Fatalf("sorted by CodeKey: got %v; want %v", got, want)
		}
	}
	if CodeKey("3.10") == CodeKey("3.1") {
		t.Errorf("CodeKey(3.10) equals CodeKey(3.1): %q", CodeKey("3.1"))
	}
}

// TestSortMilestones is the order of answers from the history (asOf).
func TestSortMilestones(t *testing.T) {
	ms := []Milestone{
		{ID: "a", Commitment: "NL0037", Code: "3.10", PlannedEnd: day(2019, 1, 1)},
		{ID: "b", Commitment: "NL0037", Code: "3.9", PlannedEnd: day(2020, 1, 1)},
		{ID: "c", Commitment: "NL0020", Code: "5.1"},
		{ID: "d", Commitment: "NL0037", Code: "3.2", PlannedEnd: day(2018, 1, 1)},
		{ID: "e", Commitment: "NL0037", Code: "3.3", PlannedEnd: day(2019, 1, 1)},
	}
	for _, tc := range []struct {
		sort string
		want []string
	}{
		{"code", []string{"c", "d", "e", "b", "a"}},
		{"plannedEnd", []string{"d", "a", "e", "b", "c"}}, // no end last; id breaks ties
		{"-plannedEnd", []string{"c", "b", "e", "a", "d"}},
	} {
		t.Run(tc.sort, func(t *testing.T) {
			for range 10 {
				got := slices.Clone(ms)
				rand.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
				sortMilestones(got, tc.sort)
				var ids []string
				for _, m := range got {
					ids = append(ids, m.ID)
				}
				if !slices.Equal(ids, tc.want) {
					t.Fatalf("got %v; want %v", ids, tc.want)
				}
			}
		})
	}
}

// TestMilestoneListRequestCheck names each invalid parameter.
func TestMilestoneListRequestCheck(t *testing.T) {
	now := time.Date(2020, 3, 1, 23, 30, 0, 0, time.UTC) // already 2 March in Amsterdam
	s := &Service{now: func() time.Time { return now }}
	for _, tc := range []struct {
		name string
		req  ListRequest
		want []string
	}{
		{"defaults", ListRequest{}, nil},
		{"page of 100", ListRequest{PageSize: 100}, nil},
		{"page of 101", ListRequest{PageSize: 101}, []string{"pageSize"}},
		{"unknown status", ListRequest{Status: "done"}, []string{"status"}},
		{"unknown completion", ListRequest{Completion: "partial"}, []string{"completion"}},
		{"unknown sort", ListRequest{Sort: "title"}, []string{"sort"}},
		{"asOf today in Amsterdam", ListRequest{AsOf: day(2020, 3, 2)}, nil},
		{"asOf tomorrow", ListRequest{AsOf: day(2020, 3, 3)}, []string{"asOf"}},
		{"all at once", ListRequest{PageSize: 1000, Status: "x", Completion: "y", Sort: "z", AsOf: day(2021, 1, 1)},
			[]string{"pageSize", "status", "completion", "sort", "asOf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			err := s.check(&req, true)
			var got []string
			if err != nil {
				e, ok := err.(*domain.Error)
				if !ok || e.Code != domain.CodeInvalid {
					t.Fatalf("got %v; want an invalid-input error", err)
				}
				for _, f := range e.Fields {
					got = append(got, f.Name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("invalid fields: got %v; want %v", got, tc.want)
			}
		})
	}
}

func TestMilestoneChangedFields(t *testing.T) {
	base := Milestone{Commitment: "NL0037", Code: "3.3", Title: "Meetings", Target: &Target{Count: 8, Unit: "meetings"},
		PlannedEnd: day(2020, 7, 1), Rule: RuleHeldMeetings, Status: StatusNotStarted, Completion: CompletionNoEvidence}
	for _, tc := range []struct {
		name   string
		change func(*Milestone)
		want   []string
	}{
		{"nothing", func(*Milestone) {}, nil},
		{"an equal target in a new value", func(m *Milestone) { m.Target = &Target{Count: 8, Unit: "meetings"} }, nil},
		{"target count", func(m *Milestone) { m.Target = &Target{Count: 9, Unit: "meetings"} }, []string{"target"}},
		{"target removed", func(m *Milestone) { m.Target = nil }, []string{"target"}},
		{"title and end", func(m *Milestone) { m.Title, m.PlannedEnd = "Eight meetings", day(2020, 7, 2) }, []string{"title", "plannedEnd"}},
		{"rule", func(m *Milestone) { m.Rule = RuleNone }, []string{"evidenceRule"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := base
			tc.change(&next)
			if got := changedFields(base, next); !slices.Equal(got, tc.want) {
				t.Errorf("got %v; want %v", got, tc.want)
			}
		})
	}
}
