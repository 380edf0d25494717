package httpapi_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	pioniers "github.com/pioniersnetwerk/pioniers"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData(pioniers.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// tokenOperations lists "METHOD /path" of every operation whose security,
// its own or the document's, admits no anonymous caller.
func tokenOperations(t *testing.T, spec *openapi3.T) []string {
	t.Helper()
	var out []string
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			security := spec.Security
			if op.Security != nil {
				security = *op.Security
			}
			if len(security) > 0 && !slices.ContainsFunc(security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 }) {
				out = append(out, method+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// The contract says who may call: every write but sign-in, and every read
// the server refuses anonymously, needs a token.
func TestContractDeclaresTokens(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	ops := tokenOperations(t, spec)
	var want []string
	for path, item := range spec.Paths.Map() {
		for method := range item.Operations() {
			// Sign-in, sign-out and a set-password link carry their own
			// credential (a password, a refresh token, a link's token).
			if method != http.MethodGet && path != "/auth/token" && path != "/auth/revocations" && path != "/auth/passwords" {
				want = append(want, method+" "+path)
			}
		}
	}
	want = append(want, "GET /meetings/{meeting}/registrations", "GET /meetings/{meeting}/submissions",
		"GET /evaluations/{evaluation}/responses", "GET /evaluations/{evaluation}/responses/{organisation}",
		"GET /people/{person}/consent", "GET /people/{person}/export")
	for _, w := range want {
		if !slices.Contains(ops, w) {
			t.Errorf("%s: security admits anonymous callers; want bearerAuth only", w)
		}
	}
}

// A caller without a valid token gets 401 from every operation that needs
// one, before the path, the query or the body is looked at: the values
// here are all invalid, so a check that came first would answer 400 or 415.
func TestTokenBeforeValidation(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.RateLimit = 0 // two requests per operation outgrow any burst
	env := apptest.New(t, cfg)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, op := range tokenOperations(t, loadSpec(t)) {
		method, path, _ := strings.Cut(op, " ")
		url := "/v1" + param.ReplaceAllString(path, "zz") + "?unknown=1"
		var body any
		if method != http.MethodGet && method != http.MethodDelete {
			body = map[string]any{}
		}
		for _, caller := range []struct {
			name    string
			headers map[string]string
		}{
			{"anonymous", nil},
			{"invalid token", apptest.Bearer("not-a-token")},
		} {
			res := env.Do(t, method, url, body, caller.headers)
			apptest.CheckProblem(t, caller.name+" "+op, res, http.StatusUnauthorized)
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s %s: WWW-Authenticate %q; want a Bearer challenge", caller.name, op, res.Header.Get("WWW-Authenticate"))
			}
		}
	}
}

// The finding as reported: an anonymous create with an empty body.
func TestAnonymousCreateIs401(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	res := env.Do(t, "POST", "/v1/organisations", map[string]any{}, nil)
	if p := apptest.CheckProblem(t, "anonymous POST /v1/organisations {}", res, http.StatusUnauthorized); len(p.Params()) > 0 {
		t.Errorf("invalidParams %v; want none: the body is not looked at", p.Fields())
	}
}
