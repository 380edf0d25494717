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
