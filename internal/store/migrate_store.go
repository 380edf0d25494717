package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3/database"
)

// versionStore keeps goose's bookkeeping in schema_migrations, the table
// the runner before goose (up to 1.1.0) filled, rather than in goose's own
// goose_db_version. So there is one record of what is applied, not a copy
// to import once and keep in step: an existing database upgrades in place,
// a binary of 1.1.0 still reads it, and the version is the primary key,
// which makes a second recording of one migration fail and roll back with
// it (what keeps SQLite instances that start at once apart; see migrate).
//
// Goose's "version 0", the empty schema it records when it creates its
// table, is implied here and never stored: schema_migrations stays as it
// was, and one the old runner created but could not fill still works.
type versionStore struct {
	dialect   Dialect
	timestamp string           // the dialect's timestamp type
	names     map[int64]string // version → migration name, for the name column
}

var _ database.StoreExtender = versionStore{}

func (s versionStore) Tablename() string { return "schema_migrations" }

// param is the n-th (from 1) query parameter in the dialect's syntax.
func (s versionStore) param(n int) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func (s versionStore) CreateVersionTable(ctx context.Context, db database.DBTxConn) error {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at `+s.timestamp+` NOT NULL)`)
	return err
}

func (s versionStore) TableExists(ctx context.Context, db database.DBTxConn) (bool, error) {
	q := `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.dialect == Postgres {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	var ok bool
	err := db.QueryRowContext(ctx, q).Scan(&ok)
	return ok, err
}

func (s versionStore) Insert(ctx context.Context, db database.DBTxConn, req database.InsertRequest) error {
	if req.Version == 0 {
		return nil
	}
	name, ok := s.names[req.Version]
	if !ok {
		return fmt.Errorf("no migration numbered %d", req.Version)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (`+s.param(1)+`, `+s.param(2)+`, `+s.param(3)+`)`,
		req.Version, name, time.Now().UTC())
	return err
}

func (s versionStore) Delete(ctx context.Context, db database.DBTxConn, version int64) error {
	_, err := db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = `+s.param(1), version)
	return err
}

func (s versionStore) GetMigration(ctx context.Context, db database.DBTxConn, version int64) (*database.GetMigrationResult, error) {
	if version == 0 {
		return &database.GetMigrationResult{IsApplied: true}, nil
	}
	var at time.Time
	err := db.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = `+s.param(1), version).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("migration %d: %w", version, database.ErrVersionNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &database.GetMigrationResult{Timestamp: at, IsApplied: true}, nil
}

func (s versionStore) GetLatestVersion(ctx context.Context, db database.DBTxConn) (int64, error) {
	v, err := SchemaVersionOf(ctx, db)
	return int64(v), err
}

// ListMigrations lists the applied versions, highest first, and the
// implied version 0 last.
func (s versionStore) ListMigrations(ctx context.Context, db database.DBTxConn) ([]*database.ListMigrationsResult, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*database.ListMigrationsResult
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, &database.ListMigrationsResult{Version: v, IsApplied: true})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return append(out, &database.ListMigrationsResult{Version: 0, IsApplied: true}), nil
}

// applied reports whether version is recorded as applied.
func (s versionStore) applied(ctx context.Context, db *sql.DB, version int64) (bool, error) {
	_, err := s.GetMigration(ctx, db, version)
	if errors.Is(err, database.ErrVersionNotFound) {
		return false, nil
	}
	return err == nil, err
}
