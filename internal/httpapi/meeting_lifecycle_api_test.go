package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// lcEnv is a running service with the action plan seeded and a token per
// role the meeting life cycle needs.
type lcEnv struct {
	*apptest.Env
	admin, editor       string
	member, otherMember string // of GM0606, of GM0344
}

func lcStart(t *testing.T) *lcEnv {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.SignInLimit = 1000 // every role signs in from the same address
	cfg.RateLimit = 0
	env := apptest.New(t, cfg)
	env.Seed(t)
	return &lcEnv{Env: env,
		admin:       env.User(t, "admin@example.org", domain.RoleAdmin, ""),
		editor:      env.User(t, "editor@example.org", domain.RoleEditor, ""),
		member:      env.User(t, "member@schiedam.example", domain.RoleMember, "GM0606"),
		otherMember: env.User(t, "member@utrecht.example", domain.RoleMember, "GM0344"),
	}
}

// meeting creates a meeting starting at startsAt, with extra fields.
func (e *lcEnv) meeting(t *testing.T, startsAt time.Time, extra map[string]any) api.Meeting {
	t.Helper()
	body := apptest.PlannedMeeting("Life cycle", map[string]any{"startsAt": startsAt.UTC().Format(time.RFC3339),
		"endsAt": startsAt.Add(2 * time.Hour).UTC().Format(time.RFC3339)})
	for k, v := range extra {
		body[k] = v
	}
	res := e.Do(t, "POST", "/v1/meetings", body, apptest.Bearer(e.editor))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create meeting: got %d; want 201 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var m api.Meeting
	res.JSON(t, &m)
	return m
}

// person creates a person of org and returns the id.
func (e *lcEnv) person(t *testing.T, name, org string) string {
	t.Helper()
	return e.Post(t, e.admin, "/v1/people", map[string]any{"name": name,
		"memberships": []any{map[string]any{"organisation": org, "role": "pioneer", "from": "2018-09-01"}}}).ID
}

func (e *lcEnv) register(t *testing.T, meetingID, personID string) apptest.Response {
	t.Helper()
	return e.Do(t, "POST", "/v1/meetings/"+meetingID+"/registrations", map[string]any{"person": personID}, apptest.Bearer(e.editor))
}

func (e *lcEnv) getMeeting(t *testing.T, id, token string) api.Meeting {
	t.Helper()
	res := e.Do(t, "GET", "/v1/meetings/"+id, nil, apptest.Headers(token))
	if res.StatusCode != 200 {
		t.Fatalf("get meeting: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var m api.Meeting
	res.JSON(t, &m)
	return m
}

func checkProblemNaming(t *testing.T, label string, res apptest.Response, status int, field, says string) {
	t.Helper()
	p, issues := apptest.ProblemIssues(res, status, "", field)
	if says != "" && !strings.Contains(p.Detail, says) {
		issues = append(issues, fmt.Sprintf("detail %q; want it to say %q", p.Detail, says))
	}
	if len(issues) > 0 {
		t.Errorf("%s: %s\n\tbody: %s", label, strings.Join(issues, "; "), apptest.Short(res.Body))
	}
}

// Registration opens and closes when the coordinator says; outside that
// window registering is a 409 that says when.
func TestRegistrationWindowOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	now := time.Now().UTC().Truncate(time.Second)
	starts := now.AddDate(0, 1, 0)
	anna := e.person(t, "Anna", "GM0606")

	later := e.meeting(t, starts, map[string]any{"registrationOpensAt": now.AddDate(0, 0, 1).Format(time.RFC3339),
		"registrationClosesAt": now.AddDate(0, 0, 10).Format(time.RFC3339)})
	if later.RegistrationOpen || later.RegistrationOpensAt == nil || !later.RegistrationOpensAt.Equal(now.AddDate(0, 0, 1)) {
		t.Errorf("window from tomorrow: got open %v from %v; want closed until tomorrow", later.RegistrationOpen, later.RegistrationOpensAt)
	}
	checkProblemNaming(t, "register before the window", e.register(t, later.ID.String(), anna), 409, "meeting", "registration opens at")

	closed := e.meeting(t, starts, map[string]any{"registrationClosesAt": now.Add(-time.Hour).Format(time.RFC3339)})
	checkProblemNaming(t, "register after the window", e.register(t, closed.ID.String(), anna), 409, "meeting", "registration closed at")

	open := e.meeting(t, starts, map[string]any{"registrationOpensAt": now.Add(-time.Hour).Format(time.RFC3339)})
	if !open.RegistrationOpen {
		t.Errorf("window opened an hour ago: got registrationOpen false")
	}
	if res := e.register(t, open.ID.String(), anna); res.StatusCode != 201 {
		t.Errorf("register inside the window: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}

	for _, tt := range []struct {
		name  string
		extra map[string]any
		field string
	}{
		{"closes after the start", map[string]any{"registrationClosesAt": starts.Add(time.Minute).Format(time.RFC3339)}, "registrationClosesAt"},
		{"closes before it opens", map[string]any{"registrationOpensAt": now.AddDate(0, 0, 5).Format(time.RFC3339),
			"registrationClosesAt": now.AddDate(0, 0, 4).Format(time.RFC3339)}, "registrationClosesAt"},
		{"held with a future start", map[string]any{"status": "held", "guestChair": "GM0606", "venue": map[string]any{"name": "Stadhuis"}}, "status"},
	} {
		body := apptest.PlannedMeeting("Invalid", map[string]any{"startsAt": starts.Format(time.RFC3339), "endsAt": starts.Add(time.Hour).Format(time.RFC3339)})
		for k, v := range tt.extra {
			body[k] = v
		}
		apptest.CheckInvalid(t, tt.name, e.Do(t, "POST", "/v1/meetings", body, apptest.Bearer(e.editor)), tt.field)
	}

	// Removing the window (merge patch null) brings back the default.
	res := e.Do(t, "PATCH", "/v1/meetings/"+later.ID.String(), `{"registrationOpensAt":null,"registrationClosesAt":null}`,
		apptest.Headers(e.editor, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	var patched api.Meeting
	res.JSON(t, &patched)
	if res.StatusCode != 200 || !patched.RegistrationOpen || patched.RegistrationOpensAt != nil {
		t.Errorf("window removed: got %d, open %v from %v; want 200, open, no opening", res.StatusCode, patched.RegistrationOpen, patched.RegistrationOpensAt)
	}
}

// A sequence number is one meeting's.
func TestMeetingSequenceIsUniqueOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	starts := time.Now().UTC().AddDate(0, 2, 0)
	first := e.meeting(t, starts, map[string]any{"sequence": 4711})
	body := apptest.PlannedMeeting("Twin", map[string]any{"sequence": 4711})
	checkProblemNaming(t, "create with a taken number", e.Do(t, "POST", "/v1/meetings", body, apptest.Bearer(e.editor)), 409, "sequence", "4711")
	second := e.meeting(t, starts, map[string]any{"sequence": 4712})
	res := e.Do(t, "PATCH", "/v1/meetings/"+second.ID.String(), `{"sequence":4711}`,
		apptest.Headers(e.editor, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	checkProblemNaming(t, "change to a taken number", res, 409, "sequence", first.ID.String())
}

// A capacity below the confirmed registrations needs overflow.
func TestCapacityOverflowOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	m := e.meeting(t, time.Now().UTC().AddDate(0, 1, 0), map[string]any{"capacity": 3})
	for i := range 4 {
		if res := e.register(t, m.ID.String(), e.person(t, fmt.Sprintf("Deelnemer %d", i), "GM0606")); res.StatusCode != 201 {
			t.Fatalf("register: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
		}
	}
	patch := func(query string) apptest.Response {
		return e.Do(t, "PATCH", "/v1/meetings/"+m.ID.String()+query, `{"capacity":1}`,
			apptest.Headers(e.editor, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	}
	checkProblemNaming(t, "lower without overflow", patch(""), 409, "capacity", "3 registrations are confirmed")
	apptest.CheckInvalid(t, "unknown overflow", patch("?overflow=drop"), "overflow")
	res := patch("?overflow=waitlist")
	var got api.Meeting
	res.JSON(t, &got)
	if res.StatusCode != 200 || got.RegisteredCount != 1 || got.WaitlistCount != 3 {
		t.Errorf("overflow=waitlist: got %d with %d registered, %d waiting; want 200, 1 and 3 (%s)", res.StatusCode, got.RegisteredCount, got.WaitlistCount, apptest.Short(res.Body))
	}
	body := apptest.PlannedMeeting("Life cycle", map[string]any{"startsAt": got.StartsAt.Format(time.RFC3339),
		"endsAt": got.EndsAt.Format(time.RFC3339), "capacity": 1})
	if res := e.Do(t, "PUT", "/v1/meetings/"+m.ID.String()+"?overflow=cancel", body, apptest.Headers(e.editor, "If-Match", "*")); res.StatusCode != 200 {
		t.Errorf("put with overflow and nothing over: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
}

// A member sees its people's registrations across meetings, paged.
func TestRegistrationsAcrossMeetingsOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	starts := time.Now().UTC().AddDate(0, 1, 0)
	anna, bram := e.person(t, "Anna", "GM0606"), e.person(t, "Bram", "GM0344")
	var meetings []api.Meeting
	for i := range 2 {
		m := e.meeting(t, starts.AddDate(0, i, 0), nil)
		meetings = append(meetings, m)
		for _, p := range []string{anna, bram} {
			if res := e.register(t, m.ID.String(), p); res.StatusCode != 201 {
				t.Fatalf("register: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
			}
		}
	}
	var page api.RegistrationPage
	res := e.Do(t, "GET", "/v1/registrations?organisation=GM0606&pageSize=1", nil, apptest.Bearer(e.member))
	res.JSON(t, &page)
	if res.StatusCode != 200 || len(page.Items) != 1 || page.NextCursor == nil || !strings.Contains(res.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("first page: got %d, %d items, Link %q; want 200, 1 item and a next page", res.StatusCode, len(page.Items), res.Header.Get("Link"))
	}
	first := page.Items[0]
	if first.Person.ID.String() != anna || first.MeetingSummary == nil || first.MeetingSummary.ID != meetings[1].ID ||
		first.MeetingSummary.Title != meetings[1].Title {
		t.Errorf("first page: got %+v; want Anna's newest registration with its meeting's summary", first)
	}
	res = e.Do(t, "GET", "/v1/registrations?organisation=GM0606&pageSize=1&cursor="+*page.NextCursor, nil, apptest.Bearer(e.member))
	page = api.RegistrationPage{}
	res.JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].Meeting != meetings[0].ID || page.NextCursor != nil {
		t.Errorf("second page: got %+v; want Anna's first registration, and no more", page)
	}
	for _, tt := range []struct {
		name, path, token string
		want              int
	}{
		{"anonymous", "/v1/registrations?organisation=GM0606", "", 401},
		{"another organisation's member", "/v1/registrations?organisation=GM0606", e.otherMember, 403},
		{"an editor", "/v1/registrations?organisation=GM0344", e.editor, 200},
		{"unknown organisation", "/v1/registrations?organisation=GM9999", e.editor, 400},
		{"not a uuid", "/v1/registrations?person=anna", e.editor, 400},
	} {
		res := e.Do(t, "GET", tt.path, nil, apptest.Headers(tt.token))
		if tt.want == 200 {
			if res.StatusCode != 200 {
				t.Errorf("%s: got %d; want 200 (%s)", tt.name, res.StatusCode, apptest.Short(res.Body))
			}
			continue
		}
		apptest.CheckProblem(t, tt.name, res, tt.want)
	}
	res = e.Do(t, "GET", "/v1/registrations?person="+bram, nil, apptest.Bearer(e.member))
	page = api.RegistrationPage{}
	res.JSON(t, &page)
	if res.StatusCode != 200 || len(page.Items) != 0 {
		t.Errorf("a member asks for another organisation's person: got %d with %d items; want 200 and none", res.StatusCode, len(page.Items))
	}
}

// A report is corrected and retracted; the history keeps every version.
// Once held, the meeting shows its attendance figures, to anyone.
func TestReportVersionsAndAttendanceOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	soon := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Second)
	m := e.meeting(t, soon, map[string]any{"capacity": 2})
	var regs []string
	for i := range 3 {
		res := e.register(t, m.ID.String(), e.person(t, fmt.Sprintf("Deelnemer %d", i), "GM0606"))
		var r api.Registration
		res.JSON(t, &r)
		regs = append(regs, r.ID.String())
	}
	if got := e.getMeeting(t, m.ID.String(), ""); got.Attendance != nil {
		t.Errorf("planned: got attendance %+v; want none", got.Attendance)
	}
	past := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	res := e.Do(t, "PATCH", "/v1/meetings/"+m.ID.String(), fmt.Sprintf(`{"startsAt":%q,"endsAt":%q,"status":"held","guestChair":"GM0606","venue":{"name":"Stadhuis"}}`,
		past.Format(time.RFC3339), past.Add(time.Hour).Format(time.RFC3339)),
		apptest.Headers(e.editor, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	if res.StatusCode != 200 {
		t.Fatalf("mark held: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	for i, attended := range []bool{true, false} {
		if res := e.Do(t, "PUT", "/v1/meetings/"+m.ID.String()+"/registrations/"+regs[i]+"/attendance", map[string]any{"attended": attended}, apptest.Bearer(e.editor)); res.StatusCode != 200 {
			t.Fatalf("attendance: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
		}
	}
	got := e.getMeeting(t, m.ID.String(), "")
	if want := (api.Attendance{Registered: 3, Confirmed: 2, Attended: 1, NoShows: 1}); got.Attendance == nil || *got.Attendance != want {
		t.Errorf("held, read anonymously: got attendance %+v; want %+v", got.Attendance, want)
	}
	// The list and the export (read from one query) agree with the single read.
	list := exJSON(t, e.Env, "/v1/meetings?q=Life+cycle")
	if len(list) != 1 || list[0]["attendance"] == nil {
		t.Fatalf("the list: got %v; want the held meeting with its attendance", list)
	}
	exCompareNDJSON(t, "ndjson", exGet(t, e.Env, "/v1/meetings/export?q=Life+cycle", "", "ndjson"), list)
	exCompareCSV(t, "csv", exGet(t, e.Env, "/v1/meetings/export?q=Life+cycle", "", "csv"), list)
	if strings.Contains(e.Do(t, "GET", "/v1/meetings/"+m.ID.String(), nil, nil).Body, "Deelnemer") {
		t.Errorf("the public meeting names a registered person; want counts only")
	}

	report := map[string]any{"url": "https://example.org/verslag", "publishedOn": domain.Today(past).Format(time.DateOnly)} // the meeting's day in Amsterdam, not UTC
	put := func(body map[string]any) api.Meeting {
		t.Helper()
		res := e.Do(t, "PUT", "/v1/meetings/"+m.ID.String()+"/report", body, apptest.Bearer(e.editor))
		if res.StatusCode != 200 {
			t.Fatalf("put report: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
		}
		var m api.Meeting
		res.JSON(t, &m)
		return m
	}
	v1 := put(report)
	if again := put(report); again.Revision != v1.Revision || apptest.Deref(again.Report.Version) != 1 {
		t.Errorf("the same report again: got revision %d, version %d; want %d and 1", again.Revision, apptest.Deref(again.Report.Version), v1.Revision)
	}
	report["summary"], report["correctionNote"] = "Met de juiste cijfers.", "cijfers gecorrigeerd"
	v2 := put(report)
	if r := v2.Report; apptest.Deref(r.Version) != 2 || apptest.Deref(r.CorrectionNote) != "cijfers gecorrigeerd" || r.PublicationID != v1.Report.PublicationID {
		t.Errorf("corrected: got %+v; want version 2 of the same publication with its note", r)
	}
	inFeed := func() bool {
		t.Helper()
		unfolded := strings.ReplaceAll(e.Do(t, "GET", "/v1/feeds/meetings.ics", nil, nil).Body, "\r\n ", "")
		return strings.Contains(unfolded, "https://example.org/verslag")
	}
	if !inFeed() {
		t.Errorf("the calendar feed before the retraction: no report link; want one")
	}
	publication := "/v1/publications/" + v1.Report.PublicationID.String()
	inPublications := func() bool {
		t.Helper()
		var page api.PublicationPage
		e.Do(t, "GET", "/v1/publications?meeting="+m.ID.String(), nil, nil).JSON(t, &page)
		return len(page.Items) > 0
	}
	if res := e.Do(t, "GET", publication, nil, nil); res.StatusCode != 200 || !inPublications() {
		t.Errorf("the report as a publication before the retraction: got %d (listed %v); want 200, listed", res.StatusCode, inPublications())
	}
	retraction := "/v1/meetings/" + m.ID.String() + "/report/retraction"
	apptest.CheckInvalid(t, "retract without a reason", e.Do(t, "POST", retraction, map[string]any{"reason": ""}, apptest.Bearer(e.editor)), "reason")
	apptest.CheckProblem(t, "a member retracts", e.Do(t, "POST", retraction, map[string]any{"reason": "fout"}, apptest.Bearer(e.member)), 403)
	res = e.Do(t, "POST", retraction, map[string]any{"reason": "verkeerde vergadering"}, apptest.Bearer(e.editor))
	var retracted api.Meeting
	res.JSON(t, &retracted)
	if res.StatusCode != 200 || retracted.Report.RetractedAt == nil || apptest.Deref(retracted.Report.RetractionReason) != "verkeerde vergadering" {
		t.Errorf("retract: got %d with %+v; want 200, retracted with the reason", res.StatusCode, retracted.Report)
	}
	if inFeed() {
		t.Errorf("the calendar feed after the retraction: got the report link; want none")
	}
	if res := e.Do(t, "GET", publication, nil, nil); res.StatusCode != 404 || inPublications() {
		t.Errorf("the report as a publication after the retraction: got %d (listed %v); want 404, not listed", res.StatusCode, inPublications())
	}
	apptest.CheckProblem(t, "retract twice", e.Do(t, "POST", retraction, map[string]any{"reason": "nog eens"}, apptest.Bearer(e.editor)), 409)

	var versions api.ReportVersionList
	res = e.Do(t, "GET", "/v1/meetings/"+m.ID.String()+"/report/versions", nil, nil)
	res.JSON(t, &versions)
	if res.StatusCode != 200 || len(versions.Items) != 2 || versions.Items[0].Version != 2 || versions.Items[0].RetractedAt == nil ||
		versions.Items[1].Version != 1 || versions.Items[1].RetractedAt != nil || versions.Items[1].Summary != nil {
		t.Errorf("versions, read anonymously: got %d %+v; want 2 (retracted) and 1", res.StatusCode, versions.Items)
	}
	apptest.CheckProblem(t, "versions of an unknown meeting", e.Do(t, "GET", "/v1/meetings/01900000-0000-7000-8000-000000000000/report/versions", nil, nil), 404)
}

// Schedule health suggests whom to ask to chair next.
func TestSuggestedGuestChairsOverHTTP(t *testing.T) {
	t.Parallel()
	e := lcStart(t)
	var h api.ScheduleHealth
	res := e.Do(t, "GET", "/v1/schedule-health", nil, nil)
	res.JSON(t, &h)
	if res.StatusCode != 200 || len(h.SuggestedGuestChairs) == 0 {
		t.Fatalf("got %d with suggestions %+v; want 200 and at least one", res.StatusCode, h.SuggestedGuestChairs)
	}
	least := h.ChairCounts[len(h.ChairCounts)-1].Count
	for _, c := range h.SuggestedGuestChairs {
		if c.Count != least {
			t.Errorf("suggested %s, which chaired %d times; want only those that chaired least (%d)", c.Organisation.Code, c.Count, least)
		}
	}
}
