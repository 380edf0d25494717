package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

// TestExportNeutralise: a cell a spreadsheet would run as a formula gets a quote
// in front (OWASP CSV injection); anything else is left alone.
func TestExportNeutralise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+31 10 123 4567", "'+31 10 123 4567"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"=", "'="},
		{"", ""},
		{"Open by design", "Open by design"},
		{"a=b", "a=b"},
		{"1+1", "1+1"},
		{"3.3", "3.3"},
		{"Café über Straße", "Café über Straße"},
		{"'=already quoted", "'=already quoted"},
	} {
		if got := neutralise(tc.in); got != tc.want {
			t.Errorf("neutralise(%q): got %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestExportCSVRow flattens one object into the columns: nested objects as dotted
// names, absent values empty, formulas neutralised in every column.
func TestExportCSVRow(t *testing.T) {
	v := map[string]any{
		"id":       "0190d3e0-0000-7000-8000-000000000001",
		"title":    "=HYPERLINK(\"http://evil\")",
		"count":    8,
		"share":    0.25,
		"overdue":  false,
		"missing":  nil,
		"target":   map[string]any{"count": 2, "unit": "@editions"},
		"lead":     map[string]any{"name": "Schiedam", "organisation": map[string]any{"code": "GM0606"}},
		"areas":    []string{"Capacity Building", "Subnational"},
		"formulas": []string{"-x"},
		"items":    []map[string]any{{"kind": "meeting", "title": "=1"}},
		"empty":    []string{},
	}
	cols := []string{"id", "areas", "count", "empty", "formulas", "items", "lead.name", "lead.organisation.code", "missing",
		"nowhere", "overdue", "share", "target.count", "target.unit", "title"}
	row, err := csvRow(v, cols)
	if err != nil {
		t.Fatal(err)
	}
	if len(row) != len(cols) {
		t.Fatalf("got %d cells; want %d", len(row), len(cols))
	}
	cell := map[string]string{}
	for i, c := range cols {
		cell[c] = row[i]
	}
	for col, want := range map[string]string{
		"id": "0190d3e0-0000-7000-8000-000000000001", "count": "8", "share": "0.25", "overdue": "false", "missing": "",
		"nowhere": "", "target.count": "2", "target.unit": "'@editions", "lead.name": "Schiedam",
		"lead.organisation.code": "GM0606", "title": `'=HYPERLINK("http://evil")`,
	} {
		if cell[col] != want {
			t.Errorf("%s: got %q; want %q", col, cell[col], want)
		}
	}
	if got := strings.Split(cell["areas"], "; "); !slices.Equal(got, []string{"Capacity Building", "Subnational"}) {
		t.Errorf("areas: got %q; want both policy areas in one cell", cell["areas"])
	}
	if strings.TrimSpace(strings.Trim(cell["empty"], "[]")) != "" {
		t.Errorf("empty list: got %q; want nothing in it", cell["empty"])
	}
	if !strings.HasPrefix(cell["formulas"], "'") {
		t.Errorf("a list starting with a formula: got %q; want it neutralised", cell["formulas"])
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(cell["items"]), &items); err != nil || len(items) != 1 || items[0]["title"] != "=1" {
		t.Errorf("items: got %q; want the list as JSON (%v)", cell["items"], err)
	}
}

// TestExportNegotiate: the format parameter wins; otherwise the Accept header with
// its weights; otherwise JSON.
func TestExportNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept  string
		formats []string
		want    string
	}{
		{"", nil, formatJSON},
		{"application/json", nil, formatJSON},
		{"*/*", nil, formatJSON},
		{"text/csv", nil, formatCSV},
		{"TEXT/CSV", nil, formatCSV},
		{"text/csv; charset=utf-8; header=present", nil, formatCSV},
		{"application/x-ndjson", nil, formatNDJSON},
		{"text/csv;q=0.5, application/json", nil, formatJSON},
		{"application/json;q=0.5, text/csv", nil, formatCSV},
		{"application/json;q=0.4, application/x-ndjson;q=0.6, text/csv;q=0.5", nil, formatNDJSON},
		{"text/html, text/csv;q=0.1", nil, formatCSV},
		{"text/csv;q=0, application/json;q=0.1", nil, formatJSON},
		{"not a media type, text/csv", nil, formatCSV},
		{"text/*", nil, formatCSV},
		{"text/csv", []string{"json"}, formatJSON},
		{"application/json", []string{"csv"}, formatCSV},
		{"", []string{"ndjson"}, formatNDJSON},
		{"", []string{"conference", "csv"}, formatCSV},
		{"", []string{"conference"}, formatJSON},
		{"text/csv", []string{"conference"}, formatCSV},
	} {
		if got := negotiate(tc.accept, tc.formats); got != tc.want {
			t.Errorf("negotiate(%q, %q): got %s; want %s", tc.accept, tc.formats, got, tc.want)
		}
	}
}

// TestExportSchemaColumns: id first, then alphabetical; nested objects, also by
// reference, as dotted names; arrays and maps as one column.
func TestExportSchemaColumns(t *testing.T) {
	obj := func(props openapi3.Schemas) *openapi3.Schema {
		return &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: props}
	}
	str := openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	org := openapi3.NewSchemaRef("#/components/schemas/Org", obj(openapi3.Schemas{"name": str, "id": str, "code": str}))
	s := obj(openapi3.Schemas{
		"title":  str,
		"id":     str,
		"lead":   openapi3.NewSchemaRef("", obj(openapi3.Schemas{"name": str, "organisation": org})),
		"areas":  openapi3.NewSchemaRef("", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())),
		"counts": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"object"}}),
		"code":   str,
	})
	want := []string{"id", "areas", "code", "counts", "lead.name", "lead.organisation.id", "lead.organisation.code", "lead.organisation.name", "title"}
	if got := (table{cols: schemaColumns(s, "")}).names(); !slices.Equal(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

// flattenForTest is how the test reads a JSON document as CSV columns:
// nested objects by dotted name; any other value under its own name.
func flattenForTest(prefix string, v any, out map[string]any) {
	if obj, ok := v.(map[string]any); ok && len(obj) > 0 {
		for k, x := range obj {
			flattenForTest(prefix+k+".", x, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = v
}

// TestExportEveryJSONFieldHasAColumn: for each exported list, a fully filled
// record loses no field on its way into CSV.
func TestExportEveryJSONFieldHasAColumn(t *testing.T) {
	doc, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	ct := newContract(doc.spec, basePath)
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	day := time.Date(2019, 6, 20, 0, 0, 0, 0, time.UTC)
	id := "0190d3e0-0000-7000-8000-000000000001"
	org := organisation.Ref{ID: id, Code: "GM0606", Name: "Schiedam"}
	verifiable, starred := true, false
	ms, err := toAPIMilestone(milestone.Milestone{ID: id, Commitment: "NL0037", Code: "3.5", Title: "Magazine", VerifiableResult: "Two editions",
		PlannedStart: day, PlannedEnd: day, ActualStart: day, ActualEnd: day, Target: &milestone.Target{Count: 2, Unit: "editions"},
		Rule: milestone.RuleMagazineEditions, Progress: 50, Status: milestone.StatusInProgress, Completion: milestone.CompletionSubstantial,
		Evidence: &milestone.Evidence{Rule: milestone.RuleMagazineEditions, Items: []milestone.EvidenceItem{{Kind: "publication", ID: id, Title: "One", On: day}}},
		Version:  2, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := toAPICommitment(milestone.Commitment{Code: "NL0037", Title: "Pioneering", Cycle: 2018, ActionPlan: "2018-2020",
		PolicyAreas: []string{"Subnational"}, Lead: &milestone.Institution{Name: "Schiedam", Organisation: &organisation.Ref{ID: id, Code: "GM0606", Name: "Schiedam"}},
		Support: []milestone.Institution{{Name: "Utrecht"}}, Status: "active", MilestoneCount: 5, Version: 1, CreatedAt: now, UpdatedAt: now,
		Details: milestone.Details{StartDate: day, EndDate: day, MilestonePeriod: milestone.MonthSpan{From: "2018-01", Until: "2020-06"},
			Description: milestone.Description{SocialIssue: "s", Action: "a", Contribution: "c", Relevance: "r"},
			IRM: milestone.Assessment{Report: "Design Report", Verifiable: &verifiable, OGPValues: []milestone.OGPValue{milestone.ValueAccessToInformation},
				PotentialImpact: milestone.ImpactMinor, Starred: &starred, DesignNote: "n", Completion: milestone.CompletionLimited,
				EarlyResults: milestone.ResultsMarginal, ImplementationNote: "i", Recommendations: []milestone.Recommendation{{Text: "Link", Related: []string{"NL0001"}}}},
			Related: []milestone.CommitmentRef{{Code: "NL0001", Title: "Open data"}}}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := toAPIPublication(publication.Publication{ID: id, Kind: publication.KindMagazineEdition, Title: "One", URL: "https://example.org/1",
		PublishedOn: day, Summary: "s", Language: "nl", Licence: "CC-BY-4.0", Meetings: []string{id}, Topics: []string{"t"}, Version: 1, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	mt, err := toAPIMeeting(meeting.Meeting{ID: id, Sequence: 1, Title: "Open by design", Topic: "t", Description: "d", Tags: []string{"a"},
		Format: meeting.FormatKnowledgeSession, Details: &meeting.Details{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: "An Expert", Affiliation: "Uni"}}},
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: meeting.TimeZone, Venue: &meeting.Venue{Name: "Stadhuis", Address: "Stadserf 1", City: "Schiedam", Host: org},
		OnlineURL: "https://example.org/live", GuestChair: &org, Capacity: 50, Status: meeting.StatusHeld,
		Report:  &meeting.Report{PublicationID: id, URL: "https://example.org/r", PublishedOn: day, Summary: "s", Language: "nl", Licence: "CC0", CreatedAt: now, UpdatedAt: now},
		Version: 3, CreatedAt: now, UpdatedAt: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		v      any
	}{
		{"Milestone", ms},
		{"Commitment", cm},
		{"Publication", pub},
		{"Meeting", mt},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			cols := ct.columns(tc.schema).names()
			if len(cols) == 0 || cols[0] != "id" && tc.schema != "Commitment" {
				t.Fatalf("columns: got %v; want id first", cols)
			}
			data, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			var obj map[string]any
			if err := json.Unmarshal(data, &obj); err != nil {
				t.Fatal(err)
			}
			flat := map[string]any{}
			flattenForTest("", obj, flat)
			row, err := csvRow(tc.v, cols)
			if err != nil {
				t.Fatal(err)
			}
			cell := map[string]string{}
			for i, c := range cols {
				cell[c] = row[i]
			}
			for key, value := range flat {
				got, ok := cell[key]
				if !ok {
					t.Errorf("JSON field %s (%v) has no CSV column; columns are %v", key, value, cols)
					continue
				}
				if got == "" && value != nil && value != "" {
					t.Errorf("JSON field %s is %v; its CSV cell is empty", key, value)
				}
			}
		})
	}
}

// TestExportStreamCSV: the rows come out as RFC 4180 CSV behind a header row, in
// order, and a producer's error ends the stream with that error.
func TestExportStreamCSV(t *testing.T) {
	cols := []string{"id", "title"}
	rows := []map[string]any{
		{"id": "1", "title": "plain"},
		{"id": "2", "title": "with, comma and \"quotes\"\nand a new line"},
		{"id": "3", "title": "Café über"},
	}
	boom := errors.New("database gone")
	r, err := stream(context.Background(), formatCSV, textTable(cols...), apiRows(func(emit func(any) error) error {
		for _, row := range rows {
			if err := emit(row); err != nil {
				return err
			}
		}
		return boom
	}))
	if err != nil {
		t.Fatalf("stream: %v; want the error only after the rows", err)
	}
	data, err := io.ReadAll(r)
	if !errors.Is(err, boom) {
		t.Errorf("read: got error %v; want the producer's", err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("parse %q: %v", data, err)
	}
	want := [][]string{{"id", "title"}, {"1", "plain"}, {"2", "with, comma and \"quotes\"\nand a new line"}, {"3", "Café über"}}
	if len(records) != len(want) {
		t.Fatalf("got %d records; want %d: %q", len(records), len(want), records)
	}
	for i := range want {
		if !slices.Equal(records[i], want[i]) {
			t.Errorf("record %d: got %q; want %q", i, records[i], want[i])
		}
	}
	if !bytes.Contains(data, []byte(`"with, comma and ""quotes""`)) {
		t.Errorf("quoting: got %q; want RFC 4180 doubled quotes", data)
	}
}

// TestExportStreamNDJSON: one JSON document per line.
func TestExportStreamNDJSON(t *testing.T) {
	r, err := stream(context.Background(), formatNDJSON, table{}, apiRows(func(emit func(any) error) error {
		for i := range 3 {
			if err := emit(map[string]any{"n": i, "title": "=x"}); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines; want 3: %q", len(lines), data)
	}
	for i, l := range lines {
		var v struct {
			N     int    `json:"n"`
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.N != i || v.Title != "=x" {
			t.Errorf("line %d: got %q (%v); want n=%d and the title unchanged", i, l, err, i)
		}
	}
}

// TestExportStreamStopsWhenTheClientGoes: the producer runs only as fast as the
// reader reads, and stops once the request's context ends.
func TestExportStreamStopsWhenTheClientGoes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	emitted := 0
	done := make(chan error, 1)
	r, err := stream(ctx, formatCSV, textTable("n"), apiRows(func(emit func(any) error) error {
		for {
			if err := emit(map[string]any{"n": emitted}); err != nil {
				done <- err
				return err
			}
			emitted++
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("producer: got no error; want one once the client went")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the producer kept going after the context ended")
	}
	// The export buffers exportBufferSize bytes and a row is at least two,
	// so a producer that is held back by the reader cannot have written
	// more rows than half that.
	if limit := exportBufferSize / 2; emitted > limit {
		t.Errorf("producer emitted %d rows for 64 bytes read; want it held back by the pipe (at most %d)", emitted, limit)
	}
}

// TestExportStreamErrorBeforeTheFirstRow: a producer that fails before any
// row is sent gives its error to the caller, who can still answer with a
// problem instead of an empty 200.
func TestExportStreamErrorBeforeTheFirstRow(t *testing.T) {
	bad := errors.New("invalid asOf")
	for _, format := range []string{formatCSV, formatNDJSON} {
		r, err := stream(context.Background(), format, textTable("n"), apiRows(func(func(any) error) error { return bad }))
		if !errors.Is(err, bad) || r != nil {
			t.Errorf("%s: got %v, %v; want no reader and the producer's error", format, r, err)
		}
	}
	r, err := stream(context.Background(), formatCSV, textTable("a", "b"), apiRows(func(func(any) error) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r)
	if string(data) != "a,b\n" {
		t.Errorf("empty CSV: got %q; want just the header row", data)
	}
}

func TestNeutraliseLeavesNumbers(t *testing.T) {
	for in, want := range map[string]string{"-2.5": "-2.5", "-5": "-5", "+31": "+31", "-5 days": "'-5 days", "=1+1": "'=1+1", "@home": "'@home"} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q): got %q; want %q", in, got, want)
		}
	}
}

// TestMappersRefuseIDsThatAreNoUUID: a stored id that is no UUID fails the
// mapping (an internal error), wherever it stands, and never becomes the zero
// UUID in a response or an export row.
func TestMappersRefuseIDsThatAreNoUUID(t *testing.T) {
	const good, bad = "0190d3e0-0000-7000-8000-000000000001", "GM0606"
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		mapp func(id string) error
	}{
		{"milestone id", func(id string) error { _, err := toAPIMilestone(milestone.Milestone{ID: id}); return err }},
		{"evidence item", func(id string) error {
			_, err := toAPIMilestone(milestone.Milestone{ID: good, Evidence: &milestone.Evidence{Items: []milestone.EvidenceItem{{ID: id}}}})
			return err
		}},
		{"lead institution", func(id string) error {
			_, err := toAPICommitment(milestone.Commitment{Lead: &milestone.Institution{Organisation: &organisation.Ref{ID: id}}})
			return err
		}},
		{"publication meeting", func(id string) error {
			_, err := toAPIPublication(publication.Publication{ID: good, Meetings: []string{good, id}})
			return err
		}},
		{"meeting guest chair", func(id string) error {
			_, err := toAPIMeeting(meeting.Meeting{ID: good, GuestChair: &organisation.Ref{ID: id}}, now)
			return err
		}},
		{"registration person", func(id string) error {
			_, err := toAPIRegistration(meeting.Registration{ID: good, MeetingID: good, PersonID: id})
			return err
		}},
	} {
		if err := tt.mapp(good); err != nil {
			t.Errorf("%s %s: got %v; want no error", tt.name, good, err)
		}
		if err := tt.mapp(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s %s: got error %v; want one naming the id", tt.name, bad, err)
		}
	}
}

// textTable is a table of untyped columns.
func textTable(names ...string) table {
	t := table{name: "test"}
	for _, n := range names {
		t.cols = append(t.cols, column{name: n, typ: "string"})
	}
	return t
}

// TestStreamDeadlinesAbortsACutExport: an export that fails after its status
// line went out ends the connection without the last chunk, so that the
// client sees it cut short; one that fails before still gets its error.
func TestStreamDeadlinesAbortsACutExport(t *testing.T) {
	for _, c := range []struct {
		name      string
		write     bool
		wantPanic bool
	}{{"after the first rows", true, true}, {"before anything was sent", false, false}} {
		t.Run(c.name, func(t *testing.T) {
			e := echo.New()
			req := httptest.NewRequest(http.MethodGet, "/v1/meetings/export?format=csv", nil)
			ctx := e.NewContext(req, httptest.NewRecorder())
			boom := errors.New("database gone")
			h := streamDeadlines(slog.New(slog.DiscardHandler))(func(c echo.Context) error {
				c.Response().Header().Set("Content-Type", "text/csv")
				c.Response().WriteHeader(http.StatusOK)
				return boom
			})
			if !c.write {
				h = streamDeadlines(slog.New(slog.DiscardHandler))(func(echo.Context) error { return boom })
			}
			defer func() {
				v := recover()
				if got := v == http.ErrAbortHandler; got != c.wantPanic {
					t.Errorf("panic: got %v; want ErrAbortHandler: %v", v, c.wantPanic)
				}
			}()
			if err := h(ctx); !errors.Is(err, boom) {
				t.Errorf("got %v; want the handler's error", err)
			}
		})
	}
}

// TestExportStreamFirstRowLargerThanTheBuffer: a first row that does not fit
// the export's buffer goes into the pipe before anybody reads it; stream
// must hand the body over first, not wait for that write.
func TestExportStreamFirstRowLargerThanTheBuffer(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3*exportBufferSize)
	for _, format := range []string{formatCSV, formatNDJSON} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			got := make(chan error, 1)
			go func() {
				r, err := stream(context.Background(), format, textTable("title"), apiRows(func(emit func(any) error) error {
					return emit(map[string]any{"title": long})
				}))
				if err == nil {
					var data []byte
					if data, err = io.ReadAll(r); err == nil && !bytes.Contains(data, []byte(long)) {
						err = fmt.Errorf("got %d bytes without the row", len(data))
					}
				}
				got <- err
			}()
			select {
			case err := <-got:
				if err != nil {
					t.Errorf("a first row of %d bytes: %v; want it streamed", len(long), err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("a first row of %d bytes: stream still waiting after 30s; want the body handed over", len(long))
			}
		})
	}
}

// TestExportStreamPanicEndsTheExport: a panic while an export's rows are
// read or encoded runs on no goroutine of the server's recover; it ends that
// export as an error does (before the first row: the error to answer; after
// it: the body cut short), with its stack kept for the log, and the process
// goes on.
func TestExportStreamPanicEndsTheExport(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		rows      int  // emitted before the panic
		inEncoder bool // the row itself makes the encoder panic
	}{
		{"reader, before the first row", 0, false},
		{"reader, after rows", 3, false},
		{"encoder, first row", 0, true},
		{"encoder, after rows", 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := stream(context.Background(), formatCSV, textTable("title"), apiRows(func(emit func(any) error) error {
				for range c.rows {
					if err := emit(map[string]any{"title": "a row"}); err != nil {
						return err
					}
				}
				if c.inEncoder {
					return emit(panickyValue{})
				}
				panic("reader bug")
			}))
			if err == nil {
				var body []byte
				body, err = io.ReadAll(r)
				if c.rows > 0 && !bytes.Contains(body, []byte("a row")) {
					t.Errorf("body %q: want the rows before the panic", body)
				}
			}
			var p *exportPanic
			if !errors.As(err, &p) || len(p.stack) == 0 {
				t.Fatalf("got %v; want the panic as an export error with its stack", err)
			}
		})
	}
}

// panickyValue panics when an export encodes it, as a bug in a mapping would.
type panickyValue struct{}

func (panickyValue) MarshalJSON() ([]byte, error) { panic("encoder bug") }

// TestStreamDeadlinesLogsACutExport: an export cut short after its status
// line is in the log (the error boundary no longer answers it), a panic with
// its stack; a client that went away is not an error of the server's.
func TestStreamDeadlinesLogsACutExport(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		err      error
		gone     bool
		wantLogs []string // in the log line; none: no line
	}{
		{"database error", errors.New("database gone"), false, []string{"export cut short", "database gone"}},
		{"panic", &exportPanic{value: "encoder bug", stack: []byte("goroutine 7 [running]")}, false, []string{"panic", "encoder bug", "goroutine 7"}},
		{"client gone", context.Canceled, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			req := httptest.NewRequest(http.MethodGet, "/v1/meetings/export?format=csv", nil)
			if c.gone {
				ctx, cancel := context.WithCancel(req.Context())
				cancel()
				req = req.WithContext(ctx)
			}
			ectx := echo.New().NewContext(req, httptest.NewRecorder())
			h := streamDeadlines(log)(func(c2 echo.Context) error {
				c2.Response().WriteHeader(http.StatusOK)
				return c.err
			})
			func() {
				defer func() { _ = recover() }() // the abort that cuts the response
				_ = h(ectx)
			}()
			got := logs.String()
			if len(c.wantLogs) == 0 && got != "" {
				t.Errorf("log: got %q; want nothing", got)
			}
			for _, want := range c.wantLogs {
				if !strings.Contains(got, want) {
					t.Errorf("log: got %q; want %q in it", got, want)
				}
			}
		})
	}
}
