package store

import (
	"database/sql"
	"strings"
	"testing"
	"unicode/utf8"

	_ "github.com/mattn/go-sqlite3"
)

// FuzzFilterPattern: a text filter (q, policyArea) is matched literally:
// whatever the client sends, the LIKE pattern built from it matches a value
// that contains it and no value that does not, so %, _ and \ in a filter
// never act as wildcards.
func FuzzFilterPattern(f *testing.F) {
	conn, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = conn.Close() })
	for _, s := range [][2]string{{"utrecht", "gemeente utrecht"}, {"50%", "5000 inwoners"}, {"a_b", "axb"}, {`a\b`, `a\\b`},
		{`\%`, `%`}, {"%", "anything"}, {"_", ""}, {"", "x"}, {"ünï", "gemeente ünïon"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, filter, value string) {
		if !utf8.ValidString(filter) || !utf8.ValidString(value) || strings.ContainsRune(filter+value, 0) {
			t.Skip() // the request validator refuses these before any query
		}
		var got bool
		if err := conn.QueryRow(`SELECT ? LIKE ? ESCAPE '\'`, value, containing(filter)).Scan(&got); err != nil {
			t.Fatalf("LIKE with filter %q: %v", filter, err)
		}
		// SQLite's LIKE folds the case of A–Z only.
		want := strings.Contains(asciiLower(value), asciiLower(filter))
		if got != want {
			t.Errorf("filter %q on %q: got match %v; want %v", filter, value, got, want)
		}
	})
}

// asciiLower folds A–Z only, as SQLite's LIKE does.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
