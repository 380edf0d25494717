package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// target is the PostgreSQL database, migrated, on one connection.
type target struct {
	conn  *pgx.Conn
	types map[string]map[string]string // table -> column -> data_type
}

func openTarget(ctx context.Context, dsn string) (*target, error) {
	// The store's own migrations make the schema; the copy only fills it.
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	_, err = db.Migrate(ctx)
	if err = errors.Join(err, db.Close()); err != nil {
		return nil, fmt.Errorf("migrate target: %w", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	t := &target{conn: conn, types: map[string]map[string]string{}}
	rows, err := conn.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("target columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			t.close()
			return nil, fmt.Errorf("target columns: %w", err)
		}
		if t.types[table] == nil {
			t.types[table] = map[string]string{}
		}
		t.types[table][column] = typ
	}
	if err := rows.Err(); err != nil {
		t.close()
		return nil, fmt.Errorf("target columns: %w", err)
	}
	return t, nil
}

func (t *target) close() { _ = t.conn.Close(context.Background()) }

// matches checks that the target has the source's tables and columns, no
// more and no fewer: both were migrated by the same binary, so a difference
// means a table the copy does not know.
func (t *target) matches(tables []Table) error {
	seen := map[string]bool{}
	for _, tb := range tables {
		cols, ok := t.types[tb.Name]
		if !ok {
			return fmt.Errorf("table %s is in the source but not in the target", tb.Name)
		}
		seen[tb.Name] = true
		var src []string
		for _, c := range tb.Columns {
			src = append(src, c.Name)
			if _, ok := cols[c.Name]; !ok {
				return fmt.Errorf("table %s: column %s is in the source but not in the target", tb.Name, c.Name)
			}
		}
		if len(cols) != len(src) {
			for name := range cols {
				if !slices.Contains(src, name) {
					return fmt.Errorf("table %s: column %s is in the target but not in the source", tb.Name, name)
				}
			}
		}
	}
	var extra []string
	for name := range t.types {
		if !seen[name] && !slices.Contains(store.BookkeepingTables(), name) {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("table %s is in the target but not in the source", strings.Join(extra, ", "))
	}
	return nil
}

// copyAll copies every table in one transaction and verifies each before
// it commits.
func copyAll(ctx context.Context, src *source, dst *target, tables []Table, opts Options) ([]TableReport, bool, error) {
	tx, err := dst.conn.Begin(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("target: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	names := make([]string, len(tables))
	var total int64
	for i, tb := range tables {
		names[i] = tb.Name
		total += tb.Rows
	}
	// Locked first, so that what is counted is what is emptied, and no
	// instance writes to the target while it is filled.
	if _, err := tx.Exec(ctx, "LOCK TABLE "+quoteAll(names)+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return nil, false, fmt.Errorf("lock the target's tables: %w", err)
	}
	var full []string
	fresh := store.FreshRows()
	for _, tb := range tables {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+quote(tb.Name)).Scan(&n); err != nil {
			return nil, false, errCopy(tb.Name, err)
		}
		if n > fresh[tb.Name] {
			full = append(full, fmt.Sprintf("%s (%d rows)", tb.Name, n))
		}
	}
	if len(full) > 0 && !opts.Force {
		return nil, false, fmt.Errorf("the target holds data: %s; copy into an empty database, or add --force to empty these tables first", strings.Join(full, ", "))
	}
	// Also removes the rows the target's migrations made; the source's replace them.
	if _, err := tx.Exec(ctx, "TRUNCATE "+quoteAll(names)); err != nil {
		return nil, false, fmt.Errorf("empty the target: %w", err)
	}
	opts.Progress.Start(total)
	reports := make([]TableReport, len(tables))
	for i, tb := range tables {
		opts.Progress.Table(tb.Name, tb.Rows)
		sum, n, err := copyTable(ctx, src, tx, tb, dst.types[tb.Name], opts.Progress)
		if err != nil {
			return nil, false, errCopy(tb.Name, err)
		}
		reports[i] = TableReport{Name: tb.Name, Rows: n, Checksum: sum}
	}
	opts.Progress.Step("verifying")
	for i, tb := range tables {
		sum, n, err := targetChecksum(ctx, tx, tb, dst.types[tb.Name])
		if err != nil {
			return nil, false, errCopy(tb.Name, err)
		}
		want := reports[i]
		if n != want.Rows {
			return nil, false, fmt.Errorf("table %s: the target holds %d rows; the source %d: nothing was copied", tb.Name, n, want.Rows)
		}
		if sum != want.Checksum {
			return nil, false, fmt.Errorf("table %s: the target's rows differ from the source's (checksum %.12s; want %.12s): nothing was copied", tb.Name, sum, want.Checksum)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, false, fmt.Errorf("commit the copy: %w", err)
	}
	opts.Progress.Finish()
	return reports, len(full) > 0, nil
}

// copyTable streams a table from the source into the target with COPY,
// hashing the rows as it reads them.
func copyTable(ctx context.Context, src *source, tx pgx.Tx, tb Table, types map[string]string, progress Progress) (string, int64, error) {
	rows, err := src.rows(ctx, tb)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	r := &rowReader{rows: rows, table: tb, types: types, sum: newChecksum(), progress: progress}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{tb.Name}, tb.columnNames(), r)
	if err == nil {
		err = r.err
	}
	if err != nil {
		return "", 0, err
	}
	progress.Add(r.n - r.reported)
	if n != r.n {
		return "", 0, fmt.Errorf("copied %d rows of %d", n, r.n)
	}
	return r.sum.hex(), n, nil
}

// rowReader feeds the source's rows to COPY.
type rowReader struct {
	rows     *sql.Rows
	table    Table
	types    map[string]string
	sum      *checksum
	progress Progress
	values   []any
	n        int64
	reported int64
	err      error
}

// progressEvery is how many rows pass between progress reports.
const progressEvery = 1000

func (r *rowReader) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	cols := len(r.table.Columns)
	raw := make([]any, cols)
	ptrs := make([]any, cols)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return false
	}
	r.values = make([]any, cols)
	for i, v := range raw {
		c := r.table.Columns[i]
		cv, err := forTarget(v, r.types[c.Name])
		if err != nil {
			r.err = fmt.Errorf("column %s: %w", c.Name, err)
			return false
		}
		r.values[i] = cv
	}
	if err := r.sum.row(r.values); err != nil {
		r.err = err
		return false
	}
	r.n++
	if r.n-r.reported >= progressEvery {
		r.progress.Add(r.n - r.reported)
		r.reported = r.n
	}
	return true
}

func (r *rowReader) Values() ([]any, error) { return r.values, nil }

func (r *rowReader) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// forTarget turns a value as the SQLite driver reads it into one for the
// target column's type.
func forTarget(v any, pgType string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return string(x), nil
	case int64:
		if pgType == "boolean" {
			return x != 0, nil
		}
	case time.Time:
		if x.IsZero() {
			// The driver reads a time it cannot parse as the zero time.
			return nil, errors.New("a value that is not a valid time")
		}
		// PostgreSQL keeps microseconds; the service writes instants so
		// (domain.Instant), but some SQLite rows carry nanoseconds (such as
		// idempotency keys' creation times), which no reader needs.
		return x.UTC().Truncate(time.Microsecond), nil
	case string:
		if strings.HasPrefix(pgType, "timestamp") || pgType == "date" {
			return nil, fmt.Errorf("the text %q where a time belongs", x)
		}
	}
	return v, nil
}

// targetChecksum reads a table back in primary-key order (text by bytes,
// as SQLite orders it) and hashes it as the source's rows were.
func targetChecksum(ctx context.Context, tx pgx.Tx, tb Table, types map[string]string) (string, int64, error) {
	order := make([]string, len(tb.Key))
	for i, k := range tb.Key {
		order[i] = quote(k)
		if types[k] == "text" {
			order[i] += ` COLLATE "C"`
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+quoteAll(tb.columnNames())+" FROM "+quote(tb.Name)+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	sum := newChecksum()
	var n int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", 0, err
		}
		if err := sum.row(vals); err != nil {
			return "", 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return "", 0, err
	}
	return sum.hex(), n, nil
}
