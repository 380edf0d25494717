package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

// publications is what the handlers need of the publication service.
type publications interface {
	List(ctx context.Context, q publication.Query) (domain.Page[publication.Publication], error)
	Each(ctx context.Context, f publication.Filter, fn func(publication.Publication) error) error
	Get(ctx context.Context, id string) (publication.Publication, error)
	Create(ctx context.Context, in publication.Input) (publication.Publication, error)
	Replace(ctx context.Context, id string, in publication.Input, pre domain.Precondition) (publication.Publication, error)
	Delete(ctx context.Context, id string, pre domain.Precondition) error
}

// ListPublications serves GET /publications.
func (s *Server) ListPublications(ctx context.Context, req api.ListPublicationsRequestObject) (api.ListPublicationsResponseObject, error) {
	p := req.Params
	f := publication.Filter{Kind: publication.Kind(deref(p.Kind)), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince)}
	if p.Meeting != nil {
		f.MeetingID = p.Meeting.String()
	}
	page, err := s.publications.List(ctx, publication.Query{Filter: f, PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)})
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIPublication)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListPublications200JSONResponse{Body: api.PublicationPage{Items: items, NextCursor: cursor},
		Headers: api.ListPublications200ResponseHeaders{Link: link}}, nil
}

// ExportPublications serves GET /publications/export.
func (s *Server) ExportPublications(ctx context.Context, req api.ExportPublicationsRequestObject) (api.ExportPublicationsResponseObject, error) {
	p := req.Params
	f := publication.Filter{Kind: publication.Kind(deref(p.Kind)), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince)}
	if p.Meeting != nil {
		f.MeetingID = p.Meeting.String()
	}
	format := string(p.Format)
	body, err := stream(ctx, format, s.contract.columns("Publication"), eachItem(
		func(fn func(publication.Publication) error) error { return s.publications.Each(ctx, f, fn) },
		toAPIPublication))
	if err != nil {
		return nil, err
	}
	if format == formatCSV {
		return api.ExportPublications200TextCsvResponse{Body: body}, nil
	}
	return api.ExportPublications200ApplicationXNdjsonResponse{Body: body}, nil
}

// GetPublication serves GET /publications/{publication}.
func (s *Server) GetPublication(ctx context.Context, req api.GetPublicationRequestObject) (api.GetPublicationResponseObject, error) {
	p, err := s.publications.Get(ctx, req.Publication.String())
	if err != nil {
		return nil, err
	}
	resp, err := publicationOK(p)
	if err != nil {
		return nil, err
	}
	return api.GetPublication200JSONResponse{PublicationOKJSONResponse: resp}, nil
}

// CreatePublication serves POST /publications.
func (s *Server) CreatePublication(ctx context.Context, req api.CreatePublicationRequestObject) (api.CreatePublicationResponseObject, error) {
	p, err := s.publications.Create(ctx, toPublicationInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPIPublication(p)
	if err != nil {
		return nil, err
	}
	return api.CreatePublication201JSONResponse{Body: body, Headers: api.CreatePublication201ResponseHeaders{
		ETag: ptr(etag(p.Version)), Location: ptr(basePath + "/publications/" + p.ID)}}, nil
}

// ReplacePublication serves PUT /publications/{publication}.
func (s *Server) ReplacePublication(ctx context.Context, req api.ReplacePublicationRequestObject) (api.ReplacePublicationResponseObject, error) {
	p, err := s.publications.Replace(ctx, req.Publication.String(), toPublicationInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := publicationOK(p)
	if err != nil {
		return nil, err
	}
	return api.ReplacePublication200JSONResponse{PublicationOKJSONResponse: resp}, nil
}

// DeletePublication serves DELETE /publications/{publication}.
func (s *Server) DeletePublication(ctx context.Context, req api.DeletePublicationRequestObject) (api.DeletePublicationResponseObject, error) {
	if err := s.publications.Delete(ctx, req.Publication.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeletePublication204Response{}, nil
}

func publicationOK(p publication.Publication) (api.PublicationOKJSONResponse, error) {
	body, err := toAPIPublication(p)
	return api.PublicationOKJSONResponse{Body: body, Headers: api.PublicationOKResponseHeaders{ETag: ptr(etag(p.Version))}}, err
}

func toAPIPublication(p publication.Publication) (api.Publication, error) {
	var ids ids
	out := api.Publication{ID: ids.uuid(p.ID), Kind: api.PublicationKind(p.Kind), Title: p.Title, URL: p.URL,
		PublishedOn: apiDay(p.PublishedOn), Summary: optional(p.Summary), Language: p.Language,
		Licence: optional(p.Licence), Meetings: make([]openapi_types.UUID, len(p.Meetings)), Topics: append([]string{}, p.Topics...),
		Example: p.Example, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for i, m := range p.Meetings {
		out.Meetings[i] = ids.uuid(m)
	}
	return out, ids.err
}

func toPublicationInput(b api.PublicationInput) publication.Input {
	in := publication.Input{Kind: publication.Kind(b.Kind), Title: b.Title, URL: b.URL, PublishedOn: b.PublishedOn.Time,
		Summary: deref(b.Summary), Language: deref(b.Language), Licence: deref(b.Licence), Topics: deref(b.Topics)}
	for _, m := range deref(b.Meetings) {
		in.Meetings = append(in.Meetings, m.String())
	}
	return in
}
