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
