package milestone

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	CommitmentHistory
	ListCommitments(ctx context.Context, q CommitmentQuery) (domain.Page[Commitment], error)
	GetCommitment(ctx context.Context, code string) (Commitment, error)
	CreateCommitment(ctx context.Context, c Commitment, ch domain.Change) error
	UpdateCommitment(ctx context.Context, c Commitment, ch domain.Change) error
	ListMilestones(ctx context.Context, q Query) (domain.Page[Milestone], error)
	// EachMilestone calls fn for every milestone q selects, in order, from
	// one query (paging does not apply), and stops at fn's first error.
	EachMilestone(ctx context.Context, q Query, fn func(Milestone) error) error
	// MilestonesAsOf returns every milestone as it stood at the instant.
	MilestonesAsOf(ctx context.Context, at time.Time) ([]Milestone, error)
	GetMilestone(ctx context.Context, id string) (Milestone, error)
	MilestoneAsOf(ctx context.Context, id string, at time.Time) (Milestone, error)
	// Create, Update and Delete also keep the version in the history.
	CreateMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	UpdateMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	DeleteMilestone(ctx context.Context, m Milestone, ch domain.Change) error
	// ListProgressUpdates lists the updates entered by seen.RecordedBy and dated by seen.DatedBy.
	ListProgressUpdates(ctx context.Context, milestoneID string, seen Seen) ([]ProgressUpdate, error)
	CreateProgressUpdate(ctx context.Context, u ProgressUpdate, ch domain.Change) error
}

// Service applies the rules for commitments and milestones.
type Service struct {
	store    Store
	evidence EvidenceSource
	orgs     organisation.Finder
	now      domain.Clock
}

// NewService returns a milestone service.
func NewService(store Store, evidence EvidenceSource, orgs organisation.Finder, now domain.Clock) *Service {
	return &Service{store: store, evidence: evidence, orgs: orgs, now: now}
}

func requireEditor(ctx context.Context, action string) (domain.Actor, error) {
	a := domain.ActorFrom(ctx)
	return a, a.Require(action, domain.RoleAdmin, domain.RoleEditor)
}

// Input is what a caller may set on a milestone.
type Input struct {
	Commitment       string
	Code             string
	Title            string
	VerifiableResult string
	PlannedStart     time.Time
	PlannedEnd       time.Time
	ActualStart      time.Time
	ActualEnd        time.Time
	Target           *Target
	Rule             Rule
	Progress         int
	Status           Status
	Completion       Completion
}

// AsInput turns a milestone back into input, for a merge patch.
func (m Milestone) AsInput() Input {
	return Input{Commitment: m.Commitment, Code: m.Code, Title: m.Title, VerifiableResult: m.VerifiableResult,
		PlannedStart: m.PlannedStart, PlannedEnd: m.PlannedEnd, ActualStart: m.ActualStart, ActualEnd: m.ActualEnd,
		Target: m.Target, Rule: m.Rule, Progress: m.Progress, Status: m.Status, Completion: m.Completion}
}

// Create adds a milestone. Editors and admins.
func (s *Service) Create(ctx context.Context, in Input) (Milestone, error) {
	actor, err := requireEditor(ctx, "add milestones")
	if err != nil {
		return Milestone{}, err
	}
	now := domain.Timestamp(s.now)
	m, err := s.build(ctx, Milestone{ID: uuid.Must(uuid.NewV7()).String(), Version: 1, CreatedAt: now, UpdatedAt: now}, in)
	if err != nil {
		return Milestone{}, err
	}
	if err := s.store.CreateMilestone(ctx, m, domain.Change{Resource: "milestone", ResourceID: m.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"commitment", "code", "title"}, Version: 1, At: now}); err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, m, When{}.seen(s.now()))
}

// Replace sets every field. Editors and admins.
func (s *Service) Replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Milestone, error) {
	if _, err := requireEditor(ctx, "change milestones"); err != nil {
		return Milestone{}, err
	}
	return s.replace(ctx, id, in, pre)
}

// Update changes the milestone with change, which gets the current input and
// runs before the write's transaction opens. Editors and admins.
func (s *Service) Update(ctx context.Context, id string, change func(Input) (Input, error), pre domain.Precondition) (Milestone, error) {
	if _, err := requireEditor(ctx, "change milestones"); err != nil {
		return Milestone{}, err
	}
	return domain.Patch(ctx, pre, func(ctx context.Context) (Milestone, error) { return s.store.GetMilestone(ctx, id) }, nil,
		func(cur Milestone) (Input, error) { return change(cur.AsInput()) },
		s.replace)
}

// replace writes in over the milestone id; the caller checked the role.
func (s *Service) replace(ctx context.Context, id string, in Input, pre domain.Precondition) (Milestone, error) {
	out, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Milestone]{
		Resource: "milestone",
		Load:     func(ctx context.Context) (Milestone, error) { return s.store.GetMilestone(ctx, id) },
		Change: func(ctx context.Context, cur Milestone) (Milestone, error) {
			return s.build(ctx, cur, in)
		},
		Diff: changedFields,
		Save: s.store.UpdateMilestone,
	})
	if err != nil {
		return Milestone{}, err
	}
	return s.evidenceCache().derive(ctx, s, out, When{}.seen(s.now()))
}

// Delete removes a milestone; its history stays for asOf. Editors and admins.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	if _, err := requireEditor(ctx, "delete milestones"); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Milestone]{
		Resource: "milestone",
		Load:     func(ctx context.Context) (Milestone, error) { return s.store.GetMilestone(ctx, id) },
		Remove:   s.store.DeleteMilestone,
	})
}

var milestoneCode = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

func (s *Service) build(ctx context.Context, m Milestone, in Input) (Milestone, error) {
	var p domain.Problems
	in.Commitment = strings.ToUpper(strings.TrimSpace(in.Commitment))
	if _, err := s.store.GetCommitment(ctx, in.Commitment); err != nil {
		if domain.ErrorCode(err) != domain.CodeNotFound {
			return Milestone{}, err
		}
		p.Add("commitment", fmt.Sprintf("no commitment %q", in.Commitment))
	}
	if !milestoneCode.MatchString(strings.TrimSpace(in.Code)) {
		p.Add("code", "must be numbers separated by dots, such as 3.3")
	}
	if strings.TrimSpace(in.Title) == "" {
		p.Add("title", "must not be empty")
	}
	if !in.PlannedStart.IsZero() && !in.PlannedEnd.IsZero() && in.PlannedEnd.Before(in.PlannedStart) {
		p.Add("plannedEnd", "must not be before plannedStart")
	}
	if !in.ActualStart.IsZero() && !in.ActualEnd.IsZero() && in.ActualEnd.Before(in.ActualStart) {
		p.Add("actualEnd", "must not be before actualStart")
	}
	if in.Rule == "" {
		in.Rule = RuleNone
	}
	if !slices.Contains(rules, in.Rule) {
		p.Add("evidenceRule", "must be one of "+domain.OneOf(rules))
	}
	if in.Rule != RuleNone && in.Target == nil {
		p.Add("target", "an evidence rule needs a target to count toward")
	}
	if in.Target != nil && (in.Target.Count < 1 || strings.TrimSpace(in.Target.Unit) == "") {
		p.Add("target", "needs a count of at least 1 and a unit")
	}
	if in.Progress < 0 || in.Progress > 100 {
		p.Add("progress", "must be from 0 to 100")
	}
	if in.Status == "" {
		in.Status = StatusNotStarted
	}
	if !slices.Contains(statuses, in.Status) {
		p.Add("status", "must be one of "+domain.OneOf(statuses))
	}
	if in.Completion == "" {
		in.Completion = CompletionNoEvidence
	}
	if !slices.Contains(completions, in.Completion) {
		p.Add("completion", "must be one of "+domain.OneOf(completions))
	}
	if err := p.Err(); err != nil {
		return Milestone{}, err
	}
	m.Commitment, m.Code, m.Title = in.Commitment, strings.TrimSpace(in.Code), strings.TrimSpace(in.Title)
	m.VerifiableResult = strings.TrimSpace(in.VerifiableResult)
	m.PlannedStart, m.PlannedEnd = domain.Day(in.PlannedStart), domain.Day(in.PlannedEnd)
	m.ActualStart, m.ActualEnd = domain.Day(in.ActualStart), domain.Day(in.ActualEnd)
	m.Target, m.Rule, m.Progress, m.Status, m.Completion = in.Target, in.Rule, in.Progress, in.Status, in.Completion
	if m.Target != nil {
		t := *m.Target
		t.Unit = strings.TrimSpace(t.Unit)
		m.Target = &t
	}
	return m, nil
}

func changedFields(a, b Milestone) domain.Diff {
	var f domain.Diff
	f.Add(a.Commitment != b.Commitment, "commitment")
	f.Add(a.Code != b.Code, "code")
	f.Add(a.Title != b.Title, "title")
	f.Add(a.VerifiableResult != b.VerifiableResult, "verifiableResult")
	f.Add(!a.PlannedStart.Equal(b.PlannedStart), "plannedStart")
	f.Add(!a.PlannedEnd.Equal(b.PlannedEnd), "plannedEnd")
	f.Add(!a.ActualStart.Equal(b.ActualStart), "actualStart")
	f.Add(!a.ActualEnd.Equal(b.ActualEnd), "actualEnd")
	f.Add(fmt.Sprint(a.Target) != fmt.Sprint(b.Target) && !(a.Target != nil && b.Target != nil && *a.Target == *b.Target), "target")
	f.Add(a.Rule != b.Rule, "evidenceRule")
	f.Add(a.Progress != b.Progress, "progress")
	f.Add(a.Status != b.Status, "status")
	f.Add(a.Completion != b.Completion, "completion")
	return f
}
