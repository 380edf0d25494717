package app

import (
	"slices"
	"testing"
)

// /metrics shares the debug listener: one listener when both flags name one
// address, one per address otherwise, none when neither is set.
func TestPrivateListeners(t *testing.T) {
	t.Parallel()
	tests := []struct {
		debug, metrics string
		want           []string
	}{
		{"", "", nil},
		{"127.0.0.1:6060", "", []string{"127.0.0.1:6060"}},
		{"", "127.0.0.1:9100", []string{"127.0.0.1:9100"}},
		{"127.0.0.1:9100", "127.0.0.1:9100", []string{"127.0.0.1:9100"}},
		{"127.0.0.1:6060", "127.0.0.1:9100", []string{"127.0.0.1:6060", "127.0.0.1:9100"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range (Config{DebugAddr: tt.debug, MetricsAddr: tt.metrics}).privateListeners() {
			got = append(got, p.addr)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("debug-addr %q, metrics-addr %q: got listeners %v; want %v", tt.debug, tt.metrics, got, tt.want)
		}
	}
}
