package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

type milestoneRow struct {
	ID               string
	Commitment       string
	Code             string
	CodeKey          string
	Title            string
	VerifiableResult string
	PlannedStart     *time.Time
	PlannedEnd       *time.Time
	ActualStart      *time.Time
	ActualEnd        *time.Time
	TargetCount      *int
	TargetUnit       string
	Rule             string
	Progress         int
	Status           string
	Completion       string
	Search           string
	Version          int
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (milestoneRow) TableName() string { return "milestones" }

// milestoneColumns are what scanMilestone reads, in its order.
const milestoneColumns = `id, commitment, code, code_key, title, verifiable_result, planned_start, planned_end, actual_start,
	actual_end, target_count, target_unit, rule, progress, status, completion, version, created_at, updated_at`

// scanMilestone reads one row of milestoneColumns without reflection.
func scanMilestone(rows *sql.Rows, r *milestoneRow) error {
	return rows.Scan(&r.ID, &r.Commitment, &r.Code, &r.CodeKey, &r.Title, &r.VerifiableResult, &r.PlannedStart, &r.PlannedEnd,
		&r.ActualStart, &r.ActualEnd, &r.TargetCount, &r.TargetUnit, &r.Rule, &r.Progress, &r.Status, &r.Completion,
		&r.Version, &r.CreatedAt, &r.UpdatedAt)
}

type milestoneHistoryRow struct {
	MilestoneID string `gorm:"primaryKey"`
	Version     int    `gorm:"primaryKey;autoIncrement:false"`
	Snapshot    jsonColumn[milestoneRow]
	Deleted     bool
	RecordedAt  time.Time
}

func (milestoneHistoryRow) TableName() string { return "milestone_history" }

type updateRow struct {
	ID          string
	MilestoneID string
	Date        time.Time
	Note        string
	EvidenceURL string `gorm:"column:evidence_url"`
	Author      string
	RecordedAt  time.Time
}

func (updateRow) TableName() string { return "milestone_updates" }

func toMilestoneRow(m milestone.Milestone) milestoneRow {
	r := milestoneRow{ID: m.ID, Commitment: m.Commitment, Code: m.Code, CodeKey: milestone.CodeKey(m.Code), Title: m.Title,
		VerifiableResult: m.VerifiableResult, PlannedStart: datePtr(m.PlannedStart), PlannedEnd: datePtr(m.PlannedEnd),
		ActualStart: datePtr(m.ActualStart), ActualEnd: datePtr(m.ActualEnd), Rule: string(m.Rule), Progress: m.Progress,
		Status: string(m.Status), Completion: string(m.Completion), Search: searchText(m.Title, m.VerifiableResult),
		Version: int(m.Version), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	if m.Target != nil {
		r.TargetCount, r.TargetUnit = &m.Target.Count, m.Target.Unit
	}
	return r
}

func (r milestoneRow) domain() milestone.Milestone {
	m := milestone.Milestone{ID: r.ID, Commitment: r.Commitment, Code: r.Code, Title: r.Title, VerifiableResult: r.VerifiableResult,
		PlannedStart: dateValue(r.PlannedStart), PlannedEnd: dateValue(r.PlannedEnd), ActualStart: dateValue(r.ActualStart),
		ActualEnd: dateValue(r.ActualEnd), Rule: milestone.Rule(r.Rule), Progress: r.Progress, Status: milestone.Status(r.Status),
		Completion: milestone.Completion(r.Completion), Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.TargetCount != nil {
		m.Target = &milestone.Target{Count: *r.TargetCount, Unit: r.TargetUnit}
	}
	return m
}

var milestoneKeyset = keyset{
	columns: map[string]sortColumn{
		"commitment": {expr: map[Dialect]string{SQLite: "commitment", Postgres: "commitment"},
			value: func(r any) any { return r.(milestoneRow).Commitment }},
		"codeKey": {expr: map[Dialect]string{SQLite: "code_key", Postgres: "code_key"},
			value: func(r any) any { return r.(milestoneRow).CodeKey }},
		"plannedEnd": {expr: map[Dialect]string{SQLite: "COALESCE(planned_end, " + openEndSQL[SQLite] + ")", Postgres: "COALESCE(planned_end, " + openEndSQL[Postgres] + ")"},
			isTime: true,
			value: func(r any) any {
				if e := r.(milestoneRow).PlannedEnd; e != nil {
					return *e
				}
				return domain.OpenEnd
			}},
	},
	id: func(r any) string { return r.(milestoneRow).ID },
}

// ListMilestones returns one page in the requested order.
func (db *DB) ListMilestones(ctx context.Context, q milestone.Query) (domain.Page[milestone.Milestone], error) {
	tx, sort, fp, err := db.milestoneList(db.reader(ctx).Table("milestones").Select(milestoneColumns), q)
	if err != nil {
		return domain.Page[milestone.Milestone]{}, err
	}
	rows, next, err := readPageWith(tx, milestoneKeyset, sort, fp, q.PageSize, false, scanMilestone)
	if err != nil {
		return domain.Page[milestone.Milestone]{}, err
	}
	page := domain.Page[milestone.Milestone]{Next: next}
	page.Items = make([]milestone.Milestone, len(rows))
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// EachMilestone calls fn for every milestone q selects, in its order (see
// eachRow for the statements that read them).
func (db *DB) EachMilestone(ctx context.Context, q milestone.Query, fn func(milestone.Milestone) error) error {
	var (
		sort []domain.SortKey
		fp   string
	)
	sel, scan := milestoneColumns, scanMilestone
	if db.dialect == SQLite {
		var dest rowArray // made once: eachRow scans into the same row every time
		sel, scan = milestoneExportSelect, func(rows *sql.Rows, r *milestoneRow) error {
			if dest == nil {
				dest = milestoneExportDest(r)
			}
			return rows.Scan(dest)
		}
	}
	query := func(cursor string) (*gormDB, error) {
		q.Cursor = cursor
		tx, s, f, err := db.milestoneList(db.reader(ctx).Table("milestones").Select(sel), q)
		sort, fp = s, f
		return tx, err
	}
	next := func(r *milestoneRow) (string, error) { return milestoneKeyset.next(sort, *r, fp) }
	return eachRow(ctx, db, query, next, scan, func(r *milestoneRow) error { return fn(r.domain()) })
}

// milestoneExportSelect is milestoneColumns for an export on SQLite: one
// JSON array (see rowArray), its dates read by storedTime in one pass
// rather than by the driver's layouts one by one.
const milestoneExportSelect = `json_array(id, commitment, code, code_key, title, verifiable_result, planned_start, planned_end,
	actual_start, actual_end, target_count, target_unit, rule, progress, status, completion, version, created_at, updated_at)`

// milestoneExportDest is where each value of milestoneExportSelect goes.
func milestoneExportDest(r *milestoneRow) rowArray {
	return rowArray{&r.ID, &r.Commitment, &r.Code, &r.CodeKey, &r.Title, &r.VerifiableResult,
		nullSQLiteTime{&r.PlannedStart}, nullSQLiteTime{&r.PlannedEnd}, nullSQLiteTime{&r.ActualStart}, nullSQLiteTime{&r.ActualEnd},
		nullInt{&r.TargetCount}, &r.TargetUnit, &r.Rule, intColumn{&r.Progress}, &r.Status, &r.Completion, intColumn{&r.Version},
		sqliteTime{&r.CreatedAt}, sqliteTime{&r.UpdatedAt}}
}

// milestoneList adds q's filters, order and cursor to tx.
func (db *DB) milestoneList(tx *gormDB, q milestone.Query) (*gormDB, []domain.SortKey, string, error) {
	f := q.Filter
	if f.Commitment != "" {
		tx = tx.Where("commitment = ?", f.Commitment)
	}
	if f.Cycle != 0 {
		tx = tx.Where("commitment IN (SELECT code FROM commitments WHERE cycle = ?)", f.Cycle)
	}
	if !f.DueBefore.IsZero() {
		tx = tx.Where("planned_end < ?", f.DueBefore.UTC())
	}
	if !f.DueAfter.IsZero() {
		tx = tx.Where("planned_end > ?", f.DueAfter.UTC())
	}
	if f.Q != "" {
		tx = tx.Where(`search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	var sort []domain.SortKey
	switch q.Sort {
	case "plannedEnd":
		sort = []domain.SortKey{{Field: "plannedEnd"}}
	case "-plannedEnd":
		sort = []domain.SortKey{{Field: "plannedEnd", Descending: true}}
	default:
		sort = []domain.SortKey{{Field: "commitment"}, {Field: "codeKey"}}
	}
	tx, since := updatedSince(tx, "updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"milestones", f.Commitment, f.Cycle, f.DueBefore.String(), f.DueAfter.String(), f.Q, q.Sort}, since...)...)
	tx, err := milestoneKeyset.apply(tx, db.dialect, sort, q.Cursor, fp)
	return tx, sort, fp, err
}

// GetMilestone returns a milestone as it stands.
func (db *DB) GetMilestone(ctx context.Context, id string) (milestone.Milestone, error) {
	rows, err := scanAll(db.reader(ctx).Table("milestones").Select(milestoneColumns).Where("id = ?", id), scanMilestone)
	if err != nil {
		return milestone.Milestone{}, err
	}
	if len(rows) == 0 {
		return milestone.Milestone{}, domain.Errorf(domain.CodeNotFound, "no milestone with id %q", id)
	}
	return rows[0].domain(), nil
}

// asOfRows returns the latest history row of each milestone recorded by at.
func (db *DB) asOfRows(ctx context.Context, at time.Time, id string) ([]milestoneHistoryRow, error) {
	latest := db.reader(ctx).Model(&milestoneHistoryRow{}).Select("milestone_id, MAX(version) AS v").
		Where("recorded_at <= ?", at.UTC()).Group("milestone_id")
	if id != "" {
		latest = latest.Where("milestone_id = ?", id)
	}
	var rows []milestoneHistoryRow
	err := db.reader(ctx).Table("milestone_history AS h").Select("h.*").
		Joins("JOIN (?) AS x ON x.milestone_id = h.milestone_id AND x.v = h.version", latest).
		Where("h.deleted = ?", false).Find(&rows).Error
	return rows, dbError(err)
}

func fromSnapshot(h milestoneHistoryRow) milestone.Milestone { return h.Snapshot.V.domain() }

// MilestonesAsOf returns every milestone as it stood at the instant.
func (db *DB) MilestonesAsOf(ctx context.Context, at time.Time) ([]milestone.Milestone, error) {
	rows, err := db.asOfRows(ctx, at, "")
	if err != nil {
		return nil, err
	}
	out := make([]milestone.Milestone, 0, len(rows))
	for _, h := range rows {
		out = append(out, fromSnapshot(h))
	}
	return out, nil
}

// MilestoneAsOf returns one milestone as it stood at the instant.
func (db *DB) MilestoneAsOf(ctx context.Context, id string, at time.Time) (milestone.Milestone, error) {
	rows, err := db.asOfRows(ctx, at, id)
	if err != nil {
		return milestone.Milestone{}, err
	}
	if len(rows) == 0 {
		return milestone.Milestone{}, domain.Errorf(domain.CodeNotFound, "no milestone %s on %s", id, at.In(domain.Amsterdam).Format(time.DateOnly))
	}
	return fromSnapshot(rows[0]), nil
}

// keep records the version in the history, in the write's transaction.
func keep(tx *gormDB, row milestoneRow, deleted bool, at time.Time) error {
	return tx.Create(&milestoneHistoryRow{MilestoneID: row.ID, Version: row.Version, Snapshot: jsonOf(row), Deleted: deleted, RecordedAt: at.UTC()}).Error
}

// CreateMilestone inserts m and its first version.
func (db *DB) CreateMilestone(ctx context.Context, m milestone.Milestone, ch domain.Change) error {
	row := toMilestoneRow(m)
	return milestoneCodeTaken(db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return keep(tx, row, false, ch.At)
	}))
}

// UpdateMilestone writes m over its previous version and keeps it.
func (db *DB) UpdateMilestone(ctx context.Context, m milestone.Milestone, ch domain.Change) error {
	row := toMilestoneRow(m)
	return milestoneCodeTaken(db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		if err := swapUpdate(tx, &row, "id", m.ID, ch); err != nil {
			return err
		}
		return keep(tx, row, false, ch.At)
	}))
}

// DeleteMilestone removes m; its history ends with a deletion.
func (db *DB) DeleteMilestone(ctx context.Context, m milestone.Milestone, ch domain.Change) error {
	row := toMilestoneRow(m)
	row.Version = ch.Version
	return db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		if err := swapDelete(tx, &milestoneRow{}, m.ID, ch); err != nil {
			return err
		}
		return keep(tx, row, true, ch.At)
	})
}

func milestoneCodeTaken(err error) error {
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "the commitment has a milestone with this code",
			Fields: []domain.FieldError{{Name: "code", Reason: "is already taken in this commitment"}}}
	}
	return err
}

// ListProgressUpdates lists a milestone's progress updates entered by
// seen.RecordedBy and dated by seen.DatedBy, newest first.
func (db *DB) ListProgressUpdates(ctx context.Context, milestoneID string, seen milestone.Seen) ([]milestone.ProgressUpdate, error) {
	var rows []updateRow
	if err := db.reader(ctx).Where("milestone_id = ? AND recorded_at <= ? AND date <= ?", milestoneID, seen.RecordedBy.UTC(), domain.Today(seen.DatedBy)).
		Order("date DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]milestone.ProgressUpdate, len(rows))
	for i, r := range rows {
		out[i] = milestone.ProgressUpdate{ID: r.ID, MilestoneID: r.MilestoneID, Date: domain.Day(r.Date), Note: r.Note,
			EvidenceURL: r.EvidenceURL, Author: r.Author, RecordedAt: r.RecordedAt.UTC()}
	}
	return out, nil
}

// CreateProgressUpdate inserts a progress update.
func (db *DB) CreateProgressUpdate(ctx context.Context, u milestone.ProgressUpdate, ch domain.Change) error {
	row := updateRow{ID: u.ID, MilestoneID: u.MilestoneID, Date: u.Date, Note: u.Note, EvidenceURL: u.EvidenceURL, Author: u.Author, RecordedAt: u.RecordedAt.UTC()}
	return db.writeRecorded(ctx, ch, func(tx *gormDB) error { return tx.Create(&row).Error })
}

// HeldMeetingsWithReport lists held meetings dated from..to (Amsterdam
// days, both included) that had started, and whose report had been
// published, by seen.DatedBy, the report recorded by seen.RecordedBy and
// not retracted by then.
//
// The report is judged by the version that was current at
// seen.RecordedBy, read from meeting_report_versions: meeting_reports
// holds only the latest version, and a version written after a
// retraction, or a correction that moves published_on, would otherwise
// rewrite the past. Version 1 counts from the report's created_at: a
// report written before migration 0012 got its one version row stamped
// with its last update.
func (db *DB) HeldMeetingsWithReport(ctx context.Context, from, to time.Time, seen milestone.Seen) ([]milestone.EvidenceItem, error) {
	var rows []struct {
		ID          string
		Title       string
		StartsAt    time.Time
		PublishedOn time.Time
		CreatedAt   time.Time
	}
	by := seen.RecordedBy.UTC()
	tx := db.reader(ctx).Table("meetings AS m").Select("m.id, m.title, m.starts_at, v.published_on, r.created_at").
		Joins("JOIN meeting_reports r ON r.meeting_id = m.id").
		Joins(`JOIN meeting_report_versions v ON v.meeting_id = m.id AND v.version = (SELECT MAX(c.version)
			FROM meeting_report_versions c WHERE c.meeting_id = m.id AND (c.recorded_at <= ? OR (c.version = 1 AND r.created_at <= ?)))`, by, by).
		Where("m.status = ? AND v.published_on <= ?", "held", domain.Today(seen.DatedBy)).
		Where("(v.retracted_at IS NULL OR v.retracted_at > ?)", by)
	if !from.IsZero() {
		tx = tx.Where("m.starts_at >= ?", domain.DayStart(from))
	}
	tx = tx.Where("m.starts_at < ? AND m.starts_at <= ?", domain.DayStart(to.AddDate(0, 0, 1)), seen.DatedBy.UTC())
	if err := tx.Order("m.starts_at, m.id").Scan(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]milestone.EvidenceItem, len(rows))
	for i, r := range rows {
		on := domain.Today(r.StartsAt)
		out[i] = milestone.EvidenceItem{Kind: "meeting", ID: r.ID, Title: r.Title, On: on,
			CountsFrom: later(on, domain.Day(r.PublishedOn)), RecordedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// MagazineEditions lists magazine editions published from..to, and by
// seen.DatedBy, that had been recorded by seen.RecordedBy.
func (db *DB) MagazineEditions(ctx context.Context, from, to time.Time, seen milestone.Seen) ([]milestone.EvidenceItem, error) {
	var rows []publicationRow
	last := domain.Day(to)
	if day := domain.Today(seen.DatedBy); day.Before(last) {
		last = day // an edition dated later was not out yet
	}
	tx := db.reader(ctx).Where("kind = ? AND created_at <= ? AND published_on <= ?", "magazine-edition", seen.RecordedBy.UTC(), last)
	if !from.IsZero() {
		tx = tx.Where("published_on >= ?", domain.Day(from))
	}
	if err := tx.Order("published_on, id").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]milestone.EvidenceItem, len(rows))
	for i, r := range rows {
		out[i] = milestone.EvidenceItem{Kind: "publication", ID: r.ID, Title: r.Title, On: domain.Day(r.PublishedOn),
			CountsFrom: domain.Day(r.PublishedOn), RecordedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// later is the later of two days.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
