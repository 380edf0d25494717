//go:build reliability

package store_test

import (
	"os"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Another process holds SQLite's write lock longer than the busy timeout:
// writes wait it out, then answer CodeUnavailable; reads go on (WAL); the
// store recovers when the lock is let go. About 20 s: the write and the
// readiness probe each wait the 10 s busy timeout.
func TestReliabilityDatabaseTroubleSQLiteLocked(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("a SQLite trigger")
	}
	troubleCycle(t, troubleCase{"locked by another process past the busy timeout (SQLITE_BUSY)", "locked", func(t *testing.T, _ *store.DB, path string) func() {
		return storetest.HoldWriteLock(t, path)
	}})
}
