package store

import (
	"context"
	"slices"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

var _ change.Store = (*DB)(nil)

// Head returns the position of the newest change committed.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var last int64
	if err := db.reader(ctx).Raw("SELECT last FROM change_sequence WHERE id = 1").Scan(&last).Error; err != nil {
		return 0, dbError(err)
	}
	return last, nil
}

// ChangesAfter returns up to limit changes after position after, in commit
// order (see migration 0007).
func (db *DB) ChangesAfter(ctx context.Context, after int64, limit int) ([]change.Record, error) {
	var rows []changeRow
	if err := db.reader(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]change.Record, len(rows))
	for i, r := range rows {
		out[i] = change.Record{Seq: r.Seq, ID: r.ID, Change: domain.Change{Resource: r.Resource, ResourceID: r.ResourceID,
			Action: domain.Action(r.Action), Actor: r.Actor, Fields: r.Fields.V, Version: r.Version, At: r.At.UTC()}}
	}
	return out, nil
}

// parentTables are the tables of the sub-resources whose changes the feed
// shows on their parent, with the column naming the parent.
var parentTables = map[string]struct{ table, column string }{
	"registration":     {"registrations", "meeting_id"},
	"submission":       {"submissions", "meeting_id"},
	"milestone-update": {"milestone_updates", "milestone_id"},
}

// Parents maps the ids of sub-resources of kind resource to their parents' ids.
func (db *DB) Parents(ctx context.Context, resource string, ids []string) (map[string]string, error) {
	t, ok := parentTables[resource]
	out := map[string]string{}
	if !ok || len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ ID, Parent string }
	if err := db.reader(ctx).Table(t.table).Select("id, "+t.column+" AS parent").Where("id IN ?", unique(ids)).Scan(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	for _, r := range rows {
		out[r.ID] = r.Parent
	}
	return out, nil
}

// Deleted says which of the ids of resource were deleted.
func (db *DB) Deleted(ctx context.Context, resource string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []string
	if err := db.reader(ctx).Model(&changeRow{}).Distinct("resource_id").
		Where("resource = ? AND action = ? AND resource_id IN ?", resource, string(domain.ActionDelete), unique(ids)).
		Pluck("resource_id", &found).Error; err != nil {
		return nil, dbError(err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// MilestonesByRule returns the ids of the milestones whose progress follows
// from evidence, by rule.
func (db *DB) MilestonesByRule(ctx context.Context) (map[milestone.Rule][]string, error) {
	var rows []struct{ ID, Rule string }
	if err := db.reader(ctx).Model(&milestoneRow{}).Select("id, rule").
		Where("rule <> ?", string(milestone.RuleNone)).Order("id").Scan(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := map[milestone.Rule][]string{}
	for _, r := range rows {
		out[milestone.Rule(r.Rule)] = append(out[milestone.Rule(r.Rule)], r.ID)
	}
	return out, nil
}

// MilestoneCommitments returns, per milestone id, every commitment it
// belonged to in any version, from its history (deleted ones included).
func (db *DB) MilestoneCommitments(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []milestoneHistoryRow
	if err := db.reader(ctx).Where("milestone_id IN ?", unique(ids)).Order("milestone_id, version").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	for _, r := range rows {
		if c := r.Snapshot.V.Commitment; c != "" && !slices.Contains(out[r.MilestoneID], c) {
			out[r.MilestoneID] = append(out[r.MilestoneID], c)
		}
	}
	return out, nil
}

// unique is ids without repeats, in order.
func unique(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
