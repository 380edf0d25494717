package httpapi

import (
	"context"
	"net/http"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// people is what the handlers need of the person service.
type people interface {
	List(ctx context.Context, req person.ListRequest) (page domainPage[person.Person], err error)
	ListForOrganisation(ctx context.Context, ref string, req person.ListRequest) (domainPage[person.Person], error)
	Get(ctx context.Context, id string) (person.Person, person.View, error)
	Create(ctx context.Context, in person.Input) (person.Person, error)
	Replace(ctx context.Context, id string, in person.Input, pre domainPrecondition) (person.Person, error)
	Update(ctx context.Context, id string, change func(person.Input) (person.Input, error), pre domainPrecondition) (person.Person, error)
	RecordConsentInput(ctx context.Context, id string, in person.ConsentInput) (person.Consent, error)
	ConsentHistory(ctx context.Context, id string) (person.Consent, []person.Consent, error)
	Erase(ctx context.Context, id string, pre domainPrecondition) error
	Export(ctx context.Context, id string) (person.Export, error)
}

// ListPeople serves GET /people.
func (s *Server) ListPeople(ctx context.Context, req api.ListPeopleRequestObject) (api.ListPeopleResponseObject, error) {
	p := req.Params
	lr, err := listRequest(p.Role, p.Q, p.Sort, p.PageSize, p.Cursor)
	if err != nil {
		return nil, err
	}
	lr.Organisation, lr.UpdatedSince = deref(p.Organisation), deref(p.UpdatedSince)
	page, err := s.people.List(ctx, lr)
	if err != nil {
		return nil, err
	}
	resp, err := personPage(ctx, page)
	if err != nil {
		return nil, err
	}
	return api.ListPeople200JSONResponse{PersonPageOKJSONResponse: resp}, nil
}

// ListOrganisationPeople serves GET /organisations/{organisation}/people.
func (s *Server) ListOrganisationPeople(ctx context.Context, req api.ListOrganisationPeopleRequestObject) (api.ListOrganisationPeopleResponseObject, error) {
	p := req.Params
	lr, err := listRequest(p.Role, p.Q, p.Sort, p.PageSize, p.Cursor)
	if err != nil {
		return nil, err
	}
	page, err := s.people.ListForOrganisation(ctx, req.Organisation, lr)
	if err != nil {
		return nil, err
	}
	resp, err := personPage(ctx, page)
	if err != nil {
		return nil, err
	}
	return api.ListOrganisationPeople200JSONResponse{PersonPageOKJSONResponse: resp}, nil
}

func listRequest(role *api.MembershipRole, q, sort *string, pageSize *int, cursor *string) (person.ListRequest, error) {
	keys, err := person.ParseSort(deref(sort))
	if err != nil {
		return person.ListRequest{}, err
	}
	return person.ListRequest{Role: person.Role(deref(role)), Q: deref(q), Sort: keys, PageSize: deref(pageSize), Cursor: deref(cursor)}, nil
}

func personPage(ctx context.Context, page domainPage[person.Person]) (api.PersonPageOKJSONResponse, error) {
	items, err := mapAll(page.Items, toAPIPerson)
	if err != nil {
		return api.PersonPageOKJSONResponse{}, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.PersonPageOKJSONResponse{Body: api.PersonPage{Items: items, NextCursor: cursor},
		Headers: api.PersonPageOKResponseHeaders{Link: link}}, nil
}

// GetPerson serves GET /people/{person}.
func (s *Server) GetPerson(ctx context.Context, req api.GetPersonRequestObject) (api.GetPersonResponseObject, error) {
	p, _, err := s.people.Get(ctx, req.Person.String())
	if err != nil {
		return nil, err
	}
	resp, err := personOK(p)
	if err != nil {
		return nil, err
	}
	return api.GetPerson200JSONResponse{PersonOKJSONResponse: resp}, nil
}

// CreatePerson serves POST /people.
func (s *Server) CreatePerson(ctx context.Context, req api.CreatePersonRequestObject) (api.CreatePersonResponseObject, error) {
	p, err := s.people.Create(ctx, toPersonInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPIPerson(p)
	if err != nil {
		return nil, err
	}
	return api.CreatePerson201JSONResponse{Body: body, Headers: api.CreatePerson201ResponseHeaders{
		ETag: ptr(etag(p.Version)), Location: ptr(basePath + "/people/" + p.ID),
	}}, nil
}

// ReplacePerson serves PUT /people/{person}.
func (s *Server) ReplacePerson(ctx context.Context, req api.ReplacePersonRequestObject) (api.ReplacePersonResponseObject, error) {
	p, err := s.people.Replace(ctx, req.Person.String(), toPersonInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := personOK(p)
	if err != nil {
		return nil, err
	}
	return api.ReplacePerson200JSONResponse{PersonOKJSONResponse: resp}, nil
}

// UpdatePerson serves PATCH /people/{person} (JSON Merge Patch).
func (s *Server) UpdatePerson(ctx context.Context, req api.UpdatePersonRequestObject) (api.UpdatePersonResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "PersonInput", infallible(toAPIPersonInput), infallible(toPersonInput))
	p, err := s.people.Update(ctx, req.Person.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := personOK(p)
	if err != nil {
		return nil, err
	}
	return api.UpdatePerson200JSONResponse{PersonOKJSONResponse: resp}, nil
}

func toAPIPersonInput(in person.Input) api.PersonInput {
	out := api.PersonInput{Name: in.Name, Email: optional(openapi_types.Email(in.Email)), Phone: optional(in.Phone), Position: optional(in.Position),
		Memberships: []api.MembershipInput{}}
	if len(in.Languages) > 0 {
		out.Languages = ptr(append([]string{}, in.Languages...))
	}
	for _, m := range in.Memberships {
		out.Memberships = append(out.Memberships, api.MembershipInput{Organisation: m.Organisation, Role: api.MembershipRole(m.Role),
			From: apiDate(m.From), To: apiDate(m.To)})
	}
	return out
}

// ErasePerson serves DELETE /people/{person}.
func (s *Server) ErasePerson(ctx context.Context, req api.ErasePersonRequestObject) (api.ErasePersonResponseObject, error) {
	if err := s.people.Erase(ctx, req.Person.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.ErasePerson204Response{}, nil
}

// GetConsent serves GET /people/{person}/consent.
func (s *Server) GetConsent(ctx context.Context, req api.GetConsentRequestObject) (api.GetConsentResponseObject, error) {
	current, history, err := s.people.ConsentHistory(ctx, req.Person.String())
	if err != nil {
		return nil, err
	}
	return api.GetConsent200JSONResponse{Body: toAPIConsentHistory(current, history)}, nil
}

// RecordConsent serves PUT /people/{person}/consent.
func (s *Server) RecordConsent(ctx context.Context, req api.RecordConsentRequestObject) (api.RecordConsentResponseObject, error) {
	c, err := s.people.RecordConsentInput(ctx, req.Person.String(), person.ConsentInput{PublicProfile: req.Body.PublicProfile, Contact: req.Body.Contact})
	if err != nil {
		return nil, err
	}
	return api.RecordConsent200JSONResponse{Body: toAPIConsent(c)}, nil
}

// ExportPerson serves GET /people/{person}/export.
func (s *Server) ExportPerson(ctx context.Context, req api.ExportPersonRequestObject) (api.ExportPersonResponseObject, error) {
	x, err := s.people.Export(ctx, req.Person.String())
	if err != nil {
		return nil, err
	}
	p, err := toAPIPerson(x.Person)
	if err != nil {
		return nil, err
	}
	var ids ids
	body := api.PersonExport{ExportedAt: x.ExportedAt, Person: p,
		Consent: toAPIConsentHistory(x.Person.Consent, x.Consent), Users: make([]api.LinkedUser, len(x.Users)),
		Registrations: make([]api.ExportedRegistration, len(x.Registrations)), Changes: toAPIChanges(x.Changes)}
	for i, r := range x.Registrations {
		body.Registrations[i] = api.ExportedRegistration{ID: ids.uuid(r.ID), Status: api.RegistrationStatus(r.Status), Attended: r.Attended,
			RegisteredAt: r.RegisteredAt, Meeting: api.MeetingSummary{ID: ids.uuid(r.MeetingID), Title: r.MeetingTitle,
				StartsAt: r.MeetingStarts, Status: api.MeetingStatus(r.MeetingStatus)}}
	}
	for i, u := range x.Users {
		body.Users[i] = api.LinkedUser{ID: ids.uuid(u.ID), Email: openapi_types.Email(u.Email), Role: string(u.Role)}
	}
	if ids.err != nil {
		return nil, ids.err
	}
	return noStoreExport{api.ExportPerson200JSONResponse{Body: body}}, nil
}

// noStoreExport is an export that may not be stored: it says when it was
// made, so no copy is ever current, and it holds personal data.
type noStoreExport struct {
	api.ExportPerson200JSONResponse
}

func (r noStoreExport) VisitExportPersonResponse(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	return r.ExportPerson200JSONResponse.VisitExportPersonResponse(w)
}

func personOK(p person.Person) (api.PersonOKJSONResponse, error) {
	body, err := toAPIPerson(p)
	return api.PersonOKJSONResponse{Body: body, Headers: api.PersonOKResponseHeaders{ETag: ptr(etag(p.Version))}}, err
}

// toAPIPerson maps whatever the service left in p; redaction happened there.
func toAPIPerson(p person.Person) (api.Person, error) {
	var ids ids
	out := api.Person{ID: ids.uuid(p.ID), Name: p.Name, Email: optional(openapi_types.Email(p.Email)), Position: optional(p.Position),
		Phone: optional(p.Phone), Memberships: make([]api.Membership, len(p.Memberships)), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for i, m := range p.Memberships {
		out.Memberships[i] = api.Membership{Organisation: ids.org(m.OrganisationID, m.OrganisationCode, m.OrganisationName),
			Role: optional(api.MembershipRole(m.Role)), From: apiDate(m.From), To: apiDate(m.To)}
	}
	if p.View == person.Full {
		out.Consent = ptr(toAPIConsent(p.Consent))
		out.Languages = ptr(append([]string{}, p.Languages...))
	}
	return out, ids.err
}

func toPersonInput(b api.PersonInput) person.Input {
	in := person.Input{Name: b.Name, Phone: deref(b.Phone), Position: deref(b.Position), Languages: deref(b.Languages)}
	if b.Email != nil {
		in.Email = string(*b.Email)
	}
	for _, m := range b.Memberships {
		in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: m.Organisation, Role: person.Role(m.Role),
			From: domainDate(m.From), To: domainDate(m.To)})
	}
	return in
}

func toAPIConsent(c person.Consent) api.Consent {
	out := api.Consent{PublicProfile: c.PublicProfile, Contact: c.Contact}
	if !c.RecordedAt.IsZero() {
		out.RecordedAt = ptr(c.RecordedAt.UTC())
		out.RecordedBy = ptr(c.RecordedBy)
	}
	return out
}

func toAPIConsentHistory(current person.Consent, history []person.Consent) api.ConsentHistory {
	out := api.ConsentHistory{Current: toAPIConsent(current), Records: make([]api.Consent, len(history))}
	for i, c := range history {
		out.Records[i] = toAPIConsent(c)
	}
	return out
}

func toAPIChanges(changes []domainChange) []api.ChangeRecord {
	out := make([]api.ChangeRecord, len(changes))
	for i, c := range changes {
		fields := c.Fields
		if fields == nil {
			fields = []string{}
		}
		out[i] = api.ChangeRecord{Resource: c.Resource, ResourceID: c.ResourceID, Action: string(c.Action), Actor: c.Actor,
			Fields: fields, Version: c.Version, At: c.At.UTC()}
	}
	return out
}
