package store

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// reads is a read whose calls the test lets end one at a time: the nth read
// answers n, or its context's error when that ended first.
type reads struct {
	n       atomic.Int64
	started chan int64
	release chan error // nil: answer the number
}

func newReads() *reads {
	return &reads{started: make(chan int64, 8), release: make(chan error)}
}

func (r *reads) read(ctx context.Context) (int64, error) {
	n := r.n.Add(1)
	r.started <- n
	select {
	case err := <-r.release:
		return n, err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

type answer struct {
	v   int64
	err error
}

// ask calls s.do on a goroutine of its own and returns where its answer comes.
func ask(ctx context.Context, s *sharedRead[int64], r *reads) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		v, err := s.do(ctx, r.read)
		out <- answer{v, err}
	}()
	return out
}

// waitSharers waits until n callers wait for the read after the running one.
func waitSharers(t *testing.T, s *sharedRead[int64], n int) {
	t.Helper()
	// Not a measure of speed: a guard, so that a broken sharedRead fails
	// here rather than hang the package until its timeout.
	for stop := time.Now().Add(time.Minute); ; {
		if time.Now().After(stop) {
			t.Fatalf("still waiting for %d callers to share the next read", n)
		}
		s.mu.Lock()
		got := 0
		if s.next != nil {
			got = s.next.sharers
		}
		s.mu.Unlock()
		if got == n {
			return
		}
		if got > n {
			t.Fatalf("%d callers wait for the next read; want %d", got, n)
		}
		runtime.Gosched()
	}
}

// twoBehindOne has a caller read (read 1) and two more ask while it runs,
// then lets read 1 end: its caller must have read 1. It returns where the
// two others' answers come; read 2, theirs, has started when it returns.
func twoBehindOne(t *testing.T, s *sharedRead[int64], r *reads) (second, third <-chan answer) {
	t.Helper()
	ctx := context.Background()
	first := ask(ctx, s, r)
	<-r.started
	second, third = ask(ctx, s, r), ask(ctx, s, r)
	waitSharers(t, s, 2)
	r.release <- nil
	if got := <-first; got.v != 1 || got.err != nil {
		t.Errorf("the first caller: got %d, %v; want 1, no error", got.v, got.err)
	}
	<-r.started
	return second, third
}

func TestSharedRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	want := func(t *testing.T, who string, got answer, v int64, err error) {
		t.Helper()
		if got.v != v || !errors.Is(got.err, err) {
			t.Errorf("%s: got %d, %v; want %d, %v", who, got.v, got.err, v, err)
		}
	}

	t.Run("callers share only a read that started after they asked", func(t *testing.T) {
		t.Parallel()
		var s sharedRead[int64]
		r := newReads()
		second, third := twoBehindOne(t, &s, r) // read 2, for both callers who asked while read 1 ran
		r.release <- nil
		want(t, "the second caller", <-second, 2, nil)
		want(t, "the third caller", <-third, 2, nil)
		if got := r.n.Load(); got != 2 {
			t.Errorf("reads: got %d; want 2", got)
		}
		// Nothing runs now: the next caller reads at once.
		fourth := ask(ctx, &s, r)
		<-r.started
		r.release <- nil
		want(t, "a caller after them", <-fourth, 3, nil)
	})

	t.Run("a caller who gives up leaves; the others get their read", func(t *testing.T) {
		t.Parallel()
		var s sharedRead[int64]
		r := newReads()
		first := ask(ctx, &s, r)
		<-r.started
		runner := ask(ctx, &s, r) // the first to ask runs the next read
		waitSharers(t, &s, 1)
		gone, leave := context.WithCancel(ctx)
		quitter := ask(gone, &s, r)
		waitSharers(t, &s, 2)
		leave()
		want(t, "the caller who gave up", <-quitter, 0, context.Canceled)
		r.release <- nil
		want(t, "the first caller", <-first, 1, nil)
		<-r.started
		r.release <- nil
		want(t, "the caller who waited", <-runner, 2, nil)
	})

	t.Run("the read's runner gave up: the others read again", func(t *testing.T) {
		t.Parallel()
		var s sharedRead[int64]
		r := newReads()
		first := ask(ctx, &s, r)
		<-r.started
		gone, leave := context.WithCancel(ctx)
		runner := ask(gone, &s, r) // the first to ask runs the next read
		waitSharers(t, &s, 1)
		other := ask(ctx, &s, r)
		waitSharers(t, &s, 2)
		leave()
		r.release <- nil
		want(t, "the first caller", <-first, 1, nil)
		<-r.started // read 2 ends at once with its runner's context
		want(t, "the runner who gave up", <-runner, 0, context.Canceled)
		<-r.started // read 3, for the caller still waiting
		r.release <- nil
		want(t, "the other caller", <-other, 3, nil)
	})

	// The database's answer, even one that looks like a context's end (the
	// driver's own timeout), reaches every caller sharing the read, and is
	// not read again while they are all there.
	for _, err := range []error{errors.New("database down"), context.DeadlineExceeded} {
		t.Run("the database's error reaches every caller sharing the read: "+err.Error(), func(t *testing.T) {
			t.Parallel()
			var s sharedRead[int64]
			r := newReads()
			second, third := twoBehindOne(t, &s, r)
			r.release <- err
			want(t, "the second caller", <-second, 2, err)
			want(t, "the third caller", <-third, 2, err)
			if got := r.n.Load(); got != 2 {
				t.Errorf("reads: got %d; want 2", got)
			}
		})
	}

	t.Run("a read that panics ends for the callers sharing it, and the next one runs", func(t *testing.T) {
		t.Parallel()
		var s sharedRead[int64]
		r := newReads()
		first, running, gate := make(chan any, 1), make(chan struct{}), make(chan struct{})
		go func() {
			defer func() { first <- recover() }()
			_, _ = s.do(ctx, func(context.Context) (int64, error) {
				close(running)
				<-gate
				panic("a bug in the read")
			})
		}()
		<-running
		second := ask(ctx, &s, r)
		waitSharers(t, &s, 1)
		third := ask(ctx, &s, r)
		waitSharers(t, &s, 2)
		close(gate)
		if p := <-first; p != "a bug in the read" {
			t.Errorf("the caller whose read panicked: got panic %v; want it passed on", p)
		}
		<-r.started
		r.release <- nil
		want(t, "the second caller", <-second, 1, nil)
		want(t, "the third caller", <-third, 1, nil)
	})

	t.Run("many callers at once each get a read that started after they asked", func(t *testing.T) {
		t.Parallel()
		var s sharedRead[int64]
		var count atomic.Int64 // the number of reads started
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for range 50 {
					asked := count.Load()
					v, err := s.do(ctx, func(context.Context) (int64, error) { return count.Add(1), nil })
					if err != nil || v <= asked {
						t.Errorf("got read %d, %v; want one started after read %d", v, err, asked)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
