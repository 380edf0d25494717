package meeting

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Party is who may make a move in the review.
type Party string

const (
	PartyEditor    Party = "editor"    // an editor or admin
	PartySubmitter Party = "submitter" // whoever sent the paper
)

// Move is one step a paper may take in its review.
type Move struct {
	From, To SubmissionStatus
	By       Party
	Reason   bool // the move needs a reason, which the history keeps
}

// Moves are the only steps a paper takes: an editor starts the review and
// decides, the submitter withdraws until the decision, and a decision is
// final unless an editor reopens it with a reason. Everything else is a
// conflict.
var Moves = []Move{
	{Submitted, UnderReview, PartyEditor, false},
	{UnderReview, Accepted, PartyEditor, false},
	{UnderReview, Rejected, PartyEditor, false},
	{Submitted, Withdrawn, PartySubmitter, false},
	{UnderReview, Withdrawn, PartySubmitter, false},
	{Accepted, UnderReview, PartyEditor, true},
	{Rejected, UnderReview, PartyEditor, true},
}

// FindMove returns the move from one status to another, if there is one.
func FindMove(from, to SubmissionStatus) (Move, bool) {
	i := slices.IndexFunc(Moves, func(m Move) bool { return m.From == from && m.To == to })
	if i < 0 {
		return Move{}, false
	}
	return Moves[i], true
}

// movesFrom names the statuses a paper may move to from status.
func movesFrom(status SubmissionStatus) []string {
	var out []string
	for _, m := range Moves {
		if m.From == status {
			out = append(out, string(m.To))
		}
	}
	return out
}

// Transition is a move a paper made: who moved it when, and why when the
// move needs a reason.
type Transition struct {
	From, To SubmissionStatus
	Actor    string
	Reason   string
	At       time.Time
}

// MaxReason bounds a transition's reason, as the contract does.
const MaxReason = 2000

// Move moves a paper to another status, by the table of Moves. pre is
// optional here: a move is checked against the status it starts from.
func (s *Service) Move(ctx context.Context, meetingID, id string, to SubmissionStatus, reason string, pre domain.Precondition) (Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Submission{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to move a paper")
	}
	if !slices.Contains(SubmissionStatuses, to) {
		return Submission{}, (domain.Problems{{Name: "status", Reason: "must be one of " + domain.OneOf(SubmissionStatuses)}}).Err()
	}
	if !pre.Present {
		pre = domain.Precondition{Present: true, Any: true}
	}
	reason = strings.TrimSpace(reason)
	var moved Transition
	return domain.Update(ctx, s.store, s.now, pre, domain.Edit[Submission]{
		Resource: "submission",
		Load:     func(ctx context.Context) (Submission, error) { return s.visibleSubmission(ctx, actor, meetingID, id) },
		Authorise: func(current Submission) error {
			if actor.Is(domain.RoleAdmin, domain.RoleEditor) || current.SubmittedBy == actor.Subject {
				return nil
			}
			return domain.Errorf(domain.CodeForbidden, "only editors and the paper's submitter move a paper")
		},
		Change: func(ctx context.Context, current Submission) (Submission, error) {
			mv, ok := FindMove(current.Status, to)
			if !ok {
				return Submission{}, moveConflict(current.Status, to)
			}
			switch mv.By {
			case PartyEditor:
				if !actor.Is(domain.RoleAdmin, domain.RoleEditor) {
					return Submission{}, domain.Errorf(domain.CodeForbidden, "only editors move a paper from %s to %s", mv.From, mv.To)
				}
			case PartySubmitter:
				if current.SubmittedBy != actor.Subject {
					return Submission{}, domain.Errorf(domain.CodeForbidden, "only the paper's submitter moves it from %s to %s", mv.From, mv.To)
				}
			}
			var p domain.Problems
			switch {
			case mv.Reason && reason == "":
				p.Add("reason", "give the reason for reopening a decision")
			case utf8.RuneCountInString(reason) > MaxReason:
				p.Add("reason", "must be at most 2000 characters")
			}
			if err := p.Err(); err != nil {
				return Submission{}, err
			}
			next := current
			next.Status = to
			next.DecidedAt = time.Time{}
			if to == Accepted || to == Rejected {
				next.DecidedAt = domain.Timestamp(s.now)
			}
			moved = Transition{From: current.Status, To: to, Actor: actor.Subject, Reason: reason}
			next.History = append(slices.Clone(current.History), moved)
			return next, nil
		},
		Diff: submissionChanges,
		Save: func(ctx context.Context, next Submission, c domain.Change) error {
			moved.At = c.At
			next.History[len(next.History)-1].At = c.At
			return s.store.UpdateSubmission(ctx, next, &moved, c)
		},
	})
}

// moveConflict is the problem for a move the table does not have.
func moveConflict(from, to SubmissionStatus) error {
	next := movesFrom(from)
	msg := "a paper that is " + string(from) + " cannot move to " + string(to)
	switch {
	case len(next) == 0:
		msg += ": " + string(from) + " is final"
	case from == Accepted || from == Rejected:
		msg += ": the decision is final until an editor reopens it (under-review, with a reason)"
	default:
		msg += "; it may move to " + strings.Join(next, " or ")
	}
	return &domain.Error{Code: domain.CodeConflict, Message: msg,
		Fields: []domain.FieldError{{Name: "status", Reason: "cannot move from " + string(from) + " to " + string(to)}}}
}

// Decide accepts or rejects a paper that is submitted or under review: the
// move to decision (through under-review for a paper not yet in review).
// Deciding again as decided changes nothing; the other decision is a
// conflict until an editor reopens the paper.
// Editors and admins.
func (s *Service) Decide(ctx context.Context, meetingID, submissionID string, decision SubmissionStatus) (Submission, error) {
	if _, err := requireEditor(ctx, "decide on submissions"); err != nil {
		return Submission{}, err
	}
	if decision != Accepted && decision != Rejected {
		return Submission{}, (domain.Problems{{Name: "decision", Reason: "must be one of " + domain.OneOf([]SubmissionStatus{Accepted, Rejected})}}).Err()
	}
	var out Submission
	err := s.store.InTx(ctx, func(ctx context.Context) error { // both moves or neither
		current, err := s.Submission(ctx, meetingID, submissionID)
		if err != nil {
			return err
		}
		switch current.Status {
		case decision:
			// PUT: the same decision again changes nothing, as it did in 1.2.
			out = current
			return nil
		case Submitted:
			// The short way to decide, as clients of 1.2 use it on a paper
			// just sent: the review starts and ends in one call, both moves
			// in the history.
			if _, err := s.Move(ctx, meetingID, submissionID, UnderReview, "", domain.Precondition{}); err != nil {
				return err
			}
		}
		out, err = s.Move(ctx, meetingID, submissionID, decision, "", domain.Precondition{})
		return err
	})
	return out, err
}

// Review is a reviewer's score of a paper and internal comment: never shown
// to the submitter, anonymous callers or partners.
type Review struct {
	ID               string
	SubmissionID     string
	Reviewer         string // the reviewer's user id
	ReviewerPersonID string
	ReviewerName     string
	ReviewerErased   bool
	Score            int
	Comment          string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// The score scale: 1 reject, 2 weak reject, 3 borderline, 4 weak accept, 5
// accept.
const (
	MinScore   = 1
	MaxScore   = 5
	MaxComment = 5000
)

// Reviewer is a person an editor assigned to review a conference's papers.
type Reviewer struct {
	MeetingID  string
	PersonID   string
	Name       string
	Erased     bool
	AssignedBy string
	AssignedAt time.Time
}

// ReviewStore keeps reviews and reviewers.
type ReviewStore interface {
	// Reviews maps the submission ids to their reviews, oldest first.
	Reviews(ctx context.Context, submissionIDs []string) (map[string][]Review, error)
	// PutReview inserts r when its version is 1 and otherwise updates it
	// where the stored version is one less.
	PutReview(ctx context.Context, r Review, c domain.Change) error
	Reviewers(ctx context.Context, meetingID string) ([]Reviewer, error)
	IsReviewer(ctx context.Context, meetingID, personID string) (bool, error)
	AddReviewer(ctx context.Context, r Reviewer, c domain.Change) error
	RemoveReviewer(ctx context.Context, meetingID, personID string, c domain.Change) error
}

// reviews says whether the actor reviews the conference's papers: editors
// and admins, and the people assigned. API clients never do.
func (s *Service) reviews(ctx context.Context, actor domain.Actor, meetingID string) (bool, error) {
	switch {
	case actor.Client || actor.Anonymous():
		return false, nil
	case actor.Is(domain.RoleAdmin, domain.RoleEditor):
		return true, nil
	case actor.PersonID == "":
		return false, nil
	}
	return s.store.IsReviewer(ctx, meetingID, actor.PersonID)
}

// withReviews fills the reviews of subs for a reviewer, but not of the
// reviewer's own papers: a submitter or author never sees the reviews of
// theirs, whatever else they are.
func (s *Service) withReviews(ctx context.Context, actor domain.Actor, subs []Submission) error {
	var ids []string
	for _, sub := range subs {
		if !sub.ownedBy(actor) {
			ids = append(ids, sub.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	reviews, err := s.store.Reviews(ctx, ids)
	if err != nil {
		return err
	}
	for i := range subs {
		if !subs[i].ownedBy(actor) {
			subs[i].Reviews, subs[i].Reviewed = reviews[subs[i].ID], true
		}
	}
	return nil
}

// PutReview records the caller's score and comment on a paper under
// review, replacing the caller's earlier one. Editors, admins and the
// conference's reviewers, on papers that are not their own.
func (s *Service) PutReview(ctx context.Context, meetingID, id string, score int, comment string) (Review, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Review{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to review papers")
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return Review{}, err
	}
	reviewer, err := s.reviews(ctx, actor, meetingID)
	if err != nil {
		return Review{}, err
	}
	if !reviewer {
		return Review{}, domain.Errorf(domain.CodeForbidden, "only editors and the conference's reviewers review its papers")
	}
	var p domain.Problems
	if score < MinScore || score > MaxScore {
		p.Add("score", "must be from 1 (reject) to 5 (accept)")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxComment {
		p.Add("comment", "must be at most 5000 characters")
	}
	if err := p.Err(); err != nil {
		return Review{}, err
	}
	var out Review
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.visibleSubmission(ctx, actor, meetingID, id)
		if err != nil {
			return err
		}
		if sub.ownedBy(actor) {
			return domain.Errorf(domain.CodeForbidden, "you do not review a paper of your own")
		}
		if sub.Status != UnderReview {
			return domain.Errorf(domain.CodeConflict, "the paper is %s: reviews are recorded while it is under review", sub.Status)
		}
		now := domain.Timestamp(s.now)
		r := Review{ID: uuid.Must(uuid.NewV7()).String(), SubmissionID: id, Reviewer: actor.Subject, ReviewerPersonID: actor.PersonID,
			Version: 1, CreatedAt: now}
		action := domain.ActionCreate
		if i := slices.IndexFunc(sub.Reviews, func(r Review) bool { return r.Reviewer == actor.Subject }); i >= 0 {
			r = sub.Reviews[i]
			if r.Score == score && r.Comment == comment {
				out = r
				return nil
			}
			r.Version++
			action = domain.ActionUpdate
		}
		r.Score, r.Comment, r.UpdatedAt = score, comment, now
		if err := s.store.PutReview(ctx, r, domain.Change{Resource: "submission-review", ResourceID: r.ID, Action: action,
			Actor: actor.Subject, Fields: []string{"score", "comment"}, Version: r.Version, At: now}); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// Reviewers lists the people assigned to review a conference's papers.
// Editors, admins and the reviewers themselves.
func (s *Service) Reviewers(ctx context.Context, meetingID string) ([]Reviewer, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to see reviewers")
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return nil, err
	}
	reviewer, err := s.reviews(ctx, actor, meetingID)
	if err != nil {
		return nil, err
	}
	if !reviewer {
		return nil, domain.Errorf(domain.CodeForbidden, "only editors and the conference's reviewers see its reviewers")
	}
	return s.store.Reviewers(ctx, meetingID)
}

// AssignReviewer makes a person a reviewer of a conference's papers; an
// assigned reviewer stays as is. Editors and admins.
func (s *Service) AssignReviewer(ctx context.Context, meetingID, personID string) (Reviewer, error) {
	actor, err := requireEditor(ctx, "assign reviewers")
	if err != nil {
		return Reviewer{}, err
	}
	m, err := s.store.GetMeeting(ctx, meetingID)
	if err != nil {
		return Reviewer{}, err
	}
	if m.Format != FormatConference {
		return Reviewer{}, domain.Errorf(domain.CodeConflict, "only a conference has reviewers")
	}
	if _, _, err := s.people.Get(ctx, personID); err != nil {
		if domain.ErrorCode(err) == domain.CodeGone {
			return Reviewer{}, domain.Errorf(domain.CodeConflict, "person %s was erased", personID)
		}
		return Reviewer{}, err
	}
	var out Reviewer
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		all, err := s.store.Reviewers(ctx, meetingID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(all, func(r Reviewer) bool { return r.PersonID == personID }); i >= 0 {
			out = all[i]
			return nil
		}
		now := domain.Timestamp(s.now)
		r := Reviewer{MeetingID: meetingID, PersonID: personID, AssignedBy: actor.Subject, AssignedAt: now}
		if err := s.store.AddReviewer(ctx, r, domain.Change{Resource: "conference-reviewer", ResourceID: meetingID + "/" + personID,
			Action: domain.ActionCreate, Actor: actor.Subject, Fields: []string{"person"}, Version: 1, At: now}); err != nil {
			return err
		}
		all, err = s.store.Reviewers(ctx, meetingID)
		if i := slices.IndexFunc(all, func(r Reviewer) bool { return r.PersonID == personID }); i >= 0 {
			out = all[i]
		}
		return err
	})
	return out, err
}

// RemoveReviewer ends a person's assignment; their reviews stay. Editors
// and admins.
func (s *Service) RemoveReviewer(ctx context.Context, meetingID, personID string) error {
	actor, err := requireEditor(ctx, "remove reviewers")
	if err != nil {
		return err
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.IsReviewer(ctx, meetingID, personID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Errorf(domain.CodeNotFound, "person %s is not a reviewer of this conference", personID)
		}
		return s.store.RemoveReviewer(ctx, meetingID, personID, domain.Change{Resource: "conference-reviewer",
			ResourceID: meetingID + "/" + personID, Action: domain.ActionDelete, Actor: actor.Subject, Version: 2,
			At: domain.Timestamp(s.now)})
	})
}
