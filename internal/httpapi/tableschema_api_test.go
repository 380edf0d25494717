package httpapi_test

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// tsDescribedBy is the schema link of an export response.
var tsDescribedBy = regexp.MustCompile(`<([^>]+)>; rel="describedby"; type="application/schema\+json"`)

// tsSchemaOf follows an export's Link rel="describedby" to its Table Schema.
func tsSchemaOf(t *testing.T, env *apptest.Env, res apptest.Response) (string, api.TableSchema) {
	t.Helper()
	var link string
	for _, l := range res.Header.Values("Link") {
		if m := tsDescribedBy.FindStringSubmatch(l); m != nil {
			link = m[1]
		}
	}
	if link == "" {
		t.Fatalf("Link: got %q; want a describedby link to the table schema", res.Header.Values("Link"))
	}
	sres := env.Do(t, http.MethodGet, link, nil, nil)
	if sres.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d: %s", link, sres.StatusCode, sres.Body)
	}
	if ct := sres.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/schema+json") {
		t.Errorf("GET %s: Content-Type %q; want application/schema+json", link, ct)
	}
	var s api.TableSchema
	sres.JSON(t, &s)
	if !slices.Equal(s.MissingValues, []string{""}) {
		t.Errorf("%s: missingValues %q; want [\"\"]", link, s.MissingValues)
	}
	return link, s
}

// tsApply reads CSV records with the schema's types, as a spreadsheet or
// notebook applying it would: a cell its type cannot read fails the test.
func tsApply(t *testing.T, label string, s api.TableSchema, records [][]string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rec := range records[1:] {
		row := map[string]any{}
		for i, f := range s.Fields {
			cell := rec[i]
			if cell == "" { // missingValues
				row[f.Name] = nil
				continue
			}
			var v any
			var err error
			switch f.Type {
			case "string":
				v = cell
			case "integer":
				v, err = strconv.ParseInt(cell, 10, 64)
			case "number":
				v, err = strconv.ParseFloat(cell, 64)
			case "boolean":
				v, err = strconv.ParseBool(cell)
			case "date":
				v, err = time.Parse(time.DateOnly, cell)
			case "datetime":
				v, err = time.Parse(time.RFC3339, cell)
			default:
				t.Fatalf("%s: column %s has type %q; want one of the Table Schema types the exports use", label, f.Name, f.Type)
			}
			if err != nil {
				t.Errorf("%s: column %s (%s) cannot read %q: %v", label, f.Name, f.Type, cell, err)
			}
			row[f.Name] = v
		}
		out = append(out, row)
	}
	return out
}

// TestExportTableSchemas: every CSV and NDJSON export links a Table Schema
// that describes each of its columns, in order, with a type that reads every
// value the export holds; codes are text, dates and times are typed.
func TestExportTableSchemas(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	var evs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	env.Do(t, http.MethodGet, "/v1/evaluations?status=closed", nil, apptest.Bearer(admin)).JSON(t, &evs)
	if len(evs.Items) == 0 {
		t.Fatal("demo: got no closed evaluation; want one")
	}
	ev := "/v1/evaluations/" + evs.Items[0].ID
	for _, tc := range []struct {
		path  string
		table string
		want  map[string]string // some columns and their types
	}{
		{"/v1/milestones", "milestone", map[string]string{"id": "string", "code": "string", "plannedEnd": "date", "progress": "integer",
			"overdue": "boolean", "status": "string"}},
		{"/v1/commitments/NL0037/milestones", "milestone", map[string]string{"code": "string"}},
		{"/v1/commitments", "commitment", map[string]string{"code": "string", "cycle": "integer", "policyAreas": "string"}},
		{"/v1/meetings", "meeting", map[string]string{"id": "string", "startsAt": "datetime", "endsAt": "datetime", "venue.name": "string"}},
		{"/v1/publications", "publication", map[string]string{"publishedOn": "date", "url": "string"}},
		{"/v1/audit-events", "audit-event", map[string]string{"id": "string"}},
		{ev + "/responses", "evaluation-response", map[string]string{"respondent": "string", "submittedAt": "datetime"}},
		{ev + "/results", "evaluation-result", map[string]string{"question": "string", "count": "integer", "suppressed": "boolean", "mean": "number"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			res := env.Do(t, http.MethodGet, tc.path+"?format=csv", nil, apptest.Bearer(admin))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: got %d: %s", tc.path, res.StatusCode, res.Body)
			}
			link, schema := tsSchemaOf(t, env, res)
			if !strings.HasPrefix(link, "/v1/table-schemas/"+tc.table) {
				t.Errorf("link: got %s; want the %s table", link, tc.table)
			}
			records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) < 2 {
				t.Fatalf("got %d records; want a header and rows for the test to mean something", len(records))
			}
			var names []string
			types := map[string]string{}
			for _, f := range schema.Fields {
				names = append(names, f.Name)
				types[f.Name] = f.Type
			}
			if !slices.Equal(records[0], names) {
				t.Fatalf("fields: got %q; want the CSV header %q", names, records[0])
			}
			for col, want := range tc.want {
				if got := types[col]; got != want {
					t.Errorf("column %s: got type %q; want %q", col, got, want)
				}
			}
			tsApply(t, tc.path, schema, records)

			nd := env.Do(t, http.MethodGet, tc.path+"?format=ndjson", nil, apptest.Bearer(admin))
			if nlink, _ := tsSchemaOf(t, env, nd); nlink != link {
				t.Errorf("NDJSON link: got %s; want the CSV's %s", nlink, link)
			}
		})
	}
}

// TestExportSchemaKeepsCodesText: read with its schema, the demo's milestone
// 3.10 stays "3.10" (a number type would make it 3.1), and its planned end
// is a date.
func TestExportSchemaKeepsCodesText(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	res := exGet(t, env, "/v1/milestones?commitment=NL0037", "text/csv", "")
	_, schema := tsSchemaOf(t, env, res)
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var codes []any
	for _, row := range tsApply(t, "milestones", schema, records) {
		codes = append(codes, row["code"])
		if row["code"] == "3.10" {
			if _, ok := row["plannedEnd"].(time.Time); !ok {
				t.Errorf("3.10's plannedEnd: got %T %v; want a date", row["plannedEnd"], row["plannedEnd"])
			}
		}
	}
	if !slices.Contains(codes, any("3.10")) || !slices.Contains(codes, any("3.1")) {
		t.Errorf("codes: got %v; want both \"3.1\" and \"3.10\", as text", codes)
	}
}

// TestExportCSVOptions: bom=true starts the CSV with a UTF-8 byte order
// mark; delimiter=semicolon or tab separates the same fields, quoted where
// they hold the delimiter; the defaults are unchanged; NDJSON ignores both.
func TestExportCSVOptions(t *testing.T) {
	t.Parallel()
	env, _ := exStart(t)
	read := func(t *testing.T, body string, comma rune) [][]string {
		t.Helper()
		r := csv.NewReader(strings.NewReader(body))
		r.Comma = comma
		records, err := r.ReadAll()
		if err != nil {
			t.Fatalf("parse with %q: %v", comma, err)
		}
		return records
	}
	for _, path := range []string{"/v1/publications", "/v1/commitments", "/v1/milestones", "/v1/meetings"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			plain := exGet(t, env, path+"?format=csv", "", "")
			if strings.HasPrefix(plain.Body, "\uFEFF") {
				t.Errorf("default: got a byte order mark; want none")
			}
			want := read(t, plain.Body, ',')
			for _, tc := range []struct {
				query string
				comma rune
				bom   bool
			}{
				{"delimiter=comma", ',', false},
				{"bom=false", ',', false},
				{"bom=true", ',', true},
				{"delimiter=semicolon", ';', false},
				{"delimiter=semicolon&bom=true", ';', true},
				{"delimiter=tab", '\t', false},
			} {
				res := exGet(t, env, path+"?format=csv&"+tc.query, "", "")
				body, hasBOM := strings.CutPrefix(res.Body, "\uFEFF")
				if hasBOM != tc.bom {
					t.Errorf("%s: byte order mark %v; want %v", tc.query, hasBOM, tc.bom)
				}
				got := read(t, body, tc.comma)
				if !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("%s: records differ from the comma-separated export", tc.query)
				}
				first, _, _ := strings.Cut(body, "\n")
				if tc.comma != ',' && strings.Contains(first, ",") {
					t.Errorf("%s: header %q still separated by commas", tc.query, first)
				}
			}
		})
	}
	// A field holding a semicolon ("a; b" lists) is quoted in a semicolon file.
	res := exGet(t, env, "/v1/publications?format=csv&delimiter=semicolon", "", "")
	if !strings.Contains(res.Body, `"open data; `) && !strings.Contains(res.Body, `; open data"`) {
		t.Errorf("semicolon CSV: got no quoted topics list; want \"…; open data\" quoted:\n%s", apptest.Short(res.Body))
	}
	nd := exGet(t, env, "/v1/publications?format=ndjson&bom=true&delimiter=semicolon", "", "")
	sc := bufio.NewScanner(strings.NewReader(nd.Body))
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("NDJSON with CSV options: line %q: %v", sc.Text(), err)
		}
	}
	for _, q := range []string{"delimiter=pipe", "bom=yes"} {
		res := env.Do(t, http.MethodGet, "/v1/publications?format=csv&"+q, nil, nil)
		apptest.CheckProblem(t, q, res, http.StatusBadRequest)
	}
}

// TestTableSchemaDocuments: the schema documents are public; the
// evaluation-response table needs its evaluation and types its answers by
// question; unknown tables and stray parameters are 400, an unknown
// evaluation 404; Accept: application/json gets JSON.
func TestTableSchemaDocuments(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/v1/table-schemas/meeting", http.StatusOK},
		{"/v1/table-schemas/evaluation-result", http.StatusOK},
		{"/v1/table-schemas/evaluation-response?evaluation=" + f.Evaluation, http.StatusOK},
		{"/v1/table-schemas/evaluation-response", http.StatusBadRequest},
		{"/v1/table-schemas/meeting?evaluation=" + f.Evaluation, http.StatusBadRequest},
		{"/v1/table-schemas/person", http.StatusBadRequest},
		{"/v1/table-schemas/evaluation-response?evaluation=0190d3e0-0000-7000-8000-000000000001", http.StatusNotFound},
	} {
		res := f.Do(t, http.MethodGet, tc.path, nil, nil)
		if res.StatusCode != tc.want {
			t.Errorf("GET %s: got %d; want %d: %s", tc.path, res.StatusCode, tc.want, apptest.Short(res.Body))
		}
	}
	var s api.TableSchema
	res := f.Do(t, http.MethodGet, "/v1/table-schemas/evaluation-response?evaluation="+f.Evaluation, nil, nil)
	res.JSON(t, &s)
	var e api.Evaluation
	f.Do(t, http.MethodGet, "/v1/evaluations/"+f.Evaluation, nil, apptest.Bearer(f.Admin)).JSON(t, &e)
	if len(s.Fields) != 2+len(e.Questions) {
		t.Fatalf("fields: got %d; want respondent, submittedAt and one per question (%d)", len(s.Fields), len(e.Questions))
	}
	wantType := map[api.QuestionType]string{api.Scale: "integer", api.Number: "number", api.Text: "string",
		api.SingleChoice: "string", api.MultipleChoice: "string"}
	for i, q := range e.Questions {
		if got := s.Fields[2+i]; got.Name != "answers."+q.Key || got.Type != wantType[q.Type] {
			t.Errorf("question %s (%s): got field %s %s; want answers.%s %s", q.Key, q.Type, got.Name, got.Type, q.Key, wantType[q.Type])
		}
	}
	res = f.Do(t, http.MethodGet, "/v1/table-schemas/milestone", nil, map[string]string{"Accept": "application/json"})
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Accept: application/json: got %d %q; want 200 application/json", res.StatusCode, ct)
	}
}
