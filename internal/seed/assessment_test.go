package seed_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// A database whose NL0037 was added before commitments had details (1.2 and
// earlier) gets the seed's details on the next load, once; one whose
// details an editor changed keeps them.
func TestSeedGivesDetailsToACommitmentAddedWithout(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	res := env.Do(t, http.MethodPost, "/v1/commitments", map[string]any{"code": "NL0037",
		"title": "Pioneering Network for an Open Government for Municipalities", "cycle": 2018}, apptest.Bearer(admin))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST NL0037: got %d (%s)", res.StatusCode, res.Body)
	}
	read := func() api.Commitment {
		var c api.Commitment
		env.Do(t, http.MethodGet, "/v1/commitments/NL0037", nil, nil).JSON(t, &c)
		return c
	}
	if c := read(); c.Irm != nil || c.StartDate != nil {
		t.Fatalf("before the seed: irm %v, start %v; want none", c.Irm, c.StartDate)
	}
	first, err := env.App.Seed.Load(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	c := read()
	if c.Irm == nil || apptest.Deref(c.StartDate).String() != "2018-07-01" || c.Description == nil {
		t.Fatalf("after the seed: irm %v, start %v, description %v; want the seed's", c.Irm, c.StartDate, c.Description)
	}
	again, err := env.App.Seed.Load(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if again.Added != 0 || again.Present != first.Added+first.Present {
		t.Errorf("second load: %+v; want nothing added after %+v", again, first)
	}
	if after := read(); after.UpdatedAt != c.UpdatedAt {
		t.Errorf("second load changed NL0037: updated %v; want %v", after.UpdatedAt, c.UpdatedAt)
	}

	// An editor removes the assessment: the seed does not put it back.
	etag := env.Do(t, http.MethodGet, "/v1/commitments/NL0037", nil, nil).Header.Get("ETag")
	if res := env.Do(t, http.MethodPatch, "/v1/commitments/NL0037", `{"irm": null}`,
		apptest.Headers(admin, "If-Match", etag, "Content-Type", "application/merge-patch+json")); res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: got %d (%s)", res.StatusCode, res.Body)
	}
	if _, err := env.App.Seed.Load(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if after := read(); after.Irm != nil || after.Description == nil {
		t.Errorf("after an edit and a load: irm %v, description %v; want the edit kept", after.Irm, after.Description != nil)
	}
}
