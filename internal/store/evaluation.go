package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type evaluationRow struct {
	ID           string
	Title        string
	Description  string
	MilestoneID  *string
	OpensAt      time.Time
	ClosesAt     time.Time
	Published    bool
	Audience     jsonColumn[[]string]
	MinGroupSize int
	Questions    jsonColumn[[]questionJSON]
	Example      bool
	Version      int
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (evaluationRow) TableName() string { return "evaluations" }

type evaluationView struct {
	Row           evaluationRow `gorm:"embedded"`
	ResponseCount int
}

type responseRow struct {
	EvaluationID   string `gorm:"primaryKey"`
	OrganisationID string `gorm:"primaryKey"`
	Answers        jsonColumn[evaluation.Answers]
	SubmittedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (responseRow) TableName() string { return "evaluation_responses" }

// questionJSON is how a question is stored.
type questionJSON struct {
	Key           string            `json:"key"`
	Type          string            `json:"type"`
	Text          string            `json:"text"`
	Required      bool              `json:"required,omitempty"`
	Min           *float64          `json:"min,omitempty"`
	Max           *float64          `json:"max,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Options       []string          `json:"options,omitempty"`
	MinSelections int               `json:"minSelections,omitempty"`
	MaxSelections int               `json:"maxSelections,omitempty"`
	MaxLength     int               `json:"maxLength,omitempty"`
}

func toEvaluationRow(e evaluation.Evaluation) evaluationRow {
	ids := make([]string, len(e.Audience))
	for i, o := range e.Audience {
		ids[i] = o.ID
	}
	qs := make([]questionJSON, len(e.Questions))
	for i, q := range e.Questions {
		qs[i] = questionJSON{Key: q.Key, Type: string(q.Type), Text: q.Text, Required: q.Required, Min: q.Min, Max: q.Max,
			Labels: q.Labels, Options: q.Options, MinSelections: q.MinSelections, MaxSelections: q.MaxSelections, MaxLength: q.MaxLength}
	}
	return evaluationRow{ID: e.ID, Title: e.Title, Description: e.Description, MilestoneID: nullString(e.MilestoneID),
		OpensAt: e.OpensAt.UTC(), ClosesAt: e.ClosesAt.UTC(), Published: e.Published, Audience: jsonOf(ids),
		MinGroupSize: e.MinGroupSize, Questions: jsonOf(qs), Example: e.Example, Version: int(e.Version),
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
}

// evaluations maps rows, resolving every audience organisation in one query.
func (db *DB) evaluations(ctx context.Context, rows []evaluationView) ([]evaluation.Evaluation, error) {
	keys := make([]string, len(rows))
	for i, v := range rows {
		keys[i] = v.Row.ID
	}
	counts, err := db.countBy(ctx, "evaluation_responses", "evaluation_id", keys)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].ResponseCount = counts[rows[i].Row.ID]
	}
	var ids []string
	for _, v := range rows {
		ids = append(ids, v.Row.Audience.V...)
	}
	orgs, err := db.organisationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []evaluation.Evaluation
	for _, v := range rows {
		out = append(out, v.domain(orgs))
	}
	return out, nil
}

// domain maps the row; orgs are in code order, and the audience keeps it.
func (v evaluationView) domain(orgs []organisationRow) evaluation.Evaluation {
	r := v.Row
	e := evaluation.Evaluation{ID: r.ID, Title: r.Title, Description: r.Description, MilestoneID: stringValue(r.MilestoneID),
		OpensAt: r.OpensAt.UTC(), ClosesAt: r.ClosesAt.UTC(), Published: r.Published, MinGroupSize: r.MinGroupSize,
		ResponseCount: v.ResponseCount, Example: r.Example, Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, q := range r.Questions.V {
		e.Questions = append(e.Questions, evaluation.Question{Key: q.Key, Type: evaluation.QuestionType(q.Type), Text: q.Text,
			Required: q.Required, Min: q.Min, Max: q.Max, Labels: q.Labels, Options: q.Options, MinSelections: q.MinSelections,
			MaxSelections: q.MaxSelections, MaxLength: q.MaxLength})
	}
	for _, o := range orgs {
		if slices.Contains(r.Audience.V, o.ID) {
			e.Audience = append(e.Audience, organisation.Ref{ID: o.ID, Code: o.Code, Name: o.Name})
		}
	}
	return e
}

// evaluationSelect reads no counts: evaluations counts the responses of a
// whole page in one grouped query instead of a correlated COUNT per row.
const evaluationSelect = "e.*"

var evaluationKeyset = keyset{
	columns: map[string]sortColumn{
		"createdAt": {expr: map[Dialect]string{SQLite: "e.created_at", Postgres: "e.created_at"}, isTime: true,
			value: func(r any) any { return r.(evaluationView).Row.CreatedAt }},
	},
	idExpr: "e.id",
	id:     func(r any) string { return r.(evaluationView).Row.ID },
}

// ListEvaluations returns evaluations, newest first.
func (db *DB) ListEvaluations(ctx context.Context, f evaluation.Filter) (domain.Page[evaluation.Evaluation], error) {
	tx := db.reader(ctx).Table("evaluations AS e").Select(evaluationSelect)
	if !f.WithDrafts {
		tx = tx.Where("e.published = ?", true)
	}
	now := f.Now.UTC()
	switch f.Status {
	case evaluation.Draft:
		tx = tx.Where("(e.published = ? OR e.opens_at > ?)", false, now)
	case evaluation.Open:
		tx = tx.Where("e.published = ? AND e.opens_at <= ? AND e.closes_at > ?", true, now, now)
	case evaluation.Closed:
		tx = tx.Where("e.published = ? AND e.closes_at <= ?", true, now)
	}
	if f.MilestoneID != "" {
		tx = tx.Where("e.milestone_id = ?", f.MilestoneID)
	}
	answered := ""
	if f.Answered != nil && f.AnsweredBy != "" {
		answered = fmt.Sprint(*f.Answered)
		exists := "EXISTS (SELECT 1 FROM evaluation_responses r WHERE r.evaluation_id = e.id AND r.organisation_id = ?)"
		if !*f.Answered {
			exists = "NOT " + exists
		}
		tx = tx.Where(exists, f.AnsweredBy)
	}
	sort := []domain.SortKey{{Field: "createdAt", Descending: true}}
	tx, since := updatedSince(tx, "e.updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"evaluations", f.WithDrafts, f.Status, f.MilestoneID}, since...)...)
	if answered != "" {
		// Only then: cursors issued before the filter existed stay valid.
		fp = fingerprint(fp, f.AnsweredBy, answered)
	}
	tx, err := evaluationKeyset.apply(tx, db.dialect, sort, f.Cursor, fp)
	if err != nil {
		return domain.Page[evaluation.Evaluation]{}, err
	}
	rows, next, err := readPage[evaluationView](tx, evaluationKeyset, sort, fp, f.PageSize, false)
	if err != nil {
		return domain.Page[evaluation.Evaluation]{}, err
	}
	page := domain.Page[evaluation.Evaluation]{Next: next}
	if page.Items, err = db.evaluations(ctx, rows); err != nil {
		return domain.Page[evaluation.Evaluation]{}, err
	}
	return page, nil
}

// GetEvaluation returns one evaluation.
func (db *DB) GetEvaluation(ctx context.Context, id string) (evaluation.Evaluation, error) {
	var rows []evaluationView
	if err := db.reader(ctx).Table("evaluations AS e").Select(evaluationSelect).Where("e.id = ?", id).Scan(&rows).Error; err != nil {
		return evaluation.Evaluation{}, dbError(err)
	}
	if len(rows) == 0 {
		return evaluation.Evaluation{}, domain.Errorf(domain.CodeNotFound, "no evaluation with id %q", id)
	}
	items, err := db.evaluations(ctx, rows)
	if err != nil {
		return evaluation.Evaluation{}, err
	}
	return items[0], nil
}

// CreateEvaluation inserts e.
func (db *DB) CreateEvaluation(ctx context.Context, e evaluation.Evaluation, c domain.Change) error {
	row := toEvaluationRow(e)
	return db.create(ctx, &row, c)
}

// UpdateEvaluation writes e over its previous version.
func (db *DB) UpdateEvaluation(ctx context.Context, e evaluation.Evaluation, c domain.Change) error {
	row := toEvaluationRow(e)
	return db.update(ctx, &row, e.ID, c)
}

// DeleteEvaluation removes e.
func (db *DB) DeleteEvaluation(ctx context.Context, e evaluation.Evaluation, c domain.Change) error {
	return db.remove(ctx, &evaluationRow{}, e.ID, c)
}

// Responses returns an evaluation's responses.
func (db *DB) Responses(ctx context.Context, evaluationID string) ([]evaluation.Response, error) {
	var rows []struct {
		Row  responseRow `gorm:"embedded"`
		Code string
		Name string
	}
	err := db.reader(ctx).Table("evaluation_responses AS r").Select("r.*, o.code AS code, o.name AS name").
		Joins("JOIN organisations o ON o.id = r.organisation_id").Where("r.evaluation_id = ?", evaluationID).
		Order("o.code").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]evaluation.Response, len(rows))
	for i, v := range rows {
		r := v.Row
		resp := evaluation.Response{EvaluationID: r.EvaluationID, Organisation: organisation.Ref{ID: r.OrganisationID, Code: v.Code, Name: v.Name},
			Answers: r.Answers.V, SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		out[i] = resp
	}
	return out, nil
}

// PutResponse inserts the organisation's response or replaces its answers;
// the primary key keeps it to one per organisation, also under concurrent writes.
func (db *DB) PutResponse(ctx context.Context, r evaluation.Response, c domain.Change) error {
	row := responseRow{EvaluationID: r.EvaluationID, OrganisationID: r.Organisation.ID, Answers: jsonOf(r.Answers),
		SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	return db.writeRecorded(ctx, c, func(tx *gormDB) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "evaluation_id"}, {Name: "organisation_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"answers", "updated_at"}),
		}).Create(&row).Error
	})
}

// LockEvaluation locks the evaluation's row on PostgreSQL; SQLite's single
// writer already runs write transactions one at a time.
func (db *DB) LockEvaluation(ctx context.Context, id string) error {
	if db.dialect != Postgres {
		return nil
	}
	return dbError(db.writer(ctx).Exec("SELECT id FROM evaluations WHERE id = ? FOR UPDATE", id).Error)
}

// MilestoneExists reports whether a milestone has the id.
func (db *DB) MilestoneExists(ctx context.Context, id string) (bool, error) {
	var n int64
	err := db.reader(ctx).Model(&milestoneRow{}).Where("id = ?", id).Count(&n).Error
	return n > 0, dbError(err)
}

// ClosedEvaluations lists the published evaluations linked to a milestone
// that had closed by seen.DatedBy and were on record by seen.RecordedBy.
func (db *DB) ClosedEvaluations(ctx context.Context, milestoneID string, seen milestone.Seen) ([]milestone.EvidenceItem, error) {
	var rows []evaluationRow
	err := db.reader(ctx).Where("milestone_id = ? AND published = ? AND closes_at <= ? AND created_at <= ?", milestoneID, true, seen.DatedBy.UTC(), seen.RecordedBy.UTC()).
		Order("closes_at, id").Find(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	out := make([]milestone.EvidenceItem, len(rows))
	for i, r := range rows {
		out[i] = milestone.EvidenceItem{Kind: "evaluation", ID: r.ID, Title: r.Title, On: domain.Today(r.ClosesAt),
			CountsFrom: domain.Today(r.ClosesAt), RecordedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}
