package store

import (
	"context"
	"database/sql"
	"sync"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// Exports read every row a list selects from one query, as the database
// returns them, instead of page after page: no query per hundred rows, no
// page held in memory, and a consumer that stops (the client went away)
// ends the query with the context.

// exportSlots are how many exports may read at once: half the reader
// pool. An export holds its connection for as long as its client takes to
// read it, so exports alone must never hold every connection: the other
// reads, and the queries an export itself makes on the way (a milestone's
// evidence), always find one. An export beyond them waits for a slot, or
// for its client to give up.
type exportSlots struct {
	once sync.Once
	ch   chan struct{}
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

// eachRow runs tx's query once and calls fn for every row, read by scan
// into one value reused from row to row (the same *R each time, zeroed
// between rows): fn must not keep it.
func eachRow[R any](ctx context.Context, db *DB, tx *gormDB, scan func(*sql.Rows, *R) error, fn func(*R) error) error {
	if _, inTx := ctx.Value(txKey{}).(*gormDB); !inTx {
		release, err := db.exportSlot(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	rows, err := tx.Rows()
	if err != nil {
		return dbError(err)
	}
	defer rows.Close()
	var r R
	for rows.Next() {
		r = *new(R)
		if err := scan(rows, &r); err != nil {
			return dbError(err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return dbError(rows.Err())
}

// meetingCounts joins each meeting's registration counts (as
// registrationCounts counts them), grouped once for the whole export rather
// than counted per row.
const meetingCounts = `LEFT JOIN (SELECT meeting_id,
	SUM(CASE WHEN status = 'registered' THEN 1 ELSE 0 END) AS registered,
	SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END) AS waitlisted,
	SUM(CASE WHEN status = 'registered' AND attended THEN 1 ELSE 0 END) AS attended,
	SUM(CASE WHEN status = 'registered' AND NOT attended THEN 1 ELSE 0 END) AS no_show
	FROM registrations WHERE status IN ('registered', 'waitlisted') GROUP BY meeting_id) rc ON rc.meeting_id = m.id`

// EachMeeting calls fn for every meeting q selects, in the list's order.
func (db *DB) EachMeeting(ctx context.Context, q meeting.Query, fn func(meeting.Meeting) error) error {
	q.Cursor = ""
	tx := db.meetingQuery(ctx).Select(meetingSelect + `, COALESCE(rc.registered, 0), COALESCE(rc.waitlisted, 0),
		COALESCE(rc.attended, 0), COALESCE(rc.no_show, 0)`).Joins(meetingCounts)
	tx, _, err := db.meetingList(tx, q)
	if err != nil {
		return err
	}
	var dest []any // made once: eachRow scans into the same value every row
	scan := func(rows *sql.Rows, v *meetingView) error {
		if dest == nil {
			dest = append(meetingDest(make([]any, 0, meetingColumns+4), v), &v.RegisteredCount, &v.WaitlistCount, &v.AttendedCount, &v.NoShowCount)
		}
		return rows.Scan(dest...)
	}
	return eachRow(ctx, db, tx, scan, func(v *meetingView) error {
		m, err := v.domain()
		if err != nil {
			return err
		}
		if m.Format == meeting.FormatConference { // rare: its programme by itself
			ms := []meeting.Meeting{m}
			if err := db.programmes(ctx, ms); err != nil {
				return err
			}
			m = ms[0]
		}
		return fn(m)
	})
}
