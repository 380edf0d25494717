// Package meeting holds the network's heartbeat: a meeting every three
// months with a guest-chair municipality, its registrations, the call for
// papers of a conference, the published report, and the schedule's health.
package meeting

import (
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// Format is the form a meeting takes.
type Format string

const (
	FormatKnowledgeSession Format = "knowledge-session"
	FormatLab              Format = "open-government-lab"
	FormatConference       Format = "conference"
	FormatResidents        Format = "residents-meeting"
	FormatOther            Format = "other"
)

var formats = []Format{FormatKnowledgeSession, FormatLab, FormatConference, FormatResidents, FormatOther}

// Status is where a meeting is in its life.
type Status string

const (
	StatusPlanned   Status = "planned"
	StatusConfirmed Status = "confirmed"
	StatusHeld      Status = "held"
	StatusCancelled Status = "cancelled"
)

var statuses = []Status{StatusPlanned, StatusConfirmed, StatusHeld, StatusCancelled}

// TimeZone is where the network meets.
const TimeZone = "Europe/Amsterdam"

// ReportGrace is how long after a held meeting its report may take.
const ReportGrace = 6 * 7 * 24 * time.Hour

// Expert speaks at a knowledge session.
type Expert struct {
	Name        string
	Affiliation string
}

// Details are the fields of the meeting's format; only those of Format are set.
type Details struct {
	Format          Format
	Experts         []Expert         // knowledge session
	Case            string           // lab: the real-life case
	CaseOwner       organisation.Ref // lab: who brings it
	CallOpensOn     time.Time        // conference
	CallClosesOn    time.Time        // conference: last day papers are accepted
	TownHall        string           // residents' meeting
	OpenToResidents bool             // residents' meeting
}

// Venue is where the meeting is held.
type Venue struct {
	Name    string
	Address string
	City    string
	Host    organisation.Ref
}

// Report is the report published after the meeting.
type Report struct {
	PublicationID string
	URL           string
	PublishedOn   time.Time
	Summary       string
	Language      string
	Licence       string
	// Version counts the report's versions: a correction makes a new one
	// and keeps the earlier ones (ReportVersion).
	Version          int
	CorrectionNote   string // what the current version corrects
	RetractedAt      time.Time
	RetractionReason string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Retracted reports whether the report was withdrawn; a retracted report
// is no evidence of the meeting and does not count as its report.
func (r *Report) Retracted() bool { return r != nil && !r.RetractedAt.IsZero() }

// ReportVersion is one version of a report as it was recorded.
type ReportVersion struct {
	Version          int
	URL              string
	PublishedOn      time.Time
	Summary          string
	Language         string
	Licence          string
	CorrectionNote   string
	RecordedAt       time.Time
	RecordedBy       string
	RetractedAt      time.Time
	RetractionReason string
}

// Attendance is how many came to a held meeting: counts only.
type Attendance struct {
	Registered int // every registration not cancelled, waitlist included
	Confirmed  int // those with a place
	Attended   int // confirmed and marked as attended
	NoShows    int // confirmed and marked as not attended
}

// Meeting is one meeting of the network.
type Meeting struct {
	ID          string
	Sequence    int
	Title       string
	Topic       string
	Description string
	Tags        []string
	Format      Format
	Details     *Details
	StartsAt    time.Time
	EndsAt      time.Time
	TimeZone    string
	Venue       *Venue
	OnlineURL   string
	GuestChair  *organisation.Ref
	Capacity    int // 0: no limit
	// Registration opens and closes at these instants; zero: from the
	// meeting's creation, and until it starts.
	RegistrationOpensAt  time.Time
	RegistrationClosesAt time.Time
	Status               Status
	CancellationReason   string
	Report               *Report
	RegisteredCount      int
	WaitlistCount        int
	AttendedCount        int             // confirmed registrations marked as attended
	NoShowCount          int             // confirmed registrations marked as not attended
	Programme            []ProgrammeItem // a conference's accepted papers (see the store's programmes)
	Example              bool
	Version              domain.Version
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// RecordID, RecordVersion and Revised let the one write path (domain.Update) write meetings.
func (m Meeting) RecordID() string              { return m.ID }
func (m Meeting) RecordVersion() domain.Version { return m.Version }
func (m Meeting) Revised(v domain.Version, at time.Time) Meeting {
	m.Version, m.UpdatedAt = v, at
	return m
}

// ReportOverdue reports whether the meeting was held, ended more than six
// weeks before now, and still has no report.
func (m Meeting) ReportOverdue(now time.Time) bool {
	return m.Status == StatusHeld && (m.Report == nil || m.Report.Retracted()) && now.After(m.EndsAt.Add(ReportGrace))
}

// RegistrationWindow is when people can register: from the coordinator's
// opening (zero: as soon as the meeting is planned) until the closing (or
// the start).
func (m Meeting) RegistrationWindow() (opens, closes time.Time) {
	opens, closes = m.RegistrationOpensAt, m.RegistrationClosesAt
	if closes.IsZero() {
		closes = m.StartsAt
	}
	return opens, closes
}

// RegistrationOpen reports whether people can register at now: the meeting
// is planned or confirmed and now is inside its registration window.
func (m Meeting) RegistrationOpen(now time.Time) bool {
	opens, closes := m.RegistrationWindow()
	return (m.Status == StatusPlanned || m.Status == StatusConfirmed) && !now.Before(opens) && now.Before(closes)
}

// Attendance is the meeting's attendance figures once it is held.
func (m Meeting) Attendance() (Attendance, bool) {
	if m.Status != StatusHeld {
		return Attendance{}, false
	}
	return Attendance{Registered: m.RegisteredCount + m.WaitlistCount, Confirmed: m.RegisteredCount,
		Attended: m.AttendedCount, NoShows: m.NoShowCount}, true
}

// CallOpen reports whether the conference's call for papers takes papers
// on today, a date in Amsterdam (both ends of the call included).
func (m Meeting) CallOpen(today time.Time) bool {
	return m.Format == FormatConference && m.Details != nil && m.Status != StatusCancelled &&
		!m.Details.CallClosesOn.IsZero() && !today.Before(m.Details.CallOpensOn) && !today.After(m.Details.CallClosesOn)
}

// Day is the meeting's date in Amsterdam.
func (m Meeting) Day() time.Time { return domain.Today(m.StartsAt) }

// Input is what a caller may set on a meeting; organisations by id or code.
type Input struct {
	Sequence    int
	Title       string
	Topic       string
	Description string
	Tags        []string
	Format      Format
	Details     *DetailsInput
	StartsAt    time.Time
	EndsAt      time.Time
	TimeZone    string
	Venue       *VenueInput
	OnlineURL   string
	GuestChair  string
	Capacity    int
	// RegistrationOpensAt and RegistrationClosesAt: zero for the default.
	RegistrationOpensAt  time.Time
	RegistrationClosesAt time.Time
	// Overflow says what happens to the confirmed registrations beyond a
	// lower capacity; not kept, it applies to the one write.
	Overflow           Overflow
	Status             Status
	CancellationReason string
	Example            bool
}

// Overflow is what happens to the confirmed registrations a lower capacity
// leaves without a place: the latest confirmed go first.
type Overflow string

const (
	OverflowWaitlist Overflow = "waitlist" // back to the head of the waitlist
	OverflowCancel   Overflow = "cancel"   // cancelled
)

// DetailsInput is Details with the case owner by id or code.
type DetailsInput struct {
	Format          Format
	Experts         []Expert
	Case            string
	CaseOwner       string
	CallOpensOn     time.Time
	CallClosesOn    time.Time
	TownHall        string
	OpenToResidents *bool
}

// VenueInput is Venue with the host by id or code.
type VenueInput struct {
	Name    string
	Address string
	City    string
	Host    string
}

// AsInput turns a meeting back into the input that would produce it, so a
// partial change (PATCH) can start from the current state.
func (m Meeting) AsInput() Input {
	in := Input{Sequence: m.Sequence, Title: m.Title, Topic: m.Topic, Description: m.Description, Tags: m.Tags,
		Format: m.Format, StartsAt: m.StartsAt, EndsAt: m.EndsAt, TimeZone: m.TimeZone, OnlineURL: m.OnlineURL,
		Capacity: m.Capacity, Status: m.Status, CancellationReason: m.CancellationReason, Example: m.Example,
		RegistrationOpensAt: m.RegistrationOpensAt, RegistrationClosesAt: m.RegistrationClosesAt}
	if m.Details != nil {
		d := m.Details
		open := d.OpenToResidents
		in.Details = &DetailsInput{Format: d.Format, Experts: d.Experts, Case: d.Case, CaseOwner: d.CaseOwner.Code,
			CallOpensOn: d.CallOpensOn, CallClosesOn: d.CallClosesOn, TownHall: d.TownHall, OpenToResidents: &open}
	}
	if m.Venue != nil {
		in.Venue = &VenueInput{Name: m.Venue.Name, Address: m.Venue.Address, City: m.Venue.City, Host: m.Venue.Host.Code}
	}
	if m.GuestChair != nil {
		in.GuestChair = m.GuestChair.Code
	}
	return in
}
