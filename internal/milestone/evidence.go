package milestone

import (
	"context"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// EvidenceSource finds the records that count under each rule, as they were
// known at the instant asOf.
type EvidenceSource interface {
	HeldMeetingsWithReport(ctx context.Context, from, to, asOf time.Time) ([]EvidenceItem, error)
	MagazineEditions(ctx context.Context, from, to, asOf time.Time) ([]EvidenceItem, error)
	ClosedEvaluations(ctx context.Context, milestoneID string, asOf time.Time) ([]EvidenceItem, error)
}

// evidenceCache computes each rule's evidence once per request.
type evidenceCache map[string]*Evidence

func (s *Service) evidenceCache() evidenceCache { return evidenceCache{} }

func (c evidenceCache) derive(ctx context.Context, s *Service, m Milestone, at time.Time) (Milestone, error) {
	today := domain.Today(at)
	if m.Rule == RuleNone || m.Target == nil {
		return derive(m, nil, today), nil
	}
	// Milestones with the same rule and window share their evidence; a
	// closed evaluation is linked to one milestone.
	key := fmt.Sprintf("%s|%s|%s|%s", m.Rule, m.PlannedStart, m.PlannedEnd, at)
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
			items, err = s.evidence.HeldMeetingsWithReport(ctx, from, to, at)
		case RuleMagazineEditions:
			items, err = s.evidence.MagazineEditions(ctx, from, to, at)
		case RuleClosedEvaluations:
			items, err = s.evidence.ClosedEvaluations(ctx, m.ID, at)
		}
		if err != nil {
			return Milestone{}, err
		}
		ev = &Evidence{Rule: m.Rule, Items: items}
		c[key] = ev
	}
	return derive(m, ev, today), nil
}
