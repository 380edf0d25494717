package httpapi

import (
	"context"
	"io"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// milestones is what the handlers need of the milestone service.
type milestones interface {
	commitments
	ListCommitments(ctx context.Context, f milestone.CommitmentFilter, pageSize int, cursor string) (domain.Page[milestone.Commitment], error)
	GetCommitment(ctx context.Context, code string) (milestone.Commitment, error)
	CreateCommitment(ctx context.Context, in milestone.CommitmentInput) (milestone.Commitment, error)
	ReplaceCommitment(ctx context.Context, code string, in milestone.CommitmentInput, pre domain.Precondition) (milestone.Commitment, error)
	List(ctx context.Context, req milestone.ListRequest) (domain.Page[milestone.Milestone], error)
	Each(ctx context.Context, req milestone.ListRequest, fn func(milestone.Milestone) error) error
	Get(ctx context.Context, id string, w milestone.When) (milestone.Milestone, error)
	Create(ctx context.Context, in milestone.Input) (milestone.Milestone, error)
	Replace(ctx context.Context, id string, in milestone.Input, pre domain.Precondition) (milestone.Milestone, error)
	Update(ctx context.Context, id string, change func(milestone.Input) (milestone.Input, error), pre domain.Precondition) (milestone.Milestone, error)
	Delete(ctx context.Context, id string, pre domain.Precondition) error
	AddProgressUpdate(ctx context.Context, milestoneID string, in milestone.ProgressUpdateInput) (milestone.ProgressUpdate, error)
	ProgressUpdates(ctx context.Context, milestoneID string, w milestone.When) ([]milestone.ProgressUpdate, error)
	CommitmentSummary(ctx context.Context, code string, w milestone.When) (milestone.Summary, error)
	CycleSummary(ctx context.Context, cycle int, w milestone.When) (milestone.Summary, error)
}

// ListMilestones serves GET /milestones.
func (s *Server) ListMilestones(ctx context.Context, req api.ListMilestonesRequestObject) (api.ListMilestonesResponseObject, error) {
	p := req.Params
	lr := milestone.ListRequest{Filter: milestone.Filter{Commitment: deref(p.Commitment), Q: deref(p.Q),
		DueBefore: domainDate(p.DueBefore), DueAfter: domainDate(p.DueAfter), UpdatedSince: deref(p.UpdatedSince)},
		Status: milestone.Status(deref(p.Status)), Completion: milestone.Completion(deref(p.Completion)), Overdue: p.Overdue,
		Sort: string(deref(p.Sort)), AsOf: domainDate(p.AsOf), EvidenceOn: domainDate(p.EvidenceOn), PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)}
	r, err := s.milestonePage(ctx, lr)
	if err != nil {
		return nil, err
	}
	return api.ListMilestones200JSONResponse{MilestonePageOKJSONResponse: r}, nil
}

// ExportMilestones serves GET /milestones/export.
func (s *Server) ExportMilestones(ctx context.Context, req api.ExportMilestonesRequestObject) (api.ExportMilestonesResponseObject, error) {
	p := req.Params
	lr := milestone.ListRequest{Filter: milestone.Filter{Commitment: deref(p.Commitment), Q: deref(p.Q),
		DueBefore: domainDate(p.DueBefore), DueAfter: domainDate(p.DueAfter), UpdatedSince: deref(p.UpdatedSince)},
		Status: milestone.Status(deref(p.Status)), Completion: milestone.Completion(deref(p.Completion)), Overdue: p.Overdue,
		Sort: string(deref(p.Sort)), AsOf: domainDate(p.AsOf), EvidenceOn: domainDate(p.EvidenceOn)}
	format := string(p.Format)
	body, err := s.milestoneExport(ctx, lr, format)
	if err != nil {
		return nil, err
	}
	if format == formatCSV {
		return api.ExportMilestones200TextCsvResponse{Body: body}, nil
	}
	return api.ExportMilestones200ApplicationXNdjsonResponse{Body: body}, nil
}

// ListCommitmentMilestones serves GET /commitments/{commitment}/milestones.
func (s *Server) ListCommitmentMilestones(ctx context.Context, req api.ListCommitmentMilestonesRequestObject) (api.ListCommitmentMilestonesResponseObject, error) {
	c, err := s.milestones.GetCommitment(ctx, req.Commitment)
	if err != nil {
		return nil, err
	}
	p := req.Params
	lr := milestone.ListRequest{Filter: milestone.Filter{Commitment: c.Code}, AsOf: domainDate(p.AsOf), EvidenceOn: domainDate(p.EvidenceOn),
		PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)}
	r, err := s.milestonePage(ctx, lr)
	if err != nil {
		return nil, err
	}
	return api.ListCommitmentMilestones200JSONResponse{MilestonePageOKJSONResponse: r}, nil
}

// ExportCommitmentMilestones serves GET /commitments/{commitment}/milestones/export.
func (s *Server) ExportCommitmentMilestones(ctx context.Context, req api.ExportCommitmentMilestonesRequestObject) (api.ExportCommitmentMilestonesResponseObject, error) {
	c, err := s.milestones.GetCommitment(ctx, req.Commitment)
	if err != nil {
		return nil, err
	}
	lr := milestone.ListRequest{Filter: milestone.Filter{Commitment: c.Code}, AsOf: domainDate(req.Params.AsOf), EvidenceOn: domainDate(req.Params.EvidenceOn)}
	format := string(req.Params.Format)
	body, err := s.milestoneExport(ctx, lr, format)
	if err != nil {
		return nil, err
	}
	if format == formatCSV {
		return api.ExportCommitmentMilestones200TextCsvResponse{Body: body}, nil
	}
	return api.ExportCommitmentMilestones200ApplicationXNdjsonResponse{Body: body}, nil
}

// milestoneExport streams every milestone lr selects as format.
func (s *Server) milestoneExport(ctx context.Context, lr milestone.ListRequest, format string) (io.Reader, error) {
	return stream(ctx, format, s.contract.columns("Milestone"), eachItem(
		func(fn func(milestone.Milestone) error) error { return s.milestones.Each(ctx, lr, fn) }, toAPIMilestone))
}

// milestonePage answers a page of milestones.
func (s *Server) milestonePage(ctx context.Context, lr milestone.ListRequest) (api.MilestonePageOKJSONResponse, error) {
	page, err := s.milestones.List(ctx, lr)
	if err != nil {
		return api.MilestonePageOKJSONResponse{}, err
	}
	items, err := mapAll(page.Items, toAPIMilestone)
	if err != nil {
		return api.MilestonePageOKJSONResponse{}, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.MilestonePageOKJSONResponse{Body: api.MilestonePage{Items: items, AsOf: apiDate(lr.AsOf), EvidenceOn: apiDate(lr.EvidenceOn), NextCursor: cursor},
		Headers: api.MilestonePageOKResponseHeaders{Link: link}}, nil
}

// GetMilestone serves GET /milestones/{milestone}.
func (s *Server) GetMilestone(ctx context.Context, req api.GetMilestoneRequestObject) (api.GetMilestoneResponseObject, error) {
	m, err := s.milestones.Get(ctx, req.Milestone.String(), milestone.When{AsOf: domainDate(req.Params.AsOf), EvidenceOn: domainDate(req.Params.EvidenceOn)})
	if err != nil {
		return nil, err
	}
	resp, err := milestoneOK(m)
	if err != nil {
		return nil, err
	}
	return api.GetMilestone200JSONResponse{MilestoneOKJSONResponse: resp}, nil
}

// CreateMilestone serves POST /milestones.
func (s *Server) CreateMilestone(ctx context.Context, req api.CreateMilestoneRequestObject) (api.CreateMilestoneResponseObject, error) {
	m, err := s.milestones.Create(ctx, toMilestoneInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPIMilestone(m)
	if err != nil {
		return nil, err
	}
	return api.CreateMilestone201JSONResponse{Body: body, Headers: api.CreateMilestone201ResponseHeaders{
		ETag: ptr(etag(m.Version)), Location: ptr(basePath + "/milestones/" + m.ID)}}, nil
}

// ReplaceMilestone serves PUT /milestones/{milestone}.
func (s *Server) ReplaceMilestone(ctx context.Context, req api.ReplaceMilestoneRequestObject) (api.ReplaceMilestoneResponseObject, error) {
	m, err := s.milestones.Replace(ctx, req.Milestone.String(), toMilestoneInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := milestoneOK(m)
	if err != nil {
		return nil, err
	}
	return api.ReplaceMilestone200JSONResponse{MilestoneOKJSONResponse: resp}, nil
}

// UpdateMilestone serves PATCH /milestones/{milestone} (JSON Merge Patch).
func (s *Server) UpdateMilestone(ctx context.Context, req api.UpdateMilestoneRequestObject) (api.UpdateMilestoneResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "MilestoneInput", infallible(toAPIMilestoneInput), infallible(toMilestoneInput))
	m, err := s.milestones.Update(ctx, req.Milestone.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := milestoneOK(m)
	if err != nil {
		return nil, err
	}
	return api.UpdateMilestone200JSONResponse{MilestoneOKJSONResponse: resp}, nil
}

// DeleteMilestone serves DELETE /milestones/{milestone}.
func (s *Server) DeleteMilestone(ctx context.Context, req api.DeleteMilestoneRequestObject) (api.DeleteMilestoneResponseObject, error) {
	if err := s.milestones.Delete(ctx, req.Milestone.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteMilestone204Response{}, nil
}

// ListMilestoneUpdates serves GET /milestones/{milestone}/updates.
func (s *Server) ListMilestoneUpdates(ctx context.Context, req api.ListMilestoneUpdatesRequestObject) (api.ListMilestoneUpdatesResponseObject, error) {
	w := milestone.When{AsOf: domainDate(req.Params.AsOf), EvidenceOn: domainDate(req.Params.EvidenceOn)}
	us, err := s.milestones.ProgressUpdates(ctx, req.Milestone.String(), w)
	if err != nil {
		return nil, err
	}
	items, err := mapAll(us, toAPIUpdate)
	if err != nil {
		return nil, err
	}
	return api.ListMilestoneUpdates200JSONResponse{Body: api.ProgressUpdateList{Items: items, AsOf: apiDate(w.AsOf), EvidenceOn: apiDate(w.EvidenceOn)}}, nil
}

// CreateMilestoneUpdate serves POST /milestones/{milestone}/updates.
func (s *Server) CreateMilestoneUpdate(ctx context.Context, req api.CreateMilestoneUpdateRequestObject) (api.CreateMilestoneUpdateResponseObject, error) {
	b := req.Body
	u, err := s.milestones.AddProgressUpdate(ctx, req.Milestone.String(), milestone.ProgressUpdateInput{Date: b.Date.Time, Note: b.Note,
		EvidenceURL: deref(b.EvidenceURL), Author: deref(b.Author)})
	if err != nil {
		return nil, err
	}
	body, err := toAPIUpdate(u)
	if err != nil {
		return nil, err
	}
	return api.CreateMilestoneUpdate201JSONResponse{Body: body, Headers: api.CreateMilestoneUpdate201ResponseHeaders{
		Location: ptr(basePath + "/milestones/" + u.MilestoneID + "/updates")}}, nil
}

// GetCommitmentSummary serves GET /commitments/{commitment}/summary.
func (s *Server) GetCommitmentSummary(ctx context.Context, req api.GetCommitmentSummaryRequestObject) (api.GetCommitmentSummaryResponseObject, error) {
	sum, err := s.milestones.CommitmentSummary(ctx, req.Commitment, milestone.When{AsOf: domainDate(req.Params.AsOf), EvidenceOn: domainDate(req.Params.EvidenceOn)})
	if err != nil {
		return nil, err
	}
	body, err := toAPISummary(sum)
	if err != nil {
		return nil, err
	}
	return api.GetCommitmentSummary200JSONResponse{ProgressSummaryOKJSONResponse: api.ProgressSummaryOKJSONResponse{Body: body}}, nil
}

// GetActionPlanSummary serves GET /action-plans/{cycle}/summary.
func (s *Server) GetActionPlanSummary(ctx context.Context, req api.GetActionPlanSummaryRequestObject) (api.GetActionPlanSummaryResponseObject, error) {
	sum, err := s.milestones.CycleSummary(ctx, req.Cycle, milestone.When{AsOf: domainDate(req.Params.AsOf), EvidenceOn: domainDate(req.Params.EvidenceOn)})
	if err != nil {
		return nil, err
	}
	body, err := toAPISummary(sum)
	if err != nil {
		return nil, err
	}
	return api.GetActionPlanSummary200JSONResponse{ProgressSummaryOKJSONResponse: api.ProgressSummaryOKJSONResponse{Body: body}}, nil
}

func toAPISummary(sum milestone.Summary) (api.ProgressSummary, error) {
	out := api.ProgressSummary{Milestones: sum.Milestones, ByStatus: map[string]int{}, ByCompletion: map[string]int{},
		ShareComplete: sum.ShareComplete, Overdue: sum.Overdue, Commitment: optional(sum.Commitment), Cycle: optional(sum.Cycle),
		AsOf: apiDate(sum.AsOf), EvidenceOn: apiDate(sum.EvidenceOn), CivilSocietyOrganisations: sum.CivilSociety}
	for k, v := range sum.ByStatus {
		out.ByStatus[string(k)] = v
	}
	for k, v := range sum.ByCompletion {
		out.ByCompletion[string(k)] = v
	}
	if sum.NextDue != nil {
		next, err := toAPIMilestone(*sum.NextDue)
		if err != nil {
			return api.ProgressSummary{}, err
		}
		out.NextDue = &next
	}
	return out, nil
}

func milestoneOK(m milestone.Milestone) (api.MilestoneOKJSONResponse, error) {
	body, err := toAPIMilestone(m)
	return api.MilestoneOKJSONResponse{Body: body, Headers: api.MilestoneOKResponseHeaders{ETag: ptr(etag(m.Version))}}, err
}

func toAPIMilestone(m milestone.Milestone) (api.Milestone, error) {
	var ids ids
	out := api.Milestone{ID: ids.uuid(m.ID), Commitment: m.Commitment, Code: m.Code, Title: m.Title,
		VerifiableResult: optional(m.VerifiableResult), PlannedStart: apiDate(m.PlannedStart), PlannedEnd: apiDate(m.PlannedEnd),
		ActualStart: apiDate(m.ActualStart), ActualEnd: apiDate(m.ActualEnd), Progress: m.Progress,
		Status: api.MilestoneStatus(m.Status), Completion: api.Completion(m.Completion), Overdue: m.Overdue,
		EvidenceRule: api.EvidenceRule(m.Rule), Revision: int(m.Version), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	if m.Target != nil {
		out.Target = &api.Target{Count: m.Target.Count, Unit: m.Target.Unit}
	}
	if ev := m.Evidence; ev != nil {
		e := api.Evidence{Rule: api.EvidenceRule(ev.Rule), Count: len(ev.Items), Items: make([]api.EvidenceItem, len(ev.Items))}
		for i, it := range ev.Items {
			e.Items[i] = api.EvidenceItem{Kind: api.EvidenceItemKind(it.Kind), ID: ids.uuid(it.ID), Title: it.Title, On: apiDate(it.On),
				CountsFrom: apiDate(it.CountsFrom), RecordedAt: apiTime(it.RecordedAt)}
		}
		out.Evidence = &e
	}
	return out, ids.err
}

func toMilestoneInput(b api.MilestoneInput) milestone.Input {
	in := milestone.Input{Commitment: b.Commitment, Code: b.Code, Title: b.Title, VerifiableResult: deref(b.VerifiableResult),
		PlannedStart: domainDate(b.PlannedStart), PlannedEnd: domainDate(b.PlannedEnd), ActualStart: domainDate(b.ActualStart),
		ActualEnd: domainDate(b.ActualEnd), Rule: milestone.Rule(deref(b.EvidenceRule)), Progress: deref(b.Progress),
		Status: milestone.Status(deref(b.Status)), Completion: milestone.Completion(deref(b.Completion))}
	if b.Target != nil {
		in.Target = &milestone.Target{Count: b.Target.Count, Unit: b.Target.Unit}
	}
	return in
}

func toAPIMilestoneInput(in milestone.Input) api.MilestoneInput {
	out := api.MilestoneInput{Commitment: in.Commitment, Code: in.Code, Title: in.Title, VerifiableResult: optional(in.VerifiableResult),
		PlannedStart: apiDate(in.PlannedStart), PlannedEnd: apiDate(in.PlannedEnd), ActualStart: apiDate(in.ActualStart),
		ActualEnd: apiDate(in.ActualEnd), EvidenceRule: ptr(api.EvidenceRule(in.Rule)), Progress: ptr(in.Progress),
		Status: ptr(api.MilestoneStatus(in.Status)), Completion: ptr(api.Completion(in.Completion))}
	if in.Target != nil {
		out.Target = &api.Target{Count: in.Target.Count, Unit: in.Target.Unit}
	}
	return out
}

func toAPIUpdate(u milestone.ProgressUpdate) (api.ProgressUpdate, error) {
	var ids ids
	out := api.ProgressUpdate{ID: ids.uuid(u.ID), Milestone: ids.uuid(u.MilestoneID), Date: apiDay(u.Date),
		Note: u.Note, EvidenceURL: optional(u.EvidenceURL), Author: u.Author, RecordedAt: u.RecordedAt.UTC()}
	return out, ids.err // read after the literal: a return's operands run in no set order
}
