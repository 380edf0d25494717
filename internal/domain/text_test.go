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

func TestPageSize(t *testing.T) {
	tests := []struct {
		in, want  int
		wantError bool
	}{
		{0, domain.DefaultPageSize, false},
		{-3, domain.DefaultPageSize, false},
		{1, 1, false},
		{domain.MaxPageSize, domain.MaxPageSize, false},
		{domain.MaxPageSize + 1, domain.MaxPageSize + 1, true},
	}
	for _, tt := range tests {
		var p domain.Problems
		got := domain.PageSize(tt.in, &p)
		if got != tt.want || (p.Err() != nil) != tt.wantError {
			t.Errorf("PageSize(%d): got %d, problems %v; want %d, a problem: %v", tt.in, got, p, tt.want, tt.wantError)
		}
		if tt.wantError && (len(p) != 1 || p[0].Name != "pageSize") {
			t.Errorf("PageSize(%d): got problems %v; want one naming pageSize", tt.in, p)
		}
	}
}
