package store

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Sign-in state: refresh tokens, set-password links and the access table's
// source. None of it is a versioned resource: it records no changes.

type refreshTokenRow struct {
	ID        string
	FamilyID  string
	UserID    string
	TokenHash string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

// CreateRefreshToken stores the first token of a family.
func (db *DB) CreateRefreshToken(ctx context.Context, t auth.RefreshToken) error {
	return dbError(db.writer(ctx).Create(toRefreshRow(t)).Error)
}

func toRefreshRow(t auth.RefreshToken) *refreshTokenRow {
	return &refreshTokenRow{ID: t.ID, FamilyID: t.FamilyID, UserID: t.UserID, TokenHash: t.Hash,
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
}

// RefreshTokenByHash returns the token with the hash.
func (db *DB) RefreshTokenByHash(ctx context.Context, hash string) (auth.RefreshToken, error) {
	var r refreshTokenRow
	if err := db.reader(ctx).Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return auth.RefreshToken{}, notFound(err, "no such refresh token")
	}
	return auth.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, UserID: r.UserID, Hash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(), UsedAt: timeValue(r.UsedAt), RevokedAt: timeValue(r.RevokedAt)}, nil
}

// SpendRefreshToken marks id used and stores next, in one transaction;
// conflict when id was spent or revoked meanwhile. The sign-in goes on, so
// the user's last sign-in moves with it: an account used from a browser for
// years without typing its password is in use, and retention must see so.
func (db *DB) SpendRefreshToken(ctx context.Context, id string, at time.Time, next auth.RefreshToken) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		tx := db.writer(ctx)
		res := tx.Model(&refreshTokenRow{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", id).Update("used_at", at.UTC())
		if res.Error != nil {
			return dbError(res.Error)
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.CodeConflict, "the refresh token was used already")
		}
		if err := db.SignedIn(ctx, next.UserID, at); err != nil {
			return err
		}
		return dbError(tx.Create(toRefreshRow(next)).Error)
	})
}

// RevokeRefreshFamily ends every token of a family.
func (db *DB) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	return dbError(db.writer(ctx).Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
		Update("revoked_at", at.UTC()).Error)
}

// EndRefreshFamilies revokes the user's refresh tokens but those of family except.
func (db *DB) EndRefreshFamilies(ctx context.Context, userID, except string, at time.Time) error {
	return dbError(db.writer(ctx).Model(&refreshTokenRow{}).Where("user_id = ? AND family_id <> ? AND revoked_at IS NULL", userID, except).
		Update("revoked_at", at.UTC()).Error)
}

type passwordLinkRow struct {
	ID        string
	UserID    string
	TokenHash string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (passwordLinkRow) TableName() string { return "password_links" }

// CreatePasswordLink stores l and spends the user's earlier links.
func (db *DB) CreatePasswordLink(ctx context.Context, l account.PasswordLink) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		tx := db.writer(ctx)
		if err := tx.Model(&passwordLinkRow{}).Where("user_id = ? AND used_at IS NULL", l.UserID).Update("used_at", l.CreatedAt.UTC()).Error; err != nil {
			return dbError(err)
		}
		return dbError(tx.Create(&passwordLinkRow{ID: l.ID, UserID: l.UserID, TokenHash: l.Hash, CreatedAt: l.CreatedAt.UTC(), ExpiresAt: l.ExpiresAt.UTC()}).Error)
	})
}

// UsePasswordLink spends the unexpired, unused link with the hash and
// returns its user's id.
func (db *DB) UsePasswordLink(ctx context.Context, hash string, at time.Time) (string, error) {
	var userID string
	err := db.InTx(ctx, func(ctx context.Context) error {
		tx := db.writer(ctx)
		var r passwordLinkRow
		if err := tx.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hash, at.UTC()).Take(&r).Error; err != nil {
			return notFound(err, "no such set-password link")
		}
		res := tx.Model(&passwordLinkRow{}).Where("id = ? AND used_at IS NULL", r.ID).Update("used_at", at.UTC())
		if res.Error != nil {
			return dbError(res.Error)
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.CodeNotFound, "no such set-password link")
		}
		userID = r.UserID
		return nil
	})
	return userID, err
}

// accessRow is a subject's access as the access table reads it.
type accessRow struct {
	Subject     string
	AuthVersion int
	Active      bool
	Scopes      jsonColumn[[]string]
}

const (
	userAccess   = "SELECT id AS subject, auth_version, disabled_at IS NULL AS active, '[]' AS scopes FROM users"
	clientAccess = "SELECT client_id AS subject, auth_version, revoked_at IS NULL AS active, scopes FROM api_clients"
)

func (r accessRow) state() auth.State {
	return auth.State{Subject: r.Subject, Version: r.AuthVersion, Active: r.Active, Scopes: r.Scopes.V}
}

// AccessStates returns every user's and API client's access.
func (db *DB) AccessStates(ctx context.Context) ([]auth.State, error) {
	var rows []accessRow
	if err := db.reader(ctx).Raw(userAccess + " UNION ALL " + clientAccess).Scan(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]auth.State, len(rows))
	for i, r := range rows {
		out[i] = r.state()
	}
	return out, nil
}

// AccessState returns one subject's access: a user's id or a client's client id.
func (db *DB) AccessState(ctx context.Context, subject string) (auth.State, error) {
	var rows []accessRow
	err := db.reader(ctx).Raw(userAccess+" WHERE id = ? UNION ALL "+clientAccess+" WHERE client_id = ?", subject, subject).Scan(&rows).Error
	if err != nil {
		return auth.State{}, dbError(err)
	}
	if len(rows) == 0 {
		return auth.State{}, domain.Errorf(domain.CodeNotFound, "no user or API client %q", subject)
	}
	return rows[0].state(), nil
}
