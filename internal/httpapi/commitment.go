package httpapi

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// commitments is what the handlers need of the milestone service beyond
// what milestones (milestone.go) names.
type commitments interface {
	GetCommitmentAsOf(ctx context.Context, code string, day time.Time) (milestone.Commitment, error)
	UpdateCommitment(ctx context.Context, code string, change func(milestone.CommitmentInput) (milestone.CommitmentInput, error), pre domain.Precondition) (milestone.Commitment, error)
}

// ListCommitments serves GET /commitments.
func (s *Server) ListCommitments(ctx context.Context, req api.ListCommitmentsRequestObject) (api.ListCommitmentsResponseObject, error) {
	p := req.Params
	f := milestone.CommitmentFilter{Cycle: deref(p.Cycle), PolicyArea: deref(p.PolicyArea), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince),
		PotentialImpact: milestone.PotentialImpact(deref(p.PotentialImpact)), OGPValue: milestone.OGPValue(deref(p.OgpValue)), Starred: p.Starred}
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
	f := milestone.CommitmentFilter{Cycle: deref(p.Cycle), PolicyArea: deref(p.PolicyArea), Q: deref(p.Q), UpdatedSince: deref(p.UpdatedSince),
		PotentialImpact: milestone.PotentialImpact(deref(p.PotentialImpact)), OGPValue: milestone.OGPValue(deref(p.OgpValue)), Starred: p.Starred}
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
	c, err := s.milestones.GetCommitmentAsOf(ctx, req.Commitment, domainDate(req.Params.AsOf))
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
	c, err := s.milestones.CreateCommitment(ctx, toCommitmentInput(*req.Body, false))
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
	c, err := s.milestones.ReplaceCommitment(ctx, req.Commitment, toCommitmentInput(*req.Body, true), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := commitmentOK(c)
	if err != nil {
		return nil, err
	}
	return api.ReplaceCommitment200JSONResponse{CommitmentOKJSONResponse: resp}, nil
}

// UpdateCommitment serves PATCH /commitments/{commitment} (JSON Merge Patch).
func (s *Server) UpdateCommitment(ctx context.Context, req api.UpdateCommitmentRequestObject) (api.UpdateCommitmentResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "CommitmentInput", infallible(toAPICommitmentInput),
		infallible(func(b api.CommitmentInput) milestone.CommitmentInput { return toCommitmentInput(b, false) }))
	c, err := s.milestones.UpdateCommitment(ctx, req.Commitment, merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := commitmentOK(c)
	if err != nil {
		return nil, err
	}
	return api.UpdateCommitment200JSONResponse{CommitmentOKJSONResponse: resp}, nil
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
	out.StartDate, out.EndDate = apiDate(c.StartDate), apiDate(c.EndDate)
	out.MilestonePeriod, out.Description, out.Irm = toAPIMonthSpan(c.MilestonePeriod), toAPIDescription(c.Description), toAPIAssessment(c.IRM)
	out.RelatedCommitments = make([]api.CommitmentReference, len(c.Related))
	for i, r := range c.Related {
		out.RelatedCommitments[i] = api.CommitmentReference{Code: r.Code, Title: r.Title}
	}
	return out, ids.err
}

// toAPIMonthSpan, toAPIDescription and toAPIAssessment leave out what is
// not known, and are nil when nothing is.
func toAPIMonthSpan(m milestone.MonthSpan) *api.MonthSpan {
	if m == (milestone.MonthSpan{}) {
		return nil
	}
	return &api.MonthSpan{From: optional(m.From), Until: optional(m.Until)}
}

func toAPIDescription(d milestone.Description) *api.CommitmentDescription {
	if d == (milestone.Description{}) {
		return nil
	}
	return &api.CommitmentDescription{SocialIssue: optional(d.SocialIssue), Action: optional(d.Action),
		Contribution: optional(d.Contribution), Relevance: optional(d.Relevance)}
}

func toAPIAssessment(a milestone.Assessment) *api.IrmAssessment {
	out := api.IrmAssessment{Report: optional(a.Report)}
	design := api.IrmDesign{Verifiable: a.Verifiable, PotentialImpact: optional(api.PotentialImpact(a.PotentialImpact)),
		Starred: a.Starred, Note: optional(a.DesignNote)}
	if len(a.OGPValues) > 0 {
		values := make([]api.OgpValue, len(a.OGPValues))
		for i, v := range a.OGPValues {
			values[i] = api.OgpValue(v)
		}
		design.OgpValues = &values
	}
	if design != (api.IrmDesign{}) {
		out.Design = &design
	}
	impl := api.IrmImplementation{Completion: optional(api.Completion(a.Completion)), EarlyResults: optional(api.EarlyResults(a.EarlyResults)),
		Note: optional(a.ImplementationNote)}
	if impl != (api.IrmImplementation{}) {
		out.Implementation = &impl
	}
	if len(a.Recommendations) > 0 {
		recs := make([]api.IrmRecommendation, len(a.Recommendations))
		for i, r := range a.Recommendations {
			recs[i] = api.IrmRecommendation{Text: r.Text}
			if len(r.Related) > 0 {
				recs[i].RelatedCommitments = ptr(append([]string{}, r.Related...))
			}
		}
		out.Recommendations = &recs
	}
	if out == (api.IrmAssessment{}) {
		return nil
	}
	return &out
}

func (m *ids) institution(i milestone.Institution) api.Institution {
	out := api.Institution{Name: i.Name}
	if o := i.Organisation; o != nil {
		out.Organisation = ptr(m.org(o.ID, o.Code, o.Name))
	}
	return out
}

// toCommitmentInput maps a body; with absentKeeps (PUT) the details the
// body leaves out keep their value, otherwise (POST, a merged PATCH) they
// are cleared.
func toCommitmentInput(b api.CommitmentInput, absentKeeps bool) milestone.CommitmentInput {
	in := milestone.CommitmentInput{Code: b.Code, Title: b.Title, Cycle: b.Cycle, ActionPlan: deref(b.ActionPlan),
		PolicyAreas: deref(b.PolicyAreas), Status: string(deref(b.Status))}
	if l := b.LeadInstitution; l != nil {
		in.Lead = &milestone.InstitutionInput{Name: l.Name, Organisation: deref(l.Organisation)}
	}
	for _, i := range deref(b.SupportInstitutions) {
		in.Support = append(in.Support, milestone.InstitutionInput{Name: i.Name, Organisation: deref(i.Organisation)})
	}
	d := &in.Details
	if b.StartDate != nil || !absentKeeps {
		d.StartDate = ptr(domainDate(b.StartDate))
	}
	if b.EndDate != nil || !absentKeeps {
		d.EndDate = ptr(domainDate(b.EndDate))
	}
	if m := b.MilestonePeriod; m != nil || !absentKeeps {
		d.MilestonePeriod = &milestone.MonthSpan{}
		if m != nil {
			d.MilestonePeriod = &milestone.MonthSpan{From: deref(m.From), Until: deref(m.Until)}
		}
	}
	if x := b.Description; x != nil || !absentKeeps {
		d.Description = &milestone.Description{}
		if x != nil {
			d.Description = &milestone.Description{SocialIssue: deref(x.SocialIssue), Action: deref(x.Action),
				Contribution: deref(x.Contribution), Relevance: deref(x.Relevance)}
		}
	}
	if b.Irm != nil || !absentKeeps {
		d.IRM = ptr(toAssessment(deref(b.Irm)))
	}
	if b.RelatedCommitments != nil || !absentKeeps {
		d.Related = ptr(append([]string{}, deref(b.RelatedCommitments)...))
	}
	return in
}

func toAssessment(a api.IrmAssessment) milestone.Assessment {
	design, impl := deref(a.Design), deref(a.Implementation)
	out := milestone.Assessment{Report: deref(a.Report), Verifiable: design.Verifiable, PotentialImpact: milestone.PotentialImpact(deref(design.PotentialImpact)),
		Starred: design.Starred, DesignNote: deref(design.Note), Completion: milestone.Completion(deref(impl.Completion)),
		EarlyResults: milestone.EarlyResults(deref(impl.EarlyResults)), ImplementationNote: deref(impl.Note)}
	for _, v := range deref(design.OgpValues) {
		out.OGPValues = append(out.OGPValues, milestone.OGPValue(v))
	}
	for _, r := range deref(a.Recommendations) {
		out.Recommendations = append(out.Recommendations, milestone.Recommendation{Text: r.Text, Related: deref(r.RelatedCommitments)})
	}
	return out
}

// toAPICommitmentInput is the commitment's input in the contract's terms,
// for a merge patch; institutions name their organisations by id.
func toAPICommitmentInput(in milestone.CommitmentInput) api.CommitmentInput {
	out := api.CommitmentInput{Code: in.Code, Title: in.Title, Cycle: in.Cycle, ActionPlan: optional(in.ActionPlan),
		Status: optional(api.CommitmentStatus(in.Status))}
	if len(in.PolicyAreas) > 0 {
		out.PolicyAreas = ptr(append([]string{}, in.PolicyAreas...))
	}
	inst := func(i milestone.InstitutionInput) api.InstitutionInput {
		return api.InstitutionInput{Name: i.Name, Organisation: optional(i.Organisation)}
	}
	if in.Lead != nil {
		out.LeadInstitution = ptr(inst(*in.Lead))
	}
	if len(in.Support) > 0 {
		support := make([]api.InstitutionInput, len(in.Support))
		for i, s := range in.Support {
			support[i] = inst(s)
		}
		out.SupportInstitutions = &support
	}
	d := in.Details
	if d.StartDate != nil {
		out.StartDate = apiDate(*d.StartDate)
	}
	if d.EndDate != nil {
		out.EndDate = apiDate(*d.EndDate)
	}
	if d.MilestonePeriod != nil {
		out.MilestonePeriod = toAPIMonthSpan(*d.MilestonePeriod)
	}
	if d.Description != nil {
		out.Description = toAPIDescription(*d.Description)
	}
	if d.IRM != nil {
		out.Irm = toAPIAssessment(*d.IRM)
	}
	if d.Related != nil && len(*d.Related) > 0 {
		out.RelatedCommitments = ptr(append([]string{}, *d.Related...))
	}
	return out
}
