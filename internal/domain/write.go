package domain

import (
	"context"
	"time"
)

// Record is what the write path needs of a stored resource: its id and
// version, and a copy of itself at a new version and update time.
type Record[T any] interface {
	RecordID() string
	RecordVersion() Version
	Revised(v Version, at time.Time) T
}

// Edit is one write to a stored resource. Update and Delete run its hooks in
// the one order every resource follows, so that a caller who may not touch
// the object never learns its version or state:
//
//	load → object authorisation → precondition → change and rules → diff →
//	field authorisation → no-op → bump version → save with change record
type Edit[T Record[T]] struct {
	Resource string                               // names the change record: "organisation"
	Load     func(ctx context.Context) (T, error) // the current state, read inside the transaction
	// Authorise says whether the caller may write this object at all. It
	// runs inside the transaction right after Load, before the precondition,
	// so a 403 never reveals a version; nil when the caller's role alone
	// decides, which the service checks before the transaction opens.
	Authorise func(current T) error
	// Change builds the new state from the current one and checks every
	// rule; Update only.
	Change func(ctx context.Context, current T) (T, error)
	Diff   func(current, next T) Diff // the fields a write changes; Update only
	// AuthoriseFields says whether the caller may make this change, from
	// current to next in these fields; nil when anyone who may write the
	// object may change any field.
	AuthoriseFields func(current, next T, fields Diff) error
	// Save writes next when the stored version is still current's, and the
	// change record, in the transaction; Update only.
	Save func(ctx context.Context, next T, c Change) error
	// Remove deletes current when its stored version is unchanged, and
	// writes the change record; Delete only.
	Remove func(ctx context.Context, current T, c Change) error
}

// Timestamp is the clock's time as an Instant.
func Timestamp(now Clock) time.Time { return Instant(now()) }

// Instant is t as every stored instant is kept: UTC, to the microsecond (what
// both databases hold), so that a value reads back unchanged and an unchanged
// value is not taken for a change.
func Instant(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Update runs e as an update in one transaction and returns the new state, or
// the current one when the change changes nothing (the version stays).
func Update[T Record[T]](ctx context.Context, tx Transactor, now Clock, pre Precondition, e Edit[T]) (T, error) {
	var updated T
	err := tx.InTx(ctx, func(ctx context.Context) error {
		current, err := loadFor(ctx, pre, e)
		if err != nil {
			return err
		}
		next, err := e.Change(ctx, current)
		if err != nil {
			return err
		}
		fields := e.Diff(current, next)
		if e.AuthoriseFields != nil {
			if err := e.AuthoriseFields(current, next, fields); err != nil {
				return err
			}
		}
		if len(fields) == 0 {
			updated = current
			return nil
		}
		at := Timestamp(now)
		v := current.RecordVersion() + 1
		next = next.Revised(v, at)
		if err := e.Save(ctx, next, e.change(ctx, next.RecordID(), ActionUpdate, fields, v, at)); err != nil {
			return err
		}
		updated = next
		return nil
	})
	return updated, err
}

// patchAttempts bounds how often Patch computes a write again for a caller
// who sent If-Match: * while others keep writing the resource.
const patchAttempts = 3

// Patch computes a write from the current state outside any transaction and
// then writes it, so that slow work (a merge patch decoded, merged, checked
// against the contract and bound) never holds the database's writer. It
// loads the current state, checks the caller may write it (authorise, nil
// when the role alone decides) and the caller's precondition, computes the
// input with prepare and calls write on the record's id (a code may move to
// another record meanwhile) pinned to the version prepare saw: the write
// answers 412 when another write came in between. A caller who sent
// If-Match: * meant any version, so Patch computes again from the newer
// state, a bounded number of times.
func Patch[T Record[T], I any](ctx context.Context, pre Precondition, load func(ctx context.Context) (T, error),
	authorise func(current T) error, prepare func(current T) (I, error),
	write func(ctx context.Context, id string, in I, at Precondition) (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		current, err := loadFor(ctx, pre, Edit[T]{Load: load, Authorise: authorise})
		if err != nil {
			return zero, err
		}
		in, err := prepare(current)
		if err != nil {
			return zero, err
		}
		written, err := write(ctx, current.RecordID(), in, Precondition{Present: true, Version: current.RecordVersion()})
		if ErrorCode(err) == CodePreconditionFailed && pre.Any && attempt < patchAttempts {
			continue
		}
		return written, err
	}
}

// Delete runs e as a delete in one transaction; the change record carries
// the version the delete would have bumped to.
func Delete[T Record[T]](ctx context.Context, tx Transactor, now Clock, pre Precondition, e Edit[T]) error {
	return tx.InTx(ctx, func(ctx context.Context) error {
		current, err := loadFor(ctx, pre, e)
		if err != nil {
			return err
		}
		v := current.RecordVersion() + 1
		return e.Remove(ctx, current, e.change(ctx, current.RecordID(), ActionDelete, nil, v, Timestamp(now)))
	})
}

// loadFor reads the current state and checks the caller may write it, then
// the precondition: authorisation first, so a 403 never reveals a version.
func loadFor[T Record[T]](ctx context.Context, pre Precondition, e Edit[T]) (T, error) {
	current, err := e.Load(ctx)
	if err != nil {
		return current, err
	}
	if e.Authorise != nil {
		if err := e.Authorise(current); err != nil {
			return current, err
		}
	}
	return current, pre.Check(current.RecordVersion())
}

func (e Edit[T]) change(ctx context.Context, id string, a Action, fields Diff, v Version, at time.Time) Change {
	return Change{Resource: e.Resource, ResourceID: id, Action: a, Actor: ActorFrom(ctx).Subject,
		Fields: fields, Version: int(v), At: at}
}
