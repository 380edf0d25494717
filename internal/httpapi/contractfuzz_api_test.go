package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// TestContractFuzz sends hostile requests generated from openapi.yaml to
// every operation: wrong types, boundary numbers, huge, empty, unicode and
// NUL strings, unknown and repeated query keys, bad path ids, wrong content
// types, malformed, deep and oversized bodies, absent, forged and real tokens
// of every kind. No answer may be a 5xx or a status its operation does not
// declare; every 4xx is a problem that the declared response accepts, free
// of internals. FUZZ_SEED replays a
// run; FUZZ_REQUESTS sets how many requests it sends.
func TestContractFuzz(t *testing.T) {
	t.Parallel()
	runContractFuzz(t, envInt(t, "FUZZ_REQUESTS", 5000))
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

// fuzzOp is one operation of the contract.
type fuzzOp struct {
	method, path string
	op           *openapi3.Operation
	params       []*openapi3.Parameter
}

func (o fuzzOp) String() string { return o.method + " " + o.path }

func runContractFuzz(t *testing.T, requests int) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FUZZ_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("FUZZ_SEED=%q: %v", s, err)
		}
	}
	t.Logf("contract fuzz: FUZZ_SEED=%d, %d requests", seed, requests)
	spec := loadSpec(t)
	problem := spec.Components.Schemas["Problem"].Value
	var ops []fuzzOp
	for _, path := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(path)
		for method, op := range item.Operations() {
			o := fuzzOp{method: method, path: path, op: op}
			for _, p := range append(item.Parameters, op.Parameters...) {
				o.params = append(o.params, p.Value)
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })

	f := apptest.StartDemo(t)
	scoped, scopedToken := f.ScopedClient(t, "fuzz-scoped", "GM9901", "people:read", "registrations:write")
	fz := &fuzzer{
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ids: map[string]string{
			"organisation": "GM9901", "person": f.Person, "meeting": f.Planned, "publication": f.Publication,
			"milestone": f.Milestone, "evaluation": f.Evaluation, "commitment": "NL0037", "cycle": "2023-2025",
			"registration": "00000000-0000-4000-8000-000000000000", "submission": "00000000-0000-4000-8000-000000000000",
			"client": scoped.ClientID,
		},
		tokens: []string{"", "", f.Admin, f.Admin, f.Admin, f.Editor, f.Analyst, f.Member, f.Member2,
			f.ClientToken(t, "fuzz-bound", "GM9901"), f.ClientToken(t, "fuzz-unbound", ""), scopedToken,
			"garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.", f.Admin + "x"},
	}
	f.User(t, "gone@example.org", domain.RoleMember, "GM9902")

	statuses := map[int]int{}
	failures := 0
	for i := 0; i < requests && failures < 20; i++ {
		o := ops[i%len(ops)]
		req, label := fz.request(t, f.URL, spec, o)
		res, err := f.Server.Client().Do(req)
		if err != nil {
			t.Fatalf("request %d (%s): %v", i, label, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("request %d (%s): read body: %v", i, label, err)
		}
		statuses[res.StatusCode]++
		r := apptest.Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)}
		issues := checkFuzzResponse(r, problem)
		if declared := o.op.Responses.Status(res.StatusCode); declared == nil {
			issues = append(issues, fmt.Sprintf("got status %d, which %s does not declare", res.StatusCode, o))
		} else if res.StatusCode >= 400 {
			issues = append(issues, checkDeclared(r, declared.Value)...)
		}
		if len(issues) > 0 {
			failures++
			t.Errorf("request %d, %s\n\t%s\n\tbody: %s", i, label, strings.Join(issues, "; "), apptest.Short(r.Body))
		}
	}
	t.Logf("contract fuzz: FUZZ_SEED=%d, %d requests over %d operations; statuses %v", seed, requests, len(ops), statuses)
	if t.Failed() {
		t.Logf("replay with FUZZ_SEED=%d", seed)
	}
}

// checkDeclared checks a 4xx against the response the contract declares
// for its operation and status.
func checkDeclared(r apptest.Response, declared *openapi3.Response) []string {
	if declared == nil {
		return nil
	}
	mt := declared.Content.Get("application/problem+json")
	if mt == nil || mt.Schema == nil {
		return []string{fmt.Sprintf("the contract declares status %d without a problem+json body", r.StatusCode)}
	}
	var doc any
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		return nil // ProblemIssues reports it
	}
	if err := mt.Schema.Value.VisitJSON(doc); err != nil {
		return []string{"not valid against the declared response: " + firstLine(err.Error())}
	}
	return nil
}

// checkFuzzResponse lists what is wrong with an answer to a hostile request.
func checkFuzzResponse(r apptest.Response, problem *openapi3.Schema) []string {
	if r.StatusCode >= 500 {
		return []string{fmt.Sprintf("got status %d; want no server error", r.StatusCode)}
	}
	if r.StatusCode < 400 {
		return nil
	}
	_, issues := apptest.ProblemIssues(r, r.StatusCode, "", "")
	var doc any
	if err := json.Unmarshal([]byte(r.Body), &doc); err == nil {
		if err := problem.VisitJSON(doc); err != nil {
			issues = append(issues, "not a valid Problem: "+firstLine(err.Error()))
		}
	}
	return issues
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

type fuzzer struct {
	rnd    *rand.Rand
	ids    map[string]string
	tokens []string
}

func (fz *fuzzer) pick(list ...string) string { return list[fz.rnd.IntN(len(list))] }

func (fz *fuzzer) chance(percent int) bool { return fz.rnd.IntN(100) < percent }

// hostileStrings are values no parameter or field expects.
var hostileStrings = []string{"", " ", "\x00", "a\x00b", "ë漢字🎉", "\u202eevil", "'; DROP TABLE organisations;--", "%", "%zz",
	"../../etc/passwd", "<script>alert(1)</script>", "null", "true", "-1", "0", "1e999", "NaN", "9223372036854775808",
	"2024-02-30", "0000-01-01", "9999-12-31T23:59:59Z", "\ufeff", "\xff\xfe", "a,b,c", "-", "*", "\"v1\""}

func (fz *fuzzer) hostileString() string {
	switch fz.rnd.IntN(10) {
	case 0:
		return strings.Repeat(fz.pick("a", "é", "🎉", "\x00"), 1+fz.rnd.IntN(20000))
	default:
		return fz.pick(hostileStrings...)
	}
}

// hostileNumber is a boundary or out-of-range number, as text.
func (fz *fuzzer) hostileNumber() string {
	return fz.pick("0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
		"1e308", "1e309", "-0", "0.5", "1.0", "01", "0x10", "1_000", "Infinity", "NaN", "", "abc")
}

// pathValue is a path parameter: mostly a real id, sometimes a bad one.
func (fz *fuzzer) pathValue(name string) string {
	if fz.chance(55) {
		return url.PathEscape(fz.ids[name])
	}
	return fz.pick("", "%00", "%2e%2e", "..", "%2F", "x%20y", "%ff", url.PathEscape(fz.hostileString()), "GM9999",
		"00000000-0000-0000-0000-000000000000", strings.Repeat("9", 400), "-1", "%zz")
}

// queryValue is a value for a query parameter of schema s.
func (fz *fuzzer) queryValue(s *openapi3.Schema) string {
	if s != nil && fz.chance(40) {
		if v := sample(s, fz, 0); v != nil {
			if str, ok := v.(string); ok {
				return str
			}
			b, _ := json.Marshal(v)
			return strings.Trim(string(b), `"`)
		}
	}
	if s != nil && s.Type != nil && (s.Type.Is("integer") || s.Type.Is("number")) && fz.chance(70) {
		return fz.hostileNumber()
	}
	return fz.hostileString()
}

// request builds one hostile request for o.
func (fz *fuzzer) request(t *testing.T, base string, spec *openapi3.T, o fuzzOp) (*http.Request, string) {
	t.Helper()
	path := o.path
	query := url.Values{}
	header := http.Header{}
	for _, p := range o.params {
		switch p.In {
		case openapi3.ParameterInPath:
			path = strings.ReplaceAll(path, "{"+p.Name+"}", fz.pathValue(p.Name))
		case openapi3.ParameterInQuery:
			if fz.chance(50) {
				var s *openapi3.Schema
				if p.Schema != nil {
					s = p.Schema.Value
				}
				for n := 1 + fz.rnd.IntN(3)/2; n > 0; n-- { // sometimes repeated
					query.Add(p.Name, fz.queryValue(s))
				}
			}
		case openapi3.ParameterInHeader:
			if fz.chance(50) {
				header.Set(p.Name, headerValue(fz.hostileString()))
			}
		}
	}
	if fz.chance(20) {
		query.Add(fz.pick("unknown", "page[size]", "sort[]", "", "\x00", "pageSize"), fz.hostileString())
	}
	for _, h := range []string{"If-Match", "If-None-Match", "Idempotency-Key", "Accept"} {
		if fz.chance(10) {
			header.Set(h, fz.pick(headerValue(fz.hostileString()), "*", `"v1"`, `W/"v1"`, "text/csv", "text/calendar", "application/xml", "*/*;q=0", "application/json;q=abc"))
		}
	}
	if tok := fz.pick(fz.tokens...); tok != "" {
		header.Set("Authorization", fz.pick("Bearer ", "Bearer ", "Bearer ", "bearer ", "Basic ", "Bearer  ")+tok)
	}
	body, contentType := fz.body(o)
	if body != nil {
		header.Set("Content-Type", contentType)
	}
	raw := strings.ReplaceAll(query.Encode(), "%00", fz.pick("%00", "%00", "&&", "=")) // sometimes malformed
	u := base + "/v1" + path
	if raw != "" {
		u += "?" + raw
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(o.method, u, r)
	if err != nil {
		// A URL the client refuses to send: send the operation's plain path.
		req, err = http.NewRequest(o.method, base+"/v1"+o.path, r)
		if err != nil {
			t.Fatalf("new request %s: %v", o, err)
		}
	}
	req.Header = header
	label := fmt.Sprintf("%s %s (Content-Type %q, %d body bytes: %s; headers %v)", o.method, apptest.Short(u), contentType, len(body),
		apptest.Short(string(body)), redact(header))
	return req, label
}

// headerValue drops the control characters net/http's client refuses to
// send; the raw-socket tests send those.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// redact shortens the Authorization header in a test message.
func redact(h http.Header) http.Header {
	out := h.Clone()
	if a := out.Get("Authorization"); len(a) > 24 {
		out.Set("Authorization", a[:24]+"…")
	}
	return out
}

// body is a request body for o and its content type, or nil for none.
func (fz *fuzzer) body(o fuzzOp) ([]byte, string) {
	var schema *openapi3.Schema
	contentType := "application/json"
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range sortedKeys(rb.Value.Content) {
			c := rb.Value.Content[mt]
			if c.Schema != nil && (schema == nil || mt == "application/merge-patch+json") {
				schema, contentType = c.Schema.Value, mt
			}
		}
	}
	if schema == nil && fz.chance(80) {
		return nil, ""
	}
	if fz.chance(15) {
		contentType = fz.pick("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin1",
			"application/x-www-form-urlencoded", "", "application/json", "application/merge-patch+json", "*/*", "application/problem+json")
	}
	switch fz.rnd.IntN(12) {
	case 0:
		return []byte(fz.pick(`{`, `{"a":}`, `[1,2`, `{"name":"x",}`, "{\"name\":\"\xff\"}", `nul`, `{"a":1}{"b":2}`, "\x00", "", ` `)), contentType
	case 1:
		return []byte(fz.pick(`[]`, `"x"`, `42`, `null`, `true`, `[{}]`)), contentType
	case 2:
		depth := 1 + fz.rnd.IntN(20000)
		return []byte(strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)), contentType
	case 3:
		depth := 1 + fz.rnd.IntN(20000)
		return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth)), contentType
	case 4:
		if fz.chance(25) { // over the 1 MiB body limit
			return []byte(`{"x":"` + strings.Repeat("a", (1<<20)+fz.rnd.IntN(1<<20)) + `"}`), contentType
		}
		return []byte(`{"x":"` + strings.Repeat("é", fz.rnd.IntN(1<<15)) + `"}`), contentType
	case 5:
		return []byte(`{"name":"a","name":"b","__proto__":{"admin":true},"id":"x","version":7,"createdAt":"2020-01-01T00:00:00Z"}`), contentType
	}
	var v any = map[string]any{}
	if schema != nil {
		v = sample(schema, fz, 0)
		v = fz.mutate(v, 0)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{}`), contentType
	}
	return b, contentType
}

// mutate breaks one part of a sampled value, or none.
func (fz *fuzzer) mutate(v any, depth int) any {
	if obj, ok := v.(map[string]any); ok && len(obj) > 0 && depth < 4 && fz.chance(70) {
		keys := sortedKeys(obj)
		k := keys[fz.rnd.IntN(len(keys))]
		if fz.chance(15) {
			delete(obj, k)
		} else {
			obj[k] = fz.mutate(obj[k], depth+1)
		}
		return obj
	}
	if fz.chance(30) {
		return v
	}
	switch fz.rnd.IntN(8) {
	case 0:
		return nil
	case 1:
		return fz.hostileString()
	case 2:
		n, _ := strconv.ParseFloat(fz.pick("0", "-1", "2147483648", "-9223372036854775809", "1e308", "0.5", "-0.000001", "9007199254740993"), 64)
		return n
	case 3:
		return []any{fz.hostileString(), 1, nil}
	case 4:
		return map[string]any{"x": fz.hostileString()}
	case 5:
		return fz.chance(50)
	default:
		return fz.hostileString()
	}
}

// sample is a value of schema s: its example or first enum value, or one
// made up from its type and format; sometimes a boundary value.
func sample(s *openapi3.Schema, fz *fuzzer, depth int) any {
	if s == nil || depth > 6 {
		return nil
	}
	for _, sub := range append(append([]*openapi3.SchemaRef{}, s.AllOf...), append(s.OneOf, s.AnyOf...)...) {
		if sub.Value != nil {
			return sample(sub.Value, fz, depth+1)
		}
	}
	if len(s.Enum) > 0 {
		return s.Enum[fz.rnd.IntN(len(s.Enum))]
	}
	if s.Example != nil && fz.chance(60) {
		return s.Example
	}
	switch {
	case s.Type == nil:
		return nil
	case s.Type.Is("object"):
		obj := map[string]any{}
		// Sorted, so that a seed replays the same requests.
		for _, name := range sortedKeys(s.Properties) {
			p := s.Properties[name]
			if p.Value != nil && !p.Value.ReadOnly && (fz.chance(70) || containsString(s.Required, name)) {
				obj[name] = sample(p.Value, fz, depth+1)
			}
		}
		return obj
	case s.Type.Is("array"):
		var items []any
		if s.Items != nil {
			for n := fz.rnd.IntN(3); n > 0; n-- {
				items = append(items, sample(s.Items.Value, fz, depth+1))
			}
		}
		return items
	case s.Type.Is("integer"), s.Type.Is("number"):
		switch {
		case s.Min != nil && fz.chance(30):
			return *s.Min - float64(fz.rnd.IntN(2))
		case s.Max != nil && fz.chance(30):
			return *s.Max + float64(fz.rnd.IntN(2))
		}
		return float64(fz.rnd.IntN(5))
	case s.Type.Is("boolean"):
		return fz.chance(50)
	case s.Type.Is("string"):
		switch s.Format {
		case "date":
			return fz.pick("2030-06-01", "2024-01-01", "1899-12-31", "2024-02-30")
		case "date-time":
			return fz.pick("2030-06-01T10:00:00Z", "2030-06-01T10:00:00+02:00", "2030-06-01 10:00")
		case "email":
			return fz.pick("a@example.org", "not-an-email", "a@b")
		case "uri":
			return fz.pick("https://example.org/x", "javascript:alert(1)", "/relative")
		case "uuid":
			return fz.pick("00000000-0000-4000-8000-000000000000", "not-a-uuid")
		}
		if s.MaxLength != nil && fz.chance(30) {
			return strings.Repeat("x", int(*s.MaxLength)+fz.rnd.IntN(2))
		}
		return fz.pick("Fuzz", "Fuzz "+strconv.Itoa(fz.rnd.IntN(1000)), "x")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A deeply nested body is refused before any check walks it: walking one
// 10,000 levels deep took seconds (the fuzz found it), so a few such
// requests kept a core busy. 32 levels still pass to the schema.
func TestDeepBodyIsRefused(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	nest := func(depth int) string {
		return strings.Repeat(`{"abcdefghij":`, depth) + "1" + strings.Repeat("}", depth)
	}
	cases := []struct {
		name, path, token, body, field string
		refused                        bool
	}{
		{"objects 9,999 deep", "/v1/organisations", f.Admin, nest(9999), "abcdefghij", true},
		{"arrays 9,999 deep", "/v1/organisations", f.Admin, strings.Repeat("[", 9999) + strings.Repeat("]", 9999), "body", true},
		{"objects 33 deep", "/v1/organisations", f.Admin, nest(33), "abcdefghij", true},
		{"objects 9,999 deep, anonymous sign-in", "/v1/auth/token", "", nest(9999), "abcdefghij", true},
		{"objects 32 deep", "/v1/organisations", f.Admin, nest(32), "abcdefghij", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Content-Type": "application/json"}
			if tc.token != "" {
				headers["Authorization"] = "Bearer " + tc.token
			}
			start := time.Now()
			res := f.Do(t, "POST", tc.path, tc.body, headers)
			t.Logf("%d bytes answered in %v", len(tc.body), time.Since(start))
			p := apptest.CheckProblem(t, tc.name, res, http.StatusBadRequest)
			nested := false
			for _, ip := range p.Params() {
				nested = nested || (ip.Name == tc.field && strings.Contains(ip.Reason, "nest"))
			}
			if nested != tc.refused {
				t.Errorf("invalidParams %v: refused for nesting %v; want %v", p.Params(), nested, tc.refused)
			}
		})
	}
}
