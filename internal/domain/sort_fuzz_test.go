package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzParseSort: any sort parameter parses without panicking into allowed,
// distinct fields, and the keys written back parse to the same keys.
func FuzzParseSort(f *testing.F) {
	for _, s := range []string{"", " ", "name", "-joinedOn,name", "name,name", "-", "--name", ",", "name,", " -code , createdAt ", "unknown", "\x00", "naMe", "-name,-code,-joinedOn,-createdAt"} {
		f.Add(s)
	}
	allowed := []string{"name", "code", "joinedOn", "createdAt"}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseSort("sort", s, allowed)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalid || len(e.Fields) == 0 {
				t.Fatalf("ParseSort(%q): got error %#v; want an invalid-input error", s, err)
			}
			for _, fe := range e.Fields {
				if fe.Name != "sort" {
					t.Fatalf("ParseSort(%q): problem names %q; want sort", s, fe.Name)
				}
			}
			return
		}
		seen := map[string]bool{}
		parts := make([]string, len(keys))
		for i, k := range keys {
			if !slices.Contains(allowed, k.Field) || seen[k.Field] {
				t.Fatalf("ParseSort(%q): got field %q; want an allowed field, once", s, k.Field)
			}
			seen[k.Field] = true
			parts[i] = k.Field
			if k.Descending {
				parts[i] = "-" + k.Field
			}
		}
		again, err := ParseSort("sort", strings.Join(parts, ","), allowed)
		if err != nil || !slices.Equal(again, keys) {
			t.Fatalf("ParseSort(%q) = %v; written back it parses to %v, %v", s, keys, again, err)
		}
	})
}
