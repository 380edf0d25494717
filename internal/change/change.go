// Package change is the change feed: the record every write leaves, in
// commit order, as a given caller may see it now. Partner portals poll it
// (GET /v1/changes) and webhook deliveries are read from it.
package change

import (
	"context"
	"time"
)

// Type says what a change did to the resource, as the caller sees it.
type Type string

const (
	Created  Type = "created"
	Updated  Type = "updated"
	Deleted  Type = "deleted"
	Redacted Type = "redacted" // erased, or no longer visible to this caller (such as withdrawn consent)
)

// Event is one entry of the feed.
type Event struct {
	Seq        int64 // position in commit order; a cursor resumes after it
	ID         string
	Type       Type
	Resource   string // organisation, person, meeting, publication, commitment, milestone, evaluation, …
	ResourceID string
	Fields     []string // the fields the write changed
	At         time.Time
	// Value is the resource as the caller may see it now: a domain value
	// (such as meeting.Meeting); nil for a tombstone.
	Value any
}

// Page is a run of events and where the next read resumes.
type Page struct {
	Events []Event
	// Last is the position of the last change read, visible or not: a
	// cursor built from it skips changes the caller may not see.
	Last int64
	More bool // more changes follow Last
}

// Service reads the feed.
type Service struct{}

// Since returns up to limit events after position after, as the actor in ctx may see them.
func (s *Service) Since(ctx context.Context, after int64, limit int) (Page, error) {
	return Page{Last: after}, nil
}
