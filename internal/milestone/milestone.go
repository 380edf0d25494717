// Package milestone holds the action plans' commitments and their
// milestones: planned and actual dates, targets, progress on OGP's
// completion scale, progress that follows from evidence, dated progress
// updates, and the history that answers what was known on a given day.
package milestone

import (
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Status is where a milestone stands.
type Status string

const (
	StatusNotStarted Status = "not-started"
	StatusInProgress Status = "in-progress"
	StatusCompleted  Status = "completed"
	StatusDelayed    Status = "delayed"
	StatusCancelled  Status = "cancelled"
)

var statuses = []Status{StatusNotStarted, StatusInProgress, StatusCompleted, StatusDelayed, StatusCancelled}

// Completion is the IRM's completion scale.
type Completion string

const (
	CompletionNoEvidence  Completion = "no-evidence"
	CompletionNotStarted  Completion = "not-started"
	CompletionLimited     Completion = "limited"
	CompletionSubstantial Completion = "substantial"
	CompletionComplete    Completion = "complete"
)

var completions = []Completion{CompletionNoEvidence, CompletionNotStarted, CompletionLimited, CompletionSubstantial, CompletionComplete}

// Rule says how progress follows from data.
type Rule string

const (
	RuleNone              Rule = "none"
	RuleHeldMeetings      Rule = "held-meetings-with-report"
	RuleMagazineEditions  Rule = "magazine-editions"
	RuleClosedEvaluations Rule = "closed-evaluation"
)

var rules = []Rule{RuleNone, RuleHeldMeetings, RuleMagazineEditions, RuleClosedEvaluations}

// Target is what the milestone must deliver, such as 8 meetings.
type Target struct {
	Count int
	Unit  string
}

// EvidenceItem is a record that counted toward a milestone.
type EvidenceItem struct {
	Kind       string // meeting, publication, evaluation
	ID         string
	Title      string
	On         time.Time // the day it happened
	CountsFrom time.Time // the day it counts from (valid time): a meeting's report published, an edition published, an evaluation closed
	RecordedAt time.Time // when what made it count was entered (record time)
}

// Evidence is what counted, under which rule.
type Evidence struct {
	Rule  Rule
	Items []EvidenceItem
}

// Milestone is one milestone of a commitment.
type Milestone struct {
	ID               string
	Commitment       string // code, such as NL0037
	Code             string // such as 3.3
	Title            string
	VerifiableResult string
	PlannedStart     time.Time
	PlannedEnd       time.Time
	ActualStart      time.Time
	ActualEnd        time.Time
	Target           *Target
	Rule             Rule
	// Progress, Status and Completion are set by hand when Rule is none and
	// follow from Evidence otherwise.
	Progress   int
	Status     Status
	Completion Completion
	Evidence   *Evidence // set by the service when a rule applies
	Overdue    bool      // set by the service
	Version    domain.Version
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RecordID, RecordVersion and Revised let the one write path (domain.Update) write milestones.
func (m Milestone) RecordID() string              { return m.ID }
func (m Milestone) RecordVersion() domain.Version { return m.Version }
func (m Milestone) Revised(v domain.Version, at time.Time) Milestone {
	m.Version, m.UpdatedAt = v, at
	return m
}

// derive sets what follows from the evidence and the day: progress, status
// and completion under a rule (capped at 100%), and overdue for all.
func derive(m Milestone, ev *Evidence, today time.Time) Milestone {
	if m.Rule != RuleNone && m.Target != nil && ev != nil {
		m.Evidence = ev
		count := len(ev.Items)
		m.Progress = min(100, count*100/m.Target.Count)
		switch {
		case count >= m.Target.Count:
			m.Completion = CompletionComplete
		case m.Progress >= 50:
			m.Completion = CompletionSubstantial
		case count > 0:
			m.Completion = CompletionLimited
		default:
			m.Completion = CompletionNotStarted
		}
		if m.Status != StatusCancelled {
			switch {
			case count >= m.Target.Count:
				m.Status = StatusCompleted
			case !m.PlannedEnd.IsZero() && today.After(m.PlannedEnd):
				m.Status = StatusDelayed
			case count > 0 || (!m.PlannedStart.IsZero() && !today.Before(m.PlannedStart)):
				m.Status = StatusInProgress
			default:
				m.Status = StatusNotStarted
			}
		}
	}
	m.Overdue = m.Status != StatusCompleted && m.Status != StatusCancelled && !m.PlannedEnd.IsZero() && today.After(m.PlannedEnd)
	return m
}

// Institution leads or supports a commitment; Organisation is set when it
// is in the network.
type Institution struct {
	Name         string
	Organisation *organisation.Ref
}

// Commitment is one commitment of an action plan.
type Commitment struct {
	Code           string
	Title          string
	Cycle          int
	ActionPlan     string
	PolicyAreas    []string
	Lead           *Institution
	Support        []Institution
	Status         string
	Details        // what the action plan and the IRM say of it (assessment.go)
	MilestoneCount int
	Version        domain.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RecordID, RecordVersion and Revised let the one write path (domain.Update) write commitments.
func (c Commitment) RecordID() string              { return c.Code }
func (c Commitment) RecordVersion() domain.Version { return c.Version }
func (c Commitment) Revised(v domain.Version, at time.Time) Commitment {
	c.Version, c.UpdatedAt = v, at
	return c
}
