package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The log is copied back into the database file beside the writes, once it
// holds 1,000 pages, and stays within the writer's own limit of 4,000 pages
// (a checkpoint of the writer's own, at that limit, starts it over).
func TestCheckpointsBesideTheWrites(t *testing.T) {
	db := storetest.Open(t)
	if db.Dialect() != store.SQLite {
		t.Skip("SQLite's write-ahead log")
	}
	before := db.Checkpoints()
	// Each write commits alone and changes a handful of pages.
	for i := range 600 {
		createOrganisation(t, db, fmt.Sprintf("CK%04d", i))
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.Checkpoints() == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := db.Checkpoints() - before; got == 0 {
		t.Errorf("checkpoints after 600 commits: got %d; want at least 1", got)
	}
	// A passive checkpoint of the test's own says how many pages the log
	// holds, once the checkpointer's is not running.
	var log struct{ Busy, Log, Checkpointed int64 }
	for range 100 {
		if err := db.Scan(t.Context(), &log, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			t.Fatal(err)
		}
		if log.Busy == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if log.Busy != 0 || log.Log < 0 || log.Log > 4000+100 {
		t.Errorf("write-ahead log: got %+v; want a checkpoint that ran, and at most 4,000 pages and a commit's", log)
	}
}
