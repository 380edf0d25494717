package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// release110Version is the last migration release 1.1.0 shipped.
const release110Version = 10

// probeMigrations are two later migrations: one in the plain format, one
// with goose annotations of its own and a statement with semicolons inside.
func probeMigrations(d store.Dialect) map[string]string {
	annotated := `-- +goose Up
CREATE TABLE migrate_probe_log (id INTEGER NOT NULL);
-- +goose StatementBegin
CREATE TRIGGER migrate_probe_logged AFTER INSERT ON migrate_probe
BEGIN
    INSERT INTO migrate_probe_log (id) VALUES (NEW.id);
    UPDATE migrate_probe SET at = at WHERE id = NEW.id;
END;
-- +goose StatementEnd
`
	if d == store.Postgres {
		annotated = `-- +goose Up
CREATE TABLE migrate_probe_log (id INTEGER NOT NULL);
-- +goose StatementBegin
CREATE FUNCTION migrate_probe_logged() RETURNS trigger AS $$
BEGIN
    INSERT INTO migrate_probe_log (id) VALUES (NEW.id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER migrate_probe_logged AFTER INSERT ON migrate_probe FOR EACH ROW EXECUTE FUNCTION migrate_probe_logged();
`
	}
	return map[string]string{
		"9001_probe_plain.sql": `-- A later migration in the plain format.
CREATE TABLE migrate_probe (
    id INTEGER PRIMARY KEY,
    at {{timestamp}} NOT NULL
);
INSERT INTO migrate_probe (id, at) VALUES (1, CURRENT_TIMESTAMP);
`,
		"9002_probe_goose.sql": annotated,
	}
}

// migrationFiles is the shipped migrations up to version upTo (all for 0),
// and extra ones by file name.
func migrationFiles(t *testing.T, upTo int, extra map[string]string) fs.FS {
	t.Helper()
	all, err := store.Migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	files := fstest.MapFS{}
	for _, m := range all {
		if upTo == 0 || m.Version <= upTo {
			files[m.Name+".sql"] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	for name, sql := range extra {
		files[name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return files
}

// migrationNames are the names of the migrations in files above version from.
func migrationNames(t *testing.T, files fs.FS, from int) []string {
	t.Helper()
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		var v int
		if _, err := fmt.Sscanf(n, "%d_", &v); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if v > from {
			out = append(out, strings.TrimSuffix(n, ".sql"))
		}
	}
	slices.Sort(out)
	return out
}

// openUnmigrated opens the database at url as it is, closed when the test ends.
func openUnmigrated(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// release110File is a copy of the SQLite database that the 1.1.0 binary
// made (testdata/README.md).
func release110File(t *testing.T) string {
	t.Helper()
	in, err := os.Open(filepath.Join("testdata", "v1.1.0.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pioniers.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

type appliedRow struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

func appliedRows(t *testing.T, db *store.DB) []appliedRow {
	t.Helper()
	var rows []appliedRow
	if err := db.Scan(context.Background(), &rows, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return rows
}

// tables lists the tables of db's schema.
func tables(t *testing.T, db *store.DB) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if db.Dialect() == store.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
	}
	var names []string
	if err := db.Scan(context.Background(), &names, q); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

// rowCounts counts the rows of every table but schema_migrations.
func rowCounts(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range tables(t, db) {
		if name == "schema_migrations" {
			continue
		}
		var n int64
		if err := db.Scan(context.Background(), &n, "SELECT COUNT(*) FROM "+name); err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

// FreshRows names every row the migrations insert: migrate-data refuses a
// target holding more than those.
func TestFreshRows(t *testing.T) {
	t.Parallel()
	got := rowCounts(t, storetest.Open(t))
	want := store.FreshRows()
	for name, n := range got {
		if n != want[name] {
			t.Errorf("%s: a fresh database holds %d rows; FreshRows says %d", name, n, want[name])
		}
	}
}

func hasTable(t *testing.T, db *store.DB, name string) bool {
	t.Helper()
	return slices.Contains(tables(t, db), name)
}

// release110Databases are databases as release 1.1.0 left them: the file
// its binary made (always SQLite), and one its runner made on the test
// database (PostgreSQL under scripts/with-postgres), with a row in it.
var release110Databases = []struct {
	name string
	make func(t *testing.T) *store.DB
}{
	{"file of the 1.1.0 binary (SQLite)", func(t *testing.T) *store.DB {
		return openUnmigrated(t, release110File(t))
	}},
	{"1.1.0 runner", func(t *testing.T) *store.DB {
		db := openUnmigrated(t, storetest.DatabaseURL(t))
		if err := db.MigrateLikeRelease110(context.Background(), release110Version); err != nil {
			t.Fatalf("migrate as 1.1.0 did: %v", err)
		}
		if err := db.Exec(context.Background(), "INSERT INTO organisations (id, code, name, kind, network_role, version, created_at, updated_at) VALUES ('o1', 'T1', 'Test', 'municipality', 'member', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"); err != nil {
			t.Fatalf("write a row: %v", err)
		}
		return db
	}},
}

// A database that release 1.1.0 made upgrades in place: the versions it
// recorded stay as they are, nothing is applied again, its data stays, and
// the migrations after it are applied, in either format.
func TestMigrateUpgradesRelease110Database(t *testing.T) {
	t.Parallel()
	for _, tc := range release110Databases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := tc.make(t)
			before := appliedRows(t, db)
			if len(before) != release110Version {
				t.Fatalf("the 1.1.0 database records %d migrations; want %d", len(before), release110Version)
			}
			counts := rowCounts(t, db)
			files := migrationFiles(t, 0, probeMigrations(db.Dialect()))

			applied, err := db.MigrateFS(ctx, files)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if want := migrationNames(t, files, release110Version); !slices.Equal(applied, want) {
				t.Errorf("applied %v; want only the later ones, %v", applied, want)
			}
			after := appliedRows(t, db)
			if !slices.EqualFunc(after[:len(before)], before, func(a, b appliedRow) bool {
				return a.Version == b.Version && a.Name == b.Name && a.AppliedAt.Equal(b.AppliedAt)
			}) {
				t.Errorf("recorded migrations: got %v; want %v kept as they were", after[:len(before)], before)
			}
			if got, want := len(after), len(migrationNames(t, files, 0)); got != want {
				t.Errorf("recorded %d migrations; want %d", got, want)
			}
			got := rowCounts(t, db)
			for table, n := range counts {
				if got[table] != n {
					t.Errorf("%s: got %d rows; want the %d it had", table, got[table], n)
				}
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 9002 {
				t.Errorf("schema version: got %d, %v; want 9002", v, err)
			}
			// The annotated migration's statement ran whole: its trigger logs.
			if err := db.Exec(ctx, "INSERT INTO migrate_probe (id, at) VALUES (2, CURRENT_TIMESTAMP)"); err != nil {
				t.Fatalf("insert into the probe table: %v", err)
			}
			var logged int64
			if err := db.Scan(ctx, &logged, "SELECT COUNT(*) FROM migrate_probe_log"); err != nil || logged != 1 {
				t.Errorf("probe log: got %d rows, %v; want 1 from the trigger", logged, err)
			}
			again, err := db.MigrateFS(ctx, files)
			if err != nil || len(again) != 0 {
				t.Errorf("migrate again: applied %v, %v; want none", again, err)
			}
		})
	}
}

// Goose makes, from the shipped files, the schema that 1.1.0's runner made.
func TestMigrateMakesRelease110Schema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range release110Databases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.make(t)
			url := storetest.DatabaseURL(t)
			if want.Dialect() == store.SQLite {
				url = filepath.Join(t.TempDir(), "pioniers.db")
			}
			got := openUnmigrated(t, url)
			if _, err := got.MigrateFS(ctx, migrationFiles(t, release110Version, nil)); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			g, w := schema(t, got), schema(t, want)
			if len(g) != len(w) {
				t.Errorf("schema has %d parts; want %d", len(g), len(w))
			}
			for i := range min(len(g), len(w)) {
				if g[i] != w[i] {
					t.Errorf("schema:\n got %s\nwant %s", g[i], w[i])
				}
			}
		})
	}
}

// schema describes db's tables, columns, indexes and constraints, one line
// each, in order, without comments or layout.
func schema(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if db.Dialect() == store.SQLite {
		var rows []struct{ Type, Name, SQL string }
		if err := db.Scan(ctx, &rows, "SELECT type, name, COALESCE(sql, '') AS sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"); err != nil {
			t.Fatalf("read schema: %v", err)
		}
		for _, r := range rows {
			var kept []string
			for line := range strings.Lines(r.SQL) {
				if !strings.HasPrefix(strings.TrimSpace(line), "--") {
					kept = append(kept, line)
				}
			}
			out = append(out, r.Type+" "+r.Name+": "+strings.Join(strings.Fields(strings.Join(kept, " ")), " "))
		}
		return out
	}
	var name string
	if err := db.Scan(ctx, &name, "SELECT current_schema()"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1`,
		`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
		`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1`,
	} {
		var lines []string
		if err := db.Scan(ctx, &lines, q); err != nil {
			t.Fatalf("read schema: %v", err)
		}
		for _, l := range lines {
			out = append(out, strings.ReplaceAll(l, name+".", ""))
		}
	}
	return out
}

// Instances that start at once on one database all migrate it, and each
// migration is applied once: on PostgreSQL under goose's session lock; on
// SQLite, handles of their own on one file, as processes would have.
func TestMigrateInstancesStartingAtOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		already int // migrations applied before the instances start
	}{
		{"empty database", 0},
		// The version table exists, so no instance is held up creating it.
		{"1.1.0 database", release110Version},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := storetest.DatabaseURL(t)
			const instances = 4
			dbs := make([]*store.DB, instances)
			for i := range dbs {
				dbs[i] = openUnmigrated(t, url)
			}
			if tc.already > 0 {
				if err := dbs[0].MigrateLikeRelease110(ctx, tc.already); err != nil {
					t.Fatalf("migrate as 1.1.0 did: %v", err)
				}
			}
			files := migrationFiles(t, 0, probeMigrations(dbs[0].Dialect()))
			applied := make([][]string, instances)
			errs := make([]error, instances)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, db := range dbs {
				wg.Go(func() {
					<-start
					applied[i], errs[i] = db.MigrateFS(ctx, files)
				})
			}
			close(start)
			wg.Wait()
			var all []string
			for i := range dbs {
				if errs[i] != nil {
					t.Errorf("instance %d: %v", i, errs[i])
				}
				all = append(all, applied[i]...)
			}
			slices.Sort(all)
			if want := migrationNames(t, files, tc.already); !slices.Equal(all, want) {
				t.Errorf("applied, all instances together: %v; want each of %v once", all, want)
			}
			if got, want := len(appliedRows(t, dbs[0])), len(migrationNames(t, files, 0)); got != want {
				t.Errorf("recorded %d migrations; want %d", got, want)
			}
		})
	}
}

// Processes that start at once on one database, a SQLite file or a
// PostgreSQL schema, all migrate it, and each migration is applied once.
func TestMigrateProcessesStartingAtOnce(t *testing.T) {
	t.Parallel()
	url := storetest.DatabaseURL(t)
	const processes = 3
	type child struct {
		cmd   *osexec.Cmd
		out   bytes.Buffer
		start io.WriteCloser
	}
	children := make([]*child, processes)
	for i := range children {
		c := &child{cmd: osexec.Command(os.Args[0], "-test.run=^TestMigrateChildProcess$", "-test.count=1")}
		c.cmd.Env = append(os.Environ(), "PIONIERS_MIGRATE_CHILD="+url)
		c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
		var err error
		if c.start, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatalf("start process %d: %v", i, err)
		}
		children[i] = c
	}
	// Each waits for its standard input to close: all go at once.
	for _, c := range children {
		c.start.Close()
	}
	var all []string
	for i, c := range children {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, c.out.String())
			continue
		}
		for line := range strings.Lines(c.out.String()) {
			if names, ok := strings.CutPrefix(strings.TrimSpace(line), "migrated:"); ok && names != "" {
				all = append(all, strings.Split(names, ",")...)
			}
		}
	}
	slices.Sort(all)
	db := openUnmigrated(t, url)
	if want := migrationNames(t, migrationFiles(t, 0, probeMigrations(db.Dialect())), 0); !slices.Equal(all, want) {
		t.Errorf("applied, all processes together: %v; want each of %v once", all, want)
	}
}

// TestMigrateChildProcess is one of TestMigrateProcessesStartingAtOnce's
// processes; on its own it does nothing.
func TestMigrateChildProcess(t *testing.T) {
	url := os.Getenv("PIONIERS_MIGRATE_CHILD")
	if url == "" {
		t.Skip("run by TestMigrateProcessesStartingAtOnce")
	}
	db := openUnmigrated(t, url)
	files := migrationFiles(t, 0, probeMigrations(db.Dialect()))
	io.Copy(io.Discard, os.Stdin) // the start signal
	applied, err := db.MigrateFS(context.Background(), files)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	fmt.Printf("\nmigrated:%s\n", strings.Join(applied, ","))
}

// A migration that fails leaves its version unapplied and the database as
// it was, on either engine (DDL is transactional on both); the migrations
// after it wait, and those before it stay applied.
func TestMigrateFailureChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	failing := map[string]string{
		"9001_fails.sql": `CREATE TABLE migrate_half (id INTEGER NOT NULL);
INSERT INTO migrate_half (id) VALUES (1);
ALTER TABLE organisations ADD COLUMN migrate_half TEXT;
INSERT INTO no_such_table (id) VALUES (1);
`,
		"9002_after.sql": "CREATE TABLE migrate_after (id INTEGER NOT NULL);\n",
	}
	db := openUnmigrated(t, storetest.DatabaseURL(t))
	files := migrationFiles(t, 0, failing)
	shipped := migrationNames(t, migrationFiles(t, 0, nil), 0)

	applied, err := db.MigrateFS(ctx, files)
	if err == nil || !strings.Contains(err.Error(), "9001_fails") {
		t.Fatalf("migrate: got %v; want the failure of 9001_fails", err)
	}
	if !slices.Equal(applied, shipped) {
		t.Errorf("applied %v; want the shipped %v before the failure", applied, shipped)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last := shipped[len(shipped)-1]; !strings.HasPrefix(last, fmt.Sprintf("%04d_", v)) {
		t.Errorf("schema version %d; want that of %s", v, last)
	}
	for _, table := range []string{"migrate_half", "migrate_after"} {
		if hasTable(t, db, table) {
			t.Errorf("table %s exists; want the failed migration and the next undone", table)
		}
	}
	var n int64
	if err := db.Scan(ctx, &n, "SELECT COUNT(*) FROM organisations WHERE migrate_half IS NULL"); err == nil {
		t.Errorf("organisations.migrate_half exists; want the failed migration's column gone")
	}
	// Once the failing migration is mended, the next run applies it.
	failing["9001_fails.sql"] = "CREATE TABLE migrate_half (id INTEGER NOT NULL);\n"
	applied, err = db.MigrateFS(ctx, migrationFiles(t, 0, failing))
	if want := []string{"9001_fails", "9002_after"}; err != nil || !slices.Equal(applied, want) {
		t.Errorf("migrate after the mend: applied %v, %v; want %v", applied, err, want)
	}
}
