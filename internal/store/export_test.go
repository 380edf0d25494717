package store

import (
	"context"
	"database/sql"
)

// What the black-box tests in store_test reach inside for.

type JSONColumn[T any] = jsonColumn[T]

// GoBackground starts fn as the store starts its background work.
func (db *DB) GoBackground(fn func(ctx context.Context)) { db.goBackground(fn) }

// Exec runs a statement on the writer, to set up rows the API would refuse.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) error {
	return db.writer(ctx).Exec(sql, args...).Error
}

// Scan reads one value the way the tests need to see it stored.
func (db *DB) Scan(ctx context.Context, dest any, sql string, args ...any) error {
	return db.reader(ctx).Raw(sql, args...).Scan(dest).Error
}

// GroupCommits says how many shared write transactions committed and how
// many writes ran in them (see groupCommit).
func (db *DB) GroupCommits() (commits, writes int64) {
	return db.group.commits.Load(), db.group.writes.Load()
}

// Checkpoints is how many checkpoints the checkpointer ran; 0 on PostgreSQL.
func (db *DB) Checkpoints() int64 {
	if db.checkpoints == nil {
		return 0
	}
	return db.checkpoints.runs.Load()
}

// WALBacklog is how many pages of SQLite's log are not yet copied back
// into the database file; ok is false on PostgreSQL.
func (db *DB) WALBacklog() (pages int64, ok bool) {
	if db.wal == nil {
		return 0, false
	}
	return db.wal.backlog(context.Background())
}

// WaitingWriters is how many writes wait for their turn.
func (db *DB) WaitingWriters() int {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return db.group.waiting
}

// ExportSlotsFree is how many more exports may stream at once.
func (db *DB) ExportSlotsFree() int {
	ch := db.exportSlots()
	return cap(ch) - len(ch)
}

// SetExportChunk makes exports on SQLite end their statement every n rows
// (see eachRow), so that tests cross chunks with few rows, and calls
// between after each statement that is not the export's last.
func (db *DB) SetExportChunk(n int, between func()) {
	db.exports.chunk, db.exports.between = n, between
}

// SetExportBatch makes exports that pass their rows on in batches (see
// eachBatch) hand them over n at a time, and calls readEnded when such an
// export has read its rows, or failed to, before its consumer has returned.
func (db *DB) SetExportBatch(n int, readEnded func(error)) {
	db.exports.batch, db.exports.readEnded = n, readEnded
}

// ReaderPool is the pool that serves reads, for a test to hold its
// connections.
func (db *DB) ReaderPool() *sql.DB {
	pool, _ := db.read.DB()
	return pool
}
