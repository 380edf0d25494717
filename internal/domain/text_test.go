package domain_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestIsWebURL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"https://www.open-overheid.nl/pioniers", true},
		{"http://example.org/a?b=c#d", true},
		{"ftp://example.org/file", false},
		{"mailto:pioniers@example.org", false},
		{"https://", false},
		{"/relative/path", false},
		{"www.example.org", false},
		{"https://example.org/with space", false},
		{"https://example.org/\nnext", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := domain.IsWebURL(tt.in); got != tt.want {
			t.Errorf("IsWebURL(%q): got %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestIsLanguageTag(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"nl", true},
		{"fry", true},
		{"en-GB", true},
		{"NL", false},
		{"en-gb", false},
		{"en_GB", false},
		{"dutch", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := domain.IsLanguageTag(tt.in); got != tt.want {
			t.Errorf("IsLanguageTag(%q): got %v; want %v", tt.in, got, tt.want)
		}
	}
}
