package store_test

import (
	"context"
	osexec "os/exec"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The data version follows commits made by another process on the SQLite
// file (as the CLI's seed and user create make), each seen by the next read,
// and stays put while nothing commits.
func TestVersionSeesOtherProcessCommits(t *testing.T) {
	t.Parallel()
	url := storetest.DatabaseURL(t)
	if strings.HasPrefix(url, "postgres") {
		t.Skip("another process on the SQLite file")
	}
	sqlite, err := osexec.LookPath("sqlite3")
	if err != nil {
		t.Skip("needs the sqlite3 command")
	}
	db := storetest.OpenAt(t, url)
	ctx := context.Background()
	version := func() int64 {
		t.Helper()
		v, err := db.Version(ctx)
		if err != nil {
			t.Fatalf("version: %v", err)
		}
		return v
	}
	start := version()
	if again := version(); again != start {
		t.Fatalf("with no commit: got version %d; want %d", again, start)
	}
	for i := range int64(3) {
		out, err := osexec.Command(sqlite, "-cmd", ".timeout 10000", strings.TrimPrefix(url, "sqlite:"),
			"UPDATE change_sequence SET last = last + 1 WHERE id = 1").CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		if got, want := version(), start+i+1; got != want {
			t.Fatalf("after %d commits by another process: got version %d; want %d", i+1, got, want)
		}
	}
}
