package domain

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"
)

// Action is what a write did to a resource.
type Action string

const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
	ActionErase  Action = "erase"
)

// Change is the record every write leaves, in the same transaction: the audit
// log, change feed and webhooks are all read from these.
type Change struct {
	Resource   string
	ResourceID string
	Action     Action
	Actor      string
	Fields     []string
	Version    int
	At         time.Time
}

// Transactor runs fn in one database transaction carried by the context it
// passes to fn; nested calls join the outer transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Version is a resource's revision; it grows by one on every write and its
// entity tag derives from it.
type Version int

// Precondition is the caller's If-Match: the version it last read, or any.
type Precondition struct {
	Present  bool
	Any      bool
	Version  Version
	Versions []Version // further versions an If-Match list names; any may match
}

// Check returns nil when the precondition holds for current, and the
// precondition error otherwise.
func (p Precondition) Check(current Version) error {
	switch {
	case !p.Present:
		return Errorf(CodePreconditionNeeded, "send If-Match with the ETag you last read")
	case p.Any || p.Version == current || slices.Contains(p.Versions, current):
		return nil
	default:
		return Errorf(CodePreconditionFailed, "the resource changed since you read it (now at version %d); read it again", current)
	}
}

// Diff names the fields a write changes, for its change record; none means
// the write changes nothing and keeps the version.
type Diff []string

// Add names field when changed.
func (d *Diff) Add(changed bool, field string) {
	if changed {
		*d = append(*d, field)
	}
}

// Page is one page of a list and the cursor for the next, empty on the last.
type Page[T any] struct {
	Items []T
	Next  string
}

// Items yields every item of every page that list returns, following the
// cursors from the first page; the first error ends it. Whoever needs a
// whole list (an export, a feed, the seed) reads it this way, one page at a
// time.
func Items[T any](list func(cursor string) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for cursor := ""; ; {
			page, err := list(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			if cursor = page.Next; cursor == "" {
				return
			}
		}
	}
}

// Every list pages the same way: 20 items unless asked, 100 at the most.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageSize is the page size to use for a requested n (0: the default); p
// names pageSize when n is too large.
func PageSize(n int, p *Problems) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		p.Add("pageSize", fmt.Sprintf("must be at most %d", MaxPageSize))
	}
	return n
}

// SortKey orders a list by one field.
type SortKey struct {
	Field      string
	Descending bool
}

// Clock lets tests pin the time.
type Clock func() time.Time
