package person_test

import (
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// TestContactConsent: the consent to be contacted is recorded like the
// public profile, a recording that leaves it out keeps it, and the
// unsubscribe link withdraws it alone, by no signed-in user.
func TestContactConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.create(t, pioneer("Contact Persoon", "contact@example.org", e.a.ID))
	if got := e.get(t, p.ID).Consent.Contact; got {
		t.Fatalf("a new person's contact consent: got %v; want false", got)
	}
	yes := true
	steps := []struct {
		name string
		do   func() (person.Consent, error)
		want person.Consent
	}{
		{"given with the profile", func() (person.Consent, error) {
			return e.people.RecordConsentInput(apptest.As(admin), p.ID, person.ConsentInput{PublicProfile: true, Contact: &yes})
		}, person.Consent{PublicProfile: true, Contact: true, RecordedBy: admin.Subject}},
		{"the profile alone keeps it", func() (person.Consent, error) {
			return e.people.RecordConsent(apptest.As(admin), p.ID, false)
		}, person.Consent{PublicProfile: false, Contact: true, RecordedBy: admin.Subject}},
		{"the profile again", func() (person.Consent, error) {
			return e.people.RecordConsent(apptest.As(admin), p.ID, true)
		}, person.Consent{PublicProfile: true, Contact: true, RecordedBy: admin.Subject}},
		{"withdrawn by the link", func() (person.Consent, error) {
			return e.people.WithdrawContact(t.Context(), p.ID)
		}, person.Consent{PublicProfile: true, Contact: false, RecordedBy: person.UnsubscribedBy}},
	}
	for _, s := range steps {
		e.clock.Advance(time.Minute)
		got, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		s.want.RecordedAt = got.RecordedAt
		if got != s.want {
			t.Errorf("%s: got %+v; want %+v", s.name, got, s.want)
		}
		if cur := e.get(t, p.ID).Consent; cur != got {
			t.Errorf("%s: stored %+v; want %+v", s.name, cur, got)
		}
	}
	// The link used again records nothing: same consent, version, history.
	before := e.get(t, p.ID)
	e.clock.Advance(time.Minute)
	again, err := e.people.WithdrawContact(t.Context(), p.ID)
	if err != nil {
		t.Fatalf("withdrawn again: %v", err)
	}
	if after := e.get(t, p.ID); again != before.Consent || after.Consent != before.Consent || after.Version != before.Version {
		t.Errorf("withdrawn again: got %+v, stored %+v version %d; want %+v version %d, unchanged",
			again, after.Consent, after.Version, before.Consent, before.Version)
	}
	_, history, err := e.people.ConsentHistory(apptest.As(admin), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != len(steps) || history[0].Contact || history[0].RecordedBy != person.UnsubscribedBy || !history[1].Contact {
		t.Errorf("history: got %+v; want %d records, newest the link's withdrawal", history, len(steps))
	}
	// Anonymous callers still record nothing through the API's path.
	if _, err := e.people.RecordConsentInput(t.Context(), p.ID, person.ConsentInput{Contact: &yes}); domain.ErrorCode(err) != domain.CodeUnauthenticated {
		t.Errorf("anonymous: got %v; want unauthenticated", err)
	}
}
