package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// idemWork is work for a kept key: it writes one change event (in the
// transaction ctx carries) and then ends as outcome says.
func idemWork(t *testing.T, db *store.DB, outcome string) func(ctx context.Context) idempotency.Response {
	t.Helper()
	return func(ctx context.Context) idempotency.Response {
		if err := db.Exec(ctx, "INSERT INTO change_events (id, resource, resource_id, action, actor, fields, version, at) VALUES (?, 'test', ?, 'create', 'user-1', '[]', 1, ?)",
			uuid.NewString(), outcome, now); domain.ErrorCode(err) == domain.CodeConflict {
			// Another request with the key wrote first: a handler answers
			// the error, and the keeper replays that request's response.
			return idempotency.Response{Status: http.StatusConflict}
		} else if err != nil {
			t.Errorf("%s: write: %v", outcome, err)
		}
		switch outcome {
		case "panic":
			panic("handler bug")
		case "created":
			return idempotency.Response{Status: http.StatusCreated, Header: http.Header{"Location": {"/v1/things/1"}}, Body: []byte(`{"id":"1"}`)}
		case "refused":
			return idempotency.Response{Status: http.StatusBadRequest, Body: []byte(`{"status":400}`)}
		default:
			return idempotency.Response{Status: http.StatusInternalServerError}
		}
	}
}

func idemCount(t *testing.T, db *store.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Scan(context.Background(), &n, sql, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// doRecovering runs keeper.Do, turning a panic that passes through into an error.
func doRecovering(keeper *idempotency.Keeper, r idempotency.Request, work func(ctx context.Context) idempotency.Response) (kept *idempotency.Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = errors.New("panic")
		}
	}()
	return keeper.Do(context.Background(), r, work)
}

// The claim, the work and the response commit together: a request that
// fails on the server's side or panics keeps neither its writes nor its
// key, so the retry does the work; a refused one keeps its response but
// none of its writes; a successful one is replayed.
func TestIdempotencyKeysCommitWithTheWork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome    string
		wantWrites int // change events kept by the first request
		wantKept   int // status the retry gets replayed; 0 when it does the work again
	}{
		{"created", 1, http.StatusCreated},
		{"refused", 0, http.StatusBadRequest},
		{"server error", 0, 0},
		{"panic", 0, 0},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now })
			r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
			kept, err := doRecovering(keeper, r, idemWork(t, db, tc.outcome))
			if kept != nil || (err != nil) != (tc.outcome == "panic") {
				t.Fatalf("first request: got %v, %v; want it to run", kept, err)
			}
			if got := idemCount(t, db, "SELECT count(*) FROM change_events WHERE resource = 'test'"); got != tc.wantWrites {
				t.Errorf("writes kept: got %d; want %d", got, tc.wantWrites)
			}
			ran := false
			kept, err = keeper.Do(context.Background(), r, func(ctx context.Context) idempotency.Response {
				ran = true
				return idemWork(t, db, "created")(ctx)
			})
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			switch {
			case tc.wantKept == 0 && (!ran || kept != nil):
				t.Errorf("retry: got ran %v, kept %v; want the work done", ran, kept)
			case tc.wantKept != 0 && (ran || kept == nil || kept.Status != tc.wantKept):
				t.Errorf("retry: got ran %v, kept %v; want %d replayed", ran, kept, tc.wantKept)
			}
			_, err = keeper.Do(context.Background(), idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h2"},
				func(ctx context.Context) idempotency.Response {
					t.Error("work ran for a reused key")
					return idempotency.Response{}
				})
			if domain.ErrorCode(err) != domain.CodeUnprocessable {
				t.Errorf("same key, other request: got %v; want unprocessable", err)
			}
		})
	}
}

// A claim that has no response (left by a version that committed claims
// before the work, killed in between) does not block the key: the next
// request takes it over at once.
func TestIdempotencyKeysStaleClaimTakenOver(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	if err := db.Exec(ctx, "INSERT INTO idempotency_keys (actor, idem_key, method, path, request_hash, status, header, body, created_at) VALUES ('user-1', 'key-1', 'POST', '/v1/things', 'h0', 0, '{}', '', ?)", now); err != nil {
		t.Fatal(err)
	}
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now.Add(time.Second) })
	r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
	if kept, err := keeper.Do(ctx, r, idemWork(t, db, "created")); kept != nil || err != nil {
		t.Fatalf("request on a stale claim: got %v, %v; want it to run", kept, err)
	}
	kept, err := keeper.Do(ctx, r, func(context.Context) idempotency.Response { t.Error("work ran twice"); return idempotency.Response{} })
	if err != nil || kept == nil || kept.Status != http.StatusCreated || kept.Header.Get("Location") != "/v1/things/1" {
		t.Errorf("retry: got %+v, %v; want the kept 201 with its Location", kept, err)
	}
}

// Concurrent requests with one key do the work once; the others get its response.
func TestIdempotencyKeysConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now })
	r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
	const n = 8
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		kept   int
		errs   []error
		worked = idemWork(t, db, "created")
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := keeper.Do(context.Background(), r, func(ctx context.Context) idempotency.Response {
				time.Sleep(10 * time.Millisecond) // let the others arrive while this one runs
				return worked(ctx)
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if k != nil {
				kept++
			}
		}()
	}
	wg.Wait()
	if len(errs) != 0 || kept != n-1 {
		t.Errorf("%d concurrent requests with one key: got %d replays and errors %v; want %d replays", n, kept, errs, n-1)
	}
	if got := idemCount(t, db, "SELECT count(*) FROM change_events WHERE resource = 'test'"); got != 1 {
		t.Errorf("writes: got %d; want 1", got)
	}
}

// A transaction that ends before it commits (its request cancelled, its
// process killed) keeps no key: Do fails rather than report a response that
// is not kept, and the retry does the work.
func TestIdempotencyKeysKilledTransactionKeepsNothing(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now })
	r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
	ctx, cancel := context.WithCancel(context.Background())
	kept, err := keeper.Do(ctx, r, func(ctx context.Context) idempotency.Response {
		resp := idemWork(t, db, "created")(ctx)
		cancel()
		return resp
	})
	if kept != nil || err == nil {
		t.Fatalf("request whose transaction was killed: got %v, %v; want an error", kept, err)
	}
	if got := idemCount(t, db, "SELECT count(*) FROM idempotency_keys") + idemCount(t, db, "SELECT count(*) FROM change_events WHERE resource = 'test'"); got != 0 {
		t.Errorf("keys and writes kept: got %d; want 0", got)
	}
	ran := false
	if _, err := keeper.Do(context.Background(), r, func(ctx context.Context) idempotency.Response {
		ran = true
		return idemWork(t, db, "created")(ctx)
	}); err != nil || !ran {
		t.Errorf("retry: got ran %v, error %v; want the work done", ran, err)
	}
}

// A key older than the TTL is forgotten when it comes again: the request
// runs anew. A keyed request touches no other key's row, expired or not
// (retention deletes those), so that it waits for no other writer's.
func TestIdempotencyKeysExpiredKeyForgotten(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for _, key := range []string{"key-1", "key-2"} {
		if err := db.Exec(ctx, "INSERT INTO idempotency_keys (actor, idem_key, method, path, request_hash, status, header, body, created_at) VALUES ('user-1', ?, 'POST', '/v1/things', 'h0', 201, '{}', '{\"id\":\"0\"}', ?)", key, now); err != nil {
			t.Fatal(err)
		}
	}
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now.Add(idempotency.TTL + time.Second) })
	r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
	if kept, err := keeper.Do(ctx, r, idemWork(t, db, "created")); kept != nil || err != nil {
		t.Fatalf("request with an expired key: got %+v, %v; want it to run", kept, err)
	}
	if got := idemCount(t, db, "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'key-1' AND request_hash = 'h1' AND body = '{\"id\":\"1\"}'"); got != 1 {
		t.Errorf("key-1: got %d rows with the new response; want 1", got)
	}
	if got := idemCount(t, db, "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'key-2'"); got != 1 {
		t.Errorf("key-2: got %d rows; want it left to retention", got)
	}
}

// A keyed request takes the writers' turn at its first write, not before:
// what it does first (checks, lookups that can take seconds) leaves the
// other writes free. From its first write on, its reads see its writes.
func TestIdempotencyKeysTurnFromTheFirstWrite(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now })
	r := idempotency.Request{Actor: "user-1", Key: "key-1", Method: "POST", Path: "/v1/things", Hash: "h1"}
	looking, otherWrote := make(chan struct{}), make(chan error, 1)
	var seen int
	done := make(chan error, 1)
	go func() {
		_, err := keeper.Do(context.Background(), r, func(ctx context.Context) idempotency.Response {
			close(looking)
			select { // a slow lookup before any write
			case err := <-otherWrote:
				if err != nil {
					t.Errorf("the other write: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("another write waited for the keyed request's lookup")
			}
			resp := idemWork(t, db, "created")(ctx)
			if err := db.Scan(ctx, &seen, "SELECT count(*) FROM change_events WHERE resource = 'test'"); err != nil {
				t.Errorf("read after the write: %v", err)
			}
			return resp
		})
		done <- err
	}()
	<-looking
	otherWrote <- db.InTx(context.Background(), func(ctx context.Context) error {
		return db.Exec(ctx, "INSERT INTO change_events (id, resource, resource_id, action, actor, fields, version, at) VALUES (?, 'other', 'x', 'create', 'user-2', '[]', 1, ?)",
			uuid.NewString(), now)
	})
	if err := <-done; err != nil {
		t.Fatalf("keyed request: %v", err)
	}
	if seen != 1 {
		t.Errorf("the keyed request's read after its write: got %d events; want 1 (its own, not yet committed)", seen)
	}
	kept, err := keeper.Do(context.Background(), r, func(context.Context) idempotency.Response { t.Error("work ran twice"); return idempotency.Response{} })
	if err != nil || kept == nil || kept.Status != http.StatusCreated {
		t.Errorf("retry: got %+v, %v; want the kept 201", kept, err)
	}
}

// A write made with a keyed request's context after its response was kept
// (by a goroutine that outlived it) runs on its own: it neither joins the
// ended write nor takes a turn that nobody passes on.
func TestIdempotencyKeysWriteAfterTheEnd(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	keeper := idempotency.NewKeeper(db.IdempotencyKeys(), func() time.Time { return now })
	for _, wrote := range []bool{false, true} {
		r := idempotency.Request{Actor: "user-1", Key: fmt.Sprintf("key-%t", wrote), Method: "POST", Path: "/v1/things", Hash: "h1"}
		var late context.Context
		if _, err := keeper.Do(context.Background(), r, func(ctx context.Context) idempotency.Response {
			late = ctx
			if wrote {
				return idemWork(t, db, "created")(ctx)
			}
			return idempotency.Response{Status: http.StatusBadRequest}
		}); err != nil {
			t.Fatalf("request (wrote %t): %v", wrote, err)
		}
		done := make(chan error, 1)
		go func() {
			done <- db.InTx(late, func(ctx context.Context) error {
				return db.Exec(ctx, "INSERT INTO change_events (id, resource, resource_id, action, actor, fields, version, at) VALUES (?, 'late', 'x', 'create', 'user-1', '[]', 1, ?)",
					uuid.NewString(), now)
			})
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("late write (request wrote %t): %v", wrote, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("late write (request wrote %t): still waiting after 10 s", wrote)
		}
	}
	if got := idemCount(t, db, "SELECT count(*) FROM change_events WHERE resource = 'late'"); got != 2 {
		t.Errorf("late writes committed: got %d; want 2", got)
	}
}
