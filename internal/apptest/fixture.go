package apptest

// Helpers the black-box HTTP tests share: starting a seeded service, creating
// resources through the API, and checking problem bodies.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// StartSeeded is Start without the general rate limit, with the action
// plan's data loaded.
func StartSeeded(t testing.TB) *Env {
	t.Helper()
	cfg := Config(t)
	cfg.RateLimit = 0
	env := New(t, cfg)
	env.Seed(t)
	return env
}

// Today is the date in Amsterdam, where the network's days begin.
func Today() time.Time { return domain.Today(time.Now()) }

// Municipality is the input of a member municipality.
func Municipality(code, name string) organisation.Input {
	return organisation.Input{Code: code, Name: name, Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleMember}
}

// Created is what a POST answered: the new resource's id and ETag.
type Created struct {
	ID   string
	ETag string
}

// Post creates a resource at path as token's user, failing unless the answer
// is 201.
func (e *Env) Post(t testing.TB, token, path string, body any) Created {
	t.Helper()
	res := e.Do(t, http.MethodPost, path, body, Bearer(token))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: got %d; want 201 (%s)", path, res.StatusCode, res.Body)
	}
	var v struct {
		ID string `json:"id"`
	}
	res.JSON(t, &v)
	return Created{ID: v.ID, ETag: res.Header.Get("ETag")}
}

// Changes counts the change records of a resource.
func (e *Env) Changes(t testing.TB, resource, id string) int {
	t.Helper()
	ch, err := e.App.DB.Changes(context.Background(), resource, id)
	if err != nil {
		t.Fatalf("changes of %s %s: %v", resource, id, err)
	}
	return len(ch)
}

// Headers is the Authorization header of token (none for "") plus more
// headers, given as name, value pairs.
func Headers(token string, kv ...string) map[string]string {
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// PlannedMeeting is a valid planned meeting in 2030 with extra fields.
func PlannedMeeting(title string, extra map[string]any) map[string]any {
	m := map[string]any{"title": title, "topic": "Robustness", "format": "other",
		"startsAt": "2030-03-14T13:00:00Z", "endsAt": "2030-03-14T16:00:00Z"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// Pioneer is the body of a person who is a pioneer of org since 2018-09-01.
func Pioneer(name, email, phone, org string) map[string]any {
	return map[string]any{"name": name, "email": email, "phone": phone, "position": "Open government adviser", "languages": []string{"nl"},
		"memberships": []any{map[string]any{"organisation": org, "role": "pioneer", "from": "2018-09-01"}}}
}

// Fixture is the service with the demo data, a user of every role and a
// record of every kind.
type Fixture struct {
	*Env
	Admin, Editor, Analyst string
	Member, Member2        string // members of GM9901 and GM9902
	Person                 string // a person of GM9901
	Held                   string // a held demo meeting
	Planned                string // a planned meeting in 2030 with capacity 1
	Publication            string // a magazine edition
	Milestone              string // milestone 3.1
	Evaluation             string // the demo evaluation (closed, with responses)
}

// StartDemo starts a Fixture.
func StartDemo(t testing.TB) *Fixture {
	t.Helper()
	cfg := Config(t)
	cfg.SignInLimit = 1000 // every role signs in from the same address
	cfg.RateLimit = 0
	env := New(t, cfg)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	f := &Fixture{Env: env,
		Admin:   env.User(t, "admin@example.org", domain.RoleAdmin, ""),
		Editor:  env.User(t, "editor@example.org", domain.RoleEditor, ""),
		Analyst: env.User(t, "analyst@example.org", domain.RoleAnalyst, ""),
		Member:  env.User(t, "clerk@north.example", domain.RoleMember, "GM9901"),
		Member2: env.User(t, "clerk@south.example", domain.RoleMember, "GM9902"),
	}
	f.Held = f.FirstID(t, "/v1/meetings?status=held")
	f.Publication = f.FirstID(t, "/v1/publications?kind=magazine-edition")
	f.Milestone = f.FirstID(t, "/v1/milestones?commitment=NL0037")
	f.Evaluation = f.FirstID(t, "/v1/evaluations?status=closed")
	f.Person = f.Post(t, f.Admin, "/v1/people", map[string]any{"name": "Sam Example", "email": "sam@north.example",
		"memberships": []any{map[string]any{"organisation": "GM9901", "role": "pioneer"}}}).ID
	f.Planned = f.Post(t, f.Admin, "/v1/meetings", PlannedMeeting("Planned meeting", map[string]any{"capacity": 1})).ID
	return f
}

// FirstID is the id of the first item of a list, as the admin sees it.
func (f *Fixture) FirstID(t testing.TB, path string) string {
	t.Helper()
	res := f.Do(t, "GET", path, nil, Bearer(f.Admin))
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	res.JSON(t, &page)
	if res.StatusCode != 200 || len(page.Items) == 0 {
		t.Fatalf("GET %s: got %d with %d items; want 200 with items (%s)", path, res.StatusCode, len(page.Items), res.Body)
	}
	return page.Items[0].ID
}

// leaks are fragments that only a driver, the runtime or a decoder writes.
var leaks = []string{"sqlite", "sqlstate", "pq:", "pgx", "pgconn", "gorm", ".go:", "goroutine", "panic", "runtime.",
	"unmarshal", "expected=", "offset=", "violates", "duplicate key", "foreign key", "strconv", "json:", "time.time", "float64", "int64"}

// Short is s cut to a length that fits in a test message.
func Short(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// ProblemIssues lists what keeps res from being an RFC 9457 problem with
// status want (and, when given, type wantType naming field), free of
// internals.
func ProblemIssues(res Response, want int, wantType, field string) (Problem, []string) {
	var issues []string
	if res.StatusCode != want {
		issues = append(issues, fmt.Sprintf("got status %d; want %d", res.StatusCode, want))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		return Problem{}, append(issues, fmt.Sprintf("Content-Type %q; want application/problem+json", ct))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(res.Body), &raw); err != nil {
		return Problem{}, append(issues, "the problem is not JSON")
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance"} {
		if v, ok := raw[k]; !ok || v == "" {
			issues = append(issues, "no "+k)
		}
	}
	var p Problem
	_ = json.Unmarshal([]byte(res.Body), &p)
	if p.Status != res.StatusCode {
		issues = append(issues, fmt.Sprintf("problem status %d differs from the response's %d", p.Status, res.StatusCode))
	}
	// The instance echoes the request's own path, whose random ids may spell
	// a fragment by chance ("pc_…Pgx…"); the leak scan reads what the server wrote.
	delete(raw, "instance")
	written, _ := json.Marshal(raw)
	lower := strings.ToLower(string(written))
	for _, l := range leaks {
		if strings.Contains(lower, l) {
			issues = append(issues, fmt.Sprintf("leaks %q", l))
		}
	}
	if wantType != "" && p.Type != wantType {
		issues = append(issues, fmt.Sprintf("type %q; want %s", p.Type, wantType))
	}
	if field != "" && !slices.Contains(p.Fields(), field) {
		issues = append(issues, fmt.Sprintf("invalidParams %v; want it to name %s", p.Fields(), field))
	}
	return p, issues
}

// CheckProblem checks that res is a problem with status want and nothing
// internal in it, and returns it.
func CheckProblem(t testing.TB, label string, res Response, want int) Problem {
	t.Helper()
	p, issues := ProblemIssues(res, want, "", "")
	if len(issues) > 0 {
		t.Errorf("%s: %s\n\tbody: %s", label, strings.Join(issues, "; "), Short(res.Body))
	}
	return p
}

// CheckInvalid checks a 400 invalid-input problem that names field.
func CheckInvalid(t testing.TB, label string, res Response, field string) {
	t.Helper()
	if _, issues := ProblemIssues(res, http.StatusBadRequest, "urn:pioniers:problem:invalid-input", field); len(issues) > 0 {
		t.Errorf("%s: %s\n\tbody: %s", label, strings.Join(issues, "; "), Short(res.Body))
	}
}

// CheckNever5xx fails on a server error, naming the request.
func CheckNever5xx(t testing.TB, label string, res Response) {
	t.Helper()
	if res.StatusCode >= 500 {
		t.Errorf("%s: got status %d; want a 2xx or 4xx, never a server error (%s)", label, res.StatusCode, Short(res.Body))
	}
}

// Deref is what p points to, or the zero value for nil: for the optional
// members of the generated api types.
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// ClientToken registers an API client (role partner, bound to organisation
// unless it is "") and returns an access token for it, obtained through
// the client-credentials grant of POST /v1/auth/token.
func (e *Env) ClientToken(t testing.TB, name, organisation string) string {
	t.Helper()
	_, token := e.ScopedClient(t, name, organisation)
	return token
}

// ScopedClient is ClientToken for a client an admin granted scopes; it
// returns the client too.
func (e *Env) ScopedClient(t testing.TB, name, organisation string, scopes ...string) (account.Client, string) {
	t.Helper()
	cl, secret, err := e.App.Accounts.CreateClient(As(domain.System), account.NewClient{Name: name, Organisation: organisation, Scopes: scopes})
	if err != nil {
		t.Fatalf("create client %s: %v", name, err)
	}
	return cl, e.SecretToken(t, cl.ClientID, secret)
}

// SecretToken signs an API client in with its id and secret.
func (e *Env) SecretToken(t testing.TB, clientID, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}.Encode()
	res := e.Do(t, http.MethodPost, "/v1/auth/token", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("client token %s: got %d; want 200 (%s)", clientID, res.StatusCode, res.Body)
	}
	var tok api.AccessToken
	res.JSON(t, &tok)
	return tok.AccessToken
}
