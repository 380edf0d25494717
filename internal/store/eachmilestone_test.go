package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// TestEachMilestoneReadsAsGetMilestone: an export reads every milestone as
// the read by id does, with and without dates, a target and text that
// SQLite's JSON escapes (on SQLite the export selects a row as one JSON
// array).
func TestEachMilestoneReadsAsGetMilestone(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	c := milestone.Commitment{Code: "NL0098", Title: "Open", Cycle: 2018, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateCommitment(ctx, c, change("commitment", c.Code, domain.ActionCreate, 1)); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(m *milestone.Milestone)
	}{
		{"bare", func(*milestone.Milestone) {}},
		{"dated", func(m *milestone.Milestone) {
			m.PlannedStart, m.PlannedEnd, m.ActualStart, m.ActualEnd = day, day.AddDate(0, 6, 0), day.AddDate(0, 0, 3), day.AddDate(1, 0, 0)
		}},
		{"target and rule", func(m *milestone.Milestone) {
			m.Target = &milestone.Target{Count: 4, Unit: "editions \"per year\""}
			m.Rule, m.Progress, m.Status, m.Completion = milestone.RuleMagazineEditions, 50, milestone.StatusInProgress, milestone.CompletionSubstantial
		}},
		{"escapes", func(m *milestone.Milestone) {
			m.Title, m.VerifiableResult = "line\nbreak \"quoted\" \\ café 😀", "tab\there \x01 <&>"
		}},
	}
	want := map[string]milestone.Milestone{}
	for i, tt := range tests {
		m := milestone.Milestone{ID: newID(), Commitment: c.Code, Code: "1." + string(rune('1'+i)), Title: tt.name, Rule: milestone.RuleNone,
			Status: milestone.StatusNotStarted, Completion: milestone.CompletionNotStarted, Version: 1,
			CreatedAt: now.Add(time.Duration(i) * time.Microsecond), UpdatedAt: now.Add(time.Second)}
		tt.change(&m)
		if err := db.CreateMilestone(ctx, m, change("milestone", m.ID, domain.ActionCreate, 1)); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetMilestone(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[m.ID] = got
	}
	// In one statement, and (on SQLite, which ends its statements every so
	// many rows) in statements of three rows: each scans into the same row.
	for _, chunk := range []int{0, 3} {
		statements := 1
		db.SetExportChunk(chunk, func() { statements++ })
		n := 0
		if err := db.EachMilestone(ctx, milestone.Query{}, func(m milestone.Milestone) error {
			n++
			if w, ok := want[m.ID]; !ok || !reflect.DeepEqual(m, w) {
				t.Errorf("chunk %d: exported %+v\nwant %+v", chunk, m, w)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != len(tests) {
			t.Errorf("chunk %d: exported %d milestones; want %d", chunk, n, len(tests))
		}
		if chunk > 0 && db.Dialect() == store.SQLite && statements < 2 {
			t.Errorf("chunk %d: %d statements; want the export in several", chunk, statements)
		}
	}
}
