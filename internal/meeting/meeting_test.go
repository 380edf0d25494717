package meeting

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

func TestReportOverdue(t *testing.T) {
	ended := time.Date(2024, 3, 14, 18, 0, 0, 0, time.UTC)
	report := &Report{URL: "https://example.nl/verslag"}
	tests := []struct {
		name   string
		status Status
		report *Report
		now    time.Time
		want   bool
	}{
		{"held, 41 days", StatusHeld, nil, ended.AddDate(0, 0, 41), false},
		{"held, exactly six weeks", StatusHeld, nil, ended.Add(42 * 24 * time.Hour), false},
		{"held, six weeks and a second", StatusHeld, nil, ended.Add(42*24*time.Hour + time.Second), true},
		{"held, 43 days", StatusHeld, nil, ended.AddDate(0, 0, 43), true},
		{"held, 43 days, reported", StatusHeld, report, ended.AddDate(0, 0, 43), false},
		{"planned, 43 days", StatusPlanned, nil, ended.AddDate(0, 0, 43), false},
		{"confirmed, 43 days", StatusConfirmed, nil, ended.AddDate(0, 0, 43), false},
		{"cancelled, 43 days", StatusCancelled, nil, ended.AddDate(0, 0, 43), false},
	}
	for _, tt := range tests {
		m := Meeting{Status: tt.status, Report: tt.report, StartsAt: ended.Add(-2 * time.Hour), EndsAt: ended}
		if got := m.ReportOverdue(tt.now); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	if ReportGrace != 42*24*time.Hour {
		t.Errorf("got grace %v; want six weeks", ReportGrace)
	}
}

func TestTransition(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusPlanned, StatusConfirmed}: true, {StatusPlanned, StatusHeld}: true, {StatusPlanned, StatusCancelled}: true,
		{StatusConfirmed, StatusPlanned}: true, {StatusConfirmed, StatusHeld}: true, {StatusConfirmed, StatusCancelled}: true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			err := transition(from, to)
			want := from == to || allowed[[2]Status{from, to}]
			if (err == nil) != want {
				t.Errorf("%s to %s: got %v; want allowed %v", from, to, err, want)
			}
			if err != nil {
				if code := domain.ErrorCode(err); code != domain.CodeConflict {
					t.Errorf("%s to %s: got code %s; want conflict", from, to, code)
				}
			}
		}
	}
}

func TestDay(t *testing.T) {
	tests := []struct {
		starts time.Time
		want   string
	}{
		{time.Date(2024, 9, 11, 22, 30, 0, 0, time.UTC), "2024-09-12"}, // 00:30 summer time
		{time.Date(2024, 9, 11, 21, 30, 0, 0, time.UTC), "2024-09-11"}, // 23:30 summer time
		{time.Date(2024, 1, 11, 23, 30, 0, 0, time.UTC), "2024-01-12"}, // 00:30 winter time
		{time.Date(2024, 1, 11, 22, 30, 0, 0, time.UTC), "2024-01-11"}, // 23:30 winter time
	}
	for _, tt := range tests {
		d := Meeting{StartsAt: tt.starts}.Day()
		if got := d.Format(time.DateOnly); got != tt.want || d.Location() != time.UTC {
			t.Errorf("%v: got %v; want %s as a UTC midnight", tt.starts, d, tt.want)
		}
	}
}

func TestNumbered(t *testing.T) {
	regs := []Registration{{Status: Registered}, {Status: Waitlisted}, {Status: Cancelled}, {Status: Waitlisted}, {Status: Registered}, {Status: Waitlisted}}
	got := []int{}
	for _, r := range numbered(regs) {
		got = append(got, r.WaitlistPosition)
	}
	if want := []int{0, 1, 0, 2, 0, 3}; !slices.Equal(got, want) {
		t.Errorf("got positions %v; want %v", got, want)
	}
}

func TestChangedFields(t *testing.T) {
	base := Meeting{Title: "T", Topic: "O", Format: FormatLab, Tags: []string{"a"},
		Details:    &Details{Format: FormatLab, Case: "C", CaseOwner: organisation.Ref{ID: "o1", Code: "GM0606"}},
		StartsAt:   time.Date(2024, 9, 12, 12, 0, 0, 0, time.UTC),
		EndsAt:     time.Date(2024, 9, 12, 14, 0, 0, 0, time.UTC),
		Venue:      &Venue{Name: "Zaal", Host: organisation.Ref{ID: "o1", Code: "GM0606"}},
		GuestChair: &organisation.Ref{ID: "o1", Code: "GM0606"}, Status: StatusPlanned}
	tests := []struct {
		name   string
		change func(m *Meeting)
		want   []string
	}{
		{"nothing", func(m *Meeting) {}, nil},
		{"copies of the pointers", func(m *Meeting) {
			d, v, g := *m.Details, *m.Venue, *m.GuestChair
			m.Details, m.Venue, m.GuestChair = &d, &v, &g
		}, nil},
		{"same organisations, another name", func(m *Meeting) {
			v, g := *m.Venue, *m.GuestChair
			v.Host.Name, g.Name = "Schiedam", "Schiedam"
			m.Venue, m.GuestChair = &v, &g
		}, nil},
		{"the same instant elsewhere", func(m *Meeting) { m.StartsAt = m.StartsAt.In(time.FixedZone("CEST", 7200)) }, nil},
		{"case", func(m *Meeting) {
			d := *m.Details
			d.Case = "D"
			m.Details = &d
		}, []string{"details"}},
		{"case owner", func(m *Meeting) {
			d := *m.Details
			d.CaseOwner = organisation.Ref{ID: "o2"}
			m.Details = &d
		}, []string{"details"}},
		{"same case owner, another name", func(m *Meeting) {
			d := *m.Details
			d.CaseOwner.Name = "Schiedam"
			m.Details = &d
		}, nil},
		{"an expert", func(m *Meeting) {
			d := *m.Details
			d.Experts = []Expert{{Name: "An Expert"}}
			m.Details = &d
		}, []string{"details"}},
		{"no experts, empty or nil", func(m *Meeting) {
			d := *m.Details
			d.Experts = []Expert{}
			m.Details = &d
		}, nil},
		{"call opens", func(m *Meeting) {
			d := *m.Details
			d.CallOpensOn = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
			m.Details = &d
		}, []string{"details"}},
		{"residents", func(m *Meeting) {
			d := *m.Details
			d.OpenToResidents = true
			m.Details = &d
		}, []string{"details"}},
		{"no details", func(m *Meeting) { m.Details = nil }, []string{"details"}},
		{"no venue", func(m *Meeting) { m.Venue = nil }, []string{"venue"}},
		{"another chair", func(m *Meeting) { m.GuestChair = &organisation.Ref{ID: "o2"} }, []string{"guestChair"}},
		{"status and reason", func(m *Meeting) { m.Status, m.CancellationReason = StatusCancelled, "storm" }, []string{"status", "cancellationReason"}},
		{"tags", func(m *Meeting) { m.Tags = []string{"a", "b"} }, []string{"tags"}},
	}
	for _, tt := range tests {
		next := base
		tt.change(&next)
		if got := changedFields(base, next); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestAsInput(t *testing.T) {
	open := false
	m := Meeting{Sequence: 4, Title: "T", Topic: "O", Description: "D", Tags: []string{"a"}, Format: FormatResidents,
		Details:  &Details{Format: FormatResidents, TownHall: "Stadhuis", OpenToResidents: open, CaseOwner: organisation.Ref{}},
		StartsAt: time.Date(2024, 9, 12, 12, 0, 0, 0, time.UTC), EndsAt: time.Date(2024, 9, 12, 14, 0, 0, 0, time.UTC),
		TimeZone: TimeZone, Venue: &Venue{Name: "Zaal", Address: "Plein 1", City: "Schiedam", Host: organisation.Ref{ID: "o1", Code: "GM0606"}},
		OnlineURL: "https://meet.example.nl", GuestChair: &organisation.Ref{ID: "o2", Code: "GM0344"}, Capacity: 30,
		Status: StatusCancelled, CancellationReason: "storm", Example: true}
	in := m.AsInput()
	got := fmt.Sprintf("%d|%s|%s|%s|%v|%s|%s|%s|%d|%s|%s|%v|%s|%s|%s|%v|%s|%v", in.Sequence, in.Title, in.Topic, in.Description, in.Tags,
		in.Format, in.TimeZone, in.OnlineURL, in.Capacity, in.Status, in.CancellationReason, in.Example, in.GuestChair,
		in.Venue.Host, in.Details.TownHall, *in.Details.OpenToResidents, in.Venue.Name, in.StartsAt.Equal(m.StartsAt) && in.EndsAt.Equal(m.EndsAt))
	want := "4|T|O|D|[a]|residents-meeting|Europe/Amsterdam|https://meet.example.nl|30|cancelled|storm|true|GM0344|GM0606|Stadhuis|false|Zaal|true"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if in := (Meeting{Title: "T"}).AsInput(); in.Details != nil || in.Venue != nil || in.GuestChair != "" {
		t.Errorf("got %+v; want no details, venue or guest chair", in)
	}
}

func TestCallOpen(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
	conference := func(status Status) Meeting {
		return Meeting{Format: FormatConference, Status: status,
			Details: &Details{Format: FormatConference, CallOpensOn: day(5), CallClosesOn: day(8)}}
	}
	tests := []struct {
		name  string
		m     Meeting
		today time.Time
		want  bool
	}{
		{"before it opens", conference(StatusPlanned), day(4), false},
		{"on the first day", conference(StatusPlanned), day(5), true},
		{"on the last day", conference(StatusConfirmed), day(8), true},
		{"after it closed", conference(StatusPlanned), day(9), false},
		{"cancelled", conference(StatusCancelled), day(6), false},
		{"no details", Meeting{Format: FormatConference, Status: StatusPlanned}, day(6), false},
		{"not a conference", Meeting{Format: FormatOther, Status: StatusPlanned}, day(6), false},
	}
	for _, tt := range tests {
		if got := tt.m.CallOpen(tt.today); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
