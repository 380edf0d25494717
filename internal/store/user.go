package store

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

type userRow struct {
	ID             string
	Email          string
	PasswordHash   string
	Role           string
	OrganisationID *string
	PersonID       *string
	Version        int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

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

// CreateUser inserts u.
func (db *DB) CreateUser(ctx context.Context, u account.User, c domain.Change) error {
	row := userRow{ID: u.ID, Email: u.Email, PasswordHash: u.PasswordHash, Role: string(u.Role),
		OrganisationID: nullString(u.OrganisationID), PersonID: nullString(u.PersonID), Version: int(u.Version), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.PersonID != "" {
		var n int64
		if err := db.reader(ctx).Model(&personRow{}).Where("id = ? AND erased_at IS NULL", u.PersonID).Count(&n).Error; err != nil {
			return dbError(err)
		}
		if n == 0 {
			return (domain.Problems{{Name: "person", Reason: "no person with this id"}}).Err()
		}
	}
	err := db.create(ctx, &row, c)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return &domain.Error{Code: domain.CodeConflict, Message: "a user with this email address exists",
			Fields: []domain.FieldError{{Name: "email", Reason: "is already registered"}}}
	}
	return err
}

// UserByEmail finds a user by lowercased email.
func (db *DB) UserByEmail(ctx context.Context, email string) (account.User, error) {
	var r userRow
	if err := db.reader(ctx).Where("email = ?", email).Take(&r).Error; err != nil {
		return account.User{}, notFound(err, "no user with that email address")
	}
	return account.User{ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, Role: domain.Role(r.Role),
		OrganisationID: stringValue(r.OrganisationID), PersonID: stringValue(r.PersonID), Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// CountUsers counts the users with a role.
func (db *DB) CountUsers(ctx context.Context, role domain.Role) (int, error) {
	var n int64
	if err := db.reader(ctx).Model(&userRow{}).Where("role = ?", string(role)).Count(&n).Error; err != nil {
		return 0, dbError(err)
	}
	return int(n), nil
}
