package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

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

// Version returns the data version: the position of the newest change
// committed, which every write transaction bumps (see recordChange; on
// PostgreSQL the commit does, migration 0015). The
// response cache asks for it on every request it may answer.
//
// It reads change_sequence, with a statement prepared once on the reader
// pool: on PostgreSQL that sees every write any instance committed (and so
// acknowledged) before. (A NOTIFY may arrive after the client's next read.)
// Requests that ask at once share a read that started after they asked,
// which sees as much.
//
// On SQLite a read transaction costs far more than the statement (it takes
// the WAL index's locks), so the number is read again only when the WAL
// index header changed since it was last read. Every commit, by any process
// on the file (the CLI's seed and user create too), rewrites that header
// before it returns, and SQLite's own readers rely on the same header to
// tell whether their snapshot is current. Both copies of the header are
// read, and trusted only when they agree.
func (db *DB) Version(ctx context.Context) (int64, error) {
	var hdr walHeader
	watch := db.wal.header(ctx, &hdr)
	if watch {
		if seen := db.walSeen.Load(); seen != nil && seen.header == hdr {
			return seen.version, nil
		}
	}
	last, err := db.versionRead.do(ctx, db.readVersion)
	if err != nil {
		return 0, err
	}
	if watch {
		// The header was read before the statement: the number is at least
		// as new as the header, and a commit since changed the header again.
		db.walSeen.Store(&walVersion{header: hdr, version: last})
	}
	return last, nil
}

// walHeader is the two copies of the WAL index header (sqlite.org/walformat.html).
type walHeader [96]byte

// walVersion is a data version and the WAL index header it was read under.
type walVersion struct {
	header  walHeader
	version int64
}

const versionQuery = "SELECT last FROM change_sequence WHERE id = 1"

// readVersion reads the data version from the table. Version shares it
// among the requests that ask at once (see sharedRead): every request asks,
// and on PostgreSQL each read is a round trip.
func (db *DB) readVersion(ctx context.Context) (int64, error) {
	stmt, err := db.versionStmt()
	if err != nil {
		return 0, err
	}
	var last int64
	begin := time.Now()
	if err := db.slow.row(ctx, begin, versionQuery, stmt.QueryRowContext(ctx)).Scan(&last); err != nil {
		return 0, dbError(err)
	}
	return last, nil
}

// versionStmt prepares Version's statement on first use; a failure is not
// kept, so that the next request tries again.
func (db *DB) versionStmt() (*sql.Stmt, error) {
	if stmt := db.version.Load(); stmt != nil {
		return stmt, nil
	}
	sqlDB, err := db.read.DB()
	if err != nil {
		return nil, fmt.Errorf("data version: %w", err)
	}
	stmt, err := sqlDB.Prepare(versionQuery)
	if err != nil {
		return nil, dbError(err)
	}
	if !db.version.CompareAndSwap(nil, stmt) {
		_ = stmt.Close() // another request prepared it first
	}
	return db.version.Load(), nil
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

// MeetingReports maps the ids of meetings with a report to the report's publication id.
func (db *DB) MeetingReports(ctx context.Context, meetingIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(meetingIDs) == 0 {
		return out, nil
	}
	var rows []reportRow
	if err := db.reader(ctx).Where("meeting_id IN ?", unique(meetingIDs)).Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	for _, r := range rows {
		out[r.MeetingID] = r.PublicationID
	}
	return out, nil
}

// OrganisationDependents returns, per organisation id, the people, meetings,
// evaluations and commitments whose representations show the organisation.
func (db *DB) OrganisationDependents(ctx context.Context, orgIDs []string) (map[string][]change.Ref, error) {
	out := map[string][]change.Ref{}
	if len(orgIDs) == 0 {
		return out, nil
	}
	ids := unique(orgIDs)
	add := func(org, resource, id string, fields ...string) {
		if org != "" && slices.Contains(ids, org) {
			out[org] = append(out[org], change.Ref{Resource: resource, ID: id, Fields: fields})
		}
	}
	var members []struct{ OrganisationID, PersonID string }
	if err := db.reader(ctx).Table("memberships").Select("DISTINCT organisation_id, person_id").
		Where("organisation_id IN ?", ids).Order("person_id").Scan(&members).Error; err != nil {
		return nil, dbError(err)
	}
	for _, m := range members {
		add(m.OrganisationID, change.Person, m.PersonID, "memberships")
	}
	var meetings []struct {
		ID                                     string
		CaseOwnerID, VenueHostID, GuestChairID *string
	}
	if err := db.reader(ctx).Table("meetings").Select("id, case_owner_id, venue_host_id, guest_chair_id").
		Where("case_owner_id IN ? OR venue_host_id IN ? OR guest_chair_id IN ?", ids, ids, ids).Order("id").Scan(&meetings).Error; err != nil {
		return nil, dbError(err)
	}
	for _, m := range meetings {
		add(stringValue(m.CaseOwnerID), change.Meeting, m.ID, "details")
		add(stringValue(m.VenueHostID), change.Meeting, m.ID, "venue")
		add(stringValue(m.GuestChairID), change.Meeting, m.ID, "guestChair")
	}
	// Audiences and institutions are JSON lists: few rows, matched here.
	var evaluations []evaluationRow
	if err := db.reader(ctx).Select("id, audience").Order("id").Find(&evaluations).Error; err != nil {
		return nil, dbError(err)
	}
	for _, e := range evaluations {
		for _, org := range e.Audience.V {
			add(org, change.Evaluation, e.ID, "audience")
		}
	}
	var commitments []commitmentRow
	if err := db.reader(ctx).Select("code, lead, support").Order("code").Find(&commitments).Error; err != nil {
		return nil, dbError(err)
	}
	for _, c := range commitments {
		if c.Lead.V != nil {
			add(c.Lead.V.OrganisationID, change.Commitment, c.Code, "leadInstitution")
		}
		for _, i := range c.Support.V {
			add(i.OrganisationID, change.Commitment, c.Code, "supportInstitutions")
		}
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
