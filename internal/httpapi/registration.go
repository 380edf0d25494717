package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// ListAllRegistrations serves GET /registrations: registrations across
// meetings, of an organisation's people or of one person.
func (s *Server) ListAllRegistrations(ctx context.Context, req api.ListAllRegistrationsRequestObject) (api.ListAllRegistrationsResponseObject, error) {
	p := req.Params
	lr := meeting.RegistrationListRequest{Organisation: deref(p.Organisation), Status: meeting.RegistrationStatus(deref(p.Status)),
		PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)}
	if p.Person != nil {
		lr.Person = p.Person.String()
	}
	page, err := s.meetings.ListRegistrations(ctx, lr)
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIRegistration)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListAllRegistrations200JSONResponse{Body: api.RegistrationPage{Items: items, NextCursor: cursor},
		Headers: api.ListAllRegistrations200ResponseHeaders{Link: link}}, nil
}
