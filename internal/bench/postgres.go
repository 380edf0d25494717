package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is the PostgreSQL server of the -postgres pass: an admin
// connection, and the databases the run made on it, each filled from a
// dataset's SQLite file by pioniers migrate-data and dropped at the end.
type Postgres struct {
	admin    *pgx.Conn
	url      string // the admin URL
	prefix   string // bench_<random>_: unique to the run
	Version  string // PostgreSQL 15.8 (Debian …)
	Settings string // the settings that decide what a commit costs
	created  []string
}

// OpenPostgres connects to the server adminURL names, whose user must be
// allowed to CREATE DATABASE.
func OpenPostgres(ctx context.Context, adminURL string) (*Postgres, error) {
	if !strings.HasPrefix(adminURL, "postgres://") && !strings.HasPrefix(adminURL, "postgresql://") {
		return nil, errors.New("-postgres: want a postgres:// URL")
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("-postgres: %w", err)
	}
	// The settings that decide what a commit costs, so that a table measured
	// on a server without durability says so.
	var version, fsync, syncCommit, buffers string
	err = admin.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('fsync'),
		current_setting('synchronous_commit'), current_setting('shared_buffers')`).Scan(&version, &fsync, &syncCommit, &buffers)
	if err != nil {
		admin.Close(ctx)
		return nil, fmt.Errorf("-postgres: server settings: %w", err)
	}
	return &Postgres{admin: admin, url: adminURL, prefix: runPrefix(), Version: "PostgreSQL " + version,
		Settings: fmt.Sprintf("fsync %s, synchronous_commit %s, shared_buffers %s", fsync, syncCommit, buffers)}, nil
}

// runPrefix starts the names of a run's databases: bench_ and 32 random
// bits, so that runs on one server never share a database.
func runPrefix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "bench_" + hex.EncodeToString(b) + "_"
}

// name is the database of a server role (reads, writes-2): the run's prefix
// and the role, as a plain lower-case identifier.
func (p *Postgres) name(role string) string {
	return p.prefix + strings.NewReplacer("-", "_").Replace(role)
}

// databaseURL is adminURL pointed at the database name; a search_path the
// tests' URLs carry is left out, so that the tables land in public.
func databaseURL(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	u.Path = "/" + name
	return u.String(), nil
}

// migrateDataArgs is the command line that fills the database at to from
// the SQLite file db, through the project's own copy: it migrates the
// target and verifies every table's row count and checksum.
func migrateDataArgs(bin, db, to string) []string {
	return []string{bin, "migrate-data", "--from", "sqlite:" + db, "--to", to, "--log-level", "warn"}
}

// serve creates a database for role, fills it from a copy of d in dir, and
// serves it as startServer serves a SQLite copy; removing the server drops
// the database.
func (p *Postgres) serve(ctx context.Context, bin string, d Dataset, dir, role string, extra ...string) (*Server, error) {
	name := p.name(role)
	to, err := databaseURL(p.url, name)
	if err != nil {
		return nil, err
	}
	// Noted first: an interrupt may cancel the statement after the server
	// made the database, and Close drops it IF EXISTS.
	p.created = append(p.created, name)
	drop := func() error { return p.drop(ctx, name) }
	if _, err := p.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, errors.Join(fmt.Errorf("create database %s: %w", name, err), drop())
	}
	// The folder keeps the dataset's signing and pseudonym keys; the SQLite
	// file, once copied, goes, so that nothing can serve it by mistake.
	if err := copyDataset(d, dir); err != nil {
		return nil, errors.Join(err, drop())
	}
	db := filepath.Join(dir, "pioniers.db")
	args := migrateDataArgs(bin, db, to)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, errors.Join(fmt.Errorf("migrate-data into %s: %w: %s", name, err, out.Bytes()), drop())
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		_ = os.Remove(f)
	}
	if err := settle(ctx, to); err != nil {
		return nil, errors.Join(err, drop())
	}
	s, err := serve(ctx, bin, dir, append([]string{"--database-url", to}, extra...)...)
	if err != nil {
		return nil, errors.Join(err, drop())
	}
	s.drop = drop
	return s, nil
}

// settle readies a freshly filled database for measuring: the statistics
// its planner needs and the pages the bulk load dirtied on the disk, so that
// neither autovacuum nor a checkpoint runs during the rows (on 2 cores they
// slowed the SQLite rows of the same round too).
func settle(ctx context.Context, databaseURL string) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("settle the database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, stmt := range []string{"VACUUM (ANALYZE)", "CHECKPOINT"} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("settle the database: %s: %w", stmt, err)
		}
	}
	return nil
}

// drop removes a database the run made, closing what is still connected.
func (p *Postgres) drop(ctx context.Context, name string) error {
	// An interrupted run still cleans up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if p.admin.IsClosed() { // pgx closes a connection whose query was cancelled
		admin, err := pgx.Connect(ctx, p.url)
		if err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		p.admin = admin
	}
	if _, err := p.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	p.created = slices.DeleteFunc(p.created, func(n string) bool { return n == name })
	return nil
}

// Close drops the databases still there and closes the connection.
func (p *Postgres) Close(ctx context.Context) error {
	var errs []error
	for _, name := range slices.Clone(p.created) {
		errs = append(errs, p.drop(ctx, name))
	}
	errs = append(errs, p.admin.Close(context.WithoutCancel(ctx)))
	return errors.Join(errs...)
}
