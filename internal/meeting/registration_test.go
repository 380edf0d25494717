package meeting_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// person adds a pioneer with a membership of each organisation.
func (e *env) person(t *testing.T, name string, orgs ...string) person.Person {
	t.Helper()
	in := person.Input{Name: name}
	for _, o := range orgs {
		in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: o, Role: "pioneer", From: apptest.Date(2019, 1, 1)})
	}
	p, err := e.people.Create(apptest.As(domain.System), in)
	if err != nil {
		t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

// publicPerson is a person who agreed to a public profile, so that others see them.
func (e *env) publicPerson(t *testing.T, name string, orgs ...string) person.Person {
	t.Helper()
	p := e.person(t, name, orgs...)
	if _, err := e.people.RecordConsent(apptest.As(domain.System), p.ID, true); err != nil {
		t.Fatalf("record consent of %s: %v", name, err)
	}
	return p
}

// self is the signed-in user who is person p, with a role that grants nothing else.
func self(p person.Person) domain.Actor {
	return domain.Actor{Subject: "user-" + p.ID, Role: domain.RolePartner, PersonID: p.ID}
}

func (e *env) register(t *testing.T, ctx context.Context, meetingID string, p person.Person) meeting.Registration {
	t.Helper()
	r, err := e.meetings.Register(ctx, meetingID, p.ID)
	if err != nil {
		t.Fatalf("register %s: %v", p.Name, err)
	}
	return r
}

// entry is a registration as the list shows it.
type entry struct {
	Person   string
	Status   meeting.RegistrationStatus
	Position int
}

func (e *env) list(t *testing.T, ctx context.Context, meetingID string) []entry {
	t.Helper()
	regs, err := e.meetings.Registrations(ctx, meetingID)
	if err != nil {
		t.Fatalf("registrations: %v", err)
	}
	out := []entry{}
	for _, r := range regs {
		out = append(out, entry{r.PersonName, r.Status, r.WaitlistPosition})
	}
	return out
}

func (e *env) checkList(t *testing.T, what, meetingID string, want []entry) {
	t.Helper()
	if got := e.list(t, apptest.As(editor), meetingID); !slices.Equal(got, want) {
		t.Errorf("%s: got %v; want %v", what, got, want)
	}
	m := e.mustGet(t, meetingID)
	registered, waitlisted := 0, 0
	for _, w := range want {
		switch w.Status {
		case meeting.Registered:
			registered++
		case meeting.Waitlisted:
			waitlisted++
		}
	}
	if m.RegisteredCount != registered || m.WaitlistCount != waitlisted {
		t.Errorf("%s: meeting counts %d registered, %d waitlisted; want %d, %d", what, m.RegisteredCount, m.WaitlistCount, registered, waitlisted)
	}
	// A page counts its meetings' registrations in its own query.
	page, err := e.meetings.List(context.Background(), meeting.ListRequest{PageSize: 100})
	if err != nil {
		t.Fatalf("%s: list meetings: %v", what, err)
	}
	i := slices.IndexFunc(page.Items, func(m meeting.Meeting) bool { return m.ID == meetingID })
	if i < 0 {
		t.Fatalf("%s: meeting %s not in the list", what, meetingID)
	}
	if got := page.Items[i]; got.RegisteredCount != registered || got.WaitlistCount != waitlisted {
		t.Errorf("%s: listed meeting counts %d registered, %d waitlisted; want %d, %d", what, got.RegisteredCount, got.WaitlistCount, registered, waitlisted)
	}
}

func TestWaitlist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := session(apptest.AmsterdamTime(2024, 9, 12, 14, 0))
	in.Capacity = 2
	m := e.mustCreate(t, in)
	names := []string{"Anna", "Bram", "Cor", "Dirk", "Eva"}
	people := map[string]person.Person{}
	regs := map[string]meeting.Registration{}
	wantPosition := []int{0, 0, 1, 2, 3}
	for i, n := range names {
		people[n] = e.person(t, n, "GM0606")
		e.clock.Set(start.Add(time.Duration(i) * time.Second))
		r := e.register(t, apptest.As(editor), m.ID, people[n])
		regs[n] = r
		wantStatus := meeting.Registered
		if i >= 2 {
			wantStatus = meeting.Waitlisted
		}
		if r.Status != wantStatus || r.WaitlistPosition != wantPosition[i] {
			t.Errorf("register %s: got %s position %d; want %s position %d", n, r.Status, r.WaitlistPosition, wantStatus, wantPosition[i])
		}
		if r.PersonID != people[n].ID || r.MeetingID != m.ID || r.RegisteredBy != editor.Subject {
			t.Errorf("register %s: got %+v", n, r)
		}
	}
	e.checkList(t, "registered", m.ID, []entry{
		{"Anna", meeting.Registered, 0}, {"Bram", meeting.Registered, 0},
		{"Cor", meeting.Waitlisted, 1}, {"Dirk", meeting.Waitlisted, 2}, {"Eva", meeting.Waitlisted, 3}})

	steps := []struct {
		cancel string
		want   []entry
	}{
		{"Anna", []entry{{"Bram", meeting.Registered, 0}, {"Cor", meeting.Registered, 0}, {"Dirk", meeting.Waitlisted, 1}, {"Eva", meeting.Waitlisted, 2}}},
		// A place on the waitlist frees no seat.
		{"Dirk", []entry{{"Bram", meeting.Registered, 0}, {"Cor", meeting.Registered, 0}, {"Eva", meeting.Waitlisted, 1}}},
		{"Bram", []entry{{"Cor", meeting.Registered, 0}, {"Eva", meeting.Registered, 0}}},
	}
	for _, s := range steps {
		if err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, regs[s.cancel].ID); err != nil {
			t.Fatalf("cancel %s: %v", s.cancel, err)
		}
		e.checkList(t, "after cancelling "+s.cancel, m.ID, s.want)
	}

	err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, regs["Anna"].ID)
	apptest.CheckCode(t, "cancel twice", err, domain.CodeNotFound)
	err = e.meetings.CancelRegistration(apptest.As(editor), m.ID, "01900000-0000-7000-8000-000000000000")
	apptest.CheckCode(t, "cancel unknown", err, domain.CodeNotFound)
	other := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 13, 14, 0)))
	err = e.meetings.CancelRegistration(apptest.As(editor), other.ID, regs["Cor"].ID)
	apptest.CheckCode(t, "cancel through another meeting", err, domain.CodeNotFound)

	// Once only, until cancelled; then at the end of the line.
	_, err = e.meetings.Register(apptest.As(editor), m.ID, people["Cor"].ID)
	apptest.CheckCode(t, "register twice", err, domain.CodeConflict)
	if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"person"}) {
		t.Errorf("register twice: got fields %v; want [person]", got)
	}
	again := e.register(t, apptest.As(editor), m.ID, people["Anna"])
	if again.Status != meeting.Waitlisted || again.WaitlistPosition != 1 || again.ID == regs["Anna"].ID {
		t.Errorf("register again after cancelling: got %+v; want a new registration, waitlisted at 1", again)
	}

	cs, err := e.db.Changes(context.Background(), "registration", regs["Cor"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Action != domain.ActionCreate || cs[1].Action != domain.ActionUpdate || !slices.Equal(cs[1].Fields, []string{"status"}) {
		t.Errorf("got changes of Cor's registration %+v; want create and a status update", cs)
	}
}

// The capacity may change after people registered. Whoever waits longest
// gets a free place first, and the meeting never holds more than its capacity.
func TestCapacityChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	setCapacity := func(m meeting.Meeting, n int, overflow meeting.Overflow) (meeting.Meeting, error) {
		return e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
			in.Capacity, in.Overflow = n, overflow
			return in, nil
		}, apptest.IfVersion(m.Version))
	}
	capacity := func(t *testing.T, m meeting.Meeting, n int, overflow ...meeting.Overflow) meeting.Meeting {
		t.Helper()
		m, err := setCapacity(m, n, append(overflow, "")[0])
		if err != nil {
			t.Fatalf("capacity %d: %v", n, err)
		}
		return m
	}
	names := []string{"Anna", "Bram", "Cor", "Dirk"}
	people := map[string]person.Person{}
	for _, n := range names {
		people[n] = e.person(t, n, "GM0606")
	}
	newMeeting := func(t *testing.T, capacity int, register ...string) (meeting.Meeting, map[string]meeting.Registration) {
		t.Helper()
		in := session(apptest.AmsterdamTime(2024, 9, 12, 14, 0))
		in.Capacity = capacity
		m := e.mustCreate(t, in)
		regs := map[string]meeting.Registration{}
		for i, n := range register {
			e.clock.Set(start.Add(time.Duration(i) * time.Second))
			regs[n] = e.register(t, apptest.As(editor), m.ID, people[n])
		}
		return m, regs
	}
	t.Cleanup(func() { e.clock.Set(start) })

	t.Run("raised: a newcomer does not pass the waitlist", func(t *testing.T) {
		m, _ := newMeeting(t, 2, "Anna", "Bram", "Cor")
		capacity(t, m, 3)
		e.clock.Set(start.Add(time.Minute))
		e.register(t, apptest.As(editor), m.ID, people["Dirk"])
		e.checkList(t, "after raising the capacity and a new registration", m.ID, []entry{
			{"Anna", meeting.Registered, 0}, {"Bram", meeting.Registered, 0},
			{"Cor", meeting.Registered, 0}, {"Dirk", meeting.Waitlisted, 1}})
	})

	t.Run("unlimited: nobody waits", func(t *testing.T) {
		m, _ := newMeeting(t, 1, "Anna", "Bram", "Cor")
		capacity(t, m, 0)
		e.clock.Set(start.Add(time.Minute))
		e.register(t, apptest.As(editor), m.ID, people["Dirk"])
		e.checkList(t, "after lifting the limit", m.ID, []entry{
			{"Anna", meeting.Registered, 0}, {"Bram", meeting.Registered, 0},
			{"Cor", meeting.Registered, 0}, {"Dirk", meeting.Registered, 0}})
	})

	t.Run("lowered below the confirmed: refused unless the request says what happens to them", func(t *testing.T) {
		m, _ := newMeeting(t, 3, "Anna", "Bram", "Cor", "Dirk")
		_, err := setCapacity(m, 1, "")
		apptest.CheckCode(t, "capacity 1 of 3 confirmed", err, domain.CodeConflict)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"capacity"}) {
			t.Errorf("capacity 1 of 3 confirmed: got fields %v; want [capacity]", got)
		}
		if !strings.Contains(err.Error(), "3 registrations are confirmed") {
			t.Errorf("capacity 1 of 3 confirmed: got %q; want it to say how many are confirmed", err)
		}
		e.checkList(t, "after the refused capacity", m.ID, []entry{
			{"Anna", meeting.Registered, 0}, {"Bram", meeting.Registered, 0}, {"Cor", meeting.Registered, 0}, {"Dirk", meeting.Waitlisted, 1}})
		if got, err := e.meetings.Get(context.Background(), m.ID); err != nil || got.Capacity != 3 || got.Version != m.Version {
			t.Errorf("after the refused capacity: got capacity %d, version %d, %v; want 3 and %d", got.Capacity, got.Version, err, m.Version)
		}
		if _, err := setCapacity(m, 3, ""); err != nil {
			t.Errorf("capacity kept at the confirmed count: %v", err)
		}
	})

	t.Run("lowered with overflow=waitlist: the latest confirmed go back to the head of the waitlist", func(t *testing.T) {
		m, _ := newMeeting(t, 3, "Anna", "Bram", "Cor", "Dirk")
		capacity(t, m, 1, meeting.OverflowWaitlist)
		e.checkList(t, "after lowering to 1", m.ID, []entry{
			{"Anna", meeting.Registered, 0}, {"Bram", meeting.Waitlisted, 1}, {"Cor", meeting.Waitlisted, 2}, {"Dirk", meeting.Waitlisted, 3}})
	})

	t.Run("lowered with overflow=cancel: the latest confirmed are cancelled, with a change record each", func(t *testing.T) {
		m, regs := newMeeting(t, 3, "Anna", "Bram", "Cor", "Dirk")
		capacity(t, m, 1, meeting.OverflowCancel)
		e.checkList(t, "after lowering to 1", m.ID, []entry{{"Anna", meeting.Registered, 0}, {"Dirk", meeting.Waitlisted, 1}})
		for _, n := range []string{"Bram", "Cor"} {
			cs, err := e.db.Changes(context.Background(), "registration", regs[n].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 2 || !slices.Equal(cs[1].Fields, []string{"status"}) {
				t.Errorf("changes of %s's registration: got %+v; want create and a status update", n, cs)
			}
		}
	})

	t.Run("lowered: a cancellation frees no place while still full", func(t *testing.T) {
		m, regs := newMeeting(t, 3, "Anna", "Bram", "Cor", "Dirk")
		capacity(t, m, 2, meeting.OverflowWaitlist)
		if err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, regs["Anna"].ID); err != nil {
			t.Fatal(err)
		}
		e.checkList(t, "after lowering the capacity and a cancellation", m.ID, []entry{
			{"Bram", meeting.Registered, 0}, {"Cor", meeting.Registered, 0}, {"Dirk", meeting.Waitlisted, 1}})
	})
}

func TestRegistrationIsClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	p := e.person(t, "Anna", "GM0606")
	t.Cleanup(func() { e.clock.Set(start) })
	cancelledIn := session(when)
	cancelledIn.Status, cancelledIn.CancellationReason = meeting.StatusCancelled, "storm"
	cancelled := e.mustCreate(t, cancelledIn)
	planned := e.mustCreate(t, session(when))
	held := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 1, 14, 0))
	pastPlanned := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 6, 1, 14, 0)))
	tests := []struct {
		name    string
		meeting string
		now     time.Time
		want    domain.Code
	}{
		{"cancelled", cancelled.ID, start, domain.CodeConflict},
		{"held", held.ID, start, domain.CodeConflict},
		{"over but never marked held", pastPlanned.ID, start, domain.CodeConflict},
		{"under way", planned.ID, when.Add(time.Minute), domain.CodeConflict},
		{"at the start", planned.ID, when, domain.CodeConflict},
		{"unknown meeting", "01900000-0000-7000-8000-000000000000", start, domain.CodeNotFound},
		{"held, even by a clock that runs behind", held.ID, held.StartsAt.Add(-time.Hour), domain.CodeConflict},
		{"a second before the start", planned.ID, when.Add(-time.Second), ""},
	}
	for _, tt := range tests {
		e.clock.Set(tt.now)
		_, err := e.meetings.Register(apptest.As(editor), tt.meeting, p.ID)
		apptest.CheckCode(t, tt.name, err, tt.want)
	}

	// Once it has started, a registration can no longer be cancelled.
	other := e.person(t, "Bram", "GM0606")
	e.clock.Set(start)
	r := e.register(t, apptest.As(editor), planned.ID, other)
	e.clock.Set(when)
	err := e.meetings.CancelRegistration(apptest.As(editor), planned.ID, r.ID)
	apptest.CheckCode(t, "cancel after the start", err, domain.CodeConflict)
}

func TestWhoMayRegister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	in := session(apptest.AmsterdamTime(2024, 9, 12, 14, 0))
	ours := e.person(t, "Van Schiedam", "GM0606")
	theirs := e.publicPerson(t, "Van Utrecht, openbaar", "GM0344")
	hidden := e.person(t, "Van Utrecht, niet openbaar", "GM0344")
	both := e.person(t, "Van beide", "GM0606", "GM0344")
	erased := e.person(t, "Gewist", "GM0606")
	if err := e.people.Erase(apptest.As(domain.System), erased.ID, apptest.IfVersion(erased.Version)); err != nil {
		t.Fatalf("erase: %v", err)
	}
	tests := []struct {
		name   string
		actor  domain.Actor
		person string
		want   domain.Code
	}{
		{"anonymous", anonymous, ours.ID, domain.CodeUnauthenticated},
		{"admin, anyone", admin, hidden.ID, ""},
		{"editor, anyone", editor, theirs.ID, ""},
		{"member, its own organisation's person", member(schiedam.ID), ours.ID, ""},
		{"member, a person of both organisations", member(utrecht.ID), both.ID, ""},
		{"member, another organisation's public person", member(schiedam.ID), theirs.ID, domain.CodeForbidden},
		{"member, another organisation's hidden person", member(schiedam.ID), hidden.ID, domain.CodeInvalid},
		{"person, themselves", self(hidden), hidden.ID, ""},
		{"person, someone public", self(hidden), theirs.ID, domain.CodeForbidden},
		{"person, someone hidden", self(theirs), ours.ID, domain.CodeInvalid},
		{"analyst, someone public", analyst, theirs.ID, domain.CodeForbidden},
		{"partner, someone public", partner, theirs.ID, domain.CodeForbidden},
		{"unknown person", editor, "01900000-0000-7000-8000-000000000000", domain.CodeInvalid},
		{"erased person", editor, erased.ID, domain.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.mustCreate(t, in)
			r, err := e.meetings.Register(apptest.As(tt.actor), m.ID, tt.person)
			apptest.CheckCode(t, "register", err, tt.want)
			if tt.want == domain.CodeInvalid {
				if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"person"}) {
					t.Errorf("got fields %v; want [person]", got)
				}
			}
			want := 0
			if tt.want == "" {
				want = 1
				if r.RegisteredBy != tt.actor.Subject || r.Status != meeting.Registered {
					t.Errorf("got %+v; want registered by %s", r, tt.actor.Subject)
				}
			}
			if got := e.mustGet(t, m.ID).RegisteredCount; got != want {
				t.Errorf("got %d registered; want %d", got, want)
			}
		})
	}
}

func TestWhoMayCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	p := e.person(t, "Van Schiedam", "GM0606")
	tests := []struct {
		name  string
		actor domain.Actor
		want  domain.Code
	}{
		{"anonymous", anonymous, domain.CodeUnauthenticated},
		{"another organisation's member", member(utrecht.ID), domain.CodeForbidden},
		{"analyst", analyst, domain.CodeForbidden},
		{"someone else", self(e.person(t, "Ander", "GM0606")), domain.CodeForbidden},
		{"the person", self(p), ""},
		{"the person's organisation", member(schiedam.ID), ""},
		{"editor", editor, ""},
		{"admin", admin, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
			r := e.register(t, apptest.As(editor), m.ID, p)
			err := e.meetings.CancelRegistration(apptest.As(tt.actor), m.ID, r.ID)
			apptest.CheckCode(t, "cancel", err, tt.want)
			want := 1
			if tt.want == "" {
				want = 0
			}
			if got := e.mustGet(t, m.ID).RegisteredCount; got != want {
				t.Errorf("got %d registered; want %d", got, want)
			}
		})
	}
}

func TestWhoSeesRegistrations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	s1, s2 := e.person(t, "Schiedam 1", "GM0606"), e.person(t, "Schiedam 2", "GM0606")
	u1 := e.publicPerson(t, "Utrecht 1", "GM0344")
	both := e.person(t, "Beide", "GM0606", "GM0344")
	gone := e.person(t, "Afgemeld", "GM0344")
	for _, p := range []person.Person{s1, s2, u1, both, gone} {
		r := e.register(t, apptest.As(editor), m.ID, p)
		if p.ID == gone.ID {
			if err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	names := func(ps ...person.Person) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	tests := []struct {
		name  string
		actor domain.Actor
		want  []string
	}{
		{"admin", admin, names(s1, s2, u1, both)},
		{"editor", editor, names(s1, s2, u1, both)},
		{"member of Schiedam", member(schiedam.ID), names(s1, s2, both)},
		{"member of Utrecht", member(utrecht.ID), names(u1, both)},
		{"the person", self(u1), names(u1)},
		{"a person not registered", self(gone), names()},
		{"analyst", analyst, names()},
		{"partner", partner, names()},
	}
	for _, tt := range tests {
		regs, err := e.meetings.Registrations(apptest.As(tt.actor), m.ID)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := []string{}
		for _, r := range regs {
			got = append(got, r.PersonName)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err := e.meetings.Registrations(apptest.As(anonymous), m.ID)
	apptest.CheckCode(t, "anonymous", err, domain.CodeUnauthenticated)
	_, err = e.meetings.Registrations(apptest.As(editor), "01900000-0000-7000-8000-000000000000")
	apptest.CheckCode(t, "unknown meeting", err, domain.CodeNotFound)
}

func TestAttendance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	in := session(when)
	in.Capacity = 1
	m := e.mustCreate(t, in)
	t.Cleanup(func() { e.clock.Set(start) })
	in.Status, in.CancellationReason = meeting.StatusCancelled, "storm"
	cancelled := e.mustCreate(t, in)
	a, b, c := e.person(t, "Anna", "GM0606"), e.person(t, "Bram", "GM0606"), e.person(t, "Cor", "GM0606")
	ra := e.register(t, apptest.As(editor), m.ID, a)
	rb := e.register(t, apptest.As(editor), m.ID, b) // waitlisted
	rc := e.register(t, apptest.As(editor), m.ID, c) // waitlisted, then cancelled
	if err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, rc.ID); err != nil {
		t.Fatal(err)
	}

	_, err := e.meetings.MarkAttendance(apptest.As(editor), m.ID, ra.ID, true)
	apptest.CheckCode(t, "before the start", err, domain.CodeConflict)

	e.clock.Set(when.Add(time.Hour))
	tests := []struct {
		name     string
		actor    domain.Actor
		meeting  string
		reg      string
		attended bool
		want     domain.Code
	}{
		{"registered, attended", editor, m.ID, ra.ID, true, ""},
		{"registered, did not attend after all", admin, m.ID, ra.ID, false, ""},
		{"waitlisted", editor, m.ID, rb.ID, true, domain.CodeConflict},
		{"cancelled registration", editor, m.ID, rc.ID, true, domain.CodeNotFound},
		{"unknown registration", editor, m.ID, "01900000-0000-7000-8000-000000000000", true, domain.CodeNotFound},
		{"through another meeting", editor, cancelled.ID, ra.ID, true, domain.CodeNotFound},
		{"member", member(e.org(t, "GM0606").ID), m.ID, ra.ID, true, domain.CodeForbidden},
		{"the person", self(a), m.ID, ra.ID, true, domain.CodeForbidden},
		{"anonymous", anonymous, m.ID, ra.ID, true, domain.CodeUnauthenticated},
	}
	for _, tt := range tests {
		r, err := e.meetings.MarkAttendance(apptest.As(tt.actor), tt.meeting, tt.reg, tt.attended)
		apptest.CheckCode(t, tt.name, err, tt.want)
		if tt.want == "" && (r.Attended == nil || *r.Attended != tt.attended) {
			t.Errorf("%s: got attended %v; want %v", tt.name, r.Attended, tt.attended)
		}
	}
	regs, err := e.meetings.Registrations(apptest.As(editor), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		want := (*bool)(nil)
		if r.ID == ra.ID {
			f := false
			want = &f
		}
		if (r.Attended == nil) != (want == nil) || (r.Attended != nil && *r.Attended != *want) {
			t.Errorf("%s: got attended %v; want %v", r.PersonName, r.Attended, want)
		}
	}

	// A cancelled meeting has no attendance.
	e.clock.Set(start)
	in.Status, in.CancellationReason = "", ""
	later := e.mustCreate(t, in)
	rl := e.register(t, apptest.As(editor), later.ID, a)
	later, err = e.meetings.Update(apptest.As(editor), later.ID, set(meeting.StatusCancelled, "storm"), apptest.IfVersion(later.Version))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(when.Add(time.Hour))
	_, err = e.meetings.MarkAttendance(apptest.As(editor), later.ID, rl.ID, true)
	apptest.CheckCode(t, "cancelled meeting", err, domain.CodeConflict)
}

func TestConcurrentRegistrations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := session(apptest.AmsterdamTime(2024, 9, 12, 14, 0))
	in.Capacity = 5
	m := e.mustCreate(t, in)
	const n = 20
	people := make([]person.Person, n)
	for i := range people {
		people[i] = e.person(t, fmt.Sprintf("Pionier %02d", i), "GM0606")
	}
	var wg sync.WaitGroup
	results := make([]meeting.Registration, n)
	errs := make([]error, n)
	for i := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.meetings.Register(apptest.As(editor), m.ID, people[i].ID)
		}()
	}
	wg.Wait()
	returned := map[meeting.RegistrationStatus]int{}
	returnedPositions := []int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("register %s: %v", people[i].Name, err)
		}
		returned[results[i].Status]++
		if results[i].Status == meeting.Waitlisted {
			returnedPositions = append(returnedPositions, results[i].WaitlistPosition)
		}
	}
	if returned[meeting.Registered] != 5 || returned[meeting.Waitlisted] != 15 {
		t.Errorf("returned: got %v; want 5 registered and 15 waitlisted", returned)
	}
	slices.Sort(returnedPositions)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; !slices.Equal(returnedPositions, want) {
		t.Errorf("returned waitlist positions %v; want each of %v once", returnedPositions, want)
	}
	regs, err := e.meetings.Registrations(apptest.As(editor), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	registered, positions := 0, []int{}
	for i, r := range regs {
		seen[r.PersonID] = true
		switch {
		case r.Status == meeting.Registered && i < 5:
			registered++
		case r.Status == meeting.Waitlisted && i >= 5:
			positions = append(positions, r.WaitlistPosition)
		default:
			t.Errorf("registration %d: got %s; want the first five registered and the rest waitlisted", i, r.Status)
		}
	}
	if len(regs) != n || len(seen) != n {
		t.Errorf("got %d registrations of %d people; want %d of %d", len(regs), len(seen), n, n)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; registered != 5 || !slices.Equal(positions, want) {
		t.Errorf("got %d registered, waitlist positions %v; want 5 and %v", registered, positions, want)
	}
	got := e.mustGet(t, m.ID)
	if got.RegisteredCount != 5 || got.WaitlistCount != 15 {
		t.Errorf("meeting counts: got %d registered, %d waitlisted; want 5, 15", got.RegisteredCount, got.WaitlistCount)
	}
}

func TestConcurrentRegistrationsOfOnePerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	p := e.person(t, "Haastig", "GM0606")
	const n = 10
	var wg sync.WaitGroup
	codes := make([]domain.Code, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.meetings.Register(apptest.As(editor), m.ID, p.ID)
			codes[i] = domain.ErrorCode(err)
		}()
	}
	wg.Wait()
	count := map[domain.Code]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[""] != 1 || count[domain.CodeConflict] != n-1 {
		t.Errorf("got outcomes %v; want one registration and %d conflicts", count, n-1)
	}
	if got := e.mustGet(t, m.ID).RegisteredCount; got != 1 {
		t.Errorf("got %d registered; want 1", got)
	}
}
