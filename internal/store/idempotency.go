package store

import (
	"context"
	"net/http"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// Once claims the key, runs work and keeps its response, all in one
// transaction, or returns the response kept for the key and the hash of its
// request. A concurrent request with the same key waits for the first to
// commit (an instance's writes take turns; on PostgreSQL, another
// instance's insert waits on the key) and then finds its response. The key
// is forgotten first when it is older than ttl; other keys are left to
// ExpireIdempotencyKeys, so that a keyed write locks no row but its own.
func (s IdempotencyKeys) Once(ctx context.Context, r idempotency.Request, now time.Time, ttl time.Duration,
	work func(ctx context.Context) (idempotency.Response, error)) (*idempotency.Response, string, error) {
	var (
		kept    *idempotency.Response
		hash    string
		workErr error
	)
	key := func(tx *gorm.DB) *gorm.DB {
		return tx.Model(&idempotencyRow{}).Where("actor = ? AND idem_key = ?", r.Actor, r.Key)
	}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		tx := s.db.writer(ctx)
		if err := key(tx).Where("created_at < ?", now.Add(-ttl).UTC()).Delete(&idempotencyRow{}).Error; err != nil {
			return err
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&idempotencyRow{Actor: r.Actor, IdemKey: r.Key,
			Method: r.Method, Path: r.Path, RequestHash: r.Hash, Header: jsonOf(http.Header{}), CreatedAt: now.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var row idempotencyRow
			if err := key(tx).Take(&row).Error; err != nil {
				return err
			}
			if row.Status != 0 {
				kept, hash = &idempotency.Response{Status: row.Status, Header: row.Header.V, Body: []byte(row.Body)}, row.RequestHash
				return nil
			}
			// A claim without a response is left by a version that
			// committed claims before the work: it is taken over, not waited for.
			if err := key(tx).Updates(map[string]any{"method": r.Method, "path": r.Path, "request_hash": r.Hash,
				"created_at": now.UTC()}).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec("SAVEPOINT idempotent_work").Error; err != nil {
			return err
		}
		resp, err := work(ctx)
		if err != nil {
			workErr = err
			return err
		}
		if resp.Status >= 400 {
			// A refused request changes nothing, even if it wrote before it was refused.
			if err := tx.Exec("ROLLBACK TO SAVEPOINT idempotent_work").Error; err != nil {
				return err
			}
		}
		return key(tx).Updates(map[string]any{"status": resp.Status, "header": jsonOf(resp.Header), "body": string(resp.Body)}).Error
	})
	switch {
	case workErr != nil:
		return nil, "", workErr
	case err != nil:
		return nil, "", dbError(err)
	}
	return kept, hash, nil
}
