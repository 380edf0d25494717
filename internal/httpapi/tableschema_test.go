package httpapi

import (
	"context"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestSchemaColumnTypes: each contract type becomes its Table Schema type;
// dates and times are typed, other string formats stay strings, lists are
// text because the CSV joins them.
func TestSchemaColumnTypes(t *testing.T) {
	t.Parallel()
	str := func(format string) *openapi3.Schema { s := openapi3.NewStringSchema(); s.Format = format; return s }
	for _, tc := range []struct {
		name        string
		schema      *openapi3.Schema
		typ, format string
		enumeration int
	}{
		{"code", str(""), "string", "", 0},
		{"plannedEnd", str("date"), "date", "default", 0},
		{"startsAt", str("date-time"), "datetime", "default", 0},
		{"id", str("uuid"), "string", "uuid", 0},
		{"url", str("uri"), "string", "uri", 0},
		{"progress", openapi3.NewIntegerSchema(), "integer", "", 0},
		{"mean", openapi3.NewFloat64Schema(), "number", "", 0},
		{"overdue", openapi3.NewBoolSchema(), "boolean", "", 0},
		{"tags", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()), "string", "", 0},
		{"status", openapi3.NewStringSchema().WithEnum("held", "planned"), "string", "", 2},
		{"counts", &openapi3.Schema{Type: &openapi3.Types{"object"}}, "string", "", 0},
		{"untyped", nil, "string", "", 0},
	} {
		c := schemaColumn(tc.name, tc.schema)
		if c.typ != tc.typ || c.format != tc.format || len(c.enum) != tc.enumeration {
			t.Errorf("%s: got %s/%s with %d values; want %s/%s with %d", tc.name, c.typ, c.format, len(c.enum), tc.typ, tc.format, tc.enumeration)
		}
	}
}

// TestCSVOptionsOf reads bom and delimiter from the request's URL; without
// them, or without a request, the CSV is comma-separated without a BOM.
func TestCSVOptionsOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query string
		want  csvOptions
	}{
		{"", csvOptions{comma: ','}},
		{"bom=true", csvOptions{bom: true, comma: ','}},
		{"bom=false&delimiter=comma", csvOptions{comma: ','}},
		{"delimiter=semicolon", csvOptions{comma: ';'}},
		{"delimiter=tab&bom=true", csvOptions{bom: true, comma: '\t'}},
	} {
		ctx := context.WithValue(context.Background(), requestURLKey{}, &url.URL{Path: "/v1/milestones", RawQuery: tc.query})
		if got := csvOptionsOf(ctx); got != tc.want {
			t.Errorf("%q: got %+v; want %+v", tc.query, got, tc.want)
		}
	}
	if got := csvOptionsOf(context.Background()); got != (csvOptions{comma: ','}) {
		t.Errorf("no request: got %+v; want commas without a BOM", got)
	}
}

// TestTableNames: a schema's table name is its kebab-case name, the one
// the schema documents' path takes.
func TestTableNames(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Meeting": "meeting", "AuditEvent": "audit-event", "Commitment": "commitment"} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q): got %q; want %q", in, got, want)
		}
	}
	for name, schema := range contractTables {
		if got := kebab(schema); got != name {
			t.Errorf("table %s: schema %s is named %q", name, schema, got)
		}
	}
}
