package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
)

// Pool sizes the connection pool that serves reads: PostgreSQL's one pool,
// or SQLite's reader pool (SQLite's writer is always one connection, as the
// file takes one writer at a time). Zero takes the default.
type Pool struct {
	MaxOpen int // connections open at most: 20 on PostgreSQL, max(4, CPUs) on SQLite
	MaxIdle int // connections kept open while idle: as MaxOpen
}

// sizes returns the pool's sizes on dialect, defaults filled in.
func (p Pool) sizes(dialect Dialect) (open, idle int) {
	open, idle = p.MaxOpen, p.MaxIdle
	switch {
	case dialect == Postgres && open == 0:
		open = 20
	case open == 0:
		open = max(4, runtime.NumCPU())
	}
	// Fewer idle than open closes a connection whenever more than idle are
	// handed back at once, and opens a new one for the next request: under
	// load, on PostgreSQL (a process per connection), that churn cost more
	// than a third of the reads. PostgreSQL's unused connections still
	// close after a while (ConnMaxIdleTime).
	if idle == 0 {
		idle = open
	}
	return open, idle
}

// Pools are the database's connection pools by name, for their statistics:
// sqlite-writer and sqlite-reader, or postgres.
func (db *DB) Pools() (map[string]*sql.DB, error) {
	names := map[string]*sql.DB{}
	add := func(name string, g *gormDB) error {
		sqlDB, err := g.DB()
		if err != nil {
			return fmt.Errorf("database pool %s: %w", name, err)
		}
		names[name] = sqlDB
		return nil
	}
	if db.dialect == Postgres {
		return names, add("postgres", db.write)
	}
	if err := add("sqlite-writer", db.write); err != nil {
		return nil, err
	}
	return names, add("sqlite-reader", db.read)
}

// WebhookQueue is how far each webhook subscription is behind the feed.
type WebhookQueue struct {
	// Behind is, per enabled subscription id, the feed positions after its
	// cursor: an upper bound on the events waiting for it, as its filters
	// may skip some.
	Behind   map[string]int64
	Disabled int // subscriptions disabled (by their owner, or after failing)
}

// WebhookQueue reads where the webhook subscriptions stand; one query.
func (db *DB) WebhookQueue(ctx context.Context) (WebhookQueue, error) {
	var rows []struct {
		ID      string
		Enabled bool
		Behind  int64
	}
	err := db.reader(ctx).Raw("SELECT id, enabled, (SELECT last FROM change_sequence WHERE id = 1) - feed_cursor AS behind FROM webhook_subscriptions").
		Scan(&rows).Error
	if err != nil {
		return WebhookQueue{}, dbError(err)
	}
	q := WebhookQueue{Behind: map[string]int64{}}
	for _, r := range rows {
		if !r.Enabled {
			q.Disabled++
			continue
		}
		q.Behind[r.ID] = max(0, r.Behind)
	}
	return q, nil
}
