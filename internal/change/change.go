// Package change is the change feed: the record every write leaves, in
// commit order, as a given caller may see it now. Partner portals poll it
// (GET /v1/changes) and webhook deliveries are read from it.
package change

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
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
	// Head is the position of the newest change recorded when the read
	// began: a poll that finds the same Head finds nothing new.
	Head int64
}

// The resources of the feed: the top-level ones, each with a list.
const (
	Organisation = "organisation"
	Person       = "person"
	Meeting      = "meeting"
	Publication  = "publication"
	Commitment   = "commitment"
	Milestone    = "milestone"
	Evaluation   = "evaluation"
)

// Resources are the resources of the feed, in the order the contract names them.
var Resources = []string{Organisation, Person, Meeting, Publication, Commitment, Milestone, Evaluation}

// Collections are the API paths of the feed's resources, for links to them.
var Collections = map[string]string{
	Organisation: "organisations",
	Person:       "people",
	Meeting:      "meetings",
	Publication:  "publications",
	Commitment:   "commitments",
	Milestone:    "milestones",
	Evaluation:   "evaluations",
}

// Record is one stored change with its position in commit order.
type Record struct {
	Seq int64
	ID  string
	domain.Change
}

// Ref names a resource of the feed and the fields of it that a change concerns.
type Ref struct {
	Resource, ID string
	Fields       []string
}

// Store is what the feed reads besides the resources themselves.
type Store interface {
	// Head returns the position of the newest change recorded.
	Head(ctx context.Context) (int64, error)
	// ChangesAfter returns up to limit changes after position after, in commit order.
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Record, error)
	// Parents maps the ids of sub-resources (registration, submission,
	// milestone-update) to the ids of the resources they belong to.
	Parents(ctx context.Context, resource string, ids []string) (map[string]string, error)
	// MeetingReports maps the ids of meetings with a report to the report's
	// publication id: a report is listed as a publication of its own.
	MeetingReports(ctx context.Context, meetingIDs []string) (map[string]string, error)
	// OrganisationDependents returns, per organisation id, the resources
	// whose representations show the organisation (its id, code and name),
	// with the fields that show it.
	OrganisationDependents(ctx context.Context, orgIDs []string) (map[string][]Ref, error)
	// Deleted says which of the ids of resource were deleted.
	Deleted(ctx context.Context, resource string, ids []string) (map[string]bool, error)
	// MilestonesByRule returns the ids of the milestones whose progress
	// follows from evidence, by rule.
	MilestonesByRule(ctx context.Context) (map[milestone.Rule][]string, error)
	// MilestoneCommitments returns, per milestone id, every commitment the
	// milestone belonged to in any version, deleted ones included.
	MilestoneCommitments(ctx context.Context, ids []string) (map[string][]string, error)
}

// The single-resource reads of the domain services, with the caller's rules
// (the same as GET /v1/<resource>/{id}).
type (
	organisations interface {
		Get(ctx context.Context, ref string) (organisation.Organisation, error)
	}
	people interface {
		Get(ctx context.Context, id string) (person.Person, person.View, error)
	}
	meetings interface {
		Get(ctx context.Context, id string) (meeting.Meeting, error)
	}
	publications interface {
		Get(ctx context.Context, id string) (publication.Publication, error)
	}
	milestones interface {
		Get(ctx context.Context, id string, w milestone.When) (milestone.Milestone, error)
		GetCommitment(ctx context.Context, code string) (milestone.Commitment, error)
	}
	evaluations interface {
		Get(ctx context.Context, id string) (evaluation.Evaluation, error)
	}
)

// Readers are the domain services the feed reads resources from.
type Readers struct {
	Organisations organisations
	People        people
	Meetings      meetings
	Publications  publications
	Milestones    milestones
	Evaluations   evaluations
}

// Service reads the feed.
type Service struct {
	store Store
	r     Readers
}

// NewService returns the feed over store, reading resources through r.
func NewService(store Store, r Readers) *Service {
	return &Service{store: store, r: r}
}

// Since returns up to limit events after position after, as the actor in ctx may see them.
func (s *Service) Since(ctx context.Context, after int64, limit int) (Page, error) {
	if limit <= 0 {
		limit = domain.DefaultPageSize
	}
	// The head is read first: whatever the read finds is at least as new,
	// so a later poll with the same head has nothing newer to show.
	head, err := s.store.Head(ctx)
	if err != nil {
		return Page{}, err
	}
	records, err := s.store.ChangesAfter(ctx, after, limit+1)
	if err != nil {
		return Page{}, err
	}
	page := Page{Last: after, Head: head}
	if len(records) > limit {
		records, page.More = records[:limit], true
	}
	if len(records) == 0 {
		return page, nil
	}
	page.Last = records[len(records)-1].Seq
	candidates, err := s.expand(ctx, records)
	if err != nil {
		return Page{}, err
	}
	page.Events, err = s.resolve(ctx, candidates)
	if err != nil {
		return Page{}, err
	}
	return page, nil
}
