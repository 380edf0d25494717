package meeting

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Filter narrows a list of meetings.
type Filter struct {
	From           time.Time // meetings ending at or after
	To             time.Time // meetings starting before
	Status         Status
	Format         Format
	OrganisationID string // host or guest chair
	GuestChairID   string
	Q              string
	UpdatedSince   time.Time // only items updated at or after it; zero: any
}

// Query is one page request, or every meeting that matches when All is set.
type Query struct {
	Filter     Filter
	Descending bool
	PageSize   int
	Cursor     string
	All        bool
}

// ListRequest is a caller's request, with organisations by id or code.
type ListRequest struct {
	Filter       Filter
	Organisation string
	GuestChair   string
	Descending   bool
	PageSize     int
	Cursor       string
	All          bool // every meeting that matches, unpaged (a feed)
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListMeetings(ctx context.Context, q Query) (domain.Page[Meeting], error)
	// EachMeeting calls fn for every meeting q selects, in order, from one
	// query, and stops at fn's first error.
	EachMeeting(ctx context.Context, q Query, fn func(Meeting) error) error
	GetMeeting(ctx context.Context, id string) (Meeting, error)
	CreateMeeting(ctx context.Context, m Meeting, c domain.Change) error
	UpdateMeeting(ctx context.Context, m Meeting, c domain.Change) error
	DeleteMeeting(ctx context.Context, m Meeting, c domain.Change) error
	// PutReport writes the report and its version, as the current one, and
	// bumps the meeting to m.Version.
	PutReport(ctx context.Context, m Meeting, c domain.Change) error
	ReportVersions(ctx context.Context, meetingID string) ([]ReportVersion, error)
	RegistrationStore
	SubmissionStore
}

type organisations interface {
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
	List(ctx context.Context, q organisation.Query) (domain.Page[organisation.Organisation], error)
}

// Service applies the rules for meetings.
type Service struct {
	store  Store
	orgs   organisations
	people people
	now    domain.Clock
}

// NewService returns a meeting service.
func NewService(store Store, orgs organisations, people people, now domain.Clock) *Service {
	return &Service{store: store, orgs: orgs, people: people, now: now}
}

// Upcoming are the planned and confirmed meetings that have not ended yet,
// soonest first, at most limit of them; organisation narrows them to the
// meetings it takes part in.
func (s *Service) Upcoming(ctx context.Context, organisation string, limit int) ([]Meeting, error) {
	now := s.now()
	var all []Meeting
	for _, st := range []Status{StatusPlanned, StatusConfirmed} {
		req := ListRequest{Organisation: organisation, PageSize: limit}
		req.Filter.From, req.Filter.Status = now, st
		page, err := s.List(ctx, req)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
	}
	slices.SortFunc(all, func(a, b Meeting) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return all[:min(len(all), limit)], nil
}

// List returns one page of meetings in order of start. Public.
func (s *Service) List(ctx context.Context, req ListRequest) (domain.Page[Meeting], error) {
	q, err := s.query(ctx, req)
	if err != nil {
		return domain.Page[Meeting]{}, err
	}
	return s.store.ListMeetings(ctx, q)
}

// Each calls fn for every meeting the request selects, in the list's order,
// as the store reads them from one query: an export of any size in
// constant memory. Paging does not apply. Public.
func (s *Service) Each(ctx context.Context, req ListRequest, fn func(Meeting) error) error {
	req.All, req.PageSize, req.Cursor = true, 0, ""
	q, err := s.query(ctx, req)
	if err != nil {
		return err
	}
	return s.store.EachMeeting(ctx, q, fn)
}

// query checks a list request and resolves its organisations.
func (s *Service) query(ctx context.Context, req ListRequest) (Query, error) {
	var p domain.Problems
	f := req.Filter
	f.Q = strings.TrimSpace(f.Q)
	orgs := organisation.NewResolver(ctx, s.orgs, &p)
	if strings.TrimSpace(req.Organisation) != "" {
		o, _ := orgs.Resolve(req.Organisation, "organisation")
		f.OrganisationID = o.ID
	}
	if strings.TrimSpace(req.GuestChair) != "" {
		o, _ := orgs.Resolve(req.GuestChair, "guestChair")
		f.GuestChairID = o.ID
	}
	if err := orgs.Err(); err != nil {
		return Query{}, err
	}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		p.Add("status", "must be one of "+domain.OneOf(statuses))
	}
	if f.Format != "" && !slices.Contains(formats, f.Format) {
		p.Add("format", "must be one of "+domain.OneOf(formats))
	}
	size := 0
	if !req.All {
		size = domain.PageSize(req.PageSize, &p)
	}
	if err := p.Err(); err != nil {
		return Query{}, err
	}
	return Query{Filter: f, Descending: req.Descending, PageSize: size, Cursor: req.Cursor, All: req.All}, nil
}

// Get returns one meeting. Public.
func (s *Service) Get(ctx context.Context, id string) (Meeting, error) {
	return s.store.GetMeeting(ctx, id)
}

func requireEditor(ctx context.Context, action string) (domain.Actor, error) {
	a := domain.ActorFrom(ctx)
	return a, a.Require(action, domain.RoleAdmin, domain.RoleEditor)
}

// Create plans a meeting. Editors and admins.
func (s *Service) Create(ctx context.Context, in Input) (Meeting, error) {
	actor, err := requireEditor(ctx, "plan meetings")
	if err != nil {
		return Meeting{}, err
	}
	now := domain.Timestamp(s.now)
	m := Meeting{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}
	m, err = s.build(ctx, m, in, true)
	if err != nil {
		return Meeting{}, err
	}
	err = s.store.CreateMeeting(ctx, m, domain.Change{Resource: "meeting", ResourceID: m.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: changedFields(Meeting{}, m), Version: 1, At: now})
	return m, err
}

// Replace sets every field of the meeting. Editors and admins.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Meeting, error) {
	actor, err := requireEditor(ctx, "change meetings")
	if err != nil {
		return Meeting{}, err
	}
	return s.replace(ctx, actor, id, in, pre)
}

// Update changes the meeting with change, which gets the current state as
// input (for a JSON Merge Patch) and runs before the write's transaction
// opens. Editors and admins.
func (s *Service) Update(ctx context.Context, id string, change func(current Input) (Input, error), pre domain.Precondition) (Meeting, error) {
	actor, err := requireEditor(ctx, "change meetings")
	if err != nil {
		return Meeting{}, err
	}
	return domain.Patch(ctx, pre, func(ctx context.Context) (Meeting, error) { return s.store.GetMeeting(ctx, id) }, nil,
		func(current Meeting) (Input, error) { return change(current.AsInput()) },
		func(ctx context.Context, id string, in Input, at domain.Precondition) (Meeting, error) {
			return s.replace(ctx, actor, id, in, at)
		})
}

// replace writes in over the meeting id for actor, whose role the caller
// checked.
func (s *Service) replace(ctx context.Context, actor domain.Actor, id string, in Input, pre domain.Precondition) (Meeting, error) {
	var saved *Meeting // as stored, with the places a new capacity gave out
	updated, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Meeting]{
		Resource: "meeting",
		Load:     func(ctx context.Context) (Meeting, error) { return s.store.GetMeeting(ctx, id) },
		Change: func(ctx context.Context, current Meeting) (Meeting, error) {
			in.Example = current.Example
			return s.build(ctx, current, in, false)
		},
		Diff: changedFields,
		Save: func(ctx context.Context, next Meeting, c domain.Change) error {
			if err := s.store.UpdateMeeting(ctx, next, c); err != nil {
				return err
			}
			if slices.Contains(c.Fields, "capacity") && (next.Status == StatusPlanned || next.Status == StatusConfirmed) {
				// A lower capacity may leave confirmed people without a
				// place, a higher one frees places for the waitlist; once
				// held or cancelled, the registrations are history.
				if _, err := s.store.LockMeeting(ctx, id); err != nil {
					return err
				}
				if err := s.overflow(ctx, next, in.Overflow, actor, c.At); err != nil {
					return err
				}
				if err := s.fill(ctx, next, actor, c.At); err != nil {
					return err
				}
			}
			m, err := s.store.GetMeeting(ctx, id)
			saved = &m
			return err
		},
	})
	if err == nil && saved != nil {
		updated = *saved
	}
	return updated, err
}

// Delete removes a meeting entered by mistake. Editors and admins.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	if _, err := requireEditor(ctx, "delete meetings"); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Meeting]{
		Resource: "meeting",
		Load:     func(ctx context.Context) (Meeting, error) { return s.store.GetMeeting(ctx, id) },
		Remove: func(ctx context.Context, m Meeting, c domain.Change) error {
			if m.RegisteredCount+m.WaitlistCount > 0 || m.Report != nil {
				return domain.Errorf(domain.CodeConflict, "the meeting has registrations or a report; cancel it instead")
			}
			return s.store.DeleteMeeting(ctx, m, c)
		},
	})
}

// ReportInput is the report as recorded.
type ReportInput struct {
	URL            string
	PublishedOn    time.Time
	Summary        string
	Language       string
	Licence        string
	CorrectionNote string // what a new version corrects
}

// PutReport records the published report of a held meeting, or corrects
// it: a report that differs from the current one (or replaces a retracted
// one) becomes its next version, and the earlier versions are kept. The
// same report again changes nothing. Editors and admins. It needs no
// If-Match: the report is set as a whole.
func (s *Service) PutReport(ctx context.Context, id string, in ReportInput) (Meeting, error) {
	if _, err := requireEditor(ctx, "record reports"); err != nil {
		return Meeting{}, err
	}
	var p domain.Problems
	in.Language = domain.CheckPublished(in.URL, in.PublishedOn, in.Language, &p)
	in.Summary, in.Licence, in.CorrectionNote = strings.TrimSpace(in.Summary), strings.TrimSpace(in.Licence), strings.TrimSpace(in.CorrectionNote)
	if err := p.Err(); err != nil {
		return Meeting{}, err
	}
	return s.writeReport(ctx, id, func(m Meeting) (Meeting, error) {
		if m.Status != StatusHeld {
			return Meeting{}, domain.Errorf(domain.CodeConflict, "a report is recorded once the meeting is held; it is %s", m.Status)
		}
		if domain.Day(in.PublishedOn).Before(m.Day()) {
			return Meeting{}, (domain.Problems{{Name: "publishedOn", Reason: "must not be before the meeting"}}).Err()
		}
		r := Report{PublicationID: uuid.Must(uuid.NewV7()).String(), URL: in.URL, PublishedOn: domain.Day(in.PublishedOn),
			Summary: in.Summary, Language: in.Language, Licence: in.Licence, Version: 1}
		if old := m.Report; old != nil {
			if !old.Retracted() && old.URL == r.URL && old.PublishedOn.Equal(r.PublishedOn) && old.Summary == r.Summary &&
				old.Language == r.Language && old.Licence == r.Licence {
				return m, nil // the same report: no new version
			}
			r.PublicationID, r.CreatedAt, r.Version, r.CorrectionNote = old.PublicationID, old.CreatedAt, old.Version+1, in.CorrectionNote
		}
		m.Report = &r
		return m, nil
	})
}

// RetractReport withdraws the meeting's report, with the reason: it stays
// readable, marked retracted, but is no longer evidence of the meeting. A
// corrected report put afterwards replaces it. Editors and admins.
func (s *Service) RetractReport(ctx context.Context, id, reason string) (Meeting, error) {
	if _, err := requireEditor(ctx, "retract reports"); err != nil {
		return Meeting{}, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Meeting{}, (domain.Problems{{Name: "reason", Reason: "must not be empty"}}).Err()
	}
	return s.writeReport(ctx, id, func(m Meeting) (Meeting, error) {
		switch {
		case m.Report == nil:
			return Meeting{}, domain.Errorf(domain.CodeNotFound, "the meeting has no report to retract")
		case m.Report.Retracted():
			return Meeting{}, domain.Errorf(domain.CodeConflict, "the report was retracted already, on %s", m.Report.RetractedAt.UTC().Format(time.RFC3339))
		}
		r := *m.Report
		r.RetractionReason = reason
		r.RetractedAt = domain.Timestamp(s.now) // the write's time replaces it below
		m.Report = &r
		return m, nil
	})
}

// ReportVersions lists every version of the meeting's report, newest
// first; none when it has no report. Public.
func (s *Service) ReportVersions(ctx context.Context, id string) ([]ReportVersion, error) {
	if _, err := s.store.GetMeeting(ctx, id); err != nil {
		return nil, err
	}
	return s.store.ReportVersions(ctx, id)
}

// writeReport changes the meeting's report with change and writes it, with
// the report's times (and a retraction's) those of the write.
func (s *Service) writeReport(ctx context.Context, id string, change func(m Meeting) (Meeting, error)) (Meeting, error) {
	var saved *Meeting
	updated, err := domain.Update(ctx, s.store, s.now, domain.Precondition{Present: true, Any: true}, domain.Edit[Meeting]{
		Resource: "meeting",
		Load:     func(ctx context.Context) (Meeting, error) { return s.store.GetMeeting(ctx, id) },
		Change:   func(_ context.Context, m Meeting) (Meeting, error) { return change(m) },
		Diff: func(a, b Meeting) domain.Diff {
			if a.Report == b.Report {
				return nil
			}
			return domain.Diff{"report"}
		},
		Save: func(ctx context.Context, m Meeting, c domain.Change) error {
			r := *m.Report
			if r.CreatedAt.IsZero() {
				r.CreatedAt = c.At
			}
			if r.Retracted() {
				r.RetractedAt = c.At
			}
			r.UpdatedAt = c.At
			m.Report = &r
			saved = &m
			return s.store.PutReport(ctx, m, c)
		},
	})
	if err == nil && saved != nil {
		updated = *saved
	}
	return updated, err
}

// build validates the input against the rules and the meeting's current
// status, resolving organisations; every problem is reported at once.
func (s *Service) build(ctx context.Context, m Meeting, in Input, creating bool) (Meeting, error) {
	var p domain.Problems
	in.Title, in.Topic, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Topic), strings.TrimSpace(in.Description)
	in.CancellationReason = strings.TrimSpace(in.CancellationReason)
	if in.Title == "" {
		p.Add("title", "must not be empty")
	}
	if in.Topic == "" {
		p.Add("topic", "must not be empty")
	}
	if !slices.Contains(formats, in.Format) {
		p.Add("format", "must be one of "+domain.OneOf(formats))
	}
	if in.TimeZone == "" {
		in.TimeZone = TimeZone
	}
	if in.TimeZone != TimeZone {
		p.Add("timeZone", "must be Europe/Amsterdam")
	}
	if in.StartsAt.IsZero() {
		p.Add("startsAt", "is required")
	}
	if !in.EndsAt.After(in.StartsAt) {
		p.Add("endsAt", "must be after startsAt")
	}
	if in.OnlineURL != "" && !domain.IsWebURL(in.OnlineURL) {
		p.Add("onlineUrl", "must be an absolute http or https URL")
	}
	if in.Capacity < 0 {
		p.Add("capacity", "must be at least 1")
	}
	if in.Overflow != "" && in.Overflow != OverflowWaitlist && in.Overflow != OverflowCancel {
		p.Add("overflow", "must be waitlist or cancel")
	}
	in.RegistrationOpensAt, in.RegistrationClosesAt = domain.Instant(in.RegistrationOpensAt), domain.Instant(in.RegistrationClosesAt)
	registrationWindow(in, &p)
	if in.Status == "" {
		in.Status = StatusPlanned
		if !creating {
			in.Status = m.Status
		}
	}
	if !slices.Contains(statuses, in.Status) {
		p.Add("status", "must be one of "+domain.OneOf(statuses))
	}
	tags := make([]string, 0, len(in.Tags))
	for _, t := range in.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}

	next := m
	next.Sequence, next.Title, next.Topic, next.Description, next.Tags = in.Sequence, in.Title, in.Topic, in.Description, tags
	// Microseconds: what both databases keep, so a stored meeting equals the one returned.
	next.Format, next.StartsAt, next.EndsAt, next.TimeZone = in.Format, domain.Instant(in.StartsAt), domain.Instant(in.EndsAt), in.TimeZone
	next.OnlineURL, next.Capacity, next.Status, next.Example = strings.TrimSpace(in.OnlineURL), in.Capacity, in.Status, in.Example
	next.RegistrationOpensAt, next.RegistrationClosesAt = in.RegistrationOpensAt, in.RegistrationClosesAt
	next.CancellationReason = ""
	if in.Status == StatusCancelled {
		next.CancellationReason = in.CancellationReason
	}
	orgs := organisation.NewResolver(ctx, s.orgs, &p)
	next.Details = details(in, orgs, &p)
	next.Venue = nil
	if in.Venue != nil {
		v := &Venue{Name: strings.TrimSpace(in.Venue.Name), Address: strings.TrimSpace(in.Venue.Address), City: strings.TrimSpace(in.Venue.City)}
		if v.Name == "" {
			p.Add("venue.name", "must not be empty")
		}
		if in.Venue.Host != "" {
			v.Host, _ = orgs.Resolve(in.Venue.Host, "venue.hostOrganisation")
		}
		next.Venue = v
	}
	next.GuestChair = nil
	if in.GuestChair != "" {
		if o, ok := orgs.Find(in.GuestChair, "guestChair"); ok {
			ref := o.Ref()
			switch {
			case o.Kind != organisation.KindMunicipality:
				p.Add("guestChair", "must be a municipality; "+o.Code+" is a "+string(o.Kind))
			case !in.StartsAt.IsZero() && !o.ActiveOn(domain.Today(in.StartsAt)):
				p.Add("guestChair", fmt.Sprintf("%s is not an active member of the network on %s", o.Code, domain.Today(in.StartsAt).Format(time.DateOnly)))
			}
			next.GuestChair = &ref
		}
	}
	// What each status requires.
	switch in.Status {
	case StatusConfirmed, StatusHeld:
		if in.GuestChair == "" {
			p.Add("guestChair", "a "+string(in.Status)+" meeting needs a guest chair")
		}
		if in.Venue == nil && in.OnlineURL == "" {
			p.Add("venue", "a "+string(in.Status)+" meeting needs a venue or an online link")
		}
		if in.Status == StatusHeld && !in.StartsAt.IsZero() && s.now().Before(in.StartsAt) {
			p.Add("status", "a meeting can be held only once it has started")
		}
	case StatusCancelled:
		if in.CancellationReason == "" {
			p.Add("cancellationReason", "a cancelled meeting needs a reason")
		}
	}
	if err := orgs.Err(); err != nil {
		return Meeting{}, err
	}
	if err := p.Err(); err != nil {
		return Meeting{}, err
	}
	if !creating {
		if err := transition(m.Status, in.Status); err != nil {
			return Meeting{}, err
		}
	}
	return next, nil
}

// registrationWindow checks the times the coordinator set for registration:
// it opens before it closes, and closes no later than the meeting starts.
func registrationWindow(in Input, p *domain.Problems) {
	opens, closes := in.RegistrationOpensAt, in.RegistrationClosesAt
	switch {
	case !opens.IsZero() && !closes.IsZero() && !opens.Before(closes):
		p.Add("registrationClosesAt", "must be after registrationOpensAt")
	case !opens.IsZero() && closes.IsZero() && !in.StartsAt.IsZero() && !opens.Before(in.StartsAt):
		p.Add("registrationOpensAt", "must be before startsAt")
	}
	if !closes.IsZero() && !in.StartsAt.IsZero() && closes.After(in.StartsAt) {
		p.Add("registrationClosesAt", "must not be after startsAt")
	}
}

// transition refuses status changes the life cycle does not allow.
func transition(from, to Status) error {
	if from == to {
		return nil
	}
	allowed := map[Status][]Status{
		StatusPlanned:   {StatusConfirmed, StatusHeld, StatusCancelled},
		StatusConfirmed: {StatusPlanned, StatusHeld, StatusCancelled},
	}
	if slices.Contains(allowed[from], to) {
		return nil
	}
	return &domain.Error{Code: domain.CodeConflict, Message: fmt.Sprintf("a %s meeting cannot become %s", from, to),
		Fields: []domain.FieldError{{Name: "status", Reason: fmt.Sprintf("cannot change from %s to %s", from, to)}}}
}

func details(in Input, orgs *organisation.Resolver, p *domain.Problems) *Details {
	d := in.Details
	if d == nil {
		switch in.Format {
		case FormatConference:
			p.Add("details", "a conference needs its call for papers")
		case FormatLab:
			p.Add("details", "an Open Government lab needs its case")
		case FormatResidents:
			p.Add("details", "a residents' meeting needs its town hall")
		}
		return nil
	}
	if d.Format != in.Format {
		p.Add("details.format", "must equal the meeting's format, "+string(in.Format))
		return nil
	}
	out := &Details{Format: d.Format}
	switch d.Format {
	case FormatKnowledgeSession:
		for i, e := range d.Experts {
			e.Name, e.Affiliation = strings.TrimSpace(e.Name), strings.TrimSpace(e.Affiliation)
			if e.Name == "" {
				p.Add(fmt.Sprintf("details.experts[%d].name", i), "must not be empty")
			}
			out.Experts = append(out.Experts, e)
		}
	case FormatLab:
		out.Case = strings.TrimSpace(d.Case)
		if out.Case == "" {
			p.Add("details.case", "must not be empty")
		}
		if d.CaseOwner != "" {
			out.CaseOwner, _ = orgs.Resolve(d.CaseOwner, "details.caseOwner")
		}
	case FormatConference:
		out.CallOpensOn, out.CallClosesOn = domain.Day(d.CallOpensOn), domain.Day(d.CallClosesOn)
		if d.CallOpensOn.IsZero() || d.CallClosesOn.IsZero() {
			p.Add("details.callForPapers", "needs opensOn and closesOn")
		} else if out.CallClosesOn.Before(out.CallOpensOn) {
			p.Add("details.callForPapers.closesOn", "must not be before opensOn")
		} else if !in.StartsAt.IsZero() && out.CallClosesOn.After(domain.Today(in.StartsAt)) {
			p.Add("details.callForPapers.closesOn", "must not be after the conference starts")
		}
	case FormatResidents:
		out.TownHall = strings.TrimSpace(d.TownHall)
		if out.TownHall == "" {
			p.Add("details.townHall", "must not be empty")
		}
		out.OpenToResidents = d.OpenToResidents == nil || *d.OpenToResidents
	default:
		p.Add("details", "a meeting of format other has no details")
		return nil
	}
	return out
}

// changedFields names the fields that differ, for the change record.
func changedFields(a, b Meeting) domain.Diff {
	var f domain.Diff
	f.Add(a.Sequence != b.Sequence, "sequence")
	f.Add(a.Title != b.Title, "title")
	f.Add(a.Topic != b.Topic, "topic")
	f.Add(a.Description != b.Description, "description")
	f.Add(!slices.Equal(a.Tags, b.Tags), "tags")
	f.Add(a.Format != b.Format, "format")
	f.Add(!sameDetails(a.Details, b.Details), "details")
	f.Add(!a.StartsAt.Equal(b.StartsAt), "startsAt")
	f.Add(!a.EndsAt.Equal(b.EndsAt), "endsAt")
	f.Add(a.TimeZone != b.TimeZone, "timeZone")
	f.Add(!sameVenue(a.Venue, b.Venue), "venue")
	f.Add(a.OnlineURL != b.OnlineURL, "onlineUrl")
	f.Add(!sameOrg(a.GuestChair, b.GuestChair), "guestChair")
	f.Add(a.Capacity != b.Capacity, "capacity")
	f.Add(!a.RegistrationOpensAt.Equal(b.RegistrationOpensAt), "registrationOpensAt")
	f.Add(!a.RegistrationClosesAt.Equal(b.RegistrationClosesAt), "registrationClosesAt")
	f.Add(a.Status != b.Status, "status")
	f.Add(a.CancellationReason != b.CancellationReason, "cancellationReason")
	return f
}

func sameDetails(a, b *Details) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Format == b.Format && slices.Equal(a.Experts, b.Experts) && a.Case == b.Case && a.CaseOwner.ID == b.CaseOwner.ID &&
		a.CallOpensOn.Equal(b.CallOpensOn) && a.CallClosesOn.Equal(b.CallClosesOn) &&
		a.TownHall == b.TownHall && a.OpenToResidents == b.OpenToResidents
}

func sameVenue(a, b *Venue) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && a.Address == b.Address && a.City == b.City && a.Host.ID == b.Host.ID
}

func sameOrg(a, b *organisation.Ref) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID
}
