package httpapi

import (
	"container/list"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// The response cache keeps the answers to anonymous reads, so that a
// repeated public read touches no rows and renders nothing.
//
// What it keeps: a GET or HEAD without Authorization on /v1 or the embed
// page, answered 200 with an ETag, not marked no-store or private, no
// larger than maxCachedBody, and not an export (exports stream).
//
// Staleness: an entry holds the data version (the position of the newest
// committed change, which every write transaction bumps) read before its
// response was rendered, and is served only while a version read for the
// request in hand is still the same: a write acknowledged by any instance or
// process is seen by the next read everywhere. Writes that leave no change
// record (sign-in times, refresh tokens, password links, idempotency keys,
// webhook delivery state, the audit log's purge) change nothing an
// anonymous caller can read: every route that shows them needs a token.
//
// Time: some representations follow from the clock alone (a meeting's
// overdue report, an evaluation's or a registration's open or closed status),
// with no write. An entry is served only within the whole second of the
// clock it was rendered in. The domain's instants are whole seconds (dates,
// and date-times as clients send them), so no status changes inside a
// second: a representation rendered at t is the one due at any later t' in
// the same second. An instant with a fraction of a second is met at most
// one second late. The calendar feeds change with the day alone and are
// kept for the day (see dayLong).
type responseCache struct {
	limit   int64                                    // bytes all entries may take
	version func(ctx context.Context) (int64, error) // the data version, read per request
	now     domain.Clock
	headers []string // the request headers that select a representation, besides the URL

	mu      sync.RWMutex // a hit takes it to read only (see lookup)
	size    int64
	lru     *list.List               // of *cacheEntry, most recently used first
	entries map[string]*list.Element // by key
	flights map[string]*cacheFlight  // renders under way, by key
}

// maxCachedBody is the largest body kept: larger ones are rare (a big
// export-like list) and would push many small, hot entries out. The
// calendar feed is the exception (see dayLong).
const maxCachedBody = 1 << 20

// feedsPath starts the calendar feeds. A feed follows the clock by the day
// only (its window starts twelve months back; a meeting's status in it is
// stored, not derived), so its entry lasts the Amsterdam day, not the
// second; and calendar clients everywhere poll it, so it may be large and
// take up to three quarters of the cache.
const feedsPath = basePath + "/feeds/"

// dayLong reports whether path's answer changes with the day alone.
func dayLong(path string) bool { return strings.HasPrefix(path, feedsPath) }

// period is the span of the clock an answer to path rendered at now stays
// due in: its Unix second, or for dayLong paths the Amsterdam day's start.
func period(path string, now time.Time) int64 {
	if dayLong(path) {
		return domain.Today(now).Unix()
	}
	return now.Unix()
}

// cacheEntry is one kept response.
type cacheEntry struct {
	key     string
	version int64 // the data version read before rendering
	second  int64 // the clock's period at rendering: its Unix second, or its day (see period)
	status  int
	header  http.Header  // what the handler and conditionalGET set
	body    [][]byte     // chunks (see bodyBuffer)
	file    *spilledBody // or the body in a file, which the entry holds a reference to
	etag    string
	size    int64
	// touched is the clock's period when a hit last moved the entry to the
	// front of the LRU: once per period is enough to keep it there.
	touched atomic.Int64
	// unkept marks a render of this version that was not kept (too large,
	// not a 200, no-store): requests for it render at once instead of
	// waiting for a render that will keep nothing either.
	unkept bool
}

// cacheFlight is a render of one key under way: requests for the same key
// wait for it rather than render the same response at once (every entry
// ends with its second, and 64 clients must not all render the next one).
type cacheFlight struct {
	version, second int64
	done            chan struct{}
}

// cacheSlot is what the cache middleware gives conditionalGET on a miss: the
// response to keep, once rendered.
type cacheSlot struct {
	cache           *responseCache
	key             string
	version, second int64
	before          http.Header // the response headers set before the cache
}

const (
	cacheSlotKey = "httpapi.cacheSlot"
	// cacheStateKey holds a *cacheState where the access log wants one.
	cacheStateKey = "httpapi.cache"
)

// newResponseCache returns a cache of limit bytes, or nil (no cache) when
// limit is 0 or no version is known.
func newResponseCache(limit int64, version func(ctx context.Context) (int64, error), now domain.Clock, ct *contract) *responseCache {
	if limit <= 0 || version == nil {
		return nil
	}
	return &responseCache{limit: limit, version: version, now: now, headers: ct.readHeaders(),
		lru: list.New(), entries: map[string]*list.Element{}, flights: map[string]*cacheFlight{}}
}

// readHeaders are the request headers a GET's representation may depend on:
// Accept, which the contract and the handlers negotiate on, and every header
// parameter of a GET operation (Accept-Language of the calendar feed).
func (ct *contract) readHeaders() []string {
	headers := []string{"Accept"}
	for _, item := range ct.spec.Paths.Map() {
		if item.Get == nil {
			continue
		}
		for _, p := range append(slices.Clone(item.Parameters), item.Get.Parameters...) {
			if p.Value != nil && p.Value.In == "header" {
				if name := http.CanonicalHeaderKey(p.Value.Name); !slices.Contains(headers, name) {
					headers = append(headers, name)
				}
			}
		}
	}
	slices.Sort(headers)
	return headers
}

// middleware answers a cacheable request from the cache when the version is
// current, and otherwise lets the request render and conditionalGET keep it.
func (rc *responseCache) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	if rc == nil {
		return next
	}
	return func(c echo.Context) error {
		r := c.Request()
		if !rc.applies(r) {
			return next(c)
		}
		version, err := rc.version(r.Context())
		if err != nil {
			return next(c) // the handler meets the same trouble, and answers it
		}
		key := rc.key(r)
		for wait := true; ; wait = false {
			second := period(r.URL.Path, rc.now())
			e, flight, lead := rc.lookup(key, version, second, wait)
			if e != nil {
				noteCache(c, "hit")
				return e.serve(c)
			}
			if flight != nil && !lead {
				select {
				case <-flight.done:
					continue // look again: the render may have kept its response
				case <-r.Context().Done():
					return r.Context().Err()
				}
			}
			noteCache(c, "miss")
			c.Set(cacheSlotKey, &cacheSlot{cache: rc, key: key, version: version, second: second, before: c.Response().Header().Clone()})
			if lead {
				defer rc.land(key, flight)
			}
			return next(c)
		}
	}
}

// cacheState says whether the cache answered a request (hit) or kept its
// answer (miss), for the access log; empty when the cache had no part.
type cacheState string

// noteCache tells the access log, when it asked, what the cache did.
func noteCache(c echo.Context, state cacheState) {
	if s, ok := c.Get(cacheStateKey).(*cacheState); ok {
		*s = state
	}
}

// applies says whether the cache may answer r: an anonymous read of the API
// or the embed page that is no export.
func (rc *responseCache) applies(r *http.Request) bool {
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != "" {
		return false
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, basePath+"/") && p != embedPagePath {
		return false
	}
	if strings.HasSuffix(p, exportSuffix) {
		return false
	}
	return !mayAskExport(r) || !isExport(r)
}

// mayAskExport is false for a request that cannot ask for an export (CSV
// or NDJSON), known without parsing its query: no Accept naming either
// type, no format parameter (nor an escaped key that could be one). The
// hot path of every read asks it before isExport.
func mayAskExport(r *http.Request) bool {
	if q := r.URL.RawQuery; strings.Contains(q, "format") || strings.Contains(q, "%") {
		return true
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	accept = strings.ToLower(accept)
	// text/* also asks for CSV (see negotiate).
	return strings.Contains(accept, "csv") || strings.Contains(accept, "ndjson") || strings.Contains(accept, "text/")
}

// unlessNoExport skips mw for a request that cannot ask for an export.
func unlessNoExport(mw echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		wrapped := mw(next)
		return func(c echo.Context) error {
			if !mayAskExport(c.Request()) {
				return next(c)
			}
			return wrapped(c)
		}
	}
}

// key is what selects the representation besides the data version and the
// clock. The query is kept as sent, not reordered: the Link headers repeat
// it, so two orders are two representations.
func (rc *responseCache) key(r *http.Request) string {
	var b strings.Builder
	b.WriteString(r.URL.EscapedPath())
	b.WriteByte('?')
	b.WriteString(r.URL.RawQuery)
	for _, h := range rc.headers {
		b.WriteByte(0)
		for i, v := range r.Header.Values(h) {
			if i > 0 {
				b.WriteByte(1)
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// lookup returns the entry for key when it is current; else, when wait is
// set, the render under way for it (lead false) or a new one this request
// leads (lead true).
func (rc *responseCache) lookup(key string, version, second int64, wait bool) (e *cacheEntry, flight *cacheFlight, lead bool) {
	// A hit, the common case, shares the lock with the other hits.
	rc.mu.RLock()
	if el, ok := rc.entries[key]; ok {
		if e := el.Value.(*cacheEntry); e.version == version && e.second == second && !e.unkept {
			e.hold() // under the lock, which remove needs: the file stays open while e is sent
			rc.mu.RUnlock()
			if e.touched.Swap(second) != second {
				rc.mu.Lock()
				rc.lru.MoveToFront(el) // no-op if evicted meanwhile
				rc.mu.Unlock()
			}
			return e, nil, false
		}
	}
	rc.mu.RUnlock()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.entries[key]; ok {
		switch e := el.Value.(*cacheEntry); {
		case e.version < version:
			// Gone from memory as soon as it is known to be old: an erased
			// person's profile must not linger here either.
			rc.remove(el)
		case e.version == version && e.unkept:
			return nil, nil, false
		case e.version == version && e.second == second:
			rc.lru.MoveToFront(el)
			e.hold()
			return e, nil, false
		}
	}
	if !wait {
		return nil, nil, false
	}
	if f, ok := rc.flights[key]; ok && f.version == version && f.second == second {
		return nil, f, false
	}
	if _, ok := rc.flights[key]; ok {
		return nil, nil, false // another render of an older version or second: leave it be
	}
	f := &cacheFlight{version: version, second: second, done: make(chan struct{})}
	rc.flights[key] = f
	return nil, f, true
}

// land ends the render flight leads, waking who waits for it; when the
// render kept nothing, it marks the key so for its version.
func (rc *responseCache) land(key string, flight *cacheFlight) {
	rc.mu.Lock()
	if rc.flights[key] == flight {
		delete(rc.flights, key)
	}
	el, ok := rc.entries[key]
	rc.mu.Unlock()
	if !ok || el.Value.(*cacheEntry).version < flight.version {
		rc.put(&cacheEntry{key: key, version: flight.version, second: flight.second, unkept: true, size: int64(len(key)) + 64})
	}
	close(flight.done)
}

// keep stores a rendered response if the request may be kept: conditionalGET
// calls it with the response it buffered, before comparing If-None-Match.
func keep(c echo.Context, status int, header http.Header, body *bodyBuffer, etag string) {
	s, ok := c.Get(cacheSlotKey).(*cacheSlot)
	if !ok || status != http.StatusOK || etag == "" || (body.Len() > maxCachedBody && !dayLong(c.Request().URL.Path)) {
		return
	}
	if cc := header.Get("Cache-Control"); strings.Contains(cc, "no-store") || strings.Contains(cc, "private") {
		return
	}
	e := &cacheEntry{key: s.key, version: s.version, second: s.second, status: status, etag: etag,
		header: http.Header{}}
	var held int
	e.body, e.file, held = body.keepable()
	e.size = int64(len(e.key)+held) + 256
	for k, v := range header {
		if !slices.Equal(v, s.before[k]) {
			// Clipped, so that a later Add on a served response copies
			// rather than writes into the entry.
			e.header[k] = slices.Clip(slices.Clone(v))
			e.size += int64(len(k) + 32)
			for _, x := range v {
				e.size += int64(len(x))
			}
		}
	}
	s.cache.put(e)
}

// put keeps e, evicting the least recently used entries beyond the limit.
// The cache holds e's file from then on; when e is not kept, put releases it.
func (rc *responseCache) put(e *cacheEntry) {
	if e.size > rc.limit/4 && !(dayLong(e.key) && e.size <= rc.limit*3/4) {
		e.release()
		return // one entry may not push out most of the others
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if el, ok := rc.entries[e.key]; ok {
		old := el.Value.(*cacheEntry)
		if old.version > e.version || (old.version == e.version && old.second > e.second) {
			e.release()
			return // a newer render landed first
		}
		rc.size -= old.size
		old.release()
		el.Value = e
		rc.lru.MoveToFront(el)
	} else {
		rc.entries[e.key] = rc.lru.PushFront(e)
	}
	rc.size += e.size
	for rc.size > rc.limit {
		rc.remove(rc.lru.Back())
	}
}

// Rest is how a server at rest tells the handler so (see Options.Rest).
type Rest struct{ cache *responseCache }

// Release lets go of what no request can use any more: the response
// cache's entries from a period the clock has left. Under load newer
// entries push them out; at rest they would stay, up to --response-cache.
func (r *Rest) Release() {
	if r != nil && r.cache != nil {
		r.cache.dropStale()
	}
}

// dropStale removes every entry rendered in a period (see period) other
// than the clock's: none of them is served again.
func (rc *responseCache) dropStale() {
	now := rc.now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for el := rc.lru.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*cacheEntry); e.second != period(e.key, now) {
			rc.remove(el)
		}
		el = next
	}
}

// remove drops an entry; the caller holds mu.
func (rc *responseCache) remove(el *list.Element) {
	old := rc.lru.Remove(el).(*cacheEntry)
	delete(rc.entries, old.key)
	rc.size -= old.size
	old.release()
}

// hold keeps the entry's file open for a request it answers, which
// releases it after; an entry in memory needs neither.
func (e *cacheEntry) hold() {
	if e.file != nil {
		e.file.hold()
	}
}

func (e *cacheEntry) release() {
	if e.file != nil {
		e.file.release()
	}
}

// serve answers from the entry: 304 when If-None-Match matches its ETag,
// with the headers conditionalGET gives a 304, else the kept response.
// It lets go of the hold lookup took (here, not in the caller's loop,
// where a defer would cost every hit an allocation).
func (e *cacheEntry) serve(c echo.Context) error {
	defer e.release()
	res := c.Response()
	h := res.Header()
	for k, v := range e.header {
		h[k] = v
	}
	if etagMatch(c.Request().Header.Get("If-None-Match"), e.etag) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		res.WriteHeader(http.StatusNotModified)
		return nil
	}
	res.WriteHeader(e.status)
	if e.file != nil {
		if _, head := res.Writer.(bodyless); head {
			res.Size += e.file.n // what bodyless would drop, unread
			return nil
		}
		_, err := e.file.WriteTo(res)
		return err
	}
	_, err := writeChunks(res, e.body)
	return err
}
