package store

import (
	"context"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type commitmentRow struct {
	Code        string `gorm:"primaryKey"`
	Title       string
	Cycle       int
	ActionPlan  string
	PolicyAreas jsonColumn[[]string]
	Lead        jsonColumn[*institutionJSON]
	Support     jsonColumn[[]institutionJSON]
	Status      string
	Search      string
	Version     int
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (commitmentRow) TableName() string { return "commitments" }

type commitmentView struct {
	Row            commitmentRow `gorm:"embedded"`
	MilestoneCount int
}

// institutionJSON is how an institution is stored; names of organisations
// are looked up when read.
type institutionJSON struct {
	Name           string `json:"name"`
	OrganisationID string `json:"organisationId,omitempty"`
}

func toCommitmentRow(c milestone.Commitment) commitmentRow {
	support := make([]institutionJSON, len(c.Support))
	for i, s := range c.Support {
		support[i] = toInstitutionJSON(s)
	}
	r := commitmentRow{Code: c.Code, Title: c.Title, Cycle: c.Cycle, ActionPlan: c.ActionPlan, PolicyAreas: jsonOf(nonNil(c.PolicyAreas)),
		Support: jsonOf(support), Status: c.Status, Search: searchText(c.Code, c.Title, strings.Join(c.PolicyAreas, " ")),
		Version: int(c.Version), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if c.Lead != nil {
		lead := toInstitutionJSON(*c.Lead)
		r.Lead = jsonOf(&lead)
	}
	return r
}

func toInstitutionJSON(i milestone.Institution) institutionJSON {
	j := institutionJSON{Name: i.Name}
	if i.Organisation != nil {
		j.OrganisationID = i.Organisation.ID
	}
	return j
}

// commitments maps rows, resolving every organisation they name in one query.
func (db *DB) commitments(ctx context.Context, rows []commitmentView) ([]milestone.Commitment, error) {
	codes := make([]string, len(rows))
	for i, v := range rows {
		codes[i] = v.Row.Code
	}
	counts, err := db.countBy(ctx, "milestones", "commitment", codes)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].MilestoneCount = counts[rows[i].Row.Code]
	}
	var ids []string
	for _, v := range rows {
		for _, s := range v.Row.Support.V {
			ids = append(ids, s.OrganisationID)
		}
		if l := v.Row.Lead.V; l != nil {
			ids = append(ids, l.OrganisationID)
		}
	}
	orgs, err := db.organisationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]organisationRow, len(orgs))
	for _, o := range orgs {
		byID[o.ID] = o
	}
	var out []milestone.Commitment
	for _, v := range rows {
		out = append(out, v.domain(byID))
	}
	return out, nil
}

func (v commitmentView) domain(orgs map[string]organisationRow) milestone.Commitment {
	r := v.Row
	c := milestone.Commitment{Code: r.Code, Title: r.Title, Cycle: r.Cycle, ActionPlan: r.ActionPlan, PolicyAreas: r.PolicyAreas.V,
		Status: r.Status, MilestoneCount: v.MilestoneCount, Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, s := range r.Support.V {
		c.Support = append(c.Support, s.domain(orgs))
	}
	if r.Lead.V != nil {
		lead := r.Lead.V.domain(orgs)
		c.Lead = &lead
	}
	return c
}

func (j institutionJSON) domain(orgs map[string]organisationRow) milestone.Institution {
	inst := milestone.Institution{Name: j.Name}
	// An organisation that left the record is not in orgs; the name stays.
	if o, ok := orgs[j.OrganisationID]; ok {
		inst.Organisation = &organisation.Ref{ID: o.ID, Code: o.Code, Name: o.Name}
	}
	return inst
}

// commitmentSelect reads no counts: commitments counts the milestones of a
// whole page in one grouped query instead of a correlated COUNT per row.
const commitmentSelect = "c.*"

var commitmentKeyset = keyset{
	columns: map[string]sortColumn{},
	idExpr:  "c.code",
	id:      func(r any) string { return r.(commitmentView).Row.Code },
}

// ListCommitments returns commitments in code order: one page, or all of them with q.All.
func (db *DB) ListCommitments(ctx context.Context, q milestone.CommitmentQuery) (domain.Page[milestone.Commitment], error) {
	f := q.Filter
	tx := db.reader(ctx).Table("commitments AS c").Select(commitmentSelect)
	if f.Cycle != 0 {
		tx = tx.Where("c.cycle = ?", f.Cycle)
	}
	if f.PolicyArea != "" {
		tx = tx.Where("LOWER(c.policy_areas) LIKE ? ESCAPE '\\'", likePattern(`"`+f.PolicyArea+`"`))
	}
	if f.Q != "" {
		tx = tx.Where(`c.search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	tx, since := updatedSince(tx, "c.updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"commitments", f.Cycle, f.PolicyArea, f.Q}, since...)...)
	tx, err := commitmentKeyset.apply(tx, db.dialect, nil, q.Cursor, fp)
	if err != nil {
		return domain.Page[milestone.Commitment]{}, err
	}
	rows, next, err := readPage[commitmentView](tx, commitmentKeyset, nil, fp, q.PageSize, q.All)
	if err != nil {
		return domain.Page[milestone.Commitment]{}, err
	}
	page := domain.Page[milestone.Commitment]{Next: next}
	if page.Items, err = db.commitments(ctx, rows); err != nil {
		return domain.Page[milestone.Commitment]{}, err
	}
	return page, nil
}

// GetCommitment returns a commitment by code.
func (db *DB) GetCommitment(ctx context.Context, code string) (milestone.Commitment, error) {
	var rows []commitmentView
	if err := db.reader(ctx).Table("commitments AS c").Select(commitmentSelect).Where("c.code = ?", code).Scan(&rows).Error; err != nil {
		return milestone.Commitment{}, dbError(err)
	}
	if len(rows) == 0 {
		return milestone.Commitment{}, domain.Errorf(domain.CodeNotFound, "no commitment %q", code)
	}
	items, err := db.commitments(ctx, rows)
	if err != nil {
		return milestone.Commitment{}, err
	}
	return items[0], nil
}

// CreateCommitment inserts c.
func (db *DB) CreateCommitment(ctx context.Context, c milestone.Commitment, ch domain.Change) error {
	row := toCommitmentRow(c)
	err := db.create(ctx, &row, ch)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "commitment " + c.Code + " exists",
			Fields: []domain.FieldError{{Name: "code", Reason: "is already taken"}}}
	}
	return err
}

// UpdateCommitment writes c over its previous version.
func (db *DB) UpdateCommitment(ctx context.Context, c milestone.Commitment, ch domain.Change) error {
	row := toCommitmentRow(c)
	return db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		return swapUpdate(tx, &row, "code", c.Code, ch)
	})
}
