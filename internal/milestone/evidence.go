package milestone

import (
	"context"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// When picks a reading on the two time axes. AsOf is record time: the
// milestones as the record stood at the end of that day, and only evidence
// entered by then. EvidenceOn is valid time: progress from the evidence
// dated on or before that day (a meeting held and reported, an edition
// published, an evaluation closed, an update about that day), whenever it
// was entered. Zero AsOf is the record now; zero EvidenceOn follows AsOf.
type When struct {
	AsOf       time.Time // a date
	EvidenceOn time.Time // a date
}

// Seen bounds evidence on both axes: entered by the instant RecordedBy,
// dated by the instant DatedBy.
type Seen struct {
	RecordedBy time.Time
	DatedBy    time.Time
}

// check rejects days in the future, naming the parameter.
func (w When) check(now time.Time, p *domain.Problems) {
	today := domain.Today(now)
	if !w.AsOf.IsZero() && w.AsOf.After(today) {
		p.Add("asOf", "must not be in the future")
	}
	if !w.EvidenceOn.IsZero() && w.EvidenceOn.After(today) {
		p.Add("evidenceOn", "must not be in the future")
	}
}

// seen is what the reading sees at the instant now. Nothing is dated after
// now: an evaluation closing tonight has not closed yet.
func (w When) seen(now time.Time) Seen {
	s := Seen{RecordedBy: now, DatedBy: now}
	if !w.AsOf.IsZero() {
		s.RecordedBy = domain.EndOfDay(w.AsOf)
		s.DatedBy = s.RecordedBy
	}
	if !w.EvidenceOn.IsZero() {
		s.DatedBy = domain.EndOfDay(w.EvidenceOn)
	}
	if s.DatedBy.After(now) {
		s.DatedBy = now
	}
	if s.RecordedBy.After(now) {
		s.RecordedBy = now
	}
	return s
}

// EvidenceSource finds the records that count under each rule, as seen.
type EvidenceSource interface {
	HeldMeetingsWithReport(ctx context.Context, from, to time.Time, seen Seen) ([]EvidenceItem, error)
	MagazineEditions(ctx context.Context, from, to time.Time, seen Seen) ([]EvidenceItem, error)
	ClosedEvaluations(ctx context.Context, milestoneID string, seen Seen) ([]EvidenceItem, error)
}

// evidenceCache computes each rule's evidence once per request.
type evidenceCache map[string]*Evidence

func (s *Service) evidenceCache() evidenceCache { return evidenceCache{} }

// derive sets what follows from the evidence seen; the milestone is judged
// (delayed, overdue) on the day the evidence is dated by.
func (c evidenceCache) derive(ctx context.Context, s *Service, m Milestone, seen Seen) (Milestone, error) {
	today := domain.Today(seen.DatedBy)
	if m.Rule == RuleNone || m.Target == nil {
		return derive(m, nil, today), nil
	}
	// Milestones with the same rule and window share their evidence; a
	// closed evaluation is linked to one milestone.
	key := fmt.Sprintf("%s|%s|%s|%s|%s", m.Rule, m.PlannedStart, m.PlannedEnd, seen.RecordedBy, seen.DatedBy)
	if m.Rule == RuleClosedEvaluations {
		key += "|" + m.ID
	}
	ev, ok := c[key]
	if !ok {
		from, to := m.PlannedStart, m.PlannedEnd
		if to.IsZero() {
			to = domain.OpenEnd
		}
		var items []EvidenceItem
		var err error
		switch m.Rule {
		case RuleHeldMeetings:
			items, err = s.evidence.HeldMeetingsWithReport(ctx, from, to, seen)
		case RuleMagazineEditions:
			items, err = s.evidence.MagazineEditions(ctx, from, to, seen)
		case RuleClosedEvaluations:
			items, err = s.evidence.ClosedEvaluations(ctx, m.ID, seen)
		}
		if err != nil {
			return Milestone{}, err
		}
		ev = &Evidence{Rule: m.Rule, Items: items}
		c[key] = ev
	}
	return derive(m, ev, today), nil
}
