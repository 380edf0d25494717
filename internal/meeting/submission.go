package meeting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// SubmissionStatus is where a paper stands.
type SubmissionStatus string

const (
	Submitted SubmissionStatus = "submitted"
	Accepted  SubmissionStatus = "accepted"
	Rejected  SubmissionStatus = "rejected"
)

// Submission is a paper sent to a conference's call.
type Submission struct {
	ID           string
	MeetingID    string
	Title        string
	Abstract     string
	Authors      []string
	Organisation *organisation.Ref
	Status       SubmissionStatus
	SubmittedBy  string
	SubmittedAt  time.Time
	DecidedAt    time.Time
}

// SubmissionInput is a paper as sent.
type SubmissionInput struct {
	Title        string
	Abstract     string
	Authors      []string
	Organisation string
}

// SubmissionStore keeps submissions.
type SubmissionStore interface {
	Submissions(ctx context.Context, meetingID string) ([]Submission, error)
	CreateSubmission(ctx context.Context, sub Submission, c domain.Change) error
	UpdateSubmission(ctx context.Context, sub Submission, c domain.Change) error
	// SubmissionsByAuthor lists the submissions, of every meeting, that
	// name author among their authors.
	SubmissionsByAuthor(ctx context.Context, author string) ([]Submission, error)
}

// decisions are what an editor may decide on a submission.
var decisions = []SubmissionStatus{Accepted, Rejected}

// Submit sends a paper to a conference while its call is open (dates in
// Amsterdam, both days included). Any signed-in user or API client, in an
// organisation's name only for its own organisation (editors and admins for
// any).
func (s *Service) Submit(ctx context.Context, meetingID string, in SubmissionInput) (Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Submission{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to submit a paper")
	}
	m, err := s.store.GetMeeting(ctx, meetingID)
	if err != nil {
		return Submission{}, err
	}
	if m.Format != FormatConference || m.Details == nil {
		return Submission{}, domain.Errorf(domain.CodeConflict, "only a conference has a call for papers")
	}
	today := domain.Today(s.now())
	switch {
	case m.Status == StatusCancelled:
		return Submission{}, domain.Errorf(domain.CodeConflict, "the conference is cancelled")
	case today.Before(m.Details.CallOpensOn):
		return Submission{}, domain.Errorf(domain.CodeConflict, "the call for papers opens on %s", m.Details.CallOpensOn.Format(time.DateOnly))
	case today.After(m.Details.CallClosesOn):
		return Submission{}, domain.Errorf(domain.CodeConflict, "the call for papers closed on %s", m.Details.CallClosesOn.Format(time.DateOnly))
	}
	var p domain.Problems
	sub := Submission{ID: uuid.Must(uuid.NewV7()).String(), MeetingID: meetingID, Title: strings.TrimSpace(in.Title),
		Abstract: strings.TrimSpace(in.Abstract), Status: Submitted, SubmittedBy: actor.Subject,
		SubmittedAt: domain.Timestamp(s.now)}
	if sub.Title == "" {
		p.Add("title", "must not be empty")
	}
	if sub.Abstract == "" {
		p.Add("abstract", "must not be empty")
	}
	for i, a := range in.Authors {
		if a = strings.TrimSpace(a); a == "" {
			p.Add(fmt.Sprintf("authors[%d]", i), "must not be empty")
		} else {
			sub.Authors = append(sub.Authors, a)
		}
	}
	if len(in.Authors) == 0 {
		p.Add("authors", "name at least one author")
	}
	org := in.Organisation
	if org == "" && actor.OrganisationID != "" {
		org = actor.OrganisationID
	}
	if org != "" {
		orgs := organisation.NewResolver(ctx, s.orgs, &p)
		ref, ok := orgs.Resolve(org, "organisation")
		if err := orgs.Err(); err != nil {
			return Submission{}, err
		}
		// A member or bound partner submits for its own organisation;
		// editors and admins for any. A caller bound to none (an analyst,
		// an unbound partner) submits in no organisation's name.
		if ok && ref.ID != actor.OrganisationID && !actor.Is(domain.RoleAdmin, domain.RoleEditor) {
			return Submission{}, &domain.Error{Code: domain.CodeForbidden, Message: "you submit for your own organisation only",
				Fields: []domain.FieldError{{Name: "organisation", Reason: "is not your organisation"}}}
		}
		if ok {
			sub.Organisation = &ref
		}
	}
	if err := p.Err(); err != nil {
		return Submission{}, err
	}
	err = s.store.CreateSubmission(ctx, sub, domain.Change{Resource: "submission", ResourceID: sub.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"title", "abstract", "authors", "organisation"}, Version: 1, At: sub.SubmittedAt})
	return sub, err
}

// Submissions lists the conference's papers the caller may see: editors and
// admins all, a member its own organisation's, anyone their own.
func (s *Service) Submissions(ctx context.Context, meetingID string) ([]Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to see submissions")
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return nil, err
	}
	subs, err := s.store.Submissions(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	var out []Submission
	for _, sub := range subs {
		ownOrg := sub.Organisation != nil && actor.Is(domain.RoleMember) && sub.Organisation.ID == actor.OrganisationID
		if actor.Is(domain.RoleAdmin, domain.RoleEditor) || sub.SubmittedBy == actor.Subject || ownOrg {
			out = append(out, sub)
		}
	}
	return out, nil
}

// Decide accepts or rejects a paper. Editors and admins.
func (s *Service) Decide(ctx context.Context, meetingID, submissionID string, decision SubmissionStatus) (Submission, error) {
	actor, err := requireEditor(ctx, "decide on submissions")
	if err != nil {
		return Submission{}, err
	}
	if !slices.Contains(decisions, decision) {
		return Submission{}, (domain.Problems{{Name: "decision", Reason: "must be one of " + domain.OneOf(decisions)}}).Err()
	}
	subs, err := s.store.Submissions(ctx, meetingID)
	if err != nil {
		return Submission{}, err
	}
	for _, sub := range subs {
		if sub.ID == submissionID {
			sub.Status, sub.DecidedAt = decision, domain.Timestamp(s.now)
			err := s.store.UpdateSubmission(ctx, sub, domain.Change{Resource: "submission", ResourceID: sub.ID, Action: domain.ActionUpdate,
				Actor: actor.Subject, Fields: []string{"status"}, At: sub.DecidedAt})
			return sub, err
		}
	}
	return Submission{}, domain.Errorf(domain.CodeNotFound, "no submission %s for this meeting", submissionID)
}
