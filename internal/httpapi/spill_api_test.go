package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// A calendar feed larger than a megabyte is held in an unlinked file in
// TMPDIR while it is tagged, sent and cached. Its answers are the uncached
// instance's, byte for byte; no file is left in the folder; and across
// writes only the cached entry's file stays open.
func TestLargeFeedSpillsToAFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir) // not parallel: os.TempDir is the process's
	p := startCachePair(t)
	description := strings.Repeat("Een lange beschrijving van de bijeenkomst, met één en über. ", 150)
	for i := range 130 {
		p.cached.Post(t, p.adminCached, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Meeting %d", i), map[string]any{"description": description}))
	}
	const feed = "/v1/feeds/meetings.ics"
	for step := range 3 {
		first := p.cached.Do(t, http.MethodGet, feed, nil, nil)
		if first.StatusCode != http.StatusOK || len(first.Body) <= 1<<20 {
			t.Fatalf("step %d: got %d with %d bytes; want 200 with more than a megabyte", step, first.StatusCode, len(first.Body))
		}
		again := p.cached.Do(t, http.MethodGet, feed, nil, nil)
		sameAnswer(t, fmt.Sprintf("step %d: the cached feed", step), again, first)
		// Renders that are not kept spill too, and let go when sent.
		sameAnswer(t, fmt.Sprintf("step %d: the uncached feed", step), p.uncached.Do(t, http.MethodGet, feed, nil, nil), first)
		if signedIn := p.cached.Do(t, http.MethodGet, feed, nil, apptest.Bearer(p.adminCached)); signedIn.Body != first.Body {
			t.Fatalf("step %d: got a feed of %d bytes signed in; want the %d anonymous", step, len(signedIn.Body), len(first.Body))
		}
		if got := spilledFilesSettled(t, dir, 1); got != 1 {
			t.Errorf("step %d: got %d spilled files open; want 1, the cached feed's", step, got)
		}
		p.cached.Post(t, p.adminCached, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Later %d", step), nil))
	}
	p.compareReads(t, "large feed", []string{feed})
	if left, err := filepath.Glob(filepath.Join(dir, "pioniers-body-*")); err != nil || len(left) > 0 {
		t.Errorf("TMPDIR: got %v (%v); want no spilled file left", left, err)
	}
}

// spilledFiles counts the spilled files this process holds open in dir.
func spilledFiles(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("open files cannot be counted here: %v", err)
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, filepath.Join(dir, "pioniers-body-")) {
			n++
		}
	}
	return n
}

// spilledFilesSettled counts as spilledFiles does, waiting up to a second
// for the count to come down to want: a client has the whole answer a
// moment before the server has let go of its file.
func spilledFilesSettled(t *testing.T, dir string, want int) int {
	t.Helper()
	got := spilledFiles(t, dir)
	for deadline := time.Now().Add(time.Second); got > want && time.Now().Before(deadline); got = spilledFiles(t, dir) {
		time.Sleep(5 * time.Millisecond)
	}
	return got
}
