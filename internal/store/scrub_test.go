package store_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// openLogged opens a migrated store that logs to the returned buffer.
func openLogged(t *testing.T) (*store.DB, *storetest.Logs) {
	t.Helper()
	logs := &storetest.Logs{}
	db, err := store.Open(context.Background(), storetest.DatabaseURL(t), slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db, logs
}

// Scrubbing runs after the erasure has committed, so it has no error for
// the request: a failure is logged, and a request that went away meanwhile
// is no failure at all, only a reason to try again in the background.
func TestScrubIsBestEffort(t *testing.T) {
	t.Run("request gone", func(t *testing.T) {
		db, logs := openLogged(t)
		defer db.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		db.Scrub(ctx)
		if !eventually(scrubRetrying) {
			t.Fatalf("got no retry after the request's context ended; want one in the background")
		}
		if got := logs.String(); strings.Contains(got, "level=ERROR") {
			t.Errorf("got log %q; want no error for a cancelled request", got)
		}
	})
	t.Run("database failing", func(t *testing.T) {
		db, logs := openLogged(t)
		if err := db.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		db.Scrub(context.Background())
		if got := logs.String(); !strings.Contains(got, "scrubbing erased data failed") {
			t.Errorf("got log %q; want the failure logged", got)
		}
	})
}
