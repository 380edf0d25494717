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
	NotStarted Status = "not-started"
	InProgress Status = "in-progress"
	Completed  Status = "completed"
	Delayed    Status = "delayed"
	Cancelled  Status = "cancelled"
)

var statuses = []Status{NotStarted, InProgress, Completed, Delayed, Cancelled}

// Completion is the IRM's completion scale.
type Completion string

const (
	NoEvidence  Completion = "no-evidence"
	CNotStarted Completion = "not-started"
	Limited     Completion = "limited"
	Substantial Completion = "substantial"
	Complete    Completion = "complete"
)

var completions = []Completion{NoEvidence, CNotStarted, Limited, Substantial, Complete}

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
	Kind  string // meeting, publication, evaluation
	ID    string
	Title string
	On    time.Time
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
			m.Completion = Complete
		case m.Progress >= 50:
			m.Completion = Substantial
		case count > 0:
			m.Completion = Limited
		default:
			m.Completion = CNotStarted
		}
		if m.Status != Cancelled {
			switch {
			case count >= m.Target.Count:
				m.Status = Completed
			case !m.PlannedEnd.IsZero() && today.After(m.PlannedEnd):
				m.Status = Delayed
			case count > 0 || (!m.PlannedStart.IsZero() && !today.Before(m.PlannedStart)):
				m.Status = InProgress
			default:
				m.Status = NotStarted
			}
		}
	}
	m.Overdue = m.Status != Completed && m.Status != Cancelled && !m.PlannedEnd.IsZero() && today.After(m.PlannedEnd)
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
