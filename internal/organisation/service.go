package organisation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Filter narrows a list of organisations.
type Filter struct {
	Kind         Kind
	NetworkRole  NetworkRole
	Active       *bool
	Today        time.Time // the day Active is judged on
	Q            string
	UpdatedSince time.Time // only items updated at or after it; zero: any
}

// Query is one page request.
type Query struct {
	Filter   Filter
	Sort     []domain.SortKey
	PageSize int
	Cursor   string
}

// SortFields are the fields a list may be sorted by.
var SortFields = []string{"name", "code", "joinedOn", "createdAt"}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListOrganisations(ctx context.Context, q Query) (domain.Page[Organisation], error)
	// GetOrganisation finds by id or by code.
	GetOrganisation(ctx context.Context, ref string) (Organisation, error)
	CreateOrganisation(ctx context.Context, o Organisation, c domain.Change) error
	// UpdateOrganisation writes o when the stored version is still o.Version-1.
	UpdateOrganisation(ctx context.Context, o Organisation, c domain.Change) error
	DeleteOrganisation(ctx context.Context, o Organisation, c domain.Change) error
	// ChairedMeetings lists the meetings, cancelled ones aside, that the
	// organisation id chairs as guest chair.
	ChairedMeetings(ctx context.Context, id string) ([]Chaired, error)
}

// Chaired is a meeting an organisation chairs as guest chair.
type Chaired struct {
	MeetingID string
	Title     string
	StartsAt  time.Time
}

// Service applies the rules for organisations.
type Service struct {
	store Store
	now   domain.Clock
}

// NewService returns a service on store; now is the clock (time.Now in production).
func NewService(store Store, now domain.Clock) *Service {
	return &Service{store: store, now: now}
}

// List returns one page of organisations. Anyone may list.
func (s *Service) List(ctx context.Context, q Query) (domain.Page[Organisation], error) {
	q.Filter.Today = domain.Today(s.now())
	q.Filter.Q = strings.TrimSpace(q.Filter.Q)
	var p domain.Problems
	if q.PageSize = domain.PageSize(q.PageSize, &p); p.Err() != nil {
		return domain.Page[Organisation]{}, p.Err()
	}
	if len(q.Sort) == 0 {
		q.Sort = []domain.SortKey{{Field: "name"}}
	}
	page, err := s.store.ListOrganisations(ctx, q)
	for i := range page.Items {
		page.Items[i] = s.present(page.Items[i])
	}
	return page, err
}

// present sets what follows from today's date.
func (s *Service) present(o Organisation) Organisation {
	o.Active = o.ActiveOn(domain.Today(s.now()))
	return o
}

// Get returns the organisation with id or code ref. Anyone may read.
func (s *Service) Get(ctx context.Context, ref string) (Organisation, error) {
	o, err := s.store.GetOrganisation(ctx, NormaliseRef(ref))
	return s.present(o), err
}

// Create adds an organisation. Admins only.
func (s *Service) Create(ctx context.Context, in Input) (Organisation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("add organisations", domain.RoleAdmin); err != nil {
		return Organisation{}, err
	}
	in = in.normalise()
	if err := in.validate(); err != nil {
		return Organisation{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Organisation{}, fmt.Errorf("new organisation id: %w", err)
	}
	now := domain.Timestamp(s.now)
	o := apply(Organisation{ID: id.String(), Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	change := domain.Change{Resource: "organisation", ResourceID: o.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: changedFields(Organisation{}, o), Version: 1, At: now}
	if err := s.store.CreateOrganisation(ctx, o, change); err != nil {
		return Organisation{}, err
	}
	return s.present(o), nil
}

// Replace sets every field of the organisation ref. Admins change anything; a
// member changes its own organisation's profile (name, province, website,
// description) and nothing else.
func (s *Service) Replace(ctx context.Context, ref string, in Input, pre domain.Precondition) (Organisation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change organisations", domain.RoleAdmin, domain.RoleMember); err != nil {
		return Organisation{}, err
	}
	return s.replace(ctx, actor, ref, in, pre)
}

// Update changes the organisation ref with change, which gets the current
// state as input (for a JSON Merge Patch) and runs before the write's
// transaction opens; the same rules as Replace apply.
func (s *Service) Update(ctx context.Context, ref string, change func(current Input) (Input, error), pre domain.Precondition) (Organisation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change organisations", domain.RoleAdmin, domain.RoleMember); err != nil {
		return Organisation{}, err
	}
	return domain.Patch(ctx, pre, s.load(ref), mayChange(actor),
		func(current Organisation) (Input, error) { return change(current.AsInput()) },
		func(ctx context.Context, id string, in Input, at domain.Precondition) (Organisation, error) {
			return s.replace(ctx, actor, id, in, at)
		})
}

// replace writes in over the organisation ref for actor, whose role the
// caller checked.
func (s *Service) replace(ctx context.Context, actor domain.Actor, ref string, in Input, pre domain.Precondition) (Organisation, error) {
	in = in.normalise()
	o, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Organisation]{
		Resource:  "organisation",
		Load:      s.load(ref),
		Authorise: mayChange(actor),
		Change: func(ctx context.Context, current Organisation) (Organisation, error) {
			if err := in.validate(); err != nil {
				return Organisation{}, err
			}
			in.Example = current.Example // demonstration data stays marked; the API does not set it
			next := apply(current, in)
			if next.JoinedOn.Equal(current.JoinedOn) && next.LeftOn.Equal(current.LeftOn) {
				return next, nil
			}
			if err := s.stillChairs(ctx, next); err != nil {
				return Organisation{}, err
			}
			return next, nil
		},
		Diff: changedFields,
		AuthoriseFields: func(_, _ Organisation, fields domain.Diff) error {
			if actor.Is(domain.RoleAdmin) {
				return nil
			}
			return profileOnly(fields)
		},
		Save: s.store.UpdateOrganisation,
	})
	if err != nil {
		return Organisation{}, err
	}
	return s.present(o), nil
}

// stillChairs refuses membership dates that leave o outside the network on
// the day of a meeting it chairs: that meeting could no longer be edited.
func (s *Service) stillChairs(ctx context.Context, o Organisation) error {
	chaired, err := s.store.ChairedMeetings(ctx, o.ID)
	if err != nil {
		return err
	}
	var names []string
	for _, m := range chaired {
		if !o.ActiveOn(domain.Today(m.StartsAt)) {
			names = append(names, fmt.Sprintf("%s (%s, %s)", m.MeetingID, m.Title, domain.Today(m.StartsAt).Format(time.DateOnly)))
		}
	}
	if len(names) == 0 {
		return nil
	}
	reason := "the organisation chairs meetings on days it would not be a member: " + strings.Join(names, "; ")
	return &domain.Error{Code: domain.CodeConflict, Message: reason,
		Fields: []domain.FieldError{{Name: "leftOn", Reason: reason}}}
}

// mayChange says whether actor may write the organisation at all.
func mayChange(actor domain.Actor) func(Organisation) error {
	return func(current Organisation) error {
		if !actor.Is(domain.RoleAdmin) && !actor.MemberOf(current.ID) {
			return domain.Errorf(domain.CodeForbidden, "a member may change only its own organisation")
		}
		return nil
	}
}

// Delete removes an organisation entered by mistake. Admins only; an
// organisation that others refer to cannot be deleted.
func (s *Service) Delete(ctx context.Context, ref string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("delete organisations", domain.RoleAdmin); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Organisation]{
		Resource: "organisation",
		Load:     s.load(ref),
		Remove:   s.store.DeleteOrganisation,
	})
}

// load reads the organisation ref as a write starts from it.
func (s *Service) load(ref string) func(context.Context) (Organisation, error) {
	return func(ctx context.Context) (Organisation, error) { return s.Get(ctx, ref) }
}

// ParseSort turns `-joinedOn,name` into sort keys, naming the field on error.
func ParseSort(s string) ([]domain.SortKey, error) {
	return domain.ParseSort("sort", s, SortFields)
}

func apply(o Organisation, in Input) Organisation {
	o.Code, o.Name, o.Kind, o.NetworkRole = in.Code, in.Name, in.Kind, in.NetworkRole
	o.JoinedOn, o.LeftOn = in.JoinedOn, in.LeftOn
	o.Province, o.Website, o.Description, o.Example = in.Province, in.Website, in.Description, in.Example
	return o
}

// profileFields are the ones a member may change on its own organisation.
var profileFields = map[string]bool{"name": true, "province": true, "website": true, "description": true}

func profileOnly(fields domain.Diff) error {
	var p domain.Problems
	for _, f := range fields {
		if !profileFields[f] {
			p.Add(f, "only an admin may change this")
		}
	}
	if len(p) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.CodeForbidden, Message: "a member may change only the name, province, website and description of its organisation", Fields: p}
}

// changedFields lists the API names of the fields that differ.
func changedFields(a, b Organisation) domain.Diff {
	var f domain.Diff
	f.Add(a.Code != b.Code, "code")
	f.Add(a.Name != b.Name, "name")
	f.Add(a.Kind != b.Kind, "kind")
	f.Add(a.NetworkRole != b.NetworkRole, "networkRole")
	f.Add(!a.JoinedOn.Equal(b.JoinedOn), "joinedOn")
	f.Add(!a.LeftOn.Equal(b.LeftOn), "leftOn")
	f.Add(a.Province != b.Province, "province")
	f.Add(a.Website != b.Website, "website")
	f.Add(a.Description != b.Description, "description")
	f.Add(a.Example != b.Example, "example")
	return f
}
