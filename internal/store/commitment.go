package store

import (
	"context"
	"fmt"
	"slices"
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
	// The details (migration 0013).
	StartDate          *time.Time
	EndDate            *time.Time
	MilestonesFrom     string
	MilestonesUntil    string
	Description        jsonColumn[descriptionJSON]
	IrmReport          string
	Verifiable         *bool
	OgpValues          jsonColumn[[]string]
	PotentialImpact    string
	Starred            *bool
	DesignNote         string
	Completion         string
	EarlyResults       string
	ImplementationNote string
	Recommendations    jsonColumn[[]recommendationJSON]
}

func (commitmentRow) TableName() string { return "commitments" }

type commitmentView struct {
	Row            commitmentRow `gorm:"embedded"`
	MilestoneCount int
	Related        []milestone.CommitmentRef `gorm:"-"`
}

// institutionJSON is how an institution is stored; names of organisations
// are looked up when read.
type institutionJSON struct {
	Name           string `json:"name"`
	OrganisationID string `json:"organisationId,omitempty"`
}

type descriptionJSON struct {
	SocialIssue  string `json:"socialIssue,omitempty"`
	Action       string `json:"action,omitempty"`
	Contribution string `json:"contribution,omitempty"`
	Relevance    string `json:"relevance,omitempty"`
}

type recommendationJSON struct {
	Text    string   `json:"text"`
	Related []string `json:"related,omitempty"`
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
	d, irm := c.Description, c.IRM
	r.StartDate, r.EndDate = datePtr(c.StartDate), datePtr(c.EndDate)
	r.MilestonesFrom, r.MilestonesUntil = c.MilestonePeriod.From, c.MilestonePeriod.Until
	r.Description = jsonOf(descriptionJSON{SocialIssue: d.SocialIssue, Action: d.Action, Contribution: d.Contribution, Relevance: d.Relevance})
	values := make([]string, len(irm.OGPValues))
	for i, v := range irm.OGPValues {
		values[i] = string(v)
	}
	recs := make([]recommendationJSON, len(irm.Recommendations))
	for i, rec := range irm.Recommendations {
		recs[i] = recommendationJSON{Text: rec.Text, Related: rec.Related}
	}
	r.IrmReport, r.Verifiable, r.OgpValues, r.PotentialImpact, r.Starred = irm.Report, irm.Verifiable, jsonOf(values), string(irm.PotentialImpact), irm.Starred
	r.DesignNote, r.Completion, r.EarlyResults, r.ImplementationNote = irm.DesignNote, string(irm.Completion), string(irm.EarlyResults), irm.ImplementationNote
	r.Recommendations = jsonOf(recs)
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
	related, err := db.relatedCommitments(ctx, codes)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].MilestoneCount = counts[rows[i].Row.Code]
		rows[i].Related = related[rows[i].Row.Code]
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
	d := r.Description.V
	c.StartDate, c.EndDate = dateValue(r.StartDate), dateValue(r.EndDate)
	c.MilestonePeriod = milestone.MonthSpan{From: r.MilestonesFrom, Until: r.MilestonesUntil}
	c.Description = milestone.Description{SocialIssue: d.SocialIssue, Action: d.Action, Contribution: d.Contribution, Relevance: d.Relevance}
	c.IRM = milestone.Assessment{Report: r.IrmReport, Verifiable: r.Verifiable, PotentialImpact: milestone.PotentialImpact(r.PotentialImpact),
		Starred: r.Starred, DesignNote: r.DesignNote, Completion: milestone.Completion(r.Completion),
		EarlyResults: milestone.EarlyResults(r.EarlyResults), ImplementationNote: r.ImplementationNote}
	for _, v := range r.OgpValues.V {
		c.IRM.OGPValues = append(c.IRM.OGPValues, milestone.OGPValue(v))
	}
	for _, rec := range r.Recommendations.V {
		c.IRM.Recommendations = append(c.IRM.Recommendations, milestone.Recommendation{Text: rec.Text, Related: rec.Related})
	}
	c.Related = v.Related
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
	if f.PotentialImpact != "" {
		tx = tx.Where("c.potential_impact = ?", string(f.PotentialImpact))
	}
	if f.OGPValue != "" {
		tx = tx.Where("c.ogp_values LIKE ?", `%"`+string(f.OGPValue)+`"%`) // values are kebab-case: no LIKE wildcards
	}
	if f.Starred != nil {
		tx = tx.Where("c.starred = ?", *f.Starred)
	}
	tx, since := updatedSince(tx, "c.updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"commitments", f.Cycle, f.PolicyArea, f.Q, string(f.PotentialImpact), string(f.OGPValue), fmt.Sprint(f.Starred != nil && *f.Starred), f.Starred == nil}, since...)...)
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

// CreateCommitment inserts c, its links and its first version.
func (db *DB) CreateCommitment(ctx context.Context, c milestone.Commitment, ch domain.Change) error {
	row := toCommitmentRow(c)
	err := db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := linkCommitments(tx, c.Code, c.Related); err != nil {
			return err
		}
		return keepCommitment(tx, row, c.Related, ch.At)
	})
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "commitment " + c.Code + " exists",
			Fields: []domain.FieldError{{Name: "code", Reason: "is already taken"}}}
	}
	return err
}

// UpdateCommitment writes c and its links over its previous version and
// keeps it.
func (db *DB) UpdateCommitment(ctx context.Context, c milestone.Commitment, ch domain.Change) error {
	row := toCommitmentRow(c)
	return db.writeRecorded(ctx, ch, func(tx *gormDB) error {
		if err := keepPrevious(tx, c.Code); err != nil {
			return err
		}
		if err := swapUpdate(tx, &row, "code", c.Code, ch); err != nil {
			return err
		}
		if err := linkCommitments(tx, c.Code, c.Related); err != nil {
			return err
		}
		return keepCommitment(tx, row, c.Related, ch.At)
	})
}

// commitmentLinkRow is one direction of a link between two commitments.
type commitmentLinkRow struct {
	Commitment string
	Related    string
}

func (commitmentLinkRow) TableName() string { return "commitment_links" }

// linkCommitments makes code's links those to related, in both directions.
// Each other commitment it links or unlinks keeps its previous version
// first (keepPrevious): read after the links change, a commitment without
// history yet would be kept as having had them all along.
func linkCommitments(tx *gormDB, code string, related []milestone.CommitmentRef) error {
	var have []string
	if err := tx.Model(&commitmentLinkRow{}).Where("commitment = ?", code).Pluck("related", &have).Error; err != nil {
		return err
	}
	want := make([]string, len(related))
	for i, r := range related {
		want[i] = r.Code
	}
	for _, other := range have {
		if !slices.Contains(want, other) {
			if err := keepPrevious(tx, other); err != nil {
				return err
			}
			if err := tx.Where("(commitment = ? AND related = ?) OR (commitment = ? AND related = ?)", code, other, other, code).
				Delete(&commitmentLinkRow{}).Error; err != nil {
				return err
			}
		}
	}
	for _, other := range want {
		if !slices.Contains(have, other) {
			if err := keepPrevious(tx, other); err != nil {
				return err
			}
			rows := []commitmentLinkRow{{Commitment: code, Related: other}, {Commitment: other, Related: code}}
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// relatedCommitments reads the links of each commitment, in code order.
func (db *DB) relatedCommitments(ctx context.Context, codes []string) (map[string][]milestone.CommitmentRef, error) {
	out := map[string][]milestone.CommitmentRef{}
	err := inChunks(codes, func(part []string) error {
		var rows []struct {
			Commitment string
			Code       string
			Title      string
		}
		err := db.reader(ctx).Table("commitment_links AS l").Select("l.commitment, c.code, c.title").
			Joins("JOIN commitments c ON c.code = l.related").Where("l.commitment IN ?", part).
			Order("l.commitment, c.code").Scan(&rows).Error
		for _, r := range rows {
			out[r.Commitment] = append(out[r.Commitment], milestone.CommitmentRef{Code: r.Code, Title: r.Title})
		}
		return dbError(err)
	})
	return out, err
}

// commitmentHistoryRow is one version of a commitment, for asOf.
type commitmentHistoryRow struct {
	Commitment string `gorm:"primaryKey"`
	Version    int    `gorm:"primaryKey;autoIncrement:false"`
	Snapshot   jsonColumn[commitmentSnapshot]
	RecordedAt time.Time
}

func (commitmentHistoryRow) TableName() string { return "commitment_history" }

type commitmentSnapshot struct {
	Row     commitmentRow
	Related []string
}

// keepCommitment records the version in the history, in the write's transaction.
func keepCommitment(tx *gormDB, row commitmentRow, related []milestone.CommitmentRef, at time.Time) error {
	codes := make([]string, len(related))
	for i, r := range related {
		codes[i] = r.Code
	}
	return tx.Create(&commitmentHistoryRow{Commitment: row.Code, Version: row.Version,
		Snapshot: jsonOf(commitmentSnapshot{Row: row, Related: codes}), RecordedAt: at.UTC()}).Error
}

// keepPrevious records the stored version of a commitment written before
// the history existed (before migration 0013), as of its last update, so
// that asOf answers for the time since.
func keepPrevious(tx *gormDB, code string) error {
	var kept int64
	if err := tx.Model(&commitmentHistoryRow{}).Where("commitment = ?", code).Count(&kept).Error; err != nil || kept > 0 {
		return err
	}
	var rows []commitmentRow
	if err := tx.Where("code = ?", code).Find(&rows).Error; err != nil || len(rows) == 0 {
		return err
	}
	var related []string
	if err := tx.Model(&commitmentLinkRow{}).Where("commitment = ?", code).Order("related").Pluck("related", &related).Error; err != nil {
		return err
	}
	return tx.Create(&commitmentHistoryRow{Commitment: code, Version: rows[0].Version,
		Snapshot: jsonOf(commitmentSnapshot{Row: rows[0], Related: related}), RecordedAt: rows[0].UpdatedAt.UTC()}).Error
}

// CommitmentAsOf returns the commitment as it stood at the instant: its
// latest version recorded by then, with the milestones it had then and the
// titles its related commitments have now.
func (db *DB) CommitmentAsOf(ctx context.Context, code string, at time.Time) (milestone.Commitment, error) {
	var kept []commitmentHistoryRow
	if err := db.reader(ctx).Where("commitment = ? AND recorded_at <= ?", code, at.UTC()).Order("version DESC").Limit(1).Find(&kept).Error; err != nil {
		return milestone.Commitment{}, dbError(err)
	}
	var view commitmentView
	switch {
	case len(kept) == 1:
		view.Row = kept[0].Snapshot.V.Row
		related, err := db.refs(ctx, kept[0].Snapshot.V.Related)
		if err != nil {
			return milestone.Commitment{}, err
		}
		view.Related = related
	default:
		// A commitment never written since the history began stood as it
		// stands now from its last update on.
		var later int64
		if err := db.reader(ctx).Model(&commitmentHistoryRow{}).Where("commitment = ?", code).Count(&later).Error; err != nil {
			return milestone.Commitment{}, dbError(err)
		}
		cur, err := db.GetCommitment(ctx, code)
		if err != nil {
			return milestone.Commitment{}, err
		}
		if later > 0 || cur.UpdatedAt.After(at) {
			return milestone.Commitment{}, domain.Errorf(domain.CodeNotFound, "no record of commitment %s on %s", code, at.In(domain.Amsterdam).Format(time.DateOnly))
		}
		// Its milestones are those it had then, not those added since.
		if cur.MilestoneCount, err = db.milestoneCountAsOf(ctx, code, at); err != nil {
			return milestone.Commitment{}, err
		}
		return cur, nil
	}
	n, err := db.milestoneCountAsOf(ctx, code, at)
	if err != nil {
		return milestone.Commitment{}, err
	}
	view.MilestoneCount = n
	ids := []string{}
	if l := view.Row.Lead.V; l != nil {
		ids = append(ids, l.OrganisationID)
	}
	for _, s := range view.Row.Support.V {
		ids = append(ids, s.OrganisationID)
	}
	orgs, err := db.organisationsByID(ctx, ids)
	if err != nil {
		return milestone.Commitment{}, err
	}
	byID := make(map[string]organisationRow, len(orgs))
	for _, o := range orgs {
		byID[o.ID] = o
	}
	return view.domain(byID), nil
}

// milestoneCountAsOf counts the commitment's milestones as they stood at
// the instant.
func (db *DB) milestoneCountAsOf(ctx context.Context, code string, at time.Time) (int, error) {
	all, err := db.MilestonesAsOf(ctx, at)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range all {
		if m.Commitment == code {
			n++
		}
	}
	return n, nil
}

// refs names the commitments with these codes, in code order; one that
// no longer exists is left out.
func (db *DB) refs(ctx context.Context, codes []string) ([]milestone.CommitmentRef, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	var out []milestone.CommitmentRef
	err := db.reader(ctx).Table("commitments").Select("code, title").Where("code IN ?", codes).Order("code").Scan(&out).Error
	return out, dbError(err)
}

// CountActiveOrganisations counts organisations of kind that are members on day.
func (db *DB) CountActiveOrganisations(ctx context.Context, kind organisation.Kind, day time.Time) (int, error) {
	var n int64
	err := db.reader(ctx).Table("organisations").
		Where("kind = ? AND (joined_on IS NULL OR joined_on <= ?) AND (left_on IS NULL OR left_on > ?)", string(kind), day, day).
		Count(&n).Error
	return int(n), dbError(err)
}
