package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

const (
	exCSVType    = "text/csv; charset=utf-8; header=present"
	exNDJSONType = "application/x-ndjson; charset=utf-8"
)

// exTitles start as formulas or carry text beyond ASCII, quotes, commas and
// line breaks; each must come back unchanged from JSON and NDJSON, and from
// CSV with a quote in front of a formula.
var exTitles = []string{
	"=SUM(A1:A9)",
	"+31 6 1234 5678",
	"-5 days late",
	"@home",
	"Café über Straße: \"quoted\", with a comma\nand a second line",
}

// exStart is a seeded service with the demo data and records whose texts
// test the exports.
func exStart(t *testing.T) (*apptest.Env, string) {
	t.Helper()
	env := apptest.StartSeeded(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	post := func(path string, body map[string]any) {
		t.Helper()
		if res := env.Do(t, http.MethodPost, path, body, apptest.Bearer(editor)); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s %v: got %d: %s", path, body["title"], res.StatusCode, res.Body)
		}
	}
	for i, title := range exTitles {
		post("/v1/milestones", map[string]any{"commitment": "NL0037", "code": fmt.Sprintf("3.%d", 6+i), "title": title,
			"verifiableResult": title, "plannedEnd": fmt.Sprintf("2021-0%d-01", i+1), "status": "in-progress", "progress": 10 * i})
		post("/v1/publications", map[string]any{"kind": "other", "title": title, "url": fmt.Sprintf("https://example.org/p/%d", i),
			"publishedOn": fmt.Sprintf("2021-0%d-15", i+1), "topics": []string{title, "open data"}})
		post("/v1/meetings", map[string]any{"title": title, "topic": title, "format": "knowledge-session",
			"details":  map[string]any{"format": "knowledge-session", "experts": []map[string]any{{"name": title, "affiliation": "Universiteit"}}},
			"startsAt": fmt.Sprintf("2021-0%d-10T12:00:00Z", i+1), "endsAt": fmt.Sprintf("2021-0%d-10T14:00:00Z", i+1),
			"tags": []string{"export", "ü"}, "venue": map[string]any{"name": "Stadhuis", "hostOrganisation": "GM0606"}, "guestChair": "GM0606", "status": "held"})
		post("/v1/commitments", map[string]any{"code": fmt.Sprintf("NL009%d", i), "title": title, "cycle": 2016,
			"policyAreas": []string{title, "Open Data"}, "leadInstitution": map[string]any{"name": title, "organisation": "GM0606"},
			"supportInstitutions": []map[string]any{{"name": "Utrecht", "organisation": "GM0344"}, {"name": title}}})
	}
	return env, editor
}

// exJSON fetches every page of path as JSON objects.
func exJSON(t *testing.T, env *apptest.Env, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pageSize", "7")
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatalf("GET %s: more than 200 pages", path)
		}
		u.RawQuery = q.Encode()
		res := env.Do(t, http.MethodGet, u.String(), nil, map[string]string{"Accept": "application/json"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d: %s", u, res.StatusCode, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q; want application/json", u, ct)
		}
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"nextCursor"`
		}
		dec := json.NewDecoder(strings.NewReader(res.Body))
		dec.UseNumber()
		if err := dec.Decode(&page); err != nil {
			t.Fatalf("decode %s: %v", u, err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		q.Set("cursor", page.NextCursor)
	}
}

// exGet fetches path with Accept, or with format=… added to the query.
func exGet(t *testing.T, env *apptest.Env, path, accept, format string) apptest.Response {
	t.Helper()
	h := map[string]string{}
	if accept != "" {
		h["Accept"] = accept
	}
	if format != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "format=" + format
	}
	res := env.Do(t, http.MethodGet, path, nil, h)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s (Accept %q): got %d: %s", path, accept, res.StatusCode, res.Body)
	}
	return res
}

// exFlatten turns a JSON object into CSV columns: nested objects under
// dotted names, every other value under its own.
func exFlatten(prefix string, v any, out map[string]any) {
	if obj, ok := v.(map[string]any); ok && (len(obj) > 0 || prefix == "") {
		for k, x := range obj {
			exFlatten(prefix+k+".", x, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = v
}

// exNeutralised is a text as a spreadsheet must see it: a formula gets a quote.
func exNeutralised(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exCellMatches reports whether a CSV cell holds the JSON value.
func exCellMatches(cell string, v any) bool {
	switch x := v.(type) {
	case nil:
		return cell == ""
	case string:
		return cell == exNeutralised(x)
	case bool:
		return cell == strconv.FormatBool(x)
	case json.Number:
		a, err1 := strconv.ParseFloat(cell, 64)
		b, err2 := x.Float64()
		return err1 == nil && err2 == nil && a == b
	case []any:
		// A list is one cell: as JSON, or texts joined by "; ".
		raw := strings.TrimPrefix(cell, "'")
		var decoded any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&decoded) == nil && reflect.DeepEqual(decoded, v) {
			return true
		}
		var texts []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return false
			}
			texts = append(texts, s)
		}
		return cell == exNeutralised(strings.Join(texts, "; ")) || (len(texts) == 0 && cell == "")
	default:
		var decoded any
		dec := json.NewDecoder(strings.NewReader(cell))
		dec.UseNumber()
		return dec.Decode(&decoded) == nil && reflect.DeepEqual(decoded, v)
	}
}

// exCompareCSV parses a CSV export and compares every row and column with
// the JSON objects, in order.
func exCompareCSV(t *testing.T, label string, res apptest.Response, want []map[string]any) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != exCSVType {
		t.Errorf("%s: Content-Type %q; want %q", label, ct, exCSVType)
	}
	if !utf8.ValidString(res.Body) {
		t.Errorf("%s: the CSV is not valid UTF-8", label)
	}
	r := csv.NewReader(strings.NewReader(res.Body))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: parse CSV: %v\n%s", label, err, res.Body)
	}
	if len(records) == 0 {
		t.Fatalf("%s: no header row", label)
	}
	header := records[0]
	index := map[string]int{}
	for i, c := range header {
		if _, dup := index[c]; dup {
			t.Errorf("%s: column %q twice", label, c)
		}
		index[c] = i
	}
	rows := records[1:]
	if len(rows) != len(want) {
		t.Fatalf("%s: got %d rows; want %d as in JSON", label, len(rows), len(want))
	}
	missing := map[string]bool{}
	defer func() {
		if len(missing) > 0 {
			keys := slices.Sorted(maps.Keys(missing))
			t.Errorf("%s: JSON fields %v have no CSV column; the header is %v", label, keys, header)
		}
	}()
	for i, obj := range want {
		flat := map[string]any{}
		exFlatten("", obj, flat)
		for key := range flat {
			if _, ok := index[key]; !ok {
				missing[key] = true
			}
		}
		for c, j := range index {
			if !exCellMatches(rows[i][j], flat[c]) {
				t.Errorf("%s: row %d (%v) column %s: got %q; want %#v", label, i+1, obj["id"], c, rows[i][j], flat[c])
			}
		}
	}
}

// exCompareNDJSON decodes each line and compares it with the JSON objects.
func exCompareNDJSON(t *testing.T, label string, res apptest.Response, want []map[string]any) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != exNDJSONType {
		t.Errorf("%s: Content-Type %q; want %q", label, ct, exNDJSONType)
	}
	var got []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(res.Body, "\n"), "\n") {
		if line == "" && len(want) == 0 {
			break
		}
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Fatalf("%s: line %d: %v: %q", label, i+1, err, line)
		}
		got = append(got, obj)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: got %d lines; want %d as in JSON", label, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s: line %d: got %v; want %v", label, i+1, got[i], want[i])
		}
	}
}

// TestExportsEqualJSON: for every exported list and filter, the CSV (by
// Accept and by format=csv) parsed back by encoding/csv, and the NDJSON,
// hold exactly the rows and fields of all JSON pages.
func TestExportsEqualJSON(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	today := apptest.Today().Format(time.DateOnly)
	for _, tc := range []struct {
		path     string
		minCount int
	}{
		{"/v1/milestones", 10},
		{"/v1/milestones?commitment=NL0037&status=in-progress&sort=-plannedEnd", 5},
		{"/v1/milestones?q=caf%C3%A9", 1},
		{"/v1/milestones?asOf=" + today, 10},
		{"/v1/milestones?overdue=true&dueBefore=2021-03-01", 2},
		{"/v1/commitments/NL0037/milestones", 10},
		{"/v1/meetings", 13},
		{"/v1/meetings?format=knowledge-session", 5},
		{"/v1/meetings?status=held&sort=-startsAt&q=caf%C3%A9", 1},
		{"/v1/publications", 15},
		{"/v1/publications?kind=magazine-edition", 2},
		{"/v1/publications?kind=other&q=home", 1},
		{"/v1/commitments", 43},
		{"/v1/commitments?cycle=2016", 14},
		{"/v1/commitments?policyArea=Open%20Data", 5},
	} {
		t.Run(tc.path, func(t *testing.T) {
			want := exJSON(t, env, tc.path)
			if len(want) < tc.minCount {
				t.Fatalf("JSON: %d items; want at least %d for the test to mean something", len(want), tc.minCount)
			}
			exCompareCSV(t, "Accept: text/csv", exGet(t, env, tc.path, "text/csv", ""), want)
			exCompareCSV(t, "format=csv", exGet(t, env, tc.path, "", "csv"), want)
			exCompareCSV(t, "format=csv with a JSON Accept", exGet(t, env, tc.path, "application/json", "csv"), want)
			exCompareNDJSON(t, "Accept: application/x-ndjson", exGet(t, env, tc.path, "application/x-ndjson", ""), want)
			exCompareNDJSON(t, "format=ndjson", exGet(t, env, tc.path, "", "ndjson"), want)
			// format=json, or an Accept preferring JSON, is a page.
			for _, res := range []apptest.Response{exGet(t, env, tc.path, "", "json"), exGet(t, env, tc.path, "application/json, text/csv;q=0.5", "")} {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("JSON asked: Content-Type %q", ct)
				}
			}
		})
	}
}

// TestExportFiltersAgreeAcrossFormats: commitments?cycle=2016 has the same
// commitments in JSON, CSV and NDJSON, and they are exactly those of 2016.
func TestExportFiltersAgreeAcrossFormats(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	codesOf := func(objs []map[string]any) []string {
		var out []string
		for _, o := range objs {
			out = append(out, fmt.Sprint(o["code"]))
		}
		return out
	}
	all := exJSON(t, env, "/v1/commitments")
	var want []string
	for _, c := range all {
		if fmt.Sprint(c["cycle"]) == "2016" {
			want = append(want, fmt.Sprint(c["code"]))
		}
	}
	if len(want) < 2 || len(want) == len(all) {
		t.Fatalf("the data: %d of %d commitments in 2016; want some, not all", len(want), len(all))
	}
	if got := codesOf(exJSON(t, env, "/v1/commitments?cycle=2016")); !slices.Equal(got, want) {
		t.Errorf("JSON: got %v; want %v", got, want)
	}
	records, err := csv.NewReader(strings.NewReader(exGet(t, env, "/v1/commitments?cycle=2016", "", "csv").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(records[0], "code")
	var csvCodes []string
	for _, r := range records[1:] {
		csvCodes = append(csvCodes, r[col])
	}
	if !slices.Equal(csvCodes, want) {
		t.Errorf("CSV: got %v; want %v", csvCodes, want)
	}
	var ndCodes []string
	for _, line := range strings.Split(strings.TrimSpace(exGet(t, env, "/v1/commitments?cycle=2016", "application/x-ndjson", "").Body), "\n") {
		var c api.Commitment
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		ndCodes = append(ndCodes, c.Code)
	}
	if !slices.Equal(ndCodes, want) {
		t.Errorf("NDJSON: got %v; want %v", ndCodes, want)
	}
	// The export is the whole result: pageSize does not cut it.
	records, err = csv.NewReader(strings.NewReader(exGet(t, env, "/v1/commitments?pageSize=2", "", "csv").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records)-1 != len(all) {
		t.Errorf("CSV with pageSize=2: got %d rows; want all %d", len(records)-1, len(all))
	}
}

// TestExportNeutralisesFormulas: titles starting with = + - @ come out of
// CSV with a quote in front, and unchanged from JSON and NDJSON.
func TestExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	for _, tc := range []struct {
		path  string
		field string
	}{
		{"/v1/milestones?commitment=NL0037", "title"},
		{"/v1/publications?kind=other", "title"},
		{"/v1/meetings?format=knowledge-session", "title"},
		{"/v1/commitments?cycle=2016", "title"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			records, err := csv.NewReader(strings.NewReader(exGet(t, env, tc.path, "text/csv", "").Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := slices.Index(records[0], tc.field)
			var cells []string
			for _, r := range records[1:] {
				cells = append(cells, r[col])
			}
			var ndjson []string
			for _, line := range strings.Split(strings.TrimSpace(exGet(t, env, tc.path, "", "ndjson").Body), "\n") {
				var v map[string]any
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Fatal(err)
				}
				ndjson = append(ndjson, fmt.Sprint(v[tc.field]))
			}
			var jsonTitles []string
			for _, o := range exJSON(t, env, tc.path) {
				jsonTitles = append(jsonTitles, fmt.Sprint(o[tc.field]))
			}
			for _, title := range exTitles {
				if !slices.Contains(jsonTitles, title) {
					t.Errorf("JSON: %q missing or changed; got %q", title, jsonTitles)
				}
				if !slices.Contains(ndjson, title) {
					t.Errorf("NDJSON: %q missing or changed", title)
				}
				want := title
				if strings.ContainsRune("=+-@", rune(title[0])) {
					want = "'" + title
				}
				if !slices.Contains(cells, want) {
					t.Errorf("CSV: got %q; want %q among them", cells, want)
				}
			}
			for _, c := range cells {
				if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
					t.Errorf("CSV: cell %q starts a formula", c)
				}
			}
		})
	}
}

// TestExportIsUTF8 reads the bytes: é and ü as UTF-8, no other encoding.
func TestExportIsUTF8(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	for _, path := range []string{"/v1/milestones?format=csv", "/v1/meetings?format=csv", "/v1/publications?format=ndjson", "/v1/commitments?format=csv"} {
		res := exGet(t, env, path, "", "")
		if !utf8.ValidString(res.Body) {
			t.Errorf("%s: not valid UTF-8", path)
		}
		if !bytes.Contains([]byte(res.Body), []byte("Caf\xc3\xa9 \xc3\xbcber Stra\xc3\x9fe")) {
			t.Errorf("%s: the title with é, ü and ß is not there in UTF-8", path)
		}
	}
}

// TestExportProblems: a request that cannot be answered says so with a
// problem, before any row is sent.
func TestExportProblems(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	tomorrow := apptest.Today().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		path   string
		accept string
		want   int
	}{
		{"/v1/milestones?format=xml", "", http.StatusBadRequest},
		{"/v1/milestones?status=done", "text/csv", http.StatusBadRequest},
		{"/v1/milestones", "text/html", http.StatusNotAcceptable},
		{"/v1/commitments?cycle=1900&format=csv", "", http.StatusBadRequest},
		{"/v1/meetings?format=csv&format=ndjson&format=conference", "", http.StatusBadRequest},
		{"/v1/milestones?asOf=" + tomorrow + "&format=csv", "", http.StatusBadRequest},
		{"/v1/milestones?asOf=" + tomorrow, "application/x-ndjson", http.StatusBadRequest},
		{"/v1/commitments/NL0099/milestones?format=csv", "", http.StatusNotFound},
	} {
		h := map[string]string{}
		if tc.accept != "" {
			h["Accept"] = tc.accept
		}
		res := env.Do(t, http.MethodGet, tc.path, nil, h)
		if res.StatusCode != tc.want {
			t.Errorf("GET %s (Accept %q): got %d %q with body %q; want %d", tc.path, tc.accept, res.StatusCode, res.Header.Get("Content-Type"), res.Body, tc.want)
			continue
		}
		res.Problem(t)
	}
}

// TestExportColumnsFollowTheContract: the header names exactly the fields of
// the contract's schema, nested objects with dotted names, id first.
func TestExportColumnsFollowTheContract(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	var spec struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	env.Do(t, http.MethodGet, "/v1/openapi.json", nil, nil).JSON(t, &spec)
	type schema struct {
		Ref        string            `json:"$ref"`
		Type       string            `json:"type"`
		Properties map[string]schema `json:"properties"`
		OneOf      []schema          `json:"oneOf"`
	}
	var resolve func(s schema) schema
	resolve = func(s schema) schema {
		if s.Ref == "" {
			return s
		}
		var out schema
		if err := json.Unmarshal(spec.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], &out); err != nil {
			t.Fatal(err)
		}
		return resolve(out)
	}
	var names func(prefix string, s schema) []string
	names = func(prefix string, s schema) []string {
		var out []string
		for k, p := range s.Properties {
			p = resolve(p)
			if len(p.OneOf) > 0 { // the columns of every alternative
				merged := schema{Type: "object", Properties: map[string]schema{}}
				for _, alt := range p.OneOf {
					for name, prop := range resolve(alt).Properties {
						merged.Properties[name] = prop
					}
				}
				p = merged
			}
			if p.Type == "object" && len(p.Properties) > 0 {
				out = append(out, names(prefix+k+".", p)...)
			} else {
				out = append(out, prefix+k)
			}
		}
		return out
	}
	for _, tc := range []struct{ schema, path string }{
		{"Milestone", "/v1/milestones"}, {"Meeting", "/v1/meetings"}, {"Publication", "/v1/publications"}, {"Commitment", "/v1/commitments"},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			want := names("", resolve(schema{Ref: "#/components/schemas/" + tc.schema}))
			header, err := csv.NewReader(strings.NewReader(exGet(t, env, tc.path, "text/csv", "").Body)).Read()
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(header)
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("header: got %v; want %v", got, want)
			}
			if _, hasID := resolve(schema{Ref: "#/components/schemas/" + tc.schema}).Properties["id"]; hasID && header[0] != "id" {
				t.Errorf("header: got %v; want id first", header)
			}
		})
	}
}

func TestRobustExports(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	jsonCount := func(path string) int {
		res := e.Do(t, "GET", path, nil, apptest.Headers(e.Admin))
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
		nd := e.Do(t, "GET", tt.list+"?"+tt.filter, nil, apptest.Headers("", "Accept", "application/x-ndjson"))
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
		"/v1/evaluations/" + e.Evaluation + "/responses?format=csv&x=1", "/v1/commitments?format=csv&cycle=abc"} {
		apptest.CheckProblem(t, "GET "+p, e.Do(t, "GET", p, nil, apptest.Headers(e.Analyst)), 400)
	}
	apptest.CheckProblem(t, "raw responses anonymously", e.Do(t, "GET", "/v1/evaluations/"+e.Evaluation+"/responses?format=csv", nil, nil), 401)
	apptest.CheckProblem(t, "raw responses of a missing evaluation", e.Do(t, "GET", "/v1/evaluations/00000000-0000-0000-0000-000000000000/responses?format=ndjson", nil, apptest.Headers(e.Analyst)), 404)
}
