package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type organisationRow struct {
	ID          string
	Code        string
	Name        string
	Kind        string
	NetworkRole string
	JoinedOn    *time.Time
	LeftOn      *time.Time
	Province    string
	Website     string
	Description string
	Example     bool
	Search      string // lowercased in Go: SQL LOWER() knows only ASCII on SQLite
	Version     int
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
}

func (organisationRow) TableName() string { return "organisations" }

// organisationColumns are what scanOrganisation reads, in its order.
const organisationColumns = "id, code, name, kind, network_role, joined_on, left_on, province, website, description, example, version, created_at, updated_at"

// organisationBy reads one organisation by the column named.
var organisationBy = map[string]string{
	"id":   "SELECT " + organisationColumns + " FROM organisations WHERE id = ?",
	"code": "SELECT " + organisationColumns + " FROM organisations WHERE code = ?",
}

// scanOrganisation reads one row of organisationColumns without reflection.
func scanOrganisation(rows *sql.Rows, r *organisationRow) error {
	return rows.Scan(r.columns()...)
}

// columns are where a row of organisationColumns goes, in its order.
func (r *organisationRow) columns() []any {
	return []any{&r.ID, &r.Code, &r.Name, &r.Kind, &r.NetworkRole, &r.JoinedOn, &r.LeftOn, &r.Province, &r.Website,
		&r.Description, &r.Example, &r.Version, &r.CreatedAt, &r.UpdatedAt}
}

func toOrganisationRow(o organisation.Organisation) organisationRow {
	return organisationRow{ID: o.ID, Code: o.Code, Name: o.Name, Kind: string(o.Kind), NetworkRole: string(o.NetworkRole),
		JoinedOn: datePtr(o.JoinedOn), LeftOn: datePtr(o.LeftOn), Province: o.Province, Website: o.Website,
		Description: o.Description, Example: o.Example, Search: searchText(o.Name, o.Code, o.Description), Version: int(o.Version), CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
}

func (r organisationRow) domain() organisation.Organisation {
	return organisation.Organisation{ID: r.ID, Code: r.Code, Name: r.Name, Kind: organisation.Kind(r.Kind),
		NetworkRole: organisation.NetworkRole(r.NetworkRole), JoinedOn: dateValue(r.JoinedOn), LeftOn: dateValue(r.LeftOn),
		Province: r.Province, Website: r.Website, Description: r.Description, Example: r.Example,
		Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func datePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	d := domain.Day(t)
	return &d
}

func dateValue(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return domain.Day(*t)
}

// openEndSQL is domain.OpenEnd as a literal in each dialect, for a missing
// date in sort order: unknown dates sort last.
var openEndSQL = map[Dialect]string{
	SQLite:   "'" + domain.OpenEnd.Format("2006-01-02 15:04:05-07:00") + "'",
	Postgres: "DATE '" + domain.OpenEnd.Format(time.DateOnly) + "'",
}

var organisationKeyset = keyset{
	columns: map[string]sortColumn{
		"name": {expr: map[Dialect]string{SQLite: "name", Postgres: "name"},
			value: func(r any) any { return r.(organisationRow).Name }},
		"code": {expr: map[Dialect]string{SQLite: "code", Postgres: "code"},
			value: func(r any) any { return r.(organisationRow).Code }},
		"joinedOn": {expr: map[Dialect]string{SQLite: "COALESCE(joined_on, " + openEndSQL[SQLite] + ")", Postgres: "COALESCE(joined_on, " + openEndSQL[Postgres] + ")"},
			isTime: true,
			value: func(r any) any {
				if j := r.(organisationRow).JoinedOn; j != nil {
					return *j
				}
				return domain.OpenEnd
			}},
		"createdAt": {expr: map[Dialect]string{SQLite: "created_at", Postgres: "created_at"}, isTime: true,
			value: func(r any) any { return r.(organisationRow).CreatedAt }},
	},
	id: func(r any) string { return r.(organisationRow).ID },
}

// ListOrganisations returns one page in keyset order.
func (db *DB) ListOrganisations(ctx context.Context, q organisation.Query) (domain.Page[organisation.Organisation], error) {
	f := q.Filter
	tx := db.reader(ctx).Table("organisations").Select(organisationColumns)
	if f.Kind != "" {
		tx = tx.Where("kind = ?", string(f.Kind))
	}
	if f.NetworkRole != "" {
		tx = tx.Where("network_role = ?", string(f.NetworkRole))
	}
	if f.Active != nil {
		active := "(joined_on IS NULL OR joined_on <= ?) AND (left_on IS NULL OR left_on > ?)"
		if *f.Active {
			tx = tx.Where(active, f.Today, f.Today)
		} else {
			tx = tx.Where("NOT ("+active+")", f.Today, f.Today)
		}
	}
	if f.Q != "" {
		tx = tx.Where(`search LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	tx, since := updatedSince(tx, "updated_at", f.UpdatedSince)
	fp := fingerprint(append([]any{"organisations", f.Kind, f.NetworkRole, fmt.Sprint(deref(f.Active)), f.Active == nil, f.Q, q.Sort}, since...)...)
	tx, err := organisationKeyset.apply(tx, db.dialect, q.Sort, q.Cursor, fp)
	if err != nil {
		return domain.Page[organisation.Organisation]{}, err
	}
	rows, next, err := readPageWith(tx, organisationKeyset, q.Sort, fp, q.PageSize, false, scanOrganisation)
	if err != nil {
		return domain.Page[organisation.Organisation]{}, err
	}
	page := domain.Page[organisation.Organisation]{Next: next}
	page.Items = make([]organisation.Organisation, len(rows))
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// GetOrganisation finds by id (a UUID) or by code.
func (db *DB) GetOrganisation(ctx context.Context, ref string) (organisation.Organisation, error) {
	column, value := "code", ref
	if id, err := uuid.Parse(ref); err == nil {
		column, value = "id", id.String()
	}
	// Every write that refers to an organisation reads it: one prepared
	// statement, not cancellable (the driver watches a cancellable context
	// from a goroutine of its own for every row, which costs more than
	// this read), and no GORM, which made a hundred allocations of it.
	var r organisationRow
	err := db.queryRow(context.WithoutCancel(ctx), organisationBy[column], value).Scan(r.columns()...)
	if errors.Is(err, sql.ErrNoRows) {
		return organisation.Organisation{}, domain.Errorf(domain.CodeNotFound, "no organisation with id or code %q", ref)
	}
	if err != nil {
		return organisation.Organisation{}, db.translated(err)
	}
	return r.domain(), nil
}

// organisationsByID loads the organisations with the given ids, in code
// order, in one query; ids that name none are left out.
func (db *DB) organisationsByID(ctx context.Context, ids []string) ([]organisationRow, error) {
	ids = slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(ids))), func(id string) bool { return id == "" })
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []organisationRow
	if err := db.reader(ctx).Where("id IN ?", ids).Order("code").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	return rows, nil
}

// CreateOrganisation inserts o.
func (db *DB) CreateOrganisation(ctx context.Context, o organisation.Organisation, c domain.Change) error {
	row := toOrganisationRow(o)
	return codeTaken(db.create(ctx, &row, c), o.Code)
}

// UpdateOrganisation writes o over the version before it.
func (db *DB) UpdateOrganisation(ctx context.Context, o organisation.Organisation, c domain.Change) error {
	row := toOrganisationRow(o)
	return codeTaken(db.update(ctx, &row, o.ID, c), o.Code)
}

// DeleteOrganisation removes o unless other records refer to it: through
// foreign keys, or inside the JSON of evaluation audiences and commitments'
// institutions, which no foreign key guards.
func (db *DB) DeleteOrganisation(ctx context.Context, o organisation.Organisation, c domain.Change) error {
	var refs int64
	r := db.writer(ctx)
	var n int64
	if err := r.Model(&evaluationRow{}).Where("audience LIKE ?", `%"`+o.ID+`"%`).Count(&n).Error; err != nil {
		return dbError(err)
	}
	refs += n
	if err := r.Model(&commitmentRow{}).Where("lead LIKE ? OR support LIKE ?", `%"`+o.ID+`"%`, `%"`+o.ID+`"%`).Count(&n).Error; err != nil {
		return dbError(err)
	}
	refs += n
	if refs > 0 {
		return domain.Errorf(domain.CodeConflict, "organisation %s cannot be deleted: evaluations or commitments refer to it; set leftOn instead", o.Code)
	}
	err := db.remove(ctx, &organisationRow{}, o.ID, c)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return domain.Errorf(domain.CodeConflict, "organisation %s cannot be deleted: other records refer to it; set leftOn instead", o.Code)
	}
	return err
}

func codeTaken(err error, code string) error {
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "code " + code + " is already taken",
			Fields: []domain.FieldError{{Name: "code", Reason: "is already taken by another organisation"}}}
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		zero = *p
	}
	return zero
}

// ChairedMeetings lists the meetings, cancelled ones aside, that organisation
// id chairs as guest chair, in date order.
func (db *DB) ChairedMeetings(ctx context.Context, id string) ([]organisation.Chaired, error) {
	var rows []meetingRow
	if err := db.reader(ctx).Where("guest_chair_id = ? AND status <> ?", id, string(meeting.StatusCancelled)).
		Order("starts_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("chaired meetings: %w", err)
	}
	out := make([]organisation.Chaired, len(rows))
	for i, r := range rows {
		out[i] = organisation.Chaired{MeetingID: r.ID, Title: r.Title, StartsAt: r.StartsAt}
	}
	return out, nil
}
