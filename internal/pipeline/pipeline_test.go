package pipeline

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestRun: every item emitted reaches the consumer once, in order, in
// batches of at most the batch size (the first alone when asked); no more
// than Batches batches ever exist, reused; an error of the consumer stops
// the producer at its next hand-over and is the one returned; an error of
// the producer comes back as it is, after the items emitted before it (or,
// with DiscardOnError, those handed over); and the consumer has returned
// for good when Run does. Run waits for its goroutine: one that leaked would
// show as a test that never ends.
func TestRun(t *testing.T) {
	t.Parallel()
	errProduce, errConsume := errors.New("produce failed"), errors.New("consume failed")
	const size = 16
	tests := []struct {
		name      string
		opts      []Option
		items     int
		failAfter bool // the producer fails after its items
		ignore    bool // the producer goes on emitting after ErrStopped
		failAt    int  // the consumer fails at this item; -1 never
		want      int  // items consumed
		wantErr   error
		wantEmits int // at most this many items emitted
	}{
		{"none", nil, 0, false, false, -1, 0, nil, 0},
		{"fewer than a batch", []Option{BatchSize(size)}, 3, false, false, -1, 3, nil, 3},
		{"a batch exactly", []Option{BatchSize(size)}, size, false, false, -1, size, nil, size},
		{"many batches", []Option{BatchSize(size)}, 50*size + 7, false, false, -1, 50*size + 7, nil, 50*size + 7},
		{"the first alone", []Option{BatchSize(size), FirstAlone()}, 5*size + 1, false, false, -1, 5*size + 1, nil, 5*size + 1},
		{"the default size", nil, 3*defaultSize + 1, false, false, -1, 3*defaultSize + 1, nil, 3*defaultSize + 1},
		{"the producer fails", []Option{BatchSize(size)}, size + 5, true, false, -1, size + 5, errProduce, size + 5},
		{"the producer fails, first alone", []Option{BatchSize(size), FirstAlone()}, 3, true, false, -1, 3, errProduce, 3},
		{"the producer fails, discarding", []Option{BatchSize(size), DiscardOnError()}, 2*size + 5, true, false, -1, 2 * size, errProduce, 2*size + 5},
		{"the consumer fails", []Option{BatchSize(size)}, 100 * size, false, false, 10, 10, errConsume, (Batches + 1) * size},
		{"the consumer fails, first alone", []Option{BatchSize(size), FirstAlone()}, 100 * size, false, false, 0, 0, errConsume, Batches*size + 1},
		{"the consumer fails, discarding", []Option{BatchSize(size), DiscardOnError()}, 100 * size, false, false, 3, 3, errConsume, (Batches + 1) * size},
		{"the consumer fails at the last", []Option{BatchSize(size)}, size + 1, false, false, size, size, errConsume, size + 1},
		{"ErrStopped ignored", []Option{BatchSize(size)}, 100 * size, false, true, 10, 10, errConsume, 100 * size},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				got     []int
				batches = map[*int]bool{} // each batch's backing array
				active  atomic.Int32      // consumers running
				calls   atomic.Int32
			)
			o := settings(tt.opts)
			emitted := 0
			err := Run(func(emit func(int) error) error {
				for i := range tt.items {
					emitted++
					if err := emit(i); err != nil && !tt.ignore {
						return err
					}
				}
				if tt.failAfter {
					return errProduce
				}
				return nil
			}, func(batch []int) error {
				active.Add(1)
				defer active.Add(-1)
				if calls.Add(1) == 1 && o.firstAlone && len(batch) != 1 {
					t.Errorf("first batch of %d items; want 1", len(batch))
				}
				if len(batch) == 0 || len(batch) > o.size {
					t.Errorf("batch of %d items; want 1 to %d", len(batch), o.size)
				}
				batches[&batch[:1][0]] = true
				for _, v := range batch {
					if len(got) == tt.failAt {
						return errConsume
					}
					got = append(got, v)
				}
				return nil
			}, tt.opts...)
			if n := active.Load(); n != 0 {
				t.Errorf("Run returned with %d consumers running; want none", n)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v; want %v", err, tt.wantErr)
			}
			if len(got) != tt.want {
				t.Fatalf("got %d items consumed; want %d", len(got), tt.want)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("item %d: got %d; want %d", i, v, i)
				}
			}
			if emitted > tt.wantEmits {
				t.Errorf("got %d items emitted; want at most %d", emitted, tt.wantEmits)
			}
			if len(batches) > Batches {
				t.Errorf("got %d batches; want at most %d, reused", len(batches), Batches)
			}
		})
	}
}

// TestRunPanic: a panic of the producer reaches Run's caller once the
// consumer has returned, having consumed the batches handed over.
func TestRunPanic(t *testing.T) {
	t.Parallel()
	var consumed, active atomic.Int32
	func() {
		defer func() {
			if r := recover(); r != "produce panicked" {
				t.Errorf("got panic %v; want the producer's", r)
			}
		}()
		_ = Run(func(emit func(int) error) error {
			for i := range 5 {
				_ = emit(i)
			}
			panic("produce panicked")
		}, func(batch []int) error {
			active.Add(1)
			defer active.Add(-1)
			consumed.Add(int32(len(batch)))
			return nil
		}, BatchSize(2))
	}()
	if n := active.Load(); n != 0 {
		t.Errorf("Run panicked with %d consumers running; want none", n)
	}
	if n := consumed.Load(); n != 4 {
		t.Errorf("got %d items consumed; want the 4 handed over", n)
	}
}

// A panic of the consumer stops the producer and reaches Run's caller,
// where the server's recover can take it, instead of ending the process.
func TestRunConsumerPanic(t *testing.T) {
	t.Parallel()
	var emitted int
	var stopped error
	func() {
		defer func() {
			if r := recover(); r != "consume panicked" {
				t.Errorf("got panic %v; want the consumer's", r)
			}
		}()
		_ = Run(func(emit func(int) error) error {
			for i := range 1000 {
				emitted++
				if err := emit(i); err != nil {
					stopped = err
					return err
				}
			}
			return nil
		}, func(batch []int) error {
			if batch[0] >= 2 {
				panic("consume panicked")
			}
			return nil
		}, BatchSize(2))
	}()
	if !errors.Is(stopped, ErrStopped) {
		t.Errorf("producer: got %v; want ErrStopped after the consumer panicked", stopped)
	}
	if emitted == 1000 {
		t.Errorf("producer emitted all %d items; want it stopped", emitted)
	}
}

// A consumer that ends its goroutine (runtime.Goexit, as t.FailNow does)
// stops the producer: Run returns instead of waiting for good.
func TestRunConsumerGoexit(t *testing.T) {
	t.Parallel()
	var stopped error
	err := Run(func(emit func(int) error) error {
		for i := range 1000 {
			if err := emit(i); err != nil {
				stopped = err
				return err
			}
		}
		return nil
	}, func(batch []int) error {
		runtime.Goexit()
		return nil
	}, BatchSize(2))
	if !errors.Is(err, errConsumerExited) {
		t.Errorf("got %v; want errConsumerExited", err)
	}
	if !errors.Is(stopped, ErrStopped) {
		t.Errorf("producer: got %v; want ErrStopped", stopped)
	}
}
