package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Every response, the router's own errors included, carries API-Version and
// the security headers; every error is problem+json.
func TestEveryResponseCarriesVersionAndSecurityHeaders(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		want               int
	}{
		{"list", "GET", "/v1/organisations", nil, nil, 200},
		{"get by code", "GET", "/v1/organisations/GM0606", nil, nil, 200},
		{"router 404", "GET", "/v1/nothing-here", nil, nil, 404},
		{"unknown organisation", "GET", "/v1/organisations/GM9999", nil, nil, 404},
		{"trailing slash", "GET", "/v1/organisations/", nil, nil, 404},
		{"trailing slash on item", "GET", "/v1/organisations/GM0606/", nil, nil, 404},
		{"router 405", "PATCH", "/v1/organisations", nil, nil, 405},
		{"invalid parameter", "GET", "/v1/organisations?pageSize=0", nil, nil, 400},
		{"anonymous write", "POST", "/v1/organisations", map[string]any{"code": "GM0001", "name": "x", "kind": "municipality", "networkRole": "member"}, nil, 401},
		{"not acceptable", "GET", "/v1/organisations", nil, map[string]string{"Accept": "text/html"}, 406},
		{"unsupported media type", "POST", "/v1/organisations", "code=GM0001", map[string]string{"Content-Type": "text/plain"}, 415},
		{"contract", "GET", "/v1/openapi.json", nil, nil, 200},
		{"health", "GET", "/healthz", nil, nil, 200},
		{"ready", "GET", "/readyz", nil, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, tt.method, tt.path, tt.body, tt.headers)
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if got := res.Header.Get("API-Version"); got != "1.0.0" {
				t.Errorf("API-Version: got %q; want 1.0.0", got)
			}
			for header, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
				if got := res.Header.Get(header); got != want {
					t.Errorf("%s: got %q; want %q", header, got, want)
				}
			}
			if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy: got %q; want frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"))
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Error("X-Request-ID: missing")
			}
			if tt.want >= 400 {
				p := res.Problem(t)
				if p.Status != tt.want || p.Title == "" || p.Detail == "" || p.Type == "" || p.Instance != strings.Split(tt.path, "?")[0] {
					t.Errorf("problem: got %+v; want status %d with type, title, detail and instance %s", p, tt.want, tt.path)
				}
			}
		})
	}
}

func TestMethodNotAllowedListsAllow(t *testing.T) {
	env := apptest.Start(t)
	res := env.Do(t, "PATCH", "/v1/organisations", nil, nil)
	allow := strings.Split(strings.ReplaceAll(res.Header.Get("Allow"), " ", ""), ",")
	for _, m := range []string{"GET", "POST"} {
		if !slices.Contains(allow, m) {
			t.Errorf("Allow: got %q; want it to contain %s", res.Header.Get("Allow"), m)
		}
	}
}

func TestRequestIDIsEchoedOrGenerated(t *testing.T) {
	env := apptest.Start(t)
	res := env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"X-Request-ID": "abc-123"})
	if got := res.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed X-Request-ID: got %q; want abc-123", got)
	}
	if !strings.Contains(env.LogText(), `"request_id":"abc-123"`) {
		t.Errorf("log: want a line with request_id abc-123; got %s", env.LogText())
	}
	res = env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"X-Request-ID": "bad id with spaces"})
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated X-Request-ID: got %q; want a fresh id", got)
	}
}

func TestValidationNamesEveryBadField(t *testing.T) {
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", "admin", "")
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		fields []string
	}{
		{"query parameters", "GET", "/v1/organisations?pageSize=101&kind=village&active=perhaps&colour=red", nil,
			[]string{"pageSize", "kind", "active", "colour"}},
		{"body", "POST", "/v1/organisations", map[string]any{"name": "", "kind": "village", "networkRole": "lead", "website": "not a url", "joinedOn": "2019-13-01", "extra": 1},
			[]string{"code", "name", "kind", "website", "joinedOn", "extra"}},
		{"domain rules", "POST", "/v1/organisations", map[string]any{"code": "schiedam", "name": "Schiedam", "kind": "municipality", "networkRole": "lead", "joinedOn": "2020-01-01", "leftOn": "2019-01-01"},
			[]string{"code", "leftOn"}},
		{"malformed JSON", "POST", "/v1/organisations", `{"code": `, []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := apptest.Bearer(admin)
			headers["Content-Type"] = "application/json"
			res := env.Do(t, tt.method, tt.path, tt.body, headers)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status: got %d; want 400 (%s)", res.StatusCode, res.Body)
			}
			got := res.Problem(t).Fields()
			for _, f := range tt.fields {
				if !slices.Contains(got, f) {
					t.Errorf("invalidParams: got %v; want it to name %s", got, f)
				}
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", "admin", "")
	big := `{"code":"big","name":"` + strings.Repeat("x", 2<<20) + `","kind":"other","networkRole":"member"}`
	headers := apptest.Bearer(admin)
	headers["Content-Type"] = "application/json"
	res := env.Do(t, "POST", "/v1/organisations", big, headers)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status: got %d; want 413", res.StatusCode)
	}
	res.Problem(t)
}

// A panic in a handler is a 500 with a generic detail; the cause is logged.
func TestPanicIsAGeneric500(t *testing.T) {
	env := apptest.Start(t)
	env.App.Handler().(*echo.Echo).GET("/v1/test-panic", func(echo.Context) error { panic("secret internal detail") })
	res := env.Do(t, "GET", "/v1/test-panic", nil, nil)
	if res.StatusCode != 500 {
		t.Fatalf("status: got %d; want 500", res.StatusCode)
	}
	p := res.Problem(t)
	if strings.Contains(res.Body, "secret internal detail") || strings.Contains(res.Body, "goroutine") {
		t.Errorf("body leaks the cause: %s", res.Body)
	}
	if p.Detail == "" {
		t.Error("detail: want a generic explanation")
	}
	if !strings.Contains(env.LogText(), "secret internal detail") {
		t.Error("log: want the panic's cause")
	}
}

func TestCORS(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.CORSOrigins = []string{"https://portal.example.org"}
	env := apptest.New(t, cfg)
	tests := []struct {
		name, method, origin, requestMethod string
		wantOrigin                          string
	}{
		{"read from anywhere", "GET", "https://gemeente.example.nl", "", "*"},
		{"preflight read", "OPTIONS", "https://gemeente.example.nl", "GET", "*"},
		{"preflight write from allowed origin", "OPTIONS", "https://portal.example.org", "PUT", "https://portal.example.org"},
		{"preflight write from elsewhere", "OPTIONS", "https://evil.example.com", "PUT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Origin": tt.origin}
			if tt.requestMethod != "" {
				h["Access-Control-Request-Method"] = tt.requestMethod
			}
			res := env.Do(t, tt.method, "/v1/organisations", nil, h)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin: got %q; want %q", got, tt.wantOrigin)
			}
		})
	}
	res := env.Do(t, "GET", "/v1/openapi.yaml", nil, map[string]string{"Origin": "https://x.example"})
	if res.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(res.Body, "openapi: 3.0.3") {
		t.Errorf("openapi.yaml: got CORS %q and body starting %.40q; want * and the contract", res.Header.Get("Access-Control-Allow-Origin"), res.Body)
	}
	if exposed := env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"Origin": "https://x.example"}).Header.Get("Access-Control-Expose-Headers"); !strings.Contains(exposed, "ETag") || !strings.Contains(exposed, "Link") {
		t.Errorf("Access-Control-Expose-Headers: got %q; want ETag and Link", exposed)
	}
}

func TestDocsAreServedFromTheBinary(t *testing.T) {
	env := apptest.Start(t)
	res := env.Do(t, "GET", "/docs", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(res.Body, "/v1/openapi.json") {
		t.Fatalf("docs: got %d; want 200 pointing at /v1/openapi.json", res.StatusCode)
	}
	if strings.Contains(res.Body, `src="http`) || strings.Contains(res.Body, `href="http`) {
		t.Errorf("docs page refers to another host: want everything from the binary")
	}
	if res := env.Do(t, "GET", "/docs/swagger-ui-bundle.js", nil, nil); res.StatusCode != 200 {
		t.Errorf("docs asset: got %d; want 200", res.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.RateBurst = 1, 3
	cfg.SignInLimit = 2
	env := apptest.New(t, cfg)
	var statuses []int
	for range 4 {
		res := env.Do(t, "GET", "/v1/organisations", nil, nil)
		statuses = append(statuses, res.StatusCode)
		if res.Header.Get("RateLimit-Policy") != `"default";q=3;w=3` {
			t.Errorf("RateLimit-Policy: got %q", res.Header.Get("RateLimit-Policy"))
		}
		if res.StatusCode == http.StatusTooManyRequests {
			if res.Header.Get("Retry-After") != "1" || !strings.HasPrefix(res.Header.Get("RateLimit"), `"default";r=0;t=`) {
				t.Errorf("429 headers: got Retry-After %q RateLimit %q; want 1 and r=0", res.Header.Get("Retry-After"), res.Header.Get("RateLimit"))
			}
			res.Problem(t)
		}
	}
	if fmt.Sprint(statuses) != "[200 200 200 429]" {
		t.Errorf("statuses: got %v; want three allowed, then 429", statuses)
	}
	if res := env.Do(t, "GET", "/healthz", nil, nil); res.StatusCode != 200 {
		t.Errorf("healthz is not limited: got %d", res.StatusCode)
	}
	var signIn []int
	for range 3 {
		signIn = append(signIn, env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "x@example.org", "password": "guess guess guess"}, nil).StatusCode)
	}
	if fmt.Sprint(signIn) != "[401 401 429]" {
		t.Errorf("sign-in attempts: got %v; want two tries, then 429", signIn)
	}
}

func TestHeadAnswersLikeGetWithoutBody(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	for _, path := range []string{"/v1/organisations", "/v1/organisations/GM0606", "/v1/openapi.json"} {
		get := env.Do(t, "GET", path, nil, nil)
		head := env.Do(t, "HEAD", path, nil, nil)
		if head.StatusCode != 200 || head.Body != "" {
			t.Errorf("HEAD %s: got %d with %d bytes; want 200 without body", path, head.StatusCode, len(head.Body))
		}
		if head.Header.Get("Content-Length") != strconv.Itoa(len(get.Body)) {
			t.Errorf("HEAD %s Content-Length: got %q; want %d, the length of the GET body", path, head.Header.Get("Content-Length"), len(get.Body))
		}
		for _, h := range []string{"ETag", "Content-Type", "API-Version"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s %s: got %q; want %q as on GET", path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}
	res := env.Do(t, "PATCH", "/v1/organisations", nil, nil)
	if !strings.Contains(res.Header.Get("Allow"), "HEAD") {
		t.Errorf("Allow: got %q; want HEAD listed with GET", res.Header.Get("Allow"))
	}
}

func TestContractIsServedVerbatim(t *testing.T) {
	env := apptest.Start(t)
	yaml := env.Do(t, "GET", "/v1/openapi.yaml", nil, nil)
	file, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if yaml.Body != string(file) {
		t.Error("openapi.yaml: served document differs from the file")
	}
	js := env.Do(t, "GET", "/v1/openapi.json", nil, nil)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct{ Version string }
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
		}
	}
	js.JSON(t, &doc)
	if doc.OpenAPI != "3.0.3" || doc.Info.Version != js.Header.Get("API-Version") || doc.Paths["/auth/token"]["post"].OperationID != "createToken" {
		t.Errorf("openapi.json: got %+v; want the contract as written", doc)
	}
	for _, res := range []apptest.Response{yaml, js} {
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("contract CORS: got %q; want * even without Origin", res.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

// A meeting's ETag changes when a registration changes its counts, though
// the meeting itself has no new version.
func TestMeetingETagFollowsRegistrations(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	res := env.Do(t, "POST", "/v1/meetings", map[string]any{"title": "Meet", "topic": "Open data", "format": "other",
		"startsAt": "2099-03-01T10:00:00Z", "endsAt": "2099-03-01T12:00:00Z"}, apptest.Bearer(editor))
	var m struct{ ID string }
	res.JSON(t, &m)
	before := env.Do(t, "GET", "/v1/meetings/"+m.ID, nil, nil).Header.Get("ETag")
	person := env.Do(t, "POST", "/v1/people", map[string]any{"name": "Registrant", "memberships": []any{}}, apptest.Bearer(env.User(t, "admin@example.org", domain.RoleAdmin, "")))
	var p struct{ ID string }
	person.JSON(t, &p)
	if r := env.Do(t, "POST", "/v1/meetings/"+m.ID+"/registrations", map[string]any{"person": p.ID}, apptest.Bearer(editor)); r.StatusCode != 201 {
		t.Fatalf("register: got %d (%s)", r.StatusCode, r.Body)
	}
	after := env.Do(t, "GET", "/v1/meetings/"+m.ID, nil, map[string]string{"If-None-Match": before})
	if after.StatusCode != 200 || after.Header.Get("ETag") == before {
		t.Errorf("after a registration: got %d with ETag %q (before %q); want 200 and a new tag", after.StatusCode, after.Header.Get("ETag"), before)
	}
}

// Text a database cannot store or search is refused up front, naming the
// field, on SQLite and PostgreSQL alike.
func TestTextThatNoDatabaseTakes(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	tests := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"NUL in a query", "GET", "/v1/organisations?q=a%00b", nil, "q"},
		{"bytes that are not UTF-8 in a query", "GET", "/v1/people?q=%ff%fe", nil, "q"},
		{"NUL in a path", "GET", "/v1/organisations/GM%000606", nil, "organisation"},
		{"NUL in a body", "POST", "/v1/organisations", map[string]any{"code": "nul", "name": "a\x00b", "kind": "other", "networkRole": "member"}, "name"},
		{"NUL deep in a body", "POST", "/v1/people", map[string]any{"name": "P", "memberships": []any{map[string]any{"organisation": "GM\x000606", "role": "pioneer"}}}, "memberships[0].organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, tt.method, tt.path, tt.body, apptest.Bearer(admin))
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status: got %d; want 400 (%s)", res.StatusCode, res.Body)
			}
			if got := res.Problem(t).Fields(); !slices.Contains(got, tt.field) {
				t.Errorf("invalidParams: got %v; want %s", got, tt.field)
			}
		})
	}
}

// An evaluation's ETag changes when a response changes its responseCount.
func TestEvaluationETagFollowsResponses(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	member := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	res := env.Do(t, "POST", "/v1/evaluations", map[string]any{"title": "Quick poll", "published": true, "audience": []string{"GM0606"},
		"opensAt": "2020-01-01T00:00:00Z", "closesAt": "2099-01-01T00:00:00Z",
		"questions": []any{map[string]any{"key": "useful", "type": "scale", "text": "Useful?", "min": 1, "max": 5}}}, apptest.Bearer(editor))
	if res.StatusCode != 201 {
		t.Fatalf("create: got %d (%s)", res.StatusCode, res.Body)
	}
	var e struct{ ID string }
	res.JSON(t, &e)
	before := env.Do(t, "GET", "/v1/evaluations/"+e.ID, nil, nil).Header.Get("ETag")
	if r := env.Do(t, "PUT", "/v1/evaluations/"+e.ID+"/responses/GM0606", map[string]any{"answers": map[string]any{"useful": 4}}, apptest.Bearer(member)); r.StatusCode != 200 {
		t.Fatalf("answer: got %d (%s)", r.StatusCode, r.Body)
	}
	after := env.Do(t, "GET", "/v1/evaluations/"+e.ID, nil, map[string]string{"If-None-Match": before})
	if after.StatusCode != 200 || after.Header.Get("ETag") == before {
		t.Errorf("after a response: got %d with ETag %q (before %q); want 200 and a new tag", after.StatusCode, after.Header.Get("ETag"), before)
	}
}

// What was promised to respondents and what counted as evidence stays: a
// closed, answered evaluation keeps its minimum group size, window,
// publication and milestone; its title may still be corrected.
func TestClosedEvaluationKeepsItsPromises(t *testing.T) {
	env := apptest.Start(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	var list struct{ Items []struct{ ID string } }
	env.Do(t, "GET", "/v1/evaluations", nil, nil).JSON(t, &list)
	path := "/v1/evaluations/" + list.Items[0].ID
	h := apptest.Bearer(editor)
	h["If-Match"] = "*"
	h["Content-Type"] = "application/merge-patch+json"
	for _, tt := range []struct {
		patch string
		want  int
		field string
	}{
		{`{"minGroupSize":1}`, 409, "minGroupSize"},
		{`{"closesAt":"2030-01-01T00:00:00Z"}`, 409, "closesAt"},
		{`{"published":false}`, 409, "closesAt"},
		{`{"milestone":null}`, 409, "closesAt"},
		{`{"title":"Example interim evaluation (corrected title)"}`, 200, ""},
	} {
		res := env.Do(t, "PATCH", path, tt.patch, h)
		if res.StatusCode != tt.want {
			t.Errorf("PATCH %s: got %d (%s); want %d", tt.patch, res.StatusCode, res.Body, tt.want)
			continue
		}
		if tt.field != "" && !slices.Contains(res.Problem(t).Fields(), tt.field) {
			t.Errorf("PATCH %s: invalidParams %v; want %s", tt.patch, res.Problem(t).Fields(), tt.field)
		}
	}
}

// A resource's ETag follows what it embeds from other records: renaming an
// organisation makes the ETag of a person who belongs to it change.
func TestETagFollowsEmbeddedRecords(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	id := newPerson(t, env, admin, pioneer("Embedded", "embedded@schiedam.example", "", "GM0606"))
	before := env.Do(t, "GET", "/v1/people/"+id, nil, apptest.Bearer(admin)).Header.Get("ETag")
	h := apptest.Bearer(admin)
	h["If-Match"] = "*"
	h["Content-Type"] = "application/merge-patch+json"
	if res := env.Do(t, "PATCH", "/v1/organisations/GM0606", `{"name":"Gemeente Schiedam"}`, h); res.StatusCode != 200 {
		t.Fatalf("rename: got %d", res.StatusCode)
	}
	cond := apptest.Bearer(admin)
	cond["If-None-Match"] = before
	if res := env.Do(t, "GET", "/v1/people/"+id, nil, cond); res.StatusCode != 200 || !strings.Contains(res.Body, "Gemeente Schiedam") {
		t.Errorf("after renaming the organisation: got %d; want 200 with the new name", res.StatusCode)
	}
	created := env.Do(t, "POST", "/v1/organisations", map[string]any{"code": "GM0622", "name": "Vlaardingen", "kind": "municipality", "networkRole": "member"}, apptest.Bearer(admin))
	if got := env.Do(t, "GET", "/v1/organisations/GM0622", nil, nil).Header.Get("ETag"); got != created.Header.Get("ETag") {
		t.Errorf("ETag: got %q on GET and %q on create; want the same", got, created.Header.Get("ETag"))
	}
}

// A member submits papers for its own organisation, not in another's name.
func TestSubmissionsInTheMembersOwnName(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	member := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	today := time.Now().UTC()
	res := env.Do(t, "POST", "/v1/meetings", map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details":  map[string]any{"format": "conference", "callForPapers": map[string]any{"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}, apptest.Bearer(editor))
	var m struct{ ID string }
	res.JSON(t, &m)
	paper := func(org string) map[string]any {
		return map[string]any{"title": "Open agendas", "abstract": "What we learned.", "authors": []string{"A. Pioneer"}, "organisation": org}
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID+"/submissions", paper("GM0344"), apptest.Bearer(member)); res.StatusCode != 403 {
		t.Errorf("member submits for another organisation: got %d (%s); want 403", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID+"/submissions", paper("GM0606"), apptest.Bearer(member)); res.StatusCode != 201 {
		t.Errorf("member submits for its own organisation: got %d (%s); want 201", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID+"/submissions", paper("GM0344"), apptest.Bearer(editor)); res.StatusCode != 201 {
		t.Errorf("editor submits for an organisation: got %d (%s); want 201", res.StatusCode, res.Body)
	}
}

// A write that changes nothing keeps the version and records no change.
func TestWriteThatChangesNothingKeepsTheVersion(t *testing.T) {
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	body := map[string]any{"kind": "lessons-learned", "title": "Lessons", "url": "https://example.org/lessons", "publishedOn": "2020-05-01"}
	res := env.Do(t, "POST", "/v1/publications", body, apptest.Bearer(editor))
	var p struct{ ID string }
	res.JSON(t, &p)
	h := apptest.Bearer(editor)
	h["If-Match"] = res.Header.Get("ETag")
	again := env.Do(t, "PUT", "/v1/publications/"+p.ID, body, h)
	if again.StatusCode != 200 || !strings.HasPrefix(again.Header.Get("ETag"), `"v1.`) {
		t.Errorf("identical PUT: got %d with ETag %q; want 200 and version 1 kept", again.StatusCode, again.Header.Get("ETag"))
	}
	changes, err := env.App.DB.Changes(context.Background(), "publication", p.ID)
	if err != nil || len(changes) != 1 {
		t.Errorf("change records: got %d (%v); want only the create", len(changes), err)
	}
}

// Switching off the general rate limit leaves sign-in throttled.
func TestSignInStaysLimitedWithoutAGeneralLimit(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.SignInLimit = 0, 2
	env := apptest.New(t, cfg)
	var got []int
	for range 3 {
		got = append(got, env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "x@example.org", "password": "guess guess guess"}, nil).StatusCode)
	}
	if fmt.Sprint(got) != "[401 401 429]" {
		t.Errorf("sign-in attempts with --rate-limit 0: got %v; want two tries, then 429", got)
	}
}
