package httpapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// Table Schemas (https://specs.frictionlessdata.io/table-schema/) tell a
// spreadsheet or notebook the type of each export column, so that a code
// such as milestone "3.10" stays text and dates parse. They come from the
// same table as the CSV header.

// tableSchemaType is the media type of a schema document and of the Link to it.
const tableSchemaType = "application/schema+json"

// column is one column of an export with its Table Schema type.
type column struct {
	name, typ, format, description string
	enum                           []string
}

// table is an export's columns and the name of its schema document.
type table struct {
	name  string     // the {table} of /table-schemas/{table}
	query url.Values // what else the document needs (an evaluation's id)
	cols  []column
}

// names are the CSV header.
func (t table) names() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

// link is the RFC 8288 link from an export to its schema document.
func (t table) link() string {
	u := basePath + "/table-schemas/" + t.name
	if len(t.query) > 0 {
		u += "?" + t.query.Encode()
	}
	return "<" + u + `>; rel="describedby"; type="` + tableSchemaType + `"`
}

// schemaColumn types one leaf of a contract schema: arrays are written as
// text ("a; b", or JSON), so they are strings too.
func schemaColumn(name string, s *openapi3.Schema) column {
	c := column{name: name, typ: "string"}
	if s == nil {
		return c
	}
	c.description = s.Description
	switch {
	case s.Type == nil:
	case s.Type.Is("integer"):
		c.typ = "integer"
	case s.Type.Is("number"):
		c.typ = "number"
	case s.Type.Is("boolean"):
		c.typ = "boolean"
	case s.Type.Is("string"):
		switch s.Format {
		case "date":
			c.typ, c.format = "date", "default"
		case "date-time":
			c.typ, c.format = "datetime", "default"
		case "uuid", "uri", "email":
			c.format = s.Format
		}
		for _, v := range s.Enum {
			if str, ok := v.(string); ok {
				c.enum = append(c.enum, str)
			}
		}
	case s.Type.Is("array"):
		note := " A JSON array in CSV."
		if s.Items != nil && s.Items.Value != nil && s.Items.Value.Type.Is("string") {
			note = " Several values are joined with \"; \" in CSV."
		}
		c.description = strings.TrimSpace(c.description + note)
	}
	return c
}

// kebab turns a schema name into a table name: AuditEvent is audit-event.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// responseTable is the table of an evaluation's pseudonymised responses:
// one column per question, typed by the question.
func responseTable(e evaluation.Evaluation) table {
	t := table{name: "evaluation-response", query: url.Values{"evaluation": {e.ID}}, cols: []column{
		{name: "respondent", typ: "string", description: "A pseudonym, the same for a respondent throughout this evaluation."},
		{name: "submittedAt", typ: "datetime", format: "default", description: "When the response was last submitted."},
	}}
	for _, q := range e.Questions {
		c := column{name: "answers." + q.Key, typ: "string", description: q.Text}
		switch q.Type {
		case evaluation.Scale:
			c.typ = "integer"
		case evaluation.Number:
			c.typ = "number"
		case evaluation.SingleChoice:
			c.enum = q.Options
		case evaluation.MultipleChoice:
			c.description = strings.TrimSpace(c.description + " Several values are joined with \"; \" in CSV.")
		}
		t.cols = append(t.cols, c)
	}
	return t
}

// resultColumns are the columns of an evaluation's results: a row per
// question and value.
var resultColumns = table{name: "evaluation-result", cols: []column{
	{name: "question", typ: "string", description: "The question's key."},
	{name: "type", typ: "string", description: "The question's type.", enum: []string{
		string(evaluation.Scale), string(evaluation.SingleChoice), string(evaluation.MultipleChoice), string(evaluation.Text), string(evaluation.Number)}},
	{name: "text", typ: "string", description: "The question."},
	{name: "count", typ: "integer", description: "How many answered it."},
	{name: "suppressed", typ: "boolean", description: "Whether the values are withheld because too few answered."},
	{name: "value", typ: "string", description: "A value (an option or a scale point); empty for a question without a distribution."},
	{name: "valueCount", typ: "integer", description: "How many gave the value."},
	{name: "mean", typ: "number", description: "The mean of a scale or number question."},
	{name: "median", typ: "number", description: "The median of a scale or number question."},
}}

// contractTables are the exports whose columns are a contract schema's.
var contractTables = map[string]string{
	"audit-event": "AuditEvent", "commitment": "Commitment", "meeting": "Meeting", "milestone": "Milestone", "publication": "Publication",
}

// csvOptions are a CSV export's byte order mark and delimiter.
type csvOptions struct {
	bom   bool
	comma rune
}

const utf8BOM = "\uFEFF"

// csvOptionsOf reads the bom and delimiter parameters of the request in
// ctx; the contract has checked their values.
func csvOptionsOf(ctx context.Context) csvOptions {
	opts := csvOptions{comma: ','}
	u, _ := ctx.Value(requestURLKey{}).(*url.URL)
	if u == nil {
		return opts
	}
	q := u.Query()
	opts.bom, _ = strconv.ParseBool(q.Get("bom")) // the contract admits what ParseBool reads
	switch q.Get("delimiter") {
	case "semicolon":
		opts.comma = ';'
	case "tab":
		opts.comma = '\t'
	}
	return opts
}

// GetTableSchema serves GET /table-schemas/{table}.
func (s *Server) GetTableSchema(ctx context.Context, req api.GetTableSchemaRequestObject) (api.GetTableSchemaResponseObject, error) {
	var evaluationID string
	if req.Params.Evaluation != nil {
		evaluationID = req.Params.Evaluation.String()
	}
	t, err := s.table(ctx, string(req.Table), evaluationID)
	if err != nil {
		return nil, err
	}
	body := toAPITableSchema(t)
	if acceptsOnlyJSON(ctx) {
		return api.GetTableSchema200JSONResponse{Body: body}, nil
	}
	return api.GetTableSchema200ApplicationSchemaPlusJSONResponse{Body: body}, nil
}

// table is the export table of a schema document.
func (s *Server) table(ctx context.Context, name, evaluationID string) (table, error) {
	if name == "evaluation-response" {
		if evaluationID == "" {
			return table{}, (domain.Problems{{Name: "evaluation", Reason: "give the evaluation whose responses the schema describes"}}).Err()
		}
		e, err := s.evaluations.Get(ctx, evaluationID)
		if err != nil {
			return table{}, err
		}
		return responseTable(e), nil
	}
	if evaluationID != "" {
		return table{}, (domain.Problems{{Name: "evaluation", Reason: "only the evaluation-response table takes an evaluation"}}).Err()
	}
	if name == resultColumns.name {
		return resultColumns, nil
	}
	schema, ok := contractTables[name]
	if !ok {
		return table{}, domain.Errorf(domain.CodeNotFound, "no table %q", name)
	}
	return s.contract.columns(schema), nil
}

// acceptsOnlyJSON reports whether the request asks for application/json and
// not the schema's own media type.
func acceptsOnlyJSON(ctx context.Context) bool {
	accept, _ := ctx.Value(acceptKey{}).(string)
	return strings.Contains(accept, "application/json") && !acceptable(accept, []string{tableSchemaType})
}

func toAPITableSchema(t table) api.TableSchema {
	out := api.TableSchema{Title: ptr("Columns of the " + t.name + " export"), MissingValues: []string{""},
		Fields: make([]api.TableSchemaField, len(t.cols))}
	for i, c := range t.cols {
		f := api.TableSchemaField{Name: c.name, Type: c.typ}
		if c.format != "" {
			f.Format = ptr(c.format)
		}
		if c.description != "" {
			f.Description = ptr(c.description)
		}
		if len(c.enum) > 0 {
			f.Constraints = &api.TableSchemaConstraints{Enum: ptr(c.enum)}
		}
		out.Fields[i] = f
		if c.name == "id" {
			out.PrimaryKey = ptr("id")
		}
	}
	return out
}
