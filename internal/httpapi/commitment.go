package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// ListCommitments serves GET /commitments.
func (s *Server) ListCommitments(ctx context.Context, req api.ListCommitmentsRequestObject) (api.ListCommitmentsResponseObject, error) {
	p := req.Params
	f := milestone.CommitmentFilter{Cycle: deref(p.Cycle), PolicyArea: deref(p.PolicyArea), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince)}
	page, err := s.milestones.ListCommitments(ctx, f, deref(p.PageSize), deref(p.Cursor))
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPICommitment)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListCommitments200JSONResponse{Body: api.CommitmentPage{Items: items, NextCursor: cursor},
		Headers: api.ListCommitments200ResponseHeaders{Link: link}}, nil
}

// ExportCommitments serves GET /commitments/export.
func (s *Server) ExportCommitments(ctx context.Context, req api.ExportCommitmentsRequestObject) (api.ExportCommitmentsResponseObject, error) {
	p := req.Params
	f := milestone.CommitmentFilter{Cycle: deref(p.Cycle), PolicyArea: deref(p.PolicyArea), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince)}
	format := string(p.Format)
	body, err := stream(ctx, format, s.contract.columns("Commitment"), everyPage(
		func(cursor string) (domain.Page[milestone.Commitment], error) {
			return s.milestones.ListCommitments(ctx, f, batchSize, cursor)
		},
		toAPICommitment))
	if err != nil {
		return nil, err
	}
	if format == formatCSV {
		return api.ExportCommitments200TextCsvResponse{Body: body}, nil
	}
	return api.ExportCommitments200ApplicationXNdjsonResponse{Body: body}, nil
}

// GetCommitment serves GET /commitments/{commitment}.
func (s *Server) GetCommitment(ctx context.Context, req api.GetCommitmentRequestObject) (api.GetCommitmentResponseObject, error) {
	c, err := s.milestones.GetCommitment(ctx, req.Commitment)
	if err != nil {
		return nil, err
	}
	resp, err := commitmentOK(c)
	if err != nil {
		return nil, err
	}
	return api.GetCommitment200JSONResponse{CommitmentOKJSONResponse: resp}, nil
}

// CreateCommitment serves POST /commitments.
func (s *Server) CreateCommitment(ctx context.Context, req api.CreateCommitmentRequestObject) (api.CreateCommitmentResponseObject, error) {
	c, err := s.milestones.CreateCommitment(ctx, toCommitmentInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPICommitment(c)
	if err != nil {
		return nil, err
	}
	return api.CreateCommitment201JSONResponse{Body: body, Headers: api.CreateCommitment201ResponseHeaders{
		ETag: ptr(etag(c.Version)), Location: ptr(basePath + "/commitments/" + c.Code)}}, nil
}

// ReplaceCommitment serves PUT /commitments/{commitment}.
func (s *Server) ReplaceCommitment(ctx context.Context, req api.ReplaceCommitmentRequestObject) (api.ReplaceCommitmentResponseObject, error) {
	c, err := s.milestones.ReplaceCommitment(ctx, req.Commitment, toCommitmentInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := commitmentOK(c)
	if err != nil {
		return nil, err
	}
	return api.ReplaceCommitment200JSONResponse{CommitmentOKJSONResponse: resp}, nil
}

func commitmentOK(c milestone.Commitment) (api.CommitmentOKJSONResponse, error) {
	body, err := toAPICommitment(c)
	return api.CommitmentOKJSONResponse{Body: body, Headers: api.CommitmentOKResponseHeaders{ETag: ptr(etag(c.Version))}}, err
}

func toAPICommitment(c milestone.Commitment) (api.Commitment, error) {
	var ids ids
	out := api.Commitment{Code: c.Code, Title: c.Title, Cycle: c.Cycle, ActionPlan: optional(c.ActionPlan),
		PolicyAreas: append([]string{}, c.PolicyAreas...), Status: optional(api.CommitmentStatus(c.Status)),
		SupportInstitutions: []api.Institution{}, MilestoneCount: c.MilestoneCount, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if c.Lead != nil {
		out.LeadInstitution = ptr(ids.institution(*c.Lead))
	}
	for _, i := range c.Support {
		out.SupportInstitutions = append(out.SupportInstitutions, ids.institution(i))
	}
	return out, ids.err
}

func (m *ids) institution(i milestone.Institution) api.Institution {
	out := api.Institution{Name: i.Name}
	if o := i.Organisation; o != nil {
		out.Organisation = ptr(m.org(o.ID, o.Code, o.Name))
	}
	return out
}

func toCommitmentInput(b api.CommitmentInput) milestone.CommitmentInput {
	in := milestone.CommitmentInput{Code: b.Code, Title: b.Title, Cycle: b.Cycle, ActionPlan: deref(b.ActionPlan),
		PolicyAreas: deref(b.PolicyAreas), Status: string(deref(b.Status))}
	if l := b.LeadInstitution; l != nil {
		in.Lead = &milestone.InstitutionInput{Name: l.Name, Organisation: deref(l.Organisation)}
	}
	for _, i := range deref(b.SupportInstitutions) {
		in.Support = append(in.Support, milestone.InstitutionInput{Name: i.Name, Organisation: deref(i.Organisation)})
	}
	return in
}
