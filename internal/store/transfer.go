package store

import (
	"context"
	"database/sql"
	"fmt"
)

// What a copy between databases (internal/transfer) needs to know about the
// migrations: their own bookkeeping, which each database keeps for itself,
// and the rows they insert into a fresh database.

// BookkeepingTables are the tables the migration runner keeps for itself.
func BookkeepingTables() []string { return []string{"schema_migrations"} }

// FreshRows is how many rows a freshly migrated database holds per table:
// the migrations insert change_sequence's one counter row and the mail
// outbox's one queue row.
func FreshRows() map[string]int64 { return map[string]int64{"change_sequence": 1, "mail_queue": 1} }

// LatestVersion is the schema version this binary migrates a database to.
func LatestVersion() (int, error) {
	all, err := Migrations()
	if err != nil {
		return 0, err
	}
	if len(all) == 0 {
		return 0, nil
	}
	return all[len(all)-1].Version, nil
}

// Querier is a connection, transaction or pool of database/sql.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SchemaVersionOf is the highest applied migration read through q: a
// pool, a transaction (goose's version store) or a read-only snapshot
// that is not a DB; 0 for a database never migrated.
func SchemaVersionOf(ctx context.Context, q Querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}
