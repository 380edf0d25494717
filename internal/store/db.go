package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Dialect names the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the database: a single writer and a pool of readers on SQLite (which
// allows one writer at a time), one pool for both on PostgreSQL.
type DB struct {
	write   *gorm.DB
	read    *gorm.DB
	dialect Dialect
	log     *slog.Logger
	bg      background
	// trouble is set when the database could not serve a statement (see
	// unavailable); Ping then checks that writes go through again.
	trouble     *atomic.Bool
	version     atomic.Pointer[sql.Stmt] // see Version
	versionRead sharedRead[int64]        // see Version
	// walIndex is the SQLite WAL index file, whose header tells a commit
	// from any process without a read transaction (see Version).
	wal     *walIndex // nil on PostgreSQL
	walSeen atomic.Pointer[walVersion]
	group   *groupCommit // the write transactions, shared by concurrent writes
	// checkpoints copies SQLite's log into the database file beside the
	// writes; nil on PostgreSQL.
	checkpoints *checkpointer
	exports     exportSlots
	stmts       readStmts   // see queryRow
	slow        slowQueries // GORM's statement log, for the statements run without GORM too
}

// background is the work a DB does after a request has had its answer. Its
// context ends at Close, which waits for the work to stop, so nothing
// outlives the connections it uses.
type background struct {
	mu     sync.Mutex // orders starts against Close
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newDB(write, read *gorm.DB, dialect Dialect, log *slog.Logger, trouble *atomic.Bool) *DB {
	db := &DB{write: write, read: read, dialect: dialect, log: log, trouble: trouble}
	db.slow, _ = write.Logger.(slowQueries) // as openPool made it
	db.bg.ctx, db.bg.cancel = context.WithCancel(context.Background())
	return db
}

// goBackground runs fn in a goroutine with a context that Close cancels, and
// Close waits for fn to return. After Close it does nothing.
func (db *DB) goBackground(fn func(ctx context.Context)) {
	db.bg.mu.Lock()
	defer db.bg.mu.Unlock()
	if db.bg.ctx.Err() != nil {
		return
	}
	db.bg.wg.Add(1)
	go func() {
		defer db.bg.wg.Done()
		fn(db.bg.ctx)
	}()
}

// Open connects to url: postgres://… or postgresql://… for PostgreSQL,
// otherwise a SQLite file path (optionally prefixed sqlite:). It does not migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	return OpenPool(ctx, dsn, log, Pool{})
}

// OpenPool is Open with the pool sized as pool says.
func OpenPool(ctx context.Context, dsn string, log *slog.Logger, pool Pool) (*DB, error) {
	return openPool(ctx, dsn, log, pool, slowQuery)
}

// openPool is OpenPool logging the statements slower than slow (tests log every one).
func openPool(ctx context.Context, dsn string, log *slog.Logger, pool Pool, slow time.Duration) (*DB, error) {
	trouble := &atomic.Bool{}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 gormLogger(log, slow),
		NowFunc:                func() time.Time { return domain.Timestamp(time.Now) },
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		// No gorm-prepared statements here: pgx keeps its own per connection
		// and drops one whose plan a migration changed, where gorm's would fail
		// ("cached plan must not change result type") on every instance still
		// running while another migrates.
		g, err := gorm.Open(pgTranslator{translator{postgres.Open(dsn), trouble}}, cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		open, idle := pool.sizes(Postgres)
		sqlDB.SetMaxOpenConns(open)
		sqlDB.SetMaxIdleConns(idle)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db := newDB(g, g, Postgres, log, trouble)
		db.group = newGroupCommit(g, "BEGIN", pgLockTimeout, db.slow)
		if err := db.Ping(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
		return db, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "NORMAL")
	params.Set("_busy_timeout", "10000")
	params.Set("_foreign_keys", "on")
	// Erased personal data must not linger in free pages.
	params.Set("_secure_delete", "on")
	writeParams := url.Values{}
	for k, v := range params {
		writeParams[k] = v
	}
	// BEGIN IMMEDIATE takes the write lock up front, so two writers queue
	// instead of failing with SQLITE_BUSY on upgrade.
	writeParams.Set("_txlock", "immediate")
	// Statements are prepared once per connection and kept: preparing anew
	// was a quarter of a read by id. Bounded, as a statement's text differs
	// with its filters and the length of its IN lists. SQLite prepares a
	// statement again by itself when another process changed the schema.
	cfg.PrepareStmt, cfg.PrepareStmtMaxSize = true, 512
	write, err := gorm.Open(translator{sqlite.New(sqlite.Config{DriverName: writerDriver(), DSN: "file:" + path + "?" + writeParams.Encode()}), trouble}, cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	wdb, err := write.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxIdleTime(0)
	// The writer opens the file first, so WAL mode is set before any reader.
	if err := wdb.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	params.Set("_query_only", "true")
	// A configuration of its own: GORM keeps the connection pool and its
	// prepared statements in it, and the writer's must stay the writer's.
	readCfg := &gorm.Config{TranslateError: cfg.TranslateError, SkipDefaultTransaction: cfg.SkipDefaultTransaction,
		Logger: cfg.Logger, NowFunc: cfg.NowFunc, PrepareStmt: cfg.PrepareStmt, PrepareStmtMaxSize: cfg.PrepareStmtMaxSize}
	read, err := gorm.Open(translator{sqlite.Open("file:" + path + "?" + params.Encode()), trouble}, readCfg)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rdb, err := read.DB()
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	open, idle := pool.sizes(SQLite)
	rdb.SetMaxOpenConns(open)
	rdb.SetMaxIdleConns(idle)
	db := newDB(write, read, SQLite, log, trouble)
	db.wal = &walIndex{path: path + "-shm", dsn: "file:" + path + "?" + params.Encode()}
	db.group = newGroupCommit(write, "BEGIN IMMEDIATE", "", db.slow)
	db.checkpoints = newCheckpointer()
	db.group.committed = db.committed
	db.goBackground(db.runCheckpoints)
	return db, nil
}

// writerDriver registers, once, the SQLite driver of the writer, whose
// connections keep their temporary files in memory: every write after the
// first in a shared transaction runs in a savepoint, whose journal of the
// pages it changes outgrew SQLite's in-memory limit and went to a file in
// /var/tmp, opened, written and deleted per write: six in seven of a POST's
// pwrite calls. In memory, SQLite sorts in memory too: readers keep the
// default, and so does the writer while it migrates (see migrate), so a
// large sort spills to disk.
func writerDriver() string {
	writerOnce.Do(func() {
		sql.Register(writerDriverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			// The checkpointer copies the log back (see checkpointer); the
			// writer does so itself only when it falls far behind.
			_, err := c.Exec("PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = "+strconv.Itoa(writerCheckpointPages), nil)
			return err
		}})
	})
	return writerDriverName
}

const writerDriverName = "sqlite3-pioniers-writer"

var writerOnce sync.Once

// Dialect says which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers. After the database could not serve
// a statement it also checks that a write goes through, so that readiness
// fails while writes would, and returns once they work again without a
// write from a client (a load balancer sends none to an unready service).
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.read.DB()
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if !db.trouble.Load() {
		return nil
	}
	if err := db.probeWrite(ctx); err != nil {
		return fmt.Errorf("ping database: a write fails: %w", err)
	}
	db.trouble.Store(false)
	return nil
}

// probeWrite writes without changing anything a client sees: on SQLite it
// rewrites the header's user_version with its own value, which takes the
// write lock and writes a page as any write does; on PostgreSQL, where a
// stopped or unreachable server is what fails, it runs a statement on the pool.
func (db *DB) probeWrite(ctx context.Context) error {
	if db.dialect != SQLite {
		return db.write.WithContext(ctx).Exec("SELECT 1").Error
	}
	return db.write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var v int64
		if err := tx.Raw("PRAGMA user_version").Scan(&v).Error; err != nil {
			return err
		}
		return tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)).Error
	})
}

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist yet, while the service keeps running. PostgreSQL has its
// own tools for this (pg_dump).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return errors.New("backup copies the SQLite database; for PostgreSQL use pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	if err := db.write.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Close stops background work, waits for it, then closes every connection.
func (db *DB) Close() error {
	db.bg.mu.Lock()
	db.bg.cancel()
	db.bg.mu.Unlock()
	db.bg.wg.Wait()
	var errs []error
	for _, g := range uniq(db.write, db.read) {
		if sqlDB, err := g.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	errs = append(errs, db.wal.close()) // after the connections: see walIndex
	return errors.Join(errs...)
}

func uniq(a, b *gorm.DB) []*gorm.DB {
	if a == b {
		return []*gorm.DB{a}
	}
	return []*gorm.DB{a, b}
}

// gormDB shortens signatures.
type gormDB = gorm.DB

type txKey struct{}

// InTx runs fn in a transaction carried by ctx; when ctx already carries one,
// fn joins it, so services compose without knowing who started it.
// Concurrent writes share transactions (see groupCommit); InTx returns once
// fn's writes are committed, but in a request with an Idempotency-Key,
// whose writes commit with its response (see IdempotencyKeys.Once).
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	if kw := keyedWriteOf(ctx); kw != nil {
		tx, err := kw.transaction(ctx)
		if err != nil {
			return err
		}
		return fn(context.WithValue(ctx, txKey{}, tx))
	}
	return db.group.run(ctx, fn)
}

// txOf is the transaction ctx carries, or the one of its keyed write once
// that started, or nil.
func txOf(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	if kw, ok := ctx.Value(keyedKey{}).(*keyedWrite); ok {
		kw.mu.Lock()
		defer kw.mu.Unlock()
		return kw.tx // nil before the write starts and once it ended
	}
	return nil
}

// reader returns the transaction in ctx, or the reader pool.
func (db *DB) reader(ctx context.Context) *gorm.DB {
	if tx := txOf(ctx); tx != nil {
		return tx
	}
	return db.read.WithContext(ctx)
}

// writer returns the transaction in ctx, or the writer; in a request with
// an Idempotency-Key, the transaction of its write, started now if need be.
func (db *DB) writer(ctx context.Context) *gorm.DB {
	if tx := txOf(ctx); tx != nil {
		return tx
	}
	if kw := keyedWriteOf(ctx); kw != nil {
		tx, err := kw.transaction(ctx)
		if err != nil {
			failed := db.write.WithContext(ctx)
			_ = failed.AddError(err) // every statement on it fails with err
			return failed
		}
		return tx
	}
	return db.write.WithContext(ctx)
}

// notFound turns gorm's not-found into the domain's, naming what was sought.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Errorf(domain.CodeNotFound, format, args...)
	}
	return dbError(err)
}

// duplicate is the message of a unique index's refusal, which callers that
// know the unique field name (sequenceTaken).
const duplicate = "a record with the same unique value exists"

// dbError keeps driver details inside: constraint violations become domain
// conflicts; a database in trouble is already CodeUnavailable (translator
// maps it as gorm records it); anything else is wrapped as an internal error.
func dbError(err error) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.CodeConflict, duplicate)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.CodeConflict, "other records refer to it, or it refers to a record that does not exist")
	case unavailable(err), gaveWay(err):
		// Some failures (a connection the pool cannot open) reach us without
		// passing gorm's translator.
		return fmt.Errorf("%w: %w", errUnavailable(), err)
	default:
		return fmt.Errorf("database: %w", err)
	}
}

// translator puts the dialect's error translation and ours in gorm's one
// place for errors (AddError, with TranslateError on), which every query,
// begin and commit passes: a database in trouble reads the same everywhere.
type translator struct {
	gorm.Dialector
	trouble *atomic.Bool
}

func (d translator) Translate(err error) error {
	if t, ok := d.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	if !unavailable(err) {
		return err
	}
	d.trouble.Store(true)
	// The driver's words stay in the chain for the log, never in the answer.
	return fmt.Errorf("%w: %w", errUnavailable(), err)
}

// errUnavailable is what a caller hears when the database is in trouble; the
// driver's words stay in the chain for the log.
func errUnavailable() *domain.Error {
	return domain.Errorf(domain.CodeUnavailable, "the database cannot take this request now; try again shortly")
}

// pgTranslator is translator for PostgreSQL, whose dialector also sets
// naming rules and makes savepoints, which gorm finds by type assertion.
type pgTranslator struct{ translator }

func (d pgTranslator) Apply(cfg *gorm.Config) error {
	return d.Dialector.(interface{ Apply(*gorm.Config) error }).Apply(cfg)
}

func (d pgTranslator) SavePoint(tx *gorm.DB, name string) error {
	return d.Dialector.(gorm.SavePointerDialectorInterface).SavePoint(tx, name)
}

func (d pgTranslator) RollbackTo(tx *gorm.DB, name string) error {
	return d.Dialector.(gorm.SavePointerDialectorInterface).RollbackTo(tx, name)
}

// gaveWay reports whether PostgreSQL gave up a statement so that others
// could go on: class 40 (a deadlock between instances, a serialization
// failure) or 55P03 (a lock not granted within pgLockTimeout). The same
// request goes through when sent again, and the database is in no trouble.
func gaveWay(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "40") || pe.Code == "55P03")
}

// pgLockTimeout bounds how long a write on PostgreSQL waits for a row that
// another instance (or anyone) holds: the writes of this instance that
// share its transaction wait behind it (see groupCommit), and a request's
// end does not interrupt it. Half of SQLite's wait for its write lock
// (_busy_timeout); a deadlock is found sooner (deadlock_timeout, 1 s).
const pgLockTimeout = "SET LOCAL lock_timeout = '5s'"

// unavailable reports whether err says the database cannot serve now but
// may again without anyone touching the service: a read-only, full, locked
// or failing SQLite file; a PostgreSQL server that is stopped, shutting
// down, unreachable or out of resources; or no connection in time.
func unavailable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrReadonly, sqlite3.ErrFull, sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrProtocol, sqlite3.ErrNomem:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08 connection exception, 53 insufficient resources (disk full, too
		// many connections), 57P shutdown and not yet accepting, 25006 a
		// read-only transaction (a standby).
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "25006"
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	// SafeToRetry: pgx failed before sending anything, as on a closed connection.
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
}
