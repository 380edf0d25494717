package organisation_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// The resolver names every unknown organisation by its field, and keeps any
// other failure as the request's error rather than as bad input.
func TestResolver(t *testing.T) {
	t.Parallel()
	svc, db := newService(t, apptest.NewClock(start))
	schiedam := mustCreate(t, svc, municipality("GM0606", "Schiedam"))

	var p domain.Problems
	r := organisation.NewResolver(context.Background(), svc, &p)
	got, ok := r.Resolve("gm0606", "venue.host")
	if want := (organisation.Ref{ID: schiedam.ID, Code: "GM0606", Name: "Schiedam"}); !ok || got != want {
		t.Errorf("got %+v, %v; want %+v, true", got, ok, want)
	}
	if _, ok := r.Resolve(schiedam.ID, "guestChair"); !ok {
		t.Errorf("got not found by id; want found")
	}
	for _, field := range []string{"audience[0]", "audience[2]"} {
		if _, ok := r.Resolve("GM9999", field); ok {
			t.Errorf("%s: got found; want not found", field)
		}
	}
	var names []string
	for _, f := range p {
		names = append(names, f.Name)
	}
	if want := []string{"audience[0]", "audience[2]"}; !slices.Equal(names, want) || r.Err() != nil {
		t.Errorf("got problems %v, err %v; want %v, nil", names, r.Err(), want)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	p = nil
	r = organisation.NewResolver(context.Background(), svc, &p)
	if _, ok := r.Resolve("GM0606", "venue.host"); ok || len(p) != 0 || domain.ErrorCode(r.Err()) != domain.CodeInternal {
		t.Errorf("closed database: got ok %v, problems %v, err %v; want not ok, no problems, an internal error", ok, p, r.Err())
	}
}

// countingFinder counts the reads a resolver makes.
type countingFinder struct {
	organisation.Finder
	gets int
}

func (f *countingFinder) Get(ctx context.Context, ref string) (organisation.Organisation, error) {
	f.gets++
	return f.Finder.Get(ctx, ref)
}

// An organisation a request names twice, by code or by id, is read once.
func TestResolverReadsOnce(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t, apptest.NewClock(start))
	schiedam := mustCreate(t, svc, municipality("GM0606", "Schiedam"))
	f := &countingFinder{Finder: svc}
	var p domain.Problems
	r := organisation.NewResolver(context.Background(), f, &p)
	for _, ref := range []string{"GM0606", "GM0606", schiedam.ID} {
		if _, ok := r.Resolve(ref, "caseOwner"); !ok {
			t.Fatalf("%s: got not found; want found", ref)
		}
	}
	if o, ok := r.Find("GM0606", "guestChair"); !ok || o.ID != schiedam.ID || o.Kind != organisation.KindMunicipality {
		t.Errorf("got %+v, %v; want Schiedam, true", o, ok)
	}
	if f.gets != 1 {
		t.Errorf("got %d reads; want 1", f.gets)
	}
}
