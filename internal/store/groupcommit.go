package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// groupMax bounds how many writes share one transaction: enough to
// spread a commit over a burst of writers, few enough that the first of
// them does not wait long for the last. On PostgreSQL every write after the
// first is a subtransaction, and so is a keyed write's work (see Once):
// 2×32−1 stays within the 64 a session keeps in shared memory, past which
// every snapshot on the server gets slower.
const groupMax = 32

// groupCommit runs the write transactions of concurrent requests in shared
// transactions: a writer that finds others waiting leaves the transaction
// open for them instead of committing alone, so that one commit serves many
// writes. On SQLite a commit writes the pages to the WAL (alone, it was a
// quarter of a POST's CPU time). On PostgreSQL a commit holds the change
// counter's lock until it is flushed to the disk (migration 0015), so
// commits follow one another, a flush each: shared, a burst of writes on
// one instance waits for one flush.
//
// Writes take turns: one at a time on SQLite's one writer connection, one
// at a time per instance on PostgreSQL. Each runs in a savepoint of the
// shared transaction: one that fails (an error, a panic) is rolled back to
// its savepoint and the others go on. A write is acknowledged, InTx
// returns, only after the commit that holds it, so every write a client was
// told about is committed; when that commit fails, every write in it hears
// the failure. Writes commit together in the order they ran, so change
// numbers (seq) still follow commit order.
type groupCommit struct {
	write *gorm.DB
	begin string // the statement that begins a transaction, for the statement log
	// setup runs first in every transaction: on PostgreSQL it bounds lock
	// waits (see pgLockTimeout).
	setup string
	turn  chan struct{} // held while one write runs or a commit is made
	mu    sync.Mutex    // guards waiting
	// waiting counts the writes that wait for the turn: the one holding it
	// leaves the transaction open when another will run next.
	waiting int
	open    *group // the transaction the next write joins; only the turn's holder touches it
	// prepared are the statements GORM prepared in the open transaction
	// (see keepPrepared).
	prepared []string
	slow     slowQueries // the writer's statement log
	// committed, when set, is told of every commit (SQLite: see checkpointer).
	committed func()

	commits, writes atomic.Int64 // for tests and statistics
}

// group is one shared transaction.
type group struct {
	tx   *gorm.DB
	slow slowQueries
	sql  *sql.Tx
	n    int           // writes that ran in it
	done chan struct{} // closed once it is committed or rolled back
	// err says why it cannot commit; set before done closes. discard: its
	// one write failed, it is rolled back and no other write hears of it.
	err     error
	discard bool
}

func newGroupCommit(write *gorm.DB, begin, setup string, slow slowQueries) *groupCommit {
	return &groupCommit{write: write, begin: begin, setup: setup, turn: make(chan struct{}, 1), slow: slow}
}

// run runs fn in the shared transaction and returns once the transaction
// that holds its writes committed.
func (g *groupCommit) run(ctx context.Context, fn func(ctx context.Context) error) error {
	b, err := g.start()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		g.end(b) // left to the writes that wait, or committed as it is
		<-b.done
		return err
	}
	first, err := g.enter(b)
	if err == nil {
		err = g.work(ctx, b, first, fn)
	}
	return g.finish(b, first, err)
}

// start takes the turn and returns the shared transaction, opening one when
// none is open. The turn is held until end (finish, for a write entered).
func (g *groupCommit) start() (*group, error) {
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
	// The turn is not given up when ctx ends: the one holding it counted
	// this write as coming and leaves the transaction open for it. A turn
	// lasts one write.
	g.turn <- struct{}{}
	g.mu.Lock()
	g.waiting--
	g.mu.Unlock()

	if b := g.open; b != nil {
		return b, nil
	}
	// The transaction outlives the request that opens it: a client who
	// goes away must not roll back the others' writes.
	begin := time.Now()
	tx := g.write.WithContext(context.Background()).Begin()
	g.slow.Trace(context.Background(), begin, func() (string, int64) { return g.begin, -1 }, tx.Error)
	if tx.Error != nil {
		<-g.turn
		return nil, dbError(tx.Error)
	}
	b := &group{tx: tx, slow: g.slow, done: make(chan struct{})}
	b.sql, _ = sqlTx(tx)
	if p, ok := tx.Statement.ConnPool.(*gorm.PreparedStmtTX); ok && b.sql != nil {
		p.Tx = &preparingTx{Tx: b.sql, prepared: &g.prepared}
	}
	if g.setup != "" {
		if err := g.slow.exec(tx, g.setup); err != nil {
			_ = tx.Rollback().Error
			<-g.turn
			return nil, dbError(err)
		}
	}
	g.open = b
	return b, nil
}

// enter begins a write in b, whose turn is held: a savepoint, but for b's
// first write, which needs none (when it fails, b is rolled back).
func (g *groupCommit) enter(b *group) (first bool, err error) {
	first = b.n == 0
	b.n++
	g.writes.Add(1)
	if !first {
		err = b.exec("SAVEPOINT group_write")
	}
	return first, err
}

// finish ends the write entered in b: it undoes its writes when err is not
// nil, passes the turn on and returns once b is committed or rolled back,
// with err, or else with why b did not commit.
func (g *groupCommit) finish(b *group, first bool, err error) error {
	if err == nil {
		err = b.err
	}
	if err != nil {
		if b.err == nil { // else b is lost, and end rolls it back
			b.undo(first)
		}
	} else if !first {
		err = b.exec("RELEASE group_write")
	}
	g.end(b)
	<-b.done
	if err != nil {
		return err
	}
	return b.err
}

// work runs fn in b, for the write entered there. A panic undoes the write and
// goes on after the turn is passed on.
func (g *groupCommit) work(ctx context.Context, b *group, first bool, fn func(ctx context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.undo(first)
			g.end(b)
			panic(p)
		}
	}()
	// Statements run to the end even when the request's context ends: an
	// interrupted statement rolls back the whole transaction, the other
	// writes' too. A write whose request ended meanwhile is undone, as its
	// own transaction would have been.
	err = fn(context.WithValue(ctx, txKey{}, b.statements(ctx)))
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// statements is b's transaction as the statements of a write use it: with
// ctx's values, never cancelled by it.
func (b *group) statements(ctx context.Context) *gorm.DB {
	return b.tx.WithContext(context.WithoutCancel(ctx))
}

// undo rolls back the writes of the write that ran last.
func (b *group) undo(first bool) {
	if first {
		b.discard = true
		return
	}
	if b.exec("ROLLBACK TO group_write") == nil {
		_ = b.exec("RELEASE group_write")
	}
}

// exec runs a statement that manages the transaction; when it fails, the
// transaction is lost (SQLite rolled it back itself on a full disk or an
// I/O error), and with it every write in it.
func (b *group) exec(query string) error {
	// Prepared once and kept, as GORM's statements are (see keepPrepared):
	// every write but the first opens and releases a savepoint.
	err := b.slow.exec(b.tx, query)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("%w: %w", errUnavailable(), errors.Join(errGroupLost, err))
	}
	return b.err
}

var errGroupLost = errors.New("the shared write transaction failed")

// end passes the turn on: it leaves b open when another write waits for the
// turn and b has room, and otherwise ends b, so that no transaction stays
// open without a write coming to end it.
func (g *groupCommit) end(b *group) {
	g.mu.Lock()
	more := g.waiting > 0
	g.mu.Unlock()
	if !more && b.n < groupMax && b.err == nil && !b.discard {
		// Before committing alone, let the goroutines that are ready to run
		// go first: on a busy server some are requests on their way to a
		// write, which then share this commit. A commit writes every page
		// it changed once, and writes mostly change the same last pages
		// of each table and index: at 16 connections this halved the
		// commits and took a sixth off a POST's CPU time. Alone, it costs
		// nothing.
		runtime.Gosched()
		g.mu.Lock()
		more = g.waiting > 0
		g.mu.Unlock()
	}
	if !more || b.n >= groupMax || b.err != nil || b.discard {
		g.open = nil
		begin, query := time.Now(), "COMMIT"
		var err error
		if b.err != nil || b.discard {
			query = "ROLLBACK"
			_ = b.tx.Rollback().Error
		} else if err = b.tx.Commit().Error; err != nil {
			b.err = dbError(err)
		} else {
			g.commits.Add(1)
			if g.committed != nil {
				g.committed()
			}
		}
		close(b.done)
		g.keepPrepared()
		// Logged once the writes in b are answered: they need not wait for the log.
		g.slow.Trace(context.Background(), begin, func() (string, int64) { return query, -1 }, err)
	}
	<-g.turn
}

// keepPrepared prepares again, on the writer rather than in a transaction,
// the statements GORM prepared in the transaction that just ended: GORM
// would prepare those anew in every later transaction (database/sql reuses
// a statement on a connection only when it was prepared outside a
// transaction), which was a fifth of a small write. It runs between
// transactions, when the writer is free; a statement whose preparation
// fails is left to GORM.
func (g *groupCommit) keepPrepared() {
	pdb, ok := g.write.ConnPool.(*gorm.PreparedStmtDB)
	if !ok || len(g.prepared) == 0 {
		return
	}
	sqlDB, err := g.write.DB()
	if err != nil {
		return
	}
	for _, q := range g.prepared {
		pdb.Mux.Lock()
		if st, ok := pdb.Stmts.Get(q); !ok || !st.Transaction {
			pdb.Mux.Unlock()
			continue
		}
		pdb.Stmts.Delete(q)
		_, _ = pdb.Stmts.New(context.Background(), q, false, sqlDB, pdb.Mux) // unlocks Mux
	}
	g.prepared = g.prepared[:0]
}

// preparingTx is a transaction that notes the statements prepared in it.
type preparingTx struct {
	*sql.Tx
	prepared *[]string
}

func (t *preparingTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	*t.prepared = append(*t.prepared, query)
	return t.Tx.PrepareContext(ctx, query)
}

// sqlTx is the database/sql transaction under a GORM transaction.
func sqlTx(tx *gorm.DB) (*sql.Tx, bool) {
	switch p := tx.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p, true
	case *gorm.PreparedStmtTX:
		switch t := p.Tx.(type) {
		case *sql.Tx:
			return t, true
		case *preparingTx:
			return t.Tx, true
		}
	}
	return nil, false
}
