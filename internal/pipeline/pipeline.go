// Package pipeline runs a producer of items and their consumer at the same
// time, the items handed over in batches, in the bounded memory of a few
// batches: an export reads its rows from the database while it encodes (or
// enriches) those read before, and so takes about as long as the slower of
// the two rather than both.
package pipeline

import "errors"

// Batches is how many batches exist at most, however many items pass: one
// the producer fills, one waiting, one the consumer takes. They are made
// as needed and then reused.
const Batches = 3

// defaultSize is the batch size when BatchSize is not given.
const defaultSize = 256

// ErrStopped is what emit returns once the consumer has failed: the
// producer should stop and return it (or any error); Run returns the
// consumer's.
var ErrStopped = errors.New("pipeline: consumer stopped")

// errConsumerExited is Run's error when consume ended its goroutine.
var errConsumerExited = errors.New("pipeline: the consumer's goroutine exited")

// An Option sets how Run hands items over.
type Option func(*options)

type options struct {
	size       int
	firstAlone bool
	discard    bool
}

// BatchSize hands items over n at a time (256 when not given, or n < 1).
func BatchSize(n int) Option { return func(o *options) { o.size = n } }

// FirstAlone hands the first item over on its own, so that the consumer
// starts with it however slowly the next ones come (a response's first
// bytes).
func FirstAlone() Option { return func(o *options) { o.firstAlone = true } }

// settings are the options opts give.
func settings(opts []Option) options {
	o := options{size: defaultSize}
	for _, opt := range opts {
		opt(&o)
	}
	if o.size < 1 {
		o.size = defaultSize
	}
	return o
}

// DiscardOnError drops the items of the batch not yet handed over when the
// producer fails, where consuming them after the failure would be work for
// nothing (more queries for an export that cannot end well). Without it
// every item emitted is consumed unless the consumer fails or the producer
// panics.
func DiscardOnError() Option { return func(o *options) { o.discard = true } }

// Run runs produce, which passes items to emit, on the calling goroutine,
// and consume on a goroutine of its own, which takes the items in batches,
// in order, one batch after the other. A batch is reused once consume
// returns: consume must not keep it.
//
// An error of consume stops produce at its next hand-over (emit returns
// ErrStopped there) and is the one Run returns; otherwise Run returns
// produce's. When Run returns, consume has returned for good, on every
// path, a panic of produce too (which Run passes on after that). A panic of
// consume stops produce as an error does, and Run passes it on, on the
// caller's goroutine, where a recover (the server's, for a request) can
// take it: on the consumer's own it would end the process.
func Run[T any](produce func(emit func(T) error) error, consume func([]T) error, opts ...Option) (err error) {
	o := settings(opts)
	// Both have room for every batch there is: a send never blocks, and
	// the producer waits only for a free batch.
	full := make(chan []T, Batches)
	free := make(chan []T, Batches)
	stopped := make(chan struct{})
	done := make(chan struct{})
	// Written by the consumer, read after done.
	var (
		consumeErr   error
		consumePanic any
		panicked     bool
	)
	go func() {
		returned := false
		var held []T // the batch being consumed
		defer func() {
			if !returned {
				// consume called runtime.Goexit (t.FailNow in a test): stop
				// the producer and hand the batches back, or it waits for good.
				if consumeErr == nil && !panicked {
					consumeErr = errConsumerExited
					close(stopped)
				}
				free <- held[:0]
				for b := range full {
					free <- b[:0]
				}
			}
			close(done)
		}()
		for b := range full {
			held = b
			if consumeErr == nil && !panicked {
				if consumePanic, panicked, consumeErr = consumeOne(consume, b); consumeErr != nil || panicked {
					close(stopped)
				}
			}
			clear(b) // let the items go
			free <- b[:0]
		}
		returned = true
	}()
	defer func() {
		close(full)
		<-done
		if panicked {
			panic(consumePanic)
		}
		if consumeErr != nil {
			err = consumeErr
		}
	}()

	made := 1
	batch := make([]T, 0, o.size)
	send := func() error {
		select {
		case <-stopped:
			// Checked first: the consumer, draining, would take the batch
			// too. A producer that goes on emitting refills the same one.
			batch = batch[:0]
			return ErrStopped
		default:
		}
		full <- batch
		select {
		case batch = <-free:
			return nil
		default:
		}
		if made < Batches {
			made++
			batch = make([]T, 0, o.size)
			return nil
		}
		select {
		case batch = <-free:
			return nil
		case <-stopped:
			batch = <-free // the consumer hands every batch back, also when stopped
			return ErrStopped
		}
	}
	sent := !o.firstAlone
	err = produce(func(v T) error {
		if batch = append(batch, v); len(batch) < o.size && sent {
			return nil
		}
		sent = true
		return send()
	})
	if len(batch) > 0 && !errors.Is(err, ErrStopped) && (err == nil || !o.discard) {
		// The last one: the consumer's return, not a free batch, is what
		// Run waits for now.
		select {
		case <-stopped:
		default:
			full <- batch
		}
	}
	return err
}

// consumeOne runs consume on b and catches its panic, for Run to pass on.
func consumeOne[T any](consume func([]T) error, b []T) (p any, panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, panicked = r, true
		}
	}()
	return nil, false, consume(b)
}
