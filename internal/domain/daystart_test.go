package domain_test

import (
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestDayStart(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		in, want time.Time
	}{
		// Midnight in Amsterdam, winter (UTC+1) and summer (UTC+2).
		{"winter", date(2019, 12, 31), time.Date(2019, 12, 30, 23, 0, 0, 0, time.UTC)},
		{"summer", date(2019, 6, 30), time.Date(2019, 6, 29, 22, 0, 0, 0, time.UTC)},
		// The clocks go back during 27 October 2019: the day lasts 25 hours,
		// so the next day starts 25 hours after this one.
		{"the day clocks go back", date(2019, 10, 27), time.Date(2019, 10, 26, 22, 0, 0, 0, time.UTC)},
		{"the day after clocks go back", date(2019, 10, 28), time.Date(2019, 10, 27, 23, 0, 0, 0, time.UTC)},
		// Only the date counts, not the time of day or its zone.
		{"a date with a time", time.Date(2019, 6, 30, 18, 45, 0, 0, time.UTC), time.Date(2019, 6, 29, 22, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := domain.DayStart(tt.in)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
		// The day ends one instant before the next day starts.
		if end, next := domain.EndOfDay(tt.in), domain.DayStart(tt.in.AddDate(0, 0, 1)); !end.Add(time.Nanosecond).Equal(next) {
			t.Errorf("%s: EndOfDay %v is not one instant before the next DayStart %v", tt.name, end.UTC(), next)
		}
	}
}
