package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The log is copied back into the database file beside the writes, once it
// holds 1,000 pages: the checkpointer runs, and keeps what is left to copy
// below that.
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
	// A checkpoint that is due (1,000 pages) runs within its pause.
	backlog, ok := db.WALBacklog()
	for ok && backlog > 1000+100 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		backlog, ok = db.WALBacklog()
	}
	if !ok || backlog > 1000+100 {
		t.Errorf("pages of the log not copied back: got %d (read: %t); want at most 1,000 and a commit's", backlog, ok)
	}
}
