package store

import (
	"context"
	"database/sql"
	"sync"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/pipeline"
)

// Exports read every row a list selects as the database returns them,
// instead of page after page: no page held in memory, and a consumer that
// stops (the client went away) ends the query with the context.
//
// On PostgreSQL one query serves the whole export: MVCC keeps old row
// versions for an open snapshot at no cost to other statements worth
// splitting the export for. On SQLite an open statement holds its WAL read
// snapshot, and while any reader holds one, no checkpoint can reset the WAL:
// a client reading slowly for hours would let the WAL grow with every write
// and slow every read. There an export ends its statement every
// exportChunk rows and continues after the last row with the list's
// keyset, which keeps the order and yields each row once, whatever is
// written between the statements.

// exportChunk is how many rows an export reads per statement on SQLite:
// enough that the statements cost little next to the rows; a snapshot then
// lasts as long as the client takes for this many rows, not for the export.
const exportChunk = 10_000

// exportSlots are how many exports may read at once: half the reader
// pool. An export holds its connection for as long as its client takes to
// read it, so exports alone must never hold every connection: the other
// reads, and the queries an export itself makes on the way (a milestone's
// evidence), always find one. An export beyond them waits for a slot, or
// for its client to give up.
type exportSlots struct {
	once  sync.Once
	ch    chan struct{}
	chunk int // rows per statement on SQLite; exportChunk when 0 (tests set less)
	// between, for tests, runs after each statement has ended but the
	// export has not (see SetExportChunk).
	between func()
	batch   int // rows per hand-over in eachBatch; inChunk when 0 (tests set less)
	// readEnded, for tests, runs when eachBatch has read its rows, or
	// failed to, before flush has returned (see SetExportBatch).
	readEnded func(error)
}

// exportSlots returns the slots, made on first use.
func (db *DB) exportSlots() chan struct{} {
	db.exports.once.Do(func() {
		n := 2
		if sqlDB, err := db.read.DB(); err == nil {
			n = max(1, sqlDB.Stats().MaxOpenConnections/2)
		}
		db.exports.ch = make(chan struct{}, n)
	})
	return db.exports.ch
}

// exportSlot waits for a slot, and returns how to give it back.
func (db *DB) exportSlot(ctx context.Context) (release func(), err error) {
	ch := db.exportSlots()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// exporting runs read in an export slot, waiting for one first (see
// exportSlots); inside a transaction, whose connection is its own, in none.
func (db *DB) exporting(ctx context.Context, read func() error) error {
	if txOf(ctx) == nil {
		release, err := db.exportSlot(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	return read()
}

// eachRow calls fn for every row of the list query(cursor) selects, in its
// order, read by scan into one value reused from row to row (the same *R
// each time, zeroed between rows): fn must not keep it. query builds the
// list continuing after cursor ("" for the start), and next returns the
// cursor that continues after a row. On PostgreSQL one statement reads
// every row; on SQLite one statement reads at most exportChunk rows (see
// above).
func eachRow[R any](ctx context.Context, db *DB, query func(cursor string) (*gormDB, error), next func(*R) (string, error),
	scan func(*sql.Rows, *R) error, fn func(*R) error) error {
	return db.exporting(ctx, func() error { return readRows(ctx, db, query, next, scan, fn) })
}

// eachBatch is eachRow for rows that are worth more in batches (a query
// for the batch, as for a page): it hands the rows over inChunk at a time
// (see SetExportBatch) to flush, which runs on a goroutine of its own, one
// batch after the other, while the next rows are read (see
// pipeline.Run): the rows' statement and what is made of each batch cost
// about the same. flush must not keep a batch. An error of flush stops the
// reading at its next hand-over and is the one returned; the rows of a
// batch not yet handed over when the reading fails are dropped. The export
// keeps its slot until flush has returned for good, on every path: flush
// reads too.
func eachBatch[R any](ctx context.Context, db *DB, query func(cursor string) (*gormDB, error), next func(*R) (string, error),
	scan func(*sql.Rows, *R) error, flush func([]R) error) error {
	size := inChunk
	if db.exports.batch > 0 {
		size = db.exports.batch
	}
	return db.exporting(ctx, func() error {
		return pipeline.Run(func(emit func(R) error) error {
			err := readRows(ctx, db, query, next, scan, func(r *R) error { return emit(*r) })
			if db.exports.readEnded != nil {
				db.exports.readEnded(err)
			}
			return err
		}, flush, pipeline.BatchSize(size), pipeline.DiscardOnError())
	})
}

// readRows is eachRow without the slot.
func readRows[R any](ctx context.Context, db *DB, query func(cursor string) (*gormDB, error), next func(*R) (string, error),
	scan func(*sql.Rows, *R) error, fn func(*R) error) error {
	chunk := 0 // no limit: one statement
	if db.dialect == SQLite {
		if chunk = db.exports.chunk; chunk <= 0 {
			chunk = exportChunk
		}
	}
	var r R
	cursor := ""
	for {
		if err := ctx.Err(); err != nil {
			return err // not a statement more for a client gone
		}
		tx, err := query(cursor)
		if err != nil {
			return err
		}
		if chunk > 0 {
			tx = tx.Limit(chunk)
		}
		if db.dialect == SQLite {
			// mattn/go-sqlite3 steps each row of a statement with a
			// cancellable context in a goroutine of its own, a handoff
			// that costs more than the row: the statement runs without
			// the request's cancellation, and eachRowOnce checks it
			// between rows instead. PostgreSQL keeps it: there it
			// cancels the query on the server, where closing the rows
			// would otherwise read what is left of them.
			tx = tx.WithContext(context.WithoutCancel(tx.Statement.Context))
		}
		var n int
		n, cursor, err = eachRowOnce(ctx, tx, chunk, &r, next, scan, fn)
		if err != nil {
			return err
		}
		if chunk == 0 || n < chunk {
			return nil
		}
		if db.exports.between != nil {
			db.exports.between()
		}
	}
}

// eachRowOnce reads the rows of one statement, closed on return, and
// returns how many it read and, once it has read chunk rows, the cursor
// after the last.
func eachRowOnce[R any](ctx context.Context, tx *gormDB, chunk int, r *R, next func(*R) (string, error), scan func(*sql.Rows, *R) error,
	fn func(*R) error) (n int, cursor string, err error) {
	st := rowsOf(tx, "")
	defer func() { st.done(n, err) }() // once the rows are closed
	fn = away(&st, fn)
	rows, err := st.rows()
	if err != nil {
		return 0, "", dbError(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return n, "", err
		}
		*r = *new(R)
		if err := scan(rows, r); err != nil {
			return n, "", dbError(err)
		}
		if n++; n == chunk {
			if cursor, err = next(r); err != nil {
				return n, "", err
			}
		}
		if err := fn(r); err != nil {
			return n, "", err
		}
	}
	return n, cursor, dbError(rows.Err())
}

// EachMeeting calls fn for every meeting q selects, in the list's order.
// It counts registrations (as registrationCounts does for a page) and reads
// programmes for inChunk meetings at a time, so that their cost follows the
// rows exported rather than the whole registrations table. That, and fn,
// run on a goroutine of their own while the next inChunk rows are read (see
// eachBatch).
func (db *DB) EachMeeting(ctx context.Context, q meeting.Query, fn func(meeting.Meeting) error) error {
	sort := meetingSort(q)
	fp := ""
	sel, destOf := meetingSelect, meetingDest
	if db.dialect == SQLite {
		sel, destOf = meetingExportSelect, meetingExportDest
	}
	query := func(cursor string) (*gormDB, error) {
		q.Cursor = cursor
		tx, f, err := db.meetingList(db.meetingQueryOf(ctx, sel), q)
		fp = f
		return tx, err
	}
	next := func(v *meetingView) (string, error) { return meetingKeyset.next(sort, *v, fp) }
	var dest []any // made once: eachRow scans into the same value every row
	scan := func(rows *sql.Rows, v *meetingView) error {
		if dest == nil {
			dest = destOf(make([]any, 0, meetingColumns), v)
		}
		return rows.Scan(dest...)
	}
	items := make([]meeting.Meeting, 0, inChunk)
	flush := func(held []meetingView) error {
		if err := db.registrationCounts(ctx, held); err != nil {
			return err
		}
		items = items[:0]
		for i := range held {
			m, err := held[i].domain()
			if err != nil {
				return err
			}
			items = append(items, m)
		}
		if err := db.programmes(ctx, items); err != nil {
			return err
		}
		for _, m := range items {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	return eachBatch(ctx, db, query, next, scan, flush)
}
