package meeting

import (
	"context"
	"slices"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// ErasePerson removes what meetings hold of p as p is erased: p from the
// authors of papers (see eraseAuthor), and p's registrations for meetings not yet started,
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
	return s.eraseAuthor(ctx, p, actor)
}

// eraseAuthor reaches the papers p wrote: where p is an author by id, the
// name is read from the erased profile and so is gone already, and the
// change is recorded so that followers of the meeting see it; where an
// older paper names p by a free name, the name is removed.
func (s *Service) eraseAuthor(ctx context.Context, p person.Person, actor domain.Actor) error {
	at := domain.Timestamp(s.now)
	byID, err := s.store.SubmissionsByPerson(ctx, p.ID)
	if err != nil {
		return err
	}
	var byName []Submission
	if p.Name != "" {
		if byName, err = s.store.SubmissionsByAuthor(ctx, p.Name); err != nil {
			return err
		}
	}
	done := map[string]bool{}
	for _, sub := range append(byID, byName...) {
		if done[sub.ID] {
			continue
		}
		done[sub.ID] = true
		sub.Authors = slices.DeleteFunc(slices.Clone(sub.Authors), func(a Author) bool { return a.PersonID == "" && a.Name == p.Name })
		sub.Version++
		sub.UpdatedAt = at
		if err := s.store.UpdateSubmission(ctx, sub, nil, domain.Change{Resource: "submission", ResourceID: sub.ID, Action: domain.ActionUpdate,
			Actor: actor.Subject, Fields: []string{"authors"}, Version: int(sub.Version), At: at}); err != nil {
			return err
		}
	}
	return nil
}
