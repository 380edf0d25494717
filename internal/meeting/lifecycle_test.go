package meeting_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// Registration opens and closes at the times the coordinator set.
func TestRegistrationWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Cleanup(func() { e.clock.Set(start) })
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	opens, closes := apptest.AmsterdamTime(2024, 7, 1, 9, 0), apptest.AmsterdamTime(2024, 9, 5, 17, 0)
	in := session(when)
	in.RegistrationOpensAt, in.RegistrationClosesAt = opens, closes
	m := e.mustCreate(t, in)
	if got := e.mustGet(t, m.ID); !got.RegistrationOpensAt.Equal(opens) || !got.RegistrationClosesAt.Equal(closes) {
		t.Fatalf("stored window: got %v..%v; want %v..%v", got.RegistrationOpensAt, got.RegistrationClosesAt, opens, closes)
	}
	tests := []struct {
		name string
		now  time.Time
		want domain.Code
		says string // in the problem's message
	}{
		{"before it opens", opens.Add(-time.Second), domain.CodeConflict, "registration opens at 2024-07-01T07:00:00Z"},
		{"as it opens", opens, "", ""},
		{"a second before it closes", closes.Add(-time.Second), "", ""},
		{"as it closes", closes, domain.CodeConflict, "registration closed at 2024-09-05T15:00:00Z"},
		{"between the closing and the start", when.Add(-time.Hour), domain.CodeConflict, "registration closed at"},
		{"at the start", when, domain.CodeConflict, "under way or over"},
	}
	for i, tt := range tests {
		e.clock.Set(tt.now)
		p := e.person(t, fmt.Sprintf("Deelnemer %d", i), "GM0606")
		_, err := e.meetings.Register(apptest.As(editor), m.ID, p.ID)
		apptest.CheckCode(t, tt.name, err, tt.want)
		if tt.want == "" {
			continue
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: got %q; want it to say %q", tt.name, err, tt.says)
		}
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"meeting"}) {
			t.Errorf("%s: got fields %v; want [meeting]", tt.name, got)
		}
	}
	if got := e.mustGet(t, m.ID); !got.RegistrationOpen(opens) || got.RegistrationOpen(closes) {
		t.Errorf("RegistrationOpen: got %v at the opening and %v at the closing; want true, false", got.RegistrationOpen(opens), got.RegistrationOpen(closes))
	}

	// Without a window, today's rule: open until the start.
	e.clock.Set(start)
	plain := e.mustCreate(t, session(when))
	if _, closes := plain.RegistrationWindow(); !closes.Equal(plain.StartsAt) {
		t.Errorf("default window closes at %v; want the start %v", closes, plain.StartsAt)
	}
	e.register(t, apptest.As(editor), plain.ID, e.person(t, "Zonder venster", "GM0606"))

	// A later start keeps the window valid; an earlier one than the closing does not.
	_, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
		in.StartsAt, in.EndsAt = closes.Add(-time.Hour), closes.Add(time.Hour)
		return in, nil
	}, domain.Precondition{Present: true, Any: true})
	apptest.CheckCode(t, "start moved before the closing", err, domain.CodeInvalid)
	if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"registrationClosesAt"}) {
		t.Errorf("start moved before the closing: got fields %v; want [registrationClosesAt]", got)
	}
}

// A sequence number belongs to one meeting.
func TestSequenceIsUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	numbered := func(n int) meeting.Input {
		in := session(when)
		in.Sequence = n
		return in
	}
	seven := e.mustCreate(t, numbered(7))
	eight := e.mustCreate(t, numbered(8))
	e.mustCreate(t, session(when)) // without numbers, any number of them
	e.mustCreate(t, session(when))

	_, err := e.meetings.Create(apptest.As(editor), numbered(7))
	apptest.CheckCode(t, "create with a taken number", err, domain.CodeConflict)
	if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"sequence"}) {
		t.Errorf("create with a taken number: got fields %v; want [sequence]", got)
	}
	tests := []struct {
		name    string
		meeting meeting.Meeting
		n       int
		want    domain.Code
	}{
		{"another meeting's number", eight, 7, domain.CodeConflict},
		{"its own number again", seven, 7, ""},
		{"a free number", eight, 9, ""},
		{"the number just freed", seven, 8, ""},
	}
	for _, tt := range tests {
		_, err := e.meetings.Update(apptest.As(editor), tt.meeting.ID, func(in meeting.Input) (meeting.Input, error) {
			in.Sequence, in.Title = tt.n, in.Title+"."
			return in, nil
		}, domain.Precondition{Present: true, Any: true})
		apptest.CheckCode(t, tt.name, err, tt.want)
		if tt.want != "" {
			if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"sequence"}) {
				t.Errorf("%s: got fields %v; want [sequence]", tt.name, got)
			}
		}
	}
	if got := e.mustGet(t, seven.ID).Sequence; got != 8 {
		t.Errorf("got sequence %d; want 8", got)
	}
}

// A report is corrected by a new version, earlier ones kept, and retracted
// with a reason; a retracted report is no evidence of the meeting.
func TestReportCorrectionAndRetraction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := apptest.As(editor)
	t.Cleanup(func() { e.clock.Set(start) })
	m := e.heldMeeting(t, apptest.AmsterdamTime(2024, 6, 3, 14, 0))
	first := meeting.ReportInput{URL: "https://www.open-government.nl/verslag", PublishedOn: apptest.Date(2024, 6, 5), Summary: "Wat we leerden"}

	_, err := e.meetings.RetractReport(ctx, m.ID, "fout")
	apptest.CheckCode(t, "retract without a report", err, domain.CodeNotFound)

	e.clock.Set(start.Add(time.Hour))
	v1, err := e.meetings.PutReport(ctx, m.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	same, err := e.meetings.PutReport(ctx, m.ID, first)
	if err != nil || same.Version != v1.Version || same.Report.Version != 1 {
		t.Errorf("the same report again: got meeting version %d, report version %d, %v; want %d and 1, unchanged", same.Version, same.Report.Version, err, v1.Version)
	}
	corrected := first
	corrected.Summary, corrected.CorrectionNote = "Wat we leerden, met de juiste cijfers", "cijfers gecorrigeerd"
	e.clock.Set(start.Add(2 * time.Hour))
	v2, err := e.meetings.PutReport(ctx, m.ID, corrected)
	if err != nil {
		t.Fatal(err)
	}
	if r := v2.Report; r.Version != 2 || r.CorrectionNote != "cijfers gecorrigeerd" || r.PublicationID != v1.Report.PublicationID ||
		!r.CreatedAt.Equal(v1.Report.CreatedAt) || v2.Version != v1.Version+1 {
		t.Errorf("corrected: got %+v at meeting version %d; want version 2 of the same publication at %d", r, v2.Version, v1.Version+1)
	}

	for _, tt := range []struct {
		name   string
		actor  domain.Actor
		reason string
		want   domain.Code
	}{
		{"a member", member("GM0606"), "fout", domain.CodeForbidden},
		{"without a reason", editor, "  ", domain.CodeInvalid},
	} {
		_, err := e.meetings.RetractReport(apptest.As(tt.actor), m.ID, tt.reason)
		apptest.CheckCode(t, tt.name, err, tt.want)
	}
	evidence := func(asOf time.Time) int {
		t.Helper()
		items, err := e.db.HeldMeetingsWithReport(context.Background(), apptest.Date(2024, 1, 1), apptest.Date(2024, 12, 31), milestone.Seen{RecordedBy: asOf, DatedBy: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	retractedAt := start.Add(3 * time.Hour)
	e.clock.Set(retractedAt)
	got, err := e.meetings.RetractReport(ctx, m.ID, "  verkeerde vergadering  ")
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Report; !r.Retracted() || r.RetractionReason != "verkeerde vergadering" || r.Version != 2 {
		t.Errorf("retracted: got %+v; want version 2 retracted with the reason", r)
	}
	_, err = e.meetings.RetractReport(ctx, m.ID, "nog eens")
	apptest.CheckCode(t, "retract twice", err, domain.CodeConflict)
	if n := evidence(retractedAt.Add(time.Minute)); n != 0 {
		t.Errorf("evidence after the retraction: got %d meetings; want none", n)
	}
	if n := evidence(retractedAt.Add(-time.Minute)); n != 1 {
		t.Errorf("evidence as it stood before the retraction: got %d meetings; want 1", n)
	}
	if late := e.mustGet(t, m.ID); !late.ReportOverdue(late.EndsAt.AddDate(0, 0, 50)) {
		t.Errorf("a retracted report is no report: got not overdue 50 days on")
	}

	e.clock.Set(start.Add(4 * time.Hour))
	republished := corrected
	republished.CorrectionNote = "over de juiste vergadering"
	v3, err := e.meetings.PutReport(ctx, m.ID, republished)
	if err != nil {
		t.Fatal(err)
	}
	if r := v3.Report; r.Retracted() || r.Version != 3 {
		t.Errorf("put after the retraction: got %+v; want version 3, not retracted", r)
	}
	if n := evidence(start.Add(5 * time.Hour)); n != 1 {
		t.Errorf("evidence after the new version: got %d meetings; want 1", n)
	}
	if n := evidence(retractedAt.Add(time.Minute)); n != 0 {
		t.Errorf("evidence as it stood inside the retraction, after the new version: got %d meetings; want none", n)
	}
	if n := evidence(retractedAt.Add(-time.Minute)); n != 1 {
		t.Errorf("evidence as it stood before the retraction, after the new version: got %d meetings; want 1", n)
	}
	versions, err := e.meetings.ReportVersions(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var history []string
	for _, v := range versions {
		history = append(history, fmt.Sprintf("%d %q retracted:%v %q by %s", v.Version, v.CorrectionNote, !v.RetractedAt.IsZero(), v.RetractionReason, v.RecordedBy))
	}
	want := []string{`3 "over de juiste vergadering" retracted:false "" by editor-1`, `2 "cijfers gecorrigeerd" retracted:true "verkeerde vergadering" by editor-1`,
		`1 "" retracted:false "" by editor-1`}
	if !slices.Equal(history, want) {
		t.Errorf("history:\n got %q\nwant %q", history, want)
	}
	if versions[2].Summary != "Wat we leerden" || !versions[2].RecordedAt.Equal(domain.Instant(start.Add(time.Hour))) {
		t.Errorf("first version: got %+v; want the summary and time it was recorded with", versions[2])
	}
	var fields []string
	for _, c := range e.changes(t, m.ID)[1:] {
		fields = append(fields, strings.Join(c.Fields, ","))
	}
	if want := []string{"report", "report", "report", "report"}; !slices.Equal(fields, want) {
		t.Errorf("change records after the creation: got %v; want %v (put, correction, retraction, put)", fields, want)
	}
	if _, err := e.meetings.ReportVersions(context.Background(), "01900000-0000-7000-8000-000000000000"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("versions of an unknown meeting: got %v; want not found", err)
	}

	// A correction that moves the publication day does not move it for
	// the record as it stood before the correction.
	e.clock.Set(start.Add(6 * time.Hour))
	moved := republished
	moved.PublishedOn, moved.CorrectionNote = apptest.Date(2024, 6, 10), "later gepubliceerd"
	if _, err := e.meetings.PutReport(ctx, m.ID, moved); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		recordedBy time.Time
		want       int
	}{
		{start.Add(5 * time.Hour), 1}, // version 3, published on 5 June
		{start.Add(7 * time.Hour), 0}, // version 4, published on 10 June
	} {
		items, err := e.db.HeldMeetingsWithReport(context.Background(), apptest.Date(2024, 1, 1), apptest.Date(2024, 12, 31),
			milestone.Seen{RecordedBy: tt.recordedBy, DatedBy: apptest.Date(2024, 6, 7)})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != tt.want {
			t.Errorf("evidence dated by 7 June as recorded by %v: got %d meetings; want %d", tt.recordedBy, len(items), tt.want)
		}
	}
}

// A held meeting shows how many registered, had a place, came and did not.
func TestAttendanceFigures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Cleanup(func() { e.clock.Set(start) })
	when := apptest.AmsterdamTime(2024, 9, 12, 14, 0)
	in := confirmed(when, meeting.StatusConfirmed)
	in.Capacity = 3
	m := e.mustCreate(t, in)
	var regs []meeting.Registration
	for _, n := range []string{"Anna", "Bram", "Cor", "Dirk", "Eva"} {
		regs = append(regs, e.register(t, apptest.As(editor), m.ID, e.person(t, n, "GM0606")))
	}
	if err := e.meetings.CancelRegistration(apptest.As(editor), m.ID, regs[4].ID); err != nil { // Eva, waitlisted
		t.Fatal(err)
	}
	if _, ok := e.mustGet(t, m.ID).Attendance(); ok {
		t.Errorf("a confirmed meeting: got attendance figures; want none until held")
	}
	e.clock.Set(when.Add(3 * time.Hour))
	for i, attended := range []bool{true, false} { // Cor not marked
		if _, err := e.meetings.MarkAttendance(apptest.As(editor), m.ID, regs[i].ID, attended); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.meetings.Update(apptest.As(editor), m.ID, set(meeting.StatusHeld, ""), domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}
	got, ok := e.mustGet(t, m.ID).Attendance()
	if want := (meeting.Attendance{Registered: 4, Confirmed: 3, Attended: 1, NoShows: 1}); !ok || got != want {
		t.Errorf("attendance: got %+v, %v; want %+v", got, ok, want)
	}
	page, err := e.meetings.List(context.Background(), meeting.ListRequest{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].AttendedCount != 1 || page.Items[0].NoShowCount != 1 {
		t.Errorf("listed: got %+v; want the same figures", page.Items)
	}
}

// A member sees its people's registrations across meetings, a person their
// own; paged, newest first.
func TestRegistrationsAcrossMeetings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Cleanup(func() { e.clock.Set(start) })
	schiedam := e.org(t, "GM0606")
	first := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	second := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 12, 12, 14, 0)))
	anna, bram, cor := e.person(t, "Anna", "GM0606"), e.person(t, "Bram", "GM0344"), e.person(t, "Cor", "GM0606", "GM0344")
	i := 0
	for _, m := range []meeting.Meeting{first, second} {
		for _, p := range []person.Person{anna, bram, cor} {
			i++
			e.clock.Set(start.Add(time.Duration(i) * time.Minute))
			e.register(t, apptest.As(editor), m.ID, p)
		}
	}
	// Dirk left Schiedam years ago: his registration is no longer Schiedam's to see.
	dirk, err := e.people.Create(apptest.As(domain.System), person.Input{Name: "Dirk", Memberships: []person.MembershipInput{
		{Organisation: "GM0606", Role: "pioneer", From: apptest.Date(2019, 1, 1), To: apptest.Date(2020, 1, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Set(start.Add(time.Hour))
	e.register(t, apptest.As(editor), first.ID, dirk)
	tests := []struct {
		name  string
		actor domain.Actor
		req   meeting.RegistrationListRequest
		want  []string // person and meeting title, newest first
		code  domain.Code
	}{
		{"anonymous", anonymous, meeting.RegistrationListRequest{Organisation: "GM0606"}, nil, domain.CodeUnauthenticated},
		{"editor, an organisation by code", editor, meeting.RegistrationListRequest{Organisation: "GM0606"}, []string{"Cor 2", "Anna 2", "Cor 1", "Anna 1"}, ""},
		{"editor, an organisation by id", editor, meeting.RegistrationListRequest{Organisation: schiedam.ID}, []string{"Cor 2", "Anna 2", "Cor 1", "Anna 1"}, ""},
		{"editor, a person", editor, meeting.RegistrationListRequest{Person: bram.ID}, []string{"Bram 2", "Bram 1"}, ""},
		{"member, its organisation", member(schiedam.ID), meeting.RegistrationListRequest{Organisation: "GM0606"}, []string{"Cor 2", "Anna 2", "Cor 1", "Anna 1"}, ""},
		{"member, without filters: its organisation", member(schiedam.ID), meeting.RegistrationListRequest{}, []string{"Cor 2", "Anna 2", "Cor 1", "Anna 1"}, ""},
		{"member, another organisation", member(schiedam.ID), meeting.RegistrationListRequest{Organisation: "GM0344"}, nil, domain.CodeForbidden},
		{"member, a person of another organisation", member(schiedam.ID), meeting.RegistrationListRequest{Person: bram.ID}, []string{}, ""},
		{"member, a person of both", member(schiedam.ID), meeting.RegistrationListRequest{Person: cor.ID}, []string{"Cor 2", "Cor 1"}, ""},
		{"a person, own", self(anna), meeting.RegistrationListRequest{}, []string{"Anna 2", "Anna 1"}, ""},
		{"a person, by id", self(anna), meeting.RegistrationListRequest{Person: anna.ID}, []string{"Anna 2", "Anna 1"}, ""},
		{"a person, someone else", self(anna), meeting.RegistrationListRequest{Person: bram.ID}, nil, domain.CodeForbidden},
		{"client with registrations:write", client(schiedam.ID, domain.ScopeRegistrationsWrite), meeting.RegistrationListRequest{Organisation: "GM0606"}, []string{" 2", " 2", " 1", " 1"}, ""},
		{"client with people:read too", client(schiedam.ID, domain.ScopeRegistrationsWrite, domain.ScopePeopleRead), meeting.RegistrationListRequest{Organisation: "GM0606"}, []string{"Cor 2", "Anna 2", "Cor 1", "Anna 1"}, ""},
		{"client without the scope", client(schiedam.ID, domain.ScopePeopleRead), meeting.RegistrationListRequest{Organisation: "GM0606"}, nil, domain.CodeForbidden},
		{"analyst", analyst, meeting.RegistrationListRequest{Organisation: "GM0606"}, nil, domain.CodeForbidden},
		{"unknown organisation", editor, meeting.RegistrationListRequest{Organisation: "GM9999"}, nil, domain.CodeInvalid},
		{"unknown status", editor, meeting.RegistrationListRequest{Status: "gone"}, nil, domain.CodeInvalid},
	}
	titles := map[string]string{first.ID: "1", second.ID: "2"}
	for _, tt := range tests {
		page, err := e.meetings.ListRegistrations(apptest.As(tt.actor), tt.req)
		apptest.CheckCode(t, tt.name, err, tt.code)
		if tt.code != "" {
			continue
		}
		got := []string{}
		for _, r := range page.Items {
			got = append(got, r.PersonName+" "+titles[r.MeetingID])
			if r.MeetingTitle != first.Title || r.MeetingStartsAt.IsZero() || r.MeetingStatus != meeting.StatusPlanned {
				t.Errorf("%s: got meeting %q at %v, %s; want the meeting's summary", tt.name, r.MeetingTitle, r.MeetingStartsAt, r.MeetingStatus)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}

	// Page by page, every registration once; cancelled ones on request.
	page, err := e.meetings.ListRegistrations(apptest.As(editor), meeting.RegistrationListRequest{Organisation: "GM0606", PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	seen := []string{}
	for {
		for _, r := range page.Items {
			seen = append(seen, r.ID)
		}
		if page.Next == "" {
			break
		}
		if page, err = e.meetings.ListRegistrations(apptest.As(editor), meeting.RegistrationListRequest{Organisation: "GM0606", PageSize: 1, Cursor: page.Next}); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 4 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 4 {
		t.Errorf("paged: got %v; want 4 different registrations", seen)
	}
	if err := e.meetings.CancelRegistration(apptest.As(editor), first.ID, seen[3]); err != nil {
		t.Fatal(err)
	}
	for status, want := range map[meeting.RegistrationStatus]int{"": 3, meeting.Cancelled: 1, meeting.Registered: 3} {
		page, err := e.meetings.ListRegistrations(apptest.As(editor), meeting.RegistrationListRequest{Organisation: "GM0606", Status: status})
		if err != nil || len(page.Items) != want {
			t.Errorf("status %q: got %d, %v; want %d", status, len(page.Items), err, want)
		}
	}
}

// The rotation suggests the municipalities that chaired least, the one
// that chaired longest ago first.
func TestSuggestedGuestChairs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(apptest.AmsterdamTime(2020, 6, 1, 12, 0))
	t.Cleanup(func() { e.clock.Set(start) })
	for _, p := range []struct {
		month time.Month
		chair string
	}{{1, "GM0606"}, {4, "GM0344"}, {7, "GM0606"}, {10, "GM0344"}} {
		in := confirmed(apptest.AmsterdamTime(2019, p.month, 15, 14, 0), meeting.StatusHeld)
		in.GuestChair = p.chair
		e.mustCreate(t, in)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"tied: the one that chaired longest ago first", apptest.Date(2019, 1, 1), apptest.Date(2019, 12, 31), []string{"GM0606:2 2019-07-15", "GM0344:2 2019-10-15"}},
		{"the one that chaired least", apptest.Date(2019, 1, 1), apptest.Date(2019, 9, 30), []string{"GM0344:1 2019-04-15"}},
		{"never beats any", apptest.Date(2019, 1, 1), apptest.Date(2019, 2, 28), []string{"GM0344:0 never"}},
	}
	for _, tt := range tests {
		h, err := e.meetings.Health(context.Background(), tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, c := range h.SuggestedGuestChairs {
			last := "never"
			if !c.LastChairedOn.IsZero() {
				last = c.LastChairedOn.Format(time.DateOnly)
			}
			got = append(got, fmt.Sprintf("%s:%d %s", c.Organisation.Code, c.Count, last))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
