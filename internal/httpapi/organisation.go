package httpapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// ListOrganisations serves GET /organisations.
func (s *Server) ListOrganisations(ctx context.Context, req api.ListOrganisationsRequestObject) (api.ListOrganisationsResponseObject, error) {
	p := req.Params
	sortKeys, err := organisation.ParseSort(deref(p.Sort))
	if err != nil {
		return nil, err
	}
	page, err := s.orgs.List(ctx, organisation.Query{
		Filter: organisation.Filter{
			Kind:         organisation.Kind(deref(p.Kind)),
			NetworkRole:  organisation.NetworkRole(deref(p.NetworkRole)),
			Active:       p.Active,
			Q:            deref(p.Q),
			UpdatedSince: deref(p.UpdatedSince),
		},
		Sort:     sortKeys,
		PageSize: deref(p.PageSize),
		Cursor:   deref(p.Cursor),
	})
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIOrganisation)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListOrganisations200JSONResponse{Body: api.OrganisationPage{Items: items, NextCursor: cursor},
		Headers: api.ListOrganisations200ResponseHeaders{Link: link}}, nil
}

// GetOrganisation serves GET /organisations/{organisation}.
func (s *Server) GetOrganisation(ctx context.Context, req api.GetOrganisationRequestObject) (api.GetOrganisationResponseObject, error) {
	o, err := s.orgs.Get(ctx, req.Organisation)
	if err != nil {
		return nil, err
	}
	resp, err := organisationOK(o)
	if err != nil {
		return nil, err
	}
	return api.GetOrganisation200JSONResponse{OrganisationOKJSONResponse: resp}, nil
}

// CreateOrganisation serves POST /organisations.
func (s *Server) CreateOrganisation(ctx context.Context, req api.CreateOrganisationRequestObject) (api.CreateOrganisationResponseObject, error) {
	o, err := s.orgs.Create(ctx, toOrganisationInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPIOrganisation(o)
	if err != nil {
		return nil, err
	}
	return api.CreateOrganisation201JSONResponse{Body: body, Headers: api.CreateOrganisation201ResponseHeaders{
		ETag: ptr(etag(o.Version)), Location: ptr(basePath + "/organisations/" + o.ID),
	}}, nil
}

// ReplaceOrganisation serves PUT /organisations/{organisation}.
func (s *Server) ReplaceOrganisation(ctx context.Context, req api.ReplaceOrganisationRequestObject) (api.ReplaceOrganisationResponseObject, error) {
	o, err := s.orgs.Replace(ctx, req.Organisation, toOrganisationInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := organisationOK(o)
	if err != nil {
		return nil, err
	}
	return api.ReplaceOrganisation200JSONResponse{OrganisationOKJSONResponse: resp}, nil
}

// UpdateOrganisation serves PATCH /organisations/{organisation} (JSON Merge Patch).
func (s *Server) UpdateOrganisation(ctx context.Context, req api.UpdateOrganisationRequestObject) (api.UpdateOrganisationResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "OrganisationInput", infallible(toAPIOrganisationInput), infallible(toOrganisationInput))
	o, err := s.orgs.Update(ctx, req.Organisation, merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := organisationOK(o)
	if err != nil {
		return nil, err
	}
	return api.UpdateOrganisation200JSONResponse{OrganisationOKJSONResponse: resp}, nil
}

func toAPIOrganisationInput(in organisation.Input) api.OrganisationInput {
	return api.OrganisationInput{Code: in.Code, Name: in.Name, Kind: api.OrganisationKind(in.Kind), NetworkRole: api.NetworkRole(in.NetworkRole),
		JoinedOn: apiDate(in.JoinedOn), LeftOn: apiDate(in.LeftOn), Province: optional(in.Province), Website: optional(in.Website),
		Description: optional(in.Description)}
}

// DeleteOrganisation serves DELETE /organisations/{organisation}.
func (s *Server) DeleteOrganisation(ctx context.Context, req api.DeleteOrganisationRequestObject) (api.DeleteOrganisationResponseObject, error) {
	if err := s.orgs.Delete(ctx, req.Organisation, precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteOrganisation204Response{}, nil
}

func organisationOK(o organisation.Organisation) (api.OrganisationOKJSONResponse, error) {
	body, err := toAPIOrganisation(o)
	return api.OrganisationOKJSONResponse{Body: body, Headers: api.OrganisationOKResponseHeaders{ETag: ptr(etag(o.Version))}}, err
}

func toAPIOrganisation(o organisation.Organisation) (api.Organisation, error) {
	id, err := uuidOf(o.ID)
	return api.Organisation{
		ID:          id,
		Code:        o.Code,
		Name:        o.Name,
		Kind:        api.OrganisationKind(o.Kind),
		NetworkRole: api.NetworkRole(o.NetworkRole),
		JoinedOn:    apiDate(o.JoinedOn),
		LeftOn:      apiDate(o.LeftOn),
		Active:      o.Active,
		Province:    optional(o.Province),
		Website:     optional(o.Website),
		Description: optional(o.Description),
		Example:     o.Example,
		CreatedAt:   o.CreatedAt.UTC(),
		UpdatedAt:   o.UpdatedAt.UTC(),
	}, err
}

func toOrganisationInput(b api.OrganisationInput) organisation.Input {
	return organisation.Input{
		Code:        b.Code,
		Name:        b.Name,
		Kind:        organisation.Kind(b.Kind),
		NetworkRole: organisation.NetworkRole(b.NetworkRole),
		JoinedOn:    domainDate(b.JoinedOn),
		LeftOn:      domainDate(b.LeftOn),
		Province:    deref(b.Province),
		Website:     deref(b.Website),
		Description: deref(b.Description),
	}
}

// etag is the version tag of a resource, "v3", which If-Match checks.
// conditionalGET completes it with a digest of the representation, so the
// tag also changes with what the representation derives from the clock, the
// caller's view or other records (an organisation's active flag, a
// meeting's counts, an evaluation's status).
func etag(v domain.Version) string {
	return `"v` + strconv.Itoa(int(v)) + `"`
}

// precondition reads If-Match: an entity tag from etag, or *.
func precondition(ifMatch *string) domain.Precondition {
	if ifMatch == nil || strings.TrimSpace(*ifMatch) == "" {
		return domain.Precondition{}
	}
	h := strings.TrimSpace(*ifMatch)
	if h == "*" {
		return domain.Precondition{Present: true, Any: true}
	}
	// A tag that is not ours matches no version: 412, as RFC 9110 says.
	pre := domain.Precondition{Present: true, Version: -1}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if strings.HasPrefix(tag, `"v`) && strings.HasSuffix(tag, `"`) {
			number, _, _ := strings.Cut(tag[2:len(tag)-1], ".")
			if n, err := strconv.Atoi(number); err == nil {
				pre.Versions = append(pre.Versions, domain.Version(n))
			}
		}
	}
	return pre
}

type requestURLKey struct{}

// nextLink is the RFC 8288 Link to the next page: this request's URL with the cursor replaced.
func nextLink(ctx context.Context, cursor string) string {
	u, _ := ctx.Value(requestURLKey{}).(*url.URL)
	if u == nil {
		return ""
	}
	q := u.Query()
	q.Set("cursor", cursor)
	return "<" + u.Path + "?" + q.Encode() + `>; rel="next"`
}
