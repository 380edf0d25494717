package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"

	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// Table is a table of the source as the copy needs it.
type Table struct {
	Name    string
	Columns []Column
	Key     []string // the primary key's columns, in key order
	Refs    []string // the tables its foreign keys refer to
	Rows    int64    // in the source's snapshot
}

// Column is a column with the type the source declares.
type Column struct{ Name, Type string }

func (t Table) columnNames() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// source is one read transaction on the SQLite file: in WAL mode (how the
// service opens it) a snapshot that writers do not disturb and that does
// not block them.
type source struct {
	db      *sql.DB
	tx      *sql.Tx
	version int
}

func openSource(ctx context.Context, path string) (*source, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	// mode=ro: SQLite itself keeps this connection from writing the file.
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=true&_busy_timeout=10000")
	if err != nil {
		return nil, fmt.Errorf("open source %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open source %s: %w", path, err)
	}
	s := &source{db: db, tx: tx}
	// The first read starts the snapshot; every later one sees the same.
	if s.version, err = store.SchemaVersionOf(ctx, tx); err != nil {
		s.close()
		return nil, fmt.Errorf("source %s: %w (is it a Pioniers database?)", path, err)
	}
	want, err := store.LatestVersion()
	if err != nil {
		s.close()
		return nil, err
	}
	if s.version != want {
		s.close()
		return nil, fmt.Errorf("source %s is at schema version %d; this pioniers copies version %d: "+
			"run the pioniers release that matches the source, or first migrate the source (pioniers migrate --database-url sqlite:%s)", path, s.version, want, path)
	}
	return s, nil
}

func (s *source) close() {
	_ = s.tx.Rollback()
	_ = s.db.Close()
}

// tables lists the source's tables, but the migrations' bookkeeping, in an
// order that puts every table after those its foreign keys refer to.
func (s *source) tables(ctx context.Context) ([]Table, error) {
	names, err := s.strings(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list source tables: %w", err)
	}
	var tables []Table
	for _, name := range names {
		if slices.Contains(store.BookkeepingTables(), name) {
			continue
		}
		t, err := s.table(ctx, name)
		if err != nil {
			return nil, errCopy(name, err)
		}
		tables = append(tables, t)
	}
	return Order(tables)
}

func (s *source) table(ctx context.Context, name string) (Table, error) {
	t := Table{Name: name}
	rows, err := s.tx.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", name)
	if err != nil {
		return t, err
	}
	keys := map[int]string{}
	for rows.Next() {
		var c Column
		var pk int
		if err := rows.Scan(&c.Name, &c.Type, &pk); err != nil {
			rows.Close()
			return t, err
		}
		t.Columns = append(t.Columns, c)
		if pk > 0 {
			keys[pk] = c.Name
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return t, err
	}
	for i := 1; i <= len(keys); i++ {
		t.Key = append(t.Key, keys[i])
	}
	if t.Refs, err = s.strings(ctx, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1", name); err != nil {
		return t, err
	}
	err = s.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quote(name)).Scan(&t.Rows)
	return t, err
}

func (s *source) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rows reads a table in primary-key order (SQLite compares text bytewise,
// as PostgreSQL's "C" collation does).
func (s *source) rows(ctx context.Context, t Table) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, "SELECT "+quoteAll(t.columnNames())+" FROM "+quote(t.Name)+" ORDER BY "+quoteAll(t.Key))
}

// Order sorts tables so that each comes after the tables its foreign keys
// refer to (ties by name). It fails, naming the table, on one it cannot
// order or compare: a reference to a table not in the list or to itself, a
// cycle, or no primary key.
func Order(tables []Table) ([]Table, error) {
	byName := map[string]Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	for _, t := range tables {
		if len(t.Key) == 0 {
			return nil, fmt.Errorf("table %s has no primary key: the copy cannot compare its rows in a stable order", t.Name)
		}
		for _, r := range t.Refs {
			if r == t.Name {
				return nil, fmt.Errorf("table %s refers to itself: the copy cannot order its rows", t.Name)
			}
			if _, ok := byName[r]; !ok {
				return nil, fmt.Errorf("table %s refers to %s, which the source does not hold: the copy cannot order it", t.Name, r)
			}
		}
	}
	var out []Table
	done := map[string]bool{}
	for len(out) < len(tables) {
		var ready []string
		for _, t := range tables {
			if !done[t.Name] && !slices.ContainsFunc(t.Refs, func(r string) bool { return !done[r] }) {
				ready = append(ready, t.Name)
			}
		}
		if len(ready) == 0 {
			var left []string
			for _, t := range tables {
				if !done[t.Name] {
					left = append(left, t.Name)
				}
			}
			sort.Strings(left)
			return nil, fmt.Errorf("tables %s refer to each other in a cycle: the copy cannot order them", strings.Join(left, ", "))
		}
		sort.Strings(ready)
		for _, name := range ready {
			done[name] = true
			out = append(out, byName[name])
		}
	}
	return out, nil
}
