package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestCheckPublished(t *testing.T) {
	t.Parallel()
	on := time.Date(2019, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		url          string
		on           time.Time
		language     string
		wantLanguage string
		wantFields   []string
	}{
		{"complete", "https://example.org/report", on, "en", "en", nil},
		{"no language is Dutch", "https://example.org/report", on, "", "nl", nil},
		{"relative URL", "/report", on, "nl", "nl", []string{"url"}},
		{"URL with a space", "https://example.org/a report", on, "nl", "nl", []string{"url"}},
		{"no date", "https://example.org/report", time.Time{}, "nl", "nl", []string{"publishedOn"}},
		{"not a language tag", "https://example.org/report", on, "Dutch", "Dutch", []string{"language"}},
		{"everything wrong, in field order", "ftp://example.org", time.Time{}, "x", "x", []string{"url", "publishedOn", "language"}},
	}
	for _, tt := range tests {
		var p domain.Problems
		got := domain.CheckPublished(tt.url, tt.on, tt.language, &p)
		if got != tt.wantLanguage {
			t.Errorf("%s: got language %q; want %q", tt.name, got, tt.wantLanguage)
		}
		var fields []string
		for _, f := range p {
			fields = append(fields, f.Name)
		}
		if !slices.Equal(fields, tt.wantFields) {
			t.Errorf("%s: got problems with %v; want %v", tt.name, fields, tt.wantFields)
		}
	}
}
