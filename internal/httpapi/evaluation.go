package httpapi

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// evaluations is what the handlers need of the evaluation service.
type evaluations interface {
	List(ctx context.Context, f evaluation.Filter) (domain.Page[evaluation.Evaluation], error)
	Get(ctx context.Context, id string) (evaluation.Evaluation, error)
	Create(ctx context.Context, in evaluation.Input) (evaluation.Evaluation, error)
	Replace(ctx context.Context, id string, in evaluation.Input, pre domain.Precondition) (evaluation.Evaluation, error)
	Update(ctx context.Context, id string, change func(evaluation.Input) (evaluation.Input, error), pre domain.Precondition) (evaluation.Evaluation, error)
	Delete(ctx context.Context, id string, pre domain.Precondition) error
	PutResponse(ctx context.Context, evaluationID, orgRef string, answers evaluation.Answers) (evaluation.Response, error)
	GetResponse(ctx context.Context, evaluationID, orgRef string) (evaluation.Response, error)
	Pseudonymised(ctx context.Context, evaluationID string) (evaluation.Evaluation, []evaluation.PseudonymisedResponse, error)
	Results(ctx context.Context, evaluationID string) (evaluation.Results, error)
}

// ListEvaluations serves GET /evaluations.
func (s *Server) ListEvaluations(ctx context.Context, req api.ListEvaluationsRequestObject) (api.ListEvaluationsResponseObject, error) {
	p := req.Params
	f := evaluation.Filter{Status: evaluation.Status(deref(p.Status)), UpdatedSince: deref(p.UpdatedSince), Answered: p.Answered,
		PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)}
	if p.Milestone != nil {
		f.MilestoneID = p.Milestone.String()
	}
	page, err := s.evaluations.List(ctx, f)
	if err != nil {
		return nil, err
	}
	now := s.now()
	items, err := mapAll(page.Items, func(e evaluation.Evaluation) (api.Evaluation, error) { return toAPIEvaluation(e, now) })
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListEvaluations200JSONResponse{Body: api.EvaluationPage{Items: items, NextCursor: cursor},
		Headers: api.ListEvaluations200ResponseHeaders{Link: link}}, nil
}

// GetEvaluation serves GET /evaluations/{evaluation}.
func (s *Server) GetEvaluation(ctx context.Context, req api.GetEvaluationRequestObject) (api.GetEvaluationResponseObject, error) {
	e, err := s.evaluations.Get(ctx, req.Evaluation.String())
	if err != nil {
		return nil, err
	}
	resp, err := s.evaluationOK(e)
	if err != nil {
		return nil, err
	}
	return api.GetEvaluation200JSONResponse{EvaluationOKJSONResponse: resp}, nil
}

// CreateEvaluation serves POST /evaluations.
func (s *Server) CreateEvaluation(ctx context.Context, req api.CreateEvaluationRequestObject) (api.CreateEvaluationResponseObject, error) {
	e, err := s.evaluations.Create(ctx, toEvaluationInput(*req.Body))
	if err != nil {
		return nil, err
	}
	body, err := toAPIEvaluation(e, s.now())
	if err != nil {
		return nil, err
	}
	return api.CreateEvaluation201JSONResponse{Body: body, Headers: api.CreateEvaluation201ResponseHeaders{
		ETag: ptr(etag(e.Version)), Location: ptr(basePath + "/evaluations/" + e.ID)}}, nil
}

// ReplaceEvaluation serves PUT /evaluations/{evaluation}.
func (s *Server) ReplaceEvaluation(ctx context.Context, req api.ReplaceEvaluationRequestObject) (api.ReplaceEvaluationResponseObject, error) {
	e, err := s.evaluations.Replace(ctx, req.Evaluation.String(), toEvaluationInput(*req.Body), precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := s.evaluationOK(e)
	if err != nil {
		return nil, err
	}
	return api.ReplaceEvaluation200JSONResponse{EvaluationOKJSONResponse: resp}, nil
}

// UpdateEvaluation serves PATCH /evaluations/{evaluation} (JSON Merge Patch).
func (s *Server) UpdateEvaluation(ctx context.Context, req api.UpdateEvaluationRequestObject) (api.UpdateEvaluationResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "EvaluationInput", toAPIEvaluationInput, infallible(toEvaluationInput))
	e, err := s.evaluations.Update(ctx, req.Evaluation.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := s.evaluationOK(e)
	if err != nil {
		return nil, err
	}
	return api.UpdateEvaluation200JSONResponse{EvaluationOKJSONResponse: resp}, nil
}

// DeleteEvaluation serves DELETE /evaluations/{evaluation}.
func (s *Server) DeleteEvaluation(ctx context.Context, req api.DeleteEvaluationRequestObject) (api.DeleteEvaluationResponseObject, error) {
	if err := s.evaluations.Delete(ctx, req.Evaluation.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteEvaluation204Response{}, nil
}

// PutEvaluationResponse serves PUT /evaluations/{evaluation}/responses/{organisation}.
func (s *Server) PutEvaluationResponse(ctx context.Context, req api.PutEvaluationResponseRequestObject) (api.PutEvaluationResponseResponseObject, error) {
	r, err := s.evaluations.PutResponse(ctx, req.Evaluation.String(), req.Organisation, evaluation.Answers(req.Body.Answers))
	if err != nil {
		return nil, err
	}
	body, err := toAPIResponse(r)
	if err != nil {
		return nil, err
	}
	return api.PutEvaluationResponse200JSONResponse{EvaluationResponseOKJSONResponse: api.EvaluationResponseOKJSONResponse{Body: body}}, nil
}

// GetEvaluationResponse serves GET /evaluations/{evaluation}/responses/{organisation}.
func (s *Server) GetEvaluationResponse(ctx context.Context, req api.GetEvaluationResponseRequestObject) (api.GetEvaluationResponseResponseObject, error) {
	r, err := s.evaluations.GetResponse(ctx, req.Evaluation.String(), req.Organisation)
	if err != nil {
		return nil, err
	}
	body, err := toAPIResponse(r)
	if err != nil {
		return nil, err
	}
	return api.GetEvaluationResponse200JSONResponse{EvaluationResponseOKJSONResponse: api.EvaluationResponseOKJSONResponse{Body: body}}, nil
}

// ListEvaluationResponses serves GET /evaluations/{evaluation}/responses, pseudonymised.
func (s *Server) ListEvaluationResponses(ctx context.Context, req api.ListEvaluationResponsesRequestObject) (api.ListEvaluationResponsesResponseObject, error) {
	_, items, err := s.pseudonymised(ctx, req.Evaluation.String())
	if err != nil {
		return nil, err
	}
	return api.ListEvaluationResponses200JSONResponse{Body: api.PseudonymisedResponseList{Items: items}}, nil
}

// ExportEvaluationResponses serves GET /evaluations/{evaluation}/responses/export.
func (s *Server) ExportEvaluationResponses(ctx context.Context, req api.ExportEvaluationResponsesRequestObject) (api.ExportEvaluationResponsesResponseObject, error) {
	e, items, err := s.pseudonymised(ctx, req.Evaluation.String())
	if err != nil {
		return nil, err
	}
	f := string(req.Params.Format)
	body, err := stream(ctx, f, responseTable(e), apiRows(func(emit func(api.PseudonymisedResponse) error) error {
		for _, it := range items {
			if err := emit(it); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	if f == formatCSV {
		return api.ExportEvaluationResponses200TextCsvResponse{Body: body}, nil
	}
	return api.ExportEvaluationResponses200ApplicationXNdjsonResponse{Body: body}, nil
}

// pseudonymised is an evaluation and its responses in the contract's terms.
func (s *Server) pseudonymised(ctx context.Context, id string) (evaluation.Evaluation, []api.PseudonymisedResponse, error) {
	e, rs, err := s.evaluations.Pseudonymised(ctx, id)
	if err != nil {
		return e, nil, err
	}
	items := make([]api.PseudonymisedResponse, len(rs))
	for i, r := range rs {
		items[i] = api.PseudonymisedResponse{Respondent: r.Respondent, Answers: map[string]any(r.Answers), SubmittedAt: r.SubmittedAt.UTC()}
	}
	return e, items, nil
}

// resultRow is one line of the results as CSV or NDJSON: a question and one of its values.
type resultRow struct {
	Question   string   `json:"question"`
	Type       string   `json:"type"`
	Text       string   `json:"text"`
	Count      int      `json:"count"`
	Suppressed bool     `json:"suppressed"`
	Value      string   `json:"value"`
	ValueCount *int     `json:"valueCount"`
	Mean       *float64 `json:"mean"`
	Median     *float64 `json:"median"`
}

// ExportEvaluationResults serves GET /evaluations/{evaluation}/results/export:
// one row per question and value.
func (s *Server) ExportEvaluationResults(ctx context.Context, req api.ExportEvaluationResultsRequestObject) (api.ExportEvaluationResultsResponseObject, error) {
	r, err := s.evaluations.Results(ctx, req.Evaluation.String())
	if err != nil {
		return nil, err
	}
	f := string(req.Params.Format)
	body, err := stream(ctx, f, resultColumns, apiRows(func(emit func(resultRow) error) error {
		for _, q := range r.Questions {
			base := resultRow{Question: q.Question.Key, Type: string(q.Question.Type), Text: q.Question.Text, Count: q.Count,
				Suppressed: q.Suppressed, Mean: q.Mean, Median: q.Median}
			if len(q.Distribution) == 0 {
				if err := emit(base); err != nil {
					return err
				}
			}
			for _, d := range q.Distribution {
				row := base
				row.Value, row.ValueCount = d.Value, ptr(d.Count)
				if err := emit(row); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	if err != nil {
		return nil, err
	}
	if f == formatCSV {
		return api.ExportEvaluationResults200TextCsvResponse{Body: body}, nil
	}
	return api.ExportEvaluationResults200ApplicationXNdjsonResponse{Body: body}, nil
}

// GetEvaluationResults serves GET /evaluations/{evaluation}/results.
func (s *Server) GetEvaluationResults(ctx context.Context, req api.GetEvaluationResultsRequestObject) (api.GetEvaluationResultsResponseObject, error) {
	r, err := s.evaluations.Results(ctx, req.Evaluation.String())
	if err != nil {
		return nil, err
	}
	id, err := uuidOf(r.EvaluationID)
	if err != nil {
		return nil, err
	}
	body := api.EvaluationResults{Evaluation: id, Status: api.EvaluationStatus(r.Status), AudienceSize: r.AudienceSize,
		Responses: r.Responses, ResponseRate: r.ResponseRate, MinGroupSize: r.MinGroupSize, Questions: make([]api.QuestionResult, len(r.Questions))}
	for i, q := range r.Questions {
		qr := api.QuestionResult{Key: q.Question.Key, Type: api.QuestionType(q.Question.Type), Text: q.Question.Text, Count: q.Count,
			Suppressed: q.Suppressed, Mean: q.Mean, Median: q.Median}
		if q.Distribution != nil {
			dist := make([]api.OptionCount, len(q.Distribution))
			for j, d := range q.Distribution {
				dist[j] = api.OptionCount{Value: d.Value, Count: d.Count}
			}
			qr.Distribution = &dist
		}
		body.Questions[i] = qr
	}
	return api.GetEvaluationResults200JSONResponse{Body: body}, nil
}

func (s *Server) evaluationOK(e evaluation.Evaluation) (api.EvaluationOKJSONResponse, error) {
	body, err := toAPIEvaluation(e, s.now())
	return api.EvaluationOKJSONResponse{Body: body, Headers: api.EvaluationOKResponseHeaders{ETag: ptr(etag(e.Version))}}, err
}

func toAPIEvaluation(e evaluation.Evaluation, now time.Time) (api.Evaluation, error) {
	var ids ids
	out := api.Evaluation{ID: ids.uuid(e.ID), Title: e.Title, Description: optional(e.Description), OpensAt: e.OpensAt.UTC(),
		ClosesAt: e.ClosesAt.UTC(), Published: e.Published, Status: api.EvaluationStatus(e.StatusAt(now)),
		Audience: make([]api.OrganisationSummary, len(e.Audience)), MinGroupSize: e.MinGroupSize,
		Questions: make([]api.Question, len(e.Questions)), ResponseCount: e.ResponseCount, Example: e.Example,
		Revision: int(e.Version), CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
	if e.MilestoneID != "" {
		out.Milestone = ptr(ids.uuid(e.MilestoneID))
	}
	for i, o := range e.Audience {
		out.Audience[i] = ids.org(o.ID, o.Code, o.Name)
	}
	for i, q := range e.Questions {
		out.Questions[i] = toAPIQuestion(q)
	}
	return out, ids.err
}

func toAPIQuestion(q evaluation.Question) api.Question {
	out := api.Question{Key: q.Key, Type: api.QuestionType(q.Type), Text: q.Text, Required: optional(q.Required), Min: q.Min, Max: q.Max,
		MinSelections: optional(q.MinSelections), MaxSelections: optional(q.MaxSelections), MaxLength: optional(q.MaxLength)}
	if len(q.Labels) > 0 {
		out.Labels = ptr(q.Labels)
	}
	if len(q.Options) > 0 {
		out.Options = ptr(append([]string{}, q.Options...))
	}
	return out
}

func toEvaluationInput(b api.EvaluationInput) evaluation.Input {
	in := evaluation.Input{Title: b.Title, Description: deref(b.Description), OpensAt: b.OpensAt, ClosesAt: b.ClosesAt,
		Published: deref(b.Published), Audience: deref(b.Audience), MinGroupSize: deref(b.MinGroupSize)}
	if b.Milestone != nil {
		in.MilestoneID = b.Milestone.String()
	}
	for _, q := range b.Questions {
		in.Questions = append(in.Questions, evaluation.Question{Key: q.Key, Type: evaluation.QuestionType(q.Type), Text: q.Text,
			Required: deref(q.Required), Min: q.Min, Max: q.Max, Labels: deref(q.Labels), Options: deref(q.Options),
			MinSelections: deref(q.MinSelections), MaxSelections: deref(q.MaxSelections), MaxLength: deref(q.MaxLength)})
	}
	return in
}

func toAPIEvaluationInput(in evaluation.Input) (api.EvaluationInput, error) {
	var ids ids
	out := api.EvaluationInput{Title: in.Title, Description: optional(in.Description), OpensAt: in.OpensAt.UTC(), ClosesAt: in.ClosesAt.UTC(),
		Published: ptr(in.Published), MinGroupSize: ptr(in.MinGroupSize), Questions: make([]api.Question, len(in.Questions))}
	if in.MilestoneID != "" {
		out.Milestone = ptr(ids.uuid(in.MilestoneID))
	}
	if len(in.Audience) > 0 {
		out.Audience = ptr(append([]string{}, in.Audience...))
	}
	for i, q := range in.Questions {
		out.Questions[i] = toAPIQuestion(q)
	}
	return out, ids.err
}

func toAPIResponse(r evaluation.Response) (api.EvaluationResponse, error) {
	var ids ids
	o := r.Organisation
	out := api.EvaluationResponse{Evaluation: ids.uuid(r.EvaluationID), Organisation: ids.org(o.ID, o.Code, o.Name),
		Answers: map[string]any(r.Answers), SubmittedAt: r.SubmittedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	return out, ids.err // read after the literal: a return's operands run in no set order
}
