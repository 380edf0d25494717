package domain_test

import (
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestDays(t *testing.T) {
	cest := time.FixedZone("CEST", 2*3600)
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		fn       func(time.Time) time.Time
		in, want time.Time
	}{
		{"Day of a midnight", domain.Day, date(2024, 6, 15), date(2024, 6, 15)},
		{"Day of the last instant", domain.Day, time.Date(2024, 6, 15, 23, 59, 59, 999, time.UTC), date(2024, 6, 15)},
		// The calendar date is taken in UTC: 01:30 in Amsterdam is still the day before.
		{"Day is the UTC date", domain.Day, time.Date(2024, 6, 16, 1, 30, 0, 0, cest), date(2024, 6, 15)},
		{"Day of no date", domain.Day, time.Time{}, time.Time{}},
		{"Today after midnight in Amsterdam", domain.Today, time.Date(2024, 6, 15, 22, 0, 0, 0, time.UTC), date(2024, 6, 16)},
		{"Today before midnight in Amsterdam", domain.Today, time.Date(2024, 12, 15, 22, 59, 59, 0, time.UTC), date(2024, 12, 15)},
		// asOf means the end of that day in Amsterdam, winter (UTC+1) and summer (UTC+2).
		{"EndOfDay in winter", domain.EndOfDay, date(2019, 12, 31), time.Date(2019, 12, 31, 22, 59, 59, 999999999, time.UTC)},
		{"EndOfDay in summer", domain.EndOfDay, date(2019, 6, 30), time.Date(2019, 6, 30, 21, 59, 59, 999999999, time.UTC)},
		{"EndOfDay as clocks go forward", domain.EndOfDay, date(2019, 3, 31), time.Date(2019, 3, 31, 21, 59, 59, 999999999, time.UTC)},
	}
	for _, tt := range tests {
		got := tt.fn(tt.in)
		if !got.Equal(tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got.UTC(), tt.want)
		}
	}
}
