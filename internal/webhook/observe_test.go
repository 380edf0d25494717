package webhook_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// outcomes is an observer that keeps what it heard.
type outcomes struct {
	mu   sync.Mutex
	seen []webhook.Outcome
}

func (o *outcomes) Delivery(_ webhook.Delivery, out webhook.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, out)
}

func (o *outcomes) list() []webhook.Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

// The observer hears every attempt once, with its outcome: each failed try
// is retrying, each accepted one delivered, and the one that runs out the
// retries disabled.
func TestDispatcherTellsTheObserverEveryOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fail     int           // tries the receiver refuses
		retryFor time.Duration // how long an event is retried
		events   int
		want     func(tries int) []webhook.Outcome
	}{
		{"down, then up", 3, time.Hour, 2, func(int) []webhook.Outcome {
			return []webhook.Outcome{webhook.Retrying, webhook.Retrying, webhook.Retrying, webhook.Delivered, webhook.Delivered}
		}},
		{"down for good", 1 << 30, 30 * time.Millisecond, 1, func(tries int) []webhook.Outcome {
			out := slices.Repeat([]webhook.Outcome{webhook.Retrying}, tries-1)
			return append(out, webhook.Disabled)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			recv := newReceiver(t, tt.fail, http.StatusServiceUnavailable)
			sub := f.subscribe(t, recv.srv.URL, webhook.Input{})
			for i := range tt.events {
				f.feed.add("meeting", string(rune('a'+i)), change.Created)
			}
			heard := &outcomes{}
			opt := fastRetries()
			opt.RetryFor, opt.Observer = tt.retryFor, heard
			d := f.dispatcher(t, opt)
			until(t, d, func() bool {
				got := heard.list()
				return len(got) > 0 && (got[len(got)-1] == webhook.Disabled || recv.count() == tt.events)
			})
			got, want := heard.list(), tt.want(recv.tryCount())
			if !slices.Equal(got, want) {
				t.Errorf("subscription %s: got outcomes %v; want %v", sub.ID, got, want)
			}
		})
	}
}
