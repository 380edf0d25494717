package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

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

func newDB(write, read *gorm.DB, dialect Dialect, log *slog.Logger) *DB {
	db := &DB{write: write, read: read, dialect: dialect, log: log}
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
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 gormLogger(log),
		NowFunc:                func() time.Time { return domain.Timestamp(time.Now) },
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		g, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		db := newDB(g, g, Postgres, log)
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
	write, err := gorm.Open(sqlite.Open("file:"+path+"?"+writeParams.Encode()), cfg)
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
	read, err := gorm.Open(sqlite.Open("file:"+path+"?"+params.Encode()), cfg)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rdb, err := read.DB()
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	rdb.SetMaxOpenConns(max(4, runtime.NumCPU()))
	rdb.SetMaxIdleConns(max(4, runtime.NumCPU()))
	return newDB(write, read, SQLite, log), nil
}

// Dialect says which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.read.DB()
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
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
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	return db.write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// reader returns the transaction in ctx, or the reader pool.
func (db *DB) reader(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return db.read.WithContext(ctx)
}

// writer returns the transaction in ctx, or the writer.
func (db *DB) writer(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
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

// dbError keeps driver details inside: constraint violations become domain
// conflicts; anything else is wrapped as an internal error.
func dbError(err error) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.CodeConflict, "a record with the same unique value exists")
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.CodeConflict, "other records refer to it, or it refers to a record that does not exist")
	default:
		return fmt.Errorf("database: %w", err)
	}
}

func gormLogger(log *slog.Logger) logger.Interface {
	if log == nil {
		return logger.Discard
	}
	return slowQueries{logger.NewSlogLogger(log, logger.Config{SlowThreshold: 500 * time.Millisecond, LogLevel: logger.Warn, ParameterizedQueries: true})}
}

// slowQueries logs slow queries only. Query errors are not logged here: a
// unique or foreign key violation is an expected 409, and any other error
// reaches the HTTP error boundary, which logs it with the request id.
type slowQueries struct{ logger.Interface }

func (l slowQueries) LogMode(level logger.LogLevel) logger.Interface {
	return slowQueries{l.Interface.LogMode(level)}
}

func (l slowQueries) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	l.Interface.Trace(ctx, begin, fc, nil)
}
