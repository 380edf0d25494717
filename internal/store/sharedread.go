package store

import (
	"context"
	"errors"
	"sync"
)

// sharedRead lets concurrent callers share one read, as long as none gets an
// answer older than a read of its own would have been: a caller shares only
// a read that starts after it asked. So a write committed (and acknowledged)
// before a caller asked is in its answer, as if it had read alone; the
// response cache relies on that across instances (see Version).
//
// At most one read runs; callers who ask while it runs wait for it to end
// and share the next one, which the first of them runs. Under load that is
// one statement per round trip to the database rather than one per request.
type sharedRead[T any] struct {
	mu      sync.Mutex
	running bool
	next    *readFlight[T] // the read the callers who asked during the running one share
}

// readFlight is one shared read.
type readFlight[T any] struct {
	start chan struct{} // closed when the read before it has ended
	done  chan struct{} // closed when v and err are set
	v     T
	err   error
	// runnerGone: the read ended because its runner's context did, not for
	// the database; the others then read again.
	runnerGone bool
	// sharers counts the callers that share the read (tests wait for them).
	sharers int
}

// do returns read's answer, read by this caller or shared with others.
func (s *sharedRead[T]) do(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	for {
		s.mu.Lock()
		if !s.running {
			s.running = true
			s.mu.Unlock()
			return s.run(ctx, &readFlight[T]{done: make(chan struct{})}, read)
		}
		f, leader := s.next, s.next == nil
		if leader {
			f = &readFlight[T]{start: make(chan struct{}), done: make(chan struct{})}
			s.next = f
		}
		f.sharers++
		s.mu.Unlock()
		if leader {
			// Not even a cancelled caller leaves: the others wait for it
			// to run their read (a cancelled read ends at once; see below).
			<-f.start
			return s.run(ctx, f, read)
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		// The read that ran for this caller may have ended for its runner's
		// reason (that client went away): ask again, then.
		if !f.runnerGone || ctx.Err() != nil {
			return f.v, f.err
		}
	}
}

// run reads for f, then starts the read the callers who asked meanwhile
// wait for, if any. A read that panics still ends f (with an error for the
// others) and starts the next, so no caller waits forever.
func (s *sharedRead[T]) run(ctx context.Context, f *readFlight[T], read func(context.Context) (T, error)) (T, error) {
	f.err = errSharedReadPanicked
	defer func() {
		close(f.done)
		s.mu.Lock()
		next := s.next
		s.next, s.running = nil, next != nil
		s.mu.Unlock()
		if next != nil {
			close(next.start)
		}
	}()
	f.v, f.err = read(ctx)
	f.runnerGone = f.err != nil && ctx.Err() != nil
	return f.v, f.err
}

var errSharedReadPanicked = errors.New("the shared read panicked")
