package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Single reads that every public page links to (a meeting by id) skip
// GORM: one fixed statement, prepared once on SQLite and kept, read with
// rows.Scan.

// readStmts are the statements queryRow prepared, by their text.
type readStmts struct{ m sync.Map }

// queryRow runs query, written with ? placeholders, for one row: in the
// transaction in ctx when there is one (it sees that transaction's
// writes), else on the readers, prepared once on SQLite. PostgreSQL's
// driver keeps its own prepared statements per connection (see Open).
func (db *DB) queryRow(ctx context.Context, query string, args ...any) row {
	if tx := txOf(ctx); tx != nil {
		if db.dialect == Postgres {
			query = numbered(query)
		}
		// The transaction's own context: a shared one is never cancelled by
		// one request. args copied: handed to an interface they would
		// escape, from the reads outside transactions too.
		return db.slow.queryRow(tx, query, slices.Clone(args)...)
	}
	begin := time.Now()
	sqlDB, err := db.read.DB()
	if err != nil {
		return row{Row: db.read.WithContext(ctx).Raw(query, args...).Row()} // logged by GORM
	}
	if db.dialect == Postgres {
		query = numbered(query)
		return db.slow.row(ctx, begin, query, sqlDB.QueryRowContext(ctx, query, args...))
	}
	if stmt, ok := db.stmts.m.Load(query); ok {
		return db.slow.row(ctx, begin, query, stmt.(*sql.Stmt).QueryRowContext(ctx, args...))
	}
	stmt, err := sqlDB.PrepareContext(ctx, query)
	if err != nil {
		return db.slow.row(ctx, begin, query, sqlDB.QueryRowContext(ctx, query, args...)) // the same error, from the row
	}
	if kept, loaded := db.stmts.m.LoadOrStore(query, stmt); loaded {
		_ = stmt.Close()
		stmt = kept.(*sql.Stmt)
	}
	return db.slow.row(ctx, begin, query, stmt.QueryRowContext(ctx, args...))
}

// numbered writes query's ? placeholders as PostgreSQL's $1, $2, …; the
// queries given here hold no ? in literals.
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteString("$" + strconv.Itoa(n))
		query = query[i+1:]
	}
}

// The scanners below read one column each without database/sql's
// reflection (a nullable column scanned into a pointer, an INTEGER into an
// int, are reflected on every row): an export scans every row of a table.

// nullText scans a nullable text column: nil for NULL.
type nullText struct{ p **string }

func (n nullText) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*n.p = nil
	case string:
		*n.p = &s
	case []byte:
		t := string(s)
		*n.p = &t
	default:
		return fmt.Errorf("scan %T into text", src)
	}
	return nil
}

// intColumn scans an INTEGER column into an int.
type intColumn struct{ p *int }

func (n intColumn) Scan(src any) error {
	i, ok := src.(int64)
	if !ok {
		return fmt.Errorf("scan %T into int", src)
	}
	*n.p = int(i)
	return nil
}

// nullInt scans a nullable INTEGER column: nil for NULL.
type nullInt struct{ p **int }

func (n nullInt) Scan(src any) error {
	if src == nil {
		*n.p = nil
		return nil
	}
	var i int
	if err := (intColumn{&i}).Scan(src); err != nil {
		return err
	}
	*n.p = &i
	return nil
}

// sqliteTime scans a SQLite TIMESTAMP column selected as an expression
// (+m.starts_at), which mattn/go-sqlite3 hands over as stored instead of
// parsing it by the column's declared type: the stored layout is parsed
// here in one pass, and anything else as the driver would.
type sqliteTime struct{ p *time.Time }

func (s sqliteTime) Scan(src any) error {
	t, err := storedTime(src)
	*s.p = t
	return err
}

// nullSQLiteTime is a nullable sqliteTime: nil for NULL.
type nullSQLiteTime struct{ p **time.Time }

func (s nullSQLiteTime) Scan(src any) error {
	if src == nil {
		*s.p = nil
		return nil
	}
	t, err := storedTime(src)
	*s.p = &t
	return err
}

// storedTime reads a SQLite timestamp as mattn/go-sqlite3 reads a column
// declared TIMESTAMP: text in one of its layouts (the zero time when none
// fits, as the driver gives), or an integer of Unix seconds (milliseconds
// when it has 13 digits or more).
func storedTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case string:
		return storedText(v), nil
	case []byte:
		return storedTime(string(v))
	case int64:
		if v > 1e12 || v < -1e12 {
			return time.Unix(0, v*int64(time.Millisecond)).UTC(), nil
		}
		return time.Unix(v, 0).UTC(), nil
	case time.Time:
		return v, nil
	}
	return time.Time{}, fmt.Errorf("scan %T into a time", src)
}

// storedText reads a timestamp stored as text, as the driver reads it.
func storedText(s string) time.Time {
	if t, ok := parseStoredTime(s); ok {
		return t
	}
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseStoredTime parses the layout the driver writes a time.Time in,
// 2006-01-02 15:04:05.999999999-07:00, with the fraction optional and the
// zone +hh:mm, -hh:mm, Z or none (UTC); ok is false for anything else
// (left to time.ParseInLocation). The time is in UTC, the same instant
// time.ParseInLocation gives.
func parseStoredTime(s string) (t time.Time, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	rest, ns := s[19:], 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for scale := 100_000_000; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if i > 9 {
				return time.Time{}, false
			}
			ns += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := num(len(s)-5, 2), num(len(s)-2, 2)
		if oh < 0 || oh > 14 || om < 0 || om > 59 {
			return time.Time{}, false
		}
		if offset = (oh*60 + om) * 60; rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t = time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d { // 31 February: time.Parse refuses it
		return time.Time{}, false
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}
