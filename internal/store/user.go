package store

import (
	"context"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

type userRow struct {
	ID             string
	Email          string
	PasswordHash   string
	Role           string
	OrganisationID *string
	PersonID       *string
	DisabledAt     *time.Time
	DisabledReason string
	AuthVersion    int
	LastSignInAt   *time.Time
	Version        int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

// userView is a user as read, with its organisation's code and name.
type userView struct {
	Row              userRow `gorm:"embedded"`
	OrganisationCode *string
	OrganisationName *string
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func stringValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func toUserRow(u account.User) userRow {
	return userRow{ID: u.ID, Email: u.Email, PasswordHash: u.PasswordHash, Role: string(u.Role),
		OrganisationID: nullString(u.OrganisationID), PersonID: nullString(u.PersonID), DisabledAt: nullTime(u.DisabledAt),
		DisabledReason: u.DisabledReason, AuthVersion: max(u.AuthVersion, 1), LastSignInAt: nullTime(u.LastSignInAt),
		Version: int(u.Version), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (v userView) user() account.User {
	r := v.Row
	u := account.User{ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, Role: domain.Role(r.Role),
		OrganisationID: stringValue(r.OrganisationID), PersonID: stringValue(r.PersonID), DisabledAt: timeValue(r.DisabledAt),
		DisabledReason: r.DisabledReason, AuthVersion: r.AuthVersion, LastSignInAt: timeValue(r.LastSignInAt),
		Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if u.OrganisationID != "" {
		u.Organisation = organisation.Ref{ID: u.OrganisationID, Code: stringValue(v.OrganisationCode), Name: stringValue(v.OrganisationName)}
	}
	return u
}

func (db *DB) userQuery(ctx context.Context) *gormDB {
	return db.reader(ctx).Table("users AS u").Select("u.*, o.code AS organisation_code, o.name AS organisation_name").
		Joins("LEFT JOIN organisations o ON o.id = u.organisation_id")
}

// personExists refuses an account bound to a person who does not exist (or was erased).
func (db *DB) personExists(ctx context.Context, personID string) error {
	if personID == "" {
		return nil
	}
	var n int64
	if err := db.reader(ctx).Model(&personRow{}).Where("id = ? AND erased_at IS NULL", personID).Count(&n).Error; err != nil {
		return dbError(err)
	}
	if n == 0 {
		return (domain.Problems{{Name: "person", Reason: "no person with this id"}}).Err()
	}
	return nil
}

// CreateUser inserts u.
func (db *DB) CreateUser(ctx context.Context, u account.User, c domain.Change) error {
	if err := db.personExists(ctx, u.PersonID); err != nil {
		return err
	}
	row := toUserRow(u)
	err := db.create(ctx, &row, c)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "a user with this email address exists",
			Fields: []domain.FieldError{{Name: "email", Reason: "is already registered"}}}
	}
	return err
}

// UpdateUser writes u at c.Version.
func (db *DB) UpdateUser(ctx context.Context, u account.User, c domain.Change) error {
	if err := db.personExists(ctx, u.PersonID); err != nil {
		return err
	}
	row := toUserRow(u)
	return db.update(ctx, &row, u.ID, c)
}

// DeleteUser removes u (its refresh tokens and links go with it).
func (db *DB) DeleteUser(ctx context.Context, u account.User, c domain.Change) error {
	return db.remove(ctx, &userRow{}, u.ID, c)
}

// GetUser returns the user with id.
func (db *DB) GetUser(ctx context.Context, id string) (account.User, error) {
	return db.oneUser(ctx, "u.id = ?", id, fmt.Sprintf("no user with id %q", id))
}

// UserByEmail finds a user by lowercased email.
func (db *DB) UserByEmail(ctx context.Context, email string) (account.User, error) {
	return db.oneUser(ctx, "u.email = ?", email, "no user with that email address")
}

func (db *DB) oneUser(ctx context.Context, where string, arg any, missing string) (account.User, error) {
	var rows []userView
	if err := db.userQuery(ctx).Where(where, arg).Limit(1).Scan(&rows).Error; err != nil {
		return account.User{}, dbError(err)
	}
	if len(rows) == 0 {
		return account.User{}, domain.Errorf(domain.CodeNotFound, "%s", missing)
	}
	return rows[0].user(), nil
}

// UsersOfPerson returns the accounts bound to a person.
func (db *DB) UsersOfPerson(ctx context.Context, personID string) ([]account.User, error) {
	var rows []userView
	if err := db.userQuery(ctx).Where("u.person_id = ?", personID).Order("u.id").Scan(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]account.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

var userKeyset = keyset{
	columns: map[string]sortColumn{
		"email": {expr: map[Dialect]string{SQLite: "u.email", Postgres: "u.email"},
			value: func(r any) any { return r.(userView).Row.Email }},
	},
	idExpr: "u.id",
	id:     func(r any) string { return r.(userView).Row.ID },
}

// ListUsers returns a page of users by email.
func (db *DB) ListUsers(ctx context.Context, q account.UserQuery) (domain.Page[account.User], error) {
	tx := db.userQuery(ctx)
	if q.Role != "" {
		tx = tx.Where("u.role = ?", string(q.Role))
	}
	if q.Organisation != "" {
		tx = tx.Where("u.organisation_id = ?", q.Organisation)
	}
	switch q.Status {
	case account.StatusActive:
		tx = tx.Where("u.disabled_at IS NULL")
	case account.StatusDisabled:
		tx = tx.Where("u.disabled_at IS NOT NULL")
	}
	sort := []domain.SortKey{{Field: "email"}}
	fp := fingerprint("users", string(q.Role), q.Organisation, string(q.Status))
	tx, err := userKeyset.apply(tx, db.dialect, sort, q.Cursor, fp)
	if err != nil {
		return domain.Page[account.User]{}, err
	}
	rows, next, err := readPage[userView](tx, userKeyset, sort, fp, q.PageSize, false)
	if err != nil {
		return domain.Page[account.User]{}, err
	}
	page := domain.Page[account.User]{Next: next, Items: make([]account.User, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.user()
	}
	return page, nil
}

// SignedIn notes when a user last signed in; not a change of the account.
func (db *DB) SignedIn(ctx context.Context, id string, at time.Time) error {
	return dbError(db.writer(ctx).Model(&userRow{}).Where("id = ?", id).Update("last_sign_in_at", at.UTC()).Error)
}

// CountUsers counts the users with a role.
func (db *DB) CountUsers(ctx context.Context, role domain.Role) (int, error) {
	var n int64
	if err := db.reader(ctx).Model(&userRow{}).Where("role = ?", string(role)).Count(&n).Error; err != nil {
		return 0, dbError(err)
	}
	return int(n), nil
}
