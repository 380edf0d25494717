package milestone_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// A window's last day is a whole day in Amsterdam even when the clocks go
// back during it and it lasts 25 hours: a meeting late that evening counts,
// one after midnight does not.
func TestEvidenceWindowEndsAtMidnightAcrossAClockChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 11, 1, 12, 0))
	f.commitment(t, "NL0037", 2018)
	ms := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.3", Title: "Meetings",
		PlannedStart: apptest.Date(2019, 10, 1), PlannedEnd: apptest.Date(2019, 10, 27), Target: &milestone.Target{Count: 8, Unit: "meetings"},
		Rule: milestone.RuleHeldMeetings, Status: milestone.StatusInProgress, Completion: milestone.CompletionLimited})
	late := f.heldMeeting(t, "Late on the last day", apptest.AmsterdamTime(2019, 10, 27, 23, 30)) // 22:30 UTC
	after := f.heldMeeting(t, "Just after", apptest.AmsterdamTime(2019, 10, 28, 0, 30))
	f.report(t, late)
	f.report(t, after)
	if got, want := evidenceIDs(f.get(t, ms.ID, time.Time{})), []string{late.ID}; !slices.Equal(got, want) {
		t.Errorf("got evidence %v; want %v (the meeting late on the last day only)", got, want)
	}
}

// A report written before its versions were kept (migration 0012) has one
// version row, stamped with the report's last update; it counts from when
// the report was first recorded, as it did before.
func TestReportFromBeforeItsVersionsCountsFromItsCreation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 11, 1, 12, 0))
	m := f.heldMeeting(t, "Held", apptest.AmsterdamTime(2019, 10, 1, 14, 0))
	f.report(t, m)
	f.exec(t, "UPDATE meeting_report_versions SET recorded_at = ? WHERE meeting_id = ?", apptest.AmsterdamTime(2019, 11, 20, 12, 0).UTC(), m.ID)
	for _, tt := range []struct {
		by   time.Time
		want int
	}{
		{apptest.AmsterdamTime(2019, 11, 1, 11, 0), 0}, // before the report was recorded
		{apptest.AmsterdamTime(2019, 11, 2, 12, 0), 1}, // after, before its last update
	} {
		items, err := f.db.HeldMeetingsWithReport(context.Background(), apptest.Date(2019, 1, 1), apptest.Date(2019, 12, 31),
			milestone.Seen{RecordedBy: tt.by, DatedBy: tt.by})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != tt.want {
			t.Errorf("evidence as recorded by %v: got %d meetings; want %d", tt.by, len(items), tt.want)
		}
	}
}
