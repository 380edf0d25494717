package httpapi

import (
	"context"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// ChangeData gives null for a tombstone and refuses a value it has no
// representation for, rather than sending something else.
func TestChangeData(t *testing.T) {
	t.Parallel()
	data := ChangeData("https://example.org", time.Now)
	tests := []struct {
		name    string
		value   any
		want    string
		wantErr bool
	}{
		{"tombstone", nil, "null", false},
		{"unknown value", domain.Actor{}, "", true},
	}
	for _, tc := range tests {
		got, err := data(context.Background(), change.Event{ID: "e", Value: tc.value})
		if (err != nil) != tc.wantErr || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q (error %t)", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

// A cursor reads back as the position it was made from; anything else is
// refused by name.
func TestChangeCursor(t *testing.T) {
	t.Parallel()
	for _, seq := range []int64{0, 1, 42, 1 << 40} {
		var p domain.Problems
		if got := changeCursor(encodeChangeCursor(seq), &p); got != seq || p.Err() != nil {
			t.Errorf("cursor of %d: got %d (%v); want %d", seq, got, p.Err(), seq)
		}
	}
	for _, bad := range []string{"x", "c2VxOg", "c2VxOi0x", "MTIz", "c2VxOjE="} {
		var p domain.Problems
		changeCursor(bad, &p)
		if len(p) != 1 || p[0].Name != "cursor" {
			t.Errorf("cursor %q: got problems %v; want one naming cursor", bad, p)
		}
	}
}
