package calendar

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEscapeText: an escaped TEXT value holds no control character but tab,
// no bare comma or semicolon, and unescapes to the input without its
// control characters; folded lines stay within 75 octets and unfold back.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"", "plain", `a,b;c\d`, "line\r\nnext\rlast\n", "tab\there", "nul\x00bell\x07del\x7f", "ëäö 漢字 🎉", strings.Repeat("é", 80), strings.Repeat("a", 74) + "🎉", "\xff\xfe", `\n`, `\\;`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeText(s)
		for _, r := range got {
			if (r < 0x20 && r != '\t') || r == 0x7f {
				t.Fatalf("EscapeText(%q) = %q: holds control character %U", s, got, r)
			}
		}
		if back, want := unescapeText(t, got), expectedText(s); back != want {
			t.Fatalf("EscapeText(%q) = %q unescapes to %q; want %q", s, got, back, want)
		}
		out := foldedLine("DESCRIPTION:" + got)
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("line %q: does not end in CRLF", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for i, l := range lines {
			if len(l) > FoldAt {
				t.Fatalf("line %d of %q: %d octets; want at most %d", i, out, len(l), FoldAt)
			}
			if i > 0 && !strings.HasPrefix(l, " ") {
				t.Fatalf("line %d of %q: continuation without leading space", i, out)
			}
		}
		if unfolded := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); unfolded != "DESCRIPTION:"+got {
			t.Fatalf("unfolded %q; want %q", unfolded, "DESCRIPTION:"+got)
		}
		if utf8.ValidString(got) {
			for _, l := range lines {
				if !utf8.ValidString(l) {
					t.Fatalf("fold split a UTF-8 sequence: %q", l)
				}
			}
		}
	})
}

// expectedText is s as a TEXT value can carry it: line breaks as \n, other
// control characters but tab dropped, invalid UTF-8 as U+FFFD.
func expectedText(s string) string {
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\r' || r == '\n':
			b.WriteRune('\n')
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescapeText reverses RFC 5545 TEXT escaping, failing on a bare comma or
// semicolon or an unknown escape.
func unescapeText(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',', ';':
			t.Fatalf("escaped %q: bare %q at %d", s, c, i)
		case '\\':
			if i+1 == len(s) {
				t.Fatalf("escaped %q: ends in a backslash", s)
			}
			i++
			switch s[i] {
			case '\\', ',', ';':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			default:
				t.Fatalf("escaped %q: unknown escape \\%c", s, s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
