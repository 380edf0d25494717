package httpapi_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Access ends when it should: a revoked client's token, still unexpired, is
// refused on its next request, and so is a token issued before an admin
// narrowed the client's scopes or moved it to another organisation.
func TestRevokedClientTokenRefused(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	for _, tt := range []struct {
		name   string
		method string
		path   func(clientID string) string
		body   string
		status int
	}{
		{"revoked", "DELETE", func(id string) string { return "/v1/api-clients/" + id }, "", 204},
		{"scopes narrowed", "PATCH", func(id string) string { return "/v1/api-clients/" + id }, `{"scopes":[]}`, 200},
		{"organisation changed", "PATCH", func(id string) string { return "/v1/api-clients/" + id }, `{"organisation":"GM9902"}`, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl, token := f.ScopedClient(t, "Portal "+tt.name, "GM9901", "people:read")
			if got := f.Do(t, "GET", "/v1/api-clients/"+cl.ClientID, nil, apptest.Headers(token)).StatusCode; got != 200 {
				t.Fatalf("before: got %d; want 200", got)
			}
			h := apptest.Headers(f.Admin, "If-Match", "*")
			var body any
			if tt.body != "" {
				body, h["Content-Type"] = tt.body, "application/merge-patch+json"
			}
			if res := f.Do(t, tt.method, tt.path(cl.ClientID), body, h); res.StatusCode != tt.status {
				t.Fatalf("%s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.status, apptest.Short(res.Body))
			}
			res := f.Do(t, "GET", "/v1/organisations", nil, apptest.Headers(token))
			apptest.CheckProblem(t, "the old token after "+tt.name, res, 401)
		})
	}
}
