package store

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// TestSlowQueryLog: a statement's text is built only for a statement that
// is logged, and a logged statement never carries its values.
func TestSlowQueryLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ran     time.Duration
		wantLog bool
	}{
		{"fast statement", 0, false},
		{"slow statement", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			l := gormLogger(slog.New(slog.NewTextHandler(&out, nil)))
			filter, ok := l.(gorm.ParamsFilter)
			if !ok {
				t.Fatalf("the logger does not filter parameters; GORM would log every value")
			}
			sql, vars := filter.ParamsFilter(context.Background(), "SELECT * FROM people WHERE email = ?", "jan@example.org")
			if len(vars) != 0 {
				t.Errorf("got values %v to log; want none", vars)
			}
			built := false
			l.Trace(context.Background(), time.Now().Add(-tt.ran), func() (string, int64) {
				built = true
				return sql, 1
			}, nil)
			if built != tt.wantLog {
				t.Errorf("statement text built: got %v; want %v", built, tt.wantLog)
			}
			if got := strings.Contains(out.String(), "SELECT * FROM people"); got != tt.wantLog {
				t.Errorf("statement logged: got %v; want %v: %s", got, tt.wantLog, out.String())
			}
			if strings.Contains(out.String(), "jan@example.org") {
				t.Errorf("got a value in the log: %s", out.String())
			}
		})
	}
}
