package store_test

import (
	"context"
	"database/sql"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

func TestCloseEndsAndWaitsForBackgroundWork(t *testing.T) {
	t.Parallel()
	db, err := store.Open(context.Background(), storetest.DatabaseURL(t), nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	started := make(chan struct{})
	var finished atomic.Bool
	db.GoBackground(func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // work that takes a moment to wind down
		finished.Store(true)
	})
	<-started
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if !finished.Load() {
		t.Errorf("Close returned before the background work ended")
	}
	var ranAfterClose atomic.Bool
	db.GoBackground(func(context.Context) { ranAfterClose.Store(true) })
	if err := db.Close(); err != nil { // a second Close waits for nothing
		t.Fatalf("second close: %v", err)
	}
	if ranAfterClose.Load() {
		t.Errorf("background work started after Close")
	}
}

// A reader that holds the write-ahead log makes Scrub retry in the
// background; Close ends the retry instead of leaving it asleep.
func TestCloseEndsScrubRetry(t *testing.T) {
	// Serial: it looks for Scrub's retry among every goroutine in the process.
	url := storetest.DatabaseURL(t)
	if strings.Contains(url, "://") {
		t.Skip("the retry is SQLite's; PostgreSQL vacuums at once")
	}
	db, err := store.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	reader, err := sql.Open("sqlite3", "file:"+url) // registered by the store's SQLite driver
	if err != nil {
		t.Fatalf("open reader: %v", err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow("SELECT COUNT(*) FROM organisations").Scan(&n); err != nil {
		t.Fatalf("read: %v", err)
	}
	// A write after the reader's snapshot leaves log frames it still needs.
	if err := db.Exec(ctx, "CREATE TABLE scrub_probe (x INTEGER)"); err != nil {
		t.Fatalf("write: %v", err)
	}
	db.Scrub(ctx)
	if !eventually(scrubRetrying) {
		t.Fatalf("no retry goroutine while a reader holds the log; the test proves nothing")
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Close still waits for the scrub retry after 5s")
	}
	if scrubRetrying() {
		t.Errorf("the scrub retry goroutine outlived Close")
	}
}

// eventually reports whether cond holds within a second.
func eventually(cond func() bool) bool {
	for range 100 {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// scrubRetrying reports whether a goroutine started by Scrub is alive.
func scrubRetrying() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "store.(*DB).Scrub.func")
}
