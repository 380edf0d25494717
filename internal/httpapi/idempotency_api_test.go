package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Concurrent requests with one key do the work once; the others wait for it
// and get its response replayed, never a 409 for a client to retry on.
func TestIdempotencyConcurrentRetriesReplay(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	const n = 16
	body := map[string]any{"code": "idem-conc", "name": "x", "kind": "other", "networkRole": "member"}
	res := make([]apptest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = e.Do(t, "POST", "/v1/organisations", body, apptest.Headers(e.Admin, "Idempotency-Key", "idem-conc-key"))
		}()
	}
	wg.Wait()
	fresh := 0
	for i, r := range res {
		if r.StatusCode != http.StatusCreated {
			t.Errorf("request %d: got %d; want 201 (%s)", i, r.StatusCode, apptest.Short(r.Body))
		}
		if r.Header.Get("Idempotent-Replayed") == "" {
			fresh++
		}
		if r.Body != res[0].Body {
			t.Errorf("request %d: got %s; want the one response %s", i, apptest.Short(r.Body), apptest.Short(res[0].Body))
		}
	}
	if fresh != 1 {
		t.Errorf("responses not marked replayed: got %d; want 1", fresh)
	}
	var list api.OrganisationPage
	e.Do(t, "GET", "/v1/organisations?q=idem-conc", nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("organisations after %d concurrent POSTs with one key: got %d; want 1", n, len(list.Items))
	}
}

// Only a caller who signed in claims a key: an anonymous POST answers 401
// and keeps nothing, so the next anonymous POST with that key is not taken
// for a retry (a replay, or 422 for another request).
func TestIdempotencyAnonymousKeepsNothing(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	h := apptest.Headers("", "Idempotency-Key", "idem-anon")
	first := map[string]any{"code": "idem-anon", "name": "x", "kind": "other", "networkRole": "member"}
	other := map[string]any{"code": "idem-anon-2", "name": "y", "kind": "other", "networkRole": "member"}
	for _, tc := range []struct {
		label string
		body  any
	}{{"first", first}, {"same again", first}, {"another request", other}} {
		res := e.Do(t, "POST", "/v1/organisations", tc.body, h)
		apptest.CheckProblem(t, "anonymous POST with a key, "+tc.label, res, http.StatusUnauthorized)
		if got := res.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("anonymous POST with a key, %s: Idempotent-Replayed %q; want none", tc.label, got)
		}
	}
}
