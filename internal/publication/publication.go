// Package publication holds what the network publishes: the online
// magazine's editions, lessons learned, and — read from their meetings, never
// copied — the meeting reports.
package publication

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Kind is what sort of publication it is.
type Kind string

const (
	KindMeetingReport   Kind = "meeting-report"
	KindMagazineEdition Kind = "magazine-edition"
	KindLessonsLearned  Kind = "lessons-learned"
	KindOther           Kind = "other"
)

// writableKinds are the kinds written here; a meeting report is written on its meeting.
var writableKinds = []Kind{KindMagazineEdition, KindLessonsLearned, KindOther}

// Publication is one published document.
type Publication struct {
	ID          string
	Kind        Kind
	Title       string
	URL         string
	PublishedOn time.Time
	Summary     string
	Language    string
	Licence     string
	Meetings    []string
	Topics      []string
	Example     bool
	Version     domain.Version
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RecordID, RecordVersion and Revised let the write path store a publication.
func (p Publication) RecordID() string              { return p.ID }
func (p Publication) RecordVersion() domain.Version { return p.Version }
func (p Publication) Revised(v domain.Version, at time.Time) Publication {
	p.Version, p.UpdatedAt = v, at
	return p
}

// Input is what a caller may set.
type Input struct {
	Kind        Kind
	Title       string
	URL         string
	PublishedOn time.Time
	Summary     string
	Language    string
	Licence     string
	Meetings    []string
	Topics      []string
	Example     bool
}

// Filter narrows a list.
type Filter struct {
	Kind         Kind
	MeetingID    string
	Q            string
	From, To     time.Time // published on or after From, before To (zero: open)
	UpdatedSince time.Time // only items updated at or after it; zero: any
}

// Query is one page.
type Query struct {
	Filter   Filter
	PageSize int
	Cursor   string
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListPublications(ctx context.Context, q Query) (domain.Page[Publication], error)
	// EachPublication calls fn for every publication q selects, in order,
	// from one query (paging does not apply), and stops at fn's first error.
	EachPublication(ctx context.Context, q Query, fn func(Publication) error) error
	GetPublication(ctx context.Context, id string) (Publication, error)
	CreatePublication(ctx context.Context, p Publication, c domain.Change) error
	UpdatePublication(ctx context.Context, p Publication, c domain.Change) error
	DeletePublication(ctx context.Context, p Publication, c domain.Change) error
	MeetingsExist(ctx context.Context, ids []string) ([]string, error) // returns the missing ones
}

// Service applies the rules for publications.
type Service struct {
	store Store
	now   domain.Clock
}

// NewService returns a publication service.
func NewService(store Store, now domain.Clock) *Service { return &Service{store: store, now: now} }

// List returns publications, newest first. Public.
func (s *Service) List(ctx context.Context, q Query) (domain.Page[Publication], error) {
	var p domain.Problems
	if q.PageSize = domain.PageSize(q.PageSize, &p); p.Err() != nil {
		return domain.Page[Publication]{}, p.Err()
	}
	q.Filter.Q = strings.TrimSpace(q.Filter.Q)
	return s.store.ListPublications(ctx, q)
}

// Each calls fn for every publication f selects, newest first, as the
// store reads them from one query. Public.
func (s *Service) Each(ctx context.Context, f Filter, fn func(Publication) error) error {
	f.Q = strings.TrimSpace(f.Q)
	return s.store.EachPublication(ctx, Query{Filter: f}, fn)
}

// Get returns one publication. Public.
func (s *Service) Get(ctx context.Context, id string) (Publication, error) {
	return s.store.GetPublication(ctx, id)
}

// Create adds a publication. Editors and admins.
func (s *Service) Create(ctx context.Context, in Input) (Publication, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("add publications", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return Publication{}, err
	}
	now := domain.Timestamp(s.now)
	p, err := s.build(ctx, Publication{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	if err != nil {
		return Publication{}, err
	}
	err = s.store.CreatePublication(ctx, p, domain.Change{Resource: "publication", ResourceID: p.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"kind", "title", "url", "publishedOn"}, Version: 1, At: now})
	return p, err
}

// Replace sets every field. Editors and admins; reports change on their meeting.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Publication, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change publications", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return Publication{}, err
	}
	return domain.Update(ctx, s.store, s.now, pre, domain.Edit[Publication]{
		Resource: "publication",
		Load:     s.load(id),
		// Nobody writes a meeting report here, so it is refused before
		// If-Match, like a caller who may not write it.
		Authorise: func(cur Publication) error {
			if cur.Kind == KindMeetingReport {
				return domain.Errorf(domain.CodeConflict, "a meeting report is changed on its meeting: PUT /v1/meetings/%s/report", first(cur.Meetings))
			}
			return nil
		},
		Change: func(ctx context.Context, cur Publication) (Publication, error) {
			in.Example = cur.Example
			return s.build(ctx, cur, in)
		},
		Diff: changedFields,
		Save: s.store.UpdatePublication,
	})
}

// Delete removes a publication. Editors and admins; reports go with their meeting.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("delete publications", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Publication]{
		Resource: "publication",
		Load:     s.load(id),
		Authorise: func(cur Publication) error {
			if cur.Kind == KindMeetingReport {
				return domain.Errorf(domain.CodeConflict, "a meeting report belongs to its meeting and is not deleted here")
			}
			return nil
		},
		Remove: s.store.DeletePublication,
	})
}

// load reads the publication id as a write starts from it.
func (s *Service) load(id string) func(context.Context) (Publication, error) {
	return func(ctx context.Context) (Publication, error) { return s.store.GetPublication(ctx, id) }
}

func (s *Service) build(ctx context.Context, p Publication, in Input) (Publication, error) {
	var probs domain.Problems
	if !slices.Contains(writableKinds, in.Kind) {
		probs.Add("kind", "must be one of "+domain.OneOf(writableKinds)+"; meeting reports are recorded on their meeting")
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		probs.Add("title", "must not be empty")
	}
	in.Language = domain.CheckPublished(in.URL, in.PublishedOn, in.Language, &probs)
	meetings := dedupe(in.Meetings)
	if len(meetings) > 0 {
		missing, err := s.store.MeetingsExist(ctx, meetings)
		if err != nil {
			return Publication{}, err
		}
		for _, id := range missing {
			probs.Add(fmt.Sprintf("meetings[%d]", slices.Index(meetings, id)), "no meeting with this id")
		}
	}
	if err := probs.Err(); err != nil {
		return Publication{}, err
	}
	p.Kind, p.Title, p.URL, p.PublishedOn = in.Kind, in.Title, strings.TrimSpace(in.URL), domain.Day(in.PublishedOn)
	p.Summary, p.Language, p.Licence = strings.TrimSpace(in.Summary), in.Language, strings.TrimSpace(in.Licence)
	p.Meetings, p.Topics, p.Example = meetings, dedupe(in.Topics), in.Example
	return p, nil
}

// changedFields names the fields that differ; none keeps the version.
func changedFields(a, b Publication) domain.Diff {
	var f domain.Diff
	sorted := func(l []string) []string { l = slices.Clone(l); slices.Sort(l); return l }
	f.Add(a.Kind != b.Kind, "kind")
	f.Add(a.Title != b.Title, "title")
	f.Add(a.URL != b.URL, "url")
	f.Add(!a.PublishedOn.Equal(b.PublishedOn), "publishedOn")
	f.Add(a.Summary != b.Summary, "summary")
	f.Add(a.Language != b.Language, "language")
	f.Add(a.Licence != b.Licence, "licence")
	f.Add(!slices.Equal(sorted(a.Meetings), sorted(b.Meetings)), "meetings")
	f.Add(!slices.Equal(a.Topics, b.Topics), "topics")
	return f
}

func dedupe(list []string) []string {
	out := []string{}
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}
