package meeting_test

import (
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// An erasure cancels the person's registrations for meetings to come, and the
// waitlist moves up as on any cancellation; a meeting that has started keeps
// its list, with the person shown as erased.
func TestErasureCancelsFutureRegistrations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.people.OnErase(e.meetings)
	started := session(apptest.AmsterdamTime(2024, 9, 12, 14, 0))
	started.Capacity = 1
	coming := session(apptest.AmsterdamTime(2024, 9, 20, 14, 0))
	coming.Capacity = 1
	m1, m2 := e.mustCreate(t, started), e.mustCreate(t, coming)
	anna, bram := e.person(t, "Anna", "GM0606"), e.person(t, "Bram", "GM0606")
	for i, m := range []meeting.Meeting{m1, m2} {
		e.clock.Set(start.Add(time.Duration(2*i) * time.Second))
		e.register(t, apptest.As(editor), m.ID, anna)
		e.clock.Set(start.Add(time.Duration(2*i+1) * time.Second))
		e.register(t, apptest.As(editor), m.ID, bram)
	}
	e.clock.Set(apptest.AmsterdamTime(2024, 9, 15, 12, 0))
	if err := e.people.Erase(apptest.As(admin), anna.ID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatalf("erase: %v", err)
	}
	e.checkList(t, "meeting that has started", m1.ID, []entry{{"", meeting.Registered, 0}, {"Bram", meeting.Waitlisted, 1}})
	e.checkList(t, "meeting to come", m2.ID, []entry{{"Bram", meeting.Registered, 0}})
}
