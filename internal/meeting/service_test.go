package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// noon on 15 June 2024, with a fraction of a second that survives storage.
var start = time.Date(2024, 6, 15, 12, 0, 0, 123456000, time.UTC)

// env is a fresh, migrated database (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set) with the seeded organisations and the services.
type env struct {
	db       *store.DB
	clock    *apptest.Clock
	orgs     *organisation.Service
	people   *person.Service
	meetings *meeting.Service
	pubs     *publication.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url := apptest.DatabaseURL(t)
	db := apptest.StoreAt(t, url)
	c := apptest.NewClock(start)
	orgs := organisation.NewService(db, c.Now)
	people := person.NewService(db, orgs, c.Now)
	e := &env{db: db, clock: c, orgs: orgs, people: people,
		meetings: meeting.NewService(db, orgs, people, c.Now), pubs: publication.NewService(db, c.Now)}
	apptest.SeedDatabase(t, url)
	return e
}

var (
	admin     = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor    = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	analyst   = domain.Actor{Subject: "analyst-1", Role: domain.RoleAnalyst}
	partner   = domain.Actor{Subject: "partner-1", Role: domain.RolePartner}
	anonymous = domain.Actor{}
)

func member(orgID string) domain.Actor {
	return domain.Actor{Subject: "member-of-" + orgID, Role: domain.RoleMember, OrganisationID: orgID}
}

func (e *env) org(t *testing.T, ref string) organisation.Organisation {
	t.Helper()
	o, err := e.orgs.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("get organisation %s: %v", ref, err)
	}
	return o
}

// municipality adds a member municipality with the given membership period.
func (e *env) municipality(t *testing.T, code, name string, joined, left time.Time) organisation.Organisation {
	t.Helper()
	o, err := e.orgs.Create(apptest.As(domain.System), organisation.Input{Code: code, Name: name, Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, JoinedOn: joined, LeftOn: left, Province: "Zuid-Holland"})
	if err != nil {
		t.Fatalf("create %s: %v", code, err)
	}
	return o
}

// session is a valid planned knowledge session of two hours.
func session(startsAt time.Time) meeting.Input {
	return meeting.Input{Title: "Pioniersbijeenkomst", Topic: "Open data", Format: meeting.FormatKnowledgeSession,
		StartsAt: startsAt, EndsAt: startsAt.Add(2 * time.Hour)}
}

// confirmed is a session with a guest chair and a venue, in the given status.
func confirmed(startsAt time.Time, status meeting.Status) meeting.Input {
	in := session(startsAt)
	in.Status, in.GuestChair = status, "GM0606"
	in.Venue = &meeting.VenueInput{Name: "Stadskantoor", Address: "Stadserf 1", City: "Schiedam", Host: "GM0606"}
	return in
}

// conference is a conference whose call for papers runs from opens to closes.
func conference(startsAt, opens, closes time.Time) meeting.Input {
	in := session(startsAt)
	in.Format = meeting.FormatConference
	in.Title = "Conferentie Open Overheid"
	in.Details = &meeting.DetailsInput{Format: meeting.FormatConference, CallOpensOn: opens, CallClosesOn: closes}
	return in
}

func (e *env) mustCreate(t *testing.T, in meeting.Input) meeting.Meeting {
	t.Helper()
	m, err := e.meetings.Create(apptest.As(domain.System), in)
	if err != nil {
		t.Fatalf("create meeting %q: %v", in.Title, err)
	}
	return m
}

func (e *env) mustGet(t *testing.T, id string) meeting.Meeting {
	t.Helper()
	m, err := e.meetings.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get meeting %s: %v", id, err)
	}
	return m
}

// heldMeeting is a meeting that ended before the clock's time, marked held.
func (e *env) heldMeeting(t *testing.T, startsAt time.Time) meeting.Meeting {
	t.Helper()
	return e.mustCreate(t, confirmed(startsAt, meeting.StatusHeld))
}

func (e *env) changes(t *testing.T, id string) []domain.Change {
	t.Helper()
	cs, err := e.db.Changes(context.Background(), "meeting", id)
	if err != nil {
		t.Fatalf("changes of %s: %v", id, err)
	}
	return cs
}

func set(status meeting.Status, reason string) func(meeting.Input) (meeting.Input, error) {
	return func(in meeting.Input) (meeting.Input, error) {
		in.Status, in.CancellationReason = status, reason
		return in, nil
	}
}

func TestGuestChairMustBeAnActiveMunicipalityOnTheMeetingsDate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The meeting starts at half past midnight on 12 September in Amsterdam,
	// which is still 11 September in UTC.
	day := apptest.AmsterdamTime(2024, 9, 12, 0, 30)
	e.municipality(t, "GM0363", "Amsterdam", apptest.Date(2019, 1, 1), apptest.Date(2024, 9, 1))  // left before the date
	e.municipality(t, "GM0518", "'s-Gravenhage", apptest.Date(2024, 10, 1), time.Time{})          // joins after
	e.municipality(t, "GM0599", "Rotterdam", apptest.Date(2024, 9, 12), time.Time{})              // joins that very day
	e.municipality(t, "GM0014", "Groningen", apptest.Date(2019, 1, 1), apptest.Date(2024, 9, 12)) // leaves that very day
	e.municipality(t, "GM0153", "Enschede", apptest.Date(2019, 1, 1), apptest.Date(2024, 9, 13))  // leaves the day after
	e.municipality(t, "GM0200", "Apeldoorn", apptest.Date(2024, 9, 11), time.Time{})              // joined the UTC date
	e.municipality(t, "GM0202", "Arnhem", time.Time{}, time.Time{})                               // join date unknown
	e.municipality(t, "GM0268", "Nijmegen", apptest.Date(2018, 7, 1), apptest.Date(2024, 9, 11))  // left on the UTC date
	tests := []struct {
		chair string
		want  []string
	}{
		{"GM0606", nil},
		{"gm0344", nil},
		{"GM0599", nil},
		{"GM0153", nil},
		{"GM0200", nil},
		{"GM0202", nil},
		{"leoo", []string{"guestChair"}},
		{"GM0363", []string{"guestChair"}},
		{"GM0518", []string{"guestChair"}},
		{"GM0014", []string{"guestChair"}},
		{"GM0268", []string{"guestChair"}},
		{"GM9999", []string{"guestChair"}},
	}
	for _, tt := range tests {
		t.Run(tt.chair, func(t *testing.T) {
			in := session(day)
			in.GuestChair = tt.chair
			m, err := e.meetings.Create(apptest.As(editor), in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v; want the guest chair accepted", err)
				}
				if got, want := m.GuestChair.Code, organisation.NormaliseRef(tt.chair); got != want {
					t.Errorf("got guest chair %s; want %s", got, want)
				}
				if got := e.mustGet(t, m.ID).GuestChair; got == nil || got.ID != m.GuestChair.ID || got.Name == "" {
					t.Errorf("stored guest chair: got %+v; want %+v", got, m.GuestChair)
				}
				return
			}
			apptest.CheckCode(t, "create", err, domain.CodeInvalid)
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("got fields %v; want %v", got, tt.want)
			}
		})
	}

	t.Run("moving the meeting past the day the chair left", func(t *testing.T) {
		in := session(apptest.AmsterdamTime(2024, 8, 20, 14, 0))
		in.GuestChair = "GM0363"
		m := e.mustCreate(t, in)
		_, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
			in.StartsAt, in.EndsAt = day, day.Add(time.Hour)
			return in, nil
		}, apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "update", err, domain.CodeInvalid)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"guestChair"}) {
			t.Errorf("got fields %v; want [guestChair]", got)
		}
	})
}

func TestMeetingRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	tests := []struct {
		name string
		in   func() meeting.Input
		want []string // sorted invalid fields; nil when valid
	}{
		{"a planned session", func() meeting.Input { return session(when) }, nil},
		{"confirmed with guest chair and venue", func() meeting.Input { return confirmed(when, meeting.StatusConfirmed) }, nil},
		{"confirmed with guest chair and online link only", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Venue, in.OnlineURL = nil, "https://meet.example.nl/pioniers"
			return in
		}, nil},
		{"confirmed without guest chair", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.GuestChair = ""
			return in
		}, []string{"guestChair"}},
		{"confirmed without venue or online link", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Venue = nil
			return in
		}, []string{"venue"}},
		{"confirmed with neither", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Venue, in.GuestChair = nil, ""
			return in
		}, []string{"guestChair", "venue"}},
		{"online link that is no URL", func() meeting.Input {
			in := session(when)
			in.OnlineURL = "meet.example.nl"
			return in
		}, []string{"onlineUrl"}},
		{"venue without a name", func() meeting.Input {
			in := session(when)
			in.Venue = &meeting.VenueInput{City: "Schiedam"}
			return in
		}, []string{"venue.name"}},
		{"unknown venue host", func() meeting.Input {
			in := session(when)
			in.Venue = &meeting.VenueInput{Name: "Zaal", Host: "GM9999"}
			return in
		}, []string{"venue.hostOrganisation"}},
		{"held in the future", func() meeting.Input { return confirmed(when, meeting.StatusHeld) }, []string{"status"}},
		{"registration window inside the run-up", func() meeting.Input {
			in := session(when)
			in.RegistrationOpensAt, in.RegistrationClosesAt = when.AddDate(0, -1, 0), when.AddDate(0, 0, -7)
			return in
		}, nil},
		{"registration closing at the start", func() meeting.Input {
			in := session(when)
			in.RegistrationClosesAt = when
			return in
		}, nil},
		{"registration closing after the start", func() meeting.Input {
			in := session(when)
			in.RegistrationClosesAt = when.Add(time.Minute)
			return in
		}, []string{"registrationClosesAt"}},
		{"registration closing when it opens", func() meeting.Input {
			in := session(when)
			in.RegistrationOpensAt, in.RegistrationClosesAt = when.AddDate(0, 0, -7), when.AddDate(0, 0, -7)
			return in
		}, []string{"registrationClosesAt"}},
		{"registration closing before it opens", func() meeting.Input {
			in := session(when)
			in.RegistrationOpensAt, in.RegistrationClosesAt = when.AddDate(0, 0, -1), when.AddDate(0, 0, -7)
			return in
		}, []string{"registrationClosesAt"}},
		{"registration opening at the start, no closing", func() meeting.Input {
			in := session(when)
			in.RegistrationOpensAt = when
			return in
		}, []string{"registrationOpensAt"}},
		{"unknown overflow", func() meeting.Input {
			in := session(when)
			in.Overflow = "drop"
			return in
		}, []string{"overflow"}},
		{"cancelled without a reason", func() meeting.Input { return confirmed(when, meeting.StatusCancelled) }, []string{"cancellationReason"}},
		{"cancelled with a blank reason", func() meeting.Input {
			in := confirmed(when, meeting.StatusCancelled)
			in.CancellationReason = "  "
			return in
		}, []string{"cancellationReason"}},
		{"cancelled with a reason", func() meeting.Input {
			in := session(when)
			in.Status, in.CancellationReason = meeting.StatusCancelled, "te weinig aanmeldingen"
			return in
		}, nil},
		{"unknown status", func() meeting.Input {
			in := session(when)
			in.Status = "postponed"
			return in
		}, []string{"status"}},
		{"ends when it starts", func() meeting.Input {
			in := session(when)
			in.EndsAt = when
			return in
		}, []string{"endsAt"}},
		{"ends before it starts", func() meeting.Input {
			in := session(when)
			in.EndsAt = when.Add(-time.Minute)
			return in
		}, []string{"endsAt"}},
		{"no start", func() meeting.Input {
			in := session(time.Time{})
			in.EndsAt = when
			return in
		}, []string{"startsAt"}},
		{"another time zone", func() meeting.Input {
			in := session(when)
			in.TimeZone = "Europe/London"
			return in
		}, []string{"timeZone"}},
		{"negative capacity", func() meeting.Input {
			in := session(when)
			in.Capacity = -1
			return in
		}, []string{"capacity"}},
		{"unknown format", func() meeting.Input {
			in := session(when)
			in.Format = "webinar"
			return in
		}, []string{"format"}},
		{"details of another format", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatLab
			in.Details = &meeting.DetailsInput{Format: meeting.FormatConference, CallOpensOn: apptest.Date(2024, 6, 1), CallClosesOn: apptest.Date(2024, 8, 1)}
			return in
		}, []string{"details.format"}},
		{"details without a format", func() meeting.Input {
			in := session(when)
			in.Details = &meeting.DetailsInput{Experts: []meeting.Expert{{Name: "A. Expert"}}}
			return in
		}, []string{"details.format"}},
		{"session with experts", func() meeting.Input {
			in := session(when)
			in.Details = &meeting.DetailsInput{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: "A. Expert", Affiliation: "LEOO"}}}
			return in
		}, nil},
		{"session with a nameless expert", func() meeting.Input {
			in := session(when)
			in.Details = &meeting.DetailsInput{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: "A"}, {Affiliation: "LEOO"}}}
			return in
		}, []string{"details.experts[1].name"}},
		{"other with details", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatOther
			in.Details = &meeting.DetailsInput{Format: meeting.FormatOther}
			return in
		}, []string{"details"}},
		{"other without details", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatOther
			return in
		}, nil},
		{"conference closing on its day", func() meeting.Input { return conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 9, 12)) }, nil},
		{"conference closing the day after", func() meeting.Input {
			return conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 9, 13))
		}, []string{"details.callForPapers.closesOn"}},
		{"conference just after midnight in Amsterdam closing that day", func() meeting.Input {
			return conference(apptest.AmsterdamTime(2024, 9, 12, 0, 30), apptest.Date(2024, 6, 1), apptest.Date(2024, 9, 12))
		}, nil},
		{"conference closing before it opens", func() meeting.Input {
			return conference(when, apptest.Date(2024, 8, 1), apptest.Date(2024, 7, 31))
		}, []string{"details.callForPapers.closesOn"}},
		{"conference opening and closing on one day", func() meeting.Input {
			return conference(when, apptest.Date(2024, 8, 1), apptest.Date(2024, 8, 1))
		}, nil},
		{"conference without dates", func() meeting.Input {
			return conference(when, time.Time{}, time.Time{})
		}, []string{"details.callForPapers"}},
		{"conference without call for papers", func() meeting.Input {
			in := conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 8, 1))
			in.Details = nil
			return in
		}, []string{"details"}},
		{"lab with a case", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatLab
			in.Details = &meeting.DetailsInput{Format: meeting.FormatLab, Case: "Woo-verzoeken sneller afhandelen", CaseOwner: "GM0344"}
			return in
		}, nil},
		{"lab without details", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatLab
			return in
		}, []string{"details"}},
		{"lab with an empty case", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatLab
			in.Details = &meeting.DetailsInput{Format: meeting.FormatLab, Case: " "}
			return in
		}, []string{"details.case"}},
		{"lab with an unknown case owner", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatLab
			in.Details = &meeting.DetailsInput{Format: meeting.FormatLab, Case: "Casus", CaseOwner: "nobody"}
			return in
		}, []string{"details.caseOwner"}},
		{"residents' meeting in a town hall", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatResidents
			in.Details = &meeting.DetailsInput{Format: meeting.FormatResidents, TownHall: "Stadhuis Schiedam"}
			return in
		}, nil},
		{"residents' meeting without details", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatResidents
			return in
		}, []string{"details"}},
		{"residents' meeting without town hall", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatResidents
			in.Details = &meeting.DetailsInput{Format: meeting.FormatResidents}
			return in
		}, []string{"details.townHall"}},
		{"every problem at once", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Title, in.Topic, in.TimeZone = " ", "", "UTC"
			in.EndsAt = when.Add(-time.Hour)
			in.GuestChair, in.Venue = "leoo", nil
			in.Capacity = -5
			in.OnlineURL = "ftp://example.nl"
			return in
		}, []string{"capacity", "endsAt", "guestChair", "onlineUrl", "timeZone", "title", "topic"}},
		{"every problem of a conference at once", func() meeting.Input {
			in := conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 10, 1))
			in.Status = meeting.StatusConfirmed
			in.Title = ""
			return in
		}, []string{"details.callForPapers.closesOn", "guestChair", "title", "venue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := e.meetings.Create(apptest.As(editor), tt.in())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v; want the meeting created", err)
				}
				if got := e.mustGet(t, m.ID); !sameMeeting(got, m) {
					t.Errorf("stored: got %+v; want %+v", got, m)
				}
				return
			}
			apptest.CheckCode(t, "create", err, domain.CodeInvalid)
			if got := apptest.FieldNames(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("got fields %v; want %v", got, tt.want)
			}
		})
	}
}

// sameMeeting compares every field of two meetings, times by instant.
func sameMeeting(a, b meeting.Meeting) bool {
	norm := func(m meeting.Meeting) meeting.Meeting {
		for _, tm := range []*time.Time{&m.StartsAt, &m.EndsAt, &m.CreatedAt, &m.UpdatedAt} {
			*tm = tm.UTC()
		}
		if len(m.Tags) == 0 {
			m.Tags = nil
		}
		if m.Report != nil {
			r := *m.Report
			r.PublishedOn, r.CreatedAt, r.UpdatedAt = r.PublishedOn.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
			m.Report = &r
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestCreateStoresEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := confirmed(apptest.AmsterdamTime(2024, 9, 12, 14, 0), meeting.StatusConfirmed)
	in.Sequence, in.Description, in.Capacity = 7, "  Over de Woo  ", 40
	in.Tags = []string{"Woo", " woo ", "open data", ""}
	in.OnlineURL = "https://meet.example.nl/7"
	in.Format = meeting.FormatLab
	in.Details = &meeting.DetailsInput{Format: meeting.FormatLab, Case: " Actieve openbaarmaking ", CaseOwner: "gm0344"}
	m, err := e.meetings.Create(apptest.As(editor), in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got := e.mustGet(t, m.ID)
	checks := []struct {
		name      string
		got, want any
	}{
		{"sequence", got.Sequence, 7},
		{"description", got.Description, "Over de Woo"},
		{"tags", fmt.Sprint(got.Tags), "[woo open data]"},
		{"capacity", got.Capacity, 40},
		{"status", got.Status, meeting.StatusConfirmed},
		{"time zone", got.TimeZone, meeting.TimeZone},
		{"starts", got.StartsAt.Equal(in.StartsAt), true},
		{"ends", got.EndsAt.Equal(in.EndsAt), true},
		{"case", got.Details.Case, "Actieve openbaarmaking"},
		{"case owner", got.Details.CaseOwner.Code, "GM0344"},
		{"venue host", got.Venue.Host.Code, "GM0606"},
		{"venue city", got.Venue.City, "Schiedam"},
		{"guest chair", got.GuestChair.Code, "GM0606"},
		{"online", got.OnlineURL, "https://meet.example.nl/7"},
		{"version", got.Version, domain.Version(1)},
		{"created", got.CreatedAt.Equal(start.Truncate(time.Microsecond)), true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v; want %v", c.name, c.got, c.want)
		}
	}
	cs := e.changes(t, m.ID)
	if len(cs) != 1 || cs[0].Action != domain.ActionCreate || cs[0].Actor != editor.Subject || cs[0].Version != 1 {
		t.Fatalf("got changes %+v; want one create by %s at version 1", cs, editor.Subject)
	}
	for _, f := range []string{"title", "format", "details", "startsAt", "venue", "guestChair", "status"} {
		if !slices.Contains(cs[0].Fields, f) {
			t.Errorf("create change fields %v lack %s", cs[0].Fields, f)
		}
	}
}

func TestStatusLifeCycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	before, after := when.Add(-time.Minute), when.Add(time.Minute)

	t.Run("held only once it has started", func(t *testing.T) {
		e.clock.Set(before)
		t.Cleanup(func() { e.clock.Set(start) })
		m := e.mustCreate(t, confirmed(when, meeting.StatusConfirmed))
		_, err := e.meetings.Update(apptest.As(editor), m.ID, set(meeting.StatusHeld, ""), apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "held before the start", err, domain.CodeInvalid)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"status"}) {
			t.Errorf("got fields %v; want [status]", got)
		}
		e.clock.Set(after)
		held, err := e.meetings.Update(apptest.As(editor), m.ID, set(meeting.StatusHeld, ""), apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatalf("held after the start: %v", err)
		}
		if held.Status != meeting.StatusHeld || held.Version != m.Version+1 {
			t.Errorf("got status %s version %d; want held at version %d", held.Status, held.Version, m.Version+1)
		}
	})

	t.Run("held needs a guest chair and a venue", func(t *testing.T) {
		e.clock.Set(after)
		t.Cleanup(func() { e.clock.Set(start) })
		m := e.mustCreate(t, session(when))
		_, err := e.meetings.Update(apptest.As(editor), m.ID, set(meeting.StatusHeld, ""), apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "held without chair and venue", err, domain.CodeInvalid)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"guestChair", "venue"}) {
			t.Errorf("got fields %v; want [guestChair venue]", got)
		}
	})

	// Every change of status of a meeting with a guest chair and a venue,
	// once it has started, with a reason whenever it is cancelled.
	tests := []struct {
		from, to meeting.Status
		want     domain.Code
	}{
		{meeting.StatusPlanned, meeting.StatusConfirmed, ""},
		{meeting.StatusPlanned, meeting.StatusHeld, ""},
		{meeting.StatusPlanned, meeting.StatusCancelled, ""},
		{meeting.StatusConfirmed, meeting.StatusPlanned, ""},
		{meeting.StatusConfirmed, meeting.StatusHeld, ""},
		{meeting.StatusConfirmed, meeting.StatusCancelled, ""},
		{meeting.StatusCancelled, meeting.StatusHeld, domain.CodeConflict},
		{meeting.StatusCancelled, meeting.StatusPlanned, domain.CodeConflict},
		{meeting.StatusCancelled, meeting.StatusConfirmed, domain.CodeConflict},
		{meeting.StatusHeld, meeting.StatusPlanned, domain.CodeConflict},
		{meeting.StatusHeld, meeting.StatusConfirmed, domain.CodeConflict},
		{meeting.StatusHeld, meeting.StatusCancelled, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s to %s", tt.from, tt.to), func(t *testing.T) {
			e.clock.Set(after)
			t.Cleanup(func() { e.clock.Set(start) })
			in := confirmed(when, tt.from)
			if tt.from == meeting.StatusCancelled {
				in.CancellationReason = "storm"
			}
			m := e.mustCreate(t, in)
			reason := ""
			if tt.to == meeting.StatusCancelled {
				reason = "storm"
			}
			got, err := e.meetings.Update(apptest.As(editor), m.ID, set(tt.to, reason), apptest.IfVersion(m.Version))
			apptest.CheckCode(t, "update", err, tt.want)
			stored := e.mustGet(t, m.ID)
			if tt.want != "" {
				if stored.Status != tt.from || stored.Version != m.Version {
					t.Errorf("after a refused change: got %s at version %d; want %s at version %d", stored.Status, stored.Version, tt.from, m.Version)
				}
				var de *domain.Error
				if errors.As(err, &de) && (len(de.Fields) != 1 || de.Fields[0].Name != "status") {
					t.Errorf("got fields %+v; want status", de.Fields)
				}
				return
			}
			if got.Status != tt.to || stored.Status != tt.to {
				t.Errorf("got status %s, stored %s; want %s", got.Status, stored.Status, tt.to)
			}
			if stored.CancellationReason != reason {
				t.Errorf("got reason %q; want %q", stored.CancellationReason, reason)
			}
		})
	}

	t.Run("a reason goes when the meeting is no longer cancelled", func(t *testing.T) {
		m := e.mustCreate(t, session(when))
		got, err := e.meetings.Update(apptest.As(editor), m.ID, set(meeting.StatusPlanned, "wordt genegeerd"), apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if got.CancellationReason != "" || got.Version != m.Version {
			t.Errorf("got reason %q at version %d; want none at version %d", got.CancellationReason, got.Version, m.Version)
		}
	})

	t.Run("status left out keeps the current one", func(t *testing.T) {
		m := e.mustCreate(t, confirmed(when, meeting.StatusConfirmed))
		got, err := e.meetings.Replace(apptest.As(editor), m.ID, func() meeting.Input {
			in := confirmed(when, "")
			in.Title = "Nieuwe titel"
			return in
		}(), apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != meeting.StatusConfirmed || got.Title != "Nieuwe titel" {
			t.Errorf("got %s %q; want confirmed with the new title", got.Status, got.Title)
		}
	})
}

// action is one write of the meeting service, set up as the system and
// then performed as the actor in ctx.
type action struct {
	name string
	do   func(t *testing.T, e *env, ctx context.Context) error
}

func meetingActions() []action {
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	return []action{
		{"create", func(t *testing.T, e *env, ctx context.Context) error {
			_, err := e.meetings.Create(ctx, session(when))
			return err
		}},
		{"replace", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.mustCreate(t, session(when))
			in := session(when)
			in.Title = "Andere titel"
			_, err := e.meetings.Replace(ctx, m.ID, in, apptest.IfVersion(m.Version))
			return err
		}},
		{"update", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.mustCreate(t, session(when))
			_, err := e.meetings.Update(ctx, m.ID, func(in meeting.Input) (meeting.Input, error) {
				in.Topic = "Woo"
				return in, nil
			}, apptest.IfVersion(m.Version))
			return err
		}},
		{"delete", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.mustCreate(t, session(when))
			return e.meetings.Delete(ctx, m.ID, apptest.IfVersion(m.Version))
		}},
		{"putReport", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 1, 14, 0))
			_, err := e.meetings.PutReport(ctx, m.ID, meeting.ReportInput{URL: "https://www.open-government.nl/verslag", PublishedOn: apptest.Date(2024, 6, 10)})
			return err
		}},
		{"decide", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.mustCreate(t, conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 8, 31)))
			sub, err := e.meetings.Submit(apptest.As(partner), m.ID, paper())
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			if _, err := e.meetings.Move(apptest.As(editor), m.ID, sub.ID, meeting.UnderReview, "", domain.Precondition{}); err != nil {
				t.Fatalf("start the review: %v", err)
			}
			_, err = e.meetings.Decide(ctx, m.ID, sub.ID, meeting.Accepted)
			return err
		}},
		{"markAttendance", func(t *testing.T, e *env, ctx context.Context) error {
			m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 6, 20, 14, 0)))
			p := e.person(t, "Deelnemer", "GM0606")
			r, err := e.meetings.Register(apptest.As(editor), m.ID, p.ID)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			e.clock.Set(apptest.AmsterdamTime(2024, 6, 20, 15, 0))
			defer e.clock.Set(start)
			_, err = e.meetings.MarkAttendance(ctx, m.ID, r.ID, true)
			return err
		}},
	}
}

func TestWritesNeedAnEditor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam := e.org(t, "GM0606")
	actors := []struct {
		name  string
		actor domain.Actor
		want  domain.Code
	}{
		{"admin", admin, ""},
		{"editor", editor, ""},
		{"anonymous", anonymous, domain.CodeUnauthenticated},
		{"member", member(schiedam.ID), domain.CodeForbidden},
		{"analyst", analyst, domain.CodeForbidden},
		{"partner", partner, domain.CodeForbidden},
	}
	for _, a := range meetingActions() {
		for _, actor := range actors {
			t.Run(a.name+" as "+actor.name, func(t *testing.T) {
				err := a.do(t, e, apptest.As(actor.actor))
				apptest.CheckCode(t, a.name, err, actor.want)
			})
		}
	}
}

func TestReadsArePublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	if _, err := e.meetings.Get(apptest.As(anonymous), m.ID); err != nil {
		t.Errorf("get as anonymous: %v", err)
	}
	page, err := e.meetings.List(apptest.As(anonymous), meeting.ListRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("list as anonymous: got %d meetings, %v; want 1", len(page.Items), err)
	}
	_, err = e.meetings.Get(apptest.As(anonymous), "01900000-0000-7000-8000-000000000000")
	apptest.CheckCode(t, "get unknown", err, domain.CodeNotFound)
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	rename := func(title string) func(meeting.Input) (meeting.Input, error) {
		return func(in meeting.Input) (meeting.Input, error) {
			in.Title = title
			return in, nil
		}
	}

	t.Run("preconditions", func(t *testing.T) {
		m := e.mustCreate(t, session(when))
		tests := []struct {
			name string
			pre  domain.Precondition
			want domain.Code
		}{
			{"missing", domain.Precondition{}, domain.CodePreconditionNeeded},
			{"stale", apptest.IfVersion(m.Version + 1), domain.CodePreconditionFailed},
			{"older", apptest.IfVersion(m.Version - 1), domain.CodePreconditionFailed},
		}
		for _, tt := range tests {
			_, err := e.meetings.Update(apptest.As(editor), m.ID, rename("Nooit"), tt.pre)
			apptest.CheckCode(t, tt.name, err, tt.want)
			_, err = e.meetings.Replace(apptest.As(editor), m.ID, session(when), tt.pre)
			apptest.CheckCode(t, tt.name+" (replace)", err, tt.want)
			err = e.meetings.Delete(apptest.As(editor), m.ID, tt.pre)
			apptest.CheckCode(t, tt.name+" (delete)", err, tt.want)
		}
		if got := e.mustGet(t, m.ID); got.Title != m.Title || got.Version != m.Version {
			t.Errorf("got %q at version %d; want %q at version %d", got.Title, got.Version, m.Title, m.Version)
		}
		if got := len(e.changes(t, m.ID)); got != 1 {
			t.Errorf("got %d changes; want only the create", got)
		}
		if _, err := e.meetings.Update(apptest.As(editor), m.ID, rename("Altijd"), domain.Precondition{Present: true, Any: true}); err != nil {
			t.Errorf("If-Match *: %v", err)
		}
	})

	t.Run("unknown meeting", func(t *testing.T) {
		_, err := e.meetings.Update(apptest.As(editor), "01900000-0000-7000-8000-000000000000", rename("x"), apptest.IfVersion(1))
		apptest.CheckCode(t, "update", err, domain.CodeNotFound)
	})

	t.Run("the change function's error stops the update", func(t *testing.T) {
		m := e.mustCreate(t, session(when))
		want := (domain.Problems{{Name: "body", Reason: "broken"}}).Err()
		_, err := e.meetings.Update(apptest.As(editor), m.ID, func(meeting.Input) (meeting.Input, error) { return meeting.Input{}, want }, apptest.IfVersion(m.Version))
		if !errors.Is(err, want) {
			t.Errorf("got %v; want the change function's error", err)
		}
	})

	t.Run("version bumps only on real changes", func(t *testing.T) {
		m := e.mustCreate(t, confirmed(when, meeting.StatusConfirmed))
		e.clock.Set(start.Add(time.Hour))
		t.Cleanup(func() { e.clock.Set(start) })
		same, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
			in.Title = "  " + in.Title + " " // trimmed to the same
			in.GuestChair = "gm0606"         // the same organisation, typed differently
			return in, nil
		}, apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if same.Version != m.Version || !same.UpdatedAt.Equal(m.UpdatedAt) {
			t.Errorf("no-op: got version %d updated %v; want %d %v", same.Version, same.UpdatedAt, m.Version, m.UpdatedAt)
		}
		changed, err := e.meetings.Update(apptest.As(editor), m.ID, rename("Tweede titel"), apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if changed.Version != m.Version+1 || !changed.UpdatedAt.Equal(start.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("change: got version %d updated %v; want %d %v", changed.Version, changed.UpdatedAt, m.Version+1, start.Add(time.Hour))
		}
		if got := e.mustGet(t, m.ID); got.Title != "Tweede titel" || got.Version != changed.Version || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("stored: got %q version %d created %v; want the new title at version %d created %v", got.Title, got.Version, got.CreatedAt, changed.Version, m.CreatedAt)
		}
		cs := e.changes(t, m.ID)
		if len(cs) != 2 {
			t.Fatalf("got %d changes; want create and one update: %+v", len(cs), cs)
		}
		want := domain.Change{Resource: "meeting", ResourceID: m.ID, Action: domain.ActionUpdate, Actor: editor.Subject,
			Fields: []string{"title"}, Version: 2, At: start.Add(time.Hour).Truncate(time.Microsecond)}
		got := cs[1]
		got.At = got.At.UTC()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got change %+v; want %+v", got, want)
		}
		// Two fields at once, named in the order of the meeting's fields.
		_, err = e.meetings.Update(apptest.As(admin), m.ID, func(in meeting.Input) (meeting.Input, error) {
			in.Capacity, in.Venue = 12, nil
			in.OnlineURL = "https://meet.example.nl/x"
			return in, nil
		}, apptest.IfVersion(changed.Version))
		if err != nil {
			t.Fatal(err)
		}
		cs = e.changes(t, m.ID)
		if got := cs[len(cs)-1]; !slices.Equal(got.Fields, []string{"venue", "onlineUrl", "capacity"}) || got.Version != 3 || got.Actor != admin.Subject {
			t.Errorf("got change %+v; want venue, onlineUrl, capacity at version 3 by %s", got, admin.Subject)
		}
	})

	// The change function starts from the current state, as a JSON Merge
	// Patch does: returning it unchanged must change nothing, for every format.
	formats := []struct {
		name string
		in   meeting.Input
	}{
		{"knowledge session", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Details = &meeting.DetailsInput{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: "A. Expert", Affiliation: "LEOO"}}}
			in.Tags, in.Sequence, in.Capacity, in.Description = []string{"woo"}, 3, 25, "Beschrijving"
			in.OnlineURL = "https://meet.example.nl/3"
			return in
		}()},
		{"lab", func() meeting.Input {
			in := confirmed(when, meeting.StatusConfirmed)
			in.Format = meeting.FormatLab
			in.Details = &meeting.DetailsInput{Format: meeting.FormatLab, Case: "Casus", CaseOwner: "leoo"}
			return in
		}()},
		{"conference", func() meeting.Input {
			in := conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 8, 31))
			in.GuestChair = "GM0344"
			return in
		}()},
		{"residents' meeting, closed to residents", func() meeting.Input {
			in := session(when)
			closed := false
			in.Format = meeting.FormatResidents
			in.Details = &meeting.DetailsInput{Format: meeting.FormatResidents, TownHall: "Stadhuis", OpenToResidents: &closed}
			return in
		}()},
		{"residents' meeting, open to residents", func() meeting.Input {
			in := session(when)
			in.Format = meeting.FormatResidents
			in.Details = &meeting.DetailsInput{Format: meeting.FormatResidents, TownHall: "Stadhuis"}
			return in
		}()},
		{"other, cancelled", func() meeting.Input {
			in := session(when)
			in.Format, in.Status, in.CancellationReason = meeting.FormatOther, meeting.StatusCancelled, "storm"
			in.Venue = &meeting.VenueInput{Name: "Zaal zonder gastheer"}
			return in
		}()},
	}
	for _, f := range formats {
		t.Run("unchanged "+f.name, func(t *testing.T) {
			m := e.mustCreate(t, f.in)
			got, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) { return in, nil }, apptest.IfVersion(m.Version))
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if got.Version != m.Version {
				t.Errorf("got version %d; want %d unchanged; changes %+v", got.Version, m.Version, e.changes(t, m.ID))
			}
			if !sameMeeting(e.mustGet(t, m.ID), m) {
				t.Errorf("stored: got %+v; want %+v", e.mustGet(t, m.ID), m)
			}
		})
	}

	// Times travel with nanoseconds (RFC 3339 allows them); the database
	// keeps microseconds. What Create returns is what is stored, and sending
	// the same meeting again is no change.
	t.Run("the same input twice, with nanoseconds", func(t *testing.T) {
		in := confirmed(when.Add(123456789*time.Nanosecond), meeting.StatusConfirmed)
		in.EndsAt = in.EndsAt.Add(987 * time.Nanosecond)
		m := e.mustCreate(t, in)
		if got := e.mustGet(t, m.ID); !got.StartsAt.Equal(m.StartsAt) || !got.EndsAt.Equal(m.EndsAt) {
			t.Errorf("stored %v..%v; created %v..%v", got.StartsAt, got.EndsAt, m.StartsAt, m.EndsAt)
		}
		again, err := e.meetings.Replace(apptest.As(editor), m.ID, in, apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if again.Version != m.Version {
			t.Errorf("got version %d; want %d unchanged; changes %+v", again.Version, m.Version, e.changes(t, m.ID))
		}
	})

	t.Run("example flag stays", func(t *testing.T) {
		in := session(when)
		in.Example = true
		m := e.mustCreate(t, in)
		got, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
			in.Example, in.Title = false, "Ander"
			return in, nil
		}, apptest.IfVersion(m.Version))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Example || !e.mustGet(t, m.ID).Example {
			t.Errorf("got example %v; want it kept", got.Example)
		}
	})
}

func TestDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)

	t.Run("a meeting entered by mistake", func(t *testing.T) {
		m := e.mustCreate(t, session(when))
		if err := e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version)); err != nil {
			t.Fatal(err)
		}
		_, err := e.meetings.Get(context.Background(), m.ID)
		apptest.CheckCode(t, "get after delete", err, domain.CodeNotFound)
		cs := e.changes(t, m.ID)
		if len(cs) != 2 || cs[1].Action != domain.ActionDelete || cs[1].Version != 2 || cs[1].Actor != editor.Subject {
			t.Errorf("got changes %+v; want create and delete at version 2", cs)
		}
		err = e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "delete again", err, domain.CodeNotFound)
	})

	t.Run("with a registration", func(t *testing.T) {
		m := e.mustCreate(t, session(when))
		p := e.person(t, "Aangemeld", "GM0606")
		if _, err := e.meetings.Register(apptest.As(editor), m.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		err := e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "delete", err, domain.CodeConflict)
	})

	t.Run("with a report", func(t *testing.T) {
		m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 1, 14, 0))
		m, err := e.meetings.PutReport(apptest.As(editor), m.ID, meeting.ReportInput{URL: "https://example.nl/r", PublishedOn: apptest.Date(2024, 6, 2)})
		if err != nil {
			t.Fatal(err)
		}
		err = e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "delete", err, domain.CodeConflict)
	})

	t.Run("with a submission", func(t *testing.T) {
		m := e.mustCreate(t, conference(when, apptest.Date(2024, 6, 1), apptest.Date(2024, 8, 31)))
		if _, err := e.meetings.Submit(apptest.As(partner), m.ID, paper()); err != nil {
			t.Fatal(err)
		}
		err := e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version))
		apptest.CheckCode(t, "delete", err, domain.CodeConflict)
		if _, err := e.meetings.Get(context.Background(), m.ID); err != nil {
			t.Errorf("the meeting must remain: %v", err)
		}
	})
}

func TestReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := apptest.As(editor)
	report := meeting.ReportInput{URL: "https://www.open-government.nl/verslag-1", PublishedOn: apptest.Date(2024, 6, 5),
		Summary: "  Wat we leerden  ", Licence: "CC-BY-4.0"}

	t.Run("only on a held meeting", func(t *testing.T) {
		planned := e.mustCreate(t, confirmed(apptest.AmsterdamTime(2024, 6, 1, 14, 0), meeting.StatusConfirmed))
		_, err := e.meetings.PutReport(ctx, planned.ID, report)
		apptest.CheckCode(t, "confirmed", err, domain.CodeConflict)
		in := session(apptest.AmsterdamTime(2024, 6, 1, 14, 0))
		in.Status, in.CancellationReason = meeting.StatusCancelled, "storm"
		cancelled := e.mustCreate(t, in)
		_, err = e.meetings.PutReport(ctx, cancelled.ID, report)
		apptest.CheckCode(t, "cancelled", err, domain.CodeConflict)
		_, err = e.meetings.PutReport(ctx, "01900000-0000-7000-8000-000000000000", report)
		apptest.CheckCode(t, "unknown", err, domain.CodeNotFound)
		for _, id := range []string{planned.ID, cancelled.ID} {
			if got := e.mustGet(t, id); got.Report != nil {
				t.Errorf("%s: got report %+v; want none", id, got.Report)
			}
		}
	})

	t.Run("validation", func(t *testing.T) {
		// Half past midnight on 1 June in Amsterdam is still 31 May in UTC.
		m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 1, 0, 30))
		tests := []struct {
			name string
			in   meeting.ReportInput
			want []string
		}{
			{"published the day before", meeting.ReportInput{URL: report.URL, PublishedOn: apptest.Date(2024, 5, 31)}, []string{"publishedOn"}},
			{"no publication date", meeting.ReportInput{URL: report.URL}, []string{"publishedOn"}},
			{"no URL", meeting.ReportInput{PublishedOn: apptest.Date(2024, 6, 1)}, []string{"url"}},
			{"relative URL", meeting.ReportInput{URL: "/verslag", PublishedOn: apptest.Date(2024, 6, 1)}, []string{"url"}},
			{"neither", meeting.ReportInput{URL: "mailto:x@example.nl"}, []string{"publishedOn", "url"}},
			// As for any publication: the report is listed among them.
			{"language by name", meeting.ReportInput{URL: report.URL, PublishedOn: apptest.Date(2024, 6, 1), Language: "Dutch"}, []string{"language"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.meetings.PutReport(ctx, m.ID, tt.in)
				apptest.CheckCode(t, "put report", err, domain.CodeInvalid)
				if got := apptest.FieldNames(t, err); !slices.Equal(got, tt.want) {
					t.Errorf("got fields %v; want %v", got, tt.want)
				}
			})
		}
		got, err := e.meetings.PutReport(ctx, m.ID, meeting.ReportInput{URL: report.URL, PublishedOn: apptest.Date(2024, 6, 1)})
		if err != nil {
			t.Fatalf("published on the meeting's day: %v", err)
		}
		if got.Report.Language != "nl" {
			t.Errorf("got language %q; want nl by default", got.Report.Language)
		}
	})

	t.Run("recorded, listed as a publication, kept on a second put", func(t *testing.T) {
		m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 3, 14, 0))
		e.clock.Set(start.Add(time.Hour))
		t.Cleanup(func() { e.clock.Set(start) })
		got, err := e.meetings.PutReport(ctx, m.ID, report)
		if err != nil {
			t.Fatal(err)
		}
		r := got.Report
		if r == nil || r.PublicationID == "" || r.URL != report.URL || !r.PublishedOn.Equal(apptest.Date(2024, 6, 5)) ||
			r.Summary != "Wat we leerden" || r.Language != "nl" || r.Licence != "CC-BY-4.0" {
			t.Fatalf("got report %+v", r)
		}
		if got.Version != m.Version+1 {
			t.Errorf("got version %d; want %d", got.Version, m.Version+1)
		}
		stored := e.mustGet(t, m.ID)
		if stored.Report == nil || stored.Report.PublicationID != r.PublicationID || stored.Version != got.Version {
			t.Fatalf("stored: got %+v at version %d", stored.Report, stored.Version)
		}
		cs := e.changes(t, m.ID)
		if last := cs[len(cs)-1]; !slices.Equal(last.Fields, []string{"report"}) || last.Version != int(got.Version) {
			t.Errorf("got change %+v; want report at version %d", last, got.Version)
		}

		pub, err := e.pubs.Get(context.Background(), r.PublicationID)
		if err != nil {
			t.Fatalf("get publication: %v", err)
		}
		if pub.Kind != publication.KindMeetingReport || !slices.Equal(pub.Meetings, []string{m.ID}) || pub.URL != report.URL ||
			!pub.PublishedOn.Equal(apptest.Date(2024, 6, 5)) || pub.Summary != "Wat we leerden" || !strings.Contains(pub.Title, m.Title) {
			t.Errorf("got publication %+v", pub)
		}
		page, err := e.pubs.List(context.Background(), publication.Query{Filter: publication.Filter{MeetingID: m.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != r.PublicationID || page.Items[0].Kind != publication.KindMeetingReport {
			t.Fatalf("got publications %+v; want the report", page.Items)
		}

		_, err = e.pubs.Replace(ctx, r.PublicationID, publication.Input{Kind: publication.KindOther, Title: "x", URL: report.URL,
			PublishedOn: apptest.Date(2024, 6, 5)}, apptest.IfVersion(pub.Version))
		apptest.CheckCode(t, "replace the report's publication", err, domain.CodeConflict)
		err = e.pubs.Delete(ctx, r.PublicationID, apptest.IfVersion(pub.Version))
		apptest.CheckCode(t, "delete the report's publication", err, domain.CodeConflict)

		second := report
		second.URL, second.PublishedOn = "https://www.open-government.nl/verslag-1b", apptest.Date(2024, 6, 7)
		again, err := e.meetings.PutReport(ctx, m.ID, second)
		if err != nil {
			t.Fatal(err)
		}
		if again.Report.PublicationID != r.PublicationID {
			t.Errorf("second put: got publication %s; want %s kept", again.Report.PublicationID, r.PublicationID)
		}
		if again.Version != got.Version+1 {
			t.Errorf("second put: got version %d; want %d", again.Version, got.Version+1)
		}
		page, err = e.pubs.List(context.Background(), publication.Query{Filter: publication.Filter{MeetingID: m.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != r.PublicationID || page.Items[0].URL != second.URL || !page.Items[0].PublishedOn.Equal(apptest.Date(2024, 6, 7)) {
			t.Errorf("after the second put: got %+v; want one publication with the new URL and date", page.Items)
		}
	})

	t.Run("overdue six weeks after the end", func(t *testing.T) {
		t.Cleanup(func() { e.clock.Set(start) })
		m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 1, 14, 0))
		planned := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 6, 1, 14, 0)))
		tests := []struct {
			name string
			now  time.Time
			want bool
		}{
			{"41 days after", m.EndsAt.AddDate(0, 0, 41), false},
			{"42 days after, to the second", m.EndsAt.Add(42 * 24 * time.Hour), false},
			{"43 days after", m.EndsAt.AddDate(0, 0, 43), true},
		}
		for _, tt := range tests {
			e.clock.Set(tt.now)
			got := e.mustGet(t, m.ID)
			if over := got.ReportOverdue(e.clock.Now()); over != tt.want {
				t.Errorf("%s: got reportOverdue %v; want %v", tt.name, over, tt.want)
			}
			if over := e.mustGet(t, planned.ID).ReportOverdue(e.clock.Now()); over {
				t.Errorf("%s: a meeting never marked held is not overdue", tt.name)
			}
		}
		e.clock.Set(m.EndsAt.AddDate(0, 0, 50))
		if _, err := e.meetings.PutReport(ctx, m.ID, report); err != nil {
			t.Fatal(err)
		}
		if got := e.mustGet(t, m.ID); got.ReportOverdue(e.clock.Now()) {
			t.Errorf("with a report: got overdue; want not")
		}
	})
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	utrecht := e.org(t, "GM0344")
	a := e.mustCreate(t, confirmed(apptest.AmsterdamTime(2024, 9, 12, 14, 0), meeting.StatusConfirmed))
	bIn := session(apptest.AmsterdamTime(2024, 12, 12, 14, 0))
	bIn.GuestChair, bIn.Title = "GM0344", "Winterbijeenkomst over Woo"
	b := e.mustCreate(t, bIn)
	cIn := conference(apptest.AmsterdamTime(2025, 3, 12, 14, 0), apptest.Date(2025, 1, 1), apptest.Date(2025, 2, 1))
	cIn.Venue = &meeting.VenueInput{Name: "Jaarbeurs", Host: "GM0344"}
	c := e.mustCreate(t, cIn)
	ids := func(ms []meeting.Meeting) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	tests := []struct {
		name string
		req  meeting.ListRequest
		want []string
	}{
		{"all, by start", meeting.ListRequest{}, []string{a.ID, b.ID, c.ID}},
		{"descending", meeting.ListRequest{Descending: true}, []string{c.ID, b.ID, a.ID}},
		{"status", meeting.ListRequest{Filter: meeting.Filter{Status: meeting.StatusConfirmed}}, []string{a.ID}},
		{"format", meeting.ListRequest{Filter: meeting.Filter{Format: meeting.FormatConference}}, []string{c.ID}},
		{"organisation by code: host or chair", meeting.ListRequest{Organisation: "GM0344"}, []string{b.ID, c.ID}},
		{"organisation by id", meeting.ListRequest{Organisation: utrecht.ID}, []string{b.ID, c.ID}},
		{"guest chair", meeting.ListRequest{GuestChair: "gm0344"}, []string{b.ID}},
		{"q", meeting.ListRequest{Filter: meeting.Filter{Q: " WOO "}}, []string{b.ID}},
		{"from", meeting.ListRequest{Filter: meeting.Filter{From: apptest.AmsterdamTime(2024, 12, 1, 0, 0)}}, []string{b.ID, c.ID}},
		{"to", meeting.ListRequest{Filter: meeting.Filter{To: apptest.AmsterdamTime(2024, 12, 12, 14, 0)}}, []string{a.ID}},
	}
	for _, tt := range tests {
		page, err := e.meetings.List(context.Background(), tt.req)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := ids(page.Items); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err := e.meetings.List(context.Background(), meeting.ListRequest{Organisation: "GM9999", GuestChair: "nobody",
		Filter: meeting.Filter{Status: "x", Format: "y"}, PageSize: 101})
	if got, want := apptest.FieldNames(t, err), []string{"format", "guestChair", "organisation", "pageSize", "status"}; !slices.Equal(got, want) {
		t.Errorf("invalid filters: got fields %v; want %v", got, want)
	}
	var seen []string
	cursor := ""
	for range 5 {
		page, err := e.meetings.List(context.Background(), meeting.ListRequest{PageSize: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ids(page.Items)...)
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if want := []string{a.ID, b.ID, c.ID}; !slices.Equal(seen, want) {
		t.Errorf("paged: got %v; want %v", seen, want)
	}
}

// TestListPageSize: a page holds the default 20 unless asked; All (the
// feed) gets every meeting that matches, whatever the default.
func TestListPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = domain.DefaultPageSize + 1
	for i := range n {
		e.mustCreate(t, session(apptest.AmsterdamTime(2025, 1, 1+i, 14, 0)))
	}
	tests := []struct {
		name     string
		req      meeting.ListRequest
		want     int
		wantNext bool
	}{
		{"default", meeting.ListRequest{}, domain.DefaultPageSize, true},
		{"asked", meeting.ListRequest{PageSize: 5}, 5, true},
		{"all", meeting.ListRequest{All: true}, n, false},
		{"all, filtered", meeting.ListRequest{All: true, Filter: meeting.Filter{From: apptest.AmsterdamTime(2025, 1, 20, 0, 0)}}, 2, false},
	}
	for _, tt := range tests {
		page, err := e.meetings.List(context.Background(), tt.req)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(page.Items) != tt.want || (page.Next != "") != tt.wantNext {
			t.Errorf("%s: got %d meetings, next %q; want %d, next %v", tt.name, len(page.Items), page.Next, tt.want, tt.wantNext)
		}
	}
}

func TestUpcoming(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.heldMeeting(t, start.Add(-30*24*time.Hour))
	running := e.mustCreate(t, confirmed(start.Add(-time.Hour), meeting.StatusConfirmed)) // has not ended yet
	winterIn := session(apptest.AmsterdamTime(2024, 12, 12, 14, 0))
	winterIn.GuestChair = "GM0344"
	winter := e.mustCreate(t, winterIn)
	autumn := e.mustCreate(t, confirmed(apptest.AmsterdamTime(2024, 9, 12, 14, 0), meeting.StatusConfirmed))
	cancelledIn := session(apptest.AmsterdamTime(2024, 10, 1, 14, 0))
	cancelledIn.Status, cancelledIn.CancellationReason = meeting.StatusCancelled, "Te weinig aanmeldingen"
	e.mustCreate(t, cancelledIn)
	spring := e.mustCreate(t, session(apptest.AmsterdamTime(2025, 3, 12, 14, 0)))

	tests := []struct {
		name         string
		organisation string
		limit        int
		want         []string
	}{
		{"all, soonest first, planned and confirmed mixed", "", 10, []string{running.ID, autumn.ID, winter.ID, spring.ID}},
		{"limit cuts after sorting both statuses", "", 2, []string{running.ID, autumn.ID}},
		{"organisation", "GM0344", 10, []string{winter.ID}},
	}
	for _, tt := range tests {
		got, err := e.meetings.Upcoming(context.Background(), tt.organisation, tt.limit)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		ids := []string{}
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, ids, tt.want)
		}
	}
	_, err := e.meetings.Upcoming(context.Background(), "GM9999", 5)
	apptest.CheckCode(t, "unknown organisation", err, domain.CodeInvalid)
}
