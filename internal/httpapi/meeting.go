package httpapi

import (
	"context"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// meetings is what the handlers need of the meeting service.
type meetings interface {
	List(ctx context.Context, req meeting.ListRequest) (domain.Page[meeting.Meeting], error)
	Each(ctx context.Context, req meeting.ListRequest, fn func(meeting.Meeting) error) error
	Upcoming(ctx context.Context, organisation string, limit int) ([]meeting.Meeting, error)
	Get(ctx context.Context, id string) (meeting.Meeting, error)
	Create(ctx context.Context, in meeting.Input) (meeting.Meeting, error)
	Replace(ctx context.Context, id string, in meeting.Input, pre domain.Precondition) (meeting.Meeting, error)
	Update(ctx context.Context, id string, change func(meeting.Input) (meeting.Input, error), pre domain.Precondition) (meeting.Meeting, error)
	Delete(ctx context.Context, id string, pre domain.Precondition) error
	PutReport(ctx context.Context, id string, in meeting.ReportInput) (meeting.Meeting, error)
	RetractReport(ctx context.Context, id, reason string) (meeting.Meeting, error)
	ReportVersions(ctx context.Context, id string) ([]meeting.ReportVersion, error)
	Register(ctx context.Context, meetingID, personID string) (meeting.Registration, error)
	Registrations(ctx context.Context, meetingID string) ([]meeting.Registration, error)
	ListRegistrations(ctx context.Context, req meeting.RegistrationListRequest) (domain.Page[meeting.Registration], error)
	CancelRegistration(ctx context.Context, meetingID, registrationID string) error
	MarkAttendance(ctx context.Context, meetingID, registrationID string, attended bool) (meeting.Registration, error)
	submissions // the call for papers (submission.go)
	Health(ctx context.Context, from, to time.Time) (meeting.Health, error)
}

// ListMeetings serves GET /meetings.
func (s *Server) ListMeetings(ctx context.Context, req api.ListMeetingsRequestObject) (api.ListMeetingsResponseObject, error) {
	p := req.Params
	// format carries the meeting-format filter; a request for an export
	// (csv, ndjson) was routed to ExportMeetings before it got here.
	var meetingFormat *api.MeetingFormat
	for _, f := range deref(p.Format) {
		switch v := string(f); v {
		case formatJSON, formatCSV, formatNDJSON:
		default:
			if meetingFormat != nil {
				return nil, (domain.Problems{{Name: "format", Reason: "give at most one meeting format"}}).Err()
			}
			meetingFormat = ptr(api.MeetingFormat(v))
		}
	}
	lr, err := meetingListRequest(p.From, p.To, p.Status, meetingFormat, p.Organisation, p.GuestChair, p.Q)
	if err != nil {
		return nil, err
	}
	lr.Descending = p.Sort != nil && *p.Sort == api.ListMeetingsParamsSortMinusStartsAt
	lr.PageSize, lr.Cursor = deref(p.PageSize), deref(p.Cursor)
	lr.Filter.UpdatedSince = deref(p.UpdatedSince)
	now := s.now()
	page, err := s.meetings.List(ctx, lr)
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, func(m meeting.Meeting) (api.Meeting, error) { return toAPIMeeting(m, now) })
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListMeetings200JSONResponse{Body: api.MeetingPage{Items: items, NextCursor: cursor},
		Headers: api.ListMeetings200ResponseHeaders{Link: link}}, nil
}

// ExportMeetings serves GET /meetings/export: every meeting the filters
// select, as CSV or NDJSON.
func (s *Server) ExportMeetings(ctx context.Context, req api.ExportMeetingsRequestObject) (api.ExportMeetingsResponseObject, error) {
	p := req.Params
	lr, err := meetingListRequest(p.From, p.To, p.Status, p.MeetingFormat, p.Organisation, p.GuestChair, p.Q)
	if err != nil {
		return nil, err
	}
	lr.Descending = p.Sort != nil && *p.Sort == api.ExportMeetingsParamsSortMinusStartsAt
	lr.Filter.UpdatedSince = deref(p.UpdatedSince)
	now := s.now()
	f := string(p.Format)
	body, err := stream(ctx, f, s.contract.columns("Meeting"), eachItem(
		func(fn func(meeting.Meeting) error) error { return s.meetings.Each(ctx, lr, fn) },
		func(m meeting.Meeting) (api.Meeting, error) { return toAPIMeeting(m, now) }))
	if err != nil {
		return nil, err
	}
	if f == formatCSV {
		return api.ExportMeetings200TextCsvResponse{Body: body}, nil
	}
	return api.ExportMeetings200ApplicationXNdjsonResponse{Body: body}, nil
}

// meetingListRequest reads the filters that the list and the feed share.
func meetingListRequest(from, to *string, status *api.MeetingStatus, format *api.MeetingFormat, org, chair, q *string) (meeting.ListRequest, error) {
	var p domain.Problems
	lr := meeting.ListRequest{Organisation: deref(org), GuestChair: deref(chair)}
	lr.Filter.From = instant(deref(from), false, "from", &p)
	lr.Filter.To = instant(deref(to), true, "to", &p)
	lr.Filter.Status = meeting.Status(deref(status))
	lr.Filter.Format = meeting.Format(deref(format))
	lr.Filter.Q = deref(q)
	return lr, p.Err()
}

// instant reads a date-time, or a date meaning the start (or, for an
// upper bound, the end) of that day in Amsterdam.
func instant(s string, endOfDay bool, param string, p *domain.Problems) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil && t.UTC().Year() >= minYear && t.UTC().Year() <= maxYear {
		return t.UTC()
	}
	d, err := time.ParseInLocation(time.DateOnly, s, domain.Amsterdam)
	if err != nil || d.Year() < minYear || d.Year() > maxYear {
		p.Add(param, "must be a date such as 2019-01-01 or a date-time such as 2019-01-01T09:00:00Z")
		return time.Time{}
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC()
}

// GetMeeting serves GET /meetings/{meeting}.
func (s *Server) GetMeeting(ctx context.Context, req api.GetMeetingRequestObject) (api.GetMeetingResponseObject, error) {
	m, err := s.meetings.Get(ctx, req.Meeting.String())
	if err != nil {
		return nil, err
	}
	resp, err := s.meetingOK(m)
	if err != nil {
		return nil, err
	}
	return api.GetMeeting200JSONResponse{MeetingOKJSONResponse: resp}, nil
}

// CreateMeeting serves POST /meetings.
func (s *Server) CreateMeeting(ctx context.Context, req api.CreateMeetingRequestObject) (api.CreateMeetingResponseObject, error) {
	in, err := toMeetingInput(*req.Body)
	if err != nil {
		return nil, err
	}
	m, err := s.meetings.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	body, err := toAPIMeeting(m, s.now())
	if err != nil {
		return nil, err
	}
	return api.CreateMeeting201JSONResponse{Body: body, Headers: api.CreateMeeting201ResponseHeaders{
		ETag: ptr(etag(m.Version)), Location: ptr(basePath + "/meetings/" + m.ID)}}, nil
}

// ReplaceMeeting serves PUT /meetings/{meeting}.
func (s *Server) ReplaceMeeting(ctx context.Context, req api.ReplaceMeetingRequestObject) (api.ReplaceMeetingResponseObject, error) {
	in, err := toMeetingInput(*req.Body)
	if err != nil {
		return nil, err
	}
	in.Overflow = meeting.Overflow(deref(req.Params.Overflow))
	m, err := s.meetings.Replace(ctx, req.Meeting.String(), in, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := s.meetingOK(m)
	if err != nil {
		return nil, err
	}
	return api.ReplaceMeeting200JSONResponse{MeetingOKJSONResponse: resp}, nil
}

// UpdateMeeting serves PATCH /meetings/{meeting}: a JSON Merge Patch applied
// to the current input, validated against MeetingInput like a PUT.
func (s *Server) UpdateMeeting(ctx context.Context, req api.UpdateMeetingRequestObject) (api.UpdateMeetingResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "MeetingInput", toAPIMeetingInput, toMeetingInput)
	overflow := meeting.Overflow(deref(req.Params.Overflow))
	change := func(current meeting.Input) (meeting.Input, error) {
		in, err := merge(current)
		in.Overflow = overflow // a parameter of the request, not a field of the meeting
		return in, err
	}
	m, err := s.meetings.Update(ctx, req.Meeting.String(), change, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := s.meetingOK(m)
	if err != nil {
		return nil, err
	}
	return api.UpdateMeeting200JSONResponse{MeetingOKJSONResponse: resp}, nil
}

// DeleteMeeting serves DELETE /meetings/{meeting}.
func (s *Server) DeleteMeeting(ctx context.Context, req api.DeleteMeetingRequestObject) (api.DeleteMeetingResponseObject, error) {
	if err := s.meetings.Delete(ctx, req.Meeting.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteMeeting204Response{}, nil
}

// PutMeetingReport serves PUT /meetings/{meeting}/report.
func (s *Server) PutMeetingReport(ctx context.Context, req api.PutMeetingReportRequestObject) (api.PutMeetingReportResponseObject, error) {
	b := req.Body
	m, err := s.meetings.PutReport(ctx, req.Meeting.String(), meeting.ReportInput{URL: b.URL, PublishedOn: b.PublishedOn.Time,
		Summary: deref(b.Summary), Language: deref(b.Language), Licence: deref(b.Licence), CorrectionNote: deref(b.CorrectionNote)})
	if err != nil {
		return nil, err
	}
	resp, err := s.meetingOK(m)
	if err != nil {
		return nil, err
	}
	return api.PutMeetingReport200JSONResponse{MeetingOKJSONResponse: resp}, nil
}

// RetractMeetingReport serves POST /meetings/{meeting}/report/retraction.
func (s *Server) RetractMeetingReport(ctx context.Context, req api.RetractMeetingReportRequestObject) (api.RetractMeetingReportResponseObject, error) {
	m, err := s.meetings.RetractReport(ctx, req.Meeting.String(), req.Body.Reason)
	if err != nil {
		return nil, err
	}
	resp, err := s.meetingOK(m)
	if err != nil {
		return nil, err
	}
	return api.RetractMeetingReport200JSONResponse{MeetingOKJSONResponse: resp}, nil
}

// ListMeetingReportVersions serves GET /meetings/{meeting}/report/versions.
func (s *Server) ListMeetingReportVersions(ctx context.Context, req api.ListMeetingReportVersionsRequestObject) (api.ListMeetingReportVersionsResponseObject, error) {
	versions, err := s.meetings.ReportVersions(ctx, req.Meeting.String())
	if err != nil {
		return nil, err
	}
	items := make([]api.ReportVersion, len(versions))
	for i, v := range versions {
		items[i] = api.ReportVersion{Version: v.Version, URL: v.URL, PublishedOn: apiDay(v.PublishedOn), Summary: optional(v.Summary),
			Language: v.Language, Licence: optional(v.Licence), CorrectionNote: optional(v.CorrectionNote), RecordedAt: v.RecordedAt.UTC(),
			RetractedAt: apiTime(v.RetractedAt), RetractionReason: optional(v.RetractionReason)}
	}
	return api.ListMeetingReportVersions200JSONResponse{Body: api.ReportVersionList{Items: items}}, nil
}

func (s *Server) meetingOK(m meeting.Meeting) (api.MeetingOKJSONResponse, error) {
	body, err := toAPIMeeting(m, s.now())
	return api.MeetingOKJSONResponse{Body: body, Headers: api.MeetingOKResponseHeaders{ETag: ptr(etag(m.Version))}}, err
}

func toAPIMeeting(m meeting.Meeting, now time.Time) (api.Meeting, error) {
	var ids ids
	out := api.Meeting{ID: ids.uuid(m.ID), Title: m.Title, Topic: m.Topic, Description: optional(m.Description),
		Format: api.MeetingFormat(m.Format), StartsAt: m.StartsAt.UTC(), EndsAt: m.EndsAt.UTC(), TimeZone: m.TimeZone,
		OnlineURL: optional(m.OnlineURL), Status: api.MeetingStatus(m.Status), CancellationReason: optional(m.CancellationReason),
		ReportOverdue: m.ReportOverdue(now), RegisteredCount: m.RegisteredCount, WaitlistCount: m.WaitlistCount,
		Sequence: optional(m.Sequence), Capacity: optional(m.Capacity), Revision: int(m.Version), Example: m.Example,
		RegistrationOpensAt: apiTime(m.RegistrationOpensAt), RegistrationClosesAt: apiTime(m.RegistrationClosesAt),
		RegistrationOpen: m.RegistrationOpen(now), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	if a, ok := m.Attendance(); ok {
		out.Attendance = &api.Attendance{Registered: a.Registered, Confirmed: a.Confirmed, Attended: a.Attended, NoShows: a.NoShows}
	}
	if len(m.Tags) > 0 {
		out.Tags = ptr(append([]string{}, m.Tags...))
	}
	if v := m.Venue; v != nil {
		out.Venue = &api.Venue{Name: v.Name, Address: optional(v.Address), City: optional(v.City)}
		if v.Host.ID != "" {
			out.Venue.HostOrganisation = ptr(ids.org(v.Host.ID, v.Host.Code, v.Host.Name))
		}
	}
	if c := m.GuestChair; c != nil {
		out.GuestChair = ptr(ids.org(c.ID, c.Code, c.Name))
	}
	if r := m.Report; r != nil {
		out.Report = &api.Report{PublicationID: ids.uuid(r.PublicationID), URL: r.URL, PublishedOn: apiDay(r.PublishedOn),
			Summary: optional(r.Summary), Language: r.Language, Licence: optional(r.Licence), Version: optional(r.Version),
			CorrectionNote: optional(r.CorrectionNote), RetractedAt: apiTime(r.RetractedAt), RetractionReason: optional(r.RetractionReason)}
	}
	if ids.err != nil {
		return api.Meeting{}, ids.err
	}
	programme, err := toAPIProgramme(m)
	if err != nil {
		return api.Meeting{}, err
	}
	out.Programme = programme
	if m.Details != nil {
		d, err := toAPIDetails(*m.Details)
		if err != nil {
			return api.Meeting{}, err
		}
		out.Details = d
	}
	return out, nil
}

// toAPIDetails is the details of a meeting's format; nil for a format without.
func toAPIDetails(d meeting.Details) (*api.MeetingDetails, error) {
	var v any
	switch d.Format {
	case meeting.FormatKnowledgeSession:
		experts := make([]api.Expert, len(d.Experts))
		for i, e := range d.Experts {
			experts[i] = api.Expert{Name: e.Name, Affiliation: optional(e.Affiliation)}
		}
		v = api.KnowledgeSessionDetails{Format: api.KnowledgeSessionDetailsFormat(d.Format), Experts: experts}
	case meeting.FormatLab:
		v = api.OpenGovernmentLabDetails{Format: api.OpenGovernmentLabDetailsFormat(d.Format), Case: d.Case, CaseOwner: optional(d.CaseOwner.Code)}
	case meeting.FormatConference:
		v = api.ConferenceDetails{Format: api.ConferenceDetailsFormat(d.Format),
			CallForPapers: api.CallForPapers{OpensOn: apiDay(d.CallOpensOn), ClosesOn: apiDay(d.CallClosesOn)}}
	case meeting.FormatResidents:
		v = api.ResidentsMeetingDetails{Format: api.ResidentsMeetingDetailsFormat(d.Format), TownHall: d.TownHall, OpenToResidents: ptr(d.OpenToResidents)}
	default:
		return nil, nil
	}
	out, err := rawUnion[api.MeetingDetails](v)
	if err != nil {
		return nil, fmt.Errorf("map the %s details: %w", d.Format, err)
	}
	return &out, nil
}

func toMeetingInput(b api.MeetingInput) (meeting.Input, error) {
	in := meeting.Input{Sequence: deref(b.Sequence), Title: b.Title, Topic: b.Topic, Description: deref(b.Description),
		Tags: deref(b.Tags), Format: meeting.Format(b.Format), StartsAt: b.StartsAt, EndsAt: b.EndsAt,
		TimeZone: string(deref(b.TimeZone)), OnlineURL: deref(b.OnlineURL), GuestChair: deref(b.GuestChair),
		Capacity: deref(b.Capacity), Status: meeting.Status(deref(b.Status)), CancellationReason: deref(b.CancellationReason),
		RegistrationOpensAt: deref(b.RegistrationOpensAt), RegistrationClosesAt: deref(b.RegistrationClosesAt)}
	if v := b.Venue; v != nil {
		in.Venue = &meeting.VenueInput{Name: v.Name, Address: deref(v.Address), City: deref(v.City), Host: deref(v.HostOrganisation)}
	}
	if b.Details != nil {
		d, err := detailsInput(*b.Details)
		if err != nil {
			return meeting.Input{}, err
		}
		in.Details = d
	}
	return in, nil
}

func detailsInput(d api.MeetingDetails) (*meeting.DetailsInput, error) {
	bad := (domain.Problems{{Name: "details", Reason: "does not match the fields of its format"}}).Err()
	format, err := d.Discriminator()
	if err != nil {
		return nil, bad
	}
	out := &meeting.DetailsInput{Format: meeting.Format(format)}
	switch meeting.Format(format) {
	case meeting.FormatKnowledgeSession:
		v, err := d.AsKnowledgeSessionDetails()
		if err != nil {
			return nil, bad
		}
		for _, e := range v.Experts {
			out.Experts = append(out.Experts, meeting.Expert{Name: e.Name, Affiliation: deref(e.Affiliation)})
		}
	case meeting.FormatLab:
		v, err := d.AsOpenGovernmentLabDetails()
		if err != nil {
			return nil, bad
		}
		out.Case, out.CaseOwner = v.Case, deref(v.CaseOwner)
	case meeting.FormatConference:
		v, err := d.AsConferenceDetails()
		if err != nil {
			return nil, bad
		}
		out.CallOpensOn, out.CallClosesOn = v.CallForPapers.OpensOn.Time, v.CallForPapers.ClosesOn.Time
	case meeting.FormatResidents:
		v, err := d.AsResidentsMeetingDetails()
		if err != nil {
			return nil, bad
		}
		out.TownHall, out.OpenToResidents = v.TownHall, v.OpenToResidents
	default:
		return nil, (domain.Problems{{Name: "details.format", Reason: "must be knowledge-session, open-government-lab, conference or residents-meeting"}}).Err()
	}
	return out, nil
}

// toAPIMeetingInput is the input form of a meeting, the document a merge patch applies to.
func toAPIMeetingInput(in meeting.Input) (api.MeetingInput, error) {
	out := api.MeetingInput{Title: in.Title, Topic: in.Topic, Description: optional(in.Description), Format: api.MeetingFormat(in.Format),
		StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), TimeZone: optional(api.MeetingInputTimeZone(in.TimeZone)),
		OnlineURL: optional(in.OnlineURL), GuestChair: optional(in.GuestChair), Status: optional(api.MeetingStatus(in.Status)),
		CancellationReason: optional(in.CancellationReason), Sequence: optional(in.Sequence), Capacity: optional(in.Capacity),
		RegistrationOpensAt: apiTime(in.RegistrationOpensAt), RegistrationClosesAt: apiTime(in.RegistrationClosesAt)}
	if len(in.Tags) > 0 {
		out.Tags = ptr(in.Tags)
	}
	if v := in.Venue; v != nil {
		out.Venue = &api.VenueInput{Name: v.Name, Address: optional(v.Address), City: optional(v.City), HostOrganisation: optional(v.Host)}
	}
	if d := in.Details; d != nil {
		open := d.OpenToResidents == nil || *d.OpenToResidents
		details, err := toAPIDetails(meeting.Details{Format: d.Format, Experts: d.Experts, Case: d.Case, CaseOwner: organisation.Ref{Code: d.CaseOwner},
			CallOpensOn: d.CallOpensOn, CallClosesOn: d.CallClosesOn, TownHall: d.TownHall, OpenToResidents: open})
		if err != nil {
			return api.MeetingInput{}, err
		}
		out.Details = details
	}
	return out, nil
}

// CreateRegistration serves POST /meetings/{meeting}/registrations.
func (s *Server) CreateRegistration(ctx context.Context, req api.CreateRegistrationRequestObject) (api.CreateRegistrationResponseObject, error) {
	r, err := s.meetings.Register(ctx, req.Meeting.String(), req.Body.Person.String())
	if err != nil {
		return nil, err
	}
	body, err := toAPIRegistration(r)
	if err != nil {
		return nil, err
	}
	return api.CreateRegistration201JSONResponse{Body: body, Headers: api.CreateRegistration201ResponseHeaders{
		Location: ptr(basePath + "/meetings/" + r.MeetingID + "/registrations/" + r.ID)}}, nil
}

// ListRegistrations serves GET /meetings/{meeting}/registrations.
func (s *Server) ListRegistrations(ctx context.Context, req api.ListRegistrationsRequestObject) (api.ListRegistrationsResponseObject, error) {
	regs, err := s.meetings.Registrations(ctx, req.Meeting.String())
	if err != nil {
		return nil, err
	}
	items, err := mapAll(regs, toAPIRegistration)
	if err != nil {
		return nil, err
	}
	return api.ListRegistrations200JSONResponse{Body: api.RegistrationList{Items: items}}, nil
}

// CancelRegistration serves DELETE /meetings/{meeting}/registrations/{registration}.
func (s *Server) CancelRegistration(ctx context.Context, req api.CancelRegistrationRequestObject) (api.CancelRegistrationResponseObject, error) {
	if err := s.meetings.CancelRegistration(ctx, req.Meeting.String(), req.Registration.String()); err != nil {
		return nil, err
	}
	return api.CancelRegistration204Response{}, nil
}

// MarkAttendance serves PUT /meetings/{meeting}/registrations/{registration}/attendance.
func (s *Server) MarkAttendance(ctx context.Context, req api.MarkAttendanceRequestObject) (api.MarkAttendanceResponseObject, error) {
	r, err := s.meetings.MarkAttendance(ctx, req.Meeting.String(), req.Registration.String(), req.Body.Attended)
	if err != nil {
		return nil, err
	}
	body, err := toAPIRegistration(r)
	if err != nil {
		return nil, err
	}
	return api.MarkAttendance200JSONResponse{Body: body}, nil
}

func toAPIRegistration(r meeting.Registration) (api.Registration, error) {
	var ids ids
	out := api.Registration{ID: ids.uuid(r.ID), Meeting: ids.uuid(r.MeetingID), Status: api.RegistrationStatus(r.Status),
		Attended: r.Attended, RegisteredAt: r.RegisteredAt.UTC(),
		Person: api.PersonReference{ID: ids.uuid(r.PersonID), Erased: r.PersonErased}, WaitlistPosition: optional(r.WaitlistPosition)}
	if !r.PersonErased {
		out.Person.Name = ptr(r.PersonName)
	}
	if r.MeetingTitle != "" {
		out.MeetingSummary = &api.MeetingSummary{ID: out.Meeting, Title: r.MeetingTitle, StartsAt: r.MeetingStartsAt.UTC(),
			Status: api.MeetingStatus(r.MeetingStatus)}
	}
	return out, ids.err
}

// GetScheduleHealth serves GET /schedule-health.
func (s *Server) GetScheduleHealth(ctx context.Context, req api.GetScheduleHealthRequestObject) (api.GetScheduleHealthResponseObject, error) {
	h, err := s.meetings.Health(ctx, domainDate(req.Params.From), domainDate(req.Params.To))
	if err != nil {
		return nil, err
	}
	var ids ids
	body := api.ScheduleHealth{From: apiDay(h.From), To: apiDay(h.To), Meetings: h.Meetings,
		Gaps: []api.ScheduleGap{}, YearsWithoutResidentsMeeting: append([]int{}, h.YearsWithoutResidentsMeeting...),
		ChairCounts: []api.ChairCount{}, WithoutGuestChair: ids.summaries(h.WithoutGuestChair), OverdueReports: ids.summaries(h.OverdueReports)}
	for _, g := range h.Gaps {
		body.Gaps = append(body.Gaps, api.ScheduleGap{After: ids.summary(g.After), Before: ids.summary(g.Before), Days: g.Days})
	}
	for _, c := range h.ChairCounts {
		body.ChairCounts = append(body.ChairCounts, ids.chairCount(c))
	}
	body.SuggestedGuestChairs = make([]api.ChairCount, len(h.SuggestedGuestChairs))
	for i, c := range h.SuggestedGuestChairs {
		body.SuggestedGuestChairs[i] = ids.chairCount(c)
	}
	if ids.err != nil {
		return nil, ids.err
	}
	return api.GetScheduleHealth200JSONResponse{Body: body}, nil
}

func (m *ids) chairCount(c meeting.ChairCount) api.ChairCount {
	o := c.Organisation
	return api.ChairCount{Organisation: m.org(o.ID, o.Code, o.Name), Count: c.Count, LastChairedOn: apiDate(c.LastChairedOn)}
}

func (m *ids) summary(mt meeting.Meeting) api.MeetingSummary {
	return api.MeetingSummary{ID: m.uuid(mt.ID), Title: mt.Title, StartsAt: mt.StartsAt.UTC(), Status: api.MeetingStatus(mt.Status)}
}

func (m *ids) summaries(ms []meeting.Meeting) []api.MeetingSummary {
	out := make([]api.MeetingSummary, len(ms))
	for i, mt := range ms {
		out[i] = m.summary(mt)
	}
	return out
}
