package app_test

// Robustness: every operation of the contract fed odd input. The promise
// under test: bad input gets a clear 4xx application/problem+json that names
// each bad field; nothing is lost or half-written; never a 5xx, a stack trace
// or a raw driver error, on SQLite and on PostgreSQL.
//
// Each case once found a way to break that promise; it now guards the fix.

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// rbEnv is a running service with the demo data, a token per role and a few
// ids to aim at.
type rbEnv struct {
	*apptest.Env
	admin, editor, analyst string
	member, member2        string // members of GM9901 and GM9902
	person                 string // a person of GM9901
	held                   string // a held demo meeting
	planned                string // a planned meeting in 2030 with capacity 1
	publication            string // a magazine edition
	milestone              string // milestone 3.1
	evaluation             string // the demo evaluation (closed, with responses)
}

func rbStart(t *testing.T) *rbEnv {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.SignInLimit = 1000 // every role signs in from the same address
	cfg.RateLimit = 0
	env := apptest.New(t, cfg)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	e := &rbEnv{Env: env,
		admin:   env.User(t, "admin@example.org", domain.RoleAdmin, ""),
		editor:  env.User(t, "editor@example.org", domain.RoleEditor, ""),
		analyst: env.User(t, "analyst@example.org", domain.RoleAnalyst, ""),
		member:  env.User(t, "clerk@north.example", domain.RoleMember, "GM9901"),
		member2: env.User(t, "clerk@south.example", domain.RoleMember, "GM9902"),
	}
	e.held = e.firstID(t, "/v1/meetings?status=held")
	e.publication = e.firstID(t, "/v1/publications?kind=magazine-edition")
	e.milestone = e.firstID(t, "/v1/milestones?commitment=NL0037")
	e.evaluation = e.firstID(t, "/v1/evaluations?status=closed")
	e.person = e.create(t, "/v1/people", map[string]any{"name": "Sam Example", "email": "sam@north.example",
		"memberships": []any{map[string]any{"organisation": "GM9901", "role": "pioneer"}}})
	e.planned = e.create(t, "/v1/meetings", rbMeeting("Planned meeting", map[string]any{"capacity": 1}))
	return e
}

// firstID is the id of the first item of a list.
func (e *rbEnv) firstID(t *testing.T, path string) string {
	t.Helper()
	res := e.Do(t, "GET", path, nil, apptest.Bearer(e.admin))
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

// create POSTs body as the admin and returns the new id.
func (e *rbEnv) create(t *testing.T, path string, body any) string {
	t.Helper()
	res := e.Do(t, "POST", path, body, apptest.Bearer(e.admin))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: got %d; want 201 (%s)", path, res.StatusCode, res.Body)
	}
	var v struct {
		ID string `json:"id"`
	}
	res.JSON(t, &v)
	return v.ID
}

// changes counts the change records of a resource.
func (e *rbEnv) changes(t *testing.T, resource, id string) int {
	t.Helper()
	ch, err := e.App.DB.Changes(context.Background(), resource, id)
	if err != nil {
		t.Fatalf("changes of %s %s: %v", resource, id, err)
	}
	return len(ch)
}

// rbH is the Authorization header of token (none for "") plus more headers.
func rbH(token string, kv ...string) map[string]string {
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// rbMeeting is a valid planned meeting in 2030 with extra fields.
func rbMeeting(title string, extra map[string]any) map[string]any {
	m := map[string]any{"title": title, "topic": "Robustness", "format": "other",
		"startsAt": "2030-03-14T13:00:00Z", "endsAt": "2030-03-14T16:00:00Z"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// rbLeaks are fragments that only a driver, the runtime or a decoder writes.
var rbLeaks = []string{"sqlite", "sqlstate", "pq:", "pgx", "pgconn", "gorm", ".go:", "goroutine", "panic", "runtime.",
	"unmarshal", "expected=", "offset=", "violates", "duplicate key", "foreign key", "strconv", "json:", "time.time", "float64", "int64"}

func rbShort(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// rbIssues lists what keeps res from being an RFC 9457 problem with status
// want (and, when given, type wantType naming field), free of internals.
func rbIssues(res apptest.Response, want int, wantType, field string) (apptest.Problem, []string) {
	var issues []string
	if res.StatusCode != want {
		issues = append(issues, fmt.Sprintf("got status %d; want %d", res.StatusCode, want))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		return apptest.Problem{}, append(issues, fmt.Sprintf("Content-Type %q; want application/problem+json", ct))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(res.Body), &raw); err != nil {
		return apptest.Problem{}, append(issues, "the problem is not JSON")
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance"} {
		if v, ok := raw[k]; !ok || v == "" {
			issues = append(issues, "no "+k)
		}
	}
	var p apptest.Problem
	_ = json.Unmarshal([]byte(res.Body), &p)
	if p.Status != res.StatusCode {
		issues = append(issues, fmt.Sprintf("problem status %d differs from the response's %d", p.Status, res.StatusCode))
	}
	lower := strings.ToLower(res.Body)
	for _, l := range rbLeaks {
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

// rbProblem checks that res is a problem with status want and nothing
// internal in it, and returns it.
func rbProblem(t *testing.T, label string, res apptest.Response, want int) apptest.Problem {
	t.Helper()
	p, issues := rbIssues(res, want, "", "")
	if len(issues) > 0 {
		t.Errorf("%s: %s\n\tbody: %s", label, strings.Join(issues, "; "), rbShort(res.Body))
	}
	return p
}

// rbInvalid checks a 400 invalid-input problem that names field.
func rbInvalid(t *testing.T, label string, res apptest.Response, field string) {
	t.Helper()
	if _, issues := rbIssues(res, http.StatusBadRequest, "urn:pioniers:problem:invalid-input", field); len(issues) > 0 {
		t.Errorf("%s: %s\n\tbody: %s", label, strings.Join(issues, "; "), rbShort(res.Body))
	}
}

// rbNever5xx fails on a server error, naming the request.
func rbNever5xx(t *testing.T, label string, res apptest.Response) {
	t.Helper()
	if res.StatusCode >= 500 {
		t.Errorf("%s: got status %d; want a 2xx or 4xx, never a server error (%s)", label, res.StatusCode, rbShort(res.Body))
	}
}

// ---------------------------------------------------------------------------
// Query parameters, Accept, paths and methods

func TestRobustQueryParameters(t *testing.T) {
	e := rbStart(t)
	page := e.Do(t, "GET", "/v1/organisations?pageSize=1", nil, nil)
	var first struct {
		NextCursor string `json:"nextCursor"`
	}
	page.JSON(t, &first)
	if first.NextCursor == "" {
		t.Fatalf("organisations page 1: no nextCursor (%s)", page.Body)
	}
	tests := []struct{ path, field string }{
		{"/v1/organisations?pageSize=0", "pageSize"},
		{"/v1/organisations?pageSize=-1", "pageSize"},
		{"/v1/organisations?pageSize=abc", "pageSize"},
		{"/v1/organisations?pageSize=101", "pageSize"},
		{"/v1/organisations?pageSize=1e2", "pageSize"},
		{"/v1/organisations?pageSize=99999999999999999999", "pageSize"},
		{"/v1/organisations?pageSize=", "pageSize"},
		{"/v1/people?cursor=garbage", "cursor"},
		{"/v1/people?cursor=" + strings.Repeat("A", 1025), "cursor"},
		{"/v1/people?cursor=%00", "cursor"},
		{"/v1/people?cursor=eyJmIjoiIiwidiI6W10sImkiOiIifQ", "cursor"},
		{"/v1/people?cursor=" + first.NextCursor, "cursor"},                                     // from another list
		{"/v1/organisations?pageSize=1&kind=municipality&cursor=" + first.NextCursor, "cursor"}, // other filters
		{"/v1/meetings?colour=red", "colour"},
		{"/v1/milestones?q=" + strings.Repeat("x", 201), "q"},
		{"/v1/milestones?q=", "q"},
		{"/v1/organisations?sort=-", "sort"},
		{"/v1/organisations?sort=name,name", "sort"},
		{"/v1/organisations?active=perhaps", "active"},
		{"/v1/organisations?kind=village", "kind"},
		{"/v1/meetings?from=2019-02-29", "from"},
		{"/v1/meetings?from=2019-01-01T00:00:00", "from"},
		{"/v1/meetings?to=garbage", "to"},
		{"/v1/meetings?format=csv&from=garbage", "from"}, // an export answers a problem before streaming
		{"/v1/meetings?format=conference&format=other", "format"},
		{"/v1/meetings?guestChair=nope", "guestChair"},
		{"/v1/meetings?organisation=00000000-0000-0000-0000-000000000000", "organisation"},
		{"/v1/milestones?asOf=9999-12-31", "asOf"},
		{"/v1/milestones?asOf=2019-02-29", "asOf"},
		{"/v1/publications?format=xml", "format"},
		{"/v1/publications?meeting=garbage", "meeting"},
		{"/v1/commitments?cycle=2018.5", "cycle"},
		{"/v1/commitments?policyArea=%00", "policyArea"},
		{"/v1/evaluations?milestone=garbage", "milestone"},
		{"/v1/schedule-health?from=2020-01-01&to=2019-01-01", "to"},
		{"/v1/people?organisation=nope", "organisation"},
		{"/v1/people?q=%ff%fe", "q"},
		{"/v1/organisations/GM9901/people?role=nope", "role"},
		{"/v1/action-plans/abc/summary", "cycle"},
		{"/v1/action-plans/99999999999999999999/summary", "cycle"},
		{"/v1/meetings/not-a-uuid", "meeting"},
		{"/v1/meetings/a%2Fb", "meeting"},
		{"/v1/organisations/" + strings.Repeat("x", 65), "organisation"},
		{"/v1/feeds/meetings.ics?format=csv", "format"},
		{"/v1/auth/token?x=1", "x"},
	}
	for _, tt := range tests {
		method := "GET"
		if strings.HasPrefix(tt.path, "/v1/auth/token") {
			method = "POST"
		}
		res := e.Do(t, method, tt.path, nil, rbH(e.admin))
		rbInvalid(t, method+" "+rbShort(tt.path), res, tt.field)
	}

	// Text that is odd but valid searches and answers 200.
	for _, q := range []string{"%F0%9F%98%80", "%25", "_", "%5C", "%E2%80%AE", "e%CC%81"} {
		res := e.Do(t, "GET", "/v1/organisations?q="+q, nil, nil)
		if res.StatusCode != 200 {
			t.Errorf("GET /v1/organisations?q=%s: got %d; want 200 (%s)", q, res.StatusCode, rbShort(res.Body))
		}
	}

	// A repeated single-valued key is invalid input like any other: 400
	// invalid-input naming the key in invalidParams.
	for _, path := range []string{"/v1/organisations?pageSize=5&pageSize=6", "/v1/milestones?format=csv&format=ndjson", "/v1/feeds/meetings.ics?format=conference&format=other"} {
		t.Run("repeated key "+path, func(t *testing.T) {
			res := e.Do(t, "GET", path, nil, nil)
			key := strings.Split(strings.Split(path, "?")[1], "=")[0]
			rbInvalid(t, "GET "+path, res, key)
		})
	}
}

func TestRobustAcceptAndMethods(t *testing.T) {
	e := rbStart(t)
	accepts := []struct {
		path, accept string
		want         int
		ctype        string
	}{
		{"/v1/meetings", "text/csv;q=0", 406, ""},
		{"/v1/meetings", "*/*;q=0", 406, ""},
		{"/v1/meetings", "garbage", 406, ""},
		{"/v1/meetings", "application/problem+json", 406, ""},
		{"/v1/organisations", "text/csv", 406, ""},
		{"/v1/people/" + "00000000-0000-0000-0000-000000000000", "text/html", 406, ""},
		{"/v1/meetings", "application/json;q=0, text/csv", 200, "text/csv; charset=utf-8; header=present"},
		{"/v1/meetings", "application/x-ndjson", 200, "application/x-ndjson; charset=utf-8"},
		{"/v1/meetings?format=json", "text/csv", 200, "application/json"},
		{"/v1/milestones", "*/*", 200, "application/json"},
	}
	for _, tt := range accepts {
		label := fmt.Sprintf("GET %s Accept %q", tt.path, tt.accept)
		res := e.Do(t, "GET", tt.path, nil, rbH(e.admin, "Accept", tt.accept))
		if tt.want >= 400 {
			rbProblem(t, label, res, tt.want)
			continue
		}
		if res.StatusCode != tt.want || res.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("%s: got %d %q; want %d %q", label, res.StatusCode, res.Header.Get("Content-Type"), tt.want, tt.ctype)
		}
	}

	notFound := []string{"/v1/organisations/", "/v1//organisations", "//v1/organisations", "/v1/ORGANISATIONS",
		"/v1/organisations/GM9901/people/", "/v1/organisations/GM9901//people", "/v1", "/embed/meetings/", "/v1/feeds/nope.ics",
		"/v1/organisations/GM9999", "/v1/meetings/00000000-0000-0000-0000-000000000000", "/v1/commitments/NL9999"}
	for _, p := range notFound {
		rbProblem(t, "GET "+p, e.Do(t, "GET", p, nil, rbH(e.admin)), 404)
	}
	for _, p := range []string{"/v1/organisations/GM9901", "/v1/meetings?format=csv", "/v1/feeds/meetings.ics", "/v1/evaluations/" + e.evaluation + "/results?format=ndjson"} {
		get := e.Do(t, "GET", p, nil, rbH(e.admin))
		head := e.Do(t, "HEAD", p, nil, rbH(e.admin))
		if head.StatusCode != get.StatusCode || head.Body != "" || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: got %d %q with %d bytes; want GET's %d %q and no body", p, head.StatusCode, head.Header.Get("Content-Type"), len(head.Body), get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
	if res := e.Do(t, "HEAD", "/v1/organisations/GM9999", nil, nil); res.StatusCode != 404 || res.Body != "" {
		t.Errorf("HEAD of a missing organisation: got %d with %q; want 404 without a body", res.StatusCode, res.Body)
	}
	methods := []struct{ method, path string }{
		{"POST", "/v1/organisations/GM9901"}, {"DELETE", "/v1/meetings"}, {"PUT", "/v1/people"}, {"POST", "/v1/feeds/meetings.ics"},
		{"TRACE", "/v1/meetings"}, {"PROPFIND", "/v1/people/" + e.person + "/export"}, {"POST", "/v1/people/" + e.person + "/export"},
		{"PATCH", "/v1/publications/" + e.publication}, {"DELETE", "/v1/schedule-health"},
	}
	for _, tt := range methods {
		res := e.Do(t, tt.method, tt.path, nil, rbH(e.admin))
		rbProblem(t, tt.method+" "+tt.path, res, 405)
		if res.Header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header on 405", tt.method, tt.path)
		}
	}
	pre := e.Do(t, "OPTIONS", "/v1/meetings/"+e.held, nil, map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of a write from an unlisted origin: got %d with Allow-Origin %q; want 204 without it", pre.StatusCode, pre.Header.Get("Access-Control-Allow-Origin"))
	}

	// The docs pages are served by a third-party handler; its 404 is plain
	// text, while every other 404 (including /embed and /v1) is a problem.
	t.Run("docs 404 is problem+json", func(t *testing.T) {
		rbProblem(t, "GET /docs/nope", e.Do(t, "GET", "/docs/nope", nil, nil), 404)
	})
}

// Every operation of the contract, read from the served contract: an unknown
// query key, and bodies that are not the object asked for, are refused with
// a 400 that names them, whatever the operation.
func TestRobustEveryOperation(t *testing.T) {
	e := rbStart(t)
	var spec struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	e.Do(t, "GET", "/v1/openapi.json", nil, nil).JSON(t, &spec)
	params := map[string]string{"organisation": "GM9901", "person": e.person, "meeting": e.planned, "publication": e.publication,
		"commitment": "NL0037", "milestone": e.milestone, "evaluation": e.evaluation, "cycle": "2018",
		"registration": "00000000-0000-7000-8000-000000000000", "submission": "00000000-0000-7000-8000-000000000000"}
	ops := 0
	for path, methods := range spec.Paths {
		concrete := path
		for name, v := range params {
			concrete = strings.ReplaceAll(concrete, "{"+name+"}", v)
		}
		if strings.Contains(concrete, "{") {
			t.Errorf("%s: no value for its path parameter; add it to this test", path)
			continue
		}
		for method, op := range methods {
			method = strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) {
				continue
			}
			ops++
			label := method + " /v1" + path
			ct := ""
			if op.RequestBody != nil {
				for c := range op.RequestBody.Content {
					if ct == "" || c == "application/json" {
						ct = c
					}
				}
			}
			h := rbH(e.admin, "If-Match", "*")
			var body any
			if ct != "" {
				h["Content-Type"] = ct
				body = "{}"
				if ct == "application/x-www-form-urlencoded" {
					body = "grant_type=client_credentials"
				}
			}
			res := e.Do(t, method, "/v1"+concrete+"?rbUnknown=1", body, h)
			rbInvalid(t, label+"?rbUnknown=1", res, "rbUnknown")
			if ct == "" || ct == "application/x-www-form-urlencoded" {
				continue
			}
			for _, bad := range []string{"null", "[]", "1", `"text"`, `{"a":`, "{\"a\":1,}", "\ufeff{}"} {
				rbInvalid(t, label+" with body "+bad, e.Do(t, method, "/v1"+concrete, bad, h), "body")
			}
			rbProblem(t, label+" as text/plain", e.Do(t, method, "/v1"+concrete, "{}", rbH(e.admin, "If-Match", "*", "Content-Type", "text/plain")), 415)
		}
	}
	if ops < 60 {
		t.Errorf("swept %d operations; want the contract's 60 or more", ops)
	}
}

// ---------------------------------------------------------------------------
// Bodies

func TestRobustBodies(t *testing.T) {
	e := rbStart(t)
	h := rbH(e.admin, "Content-Type", "application/json")
	org := func(extra string) string {
		return `{"code":"rb-org","name":"Robust","kind":"other","networkRole":"member"` + extra + `}`
	}
	tests := []struct{ name, body, field string }{
		{"empty", "", "body"},
		{"null", "null", "body"},
		{"array", "[]", "body"},
		{"number", "1", "body"},
		{"string", `"x"`, "body"},
		{"truncated", `{"code":`, "body"},
		{"deep array", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "body"},
		{"deep member", org(`,"description":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), "description"},
		{"number for string", `{"code":1,"name":"x","kind":"other","networkRole":"member"}`, "code"},
		{"array for string", `{"code":"rb-x","name":["x"],"kind":"other","networkRole":"member"}`, "name"},
		{"object for string", `{"code":"rb-x","name":{"nl":"x"},"kind":"other","networkRole":"member"}`, "name"},
		{"null for required", `{"code":"rb-x","name":"x","kind":null,"networkRole":"member"}`, "kind"},
		{"unknown member", org(`,"extra":1`), "extra"},
		{"member in other case", `{"CODE":"rb-x","name":"x","kind":"other","networkRole":"member"}`, "CODE"},
		{"name over maxLength in emoji", org(`,"province":"` + strings.Repeat("😀", 101) + `"`), "province"},
		{"description over maxLength", org(`,"description":"` + strings.Repeat("é", 5001) + `"`), "description"},
		{"NUL escaped", org(`,"province":"a\u0000b"`), "province"},
		{"bad date", org(`,"joinedOn":"2019-02-29"`), "joinedOn"},
		{"date-time for date", org(`,"joinedOn":"2019-01-01T00:00:00Z"`), "joinedOn"},
		{"javascript URL", org(`,"website":"javascript:alert(1)"`), "website"},
		{"BOM", "\ufeff" + org(""), "body"},
	}
	for _, tt := range tests {
		res := e.Do(t, "POST", "/v1/organisations", tt.body, h)
		rbInvalid(t, "POST /v1/organisations "+tt.name, res, tt.field)
	}
	if res := e.Do(t, "GET", "/v1/organisations/rb-org", nil, nil); res.StatusCode != 404 {
		t.Errorf("after only bad bodies: GET /v1/organisations/rb-org got %d; want 404 (nothing written)", res.StatusCode)
	}

	// Unicode at the limits is kept exactly.
	for _, v := range []string{strings.Repeat("😀", 100), strings.Repeat("e\u0301", 50), "\u202eRTL \u05e9\u05dc\u05d5\u05dd", "Zoë ‘quoted’ «»", strings.Repeat("é", 100)} {
		name := v
		res := e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-uni", "name": name, "kind": "other", "networkRole": "member",
			"description": strings.Repeat("ü", 5000)}, rbH(e.admin))
		if res.StatusCode != 201 {
			t.Errorf("POST organisation named %q: got %d; want 201 (%s)", name, res.StatusCode, rbShort(res.Body))
			continue
		}
		var got struct{ ID, Name, Description string }
		e.Do(t, "GET", "/v1/organisations/rb-uni", nil, nil).JSON(t, &got)
		if got.Name != name || len([]rune(got.Description)) != 5000 {
			t.Errorf("organisation named %q: read back %q (description %d runes); want it unchanged", name, got.Name, len([]rune(got.Description)))
		}
		e.Do(t, "DELETE", "/v1/organisations/"+got.ID, nil, rbH(e.admin, "If-Match", "*"))
	}

	// Duplicate keys: the validator and the handler see the same (last) value,
	// so an invalid value cannot hide behind a valid one.
	res := e.Do(t, "POST", "/v1/organisations", `{"code":"rb-dup","name":"x","kind":"other","networkRole":"member","website":"https://ok.example","website":"not a url"}`, h)
	rbInvalid(t, "duplicate key, last invalid", res, "website")
	res = e.Do(t, "POST", "/v1/organisations", `{"code":"rb-dup","name":"x","kind":"other","networkRole":"member","website":"not a url","website":"https://ok.example"}`, h)
	var dup struct{ Website string }
	res.JSON(t, &dup)
	if res.StatusCode != 201 || dup.Website != "https://ok.example" {
		t.Errorf("duplicate key, last valid: got %d website %q; want 201 with the last value", res.StatusCode, dup.Website)
	}

	// A body over the limit is 413 as a problem, idempotency key or not.
	big := org(`,"description":"` + strings.Repeat("x", 2<<20) + `"`)
	rbProblem(t, "2 MiB body", e.Do(t, "POST", "/v1/organisations", big, h), 413)
	rbProblem(t, "2 MiB body with Idempotency-Key", e.Do(t, "POST", "/v1/organisations", big, rbH(e.admin, "Content-Type", "application/json", "Idempotency-Key", "rb-big")), 413)

	// JSON followed by more text is not JSON: RFC 8259 allows one value.
	for _, tail := range []string{" trailing", "{}", `{"code":"rb-other"}`, "]"} {
		t.Run("trailing data "+tail, func(t *testing.T) {
			code := "rb-tail-" + fmt.Sprint(len(tail))
			body := `{"code":"` + code + `","name":"x","kind":"other","networkRole":"member"}` + tail
			res := e.Do(t, "POST", "/v1/organisations", body, h)
			rbInvalid(t, "POST /v1/organisations with "+tail+" after the object", res, "body")
			if res := e.Do(t, "GET", "/v1/organisations/"+code, nil, nil); res.StatusCode != 404 {
				t.Errorf("the organisation was created from a body that is not JSON: GET got %d", res.StatusCode)
			}
		})
	}

	// Bytes that are not UTF-8 in a JSON body are replaced by U+FFFD and
	// stored; the paths and queries refuse them (400 "must be UTF-8 text").
	for _, ct := range []string{"application/json", "application/json; charset=latin1"} {
		t.Run("latin-1 bytes in a body with "+ct, func(t *testing.T) {
			code := "rb-latin-" + fmt.Sprint(len(ct))
			res := e.Do(t, "POST", "/v1/organisations", "{\"code\":\""+code+"\",\"name\":\"Caf\xe9\",\"kind\":\"other\",\"networkRole\":\"member\"}", rbH(e.admin, "Content-Type", ct))
			if res.StatusCode != 400 && res.StatusCode != 415 {
				t.Errorf("POST with the Latin-1 byte 0xE9 in name: got %d (%s); want 400 naming name (must be UTF-8), or 415 for the charset", res.StatusCode, rbShort(res.Body))
			}
			if res := e.Do(t, "GET", "/v1/organisations/"+code, nil, nil); res.StatusCode != 404 {
				t.Errorf("the name was stored mangled: GET got %d %s", res.StatusCode, rbShort(res.Body))
			}
		})
	}

	// The format details are a oneOf whose alternatives allow any member, so
	// a misspelt member is dropped without a word.
	t.Run("unknown member in meeting details", func(t *testing.T) {
		for _, details := range []map[string]any{
			{"format": "knowledge-session", "experts": []any{}, "expertz": []any{map[string]any{"name": "A. Expert"}}},
			{"format": "open-government-lab", "case": "c", "caseowner": "GM0606"},
			{"format": "residents-meeting", "townHall": "t", "openToResident": false},
		} {
			f := details["format"].(string)
			res := e.Do(t, "POST", "/v1/meetings", rbMeeting("rb details", map[string]any{"format": f, "details": details}), rbH(e.admin))
			if res.StatusCode != 400 {
				t.Errorf("POST meeting with details %v: got %d; want 400 naming the unknown member (it was silently dropped: %s)", details, res.StatusCode, rbShort(res.Body))
			}
		}
	})

	// Integers written as 5.0 or 1e2 are integers to JSON Schema and pass
	// the contract check; the Go decoder then refuses them with its own
	// message, as about:blank without invalidParams.
	for _, tt := range []struct{ path, body, field string }{
		{"/v1/meetings", `{"title":"T","topic":"x","format":"other","startsAt":"2030-03-14T13:00:00Z","endsAt":"2030-03-14T16:00:00Z","capacity":5.0}`, "capacity"},
		{"/v1/meetings", `{"title":"T","topic":"x","format":"other","startsAt":"2030-03-14T13:00:00Z","endsAt":"2030-03-14T16:00:00Z","capacity":1e2}`, "capacity"},
		{"/v1/meetings", `{"title":"T","topic":"x","format":"other","startsAt":"2030-03-14T13:00:00Z","endsAt":"2030-03-14T16:00:00Z","sequence":1e20}`, "sequence"},
		{"/v1/commitments", `{"code":"NL0098","title":"T","cycle":2018.0}`, "cycle"},
		{"/v1/milestones", `{"commitment":"NL0037","code":"8.8","title":"M","progress":5e1}`, "progress"},
		{"/v1/evaluations", `{"title":"T","opensAt":"2020-01-01T00:00:00Z","closesAt":"2030-01-01T00:00:00Z","questions":[{"key":"c","type":"multiple-choice","text":"c","options":["a","b"],"minSelections":1e20}]}`, "questions[0].minSelections"},
	} {
		t.Run("integer as "+tt.field+" in "+tt.path, func(t *testing.T) {
			res := e.Do(t, "POST", tt.path, tt.body, h)
			if res.StatusCode == 201 {
				return // taken as the integer it is
			}
			rbInvalid(t, "POST "+tt.path+" "+tt.body, res, tt.field)
		})
	}
}

func TestRobustContentTypes(t *testing.T) {
	e := rbStart(t)
	orgBody := func(code string) string {
		return `{"code":"` + code + `","name":"x","kind":"other","networkRole":"member"}`
	}
	ok := []string{"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"}
	for i, ct := range ok {
		res := e.Do(t, "POST", "/v1/organisations", orgBody(fmt.Sprint("rb-ct-", i)), rbH(e.admin, "Content-Type", ct))
		if res.StatusCode != 201 {
			t.Errorf("POST with Content-Type %q: got %d; want 201 (%s)", ct, res.StatusCode, rbShort(res.Body))
		}
	}
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/merge-patch+json",
		"application/vnd.api+json", "application/json;;;", "application/xml"} {
		rbProblem(t, "POST with Content-Type "+ct, e.Do(t, "POST", "/v1/organisations", orgBody("rb-ct-bad"), rbH(e.admin, "Content-Type", ct)), 415)
	}
	rbProblem(t, "POST with a body and no Content-Type", e.Do(t, "POST", "/v1/organisations", []byte(orgBody("rb-ct-none")), rbH(e.admin)), 415)
	rbProblem(t, "PATCH as application/json", e.Do(t, "PATCH", "/v1/meetings/"+e.planned, `{"title":"x"}`, rbH(e.admin, "If-Match", "*", "Content-Type", "application/json")), 415)
	if res := e.Do(t, "GET", "/v1/organisations/rb-ct-bad", nil, nil); res.StatusCode != 404 {
		t.Errorf("after 415s: GET rb-ct-bad got %d; want 404", res.StatusCode)
	}
	res := e.Do(t, "PATCH", "/v1/meetings/"+e.planned, `{"title":"Patched with charset"}`, rbH(e.admin, "If-Match", "*", "Content-Type", "application/merge-patch+json; charset=utf-8"))
	var m struct{ Title string }
	res.JSON(t, &m)
	if res.StatusCode != 200 || m.Title != "Patched with charset" {
		t.Errorf("PATCH with merge-patch+json; charset=utf-8: got %d title %q; want 200 and the new title", res.StatusCode, m.Title)
	}

	// Media types are case-insensitive (RFC 9110 8.3.1). The contract check
	// accepts Application/Merge-Patch+JSON, but the merge patch is then
	// looked up by a case-sensitive prefix, so the patch is dropped and the
	// request answers 200 with nothing changed.
	for _, tt := range []struct{ path, field string }{
		{"/v1/meetings/" + e.planned, "title"},
		{"/v1/milestones/" + e.milestone, "title"},
		{"/v1/evaluations/" + e.evaluation, "title"},
	} {
		t.Run("merge patch in upper case "+strings.Split(tt.path, "/")[2], func(t *testing.T) {
			want := "Patched in upper case"
			res := e.Do(t, "PATCH", tt.path, `{"title":"`+want+`"}`, rbH(e.admin, "If-Match", "*", "Content-Type", "Application/Merge-Patch+JSON"))
			var got struct{ Title string }
			res.JSON(t, &got)
			if res.StatusCode == 415 {
				return // refusing it would be honest too
			}
			if res.StatusCode != 200 || got.Title != want {
				t.Errorf("PATCH %s with Content-Type Application/Merge-Patch+JSON: got %d with title %q; want the patch applied (title %q) or 415", tt.path, res.StatusCode, got.Title, want)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Preconditions, concurrency, idempotency

func TestRobustIfMatch(t *testing.T) {
	e := rbStart(t)
	get := e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil)
	var o map[string]any
	get.JSON(t, &o)
	id := o["id"].(string)
	etag := get.Header.Get("ETag")
	body := map[string]any{"code": "GM9902", "name": "Renamed", "kind": "municipality", "networkRole": "member", "joinedOn": o["joinedOn"]}
	before := e.changes(t, "organisation", id)
	tests := []struct {
		ifMatch string
		want    int
	}{
		{"", 428},
		{"garbage", 412},
		{`W/` + etag, 412}, // weak tags never match If-Match (RFC 9110 13.1.1)
		{`"v0"`, 412},
		{`"v-1"`, 412},
		{`"v2"`, 412},
		{`"v99999999999999999999"`, 412},
		{`"v1`, 412},
		{`v1`, 412},
		{strings.Repeat(`"v9", `, 200) + `"v8"`, 412},
	}
	for _, tt := range tests {
		h := rbH(e.admin)
		if tt.ifMatch != "" {
			h["If-Match"] = tt.ifMatch
		}
		rbProblem(t, "PUT with If-Match "+rbShort(tt.ifMatch), e.Do(t, "PUT", "/v1/organisations/GM9902", body, h), tt.want)
		rbProblem(t, "DELETE with If-Match "+rbShort(tt.ifMatch), e.Do(t, "DELETE", "/v1/organisations/GM9902", nil, h), tt.want)
	}
	if got := e.changes(t, "organisation", id); got != before {
		t.Errorf("after refused writes: %d change records; want %d", got, before)
	}
	var now map[string]any
	e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil).JSON(t, &now)
	if now["name"] != o["name"] {
		t.Errorf("after refused writes: name %v; want %v", now["name"], o["name"])
	}

	// RFC 9110 13.1.1: If-Match is a list; it holds when any listed strong
	// tag matches. The parser keeps only the last tag of the list.
	t.Run("If-Match list with the current tag first", func(t *testing.T) {
		res := e.Do(t, "PUT", "/v1/organisations/GM9902", body, rbH(e.admin, "If-Match", etag+`, "v99"`))
		if res.StatusCode != 200 {
			t.Errorf("PUT with If-Match %s, \"v99\" on a resource at %s: got %d; want 200 (%s)", etag, etag, res.StatusCode, rbShort(res.Body))
		}
	})
	res := e.Do(t, "PUT", "/v1/organisations/GM9902", body, rbH(e.admin, "If-Match", "*"))
	if res.StatusCode != 200 {
		t.Errorf("PUT with If-Match *: got %d; want 200 (%s)", res.StatusCode, rbShort(res.Body))
	}
}

func TestRobustConcurrentWrites(t *testing.T) {
	e := rbStart(t)
	const n = 8
	var wg sync.WaitGroup
	statuses := func(run func(i int) int) []int {
		out := make([]int, n)
		for i := range out {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				out[i] = run(i)
			}(i)
		}
		wg.Wait()
		slices.Sort(out)
		return out
	}
	count := func(list []int, status int) int {
		c := 0
		for _, s := range list {
			if s == status {
				c++
			}
		}
		return c
	}

	// The same If-Match from n writers: exactly one wins, the others get 412.
	get := e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil)
	var o map[string]any
	get.JSON(t, &o)
	id, etag := o["id"].(string), get.Header.Get("ETag")
	before := e.changes(t, "organisation", id)
	got := statuses(func(i int) int {
		body := map[string]any{"code": "GM9902", "name": fmt.Sprint("Name ", i), "kind": "municipality", "networkRole": "member", "joinedOn": o["joinedOn"]}
		return e.Do(t, "PUT", "/v1/organisations/GM9902", body, rbH(e.admin, "If-Match", etag)).StatusCode
	})
	if count(got, 200) != 1 || count(got, 412) != n-1 {
		t.Errorf("%d concurrent PUTs with If-Match %s: got %v; want one 200 and %d 412", n, etag, got, n-1)
	}
	if c := e.changes(t, "organisation", id); c != before+1 {
		t.Errorf("after the concurrent PUTs: %d change records; want %d", c, before+1)
	}

	m := e.Do(t, "GET", "/v1/meetings/"+e.planned, nil, nil)
	got = statuses(func(i int) int {
		return e.Do(t, "PATCH", "/v1/meetings/"+e.planned, fmt.Sprintf(`{"title":"T%d"}`, i),
			rbH(e.admin, "If-Match", m.Header.Get("ETag"), "Content-Type", "application/merge-patch+json")).StatusCode
	})
	if count(got, 200) != 1 || count(got, 412) != n-1 {
		t.Errorf("%d concurrent PATCHes of a meeting with one If-Match: got %v; want one 200 and %d 412", n, got, n-1)
	}

	// n creates with the same unique code: one 201, the others 409.
	got = statuses(func(i int) int {
		return e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-race", "name": fmt.Sprint("Race ", i), "kind": "other", "networkRole": "member"}, rbH(e.admin)).StatusCode
	})
	if count(got, 201) != 1 || count(got, 409) != n-1 {
		t.Errorf("%d concurrent creates with one code: got %v; want one 201 and %d 409", n, got, n-1)
	}

	// n people for one seat: one registered, the rest waitlisted in order.
	people := make([]string, n)
	for i := range people {
		people[i] = e.create(t, "/v1/people", map[string]any{"name": fmt.Sprint("Racer ", i), "memberships": []any{}})
	}
	got = statuses(func(i int) int {
		return e.Do(t, "POST", "/v1/meetings/"+e.planned+"/registrations", map[string]any{"person": people[i]}, rbH(e.admin)).StatusCode
	})
	if count(got, 201) != n {
		t.Errorf("%d concurrent registrations: got %v; want %d 201", n, got, n)
	}
	var regs struct {
		Items []struct {
			Status           string `json:"status"`
			WaitlistPosition int    `json:"waitlistPosition"`
		} `json:"items"`
	}
	e.Do(t, "GET", "/v1/meetings/"+e.planned+"/registrations", nil, rbH(e.admin)).JSON(t, &regs)
	registered, positions := 0, []int{}
	for _, r := range regs.Items {
		if r.Status == "registered" {
			registered++
		} else {
			positions = append(positions, r.WaitlistPosition)
		}
	}
	slices.Sort(positions)
	if registered != 1 || !slices.Equal(positions, []int{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("registrations for capacity 1: %d registered, waitlist positions %v; want 1 and 1…7", registered, positions)
	}

	// The same person n times at once: one registration.
	other := e.create(t, "/v1/meetings", rbMeeting("Second race", nil))
	got = statuses(func(int) int {
		return e.Do(t, "POST", "/v1/meetings/"+other+"/registrations", map[string]any{"person": people[0]}, rbH(e.admin)).StatusCode
	})
	if count(got, 201) != 1 || count(got, 409) != n-1 {
		t.Errorf("%d concurrent registrations of one person: got %v; want one 201 and %d 409", n, got, n-1)
	}

	// One Idempotency-Key n times at once: one organisation; the others are
	// replays (201) or told the first still runs (409).
	got = statuses(func(int) int {
		return e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-idem-race", "name": "x", "kind": "other", "networkRole": "member"},
			rbH(e.admin, "Idempotency-Key", "rb-race-key")).StatusCode
	})
	if count(got, 201)+count(got, 409) != n || count(got, 201) == 0 {
		t.Errorf("%d concurrent POSTs with one Idempotency-Key: got %v; want only 201 (first or replay) and 409", n, got)
	}
	var list struct {
		Items []struct{ Code string } `json:"items"`
	}
	e.Do(t, "GET", "/v1/organisations?q=rb-idem-race", nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("after concurrent POSTs with one Idempotency-Key: %d organisations; want 1", len(list.Items))
	}
}

func TestRobustIdempotencyKeys(t *testing.T) {
	e := rbStart(t)
	body := map[string]any{"kind": "other", "title": "Idempotent", "url": "https://example.org/idem", "publishedOn": "2020-01-01"}
	first := e.Do(t, "POST", "/v1/publications", body, rbH(e.editor, "Idempotency-Key", "rb-key"))
	again := e.Do(t, "POST", "/v1/publications", body, rbH(e.editor, "Idempotency-Key", "rb-key"))
	if first.StatusCode != 201 || again.StatusCode != 201 || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") || again.Body != first.Body {
		t.Errorf("replay: got %d then %d (replayed %q, Location %q vs %q); want the same 201 replayed", first.StatusCode, again.StatusCode,
			again.Header.Get("Idempotent-Replayed"), again.Header.Get("Location"), first.Header.Get("Location"))
	}
	changed := map[string]any{"kind": "other", "title": "Other", "url": "https://example.org/idem", "publishedOn": "2020-01-01"}
	rbProblem(t, "same key, other body", e.Do(t, "POST", "/v1/publications", changed, rbH(e.editor, "Idempotency-Key", "rb-key")), 422)
	rbProblem(t, "same key, other endpoint", e.Do(t, "POST", "/v1/people", map[string]any{"name": "x", "memberships": []any{}}, rbH(e.editor, "Idempotency-Key", "rb-key")), 422)
	if res := e.Do(t, "POST", "/v1/publications", body, rbH(e.admin, "Idempotency-Key", "rb-key")); res.StatusCode != 201 || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("same key, other user: got %d (replayed %q); want a fresh 201: keys are per caller", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
	rbInvalid(t, "256-character key", e.Do(t, "POST", "/v1/publications", body, rbH(e.editor, "Idempotency-Key", strings.Repeat("k", 256))), "Idempotency-Key")
	if res := e.Do(t, "POST", "/v1/publications", body, rbH(e.editor, "Idempotency-Key", strings.Repeat("k", 255))); res.StatusCode != 201 {
		t.Errorf("255-character key: got %d; want 201 (%s)", res.StatusCode, rbShort(res.Body))
	}
	// A refused request is kept too: the retry gets the same 400, not a 201.
	bad := map[string]any{"kind": "other", "title": "", "url": "x", "publishedOn": "2020-01-01"}
	rbInvalid(t, "first bad request with a key", e.Do(t, "POST", "/v1/publications", bad, rbH(e.editor, "Idempotency-Key", "rb-bad")), "title")
	rbInvalid(t, "its retry", e.Do(t, "POST", "/v1/publications", bad, rbH(e.editor, "Idempotency-Key", "rb-bad")), "title")
	if res := e.Do(t, "POST", "/v1/auth/token", map[string]any{"email": "editor@example.org", "password": apptest.Password}, rbH("", "Idempotency-Key", "rb-token")); res.StatusCode != 200 {
		t.Errorf("token with Idempotency-Key: got %d; want 200", res.StatusCode)
	}

	// An Idempotency-Key is an ASCII string (it is a Structured Field
	// string in the IETF draft). Bytes that are not UTF-8 reach the
	// idempotency_keys table as they are: PostgreSQL refuses them (500),
	// SQLite stores them.
	t.Run("Idempotency-Key that is not UTF-8", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/publications", body, rbH(e.editor, "Idempotency-Key", "rb-\xff\xfe"))
		rbInvalid(t, "POST with Idempotency-Key rb-\\xff\\xfe", res, "Idempotency-Key")
	})
}

// ---------------------------------------------------------------------------
// Dates and times

func TestRobustDates(t *testing.T) {
	e := rbStart(t)
	for _, d := range []string{"9999-12-31", "2020-02-29", "1900-01-01"} {
		res := e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-date", "name": "x", "kind": "other", "networkRole": "member", "joinedOn": d}, rbH(e.admin))
		var o struct{ ID, JoinedOn string }
		res.JSON(t, &o)
		if res.StatusCode != 201 || o.JoinedOn != d {
			t.Errorf("joinedOn %s: got %d with %q; want 201 with the date kept", d, res.StatusCode, o.JoinedOn)
		}
		e.Do(t, "DELETE", "/v1/organisations/"+o.ID, nil, rbH(e.admin, "If-Match", "*"))
	}
	for _, tt := range []struct{ name, startsAt, field string }{
		{"no zone", "2030-03-14T13:00:00", "startsAt"},
		{"offset +25:00", "2030-03-14T13:00:00+25:00", "startsAt"},
		{"space", "2030-03-14 13:00:00Z", "startsAt"},
		{"29 February 2030", "2030-02-29T13:00:00Z", "startsAt"},
		{"hour 24", "2030-03-14T24:00:00Z", "startsAt"},
		{"date only", "2030-03-14", "startsAt"},
	} {
		rbInvalid(t, "meeting startsAt "+tt.name, e.Do(t, "POST", "/v1/meetings", rbMeeting("rb dates", map[string]any{"startsAt": tt.startsAt}), rbH(e.admin)), tt.field)
	}
	res := e.Do(t, "POST", "/v1/meetings", rbMeeting("rb offsets", map[string]any{"startsAt": "2030-03-14T14:00:00.123456789+01:00", "endsAt": "2030-03-14T13:30:00-02:30"}), rbH(e.admin))
	var m struct{ StartsAt, EndsAt string }
	res.JSON(t, &m)
	if res.StatusCode != 201 || m.StartsAt != "2030-03-14T13:00:00.123456Z" || m.EndsAt != "2030-03-14T16:00:00Z" {
		t.Errorf("odd offsets: got %d %s–%s; want 201 2030-03-14T13:00:00.123456Z–2030-03-14T16:00:00Z", res.StatusCode, m.StartsAt, m.EndsAt)
	}
}

// Go's zero time is 0001-01-01, and the handlers use it for "not given": a
// date of 0001-01-01 that the contract accepts is dropped without a word,
// or refused with a misleading "is required".
func TestRobustFirstOfJanuaryYearOne(t *testing.T) {
	e := rbStart(t)
	t.Run("joinedOn and leftOn", func(t *testing.T) {
		for _, field := range []string{"joinedOn", "leftOn"} {
			body := map[string]any{"code": "rb-year-one", "name": "x", "kind": "other", "networkRole": "member", field: "0001-01-01"}
			res := e.Do(t, "POST", "/v1/organisations", body, rbH(e.admin))
			var o map[string]any
			_ = json.Unmarshal([]byte(res.Body), &o)
			if res.StatusCode == 400 {
				continue
			}
			if o[field] != "0001-01-01" {
				t.Errorf("POST organisation with %s 0001-01-01: got %d with %s %v; want the date kept, or 400 naming %s", field, res.StatusCode, field, o[field], field)
			}
			if id, ok := o["id"].(string); ok {
				e.Do(t, "DELETE", "/v1/organisations/"+id, nil, rbH(e.admin, "If-Match", "*"))
			}
		}
	})
	t.Run("membership from", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/people", map[string]any{"name": "Year One", "memberships": []any{map[string]any{"organisation": "GM9902", "role": "pioneer", "from": "0001-01-01"}}}, rbH(e.admin))
		var p struct {
			Memberships []map[string]any `json:"memberships"`
		}
		_ = json.Unmarshal([]byte(res.Body), &p)
		if res.StatusCode != 400 && (len(p.Memberships) != 1 || p.Memberships[0]["from"] != "0001-01-01") {
			t.Errorf("membership from 0001-01-01: got %d with %v; want the date kept, or 400 naming memberships[0].from", res.StatusCode, p.Memberships)
		}
	})
	t.Run("plannedStart", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/milestones", map[string]any{"commitment": "NL0037", "code": "9.1", "title": "Year one", "plannedStart": "0001-01-01"}, rbH(e.editor))
		var ms map[string]any
		_ = json.Unmarshal([]byte(res.Body), &ms)
		if res.StatusCode != 400 && ms["plannedStart"] != "0001-01-01" {
			t.Errorf("milestone plannedStart 0001-01-01: got %d with plannedStart %v; want the date kept, or 400", res.StatusCode, ms["plannedStart"])
		}
	})
	t.Run("asOf", func(t *testing.T) {
		// A day long before the data was entered finds nothing (README);
		// 0001-01-01 instead answers today's data, without asOf.
		var page struct {
			AsOf  string `json:"asOf"`
			Items []any  `json:"items"`
		}
		control := e.Do(t, "GET", "/v1/milestones?commitment=NL0037&asOf=1900-01-01", nil, nil)
		control.JSON(t, &page)
		if control.StatusCode != 200 || page.AsOf != "1900-01-01" || len(page.Items) != 0 {
			t.Fatalf("control: GET /v1/milestones?asOf=1900-01-01 got %d with asOf %q and %d milestones; want 200, asOf 1900-01-01, none", control.StatusCode, page.AsOf, len(page.Items))
		}
		page.AsOf, page.Items = "", nil
		res := e.Do(t, "GET", "/v1/milestones?commitment=NL0037&asOf=0001-01-01", nil, nil)
		res.JSON(t, &page)
		if res.StatusCode != 400 && (page.AsOf != "0001-01-01" || len(page.Items) != 0) {
			t.Errorf("GET /v1/milestones?asOf=0001-01-01: got %d with asOf %q and %d milestones; want asOf 0001-01-01 and none (as for 1900-01-01), or 400", res.StatusCode, page.AsOf, len(page.Items))
		}
		res = e.Do(t, "GET", "/v1/milestones/"+e.milestone+"?asOf=0001-01-01", nil, nil)
		if res.StatusCode != 404 && res.StatusCode != 400 {
			t.Errorf("GET a milestone asOf 0001-01-01: got %d; want 404 (it did not exist then) or 400", res.StatusCode)
		}
	})
	t.Run("schedule-health from", func(t *testing.T) {
		var h struct{ From string }
		if e.Do(t, "GET", "/v1/schedule-health?from=1900-01-01&to=2020-12-31", nil, nil).JSON(t, &h); h.From != "1900-01-01" {
			t.Fatalf("control: schedule-health from=1900-01-01 answered from %q", h.From)
		}
		res := e.Do(t, "GET", "/v1/schedule-health?from=0001-01-01&to=2020-12-31", nil, nil)
		res.JSON(t, &h)
		if res.StatusCode != 400 && h.From != "0001-01-01" {
			t.Errorf("GET /v1/schedule-health?from=0001-01-01: got %d with from %q; want from 0001-01-01 (not the default), or 400", res.StatusCode, h.From)
		}
	})
	t.Run("reason of a required date", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/publications", map[string]any{"kind": "other", "title": "x", "url": "https://example.org", "publishedOn": "0001-01-01"}, rbH(e.editor))
		if res.StatusCode == 400 {
			for _, f := range res.Problem(t).InvalidParams {
				if f.Name == "publishedOn" && f.Reason == "is required" {
					t.Errorf("publishedOn 0001-01-01: the reason is %q though it was given (%s)", f.Reason, rbShort(res.Body))
				}
			}
		}
	})
}

// An instant whose UTC year is beyond 9999 (9999-12-31T22:00:00-05:00) passes
// the contract and the rules and is stored; encoding the response then fails
// (500). The row stays: SQLite reads it back as 0001-01-01, and on
// PostgreSQL every list that meets it answers 500 from then on.
func TestRobustInstantBeyondYear9999(t *testing.T) {
	e := rbStart(t)
	t.Run("meeting", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/meetings", rbMeeting("rb far future", map[string]any{"startsAt": "9999-12-31T22:00:00-05:00", "endsAt": "9999-12-31T23:00:00-05:00"}), rbH(e.admin))
		rbInvalid(t, "POST meeting starting 9999-12-31T22:00:00-05:00", res, "startsAt")
		page, err := e.App.Meetings.List(systemContext(), meeting.ListRequest{Filter: meeting.Filter{Q: "rb far future"}, PageSize: 10})
		if err != nil {
			t.Fatalf("list meetings: %v", err)
		}
		if len(page.Items) != 0 {
			t.Errorf("after the failed POST the meeting was stored anyway (startsAt read back as %s)", page.Items[0].StartsAt.Format(time.RFC3339))
		}
		rbNever5xx(t, "GET /v1/meetings afterwards", e.Do(t, "GET", "/v1/meetings?pageSize=100", nil, nil))
	})
	t.Run("evaluation", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/evaluations", map[string]any{"title": "rb far future", "opensAt": "2020-01-01T00:00:00Z", "closesAt": "9999-12-31T23:00:00-05:00",
			"questions": []any{map[string]any{"key": "n", "type": "number", "text": "n"}}}, rbH(e.editor))
		rbInvalid(t, "POST evaluation closing 9999-12-31T23:00:00-05:00", res, "closesAt")
		page, err := e.App.Evaluations.List(systemContext(), evaluation.Filter{WithDrafts: true, PageSize: 100, Now: time.Now()})
		if err != nil {
			t.Fatalf("list evaluations: %v", err)
		}
		for _, ev := range page.Items {
			if ev.Title == "rb far future" {
				t.Errorf("after the failed POST the evaluation was stored anyway (closesAt read back as %s)", ev.ClosesAt.Format(time.RFC3339))
			}
		}
		rbNever5xx(t, "GET /v1/evaluations afterwards", e.Do(t, "GET", "/v1/evaluations", nil, rbH(e.editor)))
	})
}

// ---------------------------------------------------------------------------
// Numbers

func TestRobustNumbers(t *testing.T) {
	e := rbStart(t)
	for _, tt := range []struct {
		extra map[string]any
		field string
	}{
		{map[string]any{"capacity": 100001}, "capacity"},
		{map[string]any{"capacity": 0}, "capacity"},
		{map[string]any{"capacity": -1}, "capacity"},
		{map[string]any{"capacity": 1.5}, "capacity"},
		{map[string]any{"capacity": "10"}, "capacity"},
		{map[string]any{"sequence": 0}, "sequence"},
		{map[string]any{"sequence": true}, "sequence"},
	} {
		rbInvalid(t, fmt.Sprintf("POST meeting %v", tt.extra), e.Do(t, "POST", "/v1/meetings", rbMeeting("rb numbers", tt.extra), rbH(e.admin)), tt.field)
	}
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"target": map[string]any{"count": 1000001, "unit": "x"}}, "target.count"},
		{map[string]any{"progress": 101}, "progress"},
		{map[string]any{"progress": -1}, "progress"},
	} {
		body := map[string]any{"commitment": "NL0037", "code": "8.1", "title": "M"}
		for k, v := range tt.body {
			body[k] = v
		}
		rbInvalid(t, fmt.Sprintf("POST milestone %v", tt.body), e.Do(t, "POST", "/v1/milestones", body, rbH(e.editor)), tt.field)
	}

	// sequence has no maximum in the contract; the column is a 32-bit
	// INTEGER on PostgreSQL, which refuses 2^31 (500).
	for _, seq := range []int64{2147483647, 2147483648, 9223372036854775807} {
		t.Run(fmt.Sprint("sequence ", seq), func(t *testing.T) {
			res := e.Do(t, "POST", "/v1/meetings", rbMeeting("rb sequence", map[string]any{"sequence": seq}), rbH(e.admin))
			rbNever5xx(t, fmt.Sprint("POST meeting with sequence ", seq), res)
			if res.StatusCode >= 400 && res.StatusCode < 500 {
				rbInvalid(t, fmt.Sprint("POST meeting with sequence ", seq), res, "sequence")
			}
		})
	}
}

func TestRobustEvaluationAnswers(t *testing.T) {
	e := rbStart(t)
	now := time.Now().UTC()
	ev := e.create(t, "/v1/evaluations", map[string]any{"title": "rb answers", "published": true, "minGroupSize": 1,
		"opensAt": now.Add(-time.Hour).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339), "audience": []any{"GM9901", "GM9902"},
		"questions": []any{
			map[string]any{"key": "scale", "type": "scale", "text": "s", "min": 1, "max": 5, "required": true},
			map[string]any{"key": "one", "type": "single-choice", "text": "o", "options": []any{"a", "b"}},
			map[string]any{"key": "many", "type": "multiple-choice", "text": "m", "options": []any{"a", "b", "c"}, "maxSelections": 2},
			map[string]any{"key": "text", "type": "text", "text": "t", "maxLength": 5},
			map[string]any{"key": "n", "type": "number", "text": "n"},
		}})
	path := "/v1/evaluations/" + ev + "/responses/GM9901"
	for _, tt := range []struct {
		answers string
		field   string
	}{
		{`{"scale":"4"}`, "answers.scale"},
		{`{"scale":4.5}`, "answers.scale"},
		{`{"scale":6}`, "answers.scale"},
		{`{"scale":true}`, "answers.scale"},
		{`{"scale":[4]}`, "answers.scale"},
		{`{"scale":{}}`, "answers.scale"},
		{`{}`, "answers.scale"},
		{`{"scale":3,"one":"c"}`, "answers.one"},
		{`{"scale":3,"one":["a"]}`, "answers.one"},
		{`{"scale":3,"many":"a"}`, "answers.many"},
		{`{"scale":3,"many":["a","a"]}`, "answers.many"},
		{`{"scale":3,"many":["a","b","c"]}`, "answers.many"},
		{`{"scale":3,"many":[1]}`, "answers.many"},
		{`{"scale":3,"text":"😀😀😀😀😀😀"}`, "answers.text"},
		{`{"scale":3,"text":5}`, "answers.text"},
		{`{"scale":3,"n":"1"}`, "answers.n"},
		{`{"scale":3,"extra":1}`, "answers.extra"},
		{`{"scale":3,"text":"a\u0000"}`, "answers.text"},
	} {
		res := e.Do(t, "PUT", path, `{"answers":`+tt.answers+`}`, rbH(e.member, "Content-Type", "application/json"))
		rbInvalid(t, "answers "+tt.answers, res, tt.field)
	}
	for _, body := range []string{`{"answers":null}`, `{"answers":[]}`, `{"answers":"x"}`, `{}`, `null`, `{"answers":{},"extra":1}`} {
		rbProblem(t, "response body "+body, e.Do(t, "PUT", path, body, rbH(e.member, "Content-Type", "application/json")), 400)
	}
	rbProblem(t, "nothing was stored", e.Do(t, "GET", path, nil, rbH(e.member)), 404)
	rbProblem(t, "answer for another organisation", e.Do(t, "PUT", "/v1/evaluations/"+ev+"/responses/GM9902", map[string]any{"answers": map[string]any{"scale": 3}}, rbH(e.member)), 403)
	if res := e.Do(t, "PUT", path, map[string]any{"answers": map[string]any{"scale": 3, "one": "a", "many": []any{"a", "c"}, "text": "😀😀😀😀😀", "n": -0.5}}, rbH(e.member)); res.StatusCode != 200 {
		t.Errorf("a valid response: got %d; want 200 (%s)", res.StatusCode, rbShort(res.Body))
	}

	// A number question has no bounds; two answers of 1e308 make the mean
	// +Inf, which encoding/json refuses: the results answer 500 to everyone
	// (JSON and CSV), and NDJSON answers an empty 200.
	t.Run("huge number answers", func(t *testing.T) {
		n := e.create(t, "/v1/evaluations", map[string]any{"title": "rb huge", "published": true, "minGroupSize": 1,
			"opensAt": now.Add(-time.Hour).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339), "audience": []any{"GM9901", "GM9902"},
			"questions": []any{map[string]any{"key": "n", "type": "number", "text": "How many?"}}})
		for org, tok := range map[string]string{"GM9901": e.member, "GM9902": e.member2} {
			res := e.Do(t, "PUT", "/v1/evaluations/"+n+"/responses/"+org, `{"answers":{"n":1e308}}`, rbH(tok, "Content-Type", "application/json"))
			if res.StatusCode != 200 && res.StatusCode != 400 {
				t.Fatalf("answer 1e308 for %s: got %d; want 200 or 400 (%s)", org, res.StatusCode, rbShort(res.Body))
			}
		}
		for _, q := range []string{"", "?format=csv", "?format=ndjson"} {
			res := e.Do(t, "GET", "/v1/evaluations/"+n+"/results"+q, nil, rbH(e.analyst))
			rbNever5xx(t, "GET results"+q, res)
			if res.StatusCode == 200 && strings.TrimSpace(res.Body) == "" {
				t.Errorf("GET results%s: 200 with an empty body; want the results", q)
			}
		}
		res := e.Do(t, "PUT", "/v1/evaluations/"+n+"/responses/GM9901", `{"answers":{"n":1e400}}`, rbH(e.member, "Content-Type", "application/json"))
		rbInvalid(t, "answer 1e400", res, "answers.n")
	})

	// A scale's results list every point from min to max with v++; at
	// 2^53 and beyond v+1 == v, so the loop never ends (and grows a slice
	// until memory runs out). The checks allow such a scale: 101 points at
	// most, whole numbers, min below max. Only the create is sent here.
	t.Run("scale beyond 2^53", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/evaluations", `{"title":"rb scale","opensAt":"2020-01-01T00:00:00Z","closesAt":"2030-01-01T00:00:00Z",
			"questions":[{"key":"s","type":"scale","text":"s","min":9007199254740992,"max":9007199254740996}]}`, rbH(e.editor, "Content-Type", "application/json"))
		if res.StatusCode == 201 {
			var created struct{ ID string }
			res.JSON(t, &created)
			e.Do(t, "DELETE", "/v1/evaluations/"+created.ID, nil, rbH(e.admin, "If-Match", "*"))
		}
		rbInvalid(t, "POST evaluation with a scale from 2^53 to 2^53+4 (GET results would loop forever in evaluation.distribution)", res, "questions[0].max")
	})
}

// ---------------------------------------------------------------------------
// Cursors

func TestRobustCursorTampering(t *testing.T) {
	e := rbStart(t)
	e.create(t, "/v1/people", map[string]any{"name": "Second person", "memberships": []any{}})
	lists := []string{"/v1/organisations?pageSize=1", "/v1/organisations?pageSize=1&sort=joinedOn", "/v1/people?pageSize=1", "/v1/meetings?pageSize=1",
		"/v1/publications?pageSize=1", "/v1/milestones?pageSize=1&sort=plannedEnd", "/v1/commitments?pageSize=1"}
	for _, list := range lists {
		res := e.Do(t, "GET", list, nil, rbH(e.admin))
		var page struct {
			NextCursor string `json:"nextCursor"`
		}
		res.JSON(t, &page)
		if page.NextCursor == "" {
			t.Fatalf("GET %s: no nextCursor (%s)", list, rbShort(res.Body))
		}
		raw, err := base64.RawURLEncoding.DecodeString(page.NextCursor)
		if err != nil {
			t.Fatalf("cursor of %s is not base64url: %v", list, err)
		}
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("cursor of %s: %v", list, err)
		}
		try := func(t *testing.T, label string, mutate func(c map[string]any), want []int) {
			t.Helper()
			cc := map[string]any{}
			for k, v := range c {
				cc[k] = v
			}
			mutate(cc)
			b, _ := json.Marshal(cc)
			res := e.Do(t, "GET", list+"&cursor="+base64.RawURLEncoding.EncodeToString(b), nil, rbH(e.admin))
			if !slices.Contains(want, res.StatusCode) {
				t.Errorf("GET %s with a cursor %s %s: got %d; want one of %v (%s)", list, label, b, res.StatusCode, want, rbShort(res.Body))
			}
			if res.StatusCode >= 400 && res.StatusCode < 500 {
				rbInvalid(t, list+" cursor "+label, res, "cursor")
			}
		}
		values, _ := c["v"].([]any)
		try(t, "without f", func(c map[string]any) { delete(c, "f") }, []int{400})
		try(t, "with another f", func(c map[string]any) { c["f"] = "AAAAAAAAAAAA" }, []int{400})
		try(t, "with an empty i", func(c map[string]any) { c["i"] = "" }, []int{400})
		try(t, "with a number for i", func(c map[string]any) { c["i"] = 7 }, []int{400})
		try(t, "with one value too many", func(c map[string]any) { c["v"] = append(append([]any{}, values...), "x") }, []int{400})
		try(t, "with v an object", func(c map[string]any) { c["v"] = map[string]any{} }, []int{400})
		try(t, "with an unknown i", func(c map[string]any) { c["i"] = "zzzzzzzz-not-an-id" }, []int{200})
		if len(values) > 0 {
			try(t, "with a number value", func(c map[string]any) { c["v"] = []any{1} }, []int{400})
			try(t, "with a null value", func(c map[string]any) { c["v"] = []any{nil} }, []int{400})
			try(t, "with a far value", func(c map[string]any) { c["v"] = []any{"9999-12-31T23:59:59.999999999Z"} }, []int{200, 400})
			try(t, "with a year-zero value", func(c map[string]any) { c["v"] = []any{"0000-01-01T00:00:00Z"} }, []int{200, 400})
		}
		// The query's cursor is checked for NUL, but not what it decodes to:
		// PostgreSQL refuses NUL in text (500), SQLite compares it.
		t.Run("NUL inside the cursor of "+list, func(t *testing.T) {
			try(t, "with NUL in i", func(c map[string]any) { c["i"] = "a\u0000b" }, []int{400})
			if len(values) > 0 {
				try(t, "with NUL in a value", func(c map[string]any) { c["v"] = []any{"a\u0000"} }, []int{400})
			}
		})
	}
}

// ---------------------------------------------------------------------------
// References, erasure, merge patches

func TestRobustDeleteReferencedOrganisation(t *testing.T) {
	e := rbStart(t)
	org := func(code string) string {
		return e.create(t, "/v1/organisations", map[string]any{"code": code, "name": "Org " + code, "kind": "municipality", "networkRole": "member", "joinedOn": "2018-01-01"})
	}
	refused := func(t *testing.T, code, id, why string) {
		t.Helper()
		before := e.changes(t, "organisation", id)
		res := e.Do(t, "DELETE", "/v1/organisations/"+code, nil, rbH(e.admin, "If-Match", "*"))
		p := rbProblem(t, "DELETE "+code+" ("+why+")", res, 409)
		if p.Type != "urn:pioniers:problem:conflict" {
			t.Errorf("DELETE %s (%s): type %q; want urn:pioniers:problem:conflict", code, why, p.Type)
		}
		if r := e.Do(t, "GET", "/v1/organisations/"+code, nil, nil); r.StatusCode != 200 {
			t.Errorf("after the refused DELETE %s (%s): GET got %d; want 200", code, why, r.StatusCode)
		}
		if c := e.changes(t, "organisation", id); c != before {
			t.Errorf("after the refused DELETE %s (%s): %d change records; want %d", code, why, c, before)
		}
	}
	id := org("GM0101")
	e.create(t, "/v1/people", map[string]any{"name": "Member", "memberships": []any{map[string]any{"organisation": "GM0101", "role": "pioneer"}}})
	refused(t, "GM0101", id, "a membership")
	id = org("GM0102")
	e.create(t, "/v1/meetings", rbMeeting("Chaired", map[string]any{"guestChair": "GM0102"}))
	refused(t, "GM0102", id, "a meeting's guest chair")
	id = org("GM0103")
	e.create(t, "/v1/meetings", rbMeeting("Hosted", map[string]any{"venue": map[string]any{"name": "Hall", "hostOrganisation": "GM0103"}}))
	refused(t, "GM0103", id, "a meeting's host")
	id = org("GM0104")
	e.create(t, "/v1/meetings", rbMeeting("Lab", map[string]any{"format": "open-government-lab", "details": map[string]any{"format": "open-government-lab", "case": "c", "caseOwner": "GM0104"}}))
	refused(t, "GM0104", id, "a lab's case owner")
	id = org("GM0105")
	e.User(t, "user@gm0105.example", domain.RoleMember, "GM0105")
	refused(t, "GM0105", id, "a user account")
	var gm9901 struct{ ID string }
	e.Do(t, "GET", "/v1/organisations/GM9901", nil, nil).JSON(t, &gm9901)
	refused(t, "GM9901", gm9901.ID, "evaluation responses")

	// References kept as JSON text have no foreign key, and the delete does
	// not look for them: the organisation goes (204) and silently leaves
	// the evaluation's audience and the commitment's institution.
	t.Run("evaluation audience", func(t *testing.T) {
		id := org("GM0106")
		ev := e.create(t, "/v1/evaluations", map[string]any{"title": "Audience", "opensAt": "2020-01-01T00:00:00Z", "closesAt": "2030-01-01T00:00:00Z",
			"audience": []any{"GM0106", "GM9902"}, "questions": []any{map[string]any{"key": "n", "type": "number", "text": "n"}}})
		refused(t, "GM0106", id, "an evaluation's audience")
		var got struct {
			Audience []struct{ Code string } `json:"audience"`
		}
		e.Do(t, "GET", "/v1/evaluations/"+ev, nil, rbH(e.editor)).JSON(t, &got)
		if len(got.Audience) != 2 {
			t.Errorf("the evaluation's audience: got %v; want GM0106 and GM9902 still in it", got.Audience)
		}
	})
	t.Run("commitment institution", func(t *testing.T) {
		id := org("GM0107")
		e.Do(t, "POST", "/v1/commitments", map[string]any{"code": "NL0099", "title": "T", "cycle": 2018,
			"leadInstitution": map[string]any{"name": "Lead", "organisation": "GM0107"}}, rbH(e.editor))
		refused(t, "GM0107", id, "a commitment's lead institution")
		var got struct {
			LeadInstitution struct {
				Organisation *struct{ Code string } `json:"organisation"`
			} `json:"leadInstitution"`
		}
		e.Do(t, "GET", "/v1/commitments/NL0099", nil, nil).JSON(t, &got)
		if got.LeadInstitution.Organisation == nil {
			t.Errorf("the commitment's lead institution lost its organisation")
		}
	})
}

func TestRobustErasedPerson(t *testing.T) {
	e := rbStart(t)
	reg := e.Do(t, "POST", "/v1/meetings/"+e.planned+"/registrations", map[string]any{"person": e.person}, rbH(e.admin))
	if reg.StatusCode != 201 {
		t.Fatalf("register: got %d (%s)", reg.StatusCode, reg.Body)
	}
	var r struct{ ID string }
	reg.JSON(t, &r)
	if res := e.Do(t, "DELETE", "/v1/people/"+e.person, nil, rbH(e.admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s)", res.StatusCode, res.Body)
	}
	before := e.changes(t, "person", e.person)
	for _, tt := range []struct {
		method, path string
		body         any
		h            map[string]string
	}{
		{"GET", "/v1/people/" + e.person, nil, rbH(e.admin)},
		{"GET", "/v1/people/" + e.person + "/consent", nil, rbH(e.admin)},
		{"PUT", "/v1/people/" + e.person + "/consent", map[string]any{"publicProfile": true}, rbH(e.admin)},
		{"GET", "/v1/people/" + e.person + "/export", nil, rbH(e.admin)},
		{"PUT", "/v1/people/" + e.person, map[string]any{"name": "Back", "memberships": []any{}}, rbH(e.admin, "If-Match", "*")},
		{"DELETE", "/v1/people/" + e.person, nil, rbH(e.admin, "If-Match", "*")},
		{"GET", "/v1/people/" + e.person, nil, rbH(e.member)},
	} {
		rbProblem(t, tt.method+" erased "+tt.path, e.Do(t, tt.method, tt.path, tt.body, tt.h), 410)
	}
	if c := e.changes(t, "person", e.person); c != before {
		t.Errorf("writes to an erased person: %d change records; want %d", c, before)
	}
	for _, tok := range []string{e.admin, e.member} {
		res := e.Do(t, "POST", "/v1/meetings/"+e.planned+"/registrations", map[string]any{"person": e.person}, rbH(tok))
		if res.StatusCode != 400 && res.StatusCode != 404 && res.StatusCode != 409 && res.StatusCode != 410 {
			t.Errorf("register an erased person: got %d; want a 4xx (%s)", res.StatusCode, rbShort(res.Body))
		}
		rbProblem(t, "register an erased person", res, res.StatusCode)
	}
	var regs struct {
		Items []struct {
			ID     string         `json:"id"`
			Person map[string]any `json:"person"`
		} `json:"items"`
	}
	e.Do(t, "GET", "/v1/meetings/"+e.planned+"/registrations", nil, rbH(e.admin)).JSON(t, &regs)
	if len(regs.Items) != 1 || regs.Items[0].Person["erased"] != true || regs.Items[0].Person["name"] != nil {
		t.Errorf("registrations after erasure: got %+v; want one with person {id, erased: true} and no name", regs.Items)
	}
	if res := e.Do(t, "DELETE", "/v1/meetings/"+e.planned+"/registrations/"+r.ID, nil, rbH(e.admin)); res.StatusCode >= 500 {
		t.Errorf("cancel the erased person's registration: got %d (%s)", res.StatusCode, rbShort(res.Body))
	}
}

func TestRobustMergePatch(t *testing.T) {
	e := rbStart(t)
	mpath := "/v1/meetings/" + e.planned
	h := rbH(e.admin, "If-Match", "*", "Content-Type", "application/merge-patch+json")
	revision := func() float64 {
		var m map[string]any
		e.Do(t, "GET", mpath, nil, nil).JSON(t, &m)
		return m["revision"].(float64)
	}
	start := revision()
	for _, tt := range []struct{ patch, field string }{
		{`{"title":null}`, "title"},
		{`{"topic":null}`, "topic"},
		{`{"format":null}`, "format"},
		{`{"startsAt":null}`, "startsAt"},
		{`{"status":null}`, "status"},
		{`{"timeZone":null}`, "timeZone"},
		{`{"title":""}`, "title"},
		{`{"title":123}`, "title"},
		{`{"venue":[]}`, "venue"},
		{`{"venue":"x"}`, "venue"},
		{`{"venue":{"city":"Schiedam"}}`, "venue.name"},
		{`{"venue":{"name":"v","extra":1}}`, "venue.extra"},
		{`{"details":[]}`, "details"},
		{`{"details":{"format":"other"}}`, "details"},
		{`{"tags":[null]}`, "tags[0]"},
		{`{"capacity":0}`, "capacity"},
		{`{"endsAt":"2030-03-14T12:00:00Z"}`, "endsAt"},
		{`{"status":"confirmed"}`, "guestChair"},
		{`{"extra":1}`, "extra"},
		{`[]`, "body"},
		{`null`, "body"},
		{`"x"`, "body"},
	} {
		rbInvalid(t, "PATCH meeting "+tt.patch, e.Do(t, "PATCH", mpath, tt.patch, h), tt.field)
	}
	if got := revision(); got != start {
		t.Errorf("after refused patches the meeting's revision is %v; want %v", got, start)
	}
	res := e.Do(t, "PATCH", mpath, `{"capacity":null,"description":"d","tags":["a","A"," a "]}`, h)
	var m map[string]any
	res.JSON(t, &m)
	if res.StatusCode != 200 || m["capacity"] != nil || fmt.Sprint(m["tags"]) != "[a]" {
		t.Errorf("PATCH capacity null and tags: got %d capacity %v tags %v; want 200, no capacity, tags [a]", res.StatusCode, m["capacity"], m["tags"])
	}
	if res := e.Do(t, "PATCH", mpath, `{}`, h); res.StatusCode != 200 {
		t.Errorf("empty merge patch: got %d; want 200", res.StatusCode)
	}
	for _, tt := range []struct{ path, patch, field string }{
		{"/v1/milestones/" + e.milestone, `{"title":null}`, "title"},
		{"/v1/milestones/" + e.milestone, `{"code":null}`, "code"},
		{"/v1/milestones/" + e.milestone, `{"target":{"count":"x"}}`, "target.count"},
		{"/v1/milestones/" + e.milestone, `{"target":{"junk":1}}`, "target.junk"},
		{"/v1/milestones/" + e.milestone, `{"commitment":"NL9999"}`, "commitment"},
		{"/v1/milestones/" + e.milestone, `{"progress":101}`, "progress"},
		{"/v1/milestones/" + e.milestone, `{"plannedEnd":"2017-01-01"}`, "plannedEnd"},
		{"/v1/evaluations/" + e.evaluation, `{"title":null}`, "title"},
		{"/v1/evaluations/" + e.evaluation, `{"opensAt":null}`, "opensAt"},
		{"/v1/evaluations/" + e.evaluation, `{"audience":["nope"]}`, "audience[0]"},
		{"/v1/evaluations/" + e.evaluation, `{"milestone":"00000000-0000-0000-0000-000000000000"}`, "milestone"},
		{"/v1/evaluations/" + e.evaluation, `{"questions":[{"key":"a","type":"text","text":"t","junk":1}]}`, "questions[0].junk"},
	} {
		rbInvalid(t, "PATCH "+tt.path+" "+tt.patch, e.Do(t, "PATCH", tt.path, tt.patch, h), tt.field)
	}
	// Questions are frozen once responses exist: 409, not a silent change.
	rbProblem(t, "PATCH questions of an answered evaluation", e.Do(t, "PATCH", "/v1/evaluations/"+e.evaluation,
		`{"questions":[{"key":"a","type":"text","text":"t"}]}`, h), 409)
}

// ---------------------------------------------------------------------------
// Exports and the token endpoint

func TestRobustExports(t *testing.T) {
	e := rbStart(t)
	jsonCount := func(path string) int {
		res := e.Do(t, "GET", path, nil, rbH(e.admin))
		var page struct {
			Items []any `json:"items"`
		}
		res.JSON(t, &page)
		return len(page.Items)
	}
	for _, tt := range []struct{ list, filter string }{
		{"/v1/meetings", "status=held&from=2019-01-01&to=2019-12-31"},
		{"/v1/meetings", "format=residents-meeting"},
		{"/v1/meetings", "q=%F0%9F%98%80"},
		{"/v1/publications", "kind=meeting-report"},
		{"/v1/milestones", "commitment=NL0037&overdue=true"},
		{"/v1/milestones", "commitment=NL0037&asOf=2019-01-01"},
		{"/v1/commitments", "cycle=2018"},
	} {
		want := jsonCount(tt.list + "?pageSize=100&" + tt.filter)
		csvRes := e.Do(t, "GET", tt.list+"?format=csv&"+tt.filter, nil, nil)
		records, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
		if csvRes.StatusCode != 200 || err != nil || len(records) != want+1 {
			t.Errorf("CSV %s?%s: got %d with %d records (%v); want 200 with a header row and %d rows (as JSON)", tt.list, tt.filter, csvRes.StatusCode, len(records), err, want)
		}
		nd := e.Do(t, "GET", tt.list+"?"+tt.filter, nil, rbH("", "Accept", "application/x-ndjson"))
		got := 0
		for _, l := range strings.Split(nd.Body, "\n") {
			if strings.TrimSpace(l) != "" {
				got++
			}
		}
		if nd.StatusCode != 200 || got != want {
			t.Errorf("NDJSON %s?%s: got %d with %d lines; want 200 with %d (as JSON)", tt.list, tt.filter, nd.StatusCode, got, want)
		}
		if etag := csvRes.Header.Get("ETag"); etag != "" {
			t.Errorf("CSV %s: ETag %q; exports carry none", tt.list, etag)
		}
	}
	for _, p := range []string{"/v1/meetings?format=csv&status=nope", "/v1/milestones?format=ndjson&asOf=9999-12-31", "/v1/publications?format=csv&meeting=x",
		"/v1/evaluations/" + e.evaluation + "/responses?format=csv&x=1", "/v1/commitments?format=csv&cycle=abc"} {
		rbProblem(t, "GET "+p, e.Do(t, "GET", p, nil, rbH(e.analyst)), 400)
	}
	rbProblem(t, "raw responses anonymously", e.Do(t, "GET", "/v1/evaluations/"+e.evaluation+"/responses?format=csv", nil, nil), 401)
	rbProblem(t, "raw responses of a missing evaluation", e.Do(t, "GET", "/v1/evaluations/00000000-0000-0000-0000-000000000000/responses?format=ndjson", nil, rbH(e.analyst)), 404)
}

func TestRobustTokenEndpoint(t *testing.T) {
	e := rbStart(t)
	for _, tt := range []struct {
		name, body, ct string
		want           int
	}{
		{"empty JSON", `{}`, "application/json", 400},
		{"null", `null`, "application/json", 400},
		{"no password", `{"email":"admin@example.org"}`, "application/json", 400},
		{"long password", `{"email":"admin@example.org","password":"` + strings.Repeat("x", 1025) + `"}`, "application/json", 400},
		{"wrong password at the limit", `{"email":"admin@example.org","password":"` + strings.Repeat("x", 1024) + `"}`, "application/json", 401},
		{"unknown email", `{"email":"nobody@example.org","password":"x"}`, "application/json", 401},
		{"NUL in email", `{"email":"a\u0000@example.org","password":"x"}`, "application/json", 400},
		{"extra member", `{"email":"admin@example.org","password":"x","scope":"all"}`, "application/json", 400},
		{"wrong grant", `grant_type=password&username=a&password=b`, "application/x-www-form-urlencoded", 400},
		{"no grant", `client_id=a&client_secret=b`, "application/x-www-form-urlencoded", 400},
		{"long client id", `grant_type=client_credentials&client_id=` + strings.Repeat("x", 201), "application/x-www-form-urlencoded", 400},
		{"client id not UTF-8", `grant_type=client_credentials&client_id=%ff&client_secret=x`, "application/x-www-form-urlencoded", 400},
		{"no credentials", `grant_type=client_credentials`, "application/x-www-form-urlencoded", 401},
		{"broken form", `%%%`, "application/x-www-form-urlencoded", 400},
		{"XML", `<a/>`, "application/xml", 415},
	} {
		res := e.Do(t, "POST", "/v1/auth/token", tt.body, map[string]string{"Content-Type": tt.ct})
		rbProblem(t, "token "+tt.name, res, tt.want)
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token %s: Cache-Control %q; want no-store", tt.name, res.Header.Get("Cache-Control"))
		}
	}
	basic := func(t *testing.T, auth string) {
		t.Helper()
		res := e.Do(t, "POST", "/v1/auth/token", "grant_type=client_credentials", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth})
		if res.StatusCode != 400 && res.StatusCode != 401 {
			t.Errorf("token with Authorization %q: got %d; want 400 or 401 (%s)", rbShort(auth), res.StatusCode, rbShort(res.Body))
			return
		}
		rbProblem(t, "token with Authorization "+rbShort(auth), res, res.StatusCode)
	}
	basic(t, "Basic %%%")
	basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 5000)+":b")))
	basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("pc_unknown:secret")))
	// The form's client_id is checked for NUL and UTF-8; the same id sent
	// as HTTP Basic credentials goes to the database as it is: PostgreSQL
	// refuses it (500).
	t.Run("Basic credentials that are not UTF-8 or hold NUL", func(t *testing.T) {
		basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("\xff\xfe:secret")))
		basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("pc_a\x00b:secret")))
	})
	for _, bearer := range []string{"Bearer \xff\xfe", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer " + strings.Repeat("a.", 3000), "Basic YTpi", "Bearer"} {
		rbProblem(t, "API call with Authorization "+rbShort(bearer), e.Do(t, "GET", "/v1/organisations", nil, map[string]string{"Authorization": bearer}), 401)
	}
}
