package app_test

import (
	"strings"
	"testing"
)

// --memory-limit is a size, or auto (the response cache plus 48 MiB,
// unless GOMEMLIMIT is set, which then decides); 0 sets no limit.
func TestMemoryLimitFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		gomemlimit string
		want       int64
		wantErr    bool
	}{
		{nil, "", 16_000_000 + 48<<20, false},
		{nil, "200MiB", 0, false},
		{[]string{"--response-cache=0"}, "", 48 << 20, false},
		{[]string{"--memory-limit=auto", "--response-cache=64MiB"}, "", 112 << 20, false},
		{[]string{"--memory-limit=96MiB"}, "200MiB", 96 << 20, false},
		{[]string{"--memory-limit=0"}, "", 0, false},
		{[]string{"--memory-limit=-5M"}, "", 0, true},
		{[]string{"--memory-limit=plenty"}, "", 0, true},
	}
	for _, tt := range tests {
		cfg, err := configFrom(t, tt.args...)
		switch {
		case tt.wantErr && (err == nil || !strings.Contains(err.Error(), "--memory-limit")):
			t.Errorf("%v: got %v; want an error naming --memory-limit", tt.args, err)
		case tt.wantErr:
		case err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case cfg.RuntimeMemoryLimit(tt.gomemlimit) != tt.want:
			t.Errorf("%v, GOMEMLIMIT=%q: got %d; want %d", tt.args, tt.gomemlimit, cfg.RuntimeMemoryLimit(tt.gomemlimit), tt.want)
		}
	}
}
