package httpapi_test

import (
	"net/http"
	"strings"
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

// A key is taken where the contract declares Idempotency-Key, and only
// there: a retried rotation of a webhook's secret (stored as it is, to sign
// with) replays the one new secret, while an API client's secret, stored
// only as a hash, is never kept, so its rotation runs anew with every
// retry; so does a sign-out, which declares no key.
func TestIdempotencyKeyOnlyWhereDeclared(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	var hook api.WebhookSubscription
	f.Do(t, http.MethodPost, "/v1/webhook-subscriptions", map[string]any{"url": hookURL}, apptest.Bearer(f.Admin)).JSON(t, &hook)
	client, _ := f.ScopedClient(t, "keyed portal", "GM9901")
	for _, tc := range []struct {
		path   string
		body   any
		status int
		secret string // the answer's field that differs between two runs
		keyed  bool
	}{
		{"/v1/webhook-subscriptions/" + hook.ID.String() + "/secret-rotations", nil, http.StatusOK, "secret", true},
		{"/v1/api-clients/" + client.ClientID + "/secret-rotations", nil, http.StatusOK, "clientSecret", false},
		{"/v1/auth/revocations", map[string]any{"refreshToken": "not-a-token"}, http.StatusNoContent, "", false},
	} {
		h := apptest.Headers(f.Admin, "Idempotency-Key", "retried-"+strings.ReplaceAll(tc.path, "/", "-"))
		var secrets [2]string
		for i := range secrets {
			res := f.Do(t, http.MethodPost, tc.path, tc.body, h)
			if tc.secret != "" {
				var got map[string]any
				res.JSON(t, &got)
				secrets[i], _ = got[tc.secret].(string)
			}
			if res.StatusCode != tc.status || tc.secret != "" && secrets[i] == "" {
				t.Fatalf("POST %s, try %d: got %d %s; want %d", tc.path, i+1, res.StatusCode, apptest.Short(res.Body), tc.status)
			}
			if got, want := res.Header.Get("Idempotent-Replayed") == "true", tc.keyed && i == 1; got != want {
				t.Errorf("POST %s, try %d: replayed %v; want %v", tc.path, i+1, got, want)
			}
		}
		if same := secrets[0] == secrets[1]; tc.secret != "" && same != tc.keyed {
			t.Errorf("POST %s twice with one key: the same %s %v; want %v", tc.path, tc.secret, same, tc.keyed)
		}
	}
}
