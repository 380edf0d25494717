package domain

import (
	"fmt"
	"time"
	_ "time/tzdata" // "today" is judged in Europe/Amsterdam on any machine
)

// Dates (a join date, an evidence date, "today") are kept as UTC midnights;
// the network's calendar runs in Amsterdam. These are the one place that
// turns instants into dates and back.

// Amsterdam is the network's time zone: "today" is the date there.
var Amsterdam = mustLoadLocation("Europe/Amsterdam")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("time zone %s: %v (the binary embeds time/tzdata)", name, err))
	}
	return loc
}

// Today is the date in Amsterdam at instant now, as a UTC midnight like every stored date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(Amsterdam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day truncates t to its calendar date in UTC; the zero time stays zero (no date).
func Day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayStart is the first instant of day (a date) in Amsterdam, in UTC as
// stored instants are. The next day starts at DayStart(day.AddDate(0, 0, 1)),
// not 24 hours later: a day when the clocks change lasts 23 or 25 hours.
func DayStart(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Amsterdam).UTC()
}

// OpenEnd stands in for a missing end date, as a UTC midnight like every
// stored date: it is after every real date, so open-ended spans reach to
// the end and unknown dates sort last.
var OpenEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// EndOfDay is the last instant of day (a date) in Amsterdam.
func EndOfDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Amsterdam).AddDate(0, 0, 1).Add(-time.Nanosecond)
}
