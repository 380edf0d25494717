package httpapi

import (
	"strings"
	"testing"
)

func TestSaneRequestID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"A.b_c:d-9", true},
		{strings.Repeat("a", 128), true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"bad id with spaces", false},
		{"new\nline", false},
		{"ünï", false},
		{"a/b", false},
		{"a\x00", false},
	} {
		if got := saneRequestID(tc.id); got != tc.want {
			t.Errorf("saneRequestID(%q): got %v; want %v", tc.id, got, tc.want)
		}
	}
}
