package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	pioniers "github.com/pioniersnetwerk/pioniers"
	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Every error response of every operation shows an example of its own
// status in the docs UI, valid against the Problem schema: not the same
// 404 everywhere.
func TestErrorResponsesHaveExamplesOfTheirStatus(t *testing.T) {
	t.Parallel()
	spec, err := openapi3.NewLoader().LoadFromData(pioniers.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil || status < 400 {
					continue
				}
				mt := ref.Value.Content.Get("application/problem+json")
				if mt == nil {
					continue
				}
				var examples []any
				if mt.Example != nil {
					examples = append(examples, mt.Example)
				}
				for _, ex := range mt.Examples {
					examples = append(examples, ex.Value.Value)
				}
				if len(examples) == 0 {
					t.Errorf("%s %s %d: got no example; want one of status %d", method, path, status, status)
				}
				for _, ex := range examples {
					// Through JSON, as the docs UI reads it: numbers become float64.
					data, err := json.Marshal(ex)
					if err != nil {
						t.Fatal(err)
					}
					var v map[string]any
					if err := json.Unmarshal(data, &v); err != nil {
						t.Fatal(err)
					}
					if got, _ := v["status"].(float64); int(got) != status {
						t.Errorf("%s %s %d: example has status %v; want %d", method, path, status, v["status"], status)
					}
					if err := mt.Schema.Value.VisitJSON(v); err != nil {
						t.Errorf("%s %s %d: example does not fit Problem: %v", method, path, status, err)
					}
					seen[status] = true
				}
			}
		}
	}
	for _, want := range []int{400, 401, 403, 404, 409, 412, 428, 429} {
		if !seen[want] {
			t.Errorf("no operation shows an example of %d; want one", want)
		}
	}
}

// The docs UI's Authorize offers the client credentials flow: its tokenUrl,
// resolved against the /docs page as the browser does, signs a client in
// the way Swagger UI sends it (HTTP Basic, form body), and the token works
// on an operation that names the scheme.
func TestDocsAuthorizeWithClientCredentials(t *testing.T) {
	t.Parallel()
	spec, err := openapi3.NewLoader().LoadFromData(pioniers.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.Start(t)
	page := env.Do(t, "GET", "/docs/", nil, nil)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "swagger-ui-bundle.js") {
		t.Fatalf("GET /docs/: got %d; want the docs page", page.StatusCode)
	}
	bearer := spec.Components.SecuritySchemes["bearerAuth"].Value
	for _, want := range []string{"POST /v1/auth/token", "password", "access_token"} {
		if !strings.Contains(bearer.Description, want) {
			t.Errorf("bearerAuth description: want it to explain the password sign-in (%q)", want)
		}
	}
	flows := spec.Components.SecuritySchemes["clientCredentials"].Value.Flows
	if flows == nil || flows.ClientCredentials == nil {
		t.Fatal("clientCredentials: want an OAuth 2.0 client credentials flow")
	}
	docs, err := url.Parse(env.URL + "/docs/")
	if err != nil {
		t.Fatal(err)
	}
	tokenURL, err := docs.Parse(flows.ClientCredentials.TokenURL)
	if err != nil {
		t.Fatal(err)
	}
	if tokenURL.Path != "/v1/auth/token" {
		t.Errorf("tokenUrl %q resolves to %s from /docs/; want /v1/auth/token", flows.ClientCredentials.TokenURL, tokenURL.Path)
	}
	env.Seed(t)
	cl, secret, err := env.App.Accounts.CreateClient(apptest.As(domain.System), account.NewClient{Name: "Docs portal", Organisation: "GM0606", Scopes: []string{"webhooks:manage"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, scope string
	}{
		{"no scope ticked", ""},
		{"the operation's scope ticked", "webhooks:manage"},
	}
	for _, tt := range tests {
		form := url.Values{"grant_type": {"client_credentials"}}
		if tt.scope != "" {
			form.Set("scope", tt.scope)
		}
		req, err := http.NewRequest(http.MethodPost, tokenURL.String(), strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(cl.ClientID, secret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Requested-With", "XMLHttpRequest")
		res, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok api.AccessToken
		err = json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || err != nil || tok.AccessToken == "" {
			t.Fatalf("%s: sign in at %s: got %d (%v); want 200 with an access token", tt.name, tokenURL, res.StatusCode, err)
		}
		op := spec.Paths.Find("/webhook-subscriptions").Get
		if !slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool { _, ok := r["clientCredentials"]; return ok }) {
			t.Fatal("GET /webhook-subscriptions: want clientCredentials among its security requirements, so the docs UI sends the token")
		}
		if got := env.Do(t, "GET", "/v1/webhook-subscriptions", nil, apptest.Bearer(tok.AccessToken)); got.StatusCode != http.StatusOK {
			t.Errorf("%s: GET /v1/webhook-subscriptions with the token: got %d (%s); want 200", tt.name, got.StatusCode, got.Body)
		}
	}
}
