package store

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// FuzzCursorDecode: any cursor a client sends is either refused as invalid
// input or decodes to values of the sort's kinds; a cursor this service
// encodes decodes back to the row it continues after.
func FuzzCursorDecode(f *testing.F) {
	sort := []domain.SortKey{{Field: "name"}, {Field: "joinedOn", Descending: true}}
	const fp = "fingerprint"
	row := organisationRow{ID: "org-1", Name: "Gemeente Utrecht"}
	valid, err := organisationKeyset.next(sort, row, fp)
	if err != nil {
		f.Fatalf("next: %v", err)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{valid, "", "!!!", enc("{}"), enc("null"), enc(`{"f":"fingerprint","v":["a","2024-01-01T00:00:00Z"],"i":"x"}`),
		enc(`{"f":"fingerprint","v":["a",1],"i":"x"}`), enc(`{"f":"fingerprint","v":["a","not a time"],"i":"x"}`),
		enc(`{"f":"fingerprint","v":["a\u0000","2024-01-01T00:00:00Z"],"i":"x"}`), enc(`{"f":"fingerprint","v":["a","2024-01-01T00:00:00Z"],"i":""}`),
		enc(`{"f":"fingerprint","v":[null,null],"i":"x"}`), enc(`{"f":"fingerprint","v":[{},[]],"i":"x"}`)} {
		f.Add(s, "Gemeente", int64(0))
	}
	f.Fuzz(func(t *testing.T, encoded, name string, unix int64) {
		c, err := organisationKeyset.decode(sort, encoded, fp)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("decode(%q): got %v; want an invalid-input error", encoded, err)
			}
		} else {
			if len(c.Values) != len(sort) || !plain(c.ID) {
				t.Fatalf("decode(%q): got %+v; want %d values and an id", encoded, c, len(sort))
			}
			if s, ok := c.Values[0].(string); !ok || !plain(s) {
				t.Fatalf("decode(%q): name value %#v; want a plain string", encoded, c.Values[0])
			}
			if _, ok := c.Values[1].(time.Time); !ok {
				t.Fatalf("decode(%q): joinedOn value %#v; want a time", encoded, c.Values[1])
			}
		}
		if !plain(name) {
			return
		}
		joined := time.Unix(unix%(1<<35), 0).UTC()
		r := organisationRow{ID: "id-" + name, Name: name, JoinedOn: &joined}
		next, err := organisationKeyset.next(sort, r, fp)
		if err != nil {
			t.Fatalf("next(%q): %v", name, err)
		}
		back, err := organisationKeyset.decode(sort, next, fp)
		if err != nil {
			t.Fatalf("decode(next(%q)): %v", name, err)
		}
		if back.ID != r.ID || back.Values[0] != name || !back.Values[1].(time.Time).Equal(joined) {
			t.Fatalf("decode(next(%q)): got %+v; want id %q, name %q, joinedOn %v", name, back, r.ID, name, joined)
		}
		if _, err := organisationKeyset.decode(sort, next, "other"); err == nil {
			t.Fatalf("decode(next(%q)) with another fingerprint: got no error; want one", name)
		}
	})
}
