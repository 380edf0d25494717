// Package transfer copies a database into another: a SQLite file, read from
// one consistent snapshot while the service keeps serving it, into a
// PostgreSQL database migrated to the same schema version. The copy is one
// transaction on the target, verified table by table (row count and a
// checksum over the rows in primary-key order) before it commits, so the
// target holds either the whole copy or nothing of it: an interrupted or
// failed copy is simply run again.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Options tune a copy.
type Options struct {
	// Force empties a target that holds data; without it such a target is refused.
	Force bool
	// Progress hears how the copy goes; nil for silence.
	Progress Progress
}

// Report is what a copy did.
type Report struct {
	SchemaVersion int
	Tables        []TableReport // in the order copied (foreign keys first)
	Emptied       bool          // the target held data and --force emptied it
}

// TableReport is one table copied and verified.
type TableReport struct {
	Name     string
	Rows     int64
	Checksum string // hex SHA-256 over the normalised rows in primary-key order
}

// Rows is the number of rows copied over all tables.
func (r Report) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// Run copies the SQLite database from (a path, optionally prefixed sqlite:)
// into the PostgreSQL database to (postgres://…). It migrates the target
// first and refuses a source at another schema version than this binary's,
// and a target that holds data unless opts.Force. The source is opened
// read-only and never written.
func Run(ctx context.Context, from, to string, opts Options) (Report, error) {
	if opts.Progress == nil {
		opts.Progress = silent{}
	}
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		return Report{}, errors.New("the target must be a PostgreSQL database: --to postgres://user@host/database")
	}
	if strings.HasPrefix(from, "postgres://") || strings.HasPrefix(from, "postgresql://") {
		return Report{}, errors.New("the source must be a SQLite file (--from sqlite:./data/pioniers.db); to copy a PostgreSQL database use pg_dump")
	}
	src, err := openSource(ctx, strings.TrimPrefix(from, "sqlite:"))
	if err != nil {
		return Report{}, err
	}
	defer src.close()
	rep := Report{SchemaVersion: src.version}
	tables, err := src.tables(ctx)
	if err != nil {
		return rep, err
	}
	dst, err := openTarget(ctx, to)
	if err != nil {
		return rep, err
	}
	defer dst.close()
	if err := dst.matches(tables); err != nil {
		return rep, err
	}
	rep.Tables, rep.Emptied, err = copyAll(ctx, src, dst, tables, opts)
	if err != nil && ctx.Err() != nil {
		return rep, fmt.Errorf("interrupted, so nothing was copied (the target is migrated and as it was); run the same command again: %w", err)
	}
	return rep, err
}

// Redacted is a database URL fit to print: without its password.
func Redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn
	}
	return u.Redacted()
}

// quote makes an identifier safe in SQLite and PostgreSQL alike.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}

// errCopy names the table a failure happened in.
func errCopy(table string, err error) error { return fmt.Errorf("table %s: %w", table, err) }
