package transfer

import (
	"strings"
	"testing"
	"time"
)

func TestOrderPutsReferencedTablesFirst(t *testing.T) {
	t.Parallel()
	key := []string{"id"}
	got, err := Order([]Table{
		{Name: "registrations", Key: key, Refs: []string{"meetings", "people"}},
		{Name: "people", Key: key},
		{Name: "meetings", Key: key, Refs: []string{"organisations"}},
		{Name: "organisations", Key: key},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range got {
		names = append(names, tb.Name)
	}
	if s, want := strings.Join(names, " "), "organisations people meetings registrations"; s != want {
		t.Errorf("order: got %s; want %s", s, want)
	}
}

// A table the copy cannot order or compare fails it, named.
func TestOrderFailsOnATableItCannotOrder(t *testing.T) {
	t.Parallel()
	key := []string{"id"}
	tests := []struct {
		name   string
		tables []Table
		want   string
	}{
		{"cycle", []Table{{Name: "a", Key: key, Refs: []string{"b"}}, {Name: "b", Key: key, Refs: []string{"a"}}, {Name: "c", Key: key}}, "tables a, b refer to each other"},
		{"itself", []Table{{Name: "a", Key: key, Refs: []string{"a"}}}, "table a refers to itself"},
		{"unknown", []Table{{Name: "a", Key: key, Refs: []string{"gone"}}}, "table a refers to gone"},
		{"no key", []Table{{Name: "a"}}, "table a has no primary key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Order(tt.tables)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Order: got %v; want an error with %q", err, tt.want)
			}
		})
	}
}

// One value hashes the same whichever driver read it; different values do not.
func TestChecksumNormalisesValues(t *testing.T) {
	t.Parallel()
	amsterdam := time.FixedZone("CET", 3600)
	instant := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	sum := func(row ...any) string {
		t.Helper()
		c := newChecksum()
		if err := c.row(row); err != nil {
			t.Fatal(err)
		}
		return c.hex()
	}
	same := [][2][]any{
		{{int64(7), "x", nil, true, instant}, {int32(7), []byte("x"), nil, true, instant.In(amsterdam)}},
		{{int16(1)}, {int64(1)}},
	}
	for _, s := range same {
		if a, b := sum(s[0]...), sum(s[1]...); a != b {
			t.Errorf("checksum of %v: got %s; want %s as of %v", s[1], b, a, s[0])
		}
	}
	different := [][2][]any{
		{{"1"}, {int64(1)}},
		{{nil}, {""}},
		{{"ab", "c"}, {"a", "bc"}},
		{{true}, {int64(1)}},
		{{instant}, {instant.Add(time.Microsecond)}},
	}
	for _, d := range different {
		if a, b := sum(d[0]...), sum(d[1]...); a == b {
			t.Errorf("checksum of %v and %v: both %s; want different", d[0], d[1], a)
		}
	}
	if err := newChecksum().row([]any{struct{}{}}); err == nil {
		t.Error("checksum of a struct: got no error; want one")
	}
}
