package evaluation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Filter narrows a list of evaluations.
type Filter struct {
	Status       Status
	MilestoneID  string
	WithDrafts   bool      // editors and admins see unpublished ones
	Now          time.Time // for the status filter
	UpdatedSince time.Time // only items updated at or after it; zero: any
	// AnsweredBy is the organisation whose answers the list shows (the
	// caller's); Answered keeps those it answered (true) or not (false).
	AnsweredBy string
	Answered   *bool
	PageSize   int
	Cursor     string
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListEvaluations(ctx context.Context, f Filter) (domain.Page[Evaluation], error)
	GetEvaluation(ctx context.Context, id string) (Evaluation, error)
	CreateEvaluation(ctx context.Context, e Evaluation, c domain.Change) error
	UpdateEvaluation(ctx context.Context, e Evaluation, c domain.Change) error
	DeleteEvaluation(ctx context.Context, e Evaluation, c domain.Change) error
	Responses(ctx context.Context, evaluationID string) ([]Response, error)
	// PutResponse inserts or replaces the organisation's one response.
	PutResponse(ctx context.Context, r Response, c domain.Change) error
	MilestoneExists(ctx context.Context, id string) (bool, error)
	// LockEvaluation holds the evaluation until the transaction ends, so that
	// changes to its questions and responses to them do not cross.
	LockEvaluation(ctx context.Context, id string) error
}

type organisations interface {
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
	List(ctx context.Context, q organisation.Query) (domain.Page[organisation.Organisation], error)
}

// Service applies the rules for evaluations.
type Service struct {
	store  Store
	orgs   organisations
	now    domain.Clock
	secret []byte
}

// NewService returns an evaluation service; secret keys the pseudonyms.
func NewService(store Store, orgs organisations, now domain.Clock, secret []byte) *Service {
	return &Service{store: store, orgs: orgs, now: now, secret: secret}
}

func editor(a domain.Actor) bool { return a.Is(domain.RoleAdmin, domain.RoleEditor) }

// List returns evaluations, newest first; drafts only for editors and admins.
func (s *Service) List(ctx context.Context, f Filter) (domain.Page[Evaluation], error) {
	var p domain.Problems
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		p.Add("status", "must be one of "+domain.OneOf(statuses))
	}
	f.PageSize = domain.PageSize(f.PageSize, &p)
	// Whether the caller's organisation answered is its own to know.
	actor := domain.ActorFrom(ctx)
	f.AnsweredBy = ""
	if !actor.Anonymous() {
		f.AnsweredBy = actor.OrganisationID
	}
	if f.Answered != nil && f.AnsweredBy == "" {
		p.Add("answered", "applies to the caller's organisation: sign in as a member or a partner's client of an organisation")
	}
	if err := p.Err(); err != nil {
		return domain.Page[Evaluation]{}, err
	}
	f.WithDrafts = editor(actor)
	f.Now = s.now()
	return s.store.ListEvaluations(ctx, f)
}

// Get returns an evaluation; a draft only to editors and admins.
func (s *Service) Get(ctx context.Context, id string) (Evaluation, error) {
	e, err := s.store.GetEvaluation(ctx, id)
	if err != nil {
		return Evaluation{}, err
	}
	if !e.Published && !editor(domain.ActorFrom(ctx)) {
		return Evaluation{}, domain.Errorf(domain.CodeNotFound, "no evaluation with id %q", id)
	}
	return e, nil
}

// Input is what an editor sets; the audience by id or code.
type Input struct {
	Title        string
	Description  string
	MilestoneID  string
	OpensAt      time.Time
	ClosesAt     time.Time
	Published    bool
	Audience     []string
	MinGroupSize int
	Questions    []Question
	Example      bool
}

// AsInput turns an evaluation back into input, for a merge patch.
func (e Evaluation) AsInput() Input {
	in := Input{Title: e.Title, Description: e.Description, MilestoneID: e.MilestoneID, OpensAt: e.OpensAt, ClosesAt: e.ClosesAt,
		Published: e.Published, MinGroupSize: e.MinGroupSize, Questions: e.Questions, Example: e.Example}
	for _, o := range e.Audience {
		in.Audience = append(in.Audience, o.Code)
	}
	return in
}

// Create defines an evaluation. Editors and admins.
func (s *Service) Create(ctx context.Context, in Input) (Evaluation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("define evaluations", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return Evaluation{}, err
	}
	now := domain.Timestamp(s.now)
	e, err := s.build(ctx, Evaluation{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	if err != nil {
		return Evaluation{}, err
	}
	err = s.store.CreateEvaluation(ctx, e, domain.Change{Resource: "evaluation", ResourceID: e.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"title", "opensAt", "closesAt", "questions"}, Version: 1, At: now})
	return e, err
}

// Replace sets every field. Editors and admins; questions are fixed once answered.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Evaluation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change evaluations", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return Evaluation{}, err
	}
	return s.replace(ctx, id, in, pre)
}

// Update changes the evaluation with change, which gets the current input
// and runs before the write's transaction opens and takes the row lock.
func (s *Service) Update(ctx context.Context, id string, change func(Input) (Input, error), pre domain.Precondition) (Evaluation, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change evaluations", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return Evaluation{}, err
	}
	return domain.Patch(ctx, pre, func(ctx context.Context) (Evaluation, error) { return s.store.GetEvaluation(ctx, id) }, nil,
		func(cur Evaluation) (Input, error) { return change(cur.AsInput()) },
		s.replace)
}

// replace writes in over the evaluation id; the caller checked the role.
func (s *Service) replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Evaluation, error) {
	return domain.Update(ctx, s.store, s.now, pre, domain.Edit[Evaluation]{
		Resource: "evaluation",
		Load:     s.load(id),
		Change: func(ctx context.Context, cur Evaluation) (Evaluation, error) {
			in.Example = cur.Example
			next, err := s.build(ctx, cur, in)
			if err != nil {
				return Evaluation{}, err
			}
			return next, s.answered(ctx, cur, next)
		},
		Diff: changedFields,
		Save: s.store.UpdateEvaluation,
	})
}

// answered refuses a change that would alter what respondents answered to,
// or the record a closed evaluation is.
func (s *Service) answered(ctx context.Context, cur, next Evaluation) error {
	if cur.ResponseCount > 0 && !sameQuestions(cur.Questions, next.Questions) {
		return &domain.Error{Code: domain.CodeConflict, Message: "the questions cannot change once responses exist",
			Fields: []domain.FieldError{{Name: "questions", Reason: fmt.Sprintf("%d organisations have answered them", cur.ResponseCount)}}}
	}
	if cur.ResponseCount > 0 && next.MinGroupSize < cur.MinGroupSize {
		// Lowering it would expose small groups that were answered under the promise of the higher one.
		return &domain.Error{Code: domain.CodeConflict, Message: "minGroupSize cannot be lowered once responses exist",
			Fields: []domain.FieldError{{Name: "minGroupSize", Reason: fmt.Sprintf("must stay at least %d", cur.MinGroupSize)}}}
	}
	if cur.StatusAt(s.now()) == Closed && (next.Published != cur.Published || !next.ClosesAt.Equal(cur.ClosesAt) ||
		!next.OpensAt.Equal(cur.OpensAt) || next.MilestoneID != cur.MilestoneID) {
		// A closed evaluation is evidence for its milestone; its record stays as it was.
		return &domain.Error{Code: domain.CodeConflict, Message: "a closed evaluation's window, publication and milestone cannot change",
			Fields: []domain.FieldError{{Name: "closesAt", Reason: "the evaluation has closed"}}}
	}
	if cur.ResponseCount == 0 {
		return nil
	}
	responses, err := s.store.Responses(ctx, cur.ID)
	if err != nil {
		return err
	}
	for _, r := range responses {
		if !next.InAudience(r.Organisation.ID) {
			return &domain.Error{Code: domain.CodeConflict, Message: "an organisation that responded cannot leave the audience",
				Fields: []domain.FieldError{{Name: "audience", Reason: r.Organisation.Code + " has responded"}}}
		}
	}
	return nil
}

// Delete removes an evaluation nobody answered yet. Editors and admins.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("delete evaluations", domain.RoleAdmin, domain.RoleEditor); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Evaluation]{
		Resource: "evaluation",
		// Held like a change, so that no response arrives between the
		// count checked here and the delete.
		Load: s.load(id),
		Remove: func(ctx context.Context, cur Evaluation, c domain.Change) error {
			if cur.ResponseCount > 0 {
				return domain.Errorf(domain.CodeConflict, "%d organisations have responded; the evaluation is kept", cur.ResponseCount)
			}
			return s.store.DeleteEvaluation(ctx, cur, c)
		},
	})
}

// load reads the evaluation id as a change starts from it, held until the
// transaction ends so that responses do not cross the change.
func (s *Service) load(id string) func(context.Context) (Evaluation, error) {
	return func(ctx context.Context) (Evaluation, error) {
		if err := s.store.LockEvaluation(ctx, id); err != nil {
			return Evaluation{}, err
		}
		return s.store.GetEvaluation(ctx, id)
	}
}

// changedFields names the fields that differ, for the change record; none
// means the write changes nothing and keeps the version.
func changedFields(a, b Evaluation) domain.Diff {
	var f domain.Diff
	ids := func(os []organisation.Ref) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = o.ID
		}
		slices.Sort(out)
		return out
	}
	f.Add(a.Title != b.Title, "title")
	f.Add(a.Description != b.Description, "description")
	f.Add(a.MilestoneID != b.MilestoneID, "milestone")
	f.Add(!a.OpensAt.Equal(b.OpensAt), "opensAt")
	f.Add(!a.ClosesAt.Equal(b.ClosesAt), "closesAt")
	f.Add(a.Published != b.Published, "published")
	f.Add(!slices.Equal(ids(a.Audience), ids(b.Audience)), "audience")
	f.Add(a.MinGroupSize != b.MinGroupSize, "minGroupSize")
	f.Add(!sameQuestions(a.Questions, b.Questions), "questions")
	return f
}

// sameQuestions compares question lists by value, an empty list or map
// being the same as none.
func sameQuestions(a, b []Question) bool {
	return slices.EqualFunc(a, b, func(x, y Question) bool {
		num := func(p, q *float64) bool { return (p == nil) == (q == nil) && (p == nil || *p == *q) }
		return x.Key == y.Key && x.Type == y.Type && x.Text == y.Text && x.Required == y.Required &&
			num(x.Min, y.Min) && num(x.Max, y.Max) && maps.Equal(x.Labels, y.Labels) && slices.Equal(x.Options, y.Options) &&
			x.MinSelections == y.MinSelections && x.MaxSelections == y.MaxSelections && x.MaxLength == y.MaxLength
	})
}

// DefaultMinGroupSize is the fewest responses a reported figure rests on.
const DefaultMinGroupSize = 3

func (s *Service) build(ctx context.Context, e Evaluation, in Input) (Evaluation, error) {
	var p domain.Problems
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		p.Add("title", "must not be empty")
	}
	if in.OpensAt.IsZero() {
		p.Add("opensAt", "is required")
	}
	if !in.ClosesAt.After(in.OpensAt) {
		p.Add("closesAt", "must be after opensAt")
	}
	if in.MinGroupSize == 0 {
		in.MinGroupSize = DefaultMinGroupSize
	}
	if in.MinGroupSize < 1 {
		p.Add("minGroupSize", "must be at least 1")
	}
	if in.MilestoneID != "" {
		ok, err := s.store.MilestoneExists(ctx, in.MilestoneID)
		if err != nil {
			return Evaluation{}, err
		}
		if !ok {
			p.Add("milestone", "no milestone with this id")
		}
	}
	checkQuestions(in.Questions, &p)
	var audience []organisation.Ref
	r := organisation.NewResolver(ctx, s.orgs, &p)
	for i, ref := range in.Audience {
		o, ok := r.Resolve(ref, fmt.Sprintf("audience[%d]", i))
		if ok && !slices.ContainsFunc(audience, func(a organisation.Ref) bool { return a.ID == o.ID }) {
			audience = append(audience, o)
		}
	}
	if err := r.Err(); err != nil {
		return Evaluation{}, err
	}
	if err := p.Err(); err != nil {
		return Evaluation{}, err
	}
	if len(in.Audience) == 0 {
		var err error
		if audience, err = s.defaultAudience(ctx, in.OpensAt); err != nil {
			return Evaluation{}, err
		}
	}
	e.Title, e.Description, e.MilestoneID = in.Title, strings.TrimSpace(in.Description), in.MilestoneID
	e.OpensAt, e.ClosesAt, e.Published = domain.Instant(in.OpensAt), domain.Instant(in.ClosesAt), in.Published
	e.Audience, e.MinGroupSize, e.Questions, e.Example = audience, in.MinGroupSize, normalise(in.Questions), in.Example
	return e, nil
}

func normalise(qs []Question) []Question {
	out := slices.Clone(qs)
	for i := range out {
		out[i].Text = strings.TrimSpace(out[i].Text)
	}
	return out
}

// defaultAudience is every municipality that is an active member when the evaluation opens.
func (s *Service) defaultAudience(ctx context.Context, opens time.Time) ([]organisation.Ref, error) {
	var out []organisation.Ref
	day := domain.Today(opens)
	municipalities := func(cursor string) (domain.Page[organisation.Organisation], error) {
		return s.orgs.List(ctx, organisation.Query{Filter: organisation.Filter{Kind: organisation.KindMunicipality},
			PageSize: domain.MaxPageSize, Cursor: cursor})
	}
	for o, err := range domain.Items(municipalities) {
		if err != nil {
			return nil, err
		}
		if o.ActiveOn(day) {
			out = append(out, o.Ref())
		}
	}
	return out, nil
}

// PutResponse records an organisation's answers, replacing any earlier
// ones, while the evaluation is open. A member answers for its own
// organisation only; the command line (the system) may record responses of a
// past evaluation.
func (s *Service) PutResponse(ctx context.Context, evaluationID, orgRef string, answers Answers) (Response, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Response{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to respond")
	}
	o, err := s.orgs.Get(ctx, orgRef)
	if err != nil {
		return Response{}, err
	}
	system := actor.Subject == domain.System.Subject
	if !actor.MemberOf(o.ID) && !system {
		return Response{}, domain.Errorf(domain.CodeForbidden, "a member answers for its own organisation only")
	}
	var out Response
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockEvaluation(ctx, evaluationID); err != nil {
			return err
		}
		e, err := s.Get(ctx, evaluationID)
		if err != nil {
			return err
		}
		if !e.InAudience(o.ID) {
			return domain.Errorf(domain.CodeForbidden, "%s is not asked to respond to this evaluation", o.Code)
		}
		if status := e.StatusAt(s.now()); status != Open && !(system && status == Closed) {
			return domain.Errorf(domain.CodeConflict, "the evaluation is %s; responses are taken while it is open", status)
		}
		if err := Check(e.Questions, answers); err != nil {
			return err
		}
		now := domain.Timestamp(s.now)
		out = Response{EvaluationID: e.ID, Organisation: o.Ref(), Answers: answers, SubmittedAt: now, UpdatedAt: now}
		if e.ResponseCount > 0 {
			earlier, err := s.store.Responses(ctx, e.ID)
			if err != nil {
				return err
			}
			for _, r := range earlier {
				if r.Organisation.ID == o.ID {
					out.SubmittedAt = r.SubmittedAt // a replacement keeps the first submission's time
				}
			}
		}
		return s.store.PutResponse(ctx, out, domain.Change{Resource: "evaluation-response", ResourceID: e.ID + "/" + o.ID,
			Action: domain.ActionUpdate, Actor: actor.Subject, Fields: []string{"answers"}, At: now})
	})
	return out, err
}

// GetResponse returns an organisation's response: to its members, editors and admins.
func (s *Service) GetResponse(ctx context.Context, evaluationID, orgRef string) (Response, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Response{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to read a response")
	}
	o, err := s.orgs.Get(ctx, orgRef)
	if err != nil {
		return Response{}, err
	}
	if !actor.MemberOf(o.ID) && !actor.Is(domain.RoleAdmin) {
		// Editors and analysts read responses pseudonymised only.
		return Response{}, domain.Errorf(domain.CodeForbidden, "a named response is for its organisation and admins")
	}
	if _, err := s.Get(ctx, evaluationID); err != nil {
		return Response{}, err
	}
	all, err := s.store.Responses(ctx, evaluationID)
	if err != nil {
		return Response{}, err
	}
	for _, r := range all {
		if r.Organisation.ID == o.ID {
			return r, nil
		}
	}
	return Response{}, domain.Errorf(domain.CodeNotFound, "%s has not responded", o.Code)
}

// PseudonymisedResponse is a response with the organisation replaced.
type PseudonymisedResponse struct {
	Respondent  string
	Answers     Answers
	SubmittedAt time.Time
}

// Pseudonymised returns the raw responses with each organisation replaced by
// a pseudonym that is stable within the evaluation and differs across
// evaluations. For analysts, admins and editors; free text only for admins and analysts.
func (s *Service) Pseudonymised(ctx context.Context, evaluationID string) (Evaluation, []PseudonymisedResponse, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("read raw responses", domain.RoleAdmin, domain.RoleAnalyst, domain.RoleEditor); err != nil {
		return Evaluation{}, nil, err
	}
	e, err := s.Get(ctx, evaluationID)
	if err != nil {
		return Evaluation{}, nil, err
	}
	all, err := s.store.Responses(ctx, evaluationID)
	if err != nil {
		return Evaluation{}, nil, err
	}
	freeText := actor.Is(domain.RoleAdmin, domain.RoleAnalyst)
	out := make([]PseudonymisedResponse, len(all))
	for i, r := range all {
		answers := r.Answers
		if !freeText {
			answers = FreeTextHidden(e.Questions, answers)
		}
		out[i] = PseudonymisedResponse{Respondent: s.Pseudonym(e.ID, r.Organisation.ID), Answers: answers, SubmittedAt: r.SubmittedAt}
	}
	slices.SortFunc(out, func(a, b PseudonymisedResponse) int { return strings.Compare(a.Respondent, b.Respondent) })
	return e, out, nil
}

// Pseudonym is a keyed hash of the organisation within the evaluation.
func (s *Service) Pseudonym(evaluationID, organisationID string) string {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(evaluationID + "\x00" + organisationID))
	sum := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil))
	return "r-" + strings.ToLower(sum[:12])
}

// Results tallies the responses; admins and analysts see every figure,
// others only figures resting on at least minGroupSize answers.
func (s *Service) Results(ctx context.Context, evaluationID string) (Results, error) {
	e, err := s.Get(ctx, evaluationID)
	if err != nil {
		return Results{}, err
	}
	all, err := s.store.Responses(ctx, evaluationID)
	if err != nil {
		return Results{}, err
	}
	return Tally(e, all, s.now(), domain.ActorFrom(ctx).Is(domain.RoleAdmin, domain.RoleAnalyst)), nil
}
