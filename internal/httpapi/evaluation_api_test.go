package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// evEnv is a running service with the action plan seeded, one more member
// municipality (GM0999, Municipality of Outside) and a token per role.
type evEnv struct {
	*apptest.Env
	admin, editor, analyst string
	member                 string // member of GM0606
	other                  string // member of GM0344
	outside                string // member of GM0999
	partner                string // API client bound to GM0606
}

func evStart(t *testing.T) *evEnv {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.SignInLimit = 1000 // every role signs in from the same address
	cfg.RateLimit = 0
	env := apptest.New(t, cfg)
	env.Seed(t)
	if _, err := env.App.Organisations.Create(apptest.As(domain.System), apptest.Municipality("GM0999", "Municipality of Outside")); err != nil {
		t.Fatal(err)
	}
	e := &evEnv{Env: env,
		admin:   env.User(t, "admin@example.org", domain.RoleAdmin, ""),
		editor:  env.User(t, "editor@example.org", domain.RoleEditor, ""),
		analyst: env.User(t, "analyst@example.org", domain.RoleAnalyst, ""),
		member:  env.User(t, "member@schiedam.example", domain.RoleMember, "GM0606"),
		other:   env.User(t, "member@utrecht.example", domain.RoleMember, "GM0344"),
		outside: env.User(t, "member@outside.example", domain.RoleMember, "GM0999"),
	}
	e.partner = env.ClientToken(t, "Schiedam portal", "GM0606")
	return e
}

func evQuestions() []map[string]any {
	return []map[string]any{
		{"key": "satisfaction", "type": "scale", "text": "How useful are the meetings?", "required": true, "min": 1, "max": 5,
			"labels": map[string]string{"1": "not useful", "5": "very useful"}},
		{"key": "format", "type": "single-choice", "text": "Which form helps most?", "options": []string{"lab", "knowledge session", "conference"}},
		{"key": "topics", "type": "multiple-choice", "text": "Which topics next?", "options": []string{"open data", "participation", "publication"}, "minSelections": 1, "maxSelections": 2},
		{"key": "officials", "type": "number", "text": "How many officials took part?", "min": 0, "max": 1000},
		{"key": "lessons", "type": "text", "text": "What did you learn?", "maxLength": 200},
	}
}

// evBody is an evaluation that opened an hour ago and closes tomorrow.
func evBody(title string, published bool, audience ...string) map[string]any {
	now := time.Now().UTC()
	b := map[string]any{"title": title, "description": "Among the participating municipalities.",
		"opensAt": now.Add(-time.Hour).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339),
		"published": published, "minGroupSize": 3, "questions": evQuestions()}
	if len(audience) > 0 {
		b["audience"] = audience
	}
	return b
}

func (e *evEnv) create(t *testing.T, body map[string]any) (api.Evaluation, string) {
	t.Helper()
	res := e.Do(t, "POST", "/v1/evaluations", body, apptest.Headers(e.editor))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create evaluation: got %d; want 201 (%s)", res.StatusCode, res.Body)
	}
	var ev api.Evaluation
	res.JSON(t, &ev)
	return ev, res.Header.Get("ETag")
}

func (e *evEnv) get(t *testing.T, id string) (api.Evaluation, string) {
	t.Helper()
	res := e.Do(t, "GET", "/v1/evaluations/"+id, nil, apptest.Headers(e.editor))
	if res.StatusCode != 200 {
		t.Fatalf("get evaluation: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	var ev api.Evaluation
	res.JSON(t, &ev)
	return ev, res.Header.Get("ETag")
}

// answer records org's answers as the system, as an import would.
func (e *evEnv) answer(t *testing.T, evaluationID, org string, a evaluation.Answers) {
	t.Helper()
	if _, err := e.App.Evaluations.PutResponse(apptest.As(domain.System), evaluationID, org, a); err != nil {
		t.Fatalf("response of %s: %v", org, err)
	}
}

func evAnswers(satisfaction float64, lessons string) map[string]any {
	a := map[string]any{"satisfaction": satisfaction, "format": "lab", "topics": []string{"open data"}, "officials": 5}
	if lessons != "" {
		a["lessons"] = lessons
	}
	return a
}

func evProblemType(code domain.Code) string { return "urn:pioniers:problem:" + string(code) }

// Every operation × every role: allowed, or the exact problem.
func TestEvaluationAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	open, _ := e.create(t, evBody("Open evaluation", true, "GM0606", "GM0344"))
	draft, _ := e.create(t, evBody("Draft evaluation", false, "GM0606", "GM0344"))
	e.answer(t, open.ID.String(), "GM0606", evaluation.Answers{"satisfaction": 4.0})

	roles := []struct{ name, token string }{
		{"anonymous", ""}, {"admin", e.admin}, {"editor", e.editor}, {"member", e.member},
		{"member of another organisation", e.other}, {"analyst", e.analyst}, {"partner", e.partner},
	}
	const (
		unauth = 401
		forbid = 403
		none   = 404
	)
	codeOf := map[int]domain.Code{401: domain.CodeUnauthenticated, 403: domain.CodeForbidden, 404: domain.CodeNotFound}
	ops := []struct {
		name   string
		method string
		path   func(t *testing.T) string
		body   any
		header []string
		want   []int // per role, in the order above
	}{
		{"list", "GET", func(*testing.T) string { return "/v1/evaluations" }, nil, nil,
			[]int{200, 200, 200, 200, 200, 200, 200}},
		{"get open", "GET", func(*testing.T) string { return "/v1/evaluations/" + open.ID.String() }, nil, nil,
			[]int{200, 200, 200, 200, 200, 200, 200}},
		{"get draft", "GET", func(*testing.T) string { return "/v1/evaluations/" + draft.ID.String() }, nil, nil,
			[]int{none, 200, 200, none, none, none, none}},
		{"create", "POST", func(*testing.T) string { return "/v1/evaluations" }, evBody("Created", false, "GM0606"), nil,
			[]int{unauth, 201, 201, forbid, forbid, forbid, forbid}},
		{"replace", "PUT", func(*testing.T) string { return "/v1/evaluations/" + draft.ID.String() }, evBody("Draft evaluation", false, "GM0606", "GM0344"),
			[]string{"If-Match", "*"}, []int{unauth, 200, 200, forbid, forbid, forbid, forbid}},
		{"patch", "PATCH", func(*testing.T) string { return "/v1/evaluations/" + draft.ID.String() }, `{"title":"Draft evaluation, patched"}`,
			[]string{"If-Match", "*", "Content-Type", "application/merge-patch+json"}, []int{unauth, 200, 200, forbid, forbid, forbid, forbid}},
		{"delete", "DELETE", func(t *testing.T) string {
			fresh, _ := e.create(t, evBody("To delete", false, "GM0606"))
			return "/v1/evaluations/" + fresh.ID.String()
		}, nil, []string{"If-Match", "*"}, []int{unauth, 204, 204, forbid, forbid, forbid, forbid}},
		{"put response", "PUT", func(*testing.T) string { return "/v1/evaluations/" + open.ID.String() + "/responses/GM0606" },
			map[string]any{"answers": evAnswers(3, "")}, nil, []int{unauth, forbid, forbid, 200, forbid, forbid, forbid}},
		{"get response", "GET", func(*testing.T) string { return "/v1/evaluations/" + open.ID.String() + "/responses/GM0606" }, nil, nil,
			[]int{unauth, 200, forbid, 200, forbid, forbid, forbid}},
		{"pseudonymised responses", "GET", func(*testing.T) string { return "/v1/evaluations/" + open.ID.String() + "/responses" }, nil, nil,
			[]int{unauth, 200, 200, forbid, forbid, 200, forbid}},
		{"pseudonymised responses of a draft", "GET", func(*testing.T) string { return "/v1/evaluations/" + draft.ID.String() + "/responses" }, nil, nil,
			[]int{unauth, 200, 200, forbid, forbid, none, forbid}},
		{"results", "GET", func(*testing.T) string { return "/v1/evaluations/" + open.ID.String() + "/results" }, nil, nil,
			[]int{200, 200, 200, 200, 200, 200, 200}},
		{"results of a draft", "GET", func(*testing.T) string { return "/v1/evaluations/" + draft.ID.String() + "/results" }, nil, nil,
			[]int{none, 200, 200, none, none, none, none}},
	}
	for _, op := range ops {
		for i, role := range roles {
			t.Run(op.name+"/"+role.name, func(t *testing.T) {
				res := e.Do(t, op.method, op.path(t), op.body, apptest.Headers(role.token, op.header...))
				want := op.want[i]
				if res.StatusCode != want {
					t.Fatalf("%s %s as %s: got %d; want %d (%s)", op.method, op.name, role.name, res.StatusCode, want, res.Body)
				}
				if code, ok := codeOf[want]; ok {
					if p := res.Problem(t); p.Type != evProblemType(code) {
						t.Errorf("problem type: got %q; want %q", p.Type, evProblemType(code))
					}
				}
			})
		}
	}

	t.Run("list shows drafts to editors and admins only", func(t *testing.T) {
		for _, role := range roles {
			var page api.EvaluationPage
			e.Do(t, "GET", "/v1/evaluations?pageSize=100", nil, apptest.Headers(role.token)).JSON(t, &page)
			sawDraft := slices.ContainsFunc(page.Items, func(x api.Evaluation) bool { return x.ID == draft.ID })
			if want := role.token == e.admin || role.token == e.editor; sawDraft != want {
				t.Errorf("%s: draft listed %v; want %v", role.name, sawDraft, want)
			}
		}
	})

	t.Run("members answer for their own organisation, in the audience", func(t *testing.T) {
		body := map[string]any{"answers": evAnswers(2, "")}
		for _, tt := range []struct {
			name, token, org string
			want             int
		}{
			{"own organisation", e.member, "GM0606", 200},
			{"own organisation by lowercase code", e.member, "gm0606", 200},
			{"another organisation in the audience", e.member, "GM0344", 403},
			{"own organisation, not in the audience", e.outside, "GM0999", 403},
			{"another organisation, not in the audience", e.member, "GM0999", 403},
			{"partner bound to the organisation", e.partner, "GM0606", 403},
			{"an organisation that does not exist", e.member, "GM0001", 404},
		} {
			res := e.Do(t, "PUT", "/v1/evaluations/"+open.ID.String()+"/responses/"+tt.org, body, apptest.Headers(tt.token))
			if res.StatusCode != tt.want {
				t.Errorf("%s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, res.Body)
			}
		}
	})
}

// A response is checked against every question and all problems come back
// at once as invalidParams; nothing is stored.
func TestEvaluationResponseValidationOverHTTP(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	ev, _ := e.create(t, evBody("Validation", true, "GM0606"))
	path := "/v1/evaluations/" + ev.ID.String() + "/responses/GM0606"
	bad := map[string]any{"answers": map[string]any{
		"satisfaction": 4.5, "format": "webinar", "topics": []string{"open data", "open data"},
		"officials": "five", "lessons": strings.Repeat("ä", 201), "colour": "blue"}}
	res := e.Do(t, "PUT", path, bad, apptest.Headers(e.member))
	if res.StatusCode != 400 {
		t.Fatalf("invalid response: got %d; want 400 (%s)", res.StatusCode, res.Body)
	}
	got := res.Problem(t).Fields()
	slices.Sort(got)
	want := []string{"answers.colour", "answers.format", "answers.lessons", "answers.officials", "answers.satisfaction", "answers.topics"}
	if !slices.Equal(got, want) {
		t.Errorf("invalidParams: got %v; want %v", got, want)
	}
	missing := e.Do(t, "PUT", path, map[string]any{"answers": map[string]any{"satisfaction": nil}}, apptest.Headers(e.member))
	if got := missing.Problem(t).Fields(); missing.StatusCode != 400 || !slices.Equal(got, []string{"answers.satisfaction"}) {
		t.Errorf("required answer null: got %d %v; want 400 [answers.satisfaction]", missing.StatusCode, got)
	}
	if res := e.Do(t, "GET", path, nil, apptest.Headers(e.member)); res.StatusCode != 404 {
		t.Errorf("after invalid responses: got %d; want 404, nothing stored (%s)", res.StatusCode, res.Body)
	}
	// The valid one is stored and read back as sent.
	ok := e.Do(t, "PUT", path, map[string]any{"answers": evAnswers(4, "Läßt sich gut an")}, apptest.Headers(e.member))
	if ok.StatusCode != 200 {
		t.Fatalf("valid response: got %d; want 200 (%s)", ok.StatusCode, ok.Body)
	}
	var r api.EvaluationResponse
	e.Do(t, "GET", path, nil, apptest.Headers(e.member)).JSON(t, &r)
	if r.Organisation.Code != "GM0606" || r.Answers["satisfaction"] != 4.0 || r.Answers["lessons"] != "Läßt sich gut an" {
		t.Errorf("stored response: got %+v; want GM0606's answers", r)
	}
}

// A closed evaluation takes no responses (409); neither does one that has
// not opened yet; questions are fixed once answered while other fields are
// not; an answered evaluation cannot be deleted.
func TestEvaluationLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	now := time.Now().UTC()
	body := map[string]any{"answers": evAnswers(3, "")}

	closed := evBody("Closed", true, "GM0606")
	closed["opensAt"], closed["closesAt"] = now.Add(-48*time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339)
	c, _ := e.create(t, closed)
	future := evBody("Not yet open", true, "GM0606")
	future["opensAt"], future["closesAt"] = now.Add(time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339)
	f, _ := e.create(t, future)
	unpublished, _ := e.create(t, evBody("Unpublished", false, "GM0606"))

	for _, tt := range []struct {
		name, id, status string
		want             int
	}{
		{"closed", c.ID.String(), "closed", 409},
		{"before it opens", f.ID.String(), "draft", 409},
		{"unpublished, which a member cannot see", unpublished.ID.String(), "draft", 404},
	} {
		got, _ := e.get(t, tt.id)
		if string(got.Status) != tt.status {
			t.Errorf("%s: status got %q; want %q", tt.name, got.Status, tt.status)
		}
		res := e.Do(t, "PUT", "/v1/evaluations/"+tt.id+"/responses/GM0606", body, apptest.Headers(e.member))
		if res.StatusCode != tt.want {
			t.Errorf("%s: response got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, res.Body)
		} else if tt.want == 409 && res.Problem(t).Type != evProblemType(domain.CodeConflict) {
			t.Errorf("%s: problem type got %q; want conflict", tt.name, res.Problem(t).Type)
		}
		if res := e.Do(t, "GET", "/v1/evaluations/"+tt.id+"/responses/GM0606", nil, apptest.Headers(e.admin)); res.StatusCode != 404 {
			t.Errorf("%s: a refused response was stored: got %d (%s)", tt.name, res.StatusCode, res.Body)
		}
	}

	// Answered: questions fixed, other fields free, no delete.
	ev, _ := e.create(t, evBody("Answered", true, "GM0606", "GM0344"))
	if res := e.Do(t, "PUT", "/v1/evaluations/"+ev.ID.String()+"/responses/GM0606", body, apptest.Headers(e.member)); res.StatusCode != 200 {
		t.Fatalf("answer: got %d (%s)", res.StatusCode, res.Body)
	}
	_, etag := e.get(t, ev.ID.String()) // the answer changed the response count, and with it the tag
	changed := evBody("Answered", true, "GM0606", "GM0344")
	changed["questions"] = evQuestions()[:2]
	res := e.Do(t, "PUT", "/v1/evaluations/"+ev.ID.String(), changed, apptest.Headers(e.editor, "If-Match", etag))
	if res.StatusCode != 409 {
		t.Fatalf("replace questions once answered: got %d; want 409 (%s)", res.StatusCode, res.Body)
	}
	if p := res.Problem(t); p.Type != evProblemType(domain.CodeConflict) || !slices.Equal(p.Fields(), []string{"questions"}) {
		t.Errorf("problem: got %q %v; want conflict naming questions", p.Type, p.Fields())
	}
	patchQ := e.Do(t, "PATCH", "/v1/evaluations/"+ev.ID.String(), map[string]any{"questions": evQuestions()[1:]},
		apptest.Headers(e.editor, "If-Match", etag, "Content-Type", "application/merge-patch+json"))
	if patchQ.StatusCode != 409 || !slices.Equal(patchQ.Problem(t).Fields(), []string{"questions"}) {
		t.Errorf("patch questions once answered: got %d; want 409 naming questions (%s)", patchQ.StatusCode, patchQ.Body)
	}
	// The same questions, a new title: not a change of the questions.
	same := evBody("Answered, renamed", true, "GM0606", "GM0344")
	same["opensAt"], same["closesAt"] = ev.OpensAt.Format(time.RFC3339Nano), ev.ClosesAt.Format(time.RFC3339Nano)
	if res := e.Do(t, "PUT", "/v1/evaluations/"+ev.ID.String(), same, apptest.Headers(e.editor, "If-Match", etag)); res.StatusCode != 200 {
		t.Errorf("replace with the same questions once answered: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	_, etag = e.get(t, ev.ID.String())
	if res := e.Do(t, "PATCH", "/v1/evaluations/"+ev.ID.String(), `{"title":"Answered, patched","minGroupSize":5}`,
		apptest.Headers(e.editor, "If-Match", etag, "Content-Type", "application/merge-patch+json")); res.StatusCode != 200 {
		t.Errorf("patch the title once answered: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	_, etag = e.get(t, ev.ID.String())
	if res := e.Do(t, "DELETE", "/v1/evaluations/"+ev.ID.String(), nil, apptest.Headers(e.editor, "If-Match", etag)); res.StatusCode != 409 {
		t.Errorf("delete once answered: got %d; want 409 (%s)", res.StatusCode, res.Body)
	}
	if res := e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String(), nil, nil); res.StatusCode != 200 {
		t.Errorf("after refused delete: got %d; want 200", res.StatusCode)
	}
	// Unanswered: deleted.
	_, fetag := e.get(t, f.ID.String())
	if res := e.Do(t, "DELETE", "/v1/evaluations/"+f.ID.String(), nil, apptest.Headers(e.editor, "If-Match", fetag)); res.StatusCode != 204 {
		t.Errorf("delete unanswered: got %d; want 204 (%s)", res.StatusCode, res.Body)
	}
	if res := e.Do(t, "GET", "/v1/evaluations/"+f.ID.String(), nil, apptest.Headers(e.editor)); res.StatusCode != 404 {
		t.Errorf("after delete: got %d; want 404", res.StatusCode)
	}
}

// PATCH with a merge patch changes only the fields sent; null clears the
// description; If-Match is required and checked.
func TestEvaluationMergePatch(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	ev, etag := e.create(t, evBody("Interim evaluation", false, "GM0606", "GM0344"))
	path := "/v1/evaluations/" + ev.ID.String()
	patch := func(t *testing.T, body, ifMatch string) apptest.Response {
		t.Helper()
		h := apptest.Headers(e.editor, "Content-Type", "application/merge-patch+json")
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return e.Do(t, "PATCH", path, body, h)
	}
	if res := patch(t, `{"title":"No precondition"}`, ""); res.StatusCode != 428 {
		t.Errorf("without If-Match: got %d; want 428 (%s)", res.StatusCode, res.Body)
	}
	if res := patch(t, `{"title":"Stale"}`, `"v99"`); res.StatusCode != 412 {
		t.Errorf("stale If-Match: got %d; want 412 (%s)", res.StatusCode, res.Body)
	}

	res := patch(t, `{"title":"Interim evaluation 2019"}`, etag)
	if res.StatusCode != 200 {
		t.Fatalf("patch title: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	var got api.Evaluation
	res.JSON(t, &got)
	if got.Title != "Interim evaluation 2019" {
		t.Errorf("title: got %q; want the patched one", got.Title)
	}
	if got.Description == nil || *got.Description != "Among the participating municipalities." || !got.OpensAt.Equal(ev.OpensAt) ||
		!got.ClosesAt.Equal(ev.ClosesAt) || got.Published != ev.Published || got.MinGroupSize != 3 || len(got.Audience) != 2 {
		t.Errorf("unsent fields changed: got %+v; want as created %+v", got, ev)
	}
	if !reflect.DeepEqual(got.Questions, ev.Questions) {
		t.Errorf("questions: got %+v; want unchanged %+v", got.Questions, ev.Questions)
	}
	if got.Revision != ev.Revision+1 {
		t.Errorf("revision: got %d; want %d", got.Revision, ev.Revision+1)
	}
	if res := patch(t, `{"title":"With the old tag"}`, etag); res.StatusCode != 412 {
		t.Errorf("patch with the tag before the last change: got %d; want 412", res.StatusCode)
	}

	// application/json is read as a merge patch too, null and all.
	res = e.Do(t, "PATCH", path, `{"description":null,"minGroupSize":5}`,
		apptest.Headers(e.editor, "If-Match", res.Header.Get("ETag"), "Content-Type", "application/json"))
	if res.StatusCode != 200 {
		t.Fatalf("clear description as application/json: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	var cleared map[string]any
	res.JSON(t, &cleared)
	if d, ok := cleared["description"]; ok && d != "" {
		t.Errorf("description after null: got %v; want none", d)
	}
	if cleared["title"] != "Interim evaluation 2019" || cleared["minGroupSize"] != 5.0 {
		t.Errorf("after clearing the description: got title %v, minGroupSize %v; want the patched title and 5", cleared["title"], cleared["minGroupSize"])
	}
	stored, _ := e.get(t, ev.ID.String())
	if stored.Description != nil && *stored.Description != "" {
		t.Errorf("stored description: got %q; want none", *stored.Description)
	}

	// An invalid patch names the field and changes nothing.
	_, tag := e.get(t, ev.ID.String())
	bad := patch(t, fmt.Sprintf(`{"closesAt":%q}`, ev.OpensAt.Add(-time.Hour).Format(time.RFC3339)), tag)
	if bad.StatusCode != 400 || !slices.Contains(bad.Problem(t).Fields(), "closesAt") {
		t.Errorf("closesAt before opensAt: got %d (%s); want 400 naming closesAt", bad.StatusCode, bad.Body)
	}

	// With a response and a scale question, a patch of the title still goes through.
	res = patch(t, `{"published":true}`, tag)
	if res.StatusCode != 200 {
		t.Fatalf("publish: got %d (%s)", res.StatusCode, res.Body)
	}
	e.answer(t, ev.ID.String(), "GM0606", evaluation.Answers{"satisfaction": 5.0})
	_, tag = e.get(t, ev.ID.String())
	if res := patch(t, `{"title":"Interim evaluation, answered"}`, tag); res.StatusCode != 200 {
		t.Errorf("patch the title of an answered evaluation: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
}

// Suppression at minGroupSize-1 and minGroupSize, per role, in JSON and CSV.
func TestEvaluationResultsSuppressionOverHTTP(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	ev, _ := e.create(t, evBody("Suppression", true, "GM0606", "GM0344", "GM0999", "leoo"))
	e.answer(t, ev.ID.String(), "GM0606", evaluation.Answers{"satisfaction": 2.0, "format": "lab", "topics": []any{"open data"}, "officials": 3.0, "lessons": "x"})
	e.answer(t, ev.ID.String(), "GM0344", evaluation.Answers{"satisfaction": 5.0, "format": "conference", "topics": []any{"open data", "publication"}, "officials": 8.0, "lessons": "y"})

	roles := []struct {
		name, token string
		full        bool
	}{
		{"anonymous", "", false}, {"member", e.member, false}, {"partner", e.partner, false}, {"editor", e.editor, false},
		{"admin", e.admin, true}, {"analyst", e.analyst, true},
	}
	check := func(t *testing.T, responses int, suppressed func(full bool) bool) {
		t.Helper()
		for _, role := range roles {
			res := e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results", nil, apptest.Headers(role.token))
			if res.StatusCode != 200 {
				t.Fatalf("%s: got %d (%s)", role.name, res.StatusCode, res.Body)
			}
			var r api.EvaluationResults
			res.JSON(t, &r)
			if r.Responses != responses || r.AudienceSize != 4 || r.ResponseRate != float64(responses)/4 || r.MinGroupSize != 3 {
				t.Errorf("%s: got %d of %d, rate %v, minGroupSize %d; want %d of 4", role.name, r.Responses, r.AudienceSize, r.ResponseRate, r.MinGroupSize, responses)
			}
			if len(r.Questions) != 5 {
				t.Fatalf("%s: got %d questions; want 5", role.name, len(r.Questions))
			}
			for _, q := range r.Questions {
				want := suppressed(role.full)
				if q.Suppressed != want {
					t.Errorf("%s, %s: suppressed got %v; want %v", role.name, q.Key, q.Suppressed, want)
				}
				if want && (q.Distribution != nil || q.Mean != nil || q.Median != nil) {
					t.Errorf("%s, %s suppressed: got figures %v %v %v; want none", role.name, q.Key, q.Distribution, q.Mean, q.Median)
				}
				// Others see no cell below minGroupSize (results_api_test.go).
				if !want && role.full && q.Key == "satisfaction" {
					if q.Mean == nil || q.Median == nil || len(apptest.Deref(q.Distribution)) != 5 {
						t.Errorf("%s, satisfaction shown: got mean %v, median %v, %d values; want all 5 scale points", role.name, q.Mean, q.Median, len(apptest.Deref(q.Distribution)))
					}
				}
			}
			// CSV: the same suppression.
			csvRes := e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results?format=csv", nil, apptest.Headers(role.token))
			rows, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: results CSV: %v (%q)", role.name, err, csvRes.Body)
			}
			col := slices.Index(rows[0], "suppressed")
			valueCount := slices.Index(rows[0], "valueCount")
			mean := slices.Index(rows[0], "mean")
			if col < 0 || valueCount < 0 || mean < 0 {
				t.Fatalf("%s: CSV header %v lacks suppressed, valueCount or mean", role.name, rows[0])
			}
			for _, row := range rows[1:] {
				want := suppressed(role.full)
				if row[col] != fmt.Sprint(want) {
					t.Errorf("%s: CSV row %v: suppressed got %q; want %v", role.name, row, row[col], want)
				}
				if want && (row[valueCount] != "" || row[mean] != "") {
					t.Errorf("%s: CSV row %v of a suppressed question carries figures", role.name, row)
				}
			}
		}
	}
	t.Run("minGroupSize-1", func(t *testing.T) {
		check(t, 2, func(full bool) bool { return !full })
	})
	t.Run("minGroupSize", func(t *testing.T) {
		e.answer(t, ev.ID.String(), "GM0999", evaluation.Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"publication"}, "officials": 6.0, "lessons": "z"})
		e.answer(t, ev.ID.String(), "leoo", evaluation.Answers{"satisfaction": 1.0, "topics": []any{"participation"}, "officials": 3.0, "lessons": "w"})
		check(t, 4, func(bool) bool { return false })
		var r api.EvaluationResults
		e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results", nil, apptest.Headers(e.analyst)).JSON(t, &r)
		for _, q := range r.Questions {
			dist := map[string]int{}
			for _, d := range apptest.Deref(q.Distribution) {
				dist[d.Value] = d.Count
			}
			switch q.Key {
			case "satisfaction": // 2, 5, 4, 1: mean 3, median (2+4)/2
				if *q.Mean != 3 || *q.Median != 3 || dist["1"] != 1 || dist["3"] != 0 || dist["5"] != 1 {
					t.Errorf("satisfaction: got mean %v, median %v, %v; want 3, 3, one each of 1, 2, 4, 5", *q.Mean, *q.Median, dist)
				}
			case "officials": // 3, 8, 6, 3: mean 5, median 4.5
				if *q.Mean != 5 || *q.Median != 4.5 || dist["3"] != 2 || dist["6"] != 1 || dist["8"] != 1 {
					t.Errorf("officials: got mean %v, median %v, %v; want 5, 4.5, {3:2 6:1 8:1}", *q.Mean, *q.Median, dist)
				}
			case "format": // lab, conference, lab; one left it out
				if q.Count != 3 || dist["lab"] != 2 || dist["conference"] != 1 || dist["knowledge session"] != 0 {
					t.Errorf("format: got count %d, %v; want 3, lab 2, conference 1", q.Count, dist)
				}
			case "topics":
				if q.Count != 4 || dist["open data"] != 2 || dist["publication"] != 2 || dist["participation"] != 1 {
					t.Errorf("topics: got count %d, %v; want 4, open data 2, publication 2, participation 1", q.Count, dist)
				}
			}
		}
	})
}

// Pseudonyms over HTTP: stable within an evaluation, different across
// evaluations; no organisation id, code or name in JSON, CSV or NDJSON;
// free text only for admins and analysts.
func TestEvaluationPseudonymisedExports(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	orgs := []string{"GM0606", "GM0344", "GM0999"}
	first, _ := e.create(t, evBody("First", true, orgs...))
	second, _ := e.create(t, evBody("Second", true, orgs...))
	for i, code := range orgs {
		e.answer(t, first.ID.String(), code, evaluation.Answers{"satisfaction": float64(i + 1), "lessons": "first lesson " + fmt.Sprint(i)})
		e.answer(t, second.ID.String(), code, evaluation.Answers{"satisfaction": float64(i + 1), "lessons": "second lesson " + fmt.Sprint(i)})
	}
	type item = api.PseudonymisedResponse
	list := func(t *testing.T, token, id string) map[string]item {
		t.Helper()
		res := e.Do(t, "GET", "/v1/evaluations/"+id+"/responses", nil, apptest.Headers(token))
		if res.StatusCode != 200 {
			t.Fatalf("pseudonymised: got %d (%s)", res.StatusCode, res.Body)
		}
		var page api.PseudonymisedResponseList
		res.JSON(t, &page)
		out := map[string]item{} // by lesson
		for _, it := range page.Items {
			if !strings.HasPrefix(it.Respondent, "r-") {
				t.Errorf("respondent: got %q; want a pseudonym", it.Respondent)
			}
			out[fmt.Sprint(it.Answers["satisfaction"])] = it
		}
		return out
	}
	a := list(t, e.analyst, first.ID.String())
	b := list(t, e.admin, first.ID.String())
	for k, it := range a {
		if b[k].Respondent != it.Respondent {
			t.Errorf("same evaluation, another call: got %q and %q; want the same pseudonym", it.Respondent, b[k].Respondent)
		}
	}
	// Answering again keeps the pseudonym.
	if res := e.Do(t, "PUT", "/v1/evaluations/"+first.ID.String()+"/responses/GM0606", map[string]any{"answers": map[string]any{"satisfaction": 1, "lessons": "again"}},
		apptest.Headers(e.member)); res.StatusCode != 200 {
		t.Fatalf("answer again: got %d (%s)", res.StatusCode, res.Body)
	}
	again := list(t, e.analyst, first.ID.String())
	if again["1"].Respondent != a["1"].Respondent || again["1"].Answers["lessons"] != "again" {
		t.Errorf("after answering again: got %+v; want pseudonym %q with the new answers", again["1"], a["1"].Respondent)
	}
	s := list(t, e.analyst, second.ID.String())
	for k := range s {
		for _, it := range a {
			if s[k].Respondent == it.Respondent {
				t.Errorf("pseudonym %q in both evaluations; want different", it.Respondent)
			}
		}
	}

	var leaks []string
	for _, code := range orgs {
		o, err := e.App.Organisations.Get(context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, o.ID, o.Code, o.Name)
	}
	for _, role := range []struct {
		name, token string
		freeText    bool
	}{{"admin", e.admin, true}, {"analyst", e.analyst, true}, {"editor", e.editor, false}} {
		for _, format := range []string{"", "?format=csv", "?format=ndjson"} {
			res := e.Do(t, "GET", "/v1/evaluations/"+first.ID.String()+"/responses"+format, nil, apptest.Headers(role.token))
			if res.StatusCode != 200 {
				t.Fatalf("%s %s: got %d (%s)", role.name, format, res.StatusCode, res.Body)
			}
			for _, leak := range leaks {
				if strings.Contains(res.Body, leak) {
					t.Errorf("%s %s: output carries %q: %s", role.name, format, leak, res.Body)
				}
			}
			if has := strings.Contains(res.Body, "first lesson"); has != role.freeText {
				t.Errorf("%s %s: free text present %v; want %v: %s", role.name, format, has, role.freeText, res.Body)
			}
		}
		csvRes := e.Do(t, "GET", "/v1/evaluations/"+first.ID.String()+"/responses?format=csv", nil, apptest.Headers(role.token))
		rows, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
		if err != nil || len(rows) != 4 {
			t.Fatalf("%s: CSV: %v, %d rows; want header and 3 (%s)", role.name, err, len(rows), csvRes.Body)
		}
		if want := []string{"respondent", "submittedAt", "answers.satisfaction", "answers.format", "answers.topics", "answers.officials", "answers.lessons"}; !slices.Equal(rows[0], want) {
			t.Errorf("%s: CSV header: got %v; want %v", role.name, rows[0], want)
		}
		nd := e.Do(t, "GET", "/v1/evaluations/"+first.ID.String()+"/responses?format=ndjson", nil, apptest.Headers(role.token))
		dec := json.NewDecoder(strings.NewReader(nd.Body))
		n := 0
		for {
			var v map[string]any
			if err := dec.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: NDJSON: %v", role.name, err)
			}
			n++
		}
		if n != 3 {
			t.Errorf("%s: NDJSON lines: got %d; want 3", role.name, n)
		}
	}
}

// 20 concurrent PUTs for one organisation and 20 over three organisations:
// each succeeds and one response per organisation remains.
func TestEvaluationConcurrentResponsesOverHTTP(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	tokens := map[string]string{"GM0606": e.member, "GM0344": e.other, "GM0999": e.outside}
	put := func(id, org string, i int) (int, string) {
		body, _ := json.Marshal(map[string]any{"answers": map[string]any{"satisfaction": i%5 + 1, "officials": i}})
		req, _ := http.NewRequest("PUT", e.URL+"/v1/evaluations/"+id+"/responses/"+org, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[org])
		res, err := e.Server.Client().Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(data)
	}
	for _, tt := range []struct {
		name string
		orgs []string
	}{
		{"one organisation", []string{"GM0606"}},
		{"three organisations", []string{"GM0606", "GM0344", "GM0999"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, _ := e.create(t, evBody("Concurrent "+tt.name, true, "GM0606", "GM0344", "GM0999"))
			start := make(chan struct{})
			var wg sync.WaitGroup
			statuses := make([]int, 20)
			bodies := make([]string, 20)
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i], bodies[i] = put(ev.ID.String(), tt.orgs[i%len(tt.orgs)], i)
				}()
			}
			close(start)
			wg.Wait()
			for i, s := range statuses {
				if s != 200 {
					t.Errorf("PUT %d: got %d; want 200 (%s)", i, s, bodies[i])
				}
			}
			all, err := e.App.DB.Responses(context.Background(), ev.ID.String())
			if err != nil {
				t.Fatal(err)
			}
			per := map[string]int{}
			for _, r := range all {
				per[r.Organisation.Code]++
				i := int(r.Answers["officials"].(float64))
				if tt.orgs[i%len(tt.orgs)] != r.Organisation.Code {
					t.Errorf("%s holds the answers of PUT %d, which was for another organisation", r.Organisation.Code, i)
				}
			}
			for _, org := range tt.orgs {
				if per[org] != 1 {
					t.Errorf("%s: got %d responses; want 1", org, per[org])
				}
			}
			if len(all) != len(tt.orgs) {
				t.Errorf("responses: got %d; want %d", len(all), len(tt.orgs))
			}
			got, _ := e.get(t, ev.ID.String())
			if got.ResponseCount != len(tt.orgs) {
				t.Errorf("responseCount: got %d; want %d", got.ResponseCount, len(tt.orgs))
			}
		})
	}
}

// Closing an evaluation linked to milestone 3.4 completes it, with the
// evaluation as evidence; while open it does not count.
func TestEvaluationClosingCompletesMilestone34(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	page, err := e.App.Milestones.List(context.Background(), milestone.ListRequest{Filter: milestone.Filter{Commitment: "NL0037"}, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, m := range page.Items {
		if m.Code == "3.4" {
			id = m.ID
		}
	}
	if id == "" {
		t.Fatal("the seed has no milestone NL0037 3.4")
	}
	milestoneNow := func(t *testing.T) api.Milestone {
		t.Helper()
		res := e.Do(t, "GET", "/v1/milestones/"+id, nil, nil)
		if res.StatusCode != 200 {
			t.Fatalf("get milestone: got %d (%s)", res.StatusCode, res.Body)
		}
		var m api.Milestone
		res.JSON(t, &m)
		return m
	}
	if m := milestoneNow(t); m.Completion == "complete" || (m.Evidence != nil && len(m.Evidence.Items) > 0) {
		t.Fatalf("before any evaluation: got %+v; want no evidence", m)
	}
	body := evBody("Interim evaluation among participating municipalities", true, "GM0606", "GM0344")
	body["milestone"] = id
	closesAt := time.Now().UTC().Add(2 * time.Second)
	body["closesAt"] = closesAt.Format(time.RFC3339Nano)
	ev, _ := e.create(t, body)
	if ev.Milestone == nil || ev.Milestone.String() != id {
		t.Errorf("milestone: got %v; want %s", ev.Milestone, id)
	}
	e.answer(t, ev.ID.String(), "GM0606", evaluation.Answers{"satisfaction": 4.0})
	m := milestoneNow(t)
	if time.Now().After(closesAt) {
		t.Fatalf("closesAt passed %s before the open state was observed; the machine is too slow for this test", time.Since(closesAt))
	}
	if m.Completion == "complete" || m.Evidence == nil || len(m.Evidence.Items) != 0 {
		t.Errorf("while the evaluation is open: got %+v; want it not counted", m)
	}
	var linked api.EvaluationPage
	e.Do(t, "GET", "/v1/evaluations?milestone="+id, nil, nil).JSON(t, &linked)
	if len(linked.Items) != 1 || linked.Items[0].ID != ev.ID {
		t.Errorf("evaluations of 3.4: got %d; want the one linked", len(linked.Items))
	}

	// It closes when its time comes.
	wait := time.Until(closesAt)
	if wait > 0 {
		time.Sleep(wait + 10*time.Millisecond)
	}
	if got, _ := e.get(t, ev.ID.String()); got.Status != "closed" {
		t.Fatalf("status after closesAt: got %q; want closed", got.Status)
	}
	m = milestoneNow(t)
	if m.Completion != "complete" || m.Status != "completed" || m.Progress != 100 {
		t.Errorf("after closing: got completion %q, status %q, progress %d; want complete, completed, 100", m.Completion, m.Status, m.Progress)
	}
	if m.Evidence == nil || m.Evidence.Rule != "closed-evaluation" || len(m.Evidence.Items) != 1 {
		t.Fatalf("evidence: got %+v; want the closed evaluation", m.Evidence)
	}
	if it := m.Evidence.Items[0]; it.Kind != "evaluation" || it.ID != ev.ID || it.Title != ev.Title ||
		apptest.Deref(it.On).String() != domain.Today(closesAt).Format(time.DateOnly) {
		t.Errorf("evidence item: got %+v; want evaluation %s closed today", it, ev.ID)
	}
}

// The demo seed adds an example interim evaluation, linked to 3.4, closed,
// with three example responses that complete the milestone.
func TestDemoSeedAddsTheExampleEvaluation(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	if _, err := env.App.Seed.Load(apptest.As(domain.System), true); err != nil {
		t.Fatal(err)
	}
	var page api.EvaluationPage
	env.Do(t, "GET", "/v1/evaluations", nil, nil).JSON(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("evaluations: got %d; want the example", len(page.Items))
	}
	ev := page.Items[0]
	if ev.Status != "closed" || ev.ResponseCount != 3 || ev.Milestone == nil || len(ev.Questions) < 3 {
		t.Errorf("example evaluation: got status %q, %d responses, milestone %v, %d questions; want closed, 3, linked, a handful",
			ev.Status, ev.ResponseCount, ev.Milestone, len(ev.Questions))
	}
	var m api.Milestone
	env.Do(t, "GET", "/v1/milestones/"+ev.Milestone.String(), nil, nil).JSON(t, &m)
	if m.Code != "3.4" || m.Completion != "complete" || len(m.Evidence.Items) != 1 || m.Evidence.Items[0].ID != ev.ID {
		t.Errorf("milestone of the example: got %+v; want 3.4 completed by it", m)
	}
	var r api.EvaluationResults
	env.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results", nil, nil).JSON(t, &r)
	if r.Responses != 3 || r.AudienceSize == 0 || r.ResponseRate != 3/float64(r.AudienceSize) {
		t.Errorf("results: got %d of %d, rate %v; want 3 of the audience", r.Responses, r.AudienceSize, r.ResponseRate)
	}
	// Loading again adds nothing.
	if _, err := env.App.Seed.Load(apptest.As(domain.System), true); err != nil {
		t.Fatal(err)
	}
	env.Do(t, "GET", "/v1/evaluations", nil, nil).JSON(t, &page)
	if len(page.Items) != 1 {
		t.Errorf("after loading again: got %d evaluations; want 1", len(page.Items))
	}
}

// A pseudonym key file left empty or short (a crash between creating and
// writing it) must not become the secret: with an empty key anyone could
// compute the pseudonyms from the public evaluation and organisation ids.
func TestEvaluationPseudonymKeyFileTooShort(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "short"} {
		t.Run(fmt.Sprintf("%d bytes", len(content)), func(t *testing.T) {
			cfg := apptest.Config(t)
			if err := os.WriteFile(filepath.Join(cfg.DataDir, "pseudonym.key"), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return // refusing to start is fine
			}
			defer a.Close()
			const evaluationID, organisationID = "01a21ee3-c100-7539-967c-2524f3ce0c2e", "01a21ee3-c100-7539-967c-2524f3ce0c2f"
			weak := evaluation.NewService(nil, nil, time.Now, []byte(content))
			if got := a.Evaluations.Pseudonym(evaluationID, organisationID); got == weak.Pseudonym(evaluationID, organisationID) {
				t.Errorf("pseudonyms are keyed with the %d-byte file content %q; want a key of at least 32 bytes or a refusal to start", len(content), content)
			}
		})
	}
}

// An evaluation's ETag changes when a response changes its responseCount.
func TestEvaluationETagFollowsResponses(t *testing.T) {
	t.Parallel()
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
	var e api.Evaluation
	res.JSON(t, &e)
	before := env.Do(t, "GET", "/v1/evaluations/"+e.ID.String(), nil, nil).Header.Get("ETag")
	if r := env.Do(t, "PUT", "/v1/evaluations/"+e.ID.String()+"/responses/GM0606", map[string]any{"answers": map[string]any{"useful": 4}}, apptest.Bearer(member)); r.StatusCode != 200 {
		t.Fatalf("answer: got %d (%s)", r.StatusCode, r.Body)
	}
	after := env.Do(t, "GET", "/v1/evaluations/"+e.ID.String(), nil, map[string]string{"If-None-Match": before})
	if after.StatusCode != 200 || after.Header.Get("ETag") == before {
		t.Errorf("after a response: got %d with ETag %q (before %q); want 200 and a new tag", after.StatusCode, after.Header.Get("ETag"), before)
	}
}

// What was promised to respondents and what counted as evidence stays: a
// closed, answered evaluation keeps its minimum group size, window,
// publication and milestone; its title may still be corrected.
func TestClosedEvaluationKeepsItsPromises(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	var list api.EvaluationPage
	env.Do(t, "GET", "/v1/evaluations", nil, nil).JSON(t, &list)
	path := "/v1/evaluations/" + list.Items[0].ID.String()
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

func TestRobustEvaluationAnswers(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	now := time.Now().UTC()
	ev := e.Post(t, e.Admin, "/v1/evaluations", map[string]any{"title": "rb answers", "published": true, "minGroupSize": 1,
		"opensAt": now.Add(-time.Hour).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339), "audience": []any{"GM9901", "GM9902"},
		"questions": []any{
			map[string]any{"key": "scale", "type": "scale", "text": "s", "min": 1, "max": 5, "required": true},
			map[string]any{"key": "one", "type": "single-choice", "text": "o", "options": []any{"a", "b"}},
			map[string]any{"key": "many", "type": "multiple-choice", "text": "m", "options": []any{"a", "b", "c"}, "maxSelections": 2},
			map[string]any{"key": "text", "type": "text", "text": "t", "maxLength": 5},
			map[string]any{"key": "n", "type": "number", "text": "n"},
		}}).ID
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
		res := e.Do(t, "PUT", path, `{"answers":`+tt.answers+`}`, apptest.Headers(e.Member, "Content-Type", "application/json"))
		apptest.CheckInvalid(t, "answers "+tt.answers, res, tt.field)
	}
	for _, body := range []string{`{"answers":null}`, `{"answers":[]}`, `{"answers":"x"}`, `{}`, `null`, `{"answers":{},"extra":1}`} {
		apptest.CheckProblem(t, "response body "+body, e.Do(t, "PUT", path, body, apptest.Headers(e.Member, "Content-Type", "application/json")), 400)
	}
	apptest.CheckProblem(t, "nothing was stored", e.Do(t, "GET", path, nil, apptest.Headers(e.Member)), 404)
	apptest.CheckProblem(t, "answer for another organisation", e.Do(t, "PUT", "/v1/evaluations/"+ev+"/responses/GM9902", map[string]any{"answers": map[string]any{"scale": 3}}, apptest.Headers(e.Member)), 403)
	if res := e.Do(t, "PUT", path, map[string]any{"answers": map[string]any{"scale": 3, "one": "a", "many": []any{"a", "c"}, "text": "😀😀😀😀😀", "n": -0.5}}, apptest.Headers(e.Member)); res.StatusCode != 200 {
		t.Errorf("a valid response: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}

	// A number question has no bounds; two answers of 1e308 make the mean
	// +Inf, which encoding/json refuses: the results answer 500 to everyone
	// (JSON and CSV), and NDJSON answers an empty 200.
	t.Run("huge number answers", func(t *testing.T) {
		n := e.Post(t, e.Admin, "/v1/evaluations", map[string]any{"title": "rb huge", "published": true, "minGroupSize": 1,
			"opensAt": now.Add(-time.Hour).Format(time.RFC3339), "closesAt": now.Add(24 * time.Hour).Format(time.RFC3339), "audience": []any{"GM9901", "GM9902"},
			"questions": []any{map[string]any{"key": "n", "type": "number", "text": "How many?"}}}).ID
		for org, tok := range map[string]string{"GM9901": e.Member, "GM9902": e.Member2} {
			res := e.Do(t, "PUT", "/v1/evaluations/"+n+"/responses/"+org, `{"answers":{"n":1e308}}`, apptest.Headers(tok, "Content-Type", "application/json"))
			if res.StatusCode != 200 && res.StatusCode != 400 {
				t.Fatalf("answer 1e308 for %s: got %d; want 200 or 400 (%s)", org, res.StatusCode, apptest.Short(res.Body))
			}
		}
		for _, q := range []string{"", "?format=csv", "?format=ndjson"} {
			res := e.Do(t, "GET", "/v1/evaluations/"+n+"/results"+q, nil, apptest.Headers(e.Analyst))
			apptest.CheckNever5xx(t, "GET results"+q, res)
			if res.StatusCode == 200 && strings.TrimSpace(res.Body) == "" {
				t.Errorf("GET results%s: 200 with an empty body; want the results", q)
			}
		}
		res := e.Do(t, "PUT", "/v1/evaluations/"+n+"/responses/GM9901", `{"answers":{"n":1e400}}`, apptest.Headers(e.Member, "Content-Type", "application/json"))
		apptest.CheckInvalid(t, "answer 1e400", res, "answers.n")
	})

	// A scale's results list every point from min to max with v++; at
	// 2^53 and beyond v+1 == v, so the loop never ends (and grows a slice
	// until memory runs out). The checks allow such a scale: 101 points at
	// most, whole numbers, min below max. Only the create is sent here.
	t.Run("scale beyond 2^53", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/evaluations", `{"title":"rb scale","opensAt":"2020-01-01T00:00:00Z","closesAt":"2030-01-01T00:00:00Z",
			"questions":[{"key":"s","type":"scale","text":"s","min":9007199254740992,"max":9007199254740996}]}`, apptest.Headers(e.Editor, "Content-Type", "application/json"))
		if res.StatusCode == 201 {
			var created api.Evaluation
			res.JSON(t, &created)
			e.Do(t, "DELETE", "/v1/evaluations/"+created.ID.String(), nil, apptest.Headers(e.Admin, "If-Match", "*"))
		}
		apptest.CheckInvalid(t, "POST evaluation with a scale from 2^53 to 2^53+4 (GET results would loop forever in evaluation.distribution)", res, "questions[0].max")
	})
}
