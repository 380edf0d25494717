package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite copies its write-ahead log back into the database file in a
// checkpoint. By default the connection that commits does so, once the log
// holds 1,000 pages: the writer, inside the write turn, so that every write
// waiting for the turn waited for the copy and its two flushes too. A
// checkpointer does it beside the writes instead: once a commit leaves
// checkpointPages not yet copied back, a passive checkpoint, which waits
// for neither readers nor the writer, runs on a connection of its own. The
// writer still checkpoints by itself when the log holds
// writerCheckpointPages, should the checkpointer fall behind (readers
// holding old snapshots, a slow disk); under steady writes that is also
// what lets the log start over (see docs/operators.md).
const (
	checkpointPages       = 1000
	writerCheckpointPages = 4 * checkpointPages
	// checkpointPause spaces checkpoints: a burst of commits needs one.
	checkpointPause = 50 * time.Millisecond
)

// checkpointer runs the passive checkpoints of a SQLite database.
type checkpointer struct {
	wake chan struct{} // one pending wake-up at most
	// mu keeps the checkpointer and the erasure's truncating checkpoint
	// apart: SQLite answers a second checkpoint busy at once, not after
	// the busy timeout.
	mu   sync.Mutex
	runs atomic.Int64 // checkpoints that copied the log, for tests
}

func newCheckpointer() *checkpointer {
	return &checkpointer{wake: make(chan struct{}, 1)}
}

// committed is told of every commit; it wakes the checkpointer once the log
// holds checkpointPages not yet copied back, or when it cannot tell.
func (db *DB) committed() {
	if frames, ok := db.wal.backlog(context.Background()); ok && frames < checkpointPages {
		return
	}
	select {
	case db.checkpoints.wake <- struct{}{}:
	default:
	}
}

// runCheckpoints checkpoints when committed asks, until ctx ends, on a
// connection of its own, so that a long copy never holds up reads.
func (db *DB) runCheckpoints(ctx context.Context) {
	conn, err := sql.Open(sqliteDriver, db.wal.dsn)
	if err != nil {
		db.warn("checkpoint", err)
		return
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	c := db.checkpoints
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		c.mu.Lock()
		var busy, frames, copied int64
		begin, query := time.Now(), "PRAGMA wal_checkpoint(PASSIVE)"
		err := db.slow.row(ctx, begin, query, conn.QueryRowContext(ctx, query)).Scan(&busy, &frames, &copied)
		c.mu.Unlock()
		switch {
		case err == nil && busy == 0:
			c.runs.Add(1)
		case err != nil && ctx.Err() == nil:
			// The writer checkpoints by itself at writerCheckpointPages.
			db.warn("checkpoint", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(checkpointPause):
		}
	}
}

// warn logs a failure of background work, when the store has a log.
func (db *DB) warn(msg string, err error) {
	if db.log != nil {
		db.log.Warn(msg, "error", err)
	}
}
