package evaluation_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// TestUpdateAgainstAMovedVersion writes the evaluation while a PATCH computes
// its change, before the write's transaction opens and takes the row lock:
// the PATCH must not overwrite the newer version unless the caller sent
// If-Match: *, which merges again on the newer state.
func TestUpdateAgainstAMovedVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pre         func(v domain.Version) domain.Precondition
		wantCode    domain.Code
		wantMerges  int
		wantTitle   string // as stored afterwards
		wantMinSize int
	}{
		{"the version read", apptest.IfVersion, domain.CodePreconditionFailed, 1, "Interim (renamed)", 3},
		{"any version", func(domain.Version) domain.Precondition { return domain.Precondition{Present: true, Any: true} },
			"", 2, "Interim (renamed)", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			e := f.create(t, input("Interim", f.alpha.Code, f.beta.Code))
			merges := 0
			got, err := f.svc.Update(apptest.As(editor), e.ID, func(cur evaluation.Input) (evaluation.Input, error) {
				merges++
				if merges == 1 {
					in := input("Interim (renamed)", f.alpha.Code, f.beta.Code)
					if _, err := f.svc.Replace(apptest.As(admin), e.ID, in, apptest.IfVersion(e.Version)); err != nil {
						t.Fatalf("concurrent write: %v", err)
					}
				}
				cur.MinGroupSize = 4
				return cur, nil
			}, tt.pre(e.Version))
			wantCode(t, "Update", err, tt.wantCode)
			if merges != tt.wantMerges {
				t.Errorf("got %d merges; want %d", merges, tt.wantMerges)
			}
			stored, err := f.svc.Get(apptest.As(editor), e.ID)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if stored.Title != tt.wantTitle || stored.MinGroupSize != tt.wantMinSize {
				t.Errorf("got stored %q, min group %d; want %q, %d", stored.Title, stored.MinGroupSize, tt.wantTitle, tt.wantMinSize)
			}
			if tt.wantCode == "" && got.Version != e.Version+2 {
				t.Errorf("got version %d; want %d", got.Version, e.Version+2)
			}
		})
	}
}
