package client

import (
	"context"
	"fmt"
	"iter"
)

// Page is one page of a list: its items and the cursor of the next page,
// "" on the last one.
type Page[T any] struct {
	Items []T
	Next  string
}

// All yields every item of a list, page by page: page fetches the page at
// cursor ("" for the first). It stops at the last page, at the first error
// (yielded once, with a zero item), when ctx ends, or when the loop breaks,
// so that no page is fetched that is not read.
//
//	for m, err := range client.All(ctx, func(cursor string) (client.Page[client.Meeting], error) {
//		return api.ListMeetings(ctx, &client.ListMeetingsParams{Cursor: &cursor})
//	}) { … }
//
// The typed AllMeetings, AllMilestones… of [API] do this for the common lists.
func All[T any](ctx context.Context, page func(cursor string) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for cursor := ""; ; {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			p, err := page(cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range p.Items {
				if !yield(item, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			// A cursor that does not move would loop for ever.
			if p.Next == cursor {
				yield(zero, fmt.Errorf("paging: the next cursor %q is the one just read", cursor))
				return
			}
			cursor = p.Next
		}
	}
}

// pageOf is a generated page's items and next cursor as a Page.
func pageOf[T any](items []T, next *string) Page[T] {
	p := Page[T]{Items: items}
	if next != nil {
		p.Next = *next
	}
	return p
}

// cursorParam is the cursor query parameter: absent for the first page.
func cursorParam(cursor string) *string {
	if cursor == "" {
		return nil
	}
	return &cursor
}
