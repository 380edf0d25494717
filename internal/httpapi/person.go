package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Temporary: the people handlers are being written.

func (s *Server) ListOrganisationPeople(ctx context.Context, req api.ListOrganisationPeopleRequestObject) (api.ListOrganisationPeopleResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) ListPeople(ctx context.Context, req api.ListPeopleRequestObject) (api.ListPeopleResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) CreatePerson(ctx context.Context, req api.CreatePersonRequestObject) (api.CreatePersonResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) ErasePerson(ctx context.Context, req api.ErasePersonRequestObject) (api.ErasePersonResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) GetPerson(ctx context.Context, req api.GetPersonRequestObject) (api.GetPersonResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) ReplacePerson(ctx context.Context, req api.ReplacePersonRequestObject) (api.ReplacePersonResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) GetConsent(ctx context.Context, req api.GetConsentRequestObject) (api.GetConsentResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) RecordConsent(ctx context.Context, req api.RecordConsentRequestObject) (api.RecordConsentResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}

func (s *Server) ExportPerson(ctx context.Context, req api.ExportPersonRequestObject) (api.ExportPersonResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not yet")
}
