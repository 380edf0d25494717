package jsonstring

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestAppendUnquoted: a string as encoding/json writes it reads back as the
// string, and what encoding/json reads from a hand-written escape, this reads.
func TestAppendUnquoted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`""`, ""},
		{`"plain"`, "plain"},
		{`"a\"b\\c\/d"`, `a"b\c/d`},
		{`"\b\f\n\r\t"`, "\b\f\n\r\t"},
		{`"\u0001\u00e9\u2028"`, "\x01é\u2028"},
		{`"\ud83d\ude00 smile"`, "😀 smile"},
		{`"\ud83d alone"`, "\uFFFD alone"},
		{`"\u003c\u0026\u003e"`, "<&>"},
		{`"café 😀"`, "café 😀"},
	} {
		var want string
		if err := json.Unmarshal([]byte(tc.in), &want); err != nil || want != tc.want {
			t.Fatalf("the case %s is wrong: encoding/json reads %q, %v", tc.in, want, err)
		}
		for _, got := range []func() ([]byte, error){
			func() ([]byte, error) { return AppendUnquoted([]byte("x"), tc.in) },
			func() ([]byte, error) { return AppendUnquoted([]byte("x"), []byte(tc.in)) },
		} {
			b, err := got()
			if err != nil || string(b) != "x"+tc.want {
				t.Errorf("AppendUnquoted(x, %s): got %q, %v; want %q", tc.in, b, err, "x"+tc.want)
			}
		}
	}
	for _, bad := range []string{`"\x"`, `"\u12"`, `"\uzzzz"`, `"end\"`, ``, `"`, `x`, `"open`, `closed"`} {
		if b, err := AppendUnquoted(nil, bad); err == nil {
			t.Errorf("AppendUnquoted(%s): got %q; want an error", bad, b)
		}
	}
}

// FuzzAppendUnquoted: every string encoding/json writes reads back as itself.
func FuzzAppendUnquoted(f *testing.F) {
	for _, seed := range []string{"", "a\"b", "\x00\x1f\u2028<>&", "😀", "\\u0041"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // encoding/json replaces invalid bytes
		}
		q, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendUnquoted(nil, q)
		if err != nil || string(got) != s {
			t.Errorf("AppendUnquoted(%s): got %q, %v; want %q", q, got, err, s)
		}
	})
}
