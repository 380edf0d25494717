package meeting

import (
	"context"
	"slices"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// ErasePerson removes what meetings hold of p as p is erased: p's name from
// the authors of papers, and p's registrations for meetings not yet started,
// whose places go to the waitlist as on any cancellation. The person service
// calls it inside the erasure's transaction, which it has authorised.
func (s *Service) ErasePerson(ctx context.Context, p person.Person) error {
	actor := domain.ActorFrom(ctx)
	meetings, err := s.store.RegisteredMeetings(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, id := range meetings {
		m, err := s.store.LockMeeting(ctx, id)
		if err != nil {
			return err
		}
		if !s.now().Before(m.StartsAt) || m.Status == StatusCancelled || m.Status == StatusHeld {
			continue // attendance is history; a cancelled meeting holds no places
		}
		regs, err := s.store.Registrations(ctx, id)
		if err != nil {
			return err
		}
		for _, r := range regs {
			if r.PersonID == p.ID && r.Status != Cancelled {
				if err := s.cancel(ctx, m, r, actor); err != nil {
					return err
				}
			}
		}
	}
	if p.Name == "" {
		return nil
	}
	subs, err := s.store.SubmissionsByAuthor(ctx, p.Name)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		sub.Authors = slices.DeleteFunc(slices.Clone(sub.Authors), func(a string) bool { return a == p.Name })
		if err := s.store.UpdateSubmission(ctx, sub, domain.Change{Resource: "submission", ResourceID: sub.ID, Action: domain.ActionUpdate,
			Actor: actor.Subject, Fields: []string{"authors"}, At: domain.Timestamp(s.now)}); err != nil {
			return err
		}
	}
	return nil
}
