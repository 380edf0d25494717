package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
)

// driverTime is how mattn/go-sqlite3 reads text in a column declared
// TIMESTAMP, which storedTime replaces for exports.
func driverTime(s string) time.Time {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t
		}
	}
	return time.Time{}
}

// TestStoredTime: a stored timestamp reads as the same instant the driver
// reads, whether the one-pass parser or the driver's layouts read it.
func TestStoredTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		fastPath bool // the layout the driver writes: read in one pass
	}{
		{"2026-12-05 19:50:56.073786+00:00", true},
		{"2018-10-11 12:00:00+00:00", true},
		{"2026-03-29 02:30:00.5+02:00", true},
		{"2026-03-29 02:30:00.123456789-05:30", true},
		{"2026-03-29T02:30:00Z", true},
		{"2026-03-29 02:30:00", true},
		{"2024-02-29 23:59:59.999999999+14:00", true},
		{"2026-02-30 12:00:00+00:00", false},
		{"2026-03-29 02:30:00.1234567891+00:00", false},
		{"2026-03-29 02:30:00.+00:00", false},
		{"2026-03-29 24:00:00+00:00", false},
		{"2026-03-29 02:30+00:00", false},
		{"2026-03-29 02:30", false},
		{"2026-03-29", false},
		{"2026-03-29 02:30:00 +00:00", false},
		{"not a time", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if _, ok := parseStoredTime(tt.in); ok != tt.fastPath {
				t.Errorf("parseStoredTime(%q): ok %v; want %v", tt.in, ok, tt.fastPath)
			}
			got, err := storedTime(tt.in)
			if want := driverTime(tt.in); err != nil || !got.Equal(want) || got.IsZero() != want.IsZero() {
				t.Errorf("storedTime(%q) = %v, %v; want %v as the driver reads it", tt.in, got, err, want)
			}
		})
	}
	for _, n := range []int64{1_700_000_000, 1_700_000_000_123} {
		want := time.Unix(n, 0)
		if n > 1e12 {
			want = time.UnixMilli(n)
		}
		if got, err := storedTime(n); err != nil || !got.Equal(want) {
			t.Errorf("storedTime(%d) = %v, %v; want %v", n, got, err, want)
		}
	}
}

// TestPlainDetails: stored details read as json.Unmarshal reads them,
// in one pass when json.Marshal wrote them, else through json.Unmarshal.
func TestPlainDetails(t *testing.T) {
	t.Parallel()
	written := []detailsJSON{
		{Format: "knowledge-session", Experts: []expertJSON{{Name: "Example Expert", Affiliation: "Example University"}, {Name: "Zoë"}}},
		{Format: "open-government-lab", Case: "Example case: publishing council decisions as open data"},
		{Format: "council-call", CallOpensOn: "2026-01-01", CallClosesOn: "2026-02-01", TownHall: "Utrecht", OpenToResidents: true},
		{Format: "knowledge-session", Experts: []expertJSON{}},
		{},
	}
	for _, d := range written {
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := plainDetails(data)
		var want *detailsJSON
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("plainDetails(%s) = %+v, %v; want %+v, true", data, got, ok, want)
		}
	}
	for _, in := range []string{`null`, `{"Format":"lab"}`, `{"format":"lab","other":1}`, `{"format": "lab"}`, `{"case":"a\"b"}`,
		`{"experts":null}`, `{"experts":[{"name":"a","role":"b"}]}`, `{"openToResidents":1}`, `{"format":"lab"}x`, `{"format":"lab"`,
		"{\"case\":\"\xff\"}", `[]`, ``} {
		if got, ok := plainDetails([]byte(in)); ok {
			t.Errorf("plainDetails(%s) = %+v, true; want it left to json.Unmarshal", in, got)
		}
	}
	// Through the column: the same value either way.
	for _, in := range []string{`{"format":"lab","townHall":"Ede"}`, `{"Format":"lab","TownHall":"Ede"}`} {
		var got jsonColumn[*detailsJSON]
		if err := got.Scan(in); err != nil || got.V == nil || got.V.Format != "lab" || got.V.TownHall != "Ede" {
			t.Errorf("scan %s: %+v, %v; want format lab, town hall Ede", in, got.V, err)
		}
	}
}

// arrayRow is where the row arrays of the tests go: a column of each kind.
type arrayRow struct {
	s    string
	n    int64
	b    bool
	text *string
	tags jsonColumn[[]string]
}

func (v *arrayRow) dest() rowArray { return rowArray{&v.s, &v.n, &v.b, nullText{&v.text}, &v.tags} }

// TestRowArray: the values of a JSON array go where their columns would,
// nested JSON as text to its scanner, and an array that does not fit its
// columns is an error.
func TestRowArray(t *testing.T) {
	t.Parallel()
	var v arrayRow
	dest := v.dest()
	tests := []struct {
		in      string
		wantErr bool
		want    []any
	}{
		{`["plain",7,1,null,[]]`, false, []any{"plain", int64(7), true, nil, []string{}}},
		{`["a\"b\\c\n\u0001 \ud83d\ude00",-3,0,"x",["a\"]","b"]]`, false, []any{"a\"b\\c\n\x01 😀", int64(-3), false, "x", []string{"a\"]", "b"}}},
		{`["",0,0,"",null]`, false, []any{"", int64(0), false, "", []string(nil)}},
		{`["short",1,1,null]`, true, nil},
		{`["long",1,1,null,[],2]`, true, nil},
		{`["bool",1,2,null,[]]`, true, nil},
		{`[null,1,1,null,[]]`, true, nil},
		{`["num","1",1,null,[]]`, true, nil},
		{`["nested",[1],1,null,[]]`, true, nil},
		{`["open",1,1,null,[]`, true, nil},
		{`["open",1,1,null,["]`, true, nil},
		{`{"a":1}`, true, nil},
		{`["unterminated,1,1,null,[]]`, true, nil},
		{`["trailing",1,1,null,[],]`, true, nil},
	}
	if err := (rowArray{nullText{&v.text}, &v.tags}).Scan(nil); err != nil || v.text != nil || v.tags.V != nil {
		t.Errorf("Scan(NULL): got %v, %v, %v; want NULL for each", v.text, v.tags.V, err)
	}
	if err := dest.Scan(nil); err == nil {
		t.Error("Scan(NULL) into a string: got no error; want one")
	}
	for _, tt := range tests {
		err := dest.Scan(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("Scan(%s): got no error; want one", tt.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("Scan(%s): %v", tt.in, err)
			continue
		}
		var gotText any
		if v.text != nil {
			gotText = *v.text
		}
		if got := []any{v.s, v.n, v.b, gotText, v.tags.V}; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Scan(%s): got %#v; want %#v", tt.in, got, tt.want)
		}
	}
}

// FuzzRowArray: no input makes the row array panic.
func FuzzRowArray(f *testing.F) {
	for _, seed := range []string{`["a",1,1,null,[]]`, `["a\"",-1,0,"x",["]"]]`, `[`, `[]`, `["`, `[1,`, `[{"a":[}]`, `["a",1,1,null,[]`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var v arrayRow
		_ = v.dest().Scan(in)
	})
}
