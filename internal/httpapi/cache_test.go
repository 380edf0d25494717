package httpapi

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// cacheRig is a handler behind the cache whose answer follows the clock
// (open until a whole-second deadline) and the data version, as a meeting's
// registration status does; it counts its renders.
type cacheRig struct {
	e       *echo.Echo
	now     time.Time
	version int64
	renders int
}

func newCacheRig(limit int64, spillDir string) (*cacheRig, *responseCache) {
	rig := &cacheRig{now: time.Date(2030, 3, 14, 12, 0, 0, 200e6, time.UTC), version: 1}
	rc := &responseCache{limit: limit, now: func() time.Time { return rig.now }, headers: []string{"Accept"},
		version: func(context.Context) (int64, error) { return rig.version, nil },
		lru:     list.New(), entries: map[string]*list.Element{}, flights: map[string]*cacheFlight{}}
	deadline := time.Date(2030, 3, 14, 12, 0, 1, 0, time.UTC)
	rig.e = echo.New()
	rig.e.Use(rc.middleware, conditionalGET(spillDir))
	rig.e.GET("/v1/:thing", func(c echo.Context) error {
		rig.renders++
		status := "open"
		if !rig.now.Before(deadline) {
			status = "closed"
		}
		return c.String(http.StatusOK, fmt.Sprintf("%s %s v%d", c.Param("thing"), status, rig.version))
	})
	return rig, rc
}

func (rig *cacheRig) get(path string) string {
	rec := httptest.NewRecorder()
	rig.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Body.String()
}

// An entry serves only within the second it was rendered in, so that a
// status the clock changes (at a whole second) is never served stale, and
// only while the data version is the one it was rendered at.
func TestResponseCacheClockAndVersion(t *testing.T) {
	t.Parallel()
	rig, _ := newCacheRig(1<<20, "")
	steps := []struct {
		name    string
		advance time.Duration
		bump    bool
		body    string
		renders int
	}{
		{"first read renders", 0, false, "a open v1", 1},
		{"repeat is a hit", 0, false, "a open v1", 1},
		{"later in the same second is a hit", 700 * time.Millisecond, false, "a open v1", 1},
		{"the next second renders: the deadline passed", 100 * time.Millisecond, false, "a closed v1", 2},
		{"repeat in that second is a hit", 500 * time.Millisecond, false, "a closed v1", 2},
		{"a write renders", 0, true, "a closed v2", 3},
		{"repeat after the write is a hit", 0, false, "a closed v2", 3},
	}
	for _, s := range steps {
		rig.now = rig.now.Add(s.advance)
		if s.bump {
			rig.version++
		}
		if got := rig.get("/v1/a"); got != s.body || rig.renders != s.renders {
			t.Fatalf("%s: got %q after %d renders; want %q after %d", s.name, got, rig.renders, s.body, s.renders)
		}
	}
}

// The cache keeps no more bytes than its limit, dropping the least
// recently used entries first.
func TestResponseCacheBound(t *testing.T) {
	t.Parallel()
	rig, rc := newCacheRig(4<<10, "")
	for i := range 100 {
		rig.get(fmt.Sprintf("/v1/thing%d", i))
		if rc.size > rc.limit {
			t.Fatalf("after %d entries: got %d bytes kept; want at most %d", i+1, rc.size, rc.limit)
		}
	}
	if len(rc.entries) == 0 || len(rc.entries) != rc.lru.Len() {
		t.Fatalf("got %d entries and %d in use order; want the same, more than none", len(rc.entries), rc.lru.Len())
	}
	renders := rig.renders
	rig.get("/v1/thing99") // the newest is kept
	rig.get("/v1/thing0")  // the oldest was dropped
	if got := rig.renders - renders; got != 1 {
		t.Errorf("newest then oldest: got %d renders; want 1", got)
	}
}

// An entry of an older version is dropped when a read finds it old, even
// when the new answer is not kept: what a write removed (an erased person's
// profile, now 410) leaves memory too.
func TestResponseCacheDropsOldEntries(t *testing.T) {
	t.Parallel()
	rig, rc := newCacheRig(1<<20, "")
	rig.e.GET("/v1/people/:id", func(c echo.Context) error {
		if rig.version > 1 {
			return c.String(http.StatusGone, "erased")
		}
		return c.String(http.StatusOK, "Anna de Vries")
	})
	if got := rig.get("/v1/people/p1"); got != "Anna de Vries" {
		t.Fatalf("before the erasure: got %q", got)
	}
	rig.version++
	if got := rig.get("/v1/people/p1"); got != "erased" {
		t.Fatalf("after the erasure: got %q; want erased", got)
	}
	for key, el := range rc.entries {
		if e := el.Value.(*cacheEntry); string(slices.Concat(e.body...)) == "Anna de Vries" {
			t.Errorf("entry %q: still holds %q at version %d after a read at %d; want it gone", key, e.body, e.version, rig.version)
		}
	}
}

// A render that is not kept (here a 404) marks its key for the version, so
// that the next requests render at once rather than wait for a render that
// keeps nothing; they are never answered from the mark.
func TestResponseCacheMarksWhatItDoesNotKeep(t *testing.T) {
	t.Parallel()
	rig, rc := newCacheRig(1<<20, "")
	rig.e.GET("/v1/missing/:id", func(c echo.Context) error {
		rig.renders++
		return c.String(http.StatusNotFound, "no such thing")
	})
	for i := range 3 {
		if got := rig.get("/v1/missing/x"); got != "no such thing" || rig.renders != i+1 {
			t.Fatalf("request %d: got %q after %d renders; want the 404 rendered each time", i+1, got, rig.renders)
		}
		key := "/v1/missing/x?\x00"
		el, ok := rc.entries[key]
		if !ok || !el.Value.(*cacheEntry).unkept {
			t.Fatalf("request %d: got no mark for %q; want one", i+1, key)
		}
		if _, _, lead := rc.lookup(key, rig.version, rig.now.Unix(), true); lead {
			t.Fatalf("request %d: a lookup of a marked key leads a render; want none to wait for", i+1)
		}
	}
}

// A calendar feed is kept for the Amsterdam day, however large: its window
// moves by the day, and every calendar client polls the same answer.
func TestResponseCacheKeepsTheFeedForTheDay(t *testing.T) {
	t.Parallel()
	rig, _ := newCacheRig(8<<20, "")
	large := strings.Repeat("BEGIN:VEVENT\r\nEND:VEVENT\r\n", (2<<20)/26)
	rig.e.GET("/v1/feeds/meetings.ics", func(c echo.Context) error {
		rig.renders++
		return c.String(http.StatusOK, large)
	})
	rig.now = time.Date(2030, 3, 14, 12, 0, 0, 0, time.UTC) // 13:00 in Amsterdam
	steps := []struct {
		name    string
		advance time.Duration
		bump    bool
		renders int
	}{
		{"first read renders", 0, false, 1},
		{"a minute later is a hit", time.Minute, false, 1},
		{"the same evening is a hit", 9 * time.Hour, false, 1},
		{"after midnight in Amsterdam renders", 2 * time.Hour, false, 2},
		{"a write renders", time.Second, true, 3},
		{"repeat after the write is a hit", time.Hour, false, 3},
	}
	for _, s := range steps {
		rig.now = rig.now.Add(s.advance)
		if s.bump {
			rig.version++
		}
		if got := rig.get("/v1/feeds/meetings.ics"); len(got) != len(large) || rig.renders != s.renders {
			t.Fatalf("%s: got %d bytes after %d renders; want %d bytes after %d", s.name, len(got), rig.renders, len(large), s.renders)
		}
	}
}

// A feed held in a file stays open while an entry or a request holds it and
// is closed as soon as neither does: when a write makes it old, when the
// LRU evicts it, when it is too large to keep.
func TestResponseCacheClosesSpilledFiles(t *testing.T) {
	t.Parallel()
	rig, rc := newCacheRig(5<<20, t.TempDir())
	large := strings.Repeat("BEGIN:VEVENT\r\nEND:VEVENT\r\n", (2<<20)/26)
	rig.e.GET("/v1/feeds/:name", func(c echo.Context) error {
		rig.renders++
		return c.String(http.StatusOK, large+c.Param("name"))
	})
	kept := func(path string) *spilledBody {
		t.Helper()
		el, ok := rc.entries[path+"?"+strings.Repeat("\x00", len(rc.headers))]
		if !ok || el.Value.(*cacheEntry).file == nil {
			t.Fatalf("%s: got no entry held in a file; want one", path)
		}
		return el.Value.(*cacheEntry).file
	}
	checkOpen := func(label string, f *spilledBody, want bool) {
		t.Helper()
		refs := f.refs.Load()
		_, err := f.f.Stat()
		if open := err == nil; open != want || (want && refs != 1) || (!want && refs != 0) {
			t.Errorf("%s: got open %t with %d references; want open %t with %d", label, open, refs, want, map[bool]int{true: 1, false: 0}[want])
		}
	}
	get := func(path string) {
		t.Helper()
		if got := rig.get(path); len(got) != len(large)+len(strings.TrimPrefix(path, "/v1/feeds/")) {
			t.Fatalf("GET %s: got %d bytes; want the feed's %d", path, len(got), len(large))
		}
	}

	get("/v1/feeds/a")
	a := kept("/v1/feeds/a")
	get("/v1/feeds/a") // a hit holds the file while it is sent, then lets go
	checkOpen("a, after a hit", a, true)
	if rig.renders != 1 {
		t.Fatalf("got %d renders; want 1", rig.renders)
	}

	// A write and a render of the next version while a hit is being sent:
	// the entry goes at once, its file once the hit is sent whole.
	rec := &onFirstWrite{ResponseRecorder: httptest.NewRecorder(), do: func() {
		rig.version++
		get("/v1/feeds/a")
		if refs := a.refs.Load(); refs != 1 {
			t.Errorf("a, gone while a hit is sent: got %d references; want 1, the hit's", refs)
		}
	}}
	rig.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/feeds/a", nil))
	if got, want := rec.Body.Len(), len(large)+1; got != want || rig.renders != 2 {
		t.Fatalf("the interrupted hit: got %d bytes after %d renders; want %d after 2", got, rig.renders, want)
	}
	checkOpen("a, after the write and the hit", a, false)
	a = kept("/v1/feeds/a")

	get("/v1/feeds/b")
	b := kept("/v1/feeds/b")
	get("/v1/feeds/c") // 6 MB in all: a, the least recently used, goes
	checkOpen("a, evicted", a, false)
	checkOpen("b, kept", b, true)
	checkOpen("c, kept", kept("/v1/feeds/c"), true)

	// An entry too large to keep: put lets go of its file at once.
	body := bodyBuffer{spillDir: t.TempDir()}
	body.Write([]byte(large))
	_, file, held := body.keepable()
	body.release()
	rc.put(&cacheEntry{key: "/v1/feeds/d?", version: rig.version, file: file, size: int64(held) + rc.limit})
	checkOpen("d, too large to keep", file, false)
}

// onFirstWrite runs do when the response is first written to.
type onFirstWrite struct {
	*httptest.ResponseRecorder
	do   func()
	done bool
}

func (w *onFirstWrite) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		w.do()
	}
	return w.ResponseRecorder.Write(p)
}

// At rest the cache lets go of every entry no request can get any more (a
// second passed), and keeps the feed for its day and what this second
// rendered; the entries dropped render again when asked for.
func TestResponseCacheDropsStaleEntriesAtRest(t *testing.T) {
	t.Parallel()
	rig, rc := newCacheRig(8<<20, "")
	rig.e.GET("/v1/feeds/meetings.ics", func(c echo.Context) error {
		rig.renders++
		return c.String(http.StatusOK, "BEGIN:VCALENDAR")
	})
	rest := &Rest{cache: rc}
	kept := func() []string {
		var keys []string
		for el := rc.lru.Front(); el != nil; el = el.Next() {
			keys = append(keys, strings.SplitN(el.Value.(*cacheEntry).key, "?", 2)[0])
		}
		slices.Sort(keys)
		return keys
	}
	rig.get("/v1/a")
	rig.get("/v1/b")
	rig.get("/v1/feeds/meetings.ics")
	rig.now = rig.now.Add(2 * time.Second)
	rig.get("/v1/c") // this second's: stays
	rest.Release()
	if got, want := kept(), []string{"/v1/c", "/v1/feeds/meetings.ics"}; !slices.Equal(got, want) {
		t.Errorf("kept after the release: got %q; want %q", got, want)
	}
	var size int64
	for el := rc.lru.Front(); el != nil; el = el.Next() {
		size += el.Value.(*cacheEntry).size
	}
	if rc.size != size || len(rc.entries) != rc.lru.Len() {
		t.Errorf("accounting: got %d bytes, %d keys; want %d bytes, %d keys", rc.size, len(rc.entries), size, rc.lru.Len())
	}
	renders := rig.renders
	rig.get("/v1/feeds/meetings.ics")
	rig.get("/v1/a")
	if got := rig.renders - renders; got != 1 {
		t.Errorf("the feed and a dropped entry asked for again: got %d renders; want 1 (a's)", got)
	}
	(*Rest)(nil).Release() // a handler without a cache, or without rest
	(&Rest{}).Release()
}
