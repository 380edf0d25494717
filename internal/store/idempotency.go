package store

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
)

type idempotencyRow struct {
	Actor       string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	Method      string
	Path        string
	RequestHash string
	Status      int
	Header      jsonColumn[http.Header]
	Body        string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotencyKeys keeps Idempotency-Key responses.
type IdempotencyKeys struct{ db *DB }

// IdempotencyKeys returns the idempotency key store.
func (db *DB) IdempotencyKeys() IdempotencyKeys { return IdempotencyKeys{db: db} }

// Once runs work, unless a response is kept for r's key: then it returns
// that response and the hash of its request.
//
// The claim on the key, work's writes and its response commit together, in
// one write of a shared transaction (see groupCommit) that begins at work's
// first statement that writes (InTx, or the writer), not before: what work
// checks, reads and looks up first runs outside the writers' turn, beside
// the others' writes. From then on until the response is kept the turn is
// this request's, and its reads see its writes. A request without a write
// claims the key after work, with its response. A concurrent request with
// the same key that claims it first does the work; this one then gets its
// response (an instance's writes take turns; on PostgreSQL, another
// instance's claim waits on the key). The key is forgotten first when it is
// older than ttl; other keys are left to ExpireIdempotencyKeys, so that a
// keyed write locks no row but its own.
func (s IdempotencyKeys) Once(ctx context.Context, r idempotency.Request, now time.Time, ttl time.Duration,
	work func(ctx context.Context) (idempotency.Response, error)) (*idempotency.Response, string, error) {
	// A retry of a request that was answered is replayed at once: one
	// prepared read, not cancellable (as GetOrganisation's), on every keyed
	// request.
	var row idempotencyRow
	err := s.db.queryRow(context.WithoutCancel(ctx), keptResponse, r.Actor, r.Key, now.Add(-ttl).UTC()).
		Scan(row.keptColumns()...)
	switch {
	case err == nil:
		return row.response(), row.RequestHash, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, "", s.db.translated(err)
	}
	kw := &keyedWrite{db: s.db, req: r, now: now, ttl: ttl}
	defer kw.abandon() // a panic passing through: the write is undone, and the turn passed on
	resp, err := work(context.WithValue(ctx, keyedKey{}, kw))
	return kw.end(ctx, resp, err)
}

// keptResponse reads the response kept for a key that has not expired.
const keptResponse = "SELECT " + keptKeyColumns + " FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND status <> 0 AND created_at >= ?"

// keptKeyColumns are the columns of a kept response, in keptColumns' order.
const keptKeyColumns = "status, header, body, request_hash"

// keptColumns are where keptResponse's and claimedKey's columns are read to.
func (r *idempotencyRow) keptColumns() []any {
	return []any{&r.Status, &r.Header, &r.Body, &r.RequestHash}
}

func (r idempotencyRow) response() *idempotency.Response {
	return &idempotency.Response{Status: r.Status, Header: r.Header.V, Body: []byte(r.Body)}
}

// keyedKey carries the keyedWrite of a request with an Idempotency-Key.
type keyedKey struct{}

// keyedWrite is the write of a request with an Idempotency-Key (see Once).
type keyedWrite struct {
	db       *DB
	req      idempotency.Request
	now      time.Time
	ttl      time.Duration
	mu       sync.Mutex // guards what follows
	b        *group     // the shared transaction, once the write started: the turn is held until end
	first    bool       // the write is b's first
	tx       *gorm.DB   // b's transaction, as the request's statements use it
	replay   *idempotency.Response
	hash     string // of replay's request
	err      error  // why the write could not start, or why the replay did not commit
	finished bool
}

// keyedWriteOf is the keyed write ctx carries that has not ended, or nil.
func keyedWriteOf(ctx context.Context) *keyedWrite {
	kw, _ := ctx.Value(keyedKey{}).(*keyedWrite)
	if kw == nil {
		return nil
	}
	kw.mu.Lock()
	defer kw.mu.Unlock()
	if kw.finished {
		return nil
	}
	return kw
}

// errAnsweredMeanwhile stops the work of a request whose key another
// request claimed first: Once replays that one's response instead.
var errAnsweredMeanwhile = &domain.Error{Code: domain.CodeConflict,
	Message: "a request with this Idempotency-Key was answered meanwhile; its response is replayed"}

// transaction starts the write, on the first statement that needs it:
// it takes the turn, claims the key and opens the work's savepoint. It
// returns the transaction the request's statements run in from then on.
func (kw *keyedWrite) transaction(ctx context.Context) (*gorm.DB, error) {
	kw.mu.Lock()
	defer kw.mu.Unlock()
	switch {
	case kw.finished:
		return nil, errWriteEnded
	case kw.tx != nil:
		return kw.tx, nil
	case kw.replay != nil:
		return nil, errAnsweredMeanwhile
	case kw.err != nil:
		return nil, kw.err
	}
	g := kw.db.group
	b, err := g.start()
	if err != nil {
		kw.err = err
		return nil, err
	}
	kw.b = b // from here on, abandon passes the turn on
	first, err := g.enter(b)
	kw.first = first
	tx := b.statements(ctx)
	var replay *idempotency.Response
	var hash string
	if err == nil {
		replay, hash, err = kw.claim(tx)
	}
	if err == nil && replay == nil {
		err = tx.Exec("SAVEPOINT idempotent_work").Error
	}
	if err != nil || replay != nil {
		// The claim wrote nothing; the replay waits for the commit of the
		// response it replays, which may be in this very transaction.
		kw.b = nil
		kw.err = g.finish(b, first, kw.db.translated(err))
		kw.replay, kw.hash = replay, hash
		if kw.err != nil {
			return nil, kw.err
		}
		return nil, errAnsweredMeanwhile
	}
	kw.tx = tx
	return tx, nil
}

// errWriteEnded refuses a write of a keyed request after its response was kept.
var errWriteEnded = errors.New("the keyed request's write ended: no statement runs in it any more")

// claim forgets the key when it expired, then claims it in tx, or returns
// the response kept for it and the hash of its request. Its statements
// are the same for every keyed write: prepared, without GORM.
func (kw *keyedWrite) claim(tx *gorm.DB) (*idempotency.Response, string, error) {
	db, r, at := kw.db, kw.req, kw.now.UTC()
	if err := db.execPrepared(tx, forgetExpiredKey, r.Actor, r.Key, kw.now.Add(-kw.ttl).UTC()); err != nil {
		return nil, "", err
	}
	var claimed int
	err := db.slow.queryRow(tx, db.text(claimKey), r.Actor, r.Key, r.Method, r.Path, r.Hash, at).Scan(&claimed)
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, "", db.translated(err)
	}
	var row idempotencyRow
	if err := db.slow.queryRow(tx, db.text(claimedKey), r.Actor, r.Key).Scan(row.keptColumns()...); err != nil {
		return nil, "", db.translated(err)
	}
	if row.Status != 0 {
		return row.response(), row.RequestHash, nil
	}
	// A claim without a response is left by a version that committed
	// claims before the work: it is taken over, not waited for.
	return nil, "", db.execPrepared(tx, takeOverKey, r.Method, r.Path, r.Hash, at, r.Actor, r.Key)
}

var (
	forgetExpiredKey = statementOf("DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND created_at < ?")
	// claimKey answers a row when it claimed the key, none when the key was claimed.
	claimKey = statementOf("INSERT INTO idempotency_keys (actor, idem_key, method, path, request_hash, status, header, body, created_at) " +
		"VALUES (?, ?, ?, ?, ?, 0, '{}', '', ?) ON CONFLICT DO NOTHING RETURNING 1")
	claimedKey   = statementOf("SELECT " + keptKeyColumns + " FROM idempotency_keys WHERE actor = ? AND idem_key = ?")
	takeOverKey  = statementOf("UPDATE idempotency_keys SET method = ?, path = ?, request_hash = ?, created_at = ? WHERE actor = ? AND idem_key = ?")
	keepResponse = statementOf("UPDATE idempotency_keys SET status = ?, header = ?, body = ? WHERE actor = ? AND idem_key = ?")
)

// end keeps resp with the key, and with the work's writes unless it is a
// refusal (400 or more), and returns once they are committed. A work that
// failed on the server's side (err) keeps nothing. When another request
// claimed the key first, end returns its response to replay instead.
func (kw *keyedWrite) end(ctx context.Context, resp idempotency.Response, err error) (*idempotency.Response, string, error) {
	kw.mu.Lock()
	defer kw.mu.Unlock()
	kw.finished = true
	switch {
	case kw.replay != nil || kw.err != nil:
		return kw.replay, kw.hash, kw.err
	case kw.b == nil && err != nil:
		return nil, "", err
	case kw.b == nil:
		// No write: the key is claimed now, with the response.
		var replay *idempotency.Response
		var hash string
		err := kw.db.InTx(ctx, func(ctx context.Context) error {
			var err error
			if replay, hash, err = kw.claim(kw.db.writer(ctx)); err != nil || replay != nil {
				return err
			}
			return kw.keep(kw.db.writer(ctx), resp)
		})
		if err != nil {
			return nil, "", dbError(err)
		}
		return replay, hash, nil
	}
	b, first, tx := kw.b, kw.first, kw.tx
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && resp.Status >= 400 {
		// A refused request changes nothing, even if it wrote before it was refused.
		err = kw.db.translated(tx.Exec("ROLLBACK TO SAVEPOINT idempotent_work").Error)
	}
	if err == nil {
		err = kw.keep(tx, resp) // translated by execPrepared
	}
	kw.b, kw.tx = nil, nil // finish passes the turn on; until here, abandon would
	return nil, "", kw.db.group.finish(b, first, err)
}

// keep stores resp with the claimed key.
func (kw *keyedWrite) keep(tx *gorm.DB, resp idempotency.Response) error {
	return kw.db.execPrepared(tx, keepResponse, resp.Status, jsonOf(resp.Header), string(resp.Body), kw.req.Actor, kw.req.Key)
}

// abandon undoes a write that did not end (a panic passed through) and
// passes the turn on.
func (kw *keyedWrite) abandon() {
	kw.mu.Lock()
	defer kw.mu.Unlock()
	kw.finished = true
	if b := kw.b; b != nil {
		kw.b, kw.tx = nil, nil
		_ = kw.db.group.finish(b, kw.first, errAbandoned)
	}
}

var errAbandoned = errors.New("the keyed write did not end")
