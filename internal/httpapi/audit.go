package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// auditLog is what the handlers need of the audit service.
type auditLog interface {
	List(ctx context.Context, q audit.Query) (domain.Page[audit.Entry], error)
	Each(ctx context.Context, f audit.Filter, fn func(audit.Entry) error) error
}

// ListAuditEvents serves GET /audit-events.
func (s *Server) ListAuditEvents(ctx context.Context, req api.ListAuditEventsRequestObject) (api.ListAuditEventsResponseObject, error) {
	p := req.Params
	f := audit.Filter{Resource: deref(p.Resource), ResourceID: deref(p.ResourceID), Actor: deref(p.Actor),
		From: deref(p.From), To: deref(p.To)}
	page, err := s.audit.List(ctx, audit.Query{Filter: f, PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)})
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIAuditEvent)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListAuditEvents200JSONResponse{Body: api.AuditEventPage{Items: items, NextCursor: cursor},
		Headers: api.ListAuditEvents200ResponseHeaders{Link: link}}, nil
}

// ExportAuditEvents serves GET /audit-events/export.
func (s *Server) ExportAuditEvents(ctx context.Context, req api.ExportAuditEventsRequestObject) (api.ExportAuditEventsResponseObject, error) {
	p := req.Params
	f := audit.Filter{Resource: deref(p.Resource), ResourceID: deref(p.ResourceID), Actor: deref(p.Actor),
		From: deref(p.From), To: deref(p.To)}
	format := string(p.Format)
	body, err := stream(ctx, format, s.contract.columns("AuditEvent"), eachItem(
		func(fn func(audit.Entry) error) error { return s.audit.Each(ctx, f, fn) },
		toAPIAuditEvent))
	if err != nil {
		return nil, err
	}
	if format == formatCSV {
		return api.ExportAuditEvents200TextCsvResponse{Body: body}, nil
	}
	return api.ExportAuditEvents200ApplicationXNdjsonResponse{Body: body}, nil
}

func toAPIAuditEvent(e audit.Entry) (api.AuditEvent, error) {
	id, err := uuidOf(e.ID)
	return api.AuditEvent{ID: id, OccurredAt: e.At.UTC(), Actor: api.AuditActor{Kind: api.AuditActorKind(e.Actor.Kind), ID: e.Actor.ID},
		Resource: e.Resource, ResourceID: e.ResourceID, Action: string(e.Action), ChangedFields: append([]string{}, e.Fields...),
		RequestID: e.RequestID}, err
}
