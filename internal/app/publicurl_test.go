package app_test

import (
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	tests := []struct {
		addr, publicURL string
		want            string // BaseURL; "" when the configuration is refused
	}{
		{":8080", "", "http://localhost:8080"},
		{"0.0.0.0:8080", "", "http://localhost:8080"},
		{"[::]:8080", "", "http://localhost:8080"},
		{"127.0.0.1:9000", "", "http://127.0.0.1:9000"},
		{"[::1]:9000", "", "http://[::1]:9000"},
		{"api.internal:80", "", "http://api.internal:80"},
		{":8080", "https://api.example.org", "https://api.example.org"},
		{":8080", "https://api.example.org/", "https://api.example.org"},
		{":8080", "http://api.example.org:8443", "http://api.example.org:8443"},
		{":8080", "https://example.org/pioniers", ""},
		{":8080", "api.example.org", ""},
		{":8080", "ftp://api.example.org", ""},
		{":8080", "https://", ""},
		{":8080", "https://api.example.org/?a=b", ""},
		{":8080", "https://user:secret@api.example.org", ""},
	}
	for _, tt := range tests {
		cfg, err := configFrom(t, "--addr", tt.addr, "--public-url", tt.publicURL)
		switch {
		case tt.want == "":
			if err == nil || !strings.Contains(err.Error(), "public-url") {
				t.Errorf("--addr %s --public-url %q: got %v; want an error naming public-url", tt.addr, tt.publicURL, err)
			}
		case err != nil:
			t.Errorf("--addr %s --public-url %q: %v", tt.addr, tt.publicURL, err)
		case cfg.BaseURL() != tt.want:
			t.Errorf("--addr %s --public-url %q: got %s; want %s", tt.addr, tt.publicURL, cfg.BaseURL(), tt.want)
		}
	}
}
