package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change, numbered by its file name.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	return readMigrations(shippedMigrations())
}

// shippedMigrations is the embedded migrations folder as its own root.
func shippedMigrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded folder exists, or the build fails
	}
	return sub
}

// readMigrations reads the *.sql files at the root of files.
func readMigrations(files fs.FS) ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a number above zero and an underscore", name)
		}
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the names of those it applied. Instances that
// start together on one database each apply what is left and none applies
// a migration twice (see migrate).
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	return db.migrate(ctx, shippedMigrations())
}

// migrate runs goose on the migrations in files. On PostgreSQL a session
// advisory lock keeps instances that start together from racing. SQLite
// has no such lock, but each migration runs in BEGIN IMMEDIATE and records
// its version, the primary key of schema_migrations, in the same
// transaction; an instance that lost the race to another fails on that
// migration, finds it applied, and carries on with what is left.
func (db *DB) migrate(ctx context.Context, files fs.FS) ([]string, error) {
	all, err := readMigrations(files)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(all))
	for _, m := range all {
		names[int64(m.Version)] = m.Name
	}
	sqlDB, err := db.write.DB()
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if db.dialect == SQLite {
		// The writer sorts in memory (see writerDriver); a migration's sort,
		// an index built over a large table, spills to disk as before.
		if _, err := sqlDB.ExecContext(ctx, "PRAGMA temp_store = DEFAULT"); err == nil {
			defer func() { _, _ = sqlDB.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = MEMORY") }()
		}
	}
	versions := versionStore{dialect: db.dialect, timestamp: db.timestampType(), names: names}
	opts := []goose.ProviderOption{
		goose.WithStore(versions),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
		// The 1.1.0 runner applied whatever was not applied yet, in order;
		// so does this, should a branch's migration land below one applied.
		goose.WithAllowOutofOrder(true),
	}
	if db.dialect == Postgres {
		locker, err := db.migrationLocker(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectCustom, sqlDB, sqlView{files: files, timestamp: db.timestampType(), postgres: db.dialect == Postgres}, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// Not p.Close: that would close the store's own pool.
	var applied []string
	for range len(all) + 1 {
		results, err := p.Up(ctx)
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			results = partial.Applied
		}
		for _, r := range results {
			applied = append(applied, names[r.Source.Version])
			if db.log != nil {
				db.log.InfoContext(ctx, "migration applied", "migration", names[r.Source.Version])
			}
		}
		if err == nil {
			return applied, nil
		}
		if partial == nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
		// Under PostgreSQL's lock no other instance migrates meanwhile; on
		// SQLite one may have applied this migration first.
		failed := partial.Failed.Source.Version
		raced := false
		if db.dialect == SQLite {
			raced, _ = versions.applied(ctx, sqlDB, failed)
		}
		if !raced {
			return applied, fmt.Errorf("migration %s: %w", names[failed], partial.Err)
		}
		// Each round, at least one migration was applied by another
		// instance, so the rounds are bounded.
	}
	return applied, errors.New("migrate: other instances kept applying migrations; run again")
}

// migrationLocker is goose's session advisory lock, keyed by the schema
// migrated, so that databases sharing a PostgreSQL database in schemas of
// their own (as the tests' do) do not wait for each other.
func (db *DB) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema string
	if err := db.write.WithContext(ctx).Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
		return nil, fmt.Errorf("migrate: find the schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("pioniers migrations " + schema))
	// Poll each second, not goose's default five: instances start at once,
	// and migrations take a moment. Ten minutes for a long one elsewhere.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return locker, nil
}

// SchemaVersion returns the highest applied migration, 0 for none.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return SchemaVersionOf(ctx, db.reader(ctx).Statement.ConnPool)
}

func (db *DB) timestampType() string {
	if db.dialect == Postgres {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}
