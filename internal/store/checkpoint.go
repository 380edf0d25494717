package store

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"time"
)

// SQLite copies its write-ahead log back into the database file in a
// checkpoint. By default the connection that commits does so, once the log
// holds 1,000 pages: on the writer, inside the write turn, so that every
// write waiting for the turn waited for the copy and its two fsyncs too
// (with POSTs at 16 connections, turning it off took the server from about
// a quarter of its time idle to a sixth, and the p99 from 15 to 10 ms). A
// checkpointer does it beside the writes instead: after a commit leaves
// checkpointPages or more in the log, a passive checkpoint, which waits for
// neither readers nor the writer, runs on a reader connection. The writer
// still checkpoints by itself past writerCheckpointPages, should the
// checkpointer fall behind (readers holding old snapshots, a slow disk).
const (
	checkpointPages       = 1000
	writerCheckpointPages = 4 * checkpointPages
	// checkpointPause spaces checkpoints: a burst of commits needs one.
	checkpointPause = 50 * time.Millisecond
)

// checkpointer runs the passive checkpoints of a SQLite database.
type checkpointer struct {
	wake chan struct{} // one pending wake-up at most
	// done is the log's size, in frames, that the last checkpoint reached.
	done atomic.Int64
	runs atomic.Int64 // checkpoints run, for tests
}

func newCheckpointer() *checkpointer {
	return &checkpointer{wake: make(chan struct{}, 1)}
}

// committed is told of every commit; it wakes the checkpointer once the log
// holds checkpointPages more than the last checkpoint reached, or when it
// cannot tell.
func (db *DB) committed() {
	c := db.checkpoints
	var hdr walHeader
	if db.wal.header(context.Background(), &hdr) {
		// mxFrame, the frames in the log, in the index header's native
		// byte order (sqlite.org/walformat.html); fewer than the last
		// checkpoint reached means the log started over.
		frames := int64(binary.NativeEndian.Uint32(hdr[16:20]))
		if last := c.done.Load(); frames >= last && frames-last < checkpointPages {
			return
		}
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// runCheckpoints checkpoints when committed asks, until ctx ends.
func (db *DB) runCheckpoints(ctx context.Context) {
	c := db.checkpoints
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		var busy, frames, copied int64
		begin, query := time.Now(), "PRAGMA wal_checkpoint(PASSIVE)"
		sqlDB, err := db.read.DB()
		if err == nil {
			err = db.slow.row(ctx, begin, query, sqlDB.QueryRowContext(ctx, query)).Scan(&busy, &frames, &copied)
		}
		if err == nil {
			c.done.Store(copied)
			c.runs.Add(1)
		} else if ctx.Err() == nil {
			// The writer checkpoints by itself past writerCheckpointPages.
			db.log.Warn("checkpoint", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(checkpointPause):
		}
	}
}
