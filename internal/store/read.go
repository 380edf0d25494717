package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
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
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if tx, ok := ctx.Value(txKey{}).(*gormDB); ok {
		return tx.Raw(query, args...).Row() // the transaction's own context: a shared one is never cancelled by one request
	}
	sqlDB, err := db.read.DB()
	if err != nil {
		return db.read.WithContext(ctx).Raw(query, args...).Row()
	}
	if db.dialect == Postgres {
		return sqlDB.QueryRowContext(ctx, numbered(query), args...)
	}
	if stmt, ok := db.stmts.m.Load(query); ok {
		return stmt.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	stmt, err := sqlDB.PrepareContext(ctx, query)
	if err != nil {
		return sqlDB.QueryRowContext(ctx, query, args...) // the same error, from the row
	}
	if kept, loaded := db.stmts.m.LoadOrStore(query, stmt); loaded {
		_ = stmt.Close()
		stmt = kept.(*sql.Stmt)
	}
	return stmt.QueryRowContext(ctx, args...)
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
