package store_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

type point struct {
	X int `json:"x"`
}

// roundTrip stores v through Value and reads it back through Scan.
func roundTrip[T any](t *testing.T, v T) (driver.Value, T) {
	t.Helper()
	stored, err := store.JSONColumn[T]{V: v}.Value()
	if err != nil {
		t.Fatalf("value: %v", err)
	}
	var back store.JSONColumn[T]
	if err := back.Scan(stored); err != nil {
		t.Fatalf("scan %v: %v", stored, err)
	}
	return stored, back.V
}

func TestJSONColumnRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		check      func(t *testing.T) (stored driver.Value, back, want any)
		wantStored driver.Value
	}{
		{"list", func(t *testing.T) (driver.Value, any, any) {
			s, b := roundTrip(t, []string{"nl", "en"})
			return s, b, []string{"nl", "en"}
		}, `["nl","en"]`},
		{"empty list", func(t *testing.T) (driver.Value, any, any) {
			s, b := roundTrip(t, []string{})
			return s, b, []string{}
		}, `[]`},
		{"object", func(t *testing.T) (driver.Value, any, any) {
			s, b := roundTrip(t, point{X: 3})
			return s, b, point{X: 3}
		}, `{"x":3}`},
		{"pointer", func(t *testing.T) (driver.Value, any, any) {
			s, b := roundTrip(t, &point{X: 4})
			return s, b, &point{X: 4}
		}, `{"x":4}`},
		{"nil pointer is NULL", func(t *testing.T) (driver.Value, any, any) {
			s, b := roundTrip[*point](t, nil)
			return s, b, (*point)(nil)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored, back, want := tt.check(t)
			if stored != tt.wantStored {
				t.Errorf("stored: got %#v; want %#v", stored, tt.wantStored)
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("read back: got %#v; want %#v", back, want)
			}
		})
	}
}

func TestJSONColumnScan(t *testing.T) {
	tests := []struct {
		name    string
		src     any
		want    []string
		wantErr string // "" for none
	}{
		{"text", `["a"]`, []string{"a"}, ""},
		{"bytes", []byte(`["b"]`), []string{"b"}, ""},
		{"NULL is the zero value", nil, nil, ""},
		{"corrupt text", `["a"`, nil, "decode []string column"},
		{"the wrong JSON type", `{"a":1}`, nil, "decode []string column"},
		{"empty text", ``, nil, "decode []string column"},
		{"not text", int64(7), nil, "want JSON text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := store.JSONColumn[[]string]{V: []string{"left over"}}
			err := c.Scan(tt.src)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("scan: got error %v; want %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(c.V, tt.want) {
				t.Errorf("value: got %#v; want %#v", c.V, tt.want)
			}
		})
	}
}

// A JSON column keeps the text it always held, and a corrupt one makes its
// read an internal error instead of empty data.
func TestJSONColumnsInTheDatabase(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	p := person.Person{ID: newID(), Name: "Anna de Vries", Languages: []string{"nl", "en"}, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreatePerson(ctx, p, change("person", p.ID, domain.ActionCreate, 1)); err != nil {
		t.Fatalf("create person: %v", err)
	}
	c := milestone.Commitment{Code: "NL0099", Title: "Open", Cycle: 2018, Support: []milestone.Institution{{Name: "LEOO"}},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateCommitment(ctx, c, change("commitment", c.Code, domain.ActionCreate, 1)); err != nil {
		t.Fatalf("create commitment: %v", err)
	}
	var stored string
	if err := db.Scan(ctx, &stored, "SELECT languages FROM people WHERE id = ?", p.ID); err != nil {
		t.Fatal(err)
	}
	if want := `["nl","en"]`; stored != want {
		t.Errorf("stored languages: got %s; want %s", stored, want)
	}
	if db.Dialect() == store.SQLite {
		var typ string
		if err := db.Scan(ctx, &typ, "SELECT typeof(languages) FROM people WHERE id = ?", p.ID); err != nil {
			t.Fatal(err)
		}
		if typ != "text" {
			t.Errorf("stored as %s; want text", typ)
		}
	}

	tests := []struct {
		name    string
		corrupt string
		read    func() error
	}{
		{"a person's languages", "UPDATE people SET languages = '[\"nl\"' WHERE id = '" + p.ID + "'", func() error {
			_, err := db.GetPerson(ctx, p.ID)
			return err
		}},
		{"a commitment's institutions", "UPDATE commitments SET support = 'LEOO' WHERE code = 'NL0099'", func() error {
			_, err := db.GetCommitment(ctx, c.Code)
			return err
		}},
		{"a change record's fields", "UPDATE change_events SET fields = '{' WHERE resource_id = '" + p.ID + "'", func() error {
			_, err := db.Changes(ctx, "person", p.ID)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.read(); err != nil {
				t.Fatalf("before corrupting: %v", err)
			}
			if err := db.Exec(ctx, tt.corrupt); err != nil {
				t.Fatalf("corrupt: %v", err)
			}
			err := tt.read()
			if got := domain.ErrorCode(err); got != domain.CodeInternal {
				t.Errorf("read: got code %q (%v); want %q", got, err, domain.CodeInternal)
			}
		})
	}
}

// TestJSONColumnStringListsReadAsJSONDoes: a list of strings reads as
// json.Unmarshal reads it, whether the quick reader takes it or leaves it
// to json.Unmarshal, and what json.Unmarshal refuses fails the read.
func TestJSONColumnStringListsReadAsJSONDoes(t *testing.T) {
	t.Parallel()
	for _, text := range []string{`[]`, `["a"]`, `["a","b c"]`, `[""]`, `["Café","über"]`, `["a\"b"]`, `["\u00e9"]`,
		`[ "a" ]`, `["a",]`, `[,"a"]`, `["a""b"]`, `["a"`, `"a"]`, `null`, `{}`, `[1]`, `["a",1]`, "[\"\xff\"]", "[\"a\tb\"]",
		`["a"] `, ``, `[`, `["`, `["a",`} {
		var want []string
		wantErr := json.Unmarshal([]byte(text), &want)
		for _, src := range []any{text, []byte(text)} {
			var got store.JSONColumn[[]string]
			err := got.Scan(src)
			if (err != nil) != (wantErr != nil) {
				t.Errorf("Scan(%T %q): got error %v; want %v", src, text, err, wantErr)
				continue
			}
			if wantErr != nil {
				continue
			}
			if !reflect.DeepEqual(got.V, want) || (got.V == nil) != (want == nil) {
				t.Errorf("Scan(%T %q): got %#v; want %#v", src, text, got.V, want)
			}
		}
	}
}
