package person_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// TestUpdateAgainstAMovedVersion lets an admin write the person while a PATCH
// computes its change (before the write's transaction opens): the PATCH must
// not overwrite the newer version unless the caller sent If-Match: *, and is
// judged again on the newer state, so a member whose organisation the person
// left meanwhile no longer finds it, as a fresh request would not.
func TestUpdateAgainstAMovedVersion(t *testing.T) {
	t.Parallel()
	anyVersion := func(domain.Version) domain.Precondition { return domain.Precondition{Present: true, Any: true} }
	tests := []struct {
		name         string
		actor        func(e *env) domain.Actor
		pre          func(v domain.Version) domain.Precondition
		leave        bool // the admin's write moves the person to the other organisation
		wantCode     domain.Code
		wantMerges   int
		wantPosition string // as stored afterwards
	}{
		{"admin with the version read", func(*env) domain.Actor { return admin }, apptest.IfVersion, false,
			domain.CodePreconditionFailed, 1, "Wethouder"},
		{"admin with any version", func(*env) domain.Actor { return admin }, anyVersion, false, "", 2, "Beleidsadviseur"},
		{"member whose person left", func(e *env) domain.Actor { return member(e.a.ID) }, anyVersion, true,
			domain.CodeNotFound, 1, "Wethouder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.create(t, pioneer("Anne de Vries", "anne@example.org", e.a.ID))
			merges := 0
			got, err := e.people.Update(apptest.As(tt.actor(e)), p.ID, func(cur person.Input) (person.Input, error) {
				merges++
				if merges == 1 {
					in := inputOf(p)
					in.Position = "Wethouder"
					if tt.leave {
						in.Memberships[0].Organisation = e.b.ID
					}
					if _, err := e.people.Replace(apptest.As(admin), p.ID, in, apptest.IfVersion(p.Version)); err != nil {
						t.Fatalf("concurrent write: %v", err)
					}
				}
				cur.Position = "Beleidsadviseur"
				return cur, nil
			}, tt.pre(p.Version))
			apptest.CheckCode(t, "Update", err, tt.wantCode)
			if merges != tt.wantMerges {
				t.Errorf("got %d merges; want %d", merges, tt.wantMerges)
			}
			if stored := e.get(t, p.ID); stored.Position != tt.wantPosition {
				t.Errorf("got stored position %q; want %q", stored.Position, tt.wantPosition)
			}
			if err == nil && (got.Version != p.Version+2 || got.Position != tt.wantPosition) {
				t.Errorf("got %q at version %d; want %q at %d", got.Position, got.Version, tt.wantPosition, p.Version+2)
			}
		})
	}
}
