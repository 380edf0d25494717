package app_test

import (
	"strings"
	"testing"
)

// --response-cache is a size, 16 MB unless told (as --body-limit, M is a million); 0 turns the cache off,
// and a negative or malformed one is refused by name.
func TestResponseCacheFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    int64
		wantErr bool
	}{
		{nil, 16_000_000, false},
		{[]string{"--response-cache=0"}, 0, false},
		{[]string{"--response-cache=64M"}, 64_000_000, false},
		{[]string{"--response-cache=64MiB"}, 64 << 20, false},
		{[]string{"--response-cache=-1M"}, 0, true},
		{[]string{"--response-cache=lots"}, 0, true},
	}
	for _, tt := range tests {
		cfg, err := configFrom(t, tt.args...)
		switch {
		case tt.wantErr && (err == nil || !strings.Contains(err.Error(), "--response-cache")):
			t.Errorf("%v: got %v; want an error naming --response-cache", tt.args, err)
		case !tt.wantErr && (err != nil || cfg.ResponseCache != tt.want):
			t.Errorf("%v: got %d, %v; want %d", tt.args, cfg.ResponseCache, err, tt.want)
		}
	}
}
