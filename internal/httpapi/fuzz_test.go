package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// The fuzz targets below run their committed seeds (testdata/fuzz) as
// ordinary tests; `go test -fuzz FuzzX ./internal/httpapi` explores further.

// FuzzPrecondition: any If-Match is read without panicking, and a tag this
// service hands out matches exactly its own version.
func FuzzPrecondition(f *testing.F) {
	for _, s := range []string{"", " ", "*", `"v3"`, `"v3.abc"`, `W/"v3"`, `"v1", "v2"`, `"v`, `"`, `""`, `"v-1"`, `"v99999999999999999999"`, "\x00", `"v3",,*`} {
		f.Add(s, int64(3))
	}
	f.Fuzz(func(t *testing.T, header string, version int64) {
		pre := precondition(&header)
		if got, want := pre.Present, strings.TrimSpace(header) != ""; got != want {
			t.Fatalf("precondition(%q).Present: got %v; want %v", header, got, want)
		}
		if pre.Present && !pre.Any && pre.Version != -1 {
			t.Fatalf("precondition(%q).Version: got %d; want -1 (tags go in Versions)", header, pre.Version)
		}
		v := domain.Version(version)
		if int64(int(v)) != version || v < 0 {
			return
		}
		tag := etag(v)
		own := precondition(&tag)
		if !own.Present || own.Any || !slices.Equal(own.Versions, []domain.Version{v}) {
			t.Fatalf("precondition(%s): got %+v; want exactly version %d", tag, own, v)
		}
	})
}

// FuzzCSVCell: an exported cell survives CSV writing and reading, and never
// starts as a formula unless it is a plain number.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+31 6 1234", "-2.5", "-Inf", "@SUM(A1)", "\tx", "\rx", "'=x", "a,\"b\"\nc", "=HYPERLINK(\"http://x\")", "1e309", "-0x1p3", "ünï"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // JSON carries no invalid UTF-8: the row is encoded first
		}
		row, err := csvRow(map[string]any{"name": s}, []string{"name"})
		if err != nil {
			t.Fatalf("csvRow(%q): %v", s, err)
		}
		cell := row[0]
		if cell != s && cell != "'"+s {
			t.Fatalf("cell for %q: got %q; want the value, quoted at most", s, cell)
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil && cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Fatalf("cell for %q: got %q, which a spreadsheet runs as a formula", s, cell)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{cell, "end"}); err != nil {
			t.Fatalf("write %q: %v", cell, err)
		}
		w.Flush()
		records, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("read back %q: %v", buf.String(), err)
		}
		// encoding/csv reads \r\n inside a quoted field as \n, so a cell with
		// a carriage return compares by its fields only.
		if len(records) != 1 || len(records[0]) != 2 || (!strings.Contains(cell, "\r") && records[0][0] != cell) {
			t.Fatalf("read back %q: got %q; want [[%q end]]", buf.String(), records, cell)
		}
	})
}

// FuzzMergePatch checks RFC 7396: applying a patch twice equals applying it
// once, a null member deletes, a non-object patch replaces, and no null of
// the patch ends up in the result.
func FuzzMergePatch(f *testing.F) {
	seeds := [][2]string{
		{`{"a":"b"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`},
		{`{"a":["b"]}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`},
		{`{"a":"foo"}`, `null`},
		{`{"a":"foo"}`, `"bar"`},
		{`{"e":null}`, `{"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`},
		{`{"a":{"b":{"c":{"d":{}}}}}`, `{"a":{"b":{"c":{"d":null}}}}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, target, patch string) {
		var tv, pv any
		if json.Unmarshal([]byte(target), &tv) != nil || json.Unmarshal([]byte(patch), &pv) != nil {
			return
		}
		once := mergePatch(clone(t, tv), clone(t, pv))
		twice := mergePatch(mergePatch(clone(t, tv), clone(t, pv)), clone(t, pv))
		if !reflect.DeepEqual(once, twice) {
			t.Fatalf("merge %s into %s: once %v; twice %v", patch, target, once, twice)
		}
		p, isObject := pv.(map[string]any)
		if !isObject {
			if !reflect.DeepEqual(once, pv) {
				t.Fatalf("merge %s into %s: got %v; want the patch itself", patch, target, once)
			}
			return
		}
		checkMerged(t, once, p, tv)
	})
}

// checkMerged compares one object level of a merge result with its patch and
// target.
func checkMerged(t *testing.T, got any, patch map[string]any, target any) {
	t.Helper()
	obj, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("merging object %v: got %v; want an object", patch, got)
	}
	before, _ := target.(map[string]any)
	for k, v := range patch {
		member, present := obj[k]
		switch sub, isObject := v.(map[string]any); {
		case v == nil:
			if present {
				t.Fatalf("null for %q: result still has %v", k, member)
			}
		case isObject:
			checkMerged(t, member, sub, before[k])
		default:
			if !reflect.DeepEqual(member, v) {
				t.Fatalf("member %q: got %v; want %v", k, member, v)
			}
		}
	}
	for k, v := range before {
		if _, patched := patch[k]; !patched && !reflect.DeepEqual(obj[k], v) {
			t.Fatalf("unpatched member %q: got %v; want %v kept", k, obj[k], v)
		}
	}
}

// clone deep-copies a decoded JSON value: mergePatch changes its target.
func clone(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("clone: %v", err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("clone: %v", err)
	}
	return out
}
