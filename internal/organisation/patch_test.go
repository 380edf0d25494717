package organisation_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// TestUpdateAgainstAMovedVersion writes the organisation through the service
// while a PATCH computes its change (outside the write's transaction, or the
// inner write could not start): the PATCH, computed against version N, must
// not overwrite version N+1 unless the caller sent If-Match: *, which merges
// again onto the newer state.
func TestUpdateAgainstAMovedVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pre       func(v domain.Version) domain.Precondition
		wantCode  domain.Code
		wantMerge int    // how often the change ran
		wantName  string // as stored afterwards
		wantDesc  string
	}{
		{"the version read", apptest.IfVersion, domain.CodePreconditionFailed, 1, "Gemeente Leiden (nieuw)", ""},
		{"any version", func(domain.Version) domain.Precondition { return domain.Precondition{Present: true, Any: true} },
			"", 2, "Gemeente Leiden (nieuw)", "Sleutelstad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t, apptest.NewClock(start))
			o := mustCreate(t, svc, municipality("GM0546", "Gemeente Leiden"))
			ctx := apptest.As(admin)
			merges := 0
			got, err := svc.Update(ctx, o.ID, func(cur organisation.Input) (organisation.Input, error) {
				merges++
				if merges == 1 { // someone else renames it meanwhile
					in := cur
					in.Name = "Gemeente Leiden (nieuw)"
					if _, err := svc.Replace(ctx, o.ID, in, apptest.IfVersion(o.Version)); err != nil {
						t.Fatalf("concurrent write: %v", err)
					}
				}
				cur.Description = "Sleutelstad"
				return cur, nil
			}, tt.pre(o.Version))
			if code := domain.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("got code %q (%v); want %q", code, err, tt.wantCode)
			}
			if merges != tt.wantMerge {
				t.Errorf("got %d merges; want %d", merges, tt.wantMerge)
			}
			stored := mustGet(t, svc, o.ID)
			if stored.Name != tt.wantName || stored.Description != tt.wantDesc {
				t.Errorf("got stored %q, %q; want %q, %q", stored.Name, stored.Description, tt.wantName, tt.wantDesc)
			}
			if err == nil && (got.Version != o.Version+2 || got.Name != tt.wantName) {
				t.Errorf("got %q at version %d; want %q at %d", got.Name, got.Version, tt.wantName, o.Version+2)
			}
		})
	}
}
