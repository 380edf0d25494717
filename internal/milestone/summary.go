package milestone

import (
	"cmp"
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Summary is the state of a set of milestones.
type Summary struct {
	Commitment    string
	Cycle         int
	AsOf          time.Time
	EvidenceOn    time.Time
	Milestones    int
	ByStatus      map[Status]int
	ByCompletion  map[Completion]int
	ShareComplete float64
	Overdue       int
	NextDue       *Milestone
	// CivilSociety counts the civil-society organisations taking part on
	// the day, for a commitment the network carries out (assessment.go).
	CivilSociety *int
}

// CommitmentSummary summarises one commitment's milestones. Public.
func (s *Service) CommitmentSummary(ctx context.Context, code string, w When) (Summary, error) {
	c, err := s.GetCommitment(ctx, code)
	if err != nil {
		return Summary{}, err
	}
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Commitment: c.Code}, AsOf: w.AsOf, EvidenceOn: w.EvidenceOn})
	sum.Commitment = c.Code
	if err == nil {
		sum.CivilSociety, err = s.civilSociety(ctx, c, cmp.Or(w.EvidenceOn, w.AsOf, domain.Today(s.now())))
	}
	return sum, err
}

// CycleSummary summarises the milestones of a whole action plan. Public.
func (s *Service) CycleSummary(ctx context.Context, cycle int, w When) (Summary, error) {
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Cycle: cycle}, AsOf: w.AsOf, EvidenceOn: w.EvidenceOn})
	sum.Cycle = cycle
	return sum, err
}

func (s *Service) summarise(ctx context.Context, req ListRequest) (Summary, error) {
	sum := Summary{AsOf: req.AsOf, EvidenceOn: req.EvidenceOn, ByStatus: map[Status]int{}, ByCompletion: map[Completion]int{}}
	today := domain.Today(req.when().seen(s.now()).DatedBy) // the day the milestones are judged on
	complete := 0
	// Page by page, not from one query: a summary is a short public read,
	// and must not queue for an export slot.
	err := s.each(ctx, req, s.pagedMilestones, func(m Milestone) error {
		sum.Milestones++
		sum.ByStatus[m.Status]++
		sum.ByCompletion[m.Completion]++
		if m.Completion == CompletionComplete {
			complete++
		}
		if m.Overdue {
			sum.Overdue++
		}
		open := m.Status != StatusCompleted && m.Status != StatusCancelled
		if open && !m.PlannedEnd.IsZero() && !m.PlannedEnd.Before(today) && (sum.NextDue == nil || m.PlannedEnd.Before(sum.NextDue.PlannedEnd)) {
			next := m
			sum.NextDue = &next
		}
		return nil
	})
	if sum.Milestones > 0 {
		sum.ShareComplete = float64(complete) / float64(sum.Milestones)
	}
	return sum, err
}
