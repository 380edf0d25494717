package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// getCommitment reads a commitment anonymously, failing unless it is 200.
func getCommitment(t *testing.T, env *apptest.Env, path string) (api.Commitment, string) {
	t.Helper()
	res := env.Do(t, http.MethodGet, "/v1/commitments/"+path, nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d; want 200 (%s)", path, res.StatusCode, apptest.Short(res.Body))
	}
	var c api.Commitment
	res.JSON(t, &c)
	return c, res.Header.Get("ETag")
}

// The seed loads NL0037 as the action plan describes it and the IRM
// assessed it, and anyone may read it: it is published IRM data.
func TestCommitmentAsTheIRMAssessedIt(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	c, _ := getCommitment(t, env, "NL0037")
	if got := []string{apptest.Deref(c.StartDate).String(), apptest.Deref(c.EndDate).String()}; !slices.Equal(got, []string{"2018-07-01", "2020-06-30"}) {
		t.Errorf("start and end: got %v; want 2018-07-01 to 2020-06-30", got)
	}
	if m := apptest.Deref(c.MilestonePeriod); apptest.Deref(m.From) != "2018-01" || apptest.Deref(m.Until) != "2020-06" {
		t.Errorf("milestone period: got %+v; want 2018-01 to 2020-06", m)
	}
	d := apptest.Deref(c.Description)
	for field, start := range map[string]string{
		"socialIssue":  "Citizens are entitled to information",
		"action":       "Meetings will be held every three months.",
		"contribution": "The goal of the Pioniersnetwerk is to bring together municipal officials",
		"relevance":    "The goal of the pioneering network is to address all OGP topics",
	} {
		got := map[string]string{"socialIssue": apptest.Deref(d.SocialIssue), "action": apptest.Deref(d.Action),
			"contribution": apptest.Deref(d.Contribution), "relevance": apptest.Deref(d.Relevance)}[field]
		if !strings.HasPrefix(got, start) {
			t.Errorf("description.%s: got %q; want it to begin %q", field, apptest.Short(got), start)
		}
	}
	irm := apptest.Deref(c.Irm)
	design := apptest.Deref(irm.Design)
	if apptest.Deref(irm.Report) != "Netherlands Design Report 2018-2020" || !apptest.Deref(design.Verifiable) ||
		apptest.Deref(design.PotentialImpact) != api.PotentialImpact("minor") ||
		!slices.Equal(apptest.Deref(design.OgpValues), []api.OgpValue{"access-to-information"}) {
		t.Errorf("design: got report %q, %+v; want the design report's verifiable, minor, access to information", apptest.Deref(irm.Report), design)
	}
	// The source says "Pending IRM Review" for starred, completion and early results.
	if design.Starred != nil || irm.Implementation != nil {
		t.Errorf("starred %v, implementation %+v; want both left out (pending IRM review)", design.Starred, irm.Implementation)
	}
	recs := apptest.Deref(irm.Recommendations)
	if len(recs) != 2 || !strings.Contains(recs[0].Text, "explicitly linking the network to other relevant commitments") ||
		!strings.Contains(recs[1].Text, "establishing formal contact with CSOs") {
		t.Errorf("recommendations: got %+v; want the two of the IRM's next steps", recs)
	}
	if len(c.RelatedCommitments) != 0 {
		t.Errorf("related commitments: got %+v; want none (the source names them by number, not code)", c.RelatedCommitments)
	}

	// The summary counts the civil-society organisations taking part.
	summary := func(code string) api.ProgressSummary {
		var s api.ProgressSummary
		res := env.Do(t, http.MethodGet, "/v1/commitments/"+code+"/summary", nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("summary of %s: got %d; want 200", code, res.StatusCode)
		}
		res.JSON(t, &s)
		return s
	}
	if got := summary("NL0037").CivilSocietyOrganisations; got == nil || *got != 0 {
		t.Errorf("civil-society organisations before one joins: got %v; want 0", got)
	}
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	env.Post(t, admin, "/v1/organisations", map[string]any{"code": "open-state", "name": "Open State Foundation",
		"kind": "civil-society-organisation", "networkRole": "member", "joinedOn": "2019-01-01"})
	if got := summary("NL0037").CivilSocietyOrganisations; got == nil || *got != 1 {
		t.Errorf("civil-society organisations after one joined: got %v; want 1", got)
	}
	if got := summary("NL0001").CivilSocietyOrganisations; got != nil {
		t.Errorf("NL0001, which the network does not carry out: got %d; want none", *got)
	}
}

// Editors keep the assessment current with PATCH and If-Match; a link to
// another commitment shows on both, and both entity tags change.
func TestCommitmentPatch(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	analyst := env.User(t, "analyst@example.org", domain.RoleAnalyst, "")
	_, etag := getCommitment(t, env, "NL0037")
	_, otherETag := getCommitment(t, env, "NL0001")
	patch := func(token, ifMatch string, body string) apptest.Response {
		h := apptest.Bearer(token)
		if token == "" {
			h = map[string]string{}
		}
		h["Content-Type"] = "application/merge-patch+json"
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return env.Do(t, http.MethodPatch, "/v1/commitments/NL0037", body, h)
	}
	body := `{"irm": {"implementation": {"completion": "substantial", "earlyResults": "marginal"}}, "relatedCommitments": ["NL0001"]}`
	for _, tt := range []struct {
		name, token, ifMatch string
		want                 int
	}{
		{"anonymous", "", etag, http.StatusUnauthorized},
		{"analyst", analyst, etag, http.StatusForbidden},
		{"without If-Match", editor, "", http.StatusPreconditionRequired},
		{"with a stale ETag", editor, `"999"`, http.StatusPreconditionFailed},
	} {
		apptest.CheckProblem(t, tt.name, patch(tt.token, tt.ifMatch, body), tt.want)
	}
	res := patch(editor, etag, body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var c api.Commitment
	res.JSON(t, &c)
	impl := apptest.Deref(apptest.Deref(c.Irm).Implementation)
	if apptest.Deref(impl.Completion) != "substantial" || apptest.Deref(impl.EarlyResults) != "marginal" ||
		apptest.Deref(apptest.Deref(c.Irm).Design).PotentialImpact == nil {
		t.Errorf("after PATCH: implementation %+v, design %+v; want the implementation set and the design kept", impl, apptest.Deref(c.Irm).Design)
	}
	if res.Header.Get("ETag") == etag {
		t.Errorf("ETag after PATCH: got %s again; want a new one", etag)
	}
	other, newOtherETag := getCommitment(t, env, "NL0001")
	if len(other.RelatedCommitments) != 1 || other.RelatedCommitments[0].Code != "NL0037" ||
		!strings.HasPrefix(other.RelatedCommitments[0].Title, "Pioneering Network") {
		t.Errorf("NL0001 related: got %+v; want NL0037 with its title", other.RelatedCommitments)
	}
	if newOtherETag == otherETag {
		t.Errorf("NL0001's ETag: got %s again; want a new one, its representation changed", otherETag)
	}

	// Bad input is one 400 naming every field, from the contract and from the rules.
	_, etag = getCommitment(t, env, "NL0037")
	for _, tt := range []struct{ name, body, field string }{
		{"impact off the scale", `{"irm": {"design": {"potentialImpact": "huge"}}}`, "irm.design.potentialImpact"},
		{"month not YYYY-MM", `{"milestonePeriod": {"from": "January 2018"}}`, "milestonePeriod.from"},
		{"end before start", `{"endDate": "2017-01-01"}`, "endDate"},
		{"starred without transformative impact", `{"irm": {"design": {"starred": true}}}`, "irm.design.starred"},
		{"a commitment that is not there", `{"relatedCommitments": ["NL0001", "NL0999"]}`, "relatedCommitments[1]"},
	} {
		apptest.CheckInvalid(t, tt.name, patch(editor, etag, tt.body), tt.field)
	}

	// PUT as written for 1.2 keeps what it leaves out.
	put := env.Do(t, http.MethodPut, "/v1/commitments/NL0037", map[string]any{"code": "NL0037", "title": "Pioneering Network", "cycle": 2018},
		apptest.Headers(editor, "If-Match", etag))
	if put.StatusCode != http.StatusOK {
		t.Fatalf("PUT: got %d; want 200 (%s)", put.StatusCode, apptest.Short(put.Body))
	}
	var replaced api.Commitment
	put.JSON(t, &replaced)
	if replaced.Irm == nil || replaced.Description == nil || len(replaced.RelatedCommitments) != 1 || replaced.Title != "Pioneering Network" {
		t.Errorf("after a PUT without the details: irm %v, description %v, related %v, title %q; want the details kept",
			replaced.Irm != nil, replaced.Description != nil, replaced.RelatedCommitments, replaced.Title)
	}

	// The record as it stood today is the current one; tomorrow is refused.
	today := apptest.Today()
	asOf, _ := getCommitment(t, env, "NL0037?asOf="+today.Format("2006-01-02"))
	if asOf.Title != "Pioneering Network" {
		t.Errorf("asOf today: title %q; want the current one", asOf.Title)
	}
	apptest.CheckInvalid(t, "asOf tomorrow", env.Do(t, http.MethodGet, "/v1/commitments/NL0037?asOf="+today.AddDate(0, 0, 1).Format("2006-01-02"), nil, nil), "asOf")
}
