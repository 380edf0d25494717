//go:build reliability

package store_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/pioniersnetwerk/pioniers/internal/store"
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
		other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=0")
		if err != nil {
			t.Fatalf("open second connection: %v", err)
		}
		conn, err := other.Conn(context.Background())
		if err != nil {
			t.Fatalf("second connection: %v", err)
		}
		if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
			t.Fatalf("take the write lock: %v", err)
		}
		return func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Errorf("release the write lock: %v", err)
			}
			conn.Close()
			other.Close()
		}
	}})
}
