package person

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Filter narrows a list of people; the visibility fields say whom the caller
// may see at all.
type Filter struct {
	OrganisationID string
	Role           Role
	Q              string
	// Visibility: everyone when All; otherwise people with a public profile,
	// plus the people of FullOrganisation and the person PersonID.
	All              bool
	FullOrganisation string // its current people, on Today (ViewFor says how much of them)
	PersonID         string
	Today            time.Time
	UpdatedSince     time.Time // only items updated at or after it; zero: any
}

// Query is one page request.
type Query struct {
	Filter   Filter
	Sort     []domain.SortKey
	PageSize int
	Cursor   string
}

// ListRequest is a caller's list request, with the organisation by id or code.
type ListRequest struct {
	Organisation string
	Role         Role
	Q            string
	UpdatedSince time.Time
	Sort         []domain.SortKey
	PageSize     int
	Cursor       string
}

// SortFields are the fields a list of people may be sorted by.
var SortFields = []string{"name", "createdAt"}

// LinkedUser is a log-in account that belongs to a person.
type LinkedUser struct {
	ID    string
	Email string
	Role  domain.Role
}

// Export is everything the service holds about a person.
type Export struct {
	ExportedAt    time.Time
	Person        Person
	Consent       []Consent
	Users         []LinkedUser
	Registrations []RegistrationRecord
	Changes       []domain.Change
}

// RegistrationRecord is one of the person's meeting registrations, as exported.
type RegistrationRecord struct {
	ID            string
	MeetingID     string
	MeetingTitle  string
	MeetingStarts time.Time
	MeetingStatus string
	Status        string
	Attended      *bool
	RegisteredAt  time.Time
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListPeople(ctx context.Context, q Query) (domain.Page[Person], error)
	// GetPerson returns erased people too, with Erased set.
	GetPerson(ctx context.Context, id string) (Person, error)
	CreatePerson(ctx context.Context, p Person, c domain.Change) error
	// UpdatePerson writes p and its memberships over version p.Version-1.
	UpdatePerson(ctx context.Context, p Person, c domain.Change) error
	RecordConsent(ctx context.Context, p Person, c domain.Change) error
	ConsentHistory(ctx context.Context, id string) ([]Consent, error)
	// ErasePerson removes every personal field and linked user of p.
	ErasePerson(ctx context.Context, p Person, c domain.Change) error
	LinkedUsers(ctx context.Context, personID string) ([]LinkedUser, error)
	PersonRegistrations(ctx context.Context, personID string) ([]RegistrationRecord, error)
	Changes(ctx context.Context, resource, id string) ([]domain.Change, error)
	// Scrub makes deleted data unrecoverable from storage files, as best it
	// can after the erasure has committed: it does not fail.
	Scrub(ctx context.Context)
}

// Eraser removes what another part of the service holds of a person being
// erased, inside the erasure's transaction.
type Eraser interface {
	ErasePerson(ctx context.Context, p Person) error
}

// Service applies the rules for people.
type Service struct {
	store   Store
	orgs    organisation.Finder
	now     domain.Clock
	erasers []Eraser
}

// OnErase adds e to what every erasure runs, before the person's own data
// goes; set while wiring, before the service is used.
func (s *Service) OnErase(e Eraser) { s.erasers = append(s.erasers, e) }

// NewService returns a person service.
func NewService(store Store, orgs organisation.Finder, now domain.Clock) *Service {
	return &Service{store: store, orgs: orgs, now: now}
}

// ParseSort turns `-createdAt,name` into sort keys.
func ParseSort(s string) ([]domain.SortKey, error) {
	return domain.ParseSort("sort", s, SortFields)
}

// List returns the people the caller may see, each as far as it may see them.
// An unknown organisation filter is invalid input.
func (s *Service) List(ctx context.Context, req ListRequest) (domain.Page[Person], error) {
	var org organisation.Ref
	if req.Organisation != "" {
		var p domain.Problems
		r := organisation.NewResolver(ctx, s.orgs, &p)
		org, _ = r.Resolve(req.Organisation, "organisation")
		if err := r.Err(); err != nil {
			return domain.Page[Person]{}, err
		}
		if err := p.Err(); err != nil {
			return domain.Page[Person]{}, err
		}
	}
	return s.list(ctx, org.ID, req)
}

// ListForOrganisation returns the people of organisation ref; 404 when it does not exist.
func (s *Service) ListForOrganisation(ctx context.Context, ref string, req ListRequest) (domain.Page[Person], error) {
	o, err := s.orgs.Get(ctx, ref)
	if err != nil {
		return domain.Page[Person]{}, err
	}
	return s.list(ctx, o.ID, req)
}

func (s *Service) list(ctx context.Context, orgID string, req ListRequest) (domain.Page[Person], error) {
	actor := domain.ActorFrom(ctx)
	var p domain.Problems
	req.PageSize = domain.PageSize(req.PageSize, &p)
	if req.Role != "" && !slices.Contains(roles, req.Role) {
		p.Add("role", "must be one of "+domain.OneOf(roles))
	}
	if err := p.Err(); err != nil {
		return domain.Page[Person]{}, err
	}
	if len(req.Sort) == 0 {
		req.Sort = []domain.SortKey{{Field: "name"}}
	}
	today := domain.Today(s.now())
	f := Filter{OrganisationID: orgID, Role: req.Role, Q: strings.TrimSpace(req.Q), UpdatedSince: req.UpdatedSince, All: actor.Is(domain.RoleAdmin, domain.RoleEditor), Today: today}
	if actor.Is(domain.RoleMember) || ReadsOwnPeople(actor) {
		f.FullOrganisation = actor.OrganisationID
	}
	if !actor.Anonymous() {
		f.PersonID = actor.PersonID
	}
	page, err := s.store.ListPeople(ctx, Query{Filter: f, Sort: req.Sort, PageSize: req.PageSize, Cursor: req.Cursor})
	if err != nil {
		return page, err
	}
	for i, p := range page.Items {
		page.Items[i] = Redact(p, ViewFor(actor, p, today))
	}
	return page, nil
}

// Get returns the person as far as the caller may see it, and how far that
// is. People the caller may not see are not found; erased people are gone.
func (s *Service) Get(ctx context.Context, id string) (Person, View, error) {
	p, view, err := s.visible(ctx, id)
	if err != nil {
		return Person{}, Hidden, err
	}
	return Redact(p, view), view, nil
}

func (s *Service) visible(ctx context.Context, id string) (Person, View, error) {
	p, err := s.store.GetPerson(ctx, id)
	if err != nil {
		return Person{}, Hidden, err
	}
	if p.Erased {
		return Person{}, Hidden, domain.Errorf(domain.CodeGone, "person %s was erased", id)
	}
	view := ViewFor(domain.ActorFrom(ctx), p, domain.Today(s.now()))
	if view == Hidden {
		return Person{}, Hidden, notFound(id)
	}
	return p, view, nil
}

// WithOrganisation reports whether the person id, if the caller may see
// them, has a membership of organisation orgID today: a rule that lets an
// organisation act for its people needs the memberships' dates, which a
// public profile leaves out.
func (s *Service) WithOrganisation(ctx context.Context, id, orgID string) (bool, error) {
	p, _, err := s.visible(ctx, id)
	if err != nil {
		return false, err
	}
	return orgID != "" && p.With(orgID, domain.Today(s.now())), nil
}

func notFound(id string) error {
	return domain.Errorf(domain.CodeNotFound, "no person with id %q", id)
}

// Create registers a person. Admins register anyone; a member registers
// people whose memberships are all with its own organisation.
func (s *Service) Create(ctx context.Context, in Input) (Person, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("register people", domain.RoleAdmin, domain.RoleMember); err != nil {
		return Person{}, err
	}
	in = in.normalise()
	ms, err := s.check(ctx, in)
	if err != nil {
		return Person{}, err
	}
	if !actor.Is(domain.RoleAdmin) {
		if err := ownOrganisationOnly(actor, nil, ms); err != nil {
			return Person{}, err
		}
	}
	now := domain.Timestamp(s.now)
	p := Person{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}
	p = apply(p, in, ms)
	err = s.store.CreatePerson(ctx, p, domain.Change{Resource: "person", ResourceID: p.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: changedFields(Person{}, p), Version: 1, At: now})
	if err != nil {
		return Person{}, err
	}
	return Redact(p, Full), nil
}

// Replace sets the person's profile and memberships. Admins change anyone; a
// member changes its own organisation's people, and only their memberships
// with its own organisation.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Person, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change people", domain.RoleAdmin, domain.RoleMember); err != nil {
		return Person{}, err
	}
	return s.replace(ctx, actor, id, in, pre)
}

// Update changes the person with change, which gets the current state as
// input (for a JSON Merge Patch) and runs before the write's transaction
// opens; the same rules as Replace apply.
func (s *Service) Update(ctx context.Context, id string, change func(current Input) (Input, error), pre domain.Precondition) (Person, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change people", domain.RoleAdmin, domain.RoleMember); err != nil {
		return Person{}, err
	}
	return domain.Patch(ctx, pre, s.load(id), s.mayChange(actor),
		func(current Person) (Input, error) { return change(current.AsInput()) },
		func(ctx context.Context, id string, in Input, at domain.Precondition) (Person, error) {
			return s.replace(ctx, actor, id, in, at)
		})
}

// replace writes in over the person id for actor, whose role the caller
// checked.
func (s *Service) replace(ctx context.Context, actor domain.Actor, id string, in Input, pre domain.Precondition) (Person, error) {
	in = in.normalise()
	p, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Person]{
		Resource:  "person",
		Load:      s.load(id),
		Authorise: s.mayChange(actor),
		Change: func(ctx context.Context, current Person) (Person, error) {
			ms, err := s.check(ctx, in)
			if err != nil {
				return Person{}, err
			}
			return apply(current, in, ms), nil
		},
		Diff: changedFields,
		AuthoriseFields: func(current, next Person, _ domain.Diff) error {
			if actor.Is(domain.RoleAdmin) {
				return nil
			}
			return ownOrganisationOnly(actor, current.Memberships, next.Memberships)
		},
		Save: s.store.UpdatePerson,
	})
	if err != nil {
		return Person{}, err
	}
	return Redact(p, Full), nil
}

// mayChange says whether actor may write the person at all.
func (s *Service) mayChange(actor domain.Actor) func(Person) error {
	return func(current Person) error {
		if !actor.Is(domain.RoleAdmin) && !current.With(actor.OrganisationID, domain.Today(s.now())) {
			return domain.Errorf(domain.CodeForbidden, "a member may change only the people of its own organisation")
		}
		return nil
	}
}

// RecordConsent records whether the person agreed to a public profile,
// leaving their consent to be contacted as it is.
func (s *Service) RecordConsent(ctx context.Context, id string, public bool) (Consent, error) {
	return s.RecordConsentInput(ctx, id, ConsentInput{PublicProfile: public})
}

// ConsentInput is what a caller records: the public profile, and the
// consent to be contacted when given (nil leaves it as it is, so that a
// client that knows only publicProfile withdraws nothing).
type ConsentInput struct {
	PublicProfile bool
	Contact       *bool
}

// RecordConsentInput records the person's consent. Admins, members of the
// person's organisations and the person's own user. Every recording is a
// change, with or without If-Match: the history keeps each one.
func (s *Service) RecordConsentInput(ctx context.Context, id string, in ConsentInput) (Consent, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Consent{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to record consent")
	}
	return s.recordConsent(ctx, id, actor.Subject, func(p Person) error {
		if !actor.Is(domain.RoleAdmin) && !(actor.Is(domain.RoleMember) && p.With(actor.OrganisationID, domain.Today(s.now()))) && actor.PersonID != id {
			return domain.Errorf(domain.CodeForbidden, "only an admin, a member of the person's organisation or the person may record consent")
		}
		return nil
	}, func(c Consent) Consent {
		c.PublicProfile = in.PublicProfile
		if in.Contact != nil {
			c.Contact = *in.Contact
		}
		return c
	}, always)
}

// UnsubscribedBy records who withdrew a consent to be contacted through the
// link in a notification: the person, by a link only they were sent.
const UnsubscribedBy = "unsubscribe-link"

// WithdrawContact withdraws the person's consent to be contacted, keeping
// the rest: the unsubscribe link of a notification. The caller has checked
// the link's signature; no sign-in is needed. An erased person is gone.
func (s *Service) WithdrawContact(ctx context.Context, id string) (Consent, error) {
	ctx = domain.WithActor(ctx, domain.Actor{Subject: UnsubscribedBy, Role: domain.RoleAdmin})
	return s.recordConsent(ctx, id, UnsubscribedBy, func(Person) error { return nil }, func(c Consent) Consent {
		c.Contact = false
		return c
	}, func(current, _ Consent) bool {
		// A link used again (a mail program retrying, a second click)
		// records nothing: no new history row, version or webhook.
		return current.Contact
	})
}

// always records: a recording of consent is a statement of its own, also
// when it repeats the current one.
func always(Consent, Consent) bool { return true }

// recordConsent writes the consent change makes of the current one, as by,
// once authorise allows it and when records says the change is one to
// record; else it returns the current consent.
func (s *Service) recordConsent(ctx context.Context, id, by string, authorise func(Person) error, change func(Consent) Consent, records func(current, next Consent) bool) (Consent, error) {
	var recorded Consent
	wrote := false
	current, err := domain.Update(ctx, s.store, s.now, domain.Precondition{Present: true, Any: true}, domain.Edit[Person]{
		Resource:  "person",
		Load:      s.load(id),
		Authorise: authorise,
		Change: func(_ context.Context, p Person) (Person, error) {
			p.Consent = change(p.Consent)
			p.Consent.RecordedBy = by
			return p, nil
		},
		Diff: func(current, next Person) domain.Diff {
			if !records(current.Consent, next.Consent) {
				return nil
			}
			return domain.Diff{"consent"}
		},
		Save: func(ctx context.Context, p Person, c domain.Change) error {
			p.Consent.RecordedAt = p.UpdatedAt // the consent is recorded when the write is
			recorded, wrote = p.Consent, true
			return s.store.RecordConsent(ctx, p, c)
		},
	})
	if err != nil {
		return Consent{}, err
	}
	if !wrote {
		return current.Consent, nil
	}
	return recorded, nil
}

// ConsentHistory returns every recorded consent, newest first, with the
// current one. For those who see the person in full.
func (s *Service) ConsentHistory(ctx context.Context, id string) (Consent, []Consent, error) {
	p, view, err := s.visible(ctx, id)
	if err != nil {
		return Consent{}, nil, err
	}
	if domain.ActorFrom(ctx).Anonymous() {
		return Consent{}, nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to read the consent history")
	}
	if view != Full {
		return Consent{}, nil, domain.Errorf(domain.CodeForbidden, "the consent history is for admins, editors, the person's organisations and the person")
	}
	history, err := s.store.ConsentHistory(ctx, id)
	return p.Consent, history, err
}

// Erase removes the person's personal data and linked user accounts, keeping
// the shape of everything that refers to the person. Admins, or a member for
// a person whose memberships are all with its own organisation.
func (s *Service) Erase(ctx context.Context, id string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("erase people", domain.RoleAdmin, domain.RoleMember); err != nil {
		return err
	}
	err := domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Person]{
		Resource: "person",
		Load:     s.load(id),
		Authorise: func(p Person) error {
			if !actor.Is(domain.RoleAdmin) && !p.OnlyWith(actor.OrganisationID) {
				return domain.Errorf(domain.CodeForbidden, "a member may erase only people whose memberships are all with its own organisation")
			}
			return nil
		},
		Remove: func(ctx context.Context, p Person, c domain.Change) error {
			// An erasure keeps the person's shape: its record says so and
			// names what it removed.
			c.Action, c.Fields = domain.ActionErase, []string{"name", "email", "phone", "position", "languages", "users"}
			for _, e := range s.erasers {
				if err := e.ErasePerson(ctx, p); err != nil {
					return err
				}
			}
			return s.store.ErasePerson(ctx, p, c)
		},
	})
	if err != nil {
		return err
	}
	// The erasure has committed: scrubbing the files is the store's best
	// effort, which it logs and retries itself.
	s.store.Scrub(ctx)
	return nil
}

// load reads the person id as a write starts from it: erased people are
// gone, people the caller may not see are not found.
func (s *Service) load(id string) func(context.Context) (Person, error) {
	return func(ctx context.Context) (Person, error) {
		p, _, err := s.visible(ctx, id)
		return p, err
	}
}

// Export returns everything held about the person. Admins and the person's own user.
func (s *Service) Export(ctx context.Context, id string) (Export, error) {
	actor := domain.ActorFrom(ctx)
	p, _, err := s.visible(ctx, id)
	if err != nil {
		return Export{}, err
	}
	if !actor.Is(domain.RoleAdmin) && (actor.Anonymous() || actor.PersonID != id) {
		if actor.Anonymous() {
			return Export{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to export a person's data")
		}
		return Export{}, domain.Errorf(domain.CodeForbidden, "only an admin or the person may export the person's data")
	}
	consent, err := s.store.ConsentHistory(ctx, id)
	if err != nil {
		return Export{}, err
	}
	users, err := s.store.LinkedUsers(ctx, id)
	if err != nil {
		return Export{}, err
	}
	regs, err := s.store.PersonRegistrations(ctx, id)
	if err != nil {
		return Export{}, err
	}
	changes, err := s.store.Changes(ctx, "person", id)
	if err != nil {
		return Export{}, err
	}
	return Export{ExportedAt: s.now().UTC(), Person: Redact(p, Full), Consent: consent, Users: users, Registrations: regs, Changes: changes}, nil
}

// check validates the input and resolves its organisations, reporting every
// problem at once.
func (s *Service) check(ctx context.Context, in Input) ([]Membership, error) {
	var p domain.Problems
	in.validate(&p)
	r := organisation.NewResolver(ctx, s.orgs, &p)
	ms := make([]Membership, len(in.Memberships))
	for i, m := range in.Memberships {
		ms[i] = Membership{Role: m.Role, From: m.From, To: m.To}
		if o, ok := r.Resolve(m.Organisation, fmt.Sprintf("memberships[%d].organisation", i)); ok {
			ms[i].OrganisationID, ms[i].OrganisationCode, ms[i].OrganisationName = o.ID, o.Code, o.Name
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	// Overlaps are judged among memberships that are otherwise valid, and
	// reported with the other problems.
	overlaps(ms, &p)
	return ms, p.Err()
}

// ownOrganisationOnly refuses a member's change to memberships with other organisations.
func ownOrganisationOnly(actor domain.Actor, before, after []Membership) error {
	others := func(ms []Membership) []string {
		var out []string
		for _, m := range ms {
			if m.OrganisationID != actor.OrganisationID {
				out = append(out, fmt.Sprintf("%s|%s|%s|%s", m.OrganisationID, m.Role, m.From.Format(time.DateOnly), m.To.Format(time.DateOnly)))
			}
		}
		slices.Sort(out)
		return out
	}
	if slices.Equal(others(before), others(after)) && (before != nil || len(after) > 0) {
		return nil
	}
	var p domain.Problems
	if before == nil && len(after) == 0 {
		p.Add("memberships", "a member registers people of its own organisation: add a membership with it")
	} else {
		p.Add("memberships", "a member may add or change only memberships with its own organisation")
	}
	return &domain.Error{Code: domain.CodeForbidden, Message: "a member acts only for its own organisation", Fields: p}
}

func apply(p Person, in Input, ms []Membership) Person {
	p.Name, p.Email, p.Phone, p.Position = in.Name, in.Email, in.Phone, in.Position
	p.Languages = append([]string(nil), in.Languages...)
	p.Memberships = ms
	return p
}

func changedFields(a, b Person) domain.Diff {
	var f domain.Diff
	f.Add(a.Name != b.Name, "name")
	f.Add(a.Email != b.Email, "email")
	f.Add(a.Phone != b.Phone, "phone")
	f.Add(a.Position != b.Position, "position")
	f.Add(!slices.Equal(a.Languages, b.Languages), "languages")
	f.Add(!slices.EqualFunc(a.Memberships, b.Memberships, func(x, y Membership) bool {
		return x.OrganisationID == y.OrganisationID && x.Role == y.Role && x.From.Equal(y.From) && x.To.Equal(y.To)
	}), "memberships")
	return f
}
