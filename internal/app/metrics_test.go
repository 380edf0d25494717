package app_test

import (
	"strings"
	"testing"
)

// The metrics and pool flags: pool sizes are whole numbers, 0 for the
// default; a metrics token is long enough not to be guessed.
func TestMetricsAndPoolFlags(t *testing.T) {
	t.Parallel()
	type settings struct {
		maxOpen, maxIdle     int
		metricsAddr, metrics string
	}
	tests := []struct {
		args    []string
		want    settings
		wantErr string // the flag an error names; empty: none
	}{
		{nil, settings{}, ""},
		{[]string{"--db-max-open=40", "--db-max-idle=8", "--metrics-addr=127.0.0.1:9100", "--metrics-token=0123456789abcdef"},
			settings{40, 8, "127.0.0.1:9100", "0123456789abcdef"}, ""},
		{[]string{"--db-max-open=-1"}, settings{}, "--db-max-open"},
		{[]string{"--db-max-idle=many"}, settings{}, "--db-max-idle"},
		{[]string{"--metrics-token=short"}, settings{}, "--metrics-token"},
	}
	for _, tt := range tests {
		cfg, err := configFrom(t, tt.args...)
		got := settings{cfg.DBMaxOpen, cfg.DBMaxIdle, cfg.MetricsAddr, cfg.MetricsToken}
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%v: got %v; want an error naming %s", tt.args, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("%v: got %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}
