package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A quiet spell of the configured length releases memory once; a request
// begun, or one still in flight at a tick, starts the spell over, but not a
// health check, readiness probe or metrics scrape.
func TestIdleReleaseAfterQuietSpells(t *testing.T) {
	var releases int
	r := &idleRelease{after: 10 * time.Second, release: func(context.Context) { releases++ }}
	inFlight := make(chan struct{})
	handler := r.track(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			<-inFlight
		}
	}))
	serve := func(path string) {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	slowDone := make(chan struct{})

	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r.begin(start)

	steps := []struct {
		name   string
		before func()
		at     time.Duration // since start
		want   int           // releases so far
	}{
		{"quiet, not long enough", nil, 3 * time.Second, 0},
		{"quiet since the start", nil, 10 * time.Second, 1},
		{"still quiet: released already", nil, 20 * time.Second, 1},
		{"a request was served", func() { serve("/quick") }, 22 * time.Second, 1},
		{"probes and scrapes do not count", func() { serve("/healthz"); serve("/readyz"); serve("/metrics") }, 27 * time.Second, 1},
		{"quiet 9s since", nil, 31 * time.Second, 1},
		{"quiet 10s since", nil, 32 * time.Second, 2},
		{"a request is in flight", func() {
			go func() { defer close(slowDone); serve("/slow") }()
			waitFor(t, func() bool { return r.active.Load() == 1 })
		}, 33 * time.Second, 2},
		{"in flight long past the spell", nil, 50 * time.Second, 2},
		{"it ended a second ago", func() { close(inFlight); <-slowDone }, 51 * time.Second, 2},
		{"quiet 10s since the last tick it was in flight at", nil, 60 * time.Second, 3},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		r.check(context.Background(), start.Add(s.at))
		if got := releases; got != s.want {
			t.Errorf("%s (at %v): got %d releases; want %d", s.name, s.at, got, s.want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}
