package httpapi

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

const clientsPath = basePath + "/api-clients"

// clients is what the handlers need of the account service for API clients.
type clients interface {
	ListClients(ctx context.Context, req account.ClientListRequest) (domain.Page[account.Client], error)
	GetClient(ctx context.Context, ref string) (account.Client, error)
	CreateClient(ctx context.Context, in account.NewClient) (account.Client, string, error)
	UpdateClient(ctx context.Context, ref string, change func(account.ClientInput) (account.ClientInput, error), pre domain.Precondition) (account.Client, error)
	RevokeClient(ctx context.Context, ref string, pre domain.Precondition) error
	RotateClientSecret(ctx context.Context, ref string, overlap *time.Duration, pre domain.Precondition) (account.Client, string, error)
}

// ListAPIClients serves GET /api-clients.
func (s *Server) ListAPIClients(ctx context.Context, req api.ListAPIClientsRequestObject) (api.ListAPIClientsResponseObject, error) {
	p := req.Params
	page, err := s.clients.ListClients(ctx, account.ClientListRequest{Organisation: deref(p.Organisation),
		Status: account.ClientStatus(deref(p.Status)), PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)})
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIClient)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListAPIClients200JSONResponse{Body: api.APIClientPage{Items: items, NextCursor: cursor},
		Headers: api.ListAPIClients200ResponseHeaders{Link: link}}, nil
}

// CreateAPIClient serves POST /api-clients.
func (s *Server) CreateAPIClient(ctx context.Context, req api.CreateAPIClientRequestObject) (api.CreateAPIClientResponseObject, error) {
	in := toClientInput(*req.Body)
	cl, secret, err := s.clients.CreateClient(ctx, account.NewClient(in))
	if err != nil {
		return nil, err
	}
	body, err := withSecret(cl, secret)
	if err != nil {
		return nil, err
	}
	return api.CreateAPIClient201JSONResponse{Body: body, Headers: api.CreateAPIClient201ResponseHeaders{
		CacheControl: ptr("no-store"), ETag: ptr(etag(cl.Version)), Location: ptr(clientsPath + "/" + cl.ID),
	}}, nil
}

// GetAPIClient serves GET /api-clients/{client}.
func (s *Server) GetAPIClient(ctx context.Context, req api.GetAPIClientRequestObject) (api.GetAPIClientResponseObject, error) {
	cl, err := s.clients.GetClient(ctx, req.Client)
	if err != nil {
		return nil, err
	}
	resp, err := clientOK(cl)
	return api.GetAPIClient200JSONResponse{APIClientOKJSONResponse: resp}, err
}

// UpdateAPIClient serves PATCH /api-clients/{client} (JSON Merge Patch).
func (s *Server) UpdateAPIClient(ctx context.Context, req api.UpdateAPIClientRequestObject) (api.UpdateAPIClientResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "ApiClientInput", infallible(toAPIClientInput), infallible(toClientInput))
	cl, err := s.clients.UpdateClient(ctx, req.Client, merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := clientOK(cl)
	return api.UpdateAPIClient200JSONResponse{APIClientOKJSONResponse: resp}, err
}

// RevokeAPIClient serves DELETE /api-clients/{client}.
func (s *Server) RevokeAPIClient(ctx context.Context, req api.RevokeAPIClientRequestObject) (api.RevokeAPIClientResponseObject, error) {
	if err := s.clients.RevokeClient(ctx, req.Client, precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.RevokeAPIClient204Response{}, nil
}

// RotateAPIClientSecret serves POST /api-clients/{client}/secret-rotations.
func (s *Server) RotateAPIClientSecret(ctx context.Context, req api.RotateAPIClientSecretRequestObject) (api.RotateAPIClientSecretResponseObject, error) {
	var overlap *time.Duration
	if req.Body != nil && req.Body.OverlapSeconds != nil {
		overlap = ptr(time.Duration(*req.Body.OverlapSeconds) * time.Second)
	}
	cl, secret, err := s.clients.RotateClientSecret(ctx, req.Client, overlap, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	body, err := withSecret(cl, secret)
	if err != nil {
		return nil, err
	}
	return api.RotateAPIClientSecret200JSONResponse{Body: body, Headers: api.RotateAPIClientSecret200ResponseHeaders{
		CacheControl: ptr("no-store"), ETag: ptr(etag(cl.Version)),
	}}, nil
}

func clientOK(cl account.Client) (api.APIClientOKJSONResponse, error) {
	body, err := toAPIClient(cl)
	return api.APIClientOKJSONResponse{Body: body, Headers: api.APIClientOKResponseHeaders{ETag: ptr(etag(cl.Version))}}, err
}

// toAPIClient shows a client without its secrets: no hash ever leaves.
func toAPIClient(cl account.Client) (api.APIClient, error) {
	id, err := uuidOf(cl.ID)
	if err != nil {
		return api.APIClient{}, err
	}
	out := api.APIClient{ID: id, ClientID: cl.ClientID, Name: cl.Name, Scopes: make([]api.APIClientScope, len(cl.Scopes)),
		Status: api.APIClientStatus(cl.Status()), Revision: int(cl.Version), CreatedAt: cl.CreatedAt.UTC(), UpdatedAt: cl.UpdatedAt.UTC()}
	for i, sc := range cl.Scopes {
		out.Scopes[i] = api.APIClientScope(sc)
	}
	if cl.OrganisationID != "" {
		org, err := uuidOf(cl.OrganisationID)
		if err != nil {
			return api.APIClient{}, err
		}
		out.OrganisationID = &org
	}
	if cl.PreviousSecretHash != "" && !cl.PreviousSecretExpiresAt.IsZero() {
		out.PreviousSecretExpiresAt = ptr(cl.PreviousSecretExpiresAt.UTC())
	}
	if cl.Revoked() {
		out.RevokedAt = ptr(cl.RevokedAt.UTC())
	}
	return out, nil
}

func withSecret(cl account.Client, secret string) (api.APIClientWithSecret, error) {
	c, err := toAPIClient(cl)
	return api.APIClientWithSecret{ID: c.ID, ClientID: c.ClientID, ClientSecret: secret, Name: c.Name, OrganisationID: c.OrganisationID,
		Scopes: c.Scopes, Status: c.Status, PreviousSecretExpiresAt: c.PreviousSecretExpiresAt, RevokedAt: c.RevokedAt,
		Revision: c.Revision, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}, err
}

func toClientInput(b api.APIClientInput) account.ClientInput {
	in := account.ClientInput{Name: b.Name, Organisation: deref(b.Organisation)}
	for _, sc := range deref(b.Scopes) {
		in.Scopes = append(in.Scopes, string(sc))
	}
	return in
}

func toAPIClientInput(in account.ClientInput) api.APIClientInput {
	scopes := make([]api.APIClientScope, len(in.Scopes))
	for i, sc := range in.Scopes {
		scopes[i] = api.APIClientScope(sc)
	}
	return api.APIClientInput{Name: in.Name, Organisation: optional(in.Organisation), Scopes: &scopes}
}
