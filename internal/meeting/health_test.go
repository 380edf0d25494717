package meeting_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

func titles(ms []meeting.Meeting) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Title)
	}
	return out
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Municipalities besides the seeded GM0606 and GM0344 (both joined 2018-07-01).
	e.municipality(t, "GM0363", "Amsterdam", apptest.Date(2019, 1, 1), time.Time{})              // active, never chairs
	e.municipality(t, "GM0200", "Apeldoorn", apptest.Date(2018, 7, 1), time.Time{})              // active, never chairs
	e.municipality(t, "GM0518", "'s-Gravenhage", apptest.Date(2018, 7, 1), time.Time{})          // active, chairs once
	e.municipality(t, "GM0014", "Groningen", apptest.Date(2018, 7, 1), apptest.Date(2019, 6, 1)) // left during the period
	e.municipality(t, "GM0599", "Rotterdam", apptest.Date(2022, 1, 10), time.Time{})             // joins after it

	// Two days short of six weeks after the last meeting ended.
	now := apptest.AmsterdamTime(2021, 11, 15, 16, 0).AddDate(0, 0, 41)
	e.clock.Set(now)
	t.Cleanup(func() { e.clock.Set(start) })

	type plan struct {
		day      time.Time // 14:00 in Amsterdam, summer or winter time
		chair    string    // "" for none
		status   meeting.Status
		format   meeting.Format
		reported bool
	}
	held, planned, cancelled := meeting.StatusHeld, meeting.StatusPlanned, meeting.StatusCancelled
	ks, res := meeting.FormatKnowledgeSession, meeting.FormatResidents
	plans := []plan{
		{apptest.Date(2018, 9, 1), "GM0344", held, ks, true}, // before the period
		{apptest.Date(2019, 1, 15), "GM0606", held, ks, true},
		{apptest.Date(2019, 4, 15), "GM0344", held, ks, false}, // report overdue
		{apptest.Date(2019, 7, 15), "", planned, ks, false},    // never marked held
		{apptest.Date(2019, 9, 15), "GM0606", cancelled, res, false},
		{apptest.Date(2019, 11, 15), "GM0606", held, ks, true}, // four months after July
		{apptest.Date(2020, 2, 15), "GM0344", held, res, true},
		{apptest.Date(2020, 5, 15), "GM0606", held, ks, true},
		{apptest.Date(2020, 8, 15), "GM0344", held, ks, true},
		{apptest.Date(2020, 11, 15), "", planned, ks, false},
		{apptest.Date(2021, 2, 15), "GM0606", held, ks, true},
		{apptest.Date(2021, 5, 15), "GM0344", held, ks, true},
		{apptest.Date(2021, 8, 15), "GM0606", held, ks, false},   // report overdue
		{apptest.Date(2021, 11, 15), "GM0518", held, ks, false},  // 41 days: not yet overdue
		{apptest.Date(2022, 6, 1), "GM0606", planned, ks, false}, // after the period
	}
	for _, p := range plans {
		in := session(apptest.AmsterdamTime(p.day.Year(), p.day.Month(), p.day.Day(), 14, 0))
		in.Title = p.day.Format(time.DateOnly)
		in.Status, in.GuestChair, in.Format = p.status, p.chair, p.format
		if p.chair != "" {
			in.Venue = &meeting.VenueInput{Name: "Stadhuis"}
		}
		if p.status == cancelled {
			in.CancellationReason = "te weinig aanmeldingen"
		}
		if p.format == res {
			in.Details = &meeting.DetailsInput{Format: res, TownHall: "Stadhuis"}
		}
		m := e.mustCreate(t, in)
		if p.reported {
			if _, err := e.meetings.PutReport(apptest.As(editor), m.ID, meeting.ReportInput{URL: "https://example.nl/" + in.Title,
				PublishedOn: p.day.AddDate(0, 0, 14)}); err != nil {
				t.Fatalf("report %s: %v", in.Title, err)
			}
		}
	}

	h, err := e.meetings.Health(context.Background(), apptest.Date(2019, 1, 1), apptest.Date(2021, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if !h.From.Equal(apptest.Date(2019, 1, 1)) || !h.To.Equal(apptest.Date(2021, 12, 31)) {
		t.Errorf("got period %v..%v; want 2019-01-01..2021-12-31", h.From, h.To)
	}
	if h.Meetings != 12 {
		t.Errorf("got %d meetings; want 12 (cancelled and out-of-period ones not counted)", h.Meetings)
	}
	gaps := []string{}
	for _, g := range h.Gaps {
		gaps = append(gaps, fmt.Sprintf("%s..%s %d days", g.After.Title, g.Before.Title, g.Days))
	}
	if want := []string{"2019-07-15..2019-11-15 123 days"}; !slices.Equal(gaps, want) {
		t.Errorf("got gaps %v; want %v", gaps, want)
	}
	if want := []int{2019, 2021}; !slices.Equal(h.YearsWithoutResidentsMeeting, want) {
		t.Errorf("got years without a residents' meeting %v; want %v", h.YearsWithoutResidentsMeeting, want)
	}
	counts := []string{}
	for _, c := range h.ChairCounts {
		counts = append(counts, fmt.Sprintf("%s:%d", c.Organisation.Code, c.Count))
	}
	if want := []string{"GM0606:5", "GM0344:4", "GM0518:1", "GM0200:0", "GM0363:0"}; !slices.Equal(counts, want) {
		t.Errorf("got chair counts %v; want %v", counts, want)
	}
	for _, c := range h.ChairCounts {
		if c.Organisation.ID == "" || c.Organisation.Name == "" {
			t.Errorf("chair count without its organisation: %+v", c)
		}
	}
	if want := []string{"2019-07-15", "2020-11-15"}; !slices.Equal(titles(h.WithoutGuestChair), want) {
		t.Errorf("got meetings without a guest chair %v; want %v", titles(h.WithoutGuestChair), want)
	}
	if want := []string{"2019-04-15", "2021-08-15"}; !slices.Equal(titles(h.OverdueReports), want) {
		t.Errorf("got overdue reports %v; want %v", titles(h.OverdueReports), want)
	}

	// Two days later the last meeting's report is overdue too.
	e.clock.Set(now.AddDate(0, 0, 2))
	h, err = e.meetings.Health(context.Background(), apptest.Date(2019, 1, 1), apptest.Date(2021, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2019-04-15", "2021-08-15", "2021-11-15"}; !slices.Equal(titles(h.OverdueReports), want) {
		t.Errorf("43 days on: got overdue reports %v; want %v", titles(h.OverdueReports), want)
	}

	// A period inside the gap's years, starting after July 2019.
	h, err = e.meetings.Health(context.Background(), apptest.Date(2019, 8, 1), apptest.Date(2020, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Gaps) != 0 || h.Meetings != 5 {
		t.Errorf("2019-08..2020: got %d gaps, %d meetings; want none, 5", len(h.Gaps), h.Meetings)
	}
	if want := []int{2019}; !slices.Equal(h.YearsWithoutResidentsMeeting, want) {
		t.Errorf("2019-08..2020: got years %v; want %v", h.YearsWithoutResidentsMeeting, want)
	}
}

func TestHealthPeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.meetings.Health(context.Background(), apptest.Date(2021, 1, 2), apptest.Date(2021, 1, 1))
	apptest.CheckCode(t, "to before from", err, domain.CodeInvalid)
	if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"to"}) {
		t.Errorf("got fields %v; want [to]", got)
	}

	// Without a period: from the commitment's start until today in Amsterdam.
	e.clock.Set(apptest.AmsterdamTime(2024, 1, 1, 0, 30)) // still 31 December in UTC
	t.Cleanup(func() { e.clock.Set(start) })
	h, err := e.meetings.Health(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.From.Equal(meeting.CommitmentStart) || !h.To.Equal(apptest.Date(2024, 1, 1)) {
		t.Errorf("got period %v..%v; want %v..2024-01-01", h.From, h.To, meeting.CommitmentStart)
	}
	if want := []int{2018, 2019, 2020, 2021, 2022, 2023, 2024}; !slices.Equal(h.YearsWithoutResidentsMeeting, want) {
		t.Errorf("got years %v; want %v", h.YearsWithoutResidentsMeeting, want)
	}
	counts := []string{}
	for _, c := range h.ChairCounts {
		counts = append(counts, fmt.Sprintf("%s:%d", c.Organisation.Code, c.Count))
	}
	if want := []string{"GM0344:0", "GM0606:0"}; !slices.Equal(counts, want) {
		t.Errorf("got chair counts %v; want %v", counts, want)
	}

	// A meeting on the last day of the period counts; one the day after does not.
	e.clock.Set(start)
	for _, d := range []time.Time{apptest.AmsterdamTime(2023, 12, 31, 23, 0), apptest.AmsterdamTime(2024, 1, 1, 0, 30)} {
		in := session(d)
		in.Title = d.Format(time.RFC3339)
		in.Format = meeting.FormatResidents
		in.Details = &meeting.DetailsInput{Format: meeting.FormatResidents, TownHall: "Stadhuis"}
		e.mustCreate(t, in)
	}
	h, err = e.meetings.Health(context.Background(), apptest.Date(2023, 1, 1), apptest.Date(2023, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if h.Meetings != 1 || len(h.YearsWithoutResidentsMeeting) != 0 {
		t.Errorf("2023: got %d meetings, years without %v; want 1 meeting, none", h.Meetings, h.YearsWithoutResidentsMeeting)
	}
	h, err = e.meetings.Health(context.Background(), apptest.Date(2024, 1, 1), apptest.Date(2024, 1, 31))
	if err != nil {
		t.Fatal(err)
	}
	if h.Meetings != 1 || len(h.WithoutGuestChair) != 1 || h.WithoutGuestChair[0].Title != apptest.AmsterdamTime(2024, 1, 1, 0, 30).Format(time.RFC3339) {
		t.Errorf("January 2024: got %d meetings, without chair %v; want the one just after midnight", h.Meetings, titles(h.WithoutGuestChair))
	}
}
