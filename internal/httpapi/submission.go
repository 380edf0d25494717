package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// submissions is what the handlers need of the meeting service for the call
// for papers and its review.
type submissions interface {
	Submit(ctx context.Context, meetingID string, in meeting.SubmissionInput) (meeting.Submission, error)
	Submissions(ctx context.Context, meetingID string, status meeting.SubmissionStatus) ([]meeting.Submission, error)
	Submission(ctx context.Context, meetingID, id string) (meeting.Submission, error)
	UpdateSubmission(ctx context.Context, meetingID, id string, change func(meeting.SubmissionInput) (meeting.SubmissionInput, error),
		pre domain.Precondition) (meeting.Submission, error)
	Move(ctx context.Context, meetingID, id string, to meeting.SubmissionStatus, reason string, pre domain.Precondition) (meeting.Submission, error)
	Decide(ctx context.Context, meetingID, submissionID string, decision meeting.SubmissionStatus) (meeting.Submission, error)
	PutReview(ctx context.Context, meetingID, id string, score int, comment string) (meeting.Review, error)
	Reviewers(ctx context.Context, meetingID string) ([]meeting.Reviewer, error)
	AssignReviewer(ctx context.Context, meetingID, personID string) (meeting.Reviewer, error)
	RemoveReviewer(ctx context.Context, meetingID, personID string) error
}

// CreateSubmission serves POST /meetings/{meeting}/submissions.
func (s *Server) CreateSubmission(ctx context.Context, req api.CreateSubmissionRequestObject) (api.CreateSubmissionResponseObject, error) {
	in, err := toSubmissionInput(*req.Body)
	if err != nil {
		return nil, err
	}
	sub, err := s.meetings.Submit(ctx, req.Meeting.String(), in)
	if err != nil {
		return nil, err
	}
	body, err := toAPISubmission(sub)
	if err != nil {
		return nil, err
	}
	return api.CreateSubmission201JSONResponse{Body: body, Headers: api.CreateSubmission201ResponseHeaders{
		Location: ptr(basePath + "/meetings/" + sub.MeetingID + "/submissions/" + sub.ID), ETag: ptr(etag(sub.Version))}}, nil
}

// ListSubmissions serves GET /meetings/{meeting}/submissions.
func (s *Server) ListSubmissions(ctx context.Context, req api.ListSubmissionsRequestObject) (api.ListSubmissionsResponseObject, error) {
	subs, err := s.meetings.Submissions(ctx, req.Meeting.String(), meeting.SubmissionStatus(deref(req.Params.Status)))
	if err != nil {
		return nil, err
	}
	items, err := mapAll(subs, toAPISubmission)
	if err != nil {
		return nil, err
	}
	return api.ListSubmissions200JSONResponse{Body: api.SubmissionList{Items: items}}, nil
}

// GetSubmission serves GET /meetings/{meeting}/submissions/{submission}.
func (s *Server) GetSubmission(ctx context.Context, req api.GetSubmissionRequestObject) (api.GetSubmissionResponseObject, error) {
	sub, err := s.meetings.Submission(ctx, req.Meeting.String(), req.Submission.String())
	if err != nil {
		return nil, err
	}
	resp, err := submissionOK(sub)
	return api.GetSubmission200JSONResponse{SubmissionOKJSONResponse: resp}, err
}

// UpdateSubmission serves PATCH /meetings/{meeting}/submissions/{submission}.
func (s *Server) UpdateSubmission(ctx context.Context, req api.UpdateSubmissionRequestObject) (api.UpdateSubmissionResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "SubmissionInput", toAPISubmissionInput, toSubmissionInput)
	sub, err := s.meetings.UpdateSubmission(ctx, req.Meeting.String(), req.Submission.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	resp, err := submissionOK(sub)
	return api.UpdateSubmission200JSONResponse{SubmissionOKJSONResponse: resp}, err
}

// MoveSubmission serves POST /meetings/{meeting}/submissions/{submission}/transitions.
func (s *Server) MoveSubmission(ctx context.Context, req api.MoveSubmissionRequestObject) (api.MoveSubmissionResponseObject, error) {
	pre := domain.Precondition{}
	if req.Params.IfMatch != nil {
		pre = precondition(req.Params.IfMatch)
	}
	sub, err := s.meetings.Move(ctx, req.Meeting.String(), req.Submission.String(), meeting.SubmissionStatus(req.Body.Status),
		deref(req.Body.Reason), pre)
	if err != nil {
		return nil, err
	}
	resp, err := submissionOK(sub)
	return api.MoveSubmission200JSONResponse{SubmissionOKJSONResponse: resp}, err
}

// DecideSubmission serves PUT /meetings/{meeting}/submissions/{submission}/decision.
func (s *Server) DecideSubmission(ctx context.Context, req api.DecideSubmissionRequestObject) (api.DecideSubmissionResponseObject, error) {
	sub, err := s.meetings.Decide(ctx, req.Meeting.String(), req.Submission.String(), meeting.SubmissionStatus(req.Body.Decision))
	if err != nil {
		return nil, err
	}
	body, err := toAPISubmission(sub)
	if err != nil {
		return nil, err
	}
	return api.DecideSubmission200JSONResponse{Body: body}, nil
}

// PutSubmissionReview serves PUT /meetings/{meeting}/submissions/{submission}/review.
func (s *Server) PutSubmissionReview(ctx context.Context, req api.PutSubmissionReviewRequestObject) (api.PutSubmissionReviewResponseObject, error) {
	r, err := s.meetings.PutReview(ctx, req.Meeting.String(), req.Submission.String(), req.Body.Score, deref(req.Body.Comment))
	if err != nil {
		return nil, err
	}
	body, err := toAPIReview(r)
	if err != nil {
		return nil, err
	}
	return api.PutSubmissionReview200JSONResponse{Body: body}, nil
}

// ListConferenceReviewers serves GET /meetings/{meeting}/reviewers.
func (s *Server) ListConferenceReviewers(ctx context.Context, req api.ListConferenceReviewersRequestObject) (api.ListConferenceReviewersResponseObject, error) {
	rs, err := s.meetings.Reviewers(ctx, req.Meeting.String())
	if err != nil {
		return nil, err
	}
	items, err := mapAll(rs, toAPIReviewer)
	if err != nil {
		return nil, err
	}
	return api.ListConferenceReviewers200JSONResponse{Body: api.ReviewerList{Items: items}}, nil
}

// AssignConferenceReviewer serves PUT /meetings/{meeting}/reviewers/{person}.
func (s *Server) AssignConferenceReviewer(ctx context.Context, req api.AssignConferenceReviewerRequestObject) (api.AssignConferenceReviewerResponseObject, error) {
	r, err := s.meetings.AssignReviewer(ctx, req.Meeting.String(), req.Person.String())
	if err != nil {
		return nil, err
	}
	body, err := toAPIReviewer(r)
	if err != nil {
		return nil, err
	}
	return api.AssignConferenceReviewer200JSONResponse{Body: body}, nil
}

// RemoveConferenceReviewer serves DELETE /meetings/{meeting}/reviewers/{person}.
func (s *Server) RemoveConferenceReviewer(ctx context.Context, req api.RemoveConferenceReviewerRequestObject) (api.RemoveConferenceReviewerResponseObject, error) {
	if err := s.meetings.RemoveReviewer(ctx, req.Meeting.String(), req.Person.String()); err != nil {
		return nil, err
	}
	return api.RemoveConferenceReviewer204Response{}, nil
}

func submissionOK(sub meeting.Submission) (api.SubmissionOKJSONResponse, error) {
	body, err := toAPISubmission(sub)
	return api.SubmissionOKJSONResponse{Body: body, Headers: api.SubmissionOKResponseHeaders{ETag: ptr(etag(sub.Version))}}, err
}

func toSubmissionInput(b api.SubmissionInput) (meeting.SubmissionInput, error) {
	in := meeting.SubmissionInput{Title: b.Title, Abstract: b.Abstract, Organisation: deref(b.Organisation)}
	for _, a := range b.Authors {
		// The contract has checked that each author is one of the two.
		if p, err := a.AsAuthorPerson(); err == nil && p.Person.String() != "" {
			in.Authors = append(in.Authors, meeting.AuthorInput{PersonID: p.Person.String()})
			continue
		}
		name, err := a.AsAuthorName()
		if err != nil {
			return meeting.SubmissionInput{}, (domain.Problems{{Name: "authors", Reason: "give each author as a name or {\"person\": id}"}}).Err()
		}
		in.Authors = append(in.Authors, meeting.AuthorInput{Name: name})
	}
	return in, nil
}

func toAPISubmissionInput(in meeting.SubmissionInput) (api.SubmissionInput, error) {
	out := api.SubmissionInput{Title: in.Title, Abstract: in.Abstract, Organisation: optional(in.Organisation),
		Authors: make([]api.SubmissionAuthorInput, len(in.Authors))}
	var ids ids
	for i, a := range in.Authors {
		var err error
		if a.PersonID != "" {
			err = out.Authors[i].FromAuthorPerson(api.AuthorPerson{Person: ids.uuid(a.PersonID)})
		} else {
			err = out.Authors[i].FromAuthorName(a.Name)
		}
		if err != nil {
			return api.SubmissionInput{}, err
		}
	}
	return out, ids.err
}

// toAPISubmission maps a submission; the reviews only when the service
// filled them for this caller.
func toAPISubmission(s meeting.Submission) (api.Submission, error) {
	var ids ids
	out := api.Submission{ID: ids.uuid(s.ID), Meeting: ids.uuid(s.MeetingID), Title: s.Title, Abstract: s.Abstract,
		Authors: []string{}, AuthorDetails: []api.SubmissionAuthor{}, Status: api.SubmissionStatus(s.Status),
		SubmittedAt: s.SubmittedAt.UTC(), DecidedAt: apiTime(s.DecidedAt), UpdatedAt: s.UpdatedAt.UTC(), Revision: int(s.Version),
		History: []api.SubmissionTransition{}}
	for _, a := range s.Authors {
		if a.PersonID == "" {
			out.Authors = append(out.Authors, a.Name)
			out.AuthorDetails = append(out.AuthorDetails, api.SubmissionAuthor{Name: ptr(a.Name)})
			continue
		}
		ref := api.PersonReference{ID: ids.uuid(a.PersonID), Erased: a.Erased}
		d := api.SubmissionAuthor{Person: &ref}
		if !a.Erased {
			// Whoever sees the paper sees the names on it, as they were
			// given by its submitter.
			ref.Name, d.Name = ptr(a.Name), ptr(a.Name)
			out.Authors = append(out.Authors, a.Name)
		}
		out.AuthorDetails = append(out.AuthorDetails, d)
	}
	for _, t := range s.History {
		out.History = append(out.History, api.SubmissionTransition{From: api.SubmissionStatus(t.From), To: api.SubmissionStatus(t.To),
			At: t.At.UTC(), Reason: optional(t.Reason)})
	}
	if o := s.Organisation; o != nil {
		out.Organisation = ptr(ids.org(o.ID, o.Code, o.Name))
	}
	if s.Reviewed {
		reviews, err := mapAll(s.Reviews, toAPIReview)
		if err != nil {
			return api.Submission{}, err
		}
		out.Reviews = &reviews
		if len(reviews) > 0 {
			sum := 0
			for _, r := range s.Reviews {
				sum += r.Score
			}
			out.AverageScore = ptr(float64(sum) / float64(len(reviews)))
		}
	}
	return out, ids.err
}

func toAPIReview(r meeting.Review) (api.Review, error) {
	var ids ids
	out := api.Review{Reviewer: r.Reviewer, Score: r.Score, Comment: optional(r.Comment), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ReviewerPersonID != "" {
		out.ReviewerPerson = &api.PersonReference{ID: ids.uuid(r.ReviewerPersonID), Erased: r.ReviewerErased}
		if !r.ReviewerErased {
			out.ReviewerPerson.Name = ptr(r.ReviewerName)
		}
	}
	return out, ids.err
}

func toAPIReviewer(r meeting.Reviewer) (api.Reviewer, error) {
	var ids ids
	out := api.Reviewer{Person: api.PersonReference{ID: ids.uuid(r.PersonID), Erased: r.Erased}, AssignedAt: r.AssignedAt.UTC()}
	if !r.Erased {
		out.Person.Name = ptr(r.Name)
	}
	return out, ids.err
}

// toAPIProgramme is a conference's public programme: the accepted papers,
// with the names of authors who are people only where they made their
// profile public. Other formats have none.
func toAPIProgramme(m meeting.Meeting) (*[]api.ProgrammeItem, error) {
	if m.Format != meeting.FormatConference {
		return nil, nil
	}
	var ids ids
	out := make([]api.ProgrammeItem, len(m.Programme))
	for i, it := range m.Programme {
		out[i] = api.ProgrammeItem{Submission: ids.uuid(it.SubmissionID), Title: it.Title, Authors: make([]*string, len(it.Authors))}
		for j, a := range it.Authors {
			if a.PersonID == "" || (a.Public && !a.Erased) {
				out[i].Authors[j] = ptr(a.Name)
			}
		}
		if o := it.Organisation; o != nil {
			out[i].Organisation = ptr(ids.org(o.ID, o.Code, o.Name))
		}
	}
	return &out, ids.err
}
