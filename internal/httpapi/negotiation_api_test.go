package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

func TestMethodNotAllowedListsAllow(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	res := env.Do(t, "PATCH", "/v1/organisations", nil, nil)
	allow := strings.Split(strings.ReplaceAll(res.Header.Get("Allow"), " ", ""), ",")
	for _, m := range []string{"GET", "POST"} {
		if !slices.Contains(allow, m) {
			t.Errorf("Allow: got %q; want it to contain %s", res.Header.Get("Allow"), m)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
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

func TestHeadAnswersLikeGetWithoutBody(t *testing.T) {
	t.Parallel()
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

func TestRobustAcceptAndMethods(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
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
		res := e.Do(t, "GET", tt.path, nil, apptest.Headers(e.Admin, "Accept", tt.accept))
		if tt.want >= 400 {
			apptest.CheckProblem(t, label, res, tt.want)
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
		apptest.CheckProblem(t, "GET "+p, e.Do(t, "GET", p, nil, apptest.Headers(e.Admin)), 404)
	}
	for _, p := range []string{"/v1/organisations/GM9901", "/v1/meetings?format=csv", "/v1/feeds/meetings.ics", "/v1/evaluations/" + e.Evaluation + "/results?format=ndjson"} {
		get := e.Do(t, "GET", p, nil, apptest.Headers(e.Admin))
		head := e.Do(t, "HEAD", p, nil, apptest.Headers(e.Admin))
		if head.StatusCode != get.StatusCode || head.Body != "" || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: got %d %q with %d bytes; want GET's %d %q and no body", p, head.StatusCode, head.Header.Get("Content-Type"), len(head.Body), get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
	if res := e.Do(t, "HEAD", "/v1/organisations/GM9999", nil, nil); res.StatusCode != 404 || res.Body != "" {
		t.Errorf("HEAD of a missing organisation: got %d with %q; want 404 without a body", res.StatusCode, res.Body)
	}
	methods := []struct{ method, path string }{
		{"POST", "/v1/organisations/GM9901"}, {"DELETE", "/v1/meetings"}, {"PUT", "/v1/people"}, {"POST", "/v1/feeds/meetings.ics"},
		{"TRACE", "/v1/meetings"}, {"PROPFIND", "/v1/people/" + e.Person + "/export"}, {"POST", "/v1/people/" + e.Person + "/export"},
		{"PATCH", "/v1/publications/" + e.Publication}, {"DELETE", "/v1/schedule-health"},
	}
	for _, tt := range methods {
		res := e.Do(t, tt.method, tt.path, nil, apptest.Headers(e.Admin))
		apptest.CheckProblem(t, tt.method+" "+tt.path, res, 405)
		if res.Header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header on 405", tt.method, tt.path)
		}
	}
	pre := e.Do(t, "OPTIONS", "/v1/meetings/"+e.Held, nil, map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"})
	if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of a write from an unlisted origin: got %d with Allow-Origin %q; want 204 without it", pre.StatusCode, pre.Header.Get("Access-Control-Allow-Origin"))
	}

	// The docs pages are served by a third-party handler; its 404 is plain
	// text, while every other 404 (including /embed and /v1) is a problem.
	t.Run("docs 404 is problem+json", func(t *testing.T) {
		apptest.CheckProblem(t, "GET /docs/nope", e.Do(t, "GET", "/docs/nope", nil, nil), 404)
	})
}

// Every operation of the contract, read from the served contract: an unknown
// query key, and bodies that are not the object asked for, are refused with
// a 400 that names them, whatever the operation.
func TestRobustEveryOperation(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	var spec struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	e.Do(t, "GET", "/v1/openapi.json", nil, nil).JSON(t, &spec)
	params := map[string]string{"organisation": "GM9901", "person": e.Person, "meeting": e.Planned, "publication": e.Publication,
		"commitment": "NL0037", "milestone": e.Milestone, "evaluation": e.Evaluation, "cycle": "2018",
		"registration": "00000000-0000-7000-8000-000000000000", "submission": "00000000-0000-7000-8000-000000000000",
		"client":       "pc_nobody",
		"subscription": "00000000-0000-7000-8000-000000000000", "delivery": "00000000-0000-7000-8000-000000000000",
		"user": "00000000-0000-7000-8000-000000000000", "table": "milestone"}
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
			h := apptest.Headers(e.Admin, "If-Match", "*")
			var body any
			if ct != "" {
				h["Content-Type"] = ct
				body = "{}"
				if ct == "application/x-www-form-urlencoded" {
					body = "grant_type=client_credentials"
				}
			}
			res := e.Do(t, method, "/v1"+concrete+"?rbUnknown=1", body, h)
			apptest.CheckInvalid(t, label+"?rbUnknown=1", res, "rbUnknown")
			if ct == "" || ct == "application/x-www-form-urlencoded" {
				continue
			}
			for _, bad := range []string{"null", "[]", "1", `"text"`, `{"a":`, "{\"a\":1,}", "\ufeff{}"} {
				apptest.CheckInvalid(t, label+" with body "+bad, e.Do(t, method, "/v1"+concrete, bad, h), "body")
			}
			apptest.CheckProblem(t, label+" as text/plain", e.Do(t, method, "/v1"+concrete, "{}", apptest.Headers(e.Admin, "If-Match", "*", "Content-Type", "text/plain")), 415)
		}
	}
	if ops < 60 {
		t.Errorf("swept %d operations; want the contract's 60 or more", ops)
	}
}

func TestRobustBodies(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	h := apptest.Headers(e.Admin, "Content-Type", "application/json")
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
		apptest.CheckInvalid(t, "POST /v1/organisations "+tt.name, res, tt.field)
	}
	if res := e.Do(t, "GET", "/v1/organisations/rb-org", nil, nil); res.StatusCode != 404 {
		t.Errorf("after only bad bodies: GET /v1/organisations/rb-org got %d; want 404 (nothing written)", res.StatusCode)
	}

	// Unicode at the limits is kept exactly.
	for _, v := range []string{strings.Repeat("😀", 100), strings.Repeat("e\u0301", 50), "\u202eRTL \u05e9\u05dc\u05d5\u05dd", "Zoë ‘quoted’ «»", strings.Repeat("é", 100)} {
		name := v
		res := e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-uni", "name": name, "kind": "other", "networkRole": "member",
			"description": strings.Repeat("ü", 5000)}, apptest.Headers(e.Admin))
		if res.StatusCode != 201 {
			t.Errorf("POST organisation named %q: got %d; want 201 (%s)", name, res.StatusCode, apptest.Short(res.Body))
			continue
		}
		var got api.Organisation
		e.Do(t, "GET", "/v1/organisations/rb-uni", nil, nil).JSON(t, &got)
		if got.Name != name || len([]rune(apptest.Deref(got.Description))) != 5000 {
			t.Errorf("organisation named %q: read back %q (description %d runes); want it unchanged", name, got.Name, len([]rune(apptest.Deref(got.Description))))
		}
		e.Do(t, "DELETE", "/v1/organisations/"+got.ID.String(), nil, apptest.Headers(e.Admin, "If-Match", "*"))
	}

	// Duplicate keys: the validator and the handler see the same (last) value,
	// so an invalid value cannot hide behind a valid one.
	res := e.Do(t, "POST", "/v1/organisations", `{"code":"rb-dup","name":"x","kind":"other","networkRole":"member","website":"https://ok.example","website":"not a url"}`, h)
	apptest.CheckInvalid(t, "duplicate key, last invalid", res, "website")
	res = e.Do(t, "POST", "/v1/organisations", `{"code":"rb-dup","name":"x","kind":"other","networkRole":"member","website":"not a url","website":"https://ok.example"}`, h)
	var dup api.Organisation
	res.JSON(t, &dup)
	if res.StatusCode != 201 || apptest.Deref(dup.Website) != "https://ok.example" {
		t.Errorf("duplicate key, last valid: got %d website %q; want 201 with the last value", res.StatusCode, apptest.Deref(dup.Website))
	}

	// A body over the limit is 413 as a problem, idempotency key or not.
	big := org(`,"description":"` + strings.Repeat("x", 2<<20) + `"`)
	apptest.CheckProblem(t, "2 MiB body", e.Do(t, "POST", "/v1/organisations", big, h), 413)
	apptest.CheckProblem(t, "2 MiB body with Idempotency-Key", e.Do(t, "POST", "/v1/organisations", big, apptest.Headers(e.Admin, "Content-Type", "application/json", "Idempotency-Key", "rb-big")), 413)

	// JSON followed by more text is not JSON: RFC 8259 allows one value.
	for _, tail := range []string{" trailing", "{}", `{"code":"rb-other"}`, "]"} {
		t.Run("trailing data "+tail, func(t *testing.T) {
			code := "rb-tail-" + fmt.Sprint(len(tail))
			body := `{"code":"` + code + `","name":"x","kind":"other","networkRole":"member"}` + tail
			res := e.Do(t, "POST", "/v1/organisations", body, h)
			apptest.CheckInvalid(t, "POST /v1/organisations with "+tail+" after the object", res, "body")
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
			res := e.Do(t, "POST", "/v1/organisations", "{\"code\":\""+code+"\",\"name\":\"Caf\xe9\",\"kind\":\"other\",\"networkRole\":\"member\"}", apptest.Headers(e.Admin, "Content-Type", ct))
			if res.StatusCode != 400 && res.StatusCode != 415 {
				t.Errorf("POST with the Latin-1 byte 0xE9 in name: got %d (%s); want 400 naming name (must be UTF-8), or 415 for the charset", res.StatusCode, apptest.Short(res.Body))
			}
			if res := e.Do(t, "GET", "/v1/organisations/"+code, nil, nil); res.StatusCode != 404 {
				t.Errorf("the name was stored mangled: GET got %d %s", res.StatusCode, apptest.Short(res.Body))
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
			res := e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb details", map[string]any{"format": f, "details": details}), apptest.Headers(e.Admin))
			if res.StatusCode != 400 {
				t.Errorf("POST meeting with details %v: got %d; want 400 naming the unknown member (it was silently dropped: %s)", details, res.StatusCode, apptest.Short(res.Body))
			}
		}
	})

	// A problem deep in a body is named by its whole path, through objects
	// and arrays alike.
	meeting := func(extra string) string {
		return `{"title":"T","topic":"x","startsAt":"2030-03-14T13:00:00Z","endsAt":"2030-03-14T16:00:00Z",` + extra + `}`
	}
	for _, tt := range []struct{ name, body, field string }{
		{"NUL in an array item", meeting(`"format":"other","tags":["a","b\u0000"]`), "tags[1]"},
		{"NUL in an item's member", meeting(`"format":"knowledge-session","details":{"format":"knowledge-session","experts":[{"name":"A"},{"name":"B\u0000"}]}`),
			"details.experts[1].name"},
		{"number out of range in an item", meeting(`"format":"knowledge-session","details":{"format":"knowledge-session","experts":[{"name":"A","affiliation":1e400}]}`),
			"details.experts[0].affiliation"},
	} {
		apptest.CheckInvalid(t, "POST /v1/meetings "+tt.name, e.Do(t, "POST", "/v1/meetings", tt.body, h), tt.field)
	}

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
			apptest.CheckInvalid(t, "POST "+tt.path+" "+tt.body, res, tt.field)
		})
	}
}

func TestRobustContentTypes(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	orgBody := func(code string) string {
		return `{"code":"` + code + `","name":"x","kind":"other","networkRole":"member"}`
	}
	ok := []string{"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"}
	for i, ct := range ok {
		res := e.Do(t, "POST", "/v1/organisations", orgBody(fmt.Sprint("rb-ct-", i)), apptest.Headers(e.Admin, "Content-Type", ct))
		if res.StatusCode != 201 {
			t.Errorf("POST with Content-Type %q: got %d; want 201 (%s)", ct, res.StatusCode, apptest.Short(res.Body))
		}
	}
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/merge-patch+json",
		"application/vnd.api+json", "application/json;;;", "application/xml"} {
		apptest.CheckProblem(t, "POST with Content-Type "+ct, e.Do(t, "POST", "/v1/organisations", orgBody("rb-ct-bad"), apptest.Headers(e.Admin, "Content-Type", ct)), 415)
	}
	apptest.CheckProblem(t, "POST with a body and no Content-Type", e.Do(t, "POST", "/v1/organisations", []byte(orgBody("rb-ct-none")), apptest.Headers(e.Admin)), 415)
	// application/json, what most clients send by default, is read as a merge patch.
	if res := e.Do(t, "PATCH", "/v1/meetings/"+e.Planned, `{"title":"Patched as JSON"}`, apptest.Headers(e.Admin, "If-Match", "*", "Content-Type", "application/json")); res.StatusCode != 200 {
		t.Errorf("PATCH as application/json: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	} else if m := res.Body; !strings.Contains(string(m), `"title":"Patched as JSON"`) {
		t.Errorf("PATCH as application/json: got %s; want the new title", apptest.Short(m))
	}
	if res := e.Do(t, "GET", "/v1/organisations/rb-ct-bad", nil, nil); res.StatusCode != 404 {
		t.Errorf("after 415s: GET rb-ct-bad got %d; want 404", res.StatusCode)
	}
	res := e.Do(t, "PATCH", "/v1/meetings/"+e.Planned, `{"title":"Patched with charset"}`, apptest.Headers(e.Admin, "If-Match", "*", "Content-Type", "application/merge-patch+json; charset=utf-8"))
	var m api.Meeting
	res.JSON(t, &m)
	if res.StatusCode != 200 || m.Title != "Patched with charset" {
		t.Errorf("PATCH with merge-patch+json; charset=utf-8: got %d title %q; want 200 and the new title", res.StatusCode, m.Title)
	}

	// Media types are case-insensitive (RFC 9110 8.3.1): a merge patch sent
	// as Application/Merge-Patch+JSON is applied.
	for _, tt := range []struct{ path, field string }{
		{"/v1/meetings/" + e.Planned, "title"},
		{"/v1/milestones/" + e.Milestone, "title"},
		{"/v1/evaluations/" + e.Evaluation, "title"},
	} {
		t.Run("merge patch in upper case "+strings.Split(tt.path, "/")[2], func(t *testing.T) {
			want := "Patched in upper case"
			res := e.Do(t, "PATCH", tt.path, `{"title":"`+want+`"}`, apptest.Headers(e.Admin, "If-Match", "*", "Content-Type", "Application/Merge-Patch+JSON"))
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
