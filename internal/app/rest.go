package app

import (
	"context"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/httpapi"
)

// idleRelease gives memory back to the system once the server has served
// nothing for a while. Under load the Go runtime keeps freed heap for the
// next burst, glibc keeps what SQLite freed in its arenas, and SQLite keeps
// pages cached per connection: a burst leaves the process holding several
// megabytes more than it needs at rest, for minutes. A small network's API
// is at rest most of the day, beside other services on one machine.
type idleRelease struct {
	after   time.Duration
	release func(ctx context.Context)

	begun  atomic.Uint64 // requests begun, ever
	active atomic.Int64  // requests in flight

	// run's own: the quiet spell so far.
	seen       uint64 // begun at its start
	quietSince time.Time
	released   bool
}

// track counts h's requests, the only signal of rest it needs: two atomic
// additions a request. Health checks, readiness probes and metrics scrapes
// do not count: they come every few seconds for as long as the server
// runs, and leave next to nothing to give back.
func (r *idleRelease) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if httpapi.Monitoring(req.URL.Path) {
			h.ServeHTTP(w, req)
			return
		}
		r.begun.Add(1)
		r.active.Add(1)
		defer r.active.Add(-1)
		h.ServeHTTP(w, req)
	})
}

// run releases once after every quiet spell of r.after (the start's own
// garbage included), until ctx ends.
func (r *idleRelease) run(ctx context.Context) {
	tick := time.NewTicker(max(r.after/4, 10*time.Millisecond))
	defer tick.Stop()
	r.begin(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			r.check(ctx, now)
		}
	}
}

// begin starts the first quiet spell.
func (r *idleRelease) begin(now time.Time) {
	r.seen, r.quietSince, r.released = r.begun.Load(), now, false
}

// check is run's work at each tick. A spell is quiet when no request began
// and none was in flight at any tick in it: a long export keeps it busy.
func (r *idleRelease) check(ctx context.Context, now time.Time) {
	if r.begun.Load() != r.seen || r.active.Load() > 0 {
		r.begin(now)
		return
	}
	if !r.released && now.Sub(r.quietSince) >= r.after {
		r.release(ctx)
		r.released = true
	}
}

// releaseMemory is what idleRelease runs: the response cache's stale
// entries first, so that the collection after frees them too.
func (a *App) releaseMemory(ctx context.Context) {
	a.handlerRest.Release()
	err := a.DB.ReleaseMemory(ctx)
	debug.FreeOSMemory()
	switch {
	case err != nil && ctx.Err() == nil:
		a.Log.Warn("memory: release at rest", "error", err.Error())
	case err == nil:
		a.Log.Debug("memory: released at rest")
	}
}
