package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Each list that answered CSV and NDJSON in 1.1.0 has an export operation
// at its path plus /export. The list's old way (Accept or format) answers
// the same bytes, marked deprecated with a link to the export operation.
func TestExportOperations(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, tt := range []struct{ list, query string }{
		{"/v1/meetings", "status=held"},
		{"/v1/publications", "kind=meeting-report"},
		{"/v1/audit-events", "resource=meeting"},
		{"/v1/commitments", "cycle=2018"},
		{"/v1/commitments/NL0037/milestones", "asOf=2022-01-01"},
		{"/v1/milestones", "commitment=NL0037"},
		{"/v1/evaluations/" + e.Evaluation + "/responses", ""},
		{"/v1/evaluations/" + e.Evaluation + "/results", ""},
	} {
		for _, f := range []struct{ format, accept, contentType string }{
			{"csv", "text/csv", "text/csv"},
			{"ndjson", "application/x-ndjson", "application/x-ndjson"},
			{"csv", "text/*", "text/csv"},
		} {
			t.Run(tt.list+" "+f.format, func(t *testing.T) {
				t.Parallel()
				h := apptest.Bearer(e.Admin)
				q := "format=" + f.format
				if tt.query != "" {
					q = tt.query + "&" + q
				}
				want := e.Do(t, http.MethodGet, tt.list+"/export?"+q, nil, h)
				if want.StatusCode != 200 || !strings.HasPrefix(want.Header.Get("Content-Type"), f.contentType) || (f.format == "csv" && want.Body == "") {
					t.Fatalf("GET %s/export?%s: got %d %q; want 200 %s (%s)", tt.list, q, want.StatusCode,
						want.Header.Get("Content-Type"), f.contentType, apptest.Short(want.Body))
				}
				if got := want.Header.Get("Deprecation"); got != "" {
					t.Errorf("export operation: got Deprecation %q; want none", got)
				}
				legacy := map[string]string{"by format": tt.list + "?" + q + "&pageSize=5", "by Accept": tt.list + "?" + tt.query}
				for how, path := range legacy {
					lh := apptest.Bearer(e.Admin)
					if how == "by Accept" {
						lh["Accept"] = f.accept
					}
					got := e.Do(t, http.MethodGet, strings.TrimSuffix(path, "?"), nil, lh)
					if got.StatusCode != 200 || got.Body != want.Body {
						t.Errorf("GET %s (%s): got %d %s; want the export's 200 %s", path, how, got.StatusCode,
							apptest.Short(got.Body), apptest.Short(want.Body))
					}
					if got.Header.Get("Deprecation") == "" || !strings.Contains(got.Header.Get("Link"), tt.list+"/export?") ||
						!strings.Contains(got.Header.Get("Link"), `rel="successor-version"`) {
						t.Errorf("GET %s (%s): got Deprecation %q, Link %q; want both, linking to the export", path, how,
							got.Header.Get("Deprecation"), got.Header.Get("Link"))
					}
				}
			})
		}
	}
}

func TestExportOperationProblems(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, tt := range []struct {
		path   string
		accept string
		status int
	}{
		{"/v1/meetings/export", "", 400},                            // format is required
		{"/v1/meetings/export?format=json", "", 400},                // exports only
		{"/v1/meetings/export?format=csv&format=ndjson", "", 400},   // once
		{"/v1/meetings/export?format=csv&pageSize=5", "", 400},      // no paging
		{"/v1/meetings/export?format=csv", "application/json", 406}, // not JSON
		{"/v1/meetings?format=json", "text/csv", 200},               // format decides, as in 1.1.0
		{"/v1/meetings", "text/csv;q=0", 406},                       // refused, not exported
		{"/v1/meetings?format=conference&format=csv", "", 200},      // filter and export
		{"/v1/meetings/export?meetingFormat=conference&format=csv", "", 200},
		{"/v1/audit-events/export?format=csv", "", 401},
	} {
		h := map[string]string{}
		if tt.accept != "" {
			h["Accept"] = tt.accept
		}
		res := e.Do(t, http.MethodGet, tt.path, nil, h)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s (Accept %q): got %d; want %d (%s)", tt.path, tt.accept, res.StatusCode, tt.status, apptest.Short(res.Body))
		}
	}
	// A person's data export at /people/{person}/export is no list's export:
	// asking the person for CSV is refused as before, not routed there.
	h := apptest.Bearer(e.Admin)
	h["Accept"] = "text/csv"
	if res := e.Do(t, http.MethodGet, "/v1/people/"+e.Person, nil, h); res.StatusCode != 406 {
		t.Errorf("GET /v1/people/{person} as text/csv: got %d; want 406 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := e.Do(t, http.MethodGet, "/v1/people/"+e.Person+"?format=csv", nil, apptest.Bearer(e.Admin)); res.StatusCode != 400 {
		t.Errorf("GET /v1/people/{person}?format=csv: got %d; want 400 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	filtered := e.Do(t, http.MethodGet, "/v1/meetings?format=conference&format=csv", nil, nil)
	direct := e.Do(t, http.MethodGet, "/v1/meetings/export?meetingFormat=conference&format=csv", nil, nil)
	if filtered.Body != direct.Body || strings.Contains(filtered.Body, ",knowledge-session,") {
		t.Errorf("meeting format filter: got %s by the list and %s by the export; want the same conferences only",
			apptest.Short(filtered.Body), apptest.Short(direct.Body))
	}
}
