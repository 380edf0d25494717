//go:build reliability

package reliability

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReliabilityBackupUnderLoad takes `pioniers backup` of the SQLite
// database while six writers keep writing, restores it as docs/operators.md
// says (stop, remove the WAL files, put the copy in place, start), and finds
// every write acknowledged before the backup began, as acknowledged.
func TestReliabilityBackupUnderLoad(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("pioniers backup copies SQLite; PostgreSQL is backed up with pg_dump (docs/operators.md)")
	}
	s := newServer(t, "--rate-limit", "0", "--drain-wait", "0s", "--token-ttl", "1h")
	s.start()
	l := &crashLoad{base: s.base, token: s.token(), createsOnly: true}
	setup := &http.Client{}
	meeting, ok := l.send(setup, "POST", "/v1/meetings", map[string]any{"title": "backup registrations", "topic": "Backups", "format": "other",
		"startsAt": "2030-03-14T13:00:00Z", "endsAt": "2030-03-14T16:00:00Z"}, nil, http.StatusCreated)
	if !ok {
		t.Fatal(l.failures)
	}
	l.meeting = meeting.id()
	l.milestone = firstMilestone(t, s.base)

	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			l.writer(c)
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	// What the server has acknowledged so far must all be in the backup.
	l.mu.Lock()
	before := make([]*written, len(l.writes))
	for i, w := range l.writes {
		copied := *w
		before[i] = &copied
	}
	l.mu.Unlock()
	backup := filepath.Join(t.TempDir(), "backup.db")
	s.run("backup", "--to", backup)
	time.Sleep(500 * time.Millisecond) // writes go on after the copy, and are not in it
	l.killed.Store(true)
	s.kill()
	wg.Wait()
	if len(l.failures) > 0 {
		t.Fatal(strings.Join(l.failures, "\n"))
	}
	after := len(l.writes)

	// Restore: the service is stopped; the WAL files go; the copy takes the database's place.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(s.dbURL + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.dbURL, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	l.base, l.writes = s.base, before
	checked := l.check(t, setup, true)
	s.kill()
	consistent(t, s.dbURL)
	t.Logf("%d writes acknowledged before the backup, all restored; %d acknowledged in all", checked, after)
	if checked < 20 || after <= checked {
		t.Errorf("load too light to prove anything: %d before the backup, %d in all", checked, after)
	}
}
