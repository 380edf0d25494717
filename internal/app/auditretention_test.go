package app_test

import (
	"strings"
	"testing"
	"time"
)

// --audit-retention is a duration, two years unless told; 0 keeps every
// entry, and a negative or malformed one is refused by name.
func TestAuditRetentionFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    time.Duration
		wantErr bool
	}{
		{nil, 17520 * time.Hour, false},
		{[]string{"--audit-retention=0"}, 0, false},
		{[]string{"--audit-retention=720h"}, 720 * time.Hour, false},
		{[]string{"--audit-retention=-1h"}, 0, true},
		{[]string{"--audit-retention=two years"}, 0, true},
	}
	for _, tt := range tests {
		cfg, err := configFrom(t, tt.args...)
		switch {
		case tt.wantErr && (err == nil || !strings.Contains(err.Error(), "--audit-retention")):
			t.Errorf("%v: got %v; want an error naming --audit-retention", tt.args, err)
		case !tt.wantErr && (err != nil || cfg.AuditRetention != tt.want):
			t.Errorf("%v: got %s, %v; want %s", tt.args, cfg.AuditRetention, err, tt.want)
		}
	}
}
