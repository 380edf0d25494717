package store

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/retention"
)

// Retention: what the retention service reads to decide, and the expiry of
// data kept for a time. None of it is a versioned resource, so the deletes
// record no changes; people and accounts are removed through their own
// services instead. Each delete is one short statement of at most limit
// rows, so that the database's writer is never held for long.

// PersonTerms returns every person not erased who has a membership, with
// the memberships' end days (zero while one lasts).
func (db *DB) PersonTerms(ctx context.Context) ([]retention.PersonTerm, error) {
	var rows []struct {
		PersonID string
		ToDate   *time.Time
	}
	err := db.reader(ctx).Table("memberships m").Select("m.person_id, m.to_date").
		Joins("JOIN people p ON p.id = m.person_id").Where("p.erased_at IS NULL").
		Order("m.person_id").Scan(&rows).Error
	if err != nil {
		return nil, dbError(err)
	}
	var out []retention.PersonTerm
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.PersonID {
			out = append(out, retention.PersonTerm{ID: r.PersonID})
		}
		last := &out[len(out)-1]
		last.Ends = append(last.Ends, timeValue(r.ToDate))
	}
	return out, nil
}

// AccountUses returns every user account with when it was last used.
func (db *DB) AccountUses(ctx context.Context) ([]retention.AccountUse, error) {
	var rows []userRow
	if err := db.reader(ctx).Select("id, person_id, created_at, last_sign_in_at").Order("id").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]retention.AccountUse, len(rows))
	for i, r := range rows {
		out[i] = retention.AccountUse{ID: r.ID, PersonID: stringValue(r.PersonID), CreatedAt: r.CreatedAt.UTC(), LastSignInAt: timeValue(r.LastSignInAt)}
	}
	return out, nil
}

// expire runs one bounded delete and says how many rows it removed.
func (db *DB) expire(ctx context.Context, sql string, args ...any) (int, error) {
	res := db.writer(ctx).Exec(sql, args...)
	if res.Error != nil {
		return 0, dbError(res.Error)
	}
	return int(res.RowsAffected), nil
}

// ExpireIdempotencyKeys deletes up to limit responses kept since before
// before. A keyed POST forgets only its own key when it has expired
// (IdempotencyKeys.Once): the others go here.
func (db *DB) ExpireIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM idempotency_keys WHERE (actor, idem_key) IN
		(SELECT actor, idem_key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`, before.UTC(), limit)
}

// ExpireDeliveries deletes up to limit delivery log entries attempted before
// before, keeping those of an event its subscription has still to deliver
// (after its cursor: being retried, or waiting for the subscription to be
// enabled again). A logged redelivery is done once logged.
func (db *DB) ExpireDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM webhook_deliveries WHERE id IN
		(SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
		 WHERE d.attempted_at < ? AND (d.redelivery OR d.seq <= s.feed_cursor) ORDER BY d.attempted_at LIMIT ?)`, before.UTC(), limit)
}

// ExpireMailMessages deletes up to limit entries of the mail log last
// written before before, of changes the outbox has passed: it never reads
// those again, so the log no longer keeps a message from going twice.
func (db *DB) ExpireMailMessages(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM mail_messages WHERE message_key IN
		(SELECT message_key FROM mail_messages WHERE updated_at < ?
		 AND seq <= (SELECT feed_cursor FROM mail_queue WHERE id = 'mail') ORDER BY updated_at LIMIT ?)`, before.UTC(), limit)
}

// ExpireRedeliveries deletes up to limit redeliveries requested before
// before for disabled subscriptions: the dispatcher sends any other within
// seconds, and a disabled one keeps its requests only when its owner may no
// longer act, so they would never go.
func (db *DB) ExpireRedeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM webhook_redeliveries WHERE id IN
		(SELECT r.id FROM webhook_redeliveries r JOIN webhook_subscriptions s ON s.id = r.subscription_id
		 WHERE r.requested_at < ? AND NOT s.enabled ORDER BY r.requested_at LIMIT ?)`, before.UTC(), limit)
}

// ExpireRefreshTokens deletes up to limit refresh tokens revoked before
// before, or of a family whose newest token expired before before. A spent
// token of a living family stays: presenting it again ends the family.
func (db *DB) ExpireRefreshTokens(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM refresh_tokens WHERE id IN
		(SELECT id FROM refresh_tokens WHERE revoked_at < ? OR family_id IN
			(SELECT family_id FROM refresh_tokens GROUP BY family_id HAVING MAX(expires_at) < ?)
		 LIMIT ?)`, before.UTC(), before.UTC(), limit)
}

// ExpirePasswordLinks deletes up to limit set-password links used or
// expired before before.
func (db *DB) ExpirePasswordLinks(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.expire(ctx, `DELETE FROM password_links WHERE id IN
		(SELECT id FROM password_links WHERE used_at < ? OR expires_at < ? LIMIT ?)`, before.UTC(), before.UTC(), limit)
}
