package meeting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// RegistrationStatus is where a registration stands.
type RegistrationStatus string

const (
	Registered RegistrationStatus = "registered"
	Waitlisted RegistrationStatus = "waitlisted"
	Cancelled  RegistrationStatus = "cancelled"
)

// Registration puts a person on a meeting's list, or its waitlist.
type Registration struct {
	ID               string
	MeetingID        string
	PersonID         string
	PersonName       string // empty once the person is erased
	PersonErased     bool
	OrganisationIDs  []string // the person's organisations, for who may see it
	Status           RegistrationStatus
	WaitlistPosition int // 1 is next; 0 unless waitlisted
	Attended         *bool
	RegisteredAt     time.Time
	RegisteredBy     string
	// The meeting, as a list across meetings shows it.
	MeetingTitle    string
	MeetingStartsAt time.Time
	MeetingStatus   Status
}

// RegistrationQuery is one page of registrations across meetings.
type RegistrationQuery struct {
	OrganisationID string    // registrations of the organisation's people on Today: not of those who left
	Today          time.Time // the day memberships are judged on
	PersonID       string
	Status         RegistrationStatus // empty: all but the cancelled
	PageSize       int
	Cursor         string
}

// RegistrationListRequest is a caller's request, the organisation by id or code.
type RegistrationListRequest struct {
	Organisation string
	Person       string
	Status       RegistrationStatus
	PageSize     int
	Cursor       string
}

// RegistrationStore keeps registrations. The service calls it inside a
// transaction that has locked the meeting (LockMeeting), so places are
// counted and given out one writer at a time.
type RegistrationStore interface {
	LockMeeting(ctx context.Context, id string) (Meeting, error)
	Registrations(ctx context.Context, meetingID string) ([]Registration, error)
	CreateRegistration(ctx context.Context, r Registration, c domain.Change) error
	UpdateRegistration(ctx context.Context, r Registration, c domain.Change) error
	// RegisteredMeetings lists the meetings where the person holds a
	// registration that is not cancelled.
	RegisteredMeetings(ctx context.Context, personID string) ([]string, error)
	// ListRegistrations pages registrations across meetings, newest first.
	ListRegistrations(ctx context.Context, q RegistrationQuery) (domain.Page[Registration], error)
}

// people is what registrations need of the person service: it applies the
// caller's view, so a person the caller may not see is not found.
type people interface {
	Get(ctx context.Context, id string) (person.Person, person.View, error)
	// WithOrganisation reports whether the person id, if the caller may
	// see them, has a membership of organisation orgID today.
	WithOrganisation(ctx context.Context, id, orgID string) (bool, error)
}

// Register puts a person on the meeting's list, or on the waitlist when the
// meeting is full. Editors and admins register anyone, a member or a
// partner's client with registrations:write its own organisation's people,
// a signed-in person themselves.
func (s *Service) Register(ctx context.Context, meetingID, personID string) (Registration, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Registration{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to register")
	}
	p, _, err := s.people.Get(ctx, personID)
	if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeGone {
		return Registration{}, (domain.Problems{{Name: "person", Reason: "no person with this id that you may register"}}).Err()
	}
	if err != nil {
		return Registration{}, err
	}
	ok, err := s.mayActFor(ctx, actor, p)
	if err != nil {
		return Registration{}, err
	}
	if !ok {
		return Registration{}, domain.Errorf(domain.CodeForbidden, "a member or a partner's client with registrations:write registers its own organisation's people, a person registers themselves")
	}
	var reg Registration
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		m, err := s.store.LockMeeting(ctx, meetingID)
		if err != nil {
			return err
		}
		if err := registrationClosed(m, s.now()); err != nil {
			return err
		}
		now := domain.Timestamp(s.now)
		// Places freed by a larger capacity go to the waitlist first.
		if err := s.fill(ctx, m, actor, now); err != nil {
			return err
		}
		regs, err := s.store.Registrations(ctx, meetingID)
		if err != nil {
			return err
		}
		registered := 0
		for _, r := range regs {
			if r.PersonID == personID && r.Status != Cancelled {
				return &domain.Error{Code: domain.CodeConflict, Message: "this person is registered already",
					Fields: []domain.FieldError{{Name: "person", Reason: "is registered for this meeting already"}}}
			}
			if r.Status == Registered {
				registered++
			}
		}
		reg = Registration{ID: uuid.Must(uuid.NewV7()).String(), MeetingID: meetingID, PersonID: personID, PersonName: p.Name,
			Status: Registered, RegisteredAt: now, RegisteredBy: actor.Subject}
		if m.Capacity > 0 && registered >= m.Capacity {
			reg.Status = Waitlisted
		}
		return s.store.CreateRegistration(ctx, reg, domain.Change{Resource: "registration", ResourceID: reg.ID, Action: domain.ActionCreate,
			Actor: actor.Subject, Fields: []string{"meeting", "person", "status"}, Version: 1, At: now})
	})
	if err != nil {
		return Registration{}, err
	}
	if reg.Status == Waitlisted {
		regs, err := s.store.Registrations(ctx, meetingID)
		if err != nil {
			return Registration{}, err
		}
		for _, r := range numbered(regs) {
			if r.ID == reg.ID {
				reg.WaitlistPosition = r.WaitlistPosition
			}
		}
	}
	return reg, nil
}

// registrationClosed says why no one can register for m at now, or nil
// when they can.
func registrationClosed(m Meeting, now time.Time) error {
	if m.RegistrationOpen(now) {
		return nil
	}
	opens, closes := m.RegistrationWindow()
	var msg string
	window := fmt.Sprintf("until %s", closes.UTC().Format(time.RFC3339))
	if !opens.IsZero() {
		window = fmt.Sprintf("from %s %s", opens.UTC().Format(time.RFC3339), window)
	}
	switch {
	case m.Status == StatusCancelled || m.Status == StatusHeld:
		msg = "registration is closed: the meeting is " + string(m.Status)
	case now.Before(opens):
		msg = "registration opens at " + opens.UTC().Format(time.RFC3339)
	case !now.Before(m.StartsAt):
		msg = "registration is closed: the meeting is under way or over"
	default:
		msg = "registration closed at " + closes.UTC().Format(time.RFC3339)
	}
	return &domain.Error{Code: domain.CodeConflict, Message: msg, Fields: []domain.FieldError{{Name: "meeting",
		Reason: "takes registrations " + window}}}
}

// overflow moves the confirmed registrations beyond m's capacity, the
// latest confirmed first, as how says: to the waitlist or cancelled. Without
// how, a capacity below the confirmed registrations is refused. The caller
// holds the meeting's lock.
func (s *Service) overflow(ctx context.Context, m Meeting, how Overflow, actor domain.Actor, now time.Time) error {
	if m.Capacity == 0 {
		return nil
	}
	regs, err := s.store.Registrations(ctx, m.ID)
	if err != nil {
		return err
	}
	var confirmed []Registration
	for _, r := range regs {
		if r.Status == Registered {
			confirmed = append(confirmed, r)
		}
	}
	extra := len(confirmed) - m.Capacity
	if extra <= 0 {
		return nil
	}
	if how == "" {
		return &domain.Error{Code: domain.CodeConflict,
			Message: fmt.Sprintf("%d registrations are confirmed, %d more than a capacity of %d: say with overflow=waitlist or overflow=cancel what happens to the latest %d confirmed",
				len(confirmed), extra, m.Capacity, extra),
			Fields: []domain.FieldError{{Name: "capacity", Reason: fmt.Sprintf("must be at least %d, the confirmed registrations, unless overflow says what happens to the rest", len(confirmed))}}}
	}
	status := Waitlisted
	if how == OverflowCancel {
		status = Cancelled
	}
	// Latest confirmed first; back on the waitlist they keep their place in
	// the order of registration, ahead of those who registered later.
	for i := len(confirmed) - 1; i >= len(confirmed)-extra; i-- {
		r := confirmed[i]
		r.Status = status
		if err := s.store.UpdateRegistration(ctx, r, domain.Change{Resource: "registration", ResourceID: r.ID,
			Action: domain.ActionUpdate, Actor: actor.Subject, Fields: []string{"status"}, At: now}); err != nil {
			return err
		}
	}
	return nil
}

// mayActFor reports whether the actor may register person p, as the
// caller may see p, today.
func (s *Service) mayActFor(ctx context.Context, actor domain.Actor, p person.Person) (bool, error) {
	day := domain.Today(s.now())
	if actor.Is(domain.RoleAdmin, domain.RoleEditor) || (actor.Is(domain.RoleMember) && p.With(actor.OrganisationID, day)) ||
		(actor.PersonID != "" && actor.PersonID == p.ID) {
		return true, nil
	}
	if !registersForOrganisation(actor) {
		return false, nil
	}
	// A client sees a public profile, without the memberships' dates: ask
	// with the whole record whether the person is with its organisation.
	return s.people.WithOrganisation(ctx, p.ID, actor.OrganisationID)
}

// registersForOrganisation reports whether the actor is a partner's API
// client whose token lets it register its organisation's people.
func registersForOrganisation(a domain.Actor) bool {
	return a.Client && a.Is(domain.RolePartner) && a.OrganisationID != "" && a.HasScope(domain.ScopeRegistrationsWrite)
}

// forOrganisation reports whether the actor registers for an organisation
// (a member, or a client with registrations:write) that r's person belongs to.
func forOrganisation(actor domain.Actor, r Registration) bool {
	return (actor.Is(domain.RoleMember) || registersForOrganisation(actor)) && slices.Contains(r.OrganisationIDs, actor.OrganisationID)
}

// Registrations lists the meeting's registrations the caller may see, in
// order: registered first, then the waitlist.
func (s *Service) Registrations(ctx context.Context, meetingID string) ([]Registration, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to see registrations")
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return nil, err
	}
	regs, err := s.store.Registrations(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	var out []Registration
	for _, r := range numbered(regs) {
		if r.Status == Cancelled {
			continue
		}
		if actor.Is(domain.RoleAdmin, domain.RoleEditor) || (actor.PersonID != "" && actor.PersonID == r.PersonID) || forOrganisation(actor, r) {
			if actor.Client && !actor.HasScope(domain.ScopePeopleRead) {
				// Names are people:read's to give, whatever their consent.
				r.PersonName = ""
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// ListRegistrations pages registrations across meetings, newest first: an
// organisation's people's, or a person's. Editors and admins see every
// registration; a member, or a partner's client with registrations:write,
// its own organisation's people's (a client without people:read without
// their names); a signed-in person their own. Without organisation or
// person, the caller gets what it may see: its organisation's, or its own.
func (s *Service) ListRegistrations(ctx context.Context, req RegistrationListRequest) (domain.Page[Registration], error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return domain.Page[Registration]{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to see registrations")
	}
	var p domain.Problems
	q := RegistrationQuery{PersonID: strings.TrimSpace(req.Person), Status: req.Status, Cursor: req.Cursor, Today: domain.Today(s.now())}
	if ref := strings.TrimSpace(req.Organisation); ref != "" {
		orgs := organisation.NewResolver(ctx, s.orgs, &p)
		o, _ := orgs.Resolve(ref, "organisation")
		if err := orgs.Err(); err != nil {
			return domain.Page[Registration]{}, err
		}
		q.OrganisationID = o.ID
	}
	if q.Status != "" && !slices.Contains([]RegistrationStatus{Registered, Waitlisted, Cancelled}, q.Status) {
		p.Add("status", "must be one of registered, waitlisted, cancelled")
	}
	q.PageSize = domain.PageSize(req.PageSize, &p)
	if err := p.Err(); err != nil {
		return domain.Page[Registration]{}, err
	}
	forOrg := actor.Is(domain.RoleMember) || registersForOrganisation(actor)
	switch {
	case actor.Is(domain.RoleAdmin, domain.RoleEditor):
	case q.OrganisationID != "":
		if !forOrg || q.OrganisationID != actor.OrganisationID {
			return domain.Page[Registration]{}, domain.Errorf(domain.CodeForbidden, "a member, or a partner's client with registrations:write, sees its own organisation's registrations")
		}
	case q.PersonID != "" && q.PersonID == actor.PersonID:
	case forOrg && actor.OrganisationID != "":
		// Someone else's, or everyone's: as far as they are the organisation's people.
		q.OrganisationID = actor.OrganisationID
	case q.PersonID == "" && actor.PersonID != "":
		q.PersonID = actor.PersonID
	default:
		return domain.Page[Registration]{}, domain.Errorf(domain.CodeForbidden, "a person sees their own registrations, a member its organisation's")
	}
	page, err := s.store.ListRegistrations(ctx, q)
	if err != nil {
		return domain.Page[Registration]{}, err
	}
	if actor.Client && !actor.HasScope(domain.ScopePeopleRead) {
		for i := range page.Items {
			page.Items[i].PersonName = "" // names are people:read's to give
		}
	}
	return page, nil
}

// CancelRegistration cancels a registration; the first on the waitlist
// takes the freed place.
func (s *Service) CancelRegistration(ctx context.Context, meetingID, registrationID string) error {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return domain.Errorf(domain.CodeUnauthenticated, "sign in to cancel a registration")
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		m, r, err := s.lockRegistration(ctx, meetingID, registrationID)
		if err != nil {
			return err
		}
		if !actor.Is(domain.RoleAdmin, domain.RoleEditor) && (actor.PersonID == "" || actor.PersonID != r.PersonID) && !forOrganisation(actor, r) {
			return domain.Errorf(domain.CodeForbidden, "only the person, their organisation or an editor may cancel this registration")
		}
		if !s.now().Before(m.StartsAt) {
			return domain.Errorf(domain.CodeConflict, "the meeting has started; registrations can no longer be cancelled")
		}
		return s.cancel(ctx, m, r, actor)
	})
}

// cancel cancels r and gives its place to the waitlist. The caller holds
// the meeting's lock.
func (s *Service) cancel(ctx context.Context, m Meeting, r Registration, actor domain.Actor) error {
	now := domain.Timestamp(s.now)
	r.Status = Cancelled
	if err := s.store.UpdateRegistration(ctx, r, domain.Change{Resource: "registration", ResourceID: r.ID, Action: domain.ActionUpdate,
		Actor: actor.Subject, Fields: []string{"status"}, At: now}); err != nil {
		return err
	}
	return s.fill(ctx, m, actor, now)
}

// fill moves waitlisted people up, in the order they registered, while the
// meeting has places. The caller holds the meeting's lock.
func (s *Service) fill(ctx context.Context, m Meeting, actor domain.Actor, now time.Time) error {
	regs, err := s.store.Registrations(ctx, m.ID)
	if err != nil {
		return err
	}
	registered := 0
	for _, r := range regs {
		if r.Status == Registered {
			registered++
		}
	}
	for _, r := range regs {
		if r.Status != Waitlisted || (m.Capacity > 0 && registered >= m.Capacity) {
			continue
		}
		r.Status = Registered
		registered++
		if err := s.store.UpdateRegistration(ctx, r, domain.Change{Resource: "registration", ResourceID: r.ID,
			Action: domain.ActionUpdate, Actor: actor.Subject, Fields: []string{"status"}, At: now}); err != nil {
			return err
		}
	}
	return nil
}

// MarkAttendance records whether a registered person attended, once the
// meeting has started. Editors and admins.
func (s *Service) MarkAttendance(ctx context.Context, meetingID, registrationID string, attended bool) (Registration, error) {
	actor, err := requireEditor(ctx, "mark attendance")
	if err != nil {
		return Registration{}, err
	}
	var out Registration
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		m, r, err := s.lockRegistration(ctx, meetingID, registrationID)
		if err != nil {
			return err
		}
		if s.now().Before(m.StartsAt) || m.Status == StatusCancelled {
			return domain.Errorf(domain.CodeConflict, "attendance is marked after the meeting has started")
		}
		if r.Status != Registered {
			return domain.Errorf(domain.CodeConflict, "only registered people (not the waitlist) can attend")
		}
		r.Attended = &attended
		out = r
		return s.store.UpdateRegistration(ctx, r, domain.Change{Resource: "registration", ResourceID: r.ID, Action: domain.ActionUpdate,
			Actor: actor.Subject, Fields: []string{"attended"}, At: domain.Timestamp(s.now)})
	})
	return out, err
}

// numbered sets waitlist positions; regs come in registration order.
func numbered(regs []Registration) []Registration {
	pos := 0
	for i := range regs {
		if regs[i].Status == Waitlisted {
			pos++
			regs[i].WaitlistPosition = pos
		}
	}
	return regs
}

// lockRegistration holds the meeting until the transaction ends, as every
// change to its registrations does, and returns it with its registration id;
// a cancelled registration is not found.
func (s *Service) lockRegistration(ctx context.Context, meetingID, registrationID string) (Meeting, Registration, error) {
	m, err := s.store.LockMeeting(ctx, meetingID)
	if err != nil {
		return Meeting{}, Registration{}, err
	}
	regs, err := s.store.Registrations(ctx, meetingID)
	if err != nil {
		return Meeting{}, Registration{}, err
	}
	for _, r := range regs {
		if r.ID == registrationID && r.Status != Cancelled {
			return m, r, nil
		}
	}
	return Meeting{}, Registration{}, domain.Errorf(domain.CodeNotFound, "no registration %s for this meeting", registrationID)
}
