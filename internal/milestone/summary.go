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
func (s *Service) CommitmentSummary(ctx context.Context, code string, asOf time.Time) (Summary, error) {
	c, err := s.GetCommitment(ctx, code)
	if err != nil {
		return Summary{}, err
	}
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Commitment: c.Code}, AsOf: asOf})
	sum.Commitment = c.Code
	if err == nil {
		sum.CivilSociety, err = s.civilSociety(ctx, c, cmp.Or(asOf, domain.Today(s.now())))
	}
	return sum, err
}

// CycleSummary summarises the milestones of a whole action plan. Public.
func (s *Service) CycleSummary(ctx context.Context, cycle int, asOf time.Time) (Summary, error) {
	sum, err := s.summarise(ctx, ListRequest{Filter: Filter{Cycle: cycle}, AsOf: asOf})
	sum.Cycle = cycle
	return sum, err
}

func (s *Service) summarise(ctx context.Context, req ListRequest) (Summary, error) {
	sum := Summary{AsOf: req.AsOf, ByStatus: map[Status]int{}, ByCompletion: map[Completion]int{}}
	today := domain.Today(s.now())
	if !req.AsOf.IsZero() {
		today = req.AsOf
	}
	complete := 0
	err := s.Each(ctx, req, func(m Milestone) error {
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
