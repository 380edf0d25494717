package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden from the responses")

// The problem bodies of every error class and one representative response
// of each resource stay as the golden files say: a change to what clients
// read shows up as a diff there.
func TestGoldenBodies(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	pub := e.Post(t, e.Editor, "/v1/publications", map[string]any{"kind": "lessons-learned", "title": "Lessons",
		"url": "https://example.org/lessons", "publishedOn": "2020-05-01", "topics": []string{"open data"}, "language": "nl"}).ID
	meeting := e.Post(t, e.Editor, "/v1/meetings", apptest.PlannedMeeting("Golden meeting", map[string]any{"capacity": 20,
		"venue": map[string]any{"name": "Stadhuis", "hostOrganisation": "GM9901"}})).ID
	evaluation := e.Post(t, e.Admin, "/v1/evaluations", map[string]any{"title": "Golden evaluation", "published": false, "minGroupSize": 3,
		"opensAt": "2030-01-01T00:00:00Z", "closesAt": "2030-02-01T00:00:00Z", "questions": evQuestions()}).ID
	org := map[string]any{"code": "GM9901", "name": "North", "kind": "municipality", "networkRole": "member"}
	erased := e.Post(t, e.Admin, "/v1/people", map[string]any{"name": "Gone Example", "email": "gone@north.example",
		"memberships": []any{map[string]any{"organisation": "GM9901", "role": "pioneer"}}}).ID
	if res := e.Do(t, "DELETE", "/v1/people/"+erased, nil, apptest.Headers(e.Admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s)", res.StatusCode, res.Body)
	}
	// The 500 needs a handler that fails in a way no request to the API can make it.
	e.App.Handler().(*echo.Echo).GET("/v1/test-failure", func(echo.Context) error { panic("secret internal detail") })
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		want               int
	}{
		{"problem-400", "POST", "/v1/organisations", map[string]any{"code": "x", "name": "", "kind": "castle"}, apptest.Headers(e.Admin), 400},
		{"problem-401", "POST", "/v1/organisations", org, nil, 401},
		{"problem-403", "POST", "/v1/organisations", org, apptest.Headers(e.Member), 403},
		{"problem-404", "GET", "/v1/organisations/GM0000", nil, nil, 404},
		{"problem-405", "PATCH", "/v1/organisations", nil, nil, 405},
		{"problem-406", "GET", "/v1/organisations", nil, apptest.Headers("", "Accept", "text/html"), 406},
		{"problem-409", "POST", "/v1/organisations", map[string]any{"code": "GM0606", "name": "Schiedam again", "kind": "municipality", "networkRole": "member"},
			apptest.Headers(e.Admin), 409},
		{"problem-410", "GET", "/v1/people/" + erased, nil, apptest.Headers(e.Admin), 410},
		{"problem-412", "PUT", "/v1/organisations/GM9901", org, apptest.Headers(e.Admin, "If-Match", `"v99"`), 412},
		{"problem-415", "POST", "/v1/organisations", `{"code":"GM9903"}`, apptest.Headers(e.Admin, "Content-Type", "text/plain"), 415},
		{"problem-422", "POST", "/v1/publications", map[string]any{"kind": "other", "title": "Other", "url": "https://example.org/other", "publishedOn": "2020-05-02"},
			apptest.Headers(e.Editor, "Idempotency-Key", "golden-key"), 422},
		{"problem-428", "PUT", "/v1/organisations/GM9901", org, apptest.Headers(e.Admin), 428},
		{"problem-500", "GET", "/v1/test-failure", nil, nil, 500},
		{"organisation", "GET", "/v1/organisations/GM0606", nil, nil, 200},
		{"person", "GET", "/v1/people/" + e.Person, nil, apptest.Headers(e.Admin), 200},
		{"meeting", "GET", "/v1/meetings/" + meeting, nil, nil, 200},
		{"publication", "GET", "/v1/publications/" + pub, nil, nil, 200},
		{"evaluation", "GET", "/v1/evaluations/" + evaluation, nil, apptest.Headers(e.Admin), 200},
		{"milestone", "GET", "/v1/milestones/" + e.Milestone, nil, nil, 200},
		{"commitment", "GET", "/v1/commitments/NL0037", nil, nil, 200},
		{"token", "POST", "/v1/auth/token", map[string]string{"email": "admin@example.org", "password": apptest.Password}, nil, 200},
	}
	// The 422 needs the key already used for another request.
	e.Do(t, "POST", "/v1/publications", map[string]any{"kind": "other", "title": "First", "url": "https://example.org/first", "publishedOn": "2020-05-02"},
		apptest.Headers(e.Editor, "Idempotency-Key", "golden-key"))
	for _, tt := range tests {
		res := e.Do(t, tt.method, tt.path, tt.body, tt.headers)
		if res.StatusCode != tt.want {
			t.Errorf("%s %s: got %d; want %d (%s)", tt.method, tt.path, res.StatusCode, tt.want, res.Body)
			continue
		}
		if tt.want >= 400 {
			apptest.CheckProblem(t, tt.name, res, tt.want)
		}
		checkGolden(t, tt.name, res.Body)
	}
}

// The 429 needs a service of its own with a limit of one request at a time;
// its name keeps it in -run TestGoldenBodies.
func TestGoldenBodiesRateLimited(t *testing.T) {
	// Serial: the limit counts requests per second, which other tests' load would skew.
	cfg := apptest.Config(t)
	cfg.RateLimit, cfg.RateBurst = 1, 1
	e := apptest.New(t, cfg)
	if res := e.Do(t, "GET", "/v1/organisations", nil, nil); res.StatusCode != 200 {
		t.Fatalf("first request: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	res := e.Do(t, "GET", "/v1/organisations", nil, nil)
	if res.StatusCode != 429 {
		t.Fatalf("second request: got %d; want 429 (%s)", res.StatusCode, res.Body)
	}
	apptest.CheckProblem(t, "problem-429", res, 429)
	checkGolden(t, "problem-429", res.Body)
}

// checkGolden compares body, normalised, with testdata/golden/name.json, or
// writes it there with -update.
func checkGolden(t *testing.T, name, body string) {
	t.Helper()
	got := normalise(t, body)
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run go test -run TestGoldenBodies -update to write it)", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: body differs from %s (rerun with -update if the change is meant)\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
}

var (
	uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	// Instants the service sets itself carry fractions of a second; the
	// ones tests give, like the meeting's 2030-03-14T13:00:00Z, do not.
	stampPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$`)
)

// volatile are the members whose values change from run to run whatever
// their form.
var volatile = map[string]bool{"access_token": true, "refresh_token": true, "createdAt": true, "updatedAt": true, "recordedAt": true,
	"registeredAt": true, "requestId": true, "etag": true}

// normalise makes a JSON body comparable across runs: ids become <id-1>,
// <id-2>… in order of appearance (so that equal ids stay equal), volatile
// members and service-set instants become placeholders, and the result is
// indented with sorted keys.
func normalise(t *testing.T, body string) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("normalise %q: %v", body, err)
	}
	ids := map[string]string{}
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case map[string]any:
			// In key order, so that the ids are numbered the same every run.
			for _, k := range slices.Sorted(maps.Keys(x)) {
				x[k] = walk(k, x[k])
			}
		case []any:
			for i, y := range x {
				x[i] = walk(key, y)
			}
		case string:
			if volatile[key] || stampPattern.MatchString(x) {
				return "<" + key + ">"
			}
			return uuidPattern.ReplaceAllStringFunc(x, func(id string) string {
				if _, ok := ids[id]; !ok {
					ids[id] = fmt.Sprintf("<id-%d>", len(ids)+1)
				}
				return ids[id]
			})
		}
		return v
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // keep <id-1> readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(walk("", v)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
