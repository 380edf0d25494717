package httpapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// schemaProperties are the properties of s, allOf parts included.
func schemaProperties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	if s == nil {
		return out
	}
	for name, p := range s.Properties {
		out[name] = p.Value
	}
	for _, part := range s.AllOf {
		maps.Copy(out, schemaProperties(part.Value))
	}
	return out
}

// closedSchema tells whether s refuses properties it does not name.
func closedSchema(s *openapi3.Schema) bool {
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		return true
	}
	return slices.ContainsFunc(s.AllOf, func(r *openapi3.SchemaRef) bool { return closedSchema(r.Value) })
}

// bodySchema is the JSON schema of an operation's request body, or of its
// successful response's.
func bodySchema(op *openapi3.Operation, response bool) *openapi3.Schema {
	var content openapi3.Content
	if !response {
		if op.RequestBody == nil {
			return nil
		}
		content = op.RequestBody.Value.Content
	} else {
		for _, code := range []int{200, 201} {
			if r := op.Responses.Status(code); r != nil {
				content = r.Value.Content
				break
			}
		}
	}
	for _, ct := range []string{"application/json", "application/merge-patch+json"} {
		if mt := content.Get(ct); mt != nil && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// serverValue is a value of the type s describes that no client would send
// by chance.
func serverValue(s *openapi3.Schema) any {
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 987
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		return []any{}
	case s.Type.Is("object"):
		return map[string]any{}
	case s.Format == "date-time":
		return "2001-02-03T04:05:06Z"
	case s.Format == "date":
		return "2001-02-03"
	case s.Format == "uuid":
		return "0190d3e0-0000-7000-8000-00000000abcd"
	}
	return "server-owned"
}

// noResource are writes that answer no resource: nothing server-owned to send.
var noResource = map[string]bool{"changeMyPassword": true, "createPasswordLink": true, "revokeRefreshToken": true, "setPasswordWithLink": true}

// A client cannot set what the server owns: on every write, each field the
// response has and the request schema does not name (id, version,
// createdAt, counts, derived progress...) is refused with a 400 naming it
// where the request schema is closed, and ignored where it is open.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	m := startMatrix(t)
	requests := m.matrixRequests(t)
	spec := loadSpec(t)
	writes, checked := 0, 0
	for _, op := range contractOperations(t) {
		if op.method == http.MethodGet || op.method == http.MethodDelete || op.id == "createToken" || op.id == "redeliverWebhookDelivery" || op.id == "assignConferenceReviewer" || noResource[op.id] {
			continue // createToken answers a token, not a resource; a redelivery and an assignment take no body
		}
		operation := spec.Paths.Find(op.path).GetOperation(op.method)
		in, out := bodySchema(operation, false), bodySchema(operation, true)
		if in == nil || out == nil {
			t.Errorf("%s: no JSON request or response schema", op.id)
			continue
		}
		inProps := schemaProperties(in)
		closed := closedSchema(in)
		token := m.Admin
		if op.id == "putEvaluationResponse" {
			token = m.Member
		}
		writes++
		for field, s := range schemaProperties(out) {
			if _, ok := inProps[field]; ok {
				continue
			}
			req := requests[op.id]()
			body := map[string]any{}
			switch b := req.body.(type) {
			case string:
				if err := json.Unmarshal([]byte(b), &body); err != nil {
					t.Fatal(err)
				}
			default:
				data, _ := json.Marshal(b)
				_ = json.Unmarshal(data, &body)
			}
			sent := serverValue(s)
			body[field] = sent
			data, _ := json.Marshal(body)
			req.body = string(data)
			res := m.send(t, op, req, token)
			checked++
			label := op.id + " with " + field
			if closed {
				apptest.CheckInvalid(t, label, res, field)
				continue
			}
			if res.StatusCode >= 300 {
				t.Errorf("%s: got %d; want 2xx, the field ignored (%s)", label, res.StatusCode, apptest.Short(res.Body))
				continue
			}
			var got map[string]any
			res.JSON(t, &got)
			if g, _ := json.Marshal(got[field]); string(g) == mustJSON(sent) {
				t.Errorf("%s: the response took the client's %s", label, g)
			}
		}
	}
	if writes == 0 || checked == 0 {
		t.Fatalf("checked %d fields on %d writes; want some", checked, writes)
	}
	t.Logf("mass assignment: %d server-owned fields on %d writes", checked, writes)
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// Fields the request schema names but the server decides in some cases: a
// milestone's progress under an evidence rule, and the organisation a
// member writes for. The client's value must not stick.
func TestMassAssignmentDerived(t *testing.T) {
	t.Parallel()
	m := startMatrix(t)
	var page struct {
		Items []struct {
			ID           string `json:"id"`
			EvidenceRule string `json:"evidenceRule"`
			Progress     int    `json:"progress"`
		} `json:"items"`
	}
	m.Do(t, "GET", "/v1/milestones?commitment=NL0037", nil, apptest.Headers(m.Admin)).JSON(t, &page)
	ruled := ""
	for _, it := range page.Items {
		if it.EvidenceRule != "" && it.EvidenceRule != "none" && it.Progress != 97 {
			ruled = it.ID
			break
		}
	}
	if ruled == "" {
		t.Fatal("no milestone of NL0037 with an evidence rule")
	}
	res := m.Do(t, "PATCH", "/v1/milestones/"+ruled, `{"progress":97}`, apptest.Headers(m.Editor, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	if res.StatusCode == 200 {
		var got struct{ Progress int }
		res.JSON(t, &got)
		if got.Progress == 97 {
			t.Errorf("PATCH progress of a milestone with an evidence rule: got progress 97; want the derived value")
		}
	} else {
		apptest.CheckProblem(t, "PATCH derived progress", res, res.StatusCode)
	}

	people := func() int {
		var p struct{ Items []any }
		m.Do(t, "GET", "/v1/people?pageSize=100", nil, apptest.Headers(m.Admin)).JSON(t, &p)
		return len(p.Items)
	}
	before := people()
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"member creates a person of another organisation", "POST", "/v1/people",
			apptest.Pioneer("Other Org", "other@south.example", "", "GM9902"), 403},
		{"member submits for another organisation", "POST", "/v1/meetings/" + m.conference + "/submissions",
			map[string]any{"title": "T", "abstract": "A", "authors": []string{"A"}, "organisation": "GM9902"}, 403},
		{"member answers for another organisation", "PUT", "/v1/evaluations/" + m.open + "/responses/GM9902", answers(), 403},
	}
	for _, tt := range tests {
		res := m.Do(t, tt.method, tt.path, tt.body, apptest.Headers(m.Member, "If-Match", "*"))
		if res.StatusCode != tt.want {
			t.Errorf("%s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, apptest.Short(res.Body))
		}
	}
	if after := people(); after != before {
		t.Errorf("people after refused writes: got %d; want %d", after, before)
	}
}
