package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger is the slow-statement log: GORM's statements and those the
// store runs without GORM (see slowQueries.Trace) that ran longer than slow.
func gormLogger(log *slog.Logger, slow time.Duration) slowQueries {
	if log == nil {
		return slowQueries{logger.Discard, slow}
	}
	return slowQueries{logger.NewSlogLogger(log, logger.Config{SlowThreshold: slow, LogLevel: logger.Warn, ParameterizedQueries: true}), slow}
}

// slowQuery is how long a statement runs before it is logged.
const slowQuery = 500 * time.Millisecond

// slowQueries logs slow queries only. Query errors are not logged here: a
// unique or foreign key violation is an expected 409, and any other error
// reaches the HTTP error boundary, which logs it with the request id.
type slowQueries struct {
	logger.Interface
	threshold time.Duration
}

func (l slowQueries) LogMode(level logger.LogLevel) logger.Interface {
	return slowQueries{l.Interface.LogMode(level), l.threshold}
}

// Trace asks for the statement's text only when it is logged: GORM's loggers
// build it, values spelled out, for every statement (4% of a write's CPU).
//
// It is also the one way the store logs a statement it runs without GORM
// (prepared inserts, the change record, the group commit's transaction
// control, reads by id, an export's rows): fc gives the statement's text
// with its placeholders, never its values, and the rows it read or wrote
// (-1 when not known, as GORM says of a single row). fc does not escape,
// so a statement that is not slow costs no allocation.
func (l slowQueries) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	if time.Since(begin) <= l.threshold {
		return
	}
	l.slow(ctx, begin, fc)
}

// slow logs a slow statement; apart from Trace, so that only a slow
// statement pays for what the log holds on to.
func (l slowQueries) slow(ctx context.Context, begin time.Time, fc func() (string, int64)) {
	if l.Interface == nil {
		return // a DB not made by Open logs nothing
	}
	sql, rows := fc()
	l.Interface.Trace(ctx, begin, func() (string, int64) { return sql, rows }, nil)
}

// ParamsFilter leaves the values out of a logged statement: they may be
// personal data. GORM finds it on the logger it was given, this one.
func (l slowQueries) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// affected is what res says it wrote, for the log: -1 when res does not say.
func affected(res sql.Result) int64 {
	if res == nil {
		return -1
	}
	n, err := res.RowsAffected()
	if err != nil {
		return -1
	}
	return n
}

// exec runs query, written for the dialect, with args in tx, without GORM
// and logged as GORM's statements are.
func (l slowQueries) exec(tx *gorm.DB, query string, args ...any) error {
	if tx.Error != nil { // a session that must not run (see writer)
		return tx.Error
	}
	begin := time.Now()
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, query, args...)
	l.Trace(tx.Statement.Context, begin, func() (string, int64) { return query, affected(res) }, err)
	return err
}

// queryRow reads one row of query, written for the dialect, with args in
// tx, without GORM and logged as GORM's statements are.
func (l slowQueries) queryRow(tx *gorm.DB, query string, args ...any) row {
	if tx.Error != nil { // a session that must not run (see writer)
		return row{err: tx.Error}
	}
	ctx, begin := tx.Statement.Context, time.Now()
	return l.row(ctx, begin, query, tx.Statement.ConnPool.QueryRowContext(ctx, query, args...))
}

// row is a statement's one row, read without GORM: its statement runs
// until Scan has read the row, and is then logged as GORM's statements are.
type row struct {
	*sql.Row
	err   error // when set, the statement did not run and Scan returns it
	ctx   context.Context
	begin time.Time
	query string
	log   slowQueries
}

// row is r, the row of query that began at begin, to be logged once scanned.
func (l slowQueries) row(ctx context.Context, begin time.Time, query string, r *sql.Row) row {
	return row{Row: r, ctx: ctx, begin: begin, query: query, log: l}
}

// Scan reads the row into dest, as sql.Row's Scan does, and logs the
// statement when it was slow.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.Row.Scan(dest...)
	r.log.Trace(r.ctx, r.begin, func() (string, int64) { return r.query, -1 }, err)
	return err
}

// rowsStatement is a statement whose rows its caller steps through (a
// list, an export): on SQLite a statement does its work as its rows are
// stepped, after GORM has logged it as sent. It is logged once, as GORM's
// statements are: by GORM when sending it was slow already, else by done
// when it was slow by the time its rows were closed. Its time is the
// database's: less the time the caller spent on its rows (away), such as
// writing them to a slow client.
type rowsStatement struct {
	log         slowQueries
	tx          *gorm.DB
	query       string // the text to log; "" for tx's query, built again when logged
	begin, sent time.Time
	away        time.Duration
}

// rowsOf is the statement of tx, to be run by rows and logged by done;
// query is its text when tx is a raw statement.
func rowsOf(tx *gorm.DB, query string) rowsStatement {
	l, _ := tx.Logger.(slowQueries) // the zero value logs nothing
	return rowsStatement{log: l, tx: tx, query: query}
}

// rows sends the statement.
func (s *rowsStatement) rows() (*sql.Rows, error) {
	s.begin = time.Now()
	rows, err := s.tx.Rows()
	s.sent = time.Now()
	return rows, err
}

// done logs the statement, after its rows are closed, when it was slow
// then but not when it was sent; n is how many rows were read.
func (s *rowsStatement) done(n int, err error) {
	if s.sent.Sub(s.begin) > s.log.threshold {
		return // GORM logged it
	}
	s.log.Trace(s.tx.Statement.Context, s.begin.Add(s.away), func() (string, int64) {
		if s.query == "" {
			s.query = queryText(s.tx)
		}
		return s.query, int64(n)
	}, err)
}

// queryText is the text of tx's query as GORM sends it, placeholders for
// its values: built again, by GORM in a dry run, as GORM keeps it only
// while sending it.
func queryText(tx *gorm.DB) string {
	dry := tx.Session(&gorm.Session{DryRun: true, Logger: logger.Discard, Context: tx.Statement.Context})
	dry.Statement.Dest = nil // the rows, when GORM ran tx itself
	return dry.Callback().Row().Execute(dry).Statement.SQL.String()
}

// away is fn, its time counted as time away from s's statement.
func away[R any](s *rowsStatement, fn func(*R) error) func(*R) error {
	return func(r *R) error {
		t := time.Now()
		err := fn(r)
		s.away += time.Since(t)
		return err
	}
}
