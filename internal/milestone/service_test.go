package milestone_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

var (
	admin   = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor  = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	analyst = domain.Actor{Subject: "analyst-1", Role: domain.RoleAnalyst}
	partner = domain.Actor{Subject: "partner-1", Role: domain.RolePartner}
	member  = domain.Actor{Subject: "member-1", Role: domain.RoleMember, OrganisationID: "x"}
	nobody  = domain.Actor{}
)

// fixture is a fresh, migrated database (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set) with the services that feed the milestones, all
// on one clock the test sets.
type fixture struct {
	url      string
	db       *store.DB
	clock    *apptest.Clock
	orgs     *organisation.Service
	meetings *meeting.Service
	pubs     *publication.Service
	svc      *milestone.Service
	chair    organisation.Organisation
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	url := apptest.DatabaseURL(t)
	db := apptest.StoreAt(t, url)
	c := apptest.NewClock(now)
	orgs := organisation.NewService(db, c.Now)
	people := person.NewService(db, orgs, c.Now)
	f := &fixture{url: url, db: db, clock: c, orgs: orgs,
		meetings: meeting.NewService(db, orgs, people, c.Now),
		pubs:     publication.NewService(db, c.Now),
		svc:      milestone.NewService(db, db, orgs, c.Now)}
	var err error
	f.chair, err = orgs.Create(apptest.As(admin), organisation.Input{Code: "GM0606", Name: "Municipality of Schiedam",
		Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleLead, JoinedOn: apptest.Date(2018, 1, 1)})
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return f
}

// exec runs SQL on the test's database behind the services' back, for
// states the services do not produce.
func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	var dial gorm.Dialector
	if strings.HasPrefix(f.url, "postgres") {
		dial = postgres.Open(f.url)
	} else {
		dial = sqlite.Open("file:" + f.url + "?_busy_timeout=10000")
	}
	g, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	defer func() {
		if sqlDB, err := g.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	if err := g.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) commitment(t *testing.T, code string, cycle int) milestone.Commitment {
	t.Helper()
	c, err := f.svc.CreateCommitment(apptest.As(editor), milestone.CommitmentInput{Code: code, Title: "Commitment " + code, Cycle: cycle})
	if err != nil {
		t.Fatalf("create commitment %s: %v", code, err)
	}
	return c
}

func (f *fixture) milestone(t *testing.T, in milestone.Input) milestone.Milestone {
	t.Helper()
	m, err := f.svc.Create(apptest.As(editor), in)
	if err != nil {
		t.Fatalf("create milestone %s %s: %v", in.Commitment, in.Code, err)
	}
	return m
}

// heldMeeting records a held meeting starting at startsAt; the clock must be past it.
func (f *fixture) heldMeeting(t *testing.T, title string, startsAt time.Time) meeting.Meeting {
	t.Helper()
	m, err := f.meetings.Create(apptest.As(editor), meeting.Input{Title: title, Topic: "Open government", Format: meeting.FormatOther,
		StartsAt: startsAt, EndsAt: startsAt.Add(2 * time.Hour), Venue: &meeting.VenueInput{Name: "Stadskantoor"},
		GuestChair: "GM0606", Status: meeting.StatusHeld})
	if err != nil {
		t.Fatalf("create held meeting %q: %v", title, err)
	}
	return m
}

func (f *fixture) report(t *testing.T, m meeting.Meeting) {
	t.Helper()
	if _, err := f.meetings.PutReport(apptest.As(editor), m.ID, meeting.ReportInput{URL: "https://www.open-government.nl/" + m.ID,
		PublishedOn: domain.Today(m.StartsAt)}); err != nil { // published the same day: evidence dated later counts only from then
		t.Fatalf("report of %q: %v", m.Title, err)
	}
}

func (f *fixture) publication(t *testing.T, kind publication.Kind, title string, on time.Time) publication.Publication {
	t.Helper()
	p, err := f.pubs.Create(apptest.As(editor), publication.Input{Kind: kind, Title: title, URL: "https://example.org/" + strings.ReplaceAll(title, " ", "-"),
		PublishedOn: on, Language: "nl"})
	if err != nil {
		t.Fatalf("create publication %q: %v", title, err)
	}
	return p
}

func (f *fixture) get(t *testing.T, id string, asOf time.Time) milestone.Milestone {
	t.Helper()
	m, err := f.svc.Get(context.Background(), id, milestone.When{AsOf: asOf})
	if err != nil {
		t.Fatalf("get milestone (asOf %v): %v", asOf, err)
	}
	return m
}

// all lists every milestone of req, page by page.
func (f *fixture) all(t *testing.T, req milestone.ListRequest) []milestone.Milestone {
	t.Helper()
	var out []milestone.Milestone
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("more than 1000 pages")
		}
		page, err := f.svc.List(context.Background(), req)
		if err != nil {
			t.Fatalf("list %+v: %v", req, err)
		}
		if req.PageSize > 0 && len(page.Items) > req.PageSize {
			t.Fatalf("page of %d; want at most %d", len(page.Items), req.PageSize)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		req.Cursor = page.Next
	}
}

func codes(ms []milestone.Milestone) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Code
	}
	return out
}

func evidenceIDs(m milestone.Milestone) []string {
	if m.Evidence == nil {
		return nil
	}
	var out []string
	for _, it := range m.Evidence.Items {
		out = append(out, it.ID)
	}
	return out
}

// TestEvidenceHeldMeetingsWithReport follows 3.3 (eight meetings with
// reports, 1 October 2018 to 1 July 2020) as meetings are held and reported:
// a meeting counts once its report is recorded, only when held, only when
// it falls on a day in the window (Amsterdam time), and a ninth does not
// push progress past 100%.
func TestEvidenceHeldMeetingsWithReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 7, 2, 12, 0)) // the window closed yesterday
	f.commitment(t, "NL0037", 2018)
	m33 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.3", Title: "Eight meetings",
		PlannedStart: apptest.Date(2018, 10, 1), PlannedEnd: apptest.Date(2020, 7, 1), Target: &milestone.Target{Count: 8, Unit: "meetings"},
		Rule: milestone.RuleHeldMeetings, Progress: 90, Status: milestone.StatusInProgress, Completion: milestone.CompletionSubstantial})

	var counting []meeting.Meeting // the meetings that should count
	count := func(m meeting.Meeting) { counting = append(counting, m) }
	quarterly := func(i int) time.Time { return apptest.AmsterdamTime(2018, 10, 11, 14, 0).AddDate(0, 3*i, 0) }
	var first meeting.Meeting

	steps := []struct {
		name string
		act  func(t *testing.T)
	}{
		{"nothing held yet", func(t *testing.T) {}},
		{"held without a report does not count", func(t *testing.T) {
			first = f.heldMeeting(t, "Meeting 1", quarterly(0))
		}},
		{"its report makes it count", func(t *testing.T) {
			f.report(t, first)
			count(first)
		}},
		{"a cancelled meeting gets no report and does not count", func(t *testing.T) {
			c, err := f.meetings.Create(apptest.As(editor), meeting.Input{Title: "Called off", Topic: "t", Format: meeting.FormatOther,
				StartsAt: quarterly(1), EndsAt: quarterly(1).Add(time.Hour), Status: meeting.StatusCancelled, CancellationReason: "storm"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.meetings.PutReport(apptest.As(editor), c.ID, meeting.ReportInput{URL: "https://example.org/r", PublishedOn: apptest.Date(2019, 2, 1)})
			apptest.CheckCode(t, "report of a cancelled meeting", err, domain.CodeConflict)
		}},
		{"the day before the window does not count", func(t *testing.T) {
			f.report(t, f.heldMeeting(t, "Too early", apptest.AmsterdamTime(2018, 9, 30, 20, 0)))
		}},
		{"just after midnight on the first day counts (22:30 UTC the day before)", func(t *testing.T) {
			m := f.heldMeeting(t, "Right on time", apptest.AmsterdamTime(2018, 10, 1, 0, 30))
			f.report(t, m)
			count(m)
		}},
		{"the last day, late in the evening, counts", func(t *testing.T) {
			m := f.heldMeeting(t, "Last day", apptest.AmsterdamTime(2020, 7, 1, 23, 30))
			f.report(t, m)
			count(m)
		}},
		{"the day after the window does not count", func(t *testing.T) {
			f.report(t, f.heldMeeting(t, "Too late", apptest.AmsterdamTime(2020, 7, 2, 0, 30)))
		}},
		{"five more make eight: complete", func(t *testing.T) {
			for i := 1; i <= 5; i++ {
				m := f.heldMeeting(t, fmt.Sprintf("Meeting %d", i+1), quarterly(i))
				f.report(t, m)
				count(m)
			}
		}},
		{"a ninth does not push past 100%", func(t *testing.T) {
			m := f.heldMeeting(t, "Ninth", quarterly(6))
			f.report(t, m)
			count(m)
		}},
		{"a meeting that is no longer held stops counting", func(t *testing.T) {
			// The life cycle does not let a held meeting become cancelled;
			// a record that is anyway (imported, corrected by hand) must not count.
			f.exec(t, "UPDATE meetings SET status = ? WHERE id = ?", "cancelled", first.ID)
			counting = slices.DeleteFunc(counting, func(m meeting.Meeting) bool { return m.ID == first.ID })
		}},
		{"and another meeting's report brings it back to nine", func(t *testing.T) {
			m := f.heldMeeting(t, "Tenth", apptest.AmsterdamTime(2020, 6, 1, 14, 0))
			f.report(t, m)
			count(m)
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.act(t)
			got := f.get(t, m33.ID, time.Time{})
			slices.SortStableFunc(counting, func(a, b meeting.Meeting) int { return a.StartsAt.Compare(b.StartsAt) })
			var counted []string
			for _, m := range counting {
				counted = append(counted, m.ID)
			}
			n := len(counted)
			wantProgress := min(100, n*100/8)
			if got.Progress != wantProgress {
				t.Errorf("progress: got %d; want %d (%d of 8)", got.Progress, wantProgress, n)
			}
			wantStatus, wantCompletion, wantOverdue := milestone.StatusDelayed, milestone.CompletionNotStarted, true
			switch {
			case n >= 8:
				wantStatus, wantCompletion, wantOverdue = milestone.StatusCompleted, milestone.CompletionComplete, false
			case n >= 4:
				wantCompletion = milestone.CompletionSubstantial
			case n > 0:
				wantCompletion = milestone.CompletionLimited
			}
			if got.Status != wantStatus || got.Completion != wantCompletion || got.Overdue != wantOverdue {
				t.Errorf("status, completion, overdue: got %s %s %v; want %s %s %v", got.Status, got.Completion, got.Overdue,
					wantStatus, wantCompletion, wantOverdue)
			}
			if ids := evidenceIDs(got); !slices.Equal(ids, counted) {
				t.Errorf("evidence items: got %v; want %v", ids, counted)
			}
			if got.Evidence == nil || got.Evidence.Rule != milestone.RuleHeldMeetings {
				t.Fatalf("evidence rule: got %+v; want %s", got.Evidence, milestone.RuleHeldMeetings)
			}
			for _, it := range got.Evidence.Items {
				if it.Kind != "meeting" || it.Title == "" || it.On.IsZero() {
					t.Errorf("evidence item %+v: want kind meeting, a title and a date", it)
				}
			}
			// The list answers the same as the milestone itself.
			list := f.all(t, milestone.ListRequest{Filter: milestone.Filter{Commitment: "NL0037"}})
			if len(list) != 1 || list[0].Progress != got.Progress || !slices.Equal(evidenceIDs(list[0]), counted) {
				t.Errorf("list: got %+v; want the same progress and evidence as the milestone", list)
			}
		})
	}
}

// TestEvidenceMagazineEditions: 3.5 counts publications of kind
// magazine-edition published in its window, and nothing else.
func TestEvidenceMagazineEditions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 6, 30, 12, 0)) // the window's last day
	f.commitment(t, "NL0037", 2018)
	m35 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.5", Title: "Online magazine (2x)",
		PlannedStart: apptest.Date(2019, 4, 1), PlannedEnd: apptest.Date(2020, 6, 30), Target: &milestone.Target{Count: 2, Unit: "editions"},
		Rule: milestone.RuleMagazineEditions})
	var counted []string
	for _, step := range []struct {
		name  string
		kind  publication.Kind
		on    time.Time
		count bool
	}{
		{"lessons learned in the window", publication.KindLessonsLearned, apptest.Date(2019, 5, 1), false},
		{"other in the window", publication.KindOther, apptest.Date(2019, 5, 2), false},
		{"an edition before the window", publication.KindMagazineEdition, apptest.Date(2019, 3, 31), false},
		{"the first edition", publication.KindMagazineEdition, apptest.Date(2019, 6, 20), true},
		{"an edition after the window", publication.KindMagazineEdition, apptest.Date(2020, 7, 1), false},
		{"the second edition, on the last day", publication.KindMagazineEdition, apptest.Date(2020, 6, 30), true},
	} {
		t.Run(step.name, func(t *testing.T) {
			p := f.publication(t, step.kind, step.name, step.on)
			if step.count {
				counted = append(counted, p.ID)
			}
			got := f.get(t, m35.ID, time.Time{})
			if ids := evidenceIDs(got); !slices.Equal(ids, counted) {
				t.Errorf("evidence: got %v; want %v", ids, counted)
			}
			wantProgress, wantCompletion, wantStatus := 0, milestone.CompletionNotStarted, milestone.StatusInProgress
			switch len(counted) {
			case 1:
				wantProgress, wantCompletion = 50, milestone.CompletionSubstantial
			case 2:
				wantProgress, wantCompletion, wantStatus = 100, milestone.CompletionComplete, milestone.StatusCompleted
			}
			if got.Progress != wantProgress || got.Completion != wantCompletion || got.Status != wantStatus {
				t.Errorf("got %d%% %s %s; want %d%% %s %s", got.Progress, got.Completion, got.Status, wantProgress, wantCompletion, wantStatus)
			}
			if got.Evidence == nil {
				t.Fatalf("no evidence on a milestone with a rule")
			}
			for _, it := range got.Evidence.Items {
				if it.Kind != "publication" {
					t.Errorf("evidence item kind: got %q; want publication", it.Kind)
				}
			}
		})
	}
	t.Run("a meeting report in the window is not an edition", func(t *testing.T) {
		m := f.heldMeeting(t, "Meeting", apptest.AmsterdamTime(2019, 7, 4, 14, 0))
		f.report(t, m)
		if got := f.get(t, m35.ID, time.Time{}); !slices.Equal(evidenceIDs(got), counted) {
			t.Errorf("evidence: got %v; want %v", evidenceIDs(got), counted)
		}
	})
}

// TestEvidenceDatedInTheFutureDoesNotCountYet: an edition or a report
// recorded ahead of its publication date is not yet published; it counts
// from that day on, now and asOf.
func TestEvidenceDatedInTheFutureDoesNotCountYet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 6, 1, 12, 0))
	f.commitment(t, "NL0037", 2018)
	m33 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.3", Title: "Meetings",
		PlannedStart: apptest.Date(2018, 10, 1), PlannedEnd: apptest.Date(2020, 7, 1), Target: &milestone.Target{Count: 8, Unit: "meetings"},
		Rule: milestone.RuleHeldMeetings})
	m35 := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.5", Title: "Magazine",
		PlannedStart: apptest.Date(2019, 4, 1), PlannedEnd: apptest.Date(2020, 6, 30), Target: &milestone.Target{Count: 2, Unit: "editions"},
		Rule: milestone.RuleMagazineEditions})
	held := f.heldMeeting(t, "Held in May", apptest.AmsterdamTime(2019, 5, 20, 14, 0))
	if _, err := f.meetings.PutReport(apptest.As(editor), held.ID, meeting.ReportInput{URL: "https://example.org/report", PublishedOn: apptest.Date(2019, 6, 20)}); err != nil {
		t.Fatal(err)
	}
	f.publication(t, publication.KindMagazineEdition, "First edition", apptest.Date(2019, 6, 20))
	for _, tc := range []struct {
		name  string
		now   time.Time
		asOf  time.Time
		count int
	}{
		{"now, before the date", apptest.AmsterdamTime(2019, 6, 1, 12, 0), time.Time{}, 0},
		{"asOf before the date", apptest.AmsterdamTime(2019, 6, 25, 12, 0), apptest.Date(2019, 6, 19), 0},
		{"asOf the date", apptest.AmsterdamTime(2019, 6, 25, 12, 0), apptest.Date(2019, 6, 20), 1},
		{"now, after the date", apptest.AmsterdamTime(2019, 6, 25, 12, 0), time.Time{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.clock.Set(tc.now)
			for _, id := range []string{m33.ID, m35.ID} {
				got := f.get(t, id, tc.asOf)
				if n := len(evidenceIDs(got)); n != tc.count {
					t.Errorf("%s: got %d items of evidence; want %d", got.Code, n, tc.count)
				}
			}
		})
	}
}

// TestAsOfAnswersEachVersion changes a milestone on different days and asks
// for each day: the answer is the version recorded by the end of that day in
// Amsterdam; a deleted milestone still appears before its deletion.
func TestAsOfAnswersEachVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 3, 1, 10, 0))
	f.commitment(t, "NL0037", 2018)
	ctx := apptest.As(editor)
	a := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.1", Title: "Version 1", PlannedEnd: apptest.Date(2019, 6, 1)})
	change := func(at time.Time, title string) {
		t.Helper()
		f.clock.Set(at)
		cur := f.get(t, a.ID, time.Time{})
		if _, err := f.svc.Update(ctx, a.ID, func(in milestone.Input) (milestone.Input, error) {
			in.Title = title
			in.PlannedEnd = in.PlannedEnd.AddDate(0, 1, 0)
			return in, nil
		}, domain.Precondition{Present: true, Version: cur.Version}); err != nil {
			t.Fatalf("update to %s: %v", title, err)
		}
	}
	change(apptest.AmsterdamTime(2019, 3, 5, 9, 0), "Version 2")
	change(apptest.AmsterdamTime(2019, 3, 10, 0, 30), "Version 3") // 9 March 23:30 UTC: already 10 March in Amsterdam
	f.clock.Set(apptest.AmsterdamTime(2019, 3, 12, 12, 0))
	b := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.2", Title: "Other"})
	f.clock.Set(apptest.AmsterdamTime(2019, 3, 15, 23, 59))
	if err := f.svc.Delete(ctx, a.ID, domain.Precondition{Present: true, Version: 3}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	f.clock.Set(apptest.AmsterdamTime(2019, 3, 20, 12, 0))

	for _, tc := range []struct {
		asOf      time.Time
		wantA     string // title, or "" when absent
		wantAEnd  time.Time
		wantARev  domain.Version
		wantCodes []string
	}{
		{apptest.Date(2019, 2, 28), "", time.Time{}, 0, nil},
		{apptest.Date(2019, 3, 1), "Version 1", apptest.Date(2019, 6, 1), 1, []string{"3.1"}},
		{apptest.Date(2019, 3, 4), "Version 1", apptest.Date(2019, 6, 1), 1, []string{"3.1"}},
		{apptest.Date(2019, 3, 5), "Version 2", apptest.Date(2019, 7, 1), 2, []string{"3.1"}},
		{apptest.Date(2019, 3, 9), "Version 2", apptest.Date(2019, 7, 1), 2, []string{"3.1"}},
		{apptest.Date(2019, 3, 10), "Version 3", apptest.Date(2019, 8, 1), 3, []string{"3.1"}},
		{apptest.Date(2019, 3, 12), "Version 3", apptest.Date(2019, 8, 1), 3, []string{"3.1", "3.2"}},
		{apptest.Date(2019, 3, 14), "Version 3", apptest.Date(2019, 8, 1), 3, []string{"3.1", "3.2"}},
		{apptest.Date(2019, 3, 15), "", time.Time{}, 0, []string{"3.2"}},
		{apptest.Date(2019, 3, 20), "", time.Time{}, 0, []string{"3.2"}},
	} {
		t.Run(tc.asOf.Format(time.DateOnly), func(t *testing.T) {
			list := f.all(t, milestone.ListRequest{AsOf: tc.asOf, PageSize: 1})
			if got := codes(list); !slices.Equal(got, tc.wantCodes) {
				t.Errorf("list: got %v; want %v", got, tc.wantCodes)
			}
			got, err := f.svc.Get(context.Background(), a.ID, milestone.When{AsOf: tc.asOf})
			if tc.wantA == "" {
				apptest.CheckCode(t, "get", err, domain.CodeNotFound)
				return
			}
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got.Title != tc.wantA || !got.PlannedEnd.Equal(tc.wantAEnd) || got.Version != tc.wantARev {
				t.Errorf("get: got %q ending %s at revision %d; want %q ending %s at %d", got.Title,
					got.PlannedEnd.Format(time.DateOnly), got.Version, tc.wantA, tc.wantAEnd.Format(time.DateOnly), tc.wantARev)
			}
			for _, m := range list {
				if m.ID == a.ID && m.Title != tc.wantA {
					t.Errorf("list has %q; want %q", m.Title, tc.wantA)
				}
			}
		})
	}
	t.Run("now", func(t *testing.T) {
		if got := codes(f.all(t, milestone.ListRequest{})); !slices.Equal(got, []string{"3.2"}) {
			t.Errorf("list: got %v; want [3.2]", got)
		}
		_, err := f.svc.Get(context.Background(), a.ID, milestone.When{})
		apptest.CheckCode(t, "get a deleted milestone", err, domain.CodeNotFound)
		if got := f.get(t, b.ID, time.Time{}); got.Title != "Other" {
			t.Errorf("get: got %q; want Other", got.Title)
		}
	})
	t.Run("the future is invalid", func(t *testing.T) {
		tomorrow := apptest.Date(2019, 3, 21)
		_, err := f.svc.List(context.Background(), milestone.ListRequest{AsOf: tomorrow})
		apptest.CheckCode(t, "list as of tomorrow", err, domain.CodeInvalid)
		err = f.svc.Each(context.Background(), milestone.ListRequest{AsOf: tomorrow}, func(milestone.Milestone) error { return nil })
		apptest.CheckCode(t, "each as of tomorrow", err, domain.CodeInvalid)
		_, err = f.svc.CommitmentSummary(context.Background(), "NL0037", milestone.When{AsOf: tomorrow})
		apptest.CheckCode(t, "commitment summary as of tomorrow", err, domain.CodeInvalid)
		_, err = f.svc.Get(context.Background(), b.ID, milestone.When{AsOf: tomorrow})
		apptest.CheckCode(t, "get as of tomorrow", err, domain.CodeInvalid)
	})
}

// TestAsOfEvidence: asOf counts only the reports recorded by the end of that
// day, and uses the window of the milestone's version of that day.
func TestAsOfEvidence(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2019, 1, 15, 12, 0))
	f.commitment(t, "NL0037", 2018)
	m := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.3", Title: "Meetings",
		PlannedStart: apptest.Date(2018, 10, 1), PlannedEnd: apptest.Date(2019, 1, 1), Target: &milestone.Target{Count: 2, Unit: "meetings"},
		Rule: milestone.RuleHeldMeetings})
	first := f.heldMeeting(t, "First", apptest.AmsterdamTime(2018, 10, 11, 14, 0))
	second := f.heldMeeting(t, "Second", apptest.AmsterdamTime(2019, 1, 10, 14, 0)) // after the first window
	f.clock.Set(apptest.AmsterdamTime(2019, 1, 20, 23, 30))
	f.report(t, first)
	f.clock.Set(apptest.AmsterdamTime(2019, 2, 1, 9, 0))
	if _, err := f.svc.Update(apptest.As(editor), m.ID, func(in milestone.Input) (milestone.Input, error) {
		in.PlannedEnd = apptest.Date(2020, 7, 1)
		return in, nil
	}, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(apptest.AmsterdamTime(2019, 2, 10, 0, 15))
	f.report(t, second)
	f.clock.Set(apptest.AmsterdamTime(2019, 3, 1, 12, 0))

	for _, tc := range []struct {
		asOf       time.Time
		want       []string
		wantStatus milestone.Status
	}{
		{apptest.Date(2019, 1, 15), nil, milestone.StatusDelayed},
		{apptest.Date(2019, 1, 19), nil, milestone.StatusDelayed},
		{apptest.Date(2019, 1, 20), []string{first.ID}, milestone.StatusDelayed},
		{apptest.Date(2019, 1, 31), []string{first.ID}, milestone.StatusDelayed},
		{apptest.Date(2019, 2, 1), []string{first.ID}, milestone.StatusInProgress}, // the window now reaches 2020
		{apptest.Date(2019, 2, 9), []string{first.ID}, milestone.StatusInProgress},
		{apptest.Date(2019, 2, 10), []string{first.ID, second.ID}, milestone.StatusCompleted},
		{time.Time{}, []string{first.ID, second.ID}, milestone.StatusCompleted},
	} {
		t.Run(fmt.Sprint(tc.asOf.Format(time.DateOnly)), func(t *testing.T) {
			got := f.get(t, m.ID, tc.asOf)
			if ids := evidenceIDs(got); !slices.Equal(ids, tc.want) {
				t.Errorf("evidence: got %v; want %v", ids, tc.want)
			}
			if got.Status != tc.wantStatus {
				t.Errorf("status: got %s; want %s", got.Status, tc.wantStatus)
			}
			list := f.all(t, milestone.ListRequest{AsOf: tc.asOf})
			if len(list) != 1 || !slices.Equal(evidenceIDs(list[0]), tc.want) {
				t.Errorf("list: got %v; want one milestone with evidence %v", list, tc.want)
			}
		})
	}
}

// listFixture holds milestones of two commitments with hand-set progress,
// on 15 January 2020.
func listFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, apptest.AmsterdamTime(2020, 1, 15, 12, 0))
	f.commitment(t, "NL0037", 2018)
	f.commitment(t, "NL0020", 2016)
	for _, in := range []milestone.Input{
		{Commitment: "NL0037", Code: "3.10", Title: "Reach 100% open agendas", PlannedEnd: apptest.Date(2020, 3, 1), Status: milestone.StatusNotStarted, Completion: milestone.CompletionNotStarted},
		{Commitment: "NL0037", Code: "3.9", Title: "Magazine café", PlannedEnd: apptest.Date(2020, 6, 30), Status: milestone.StatusInProgress, Completion: milestone.CompletionSubstantial, Progress: 60},
		{Commitment: "NL0037", Code: "3.2", Title: "Kick-off", PlannedEnd: apptest.Date(2018, 9, 1), Status: milestone.StatusInProgress, Completion: milestone.CompletionLimited, Progress: 20},
		{Commitment: "NL0037", Code: "3.11", Title: "Dropped", Status: milestone.StatusCancelled},
		{Commitment: "NL0037", Code: "3.1", Title: "Plans", PlannedEnd: apptest.Date(2018, 6, 29), Status: milestone.StatusCompleted, Completion: milestone.CompletionComplete, Progress: 100},
		{Commitment: "NL0020", Code: "1.2", Title: "Publish data sets", VerifiableResult: "A REGISTER of open data sets", PlannedEnd: apptest.Date(2021, 1, 1)},
		{Commitment: "NL0020", Code: "1.1", Title: "Open data register", PlannedEnd: apptest.Date(2019, 12, 31), Status: milestone.StatusDelayed, Completion: milestone.CompletionLimited},
	} {
		f.milestone(t, in)
	}
	return f
}

// TestMilestoneListFilters: each filter, alone and combined, in the order asked, now
// and from the history (asOf today), which must agree.
func TestMilestoneListFilters(t *testing.T) {
	t.Parallel()
	f := listFixture(t)
	yes, no := true, false
	for _, tc := range []struct {
		name string
		req  milestone.ListRequest
		want []string
	}{
		{"all, by commitment then code", milestone.ListRequest{}, []string{"1.1", "1.2", "3.1", "3.2", "3.9", "3.10", "3.11"}},
		{"commitment", milestone.ListRequest{Filter: milestone.Filter{Commitment: "NL0037"}}, []string{"3.1", "3.2", "3.9", "3.10", "3.11"}},
		{"commitment in lower case", milestone.ListRequest{Filter: milestone.Filter{Commitment: "nl0020"}}, []string{"1.1", "1.2"}},
		{"unknown commitment", milestone.ListRequest{Filter: milestone.Filter{Commitment: "NL0099"}}, nil},
		{"cycle", milestone.ListRequest{Filter: milestone.Filter{Cycle: 2016}}, []string{"1.1", "1.2"}},
		{"status", milestone.ListRequest{Status: milestone.StatusInProgress}, []string{"3.2", "3.9"}},
		{"completion", milestone.ListRequest{Completion: milestone.CompletionLimited}, []string{"1.1", "3.2"}},
		{"dueBefore is strict", milestone.ListRequest{Filter: milestone.Filter{DueBefore: apptest.Date(2019, 12, 31)}}, []string{"3.1", "3.2"}},
		{"dueAfter is strict", milestone.ListRequest{Filter: milestone.Filter{DueAfter: apptest.Date(2019, 12, 31)}}, []string{"1.2", "3.9", "3.10"}},
		{"due between", milestone.ListRequest{Filter: milestone.Filter{DueAfter: apptest.Date(2018, 7, 1), DueBefore: apptest.Date(2020, 6, 30)}}, []string{"1.1", "3.2", "3.10"}},
		{"overdue", milestone.ListRequest{Overdue: &yes}, []string{"1.1", "3.2"}},
		{"not overdue", milestone.ListRequest{Overdue: &no}, []string{"1.2", "3.1", "3.9", "3.10", "3.11"}},
		{"q in title and verifiable result, any case", milestone.ListRequest{Filter: milestone.Filter{Q: "Register"}}, []string{"1.1", "1.2"}},
		{"q with an accent", milestone.ListRequest{Filter: milestone.Filter{Q: "CAFÉ"}}, []string{"3.9"}},
		{"q is literal, not a pattern", milestone.ListRequest{Filter: milestone.Filter{Q: "%"}}, []string{"3.10"}},
		{"q and status", milestone.ListRequest{Filter: milestone.Filter{Q: "K"}, Status: milestone.StatusInProgress}, []string{"3.2"}},
		{"sort plannedEnd, none last", milestone.ListRequest{Sort: "plannedEnd"}, []string{"3.1", "3.2", "1.1", "3.10", "3.9", "1.2", "3.11"}},
		{"sort -plannedEnd", milestone.ListRequest{Sort: "-plannedEnd"}, []string{"3.11", "1.2", "3.9", "3.10", "1.1", "3.2", "3.1"}},
		{"sort plannedEnd with a filter", milestone.ListRequest{Sort: "plannedEnd", Filter: milestone.Filter{Commitment: "NL0037"}, Overdue: &no}, []string{"3.1", "3.10", "3.9", "3.11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, pageSize := range []int{0, 2} {
				req := tc.req
				req.PageSize = pageSize
				if got := codes(f.all(t, req)); !slices.Equal(got, tc.want) {
					t.Errorf("now, pages of %d: got %v; want %v", pageSize, got, tc.want)
				}
				req.AsOf = apptest.Date(2020, 1, 15)
				if got := codes(f.all(t, req)); !slices.Equal(got, tc.want) {
					t.Errorf("asOf today, pages of %d: got %v; want %v", pageSize, got, tc.want)
				}
			}
			var each []milestone.Milestone
			if err := f.svc.Each(context.Background(), tc.req, func(m milestone.Milestone) error {
				each = append(each, m)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := codes(each); !slices.Equal(got, tc.want) {
				t.Errorf("each: got %v; want %v", got, tc.want)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		for _, req := range []milestone.ListRequest{
			{PageSize: 101}, {PageSize: 500}, {Status: "finished"}, {Completion: "partial"}, {Sort: "title"}, {Cursor: "not-a-cursor"},
			{AsOf: apptest.Date(2020, 1, 15), Cursor: "YXNvZi05OQ"},
		} {
			if _, err := f.svc.List(context.Background(), req); domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("list %+v: got %v; want invalid input", req, err)
			}
		}
	})
}

// TestMilestonePagingWithDerivedStatus: when status follows from evidence and the
// day, paging with a status filter still returns each matching milestone
// exactly once, in order, and no other.
func TestMilestonePagingWithDerivedStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 1, 15, 12, 0))
	f.commitment(t, "NL0037", 2018)
	var delayed, notStarted []string
	for i := 1; i <= 40; i++ {
		in := milestone.Input{Commitment: "NL0037", Code: fmt.Sprintf("7.%d", i), Title: fmt.Sprintf("Edition %d", i),
			Target: &milestone.Target{Count: 1, Unit: "edition"}, Rule: milestone.RuleMagazineEditions,
			// Set by hand the other way round: the rule must win.
			Status: milestone.StatusDelayed}
		if i%3 == 0 {
			in.PlannedStart, in.PlannedEnd = apptest.Date(2019, 1, 1), apptest.Date(2019, 6, 30) // passed, nothing published
			delayed = append(delayed, in.Code)
		} else {
			in.PlannedStart, in.PlannedEnd, in.Status = apptest.Date(2021, 1, 1), apptest.Date(2021, 6, 30), milestone.StatusInProgress
			notStarted = append(notStarted, in.Code)
		}
		f.milestone(t, in)
	}
	for _, tc := range []struct {
		status milestone.Status
		want   []string
	}{
		{milestone.StatusDelayed, delayed},
		{milestone.StatusNotStarted, notStarted},
		{milestone.StatusInProgress, nil},
	} {
		for _, asOf := range []time.Time{{}, apptest.Date(2020, 1, 15)} {
			for _, size := range []int{1, 4, 7, 100} {
				t.Run(fmt.Sprintf("%s asOf %s pages of %d", tc.status, asOf.Format(time.DateOnly), size), func(t *testing.T) {
					got := f.all(t, milestone.ListRequest{Status: tc.status, PageSize: size, AsOf: asOf})
					if !slices.Equal(codes(got), tc.want) {
						t.Errorf("got %v; want %v", codes(got), tc.want)
					}
					for _, m := range got {
						if m.Status != tc.status {
							t.Errorf("%s has status %s", m.Code, m.Status)
						}
					}
				})
			}
		}
	}
}

// TestMilestoneSummaries counts a commitment's and an action plan's milestones.
func TestMilestoneSummaries(t *testing.T) {
	t.Parallel()
	f := listFixture(t) // 15 January 2020
	type want struct {
		milestones   int
		byStatus     map[milestone.Status]int
		byCompletion map[milestone.Completion]int
		share        float64
		overdue      int
		nextDue      string
	}
	nl0037 := want{5,
		map[milestone.Status]int{milestone.StatusNotStarted: 1, milestone.StatusInProgress: 2, milestone.StatusCancelled: 1, milestone.StatusCompleted: 1},
		map[milestone.Completion]int{milestone.CompletionNotStarted: 1, milestone.CompletionSubstantial: 1, milestone.CompletionLimited: 1, milestone.CompletionNoEvidence: 1, milestone.CompletionComplete: 1},
		0.2, 1, "3.10"}
	nl0020 := want{2,
		map[milestone.Status]int{milestone.StatusNotStarted: 1, milestone.StatusDelayed: 1},
		map[milestone.Completion]int{milestone.CompletionNoEvidence: 1, milestone.CompletionLimited: 1},
		0, 1, "1.2"}
	check := func(t *testing.T, got milestone.Summary, w want) {
		t.Helper()
		if got.Milestones != w.milestones {
			t.Errorf("milestones: got %d; want %d", got.Milestones, w.milestones)
		}
		for _, s := range []milestone.Status{milestone.StatusNotStarted, milestone.StatusInProgress, milestone.StatusCompleted, milestone.StatusDelayed, milestone.StatusCancelled} {
			if got.ByStatus[s] != w.byStatus[s] {
				t.Errorf("byStatus[%s]: got %d; want %d", s, got.ByStatus[s], w.byStatus[s])
			}
		}
		for _, c := range []milestone.Completion{milestone.CompletionNoEvidence, milestone.CompletionNotStarted, milestone.CompletionLimited, milestone.CompletionSubstantial, milestone.CompletionComplete} {
			if got.ByCompletion[c] != w.byCompletion[c] {
				t.Errorf("byCompletion[%s]: got %d; want %d", c, got.ByCompletion[c], w.byCompletion[c])
			}
		}
		if d := got.ShareComplete - w.share; d > 1e-9 || d < -1e-9 {
			t.Errorf("shareComplete: got %v; want %v", got.ShareComplete, w.share)
		}
		if got.Overdue != w.overdue {
			t.Errorf("overdue: got %d; want %d", got.Overdue, w.overdue)
		}
		if got.NextDue == nil || got.NextDue.Code != w.nextDue {
			t.Errorf("nextDue: got %+v; want %s", got.NextDue, w.nextDue)
		}
	}
	for _, asOf := range []time.Time{{}, apptest.Date(2020, 1, 15)} {
		t.Run("asOf "+asOf.Format(time.DateOnly), func(t *testing.T) {
			t.Run("commitment", func(t *testing.T) {
				got, err := f.svc.CommitmentSummary(context.Background(), "nl0037", milestone.When{AsOf: asOf})
				if err != nil {
					t.Fatal(err)
				}
				if got.Commitment != "NL0037" {
					t.Errorf("commitment: got %q; want NL0037", got.Commitment)
				}
				check(t, got, nl0037)
			})
			t.Run("action plan 2018", func(t *testing.T) {
				got, err := f.svc.CycleSummary(context.Background(), 2018, milestone.When{AsOf: asOf})
				if err != nil {
					t.Fatal(err)
				}
				check(t, got, nl0037)
			})
			t.Run("action plan 2016", func(t *testing.T) {
				got, err := f.svc.CycleSummary(context.Background(), 2016, milestone.When{AsOf: asOf})
				if err != nil {
					t.Fatal(err)
				}
				check(t, got, nl0020)
			})
		})
	}
	t.Run("before the data", func(t *testing.T) {
		got, err := f.svc.CycleSummary(context.Background(), 2018, milestone.When{AsOf: apptest.Date(2019, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Milestones != 0 || got.NextDue != nil || got.ShareComplete != 0 {
			t.Errorf("got %+v; want an empty summary", got)
		}
	})
	t.Run("unknown commitment", func(t *testing.T) {
		_, err := f.svc.CommitmentSummary(context.Background(), "NL0099", milestone.When{})
		apptest.CheckCode(t, "summary of an unknown commitment", err, domain.CodeNotFound)
	})
	t.Run("next due moves on", func(t *testing.T) {
		f.clock.Set(apptest.AmsterdamTime(2020, 3, 2, 12, 0)) // 3.10 is now overdue; 3.9 is next
		got, err := f.svc.CommitmentSummary(context.Background(), "NL0037", milestone.When{})
		if err != nil {
			t.Fatal(err)
		}
		if got.NextDue == nil || got.NextDue.Code != "3.9" || got.Overdue != 2 {
			t.Errorf("got next due %+v and %d overdue; want 3.9 and 2", got.NextDue, got.Overdue)
		}
	})
}

// noExports is the store with its one-query reads refused: they take an
// export slot, which a public summary must not queue for.
type noExports struct{ *store.DB }

func (noExports) EachMilestone(context.Context, milestone.Query, func(milestone.Milestone) error) error {
	return fmt.Errorf("an export read (it waits for an export slot)")
}

// Summaries page through the milestones rather than wait for an export
// slot behind slow export downloads.
func TestSummariesTakeNoExportSlot(t *testing.T) {
	t.Parallel()
	f := listFixture(t) // 15 January 2020
	svc := milestone.NewService(noExports{f.db}, f.db, f.orgs, f.clock.Now)
	for _, tt := range []struct {
		name string
		sum  func(*milestone.Service) (milestone.Summary, error)
	}{
		{"commitment", func(s *milestone.Service) (milestone.Summary, error) {
			return s.CommitmentSummary(context.Background(), "NL0037", milestone.When{})
		}},
		{"action plan", func(s *milestone.Service) (milestone.Summary, error) {
			return s.CycleSummary(context.Background(), 2018, milestone.When{})
		}},
	} {
		got, err := tt.sum(svc)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want, err := tt.sum(f.svc)
		if err != nil {
			t.Fatal(err)
		}
		if got.Milestones != want.Milestones || got.Overdue != want.Overdue || got.NextDue == nil || want.NextDue == nil || got.NextDue.Code != want.NextDue.Code {
			t.Errorf("%s: got %d milestones, %d overdue, next due %+v; want %d, %d, %+v", tt.name, got.Milestones, got.Overdue, got.NextDue, want.Milestones, want.Overdue, want.NextDue)
		}
	}
}

// TestCommitments: editors and admins write, everyone reads; institutions
// in the network are resolved to their organisation.
func TestCommitments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 1, 15, 12, 0))
	in := milestone.CommitmentInput{Code: "NL0037", Title: "Pioneering Network", Cycle: 2018, ActionPlan: "2018-2020",
		PolicyAreas: []string{"Capacity Building", " Subnational ", "Capacity Building"},
		Lead:        &milestone.InstitutionInput{Name: "Municipality of Schiedam", Organisation: "gm0606"},
		Support:     []milestone.InstitutionInput{{Name: "Some ministry"}}, Status: "active"}
	t.Run("who may create", func(t *testing.T) {
		for _, tc := range []struct {
			actor domain.Actor
			want  domain.Code
		}{
			{nobody, domain.CodeUnauthenticated},
			{member, domain.CodeForbidden},
			{analyst, domain.CodeForbidden},
			{partner, domain.CodeForbidden},
		} {
			_, err := f.svc.CreateCommitment(apptest.As(tc.actor), in)
			if domain.ErrorCode(err) != tc.want {
				t.Errorf("%q: got %v; want %s", tc.actor.Role, err, tc.want)
			}
		}
		c, err := f.svc.CreateCommitment(apptest.As(editor), in)
		if err != nil {
			t.Fatalf("editor: %v", err)
		}
		if !slices.Equal(c.PolicyAreas, []string{"Capacity Building", "Subnational"}) {
			t.Errorf("policy areas: got %q; want trimmed and without repeats", c.PolicyAreas)
		}
		got, err := f.svc.GetCommitment(apptest.As(nobody), "nl0037")
		if err != nil {
			t.Fatalf("anyone reads: %v", err)
		}
		if got.Lead == nil || got.Lead.Organisation == nil || got.Lead.Organisation.ID != f.chair.ID || got.Lead.Organisation.Code != "GM0606" {
			t.Errorf("lead: got %+v; want GM0606 resolved", got.Lead)
		}
		if len(got.Support) != 1 || got.Support[0].Organisation != nil || got.Support[0].Name != "Some ministry" {
			t.Errorf("support: got %+v; want one institution outside the network", got.Support)
		}
		if got.Version != 1 || got.Cycle != 2018 || got.ActionPlan != "2018-2020" || got.Status != "active" {
			t.Errorf("got %+v", got)
		}
		_, err = f.svc.CreateCommitment(apptest.As(admin), in)
		apptest.CheckCode(t, "create a commitment again", err, domain.CodeConflict)
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := f.svc.CreateCommitment(apptest.As(editor), milestone.CommitmentInput{Code: "XX1", Title: " ", Cycle: 1999, Status: "done",
			Lead: &milestone.InstitutionInput{Name: "", Organisation: "GM9999"}, Support: []milestone.InstitutionInput{{Name: "x", Organisation: "nope"}}})
		e, ok := err.(*domain.Error)
		if !ok {
			t.Fatalf("got %v; want invalid input", err)
		}
		var names []string
		for _, fe := range e.Fields {
			names = append(names, fe.Name)
		}
		want := []string{"code", "title", "cycle", "status", "leadInstitution.name", "leadInstitution.organisation", "supportInstitutions[0].organisation"}
		if !slices.Equal(names, want) {
			t.Errorf("fields: got %v; want %v", names, want)
		}
	})
	t.Run("replace", func(t *testing.T) {
		next := in
		next.Title, next.Status, next.Lead = "Pioneering Network for an Open Government", "completed", nil
		for _, a := range []domain.Actor{nobody, member, analyst, partner} {
			_, err := f.svc.ReplaceCommitment(apptest.As(a), "NL0037", next, domain.Precondition{Present: true, Any: true})
			if c := domain.ErrorCode(err); c != domain.CodeForbidden && c != domain.CodeUnauthenticated {
				t.Errorf("%q: got %v; want refused", a.Role, err)
			}
		}
		_, err := f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", next, domain.Precondition{})
		apptest.CheckCode(t, "replace a commitment without If-Match", err, domain.CodePreconditionNeeded)
		_, err = f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", next, domain.Precondition{Present: true, Version: 7})
		apptest.CheckCode(t, "replace a commitment at a stale version", err, domain.CodePreconditionFailed)
		moved := next
		moved.Code = "NL0038"
		_, err = f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", moved, domain.Precondition{Present: true, Version: 1})
		apptest.CheckCode(t, "move a commitment to another code", err, domain.CodeInvalid)
		c, err := f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", next, domain.Precondition{Present: true, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.GetCommitment(context.Background(), "NL0037")
		if c.Version != 2 || got.Version != 2 || got.Title != next.Title || got.Status != "completed" || got.Lead != nil {
			t.Errorf("after replace: got %+v; want version 2 with the new fields", got)
		}
		_, err = f.svc.ReplaceCommitment(apptest.As(editor), "NL0001", next, domain.Precondition{Present: true, Any: true})
		apptest.CheckCode(t, "replace an unknown commitment", err, domain.CodeNotFound)
	})
	t.Run("list", func(t *testing.T) {
		for _, c := range []milestone.CommitmentInput{
			{Code: "NL0001", Title: "Open data", Cycle: 2013, PolicyAreas: []string{"Access to Information"}},
			{Code: "NL0020", Title: "Open contracting", Cycle: 2016, PolicyAreas: []string{"Open Contracting"}},
			{Code: "NL0021", Title: "Wet open overheid: één loket", Cycle: 2016, PolicyAreas: []string{"Access to Information"}},
		} {
			if _, err := f.svc.CreateCommitment(apptest.As(admin), c); err != nil {
				t.Fatal(err)
			}
		}
		f.milestone(t, milestone.Input{Commitment: "NL0020", Code: "1.1", Title: "x"})
		f.milestone(t, milestone.Input{Commitment: "NL0020", Code: "1.2", Title: "y"})
		for _, tc := range []struct {
			f    milestone.CommitmentFilter
			want []string
		}{
			{milestone.CommitmentFilter{}, []string{"NL0001", "NL0020", "NL0021", "NL0037"}},
			{milestone.CommitmentFilter{Cycle: 2016}, []string{"NL0020", "NL0021"}},
			{milestone.CommitmentFilter{PolicyArea: "access to information"}, []string{"NL0001", "NL0021"}},
			{milestone.CommitmentFilter{Q: "ÉÉN"}, []string{"NL0021"}},
			{milestone.CommitmentFilter{Q: "open", Cycle: 2016}, []string{"NL0020", "NL0021"}},
		} {
			var got []string
			counts := map[string]int{}
			for cursor := ""; ; {
				page, err := f.svc.ListCommitments(context.Background(), tc.f, 1, cursor)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Items {
					got = append(got, c.Code)
					counts[c.Code] = c.MilestoneCount
				}
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%+v: got %v; want %v", tc.f, got, tc.want)
			}
			if n, ok := counts["NL0020"]; ok && n != 2 {
				t.Errorf("NL0020 milestoneCount: got %d; want 2", n)
			}
		}
		_, err := f.svc.ListCommitments(context.Background(), milestone.CommitmentFilter{}, 101, "")
		apptest.CheckCode(t, "list commitments, page size 101", err, domain.CodeInvalid)
	})
}

// TestMilestoneWrites: who may write, what is valid, If-Match.
func TestMilestoneWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 1, 15, 12, 0))
	f.commitment(t, "NL0037", 2018)
	good := milestone.Input{Commitment: "nl0037", Code: " 3.3 ", Title: " Meetings ", PlannedStart: apptest.Date(2018, 10, 1), PlannedEnd: apptest.Date(2020, 7, 1),
		Target: &milestone.Target{Count: 8, Unit: " meetings "}, Rule: milestone.RuleHeldMeetings}
	for _, a := range []domain.Actor{nobody, member, analyst, partner} {
		_, err := f.svc.Create(apptest.As(a), good)
		if c := domain.ErrorCode(err); c != domain.CodeForbidden && c != domain.CodeUnauthenticated {
			t.Errorf("create as %q: got %v; want refused", a.Role, err)
		}
	}
	m, err := f.svc.Create(apptest.As(editor), good)
	if err != nil {
		t.Fatal(err)
	}
	if m.Commitment != "NL0037" || m.Code != "3.3" || m.Title != "Meetings" || m.Target.Unit != "meetings" || m.Version != 1 {
		t.Errorf("created: got %+v; want normalised", m)
	}
	_, err = f.svc.Create(apptest.As(admin), good)
	apptest.CheckCode(t, "create a milestone again", err, domain.CodeConflict)

	for _, tc := range []struct {
		name string
		in   milestone.Input
		want []string
	}{
		{"unknown commitment, bad code, empty title", milestone.Input{Commitment: "NL0099", Code: "3.a", Title: " "}, []string{"commitment", "code", "title"}},
		{"dates the wrong way round", milestone.Input{Commitment: "NL0037", Code: "1", Title: "t", PlannedStart: apptest.Date(2020, 1, 2), PlannedEnd: apptest.Date(2020, 1, 1),
			ActualStart: apptest.Date(2020, 1, 2), ActualEnd: apptest.Date(2020, 1, 1)}, []string{"plannedEnd", "actualEnd"}},
		{"rule without target", milestone.Input{Commitment: "NL0037", Code: "1", Title: "t", Rule: milestone.RuleMagazineEditions}, []string{"target"}},
		{"unknown rule, bad target", milestone.Input{Commitment: "NL0037", Code: "1", Title: "t", Rule: "votes", Target: &milestone.Target{Count: 0, Unit: "x"}}, []string{"evidenceRule", "target"}},
		{"progress, status, completion", milestone.Input{Commitment: "NL0037", Code: "1", Title: "t", Progress: 101, Status: "done", Completion: "full"}, []string{"progress", "status", "completion"}},
		{"negative progress", milestone.Input{Commitment: "NL0037", Code: "1", Title: "t", Progress: -1}, []string{"progress"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Create(apptest.As(editor), tc.in)
			e, ok := err.(*domain.Error)
			if !ok || e.Code != domain.CodeInvalid {
				t.Fatalf("got %v; want invalid input", err)
			}
			var names []string
			for _, fe := range e.Fields {
				names = append(names, fe.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("fields: got %v; want %v", names, tc.want)
			}
		})
	}

	t.Run("replace and update need If-Match", func(t *testing.T) {
		next := good
		next.Title = "Eight meetings"
		_, err := f.svc.Replace(apptest.As(editor), m.ID, next, domain.Precondition{})
		apptest.CheckCode(t, "replace without If-Match", err, domain.CodePreconditionNeeded)
		_, err = f.svc.Replace(apptest.As(editor), m.ID, next, domain.Precondition{Present: true, Version: 2})
		apptest.CheckCode(t, "replace at a stale version", err, domain.CodePreconditionFailed)
		_, err = f.svc.Replace(apptest.As(analyst), m.ID, next, domain.Precondition{Present: true, Any: true})
		apptest.CheckCode(t, "replace as an analyst", err, domain.CodeForbidden)
		got, err := f.svc.Replace(apptest.As(editor), m.ID, next, domain.Precondition{Present: true, Version: 1})
		if err != nil || got.Version != 2 || got.Title != "Eight meetings" {
			t.Fatalf("replace: got %+v, %v; want revision 2", got, err)
		}
		same, err := f.svc.Update(apptest.As(editor), m.ID, func(in milestone.Input) (milestone.Input, error) { return in, nil }, domain.Precondition{Present: true, Version: 2})
		if err != nil || same.Version != 2 {
			t.Errorf("an update that changes nothing: got revision %d, %v; want 2", same.Version, err)
		}
		_, err = f.svc.Update(apptest.As(editor), "0190d3e0-0000-7000-8000-000000000000", func(in milestone.Input) (milestone.Input, error) { return in, nil }, domain.Precondition{Present: true, Any: true})
		apptest.CheckCode(t, "update an unknown milestone", err, domain.CodeNotFound)
	})
	t.Run("delete", func(t *testing.T) {
		apptest.CheckCode(t, "delete as an analyst", f.svc.Delete(apptest.As(analyst), m.ID, domain.Precondition{Present: true, Any: true}), domain.CodeForbidden)
		apptest.CheckCode(t, "delete without If-Match", f.svc.Delete(apptest.As(editor), m.ID, domain.Precondition{}), domain.CodePreconditionNeeded)
		apptest.CheckCode(t, "delete at a stale version", f.svc.Delete(apptest.As(editor), m.ID, domain.Precondition{Present: true, Version: 1}), domain.CodePreconditionFailed)
		if err := f.svc.Delete(apptest.As(editor), m.ID, domain.Precondition{Present: true, Version: 2}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Get(context.Background(), m.ID, milestone.When{})
		apptest.CheckCode(t, "get a deleted milestone", err, domain.CodeNotFound)
		// The code is free again.
		if _, err := f.svc.Create(apptest.As(editor), good); err != nil {
			t.Errorf("create again after delete: %v", err)
		}
	})
}

// TestProgressUpdates: editors report dated progress, not in the future;
// everyone reads them, newest first.
func TestProgressUpdates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.AmsterdamTime(2020, 1, 15, 23, 30)) // 15 January in Amsterdam, 22:30 UTC
	f.commitment(t, "NL0037", 2018)
	m := f.milestone(t, milestone.Input{Commitment: "NL0037", Code: "3.4", Title: "Interim evaluation"})
	for _, a := range []domain.Actor{nobody, member, analyst, partner} {
		_, err := f.svc.AddProgressUpdate(apptest.As(a), m.ID, milestone.ProgressUpdateInput{Date: apptest.Date(2020, 1, 1), Note: "x"})
		if c := domain.ErrorCode(err); c != domain.CodeForbidden && c != domain.CodeUnauthenticated {
			t.Errorf("as %q: got %v; want refused", a.Role, err)
		}
	}
	for _, tc := range []struct {
		name string
		in   milestone.ProgressUpdateInput
		want []string
	}{
		{"tomorrow in Amsterdam", milestone.ProgressUpdateInput{Date: apptest.Date(2020, 1, 16), Note: "x"}, []string{"date"}},
		{"no date, no note, bad URL", milestone.ProgressUpdateInput{Note: " ", EvidenceURL: "ftp://example.org/x"}, []string{"date", "note", "evidenceUrl"}},
		{"relative URL", milestone.ProgressUpdateInput{Date: apptest.Date(2020, 1, 1), Note: "x", EvidenceURL: "/report.pdf"}, []string{"evidenceUrl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.AddProgressUpdate(apptest.As(editor), m.ID, tc.in)
			e, ok := err.(*domain.Error)
			if !ok || e.Code != domain.CodeInvalid {
				t.Fatalf("got %v; want invalid input", err)
			}
			var names []string
			for _, fe := range e.Fields {
				names = append(names, fe.Name)
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("fields: got %v; want %v", names, tc.want)
			}
		})
	}
	var added []milestone.ProgressUpdate
	for _, in := range []milestone.ProgressUpdateInput{
		{Date: apptest.Date(2019, 10, 1), Note: "Questionnaire sent", Author: "Marieke"},
		{Date: apptest.Date(2020, 1, 15), Note: "Results in", EvidenceURL: "https://example.org/results"}, // today
		{Date: apptest.Date(2019, 11, 20), Note: "Reminder sent"},
	} {
		u, err := f.svc.AddProgressUpdate(apptest.As(editor), m.ID, in)
		if err != nil {
			t.Fatalf("add %q: %v", in.Note, err)
		}
		added = append(added, u)
	}
	if added[0].Author != "Marieke" || added[1].Author != editor.Subject {
		t.Errorf("authors: got %q and %q; want Marieke and the signed-in %s", added[0].Author, added[1].Author, editor.Subject)
	}
	got, err := f.svc.ProgressUpdates(apptest.As(nobody), m.ID, milestone.When{})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, u := range got {
		notes = append(notes, u.Note)
		if u.MilestoneID != m.ID || u.RecordedAt.IsZero() {
			t.Errorf("update %+v: want the milestone and when it was recorded", u)
		}
	}
	if want := []string{"Results in", "Reminder sent", "Questionnaire sent"}; !slices.Equal(notes, want) {
		t.Errorf("updates: got %v; want newest first %v", notes, want)
	}
	_, err = f.svc.ProgressUpdates(context.Background(), "0190d3e0-0000-7000-8000-000000000000", milestone.When{})
	apptest.CheckCode(t, "updates of an unknown milestone", err, domain.CodeNotFound)
	_, err = f.svc.AddProgressUpdate(apptest.As(editor), "0190d3e0-0000-7000-8000-000000000000", milestone.ProgressUpdateInput{Date: apptest.Date(2020, 1, 1), Note: "x"})
	apptest.CheckCode(t, "add an update to an unknown milestone", err, domain.CodeNotFound)
}
