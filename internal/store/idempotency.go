package store

import (
	"context"
	"errors"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
)

type idempotencyRow struct {
	Actor       string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	Method      string
	Path        string
	RequestHash string
	Status      int
	Header      jsonColumn[http.Header]
	Body        string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotencyKeys keeps Idempotency-Key responses.
type IdempotencyKeys struct{ db *DB }

// IdempotencyKeys returns the idempotency key store.
func (db *DB) IdempotencyKeys() IdempotencyKeys { return IdempotencyKeys{db: db} }

// Claim inserts the key as in progress, or returns what is kept for it. Keys
// older than ttl are forgotten first.
func (s IdempotencyKeys) Claim(ctx context.Context, r idempotency.Request, now time.Time, ttl time.Duration) (bool, string, idempotency.Response, error) {
	var (
		claimed bool
		row     idempotencyRow
	)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		tx := s.db.writer(ctx)
		if err := tx.Where("created_at < ?", now.Add(-ttl).UTC()).Delete(&idempotencyRow{}).Error; err != nil {
			return err
		}
		err := tx.Where("actor = ? AND idem_key = ?", r.Actor, r.Key).Take(&row).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		claimed = true
		return tx.Create(&idempotencyRow{Actor: r.Actor, IdemKey: r.Key, Method: r.Method, Path: r.Path,
			RequestHash: r.Hash, Header: jsonOf(http.Header{}), CreatedAt: now.UTC()}).Error
	})
	if err != nil {
		return false, "", idempotency.Response{}, dbError(err)
	}
	if claimed {
		return true, r.Hash, idempotency.Response{}, nil
	}
	return false, row.RequestHash, idempotency.Response{Status: row.Status, Header: row.Header.V, Body: []byte(row.Body)}, nil
}

// Complete keeps the response for the key.
func (s IdempotencyKeys) Complete(ctx context.Context, r idempotency.Request, resp idempotency.Response) error {
	return dbError(s.db.writer(ctx).Model(&idempotencyRow{}).Where("actor = ? AND idem_key = ?", r.Actor, r.Key).
		Updates(map[string]any{"status": resp.Status, "header": jsonOf(resp.Header), "body": string(resp.Body)}).Error)
}

// Release forgets the key.
func (s IdempotencyKeys) Release(ctx context.Context, r idempotency.Request) error {
	return dbError(s.db.writer(ctx).Where("actor = ? AND idem_key = ?", r.Actor, r.Key).Delete(&idempotencyRow{}).Error)
}
