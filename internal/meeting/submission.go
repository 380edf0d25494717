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

// SubmissionStatus is where a paper stands in the review (see moves).
type SubmissionStatus string

const (
	Submitted   SubmissionStatus = "submitted"
	UnderReview SubmissionStatus = "under-review"
	Accepted    SubmissionStatus = "accepted"
	Rejected    SubmissionStatus = "rejected"
	Withdrawn   SubmissionStatus = "withdrawn"
)

// SubmissionStatuses lists every status, in the order of the review.
var SubmissionStatuses = []SubmissionStatus{Submitted, UnderReview, Accepted, Rejected, Withdrawn}

// Author is one author of a paper: a person of the network (PersonID) or a
// free name. A person's name is read from their profile, so that a rename
// and an erasure reach every paper.
type Author struct {
	PersonID string
	Name     string // the free name, or the person's current name (empty once erased)
	Public   bool   // the person consented to a public profile
	Erased   bool
}

// Submission is a paper sent to a conference's call.
type Submission struct {
	ID           string
	MeetingID    string
	Title        string
	Abstract     string
	Authors      []Author
	Organisation *organisation.Ref
	Status       SubmissionStatus
	SubmittedBy  string
	SubmittedAt  time.Time
	DecidedAt    time.Time
	Version      domain.Version
	UpdatedAt    time.Time
	History      []Transition // every move, oldest first
	Reviews      []Review     // only when the caller may see them
	Reviewed     bool         // Reviews was filled for this caller
}

func (s Submission) RecordID() string              { return s.ID }
func (s Submission) RecordVersion() domain.Version { return s.Version }
func (s Submission) Revised(v domain.Version, at time.Time) Submission {
	s.Version, s.UpdatedAt = v, at
	return s
}

// HasAuthor reports whether the person id is among the paper's authors.
func (s Submission) HasAuthor(personID string) bool {
	return personID != "" && slices.ContainsFunc(s.Authors, func(a Author) bool { return a.PersonID == personID })
}

// AuthorInput is an author as sent: a person's id or a free name.
type AuthorInput struct {
	PersonID string
	Name     string
}

// SubmissionInput is a paper as sent.
type SubmissionInput struct {
	Title        string
	Abstract     string
	Authors      []AuthorInput
	Organisation string
}

// AsInput is the input that makes s, for a merge patch.
func (s Submission) AsInput() SubmissionInput {
	in := SubmissionInput{Title: s.Title, Abstract: s.Abstract}
	for _, a := range s.Authors {
		if a.PersonID != "" {
			in.Authors = append(in.Authors, AuthorInput{PersonID: a.PersonID})
		} else {
			in.Authors = append(in.Authors, AuthorInput{Name: a.Name})
		}
	}
	if s.Organisation != nil {
		in.Organisation = s.Organisation.ID
	}
	return in
}

// SubmissionStore keeps submissions, their moves, reviews and reviewers.
type SubmissionStore interface {
	// Submissions lists a conference's papers, with their history; status
	// narrows them when set.
	Submissions(ctx context.Context, meetingID string, status SubmissionStatus) ([]Submission, error)
	// GetSubmission reads one paper of the meeting, with its history; not
	// found when there is none.
	GetSubmission(ctx context.Context, meetingID, id string) (Submission, error)
	CreateSubmission(ctx context.Context, sub Submission, c domain.Change) error
	// UpdateSubmission writes sub where its stored version is c.Version-1,
	// and the move t when it is set.
	UpdateSubmission(ctx context.Context, sub Submission, t *Transition, c domain.Change) error
	// SubmissionsByAuthor lists the submissions, of every meeting, that
	// name author among their free-named authors.
	SubmissionsByAuthor(ctx context.Context, author string) ([]Submission, error)
	// SubmissionsByPerson lists the submissions, of every meeting, that
	// have the person among their authors.
	SubmissionsByPerson(ctx context.Context, personID string) ([]Submission, error)
	ReviewStore
}

// MaxAuthors bounds a paper's authors, as the contract does.
const MaxAuthors = 20

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
	if err := s.callOpen(m, "submit"); err != nil {
		return Submission{}, err
	}
	now := domain.Timestamp(s.now)
	sub := Submission{ID: uuid.Must(uuid.NewV7()).String(), MeetingID: meetingID, Status: Submitted, SubmittedBy: actor.Subject,
		SubmittedAt: now, UpdatedAt: now, Version: 1}
	if in.Organisation == "" && actor.OrganisationID != "" {
		in.Organisation = actor.OrganisationID
	}
	if sub, err = s.applySubmission(ctx, sub, in); err != nil {
		return Submission{}, err
	}
	err = s.store.CreateSubmission(ctx, sub, domain.Change{Resource: "submission", ResourceID: sub.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"title", "abstract", "authors", "organisation", "status"}, Version: 1, At: now})
	if err != nil {
		return Submission{}, err
	}
	return s.store.GetSubmission(ctx, meetingID, sub.ID)
}

// callOpen says whether a paper may be sent or edited today: a conference,
// not cancelled, within its call (Amsterdam dates, both days included).
func (s *Service) callOpen(m Meeting, what string) error {
	if m.Format != FormatConference || m.Details == nil {
		return domain.Errorf(domain.CodeConflict, "only a conference has a call for papers")
	}
	today := domain.Today(s.now())
	switch {
	case m.Status == StatusCancelled:
		return domain.Errorf(domain.CodeConflict, "the conference is cancelled")
	case today.Before(m.Details.CallOpensOn):
		return domain.Errorf(domain.CodeConflict, "the call for papers opens on %s", m.Details.CallOpensOn.Format(time.DateOnly))
	case today.After(m.Details.CallClosesOn):
		return domain.Errorf(domain.CodeConflict, "the call for papers closed on %s: papers can no longer be %s",
			m.Details.CallClosesOn.Format(time.DateOnly), map[string]string{"submit": "submitted", "edit": "changed"}[what])
	}
	return nil
}

// applySubmission checks in and sets it on sub: every problem at once, by
// the field that has it.
func (s *Service) applySubmission(ctx context.Context, sub Submission, in SubmissionInput) (Submission, error) {
	actor := domain.ActorFrom(ctx)
	var p domain.Problems
	sub.Title, sub.Abstract = strings.TrimSpace(in.Title), strings.TrimSpace(in.Abstract)
	if sub.Title == "" {
		p.Add("title", "must not be empty")
	}
	if sub.Abstract == "" {
		p.Add("abstract", "must not be empty")
	}
	switch {
	case len(in.Authors) == 0:
		p.Add("authors", "name at least one author")
	case len(in.Authors) > MaxAuthors:
		p.Add("authors", fmt.Sprintf("name at most %d authors", MaxAuthors))
	}
	// People already among the authors stay without a look-up: an edit of
	// the title does not fail on a co-author the caller cannot see.
	known := sub.Authors
	sub.Authors = nil
	for i, a := range in.Authors {
		field := fmt.Sprintf("authors[%d]", i)
		name := strings.TrimSpace(a.Name)
		switch {
		case a.PersonID != "" && name != "":
			p.Add(field, "give a person or a name, not both")
		case a.PersonID != "":
			if slices.ContainsFunc(sub.Authors, func(x Author) bool { return x.PersonID == a.PersonID }) {
				p.Add(field+".person", "is an author already")
				continue
			}
			if slices.ContainsFunc(known, func(x Author) bool { return x.PersonID == a.PersonID }) {
				sub.Authors = append(sub.Authors, Author{PersonID: a.PersonID})
				continue
			}
			if _, _, err := s.people.Get(ctx, a.PersonID); err != nil {
				switch domain.ErrorCode(err) {
				case domain.CodeNotFound, domain.CodeGone:
					p.Add(field+".person", "no such person")
					continue
				default:
					return Submission{}, err
				}
			}
			sub.Authors = append(sub.Authors, Author{PersonID: a.PersonID})
		case name == "":
			p.Add(field, "must not be empty")
		default:
			sub.Authors = append(sub.Authors, Author{Name: name})
		}
	}
	sub.Organisation = nil
	if in.Organisation != "" {
		orgs := organisation.NewResolver(ctx, s.orgs, &p)
		ref, ok := orgs.Resolve(in.Organisation, "organisation")
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
	return sub, p.Err()
}

// Submissions lists the conference's papers the caller may see (see
// canSee), narrowed to status when set; editors, admins and the
// conference's reviewers get the reviews too.
func (s *Service) Submissions(ctx context.Context, meetingID string, status SubmissionStatus) ([]Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to see submissions")
	}
	if status != "" && !slices.Contains(SubmissionStatuses, status) {
		return nil, (domain.Problems{{Name: "status", Reason: "must be one of " + domain.OneOf(SubmissionStatuses)}}).Err()
	}
	if _, err := s.store.GetMeeting(ctx, meetingID); err != nil {
		return nil, err
	}
	reviewer, err := s.reviews(ctx, actor, meetingID)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.Submissions(ctx, meetingID, status)
	if err != nil {
		return nil, err
	}
	out := []Submission{}
	for _, sub := range subs {
		if reviewer || canSee(actor, sub) {
			out = append(out, sub)
		}
	}
	if reviewer {
		return out, s.withReviews(ctx, actor, out)
	}
	return out, nil
}

// Submission returns one paper, to those who see it in the list; anyone
// else gets not found, so an id reveals nothing.
func (s *Service) Submission(ctx context.Context, meetingID, id string) (Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Submission{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to see submissions")
	}
	return s.visibleSubmission(ctx, actor, meetingID, id)
}

func (s *Service) visibleSubmission(ctx context.Context, actor domain.Actor, meetingID, id string) (Submission, error) {
	reviewer, err := s.reviews(ctx, actor, meetingID)
	if err != nil {
		return Submission{}, err
	}
	sub, err := s.store.GetSubmission(ctx, meetingID, id)
	if err != nil {
		return Submission{}, err
	}
	if !reviewer && !canSee(actor, sub) {
		return Submission{}, notFoundSubmission(id)
	}
	if reviewer {
		subs := []Submission{sub}
		err := s.withReviews(ctx, actor, subs)
		return subs[0], err
	}
	return sub, nil
}

func notFoundSubmission(id string) error {
	return domain.Errorf(domain.CodeNotFound, "no submission %s for this meeting", id)
}

// canSee says whether someone who is not a reviewer sees a paper: its
// submitter, a person among its authors, and a member of its organisation.
func canSee(actor domain.Actor, sub Submission) bool {
	return sub.ownedBy(actor) || (sub.Organisation != nil && actor.MemberOf(sub.Organisation.ID))
}

// ownedBy says whether the paper is the actor's own: sent by them, or with
// them among its authors.
func (s Submission) ownedBy(actor domain.Actor) bool {
	return s.SubmittedBy == actor.Subject || s.HasAuthor(actor.PersonID)
}

// UpdateSubmission changes a paper: its submitter, while the call is open
// and the paper is neither decided nor withdrawn. change turns the current
// input into the new one (a merge patch).
func (s *Service) UpdateSubmission(ctx context.Context, meetingID, id string, change func(SubmissionInput) (SubmissionInput, error),
	pre domain.Precondition) (Submission, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Submission{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to change a paper")
	}
	load := func(ctx context.Context) (Submission, error) { return s.visibleSubmission(ctx, actor, meetingID, id) }
	authorise := func(current Submission) error {
		if current.SubmittedBy != actor.Subject {
			return domain.Errorf(domain.CodeForbidden, "only the paper's submitter changes it")
		}
		return nil
	}
	return domain.Patch(ctx, pre, load, authorise,
		func(current Submission) (SubmissionInput, error) { return change(current.AsInput()) },
		func(ctx context.Context, id string, in SubmissionInput, at domain.Precondition) (Submission, error) {
			return domain.Update(ctx, s.store, s.now, at, domain.Edit[Submission]{
				Resource: "submission", Load: load, Authorise: authorise,
				Change: func(ctx context.Context, current Submission) (Submission, error) {
					m, err := s.store.GetMeeting(ctx, meetingID)
					if err != nil {
						return Submission{}, err
					}
					if err := s.callOpen(m, "edit"); err != nil {
						return Submission{}, err
					}
					if current.Status != Submitted && current.Status != UnderReview {
						return Submission{}, domain.Errorf(domain.CodeConflict, "the paper is %s: it can no longer be changed", current.Status)
					}
					return s.applySubmission(ctx, current, in)
				},
				Diff: submissionChanges,
				Save: func(ctx context.Context, next Submission, c domain.Change) error {
					return s.store.UpdateSubmission(ctx, next, nil, c)
				},
			})
		})
}

// submissionChanges names the fields a write changes, by their API names.
func submissionChanges(a, b Submission) domain.Diff {
	var d domain.Diff
	d.Add(a.Title != b.Title, "title")
	d.Add(a.Abstract != b.Abstract, "abstract")
	d.Add(!slices.EqualFunc(a.Authors, b.Authors, func(x, y Author) bool { return x.PersonID == y.PersonID && (x.PersonID != "" || x.Name == y.Name) }), "authors")
	d.Add(orgID(a.Organisation) != orgID(b.Organisation), "organisation")
	d.Add(a.Status != b.Status, "status")
	return d
}

func orgID(r *organisation.Ref) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// ProgrammeItem is an accepted paper as the conference's public programme
// shows it.
type ProgrammeItem struct {
	SubmissionID string
	Title        string
	Authors      []Author
	Organisation *organisation.Ref
}
