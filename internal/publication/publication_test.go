package publication_test

import (
	"context"
	"fmt"
	"slices"
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
	e := &env{db: db, clock: c, meetings: meeting.NewService(db, orgs, people, c.Now), pubs: publication.NewService(db, c.Now)}
	apptest.SeedDatabase(t, url)
	return e
}

var (
	admin     = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor    = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	analyst   = domain.Actor{Subject: "analyst-1", Role: domain.RoleAnalyst}
	partner   = domain.Actor{Subject: "partner-1", Role: domain.RolePartner}
	memberOf  = domain.Actor{Subject: "member-1", Role: domain.RoleMember, OrganisationID: "some-organisation"}
	anonymous = domain.Actor{}
)

func edition(title string, on time.Time) publication.Input {
	return publication.Input{Kind: publication.KindMagazineEdition, Title: title, URL: "https://www.open-government.nl/magazine/" + on.Format("2006-01-02"),
		PublishedOn: on, Summary: "Nieuws uit het netwerk"}
}

func (e *env) mustCreate(t *testing.T, in publication.Input) publication.Publication {
	t.Helper()
	p, err := e.pubs.Create(apptest.As(editor), in)
	if err != nil {
		t.Fatalf("create %q: %v", in.Title, err)
	}
	return p
}

// heldMeeting is a meeting in the past, marked held.
func (e *env) heldMeeting(t *testing.T, title string, day time.Time) meeting.Meeting {
	t.Helper()
	starts := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, domain.Amsterdam)
	m, err := e.meetings.Create(apptest.As(domain.System), meeting.Input{Title: title, Topic: "Open data", Description: "Over open raadsinformatie",
		Format: meeting.FormatKnowledgeSession, StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Status: meeting.StatusHeld,
		GuestChair: "GM0606", Venue: &meeting.VenueInput{Name: "Stadskantoor"}})
	if err != nil {
		t.Fatalf("create meeting %s: %v", title, err)
	}
	return m
}

func (e *env) report(t *testing.T, m meeting.Meeting, on time.Time, summary string) meeting.Meeting {
	t.Helper()
	m, err := e.meetings.PutReport(apptest.As(editor), m.ID, meeting.ReportInput{URL: "https://www.open-government.nl/verslag/" + m.ID,
		PublishedOn: on, Summary: summary})
	if err != nil {
		t.Fatalf("report of %s: %v", m.Title, err)
	}
	return m
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.heldMeeting(t, "Bijeenkomst", apptest.Date(2024, 3, 14))
	valid := edition("Magazine 1", apptest.Date(2024, 5, 1))
	with := func(change func(in *publication.Input)) publication.Input {
		in := valid
		change(&in)
		return in
	}
	tests := []struct {
		name string
		in   publication.Input
		want []string
	}{
		{"magazine edition", valid, nil},
		{"lessons learned", with(func(in *publication.Input) { in.Kind = publication.KindLessonsLearned }), nil},
		{"other", with(func(in *publication.Input) { in.Kind = publication.KindOther }), nil},
		{"meeting report", with(func(in *publication.Input) { in.Kind = publication.KindMeetingReport }), []string{"kind"}},
		{"no kind", with(func(in *publication.Input) { in.Kind = "" }), []string{"kind"}},
		{"unknown kind", with(func(in *publication.Input) { in.Kind = "blog" }), []string{"kind"}},
		{"blank title", with(func(in *publication.Input) { in.Title = "  " }), []string{"title"}},
		{"no URL", with(func(in *publication.Input) { in.URL = "" }), []string{"url"}},
		{"URL without scheme", with(func(in *publication.Input) { in.URL = "www.open-government.nl/x" }), []string{"url"}},
		{"ftp URL", with(func(in *publication.Input) { in.URL = "ftp://open-government.nl/x" }), []string{"url"}},
		{"URL without host", with(func(in *publication.Input) { in.URL = "https:///x" }), []string{"url"}},
		{"no publication date", with(func(in *publication.Input) { in.PublishedOn = time.Time{} }), []string{"publishedOn"}},
		{"English", with(func(in *publication.Input) { in.Language = "en" }), nil},
		{"British English", with(func(in *publication.Input) { in.Language = "en-GB" }), nil},
		{"Frisian", with(func(in *publication.Input) { in.Language = "fry" }), nil},
		{"language in capitals", with(func(in *publication.Input) { in.Language = "NL" }), []string{"language"}},
		{"language by name", with(func(in *publication.Input) { in.Language = "dutch" }), []string{"language"}},
		{"region in lowercase", with(func(in *publication.Input) { in.Language = "en-gb" }), []string{"language"}},
		{"a meeting", with(func(in *publication.Input) { in.Meetings = []string{m.ID} }), nil},
		{"an unknown meeting", with(func(in *publication.Input) {
			in.Meetings = []string{m.ID, "01900000-0000-7000-8000-000000000000"}
		}), []string{"meetings[1]"}},
		{"every problem at once", publication.Input{Kind: publication.KindMeetingReport, URL: "x", Language: "Nederlands",
			Meetings: []string{"no-such-meeting"}}, []string{"kind", "language", "meetings[0]", "publishedOn", "title", "url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.pubs.Create(apptest.As(editor), tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v; want it created", err)
				}
				got, err := e.pubs.Get(context.Background(), p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Kind != tt.in.Kind || got.Title != tt.in.Title || got.URL != tt.in.URL || !got.PublishedOn.Equal(tt.in.PublishedOn) {
					t.Errorf("got %+v; want %+v", got, tt.in)
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

func TestCreateStoresEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.heldMeeting(t, "A", apptest.Date(2024, 3, 14)), e.heldMeeting(t, "B", apptest.Date(2024, 4, 14))
	p, err := e.pubs.Create(apptest.As(editor), publication.Input{Kind: publication.KindLessonsLearned, Title: "  Lessen  ",
		URL: "https://example.nl/lessen", PublishedOn: time.Date(2024, 5, 1, 15, 30, 0, 0, time.UTC), Summary: " Wat werkte ",
		Licence: " CC-BY-4.0 ", Meetings: []string{b.ID, a.ID, b.ID, " "}, Topics: []string{"woo", "open data", "woo"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.pubs.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantMeetings := []string{a.ID, b.ID}
	slices.Sort(wantMeetings)
	gotMeetings := slices.Clone(got.Meetings)
	slices.Sort(gotMeetings)
	checks := []struct {
		name      string
		got, want any
	}{
		{"title", got.Title, "Lessen"},
		{"summary", got.Summary, "Wat werkte"},
		{"licence", got.Licence, "CC-BY-4.0"},
		{"language", got.Language, "nl"},
		{"published on", got.PublishedOn.Format(time.RFC3339), "2024-05-01T00:00:00Z"},
		{"meetings", fmt.Sprint(gotMeetings), fmt.Sprint(wantMeetings)},
		{"topics", fmt.Sprint(got.Topics), "[woo open data]"},
		{"version", got.Version, domain.Version(1)},
		{"created", got.CreatedAt.Equal(start.Truncate(time.Microsecond)), true},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v; want %v", c.name, c.got, c.want)
		}
	}
	cs, err := e.db.Changes(context.Background(), "publication", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Action != domain.ActionCreate || cs[0].Actor != editor.Subject {
		t.Errorf("got changes %+v; want one create by the editor", cs)
	}
	_, err = e.pubs.Get(context.Background(), "01900000-0000-7000-8000-000000000000")
	apptest.CheckCode(t, "get unknown", err, domain.CodeNotFound)
}

func TestWritesNeedAnEditor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	actions := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"create", func(ctx context.Context) error {
			_, err := e.pubs.Create(ctx, edition("Nieuw", apptest.Date(2024, 5, 1)))
			return err
		}},
		{"replace", func(ctx context.Context) error {
			p := e.mustCreate(t, edition("Oud", apptest.Date(2024, 5, 1)))
			_, err := e.pubs.Replace(ctx, p.ID, edition("Vervangen", apptest.Date(2024, 5, 2)), apptest.IfVersion(p.Version))
			return err
		}},
		{"delete", func(ctx context.Context) error {
			p := e.mustCreate(t, edition("Weg", apptest.Date(2024, 5, 1)))
			return e.pubs.Delete(ctx, p.ID, apptest.IfVersion(p.Version))
		}},
	}
	actors := []struct {
		name  string
		actor domain.Actor
		want  domain.Code
	}{
		{"admin", admin, ""},
		{"editor", editor, ""},
		{"anonymous", anonymous, domain.CodeUnauthenticated},
		{"member", memberOf, domain.CodeForbidden},
		{"analyst", analyst, domain.CodeForbidden},
		{"partner", partner, domain.CodeForbidden},
	}
	for _, a := range actions {
		for _, actor := range actors {
			apptest.CheckCode(t, a.name+" as "+actor.name, a.do(apptest.As(actor.actor)), actor.want)
		}
	}
}

func TestReplaceAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.heldMeeting(t, "Bijeenkomst", apptest.Date(2024, 3, 14))
	p := e.mustCreate(t, edition("Magazine 1", apptest.Date(2024, 5, 1)))

	for _, pre := range []struct {
		name string
		pre  domain.Precondition
		want domain.Code
	}{
		{"missing", domain.Precondition{}, domain.CodePreconditionNeeded},
		{"stale", apptest.IfVersion(p.Version + 1), domain.CodePreconditionFailed},
	} {
		_, err := e.pubs.Replace(apptest.As(editor), p.ID, edition("X", apptest.Date(2024, 5, 1)), pre.pre)
		apptest.CheckCode(t, "replace, If-Match "+pre.name, err, pre.want)
		err = e.pubs.Delete(apptest.As(editor), p.ID, pre.pre)
		apptest.CheckCode(t, "delete, If-Match "+pre.name, err, pre.want)
	}
	bad := edition("", apptest.Date(2024, 5, 1))
	_, err := e.pubs.Replace(apptest.As(editor), p.ID, bad, apptest.IfVersion(p.Version))
	apptest.CheckCode(t, "replace with an invalid input", err, domain.CodeInvalid)
	_, err = e.pubs.Replace(apptest.As(editor), "01900000-0000-7000-8000-000000000000", edition("X", apptest.Date(2024, 5, 1)), apptest.IfVersion(1))
	apptest.CheckCode(t, "replace unknown", err, domain.CodeNotFound)

	e.clock.Set(start.Add(time.Hour))
	in := edition("Magazine 1, herzien", apptest.Date(2024, 5, 2))
	in.Kind, in.Meetings, in.Language = publication.KindLessonsLearned, []string{m.ID}, "en"
	replaced, err := e.pubs.Replace(apptest.As(editor), p.ID, in, apptest.IfVersion(p.Version))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.pubs.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || replaced.Version != 2 || got.Title != in.Title || got.Kind != publication.KindLessonsLearned || got.Language != "en" ||
		!slices.Equal(got.Meetings, []string{m.ID}) || !got.PublishedOn.Equal(apptest.Date(2024, 5, 2)) || !got.CreatedAt.Equal(p.CreatedAt) ||
		!got.UpdatedAt.Equal(start.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("got %+v; want the replacement at version 2", got)
	}
	page, err := e.pubs.List(context.Background(), publication.Query{Filter: publication.Filter{MeetingID: m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != p.ID {
		t.Errorf("listed for the meeting: got %v; want the publication", page.Items)
	}
	// A meeting a publication refers to stays.
	err = e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version))
	apptest.CheckCode(t, "delete a meeting a publication refers to", err, domain.CodeConflict)

	// Dropping the meeting again.
	in.Meetings = nil
	if _, err := e.pubs.Replace(apptest.As(editor), p.ID, in, apptest.IfVersion(2)); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.pubs.Get(context.Background(), p.ID); len(got.Meetings) != 0 || got.Version != 3 {
		t.Errorf("got meetings %v at version %d; want none at 3", got.Meetings, got.Version)
	}

	q := e.mustCreate(t, func() publication.Input {
		in := edition("Met bijeenkomst", apptest.Date(2024, 5, 3))
		in.Meetings = []string{m.ID}
		return in
	}())
	if err := e.pubs.Delete(apptest.As(editor), q.ID, apptest.IfVersion(q.Version)); err != nil {
		t.Fatalf("delete a publication that refers to a meeting: %v", err)
	}
	_, err = e.pubs.Get(context.Background(), q.ID)
	apptest.CheckCode(t, "get after delete", err, domain.CodeNotFound)
	err = e.pubs.Delete(apptest.As(editor), q.ID, apptest.IfVersion(q.Version))
	apptest.CheckCode(t, "delete twice", err, domain.CodeNotFound)
	cs, err := e.db.Changes(context.Background(), "publication", q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[1].Action != domain.ActionDelete || cs[1].Version != 2 {
		t.Errorf("got changes %+v; want create and delete", cs)
	}
	if err := e.meetings.Delete(apptest.As(editor), m.ID, apptest.IfVersion(m.Version)); err != nil {
		t.Errorf("delete the meeting nothing refers to any more: %v", err)
	}
}

func TestMeetingReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.heldMeeting(t, "Voorjaarsbijeenkomst", apptest.Date(2024, 3, 14))
	m = e.report(t, m, apptest.Date(2024, 3, 28), "Wat we leerden over Woo-verzoeken")
	id := m.Report.PublicationID

	p, err := e.pubs.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get the report as a publication: %v", err)
	}
	if p.Kind != publication.KindMeetingReport || !slices.Equal(p.Meetings, []string{m.ID}) || p.URL != m.Report.URL ||
		!p.PublishedOn.Equal(apptest.Date(2024, 3, 28)) || p.Summary != "Wat we leerden over Woo-verzoeken" || p.Language != "nl" ||
		p.Title != "Report: Voorjaarsbijeenkomst" || !slices.Equal(p.Topics, []string{"Open data"}) {
		t.Errorf("got %+v", p)
	}
	_, err = e.pubs.Replace(apptest.As(editor), id, edition("Overschreven", apptest.Date(2024, 4, 1)), apptest.IfVersion(p.Version))
	apptest.CheckCode(t, "replace", err, domain.CodeConflict)
	err = e.pubs.Delete(apptest.As(editor), id, apptest.IfVersion(p.Version))
	apptest.CheckCode(t, "delete", err, domain.CodeConflict)
	_, err = e.pubs.Replace(apptest.As(editor), id, edition("Overschreven", apptest.Date(2024, 4, 1)), domain.Precondition{})
	apptest.CheckCode(t, "replace without If-Match", err, domain.CodeConflict)

	// Read from the meeting, never copied: a new title shows at once.
	if _, err := e.meetings.Update(apptest.As(editor), m.ID, func(in meeting.Input) (meeting.Input, error) {
		in.Title = "Lentebijeenkomst"
		return in, nil
	}, apptest.IfVersion(m.Version)); err != nil {
		t.Fatal(err)
	}
	if p, err := e.pubs.Get(context.Background(), id); err != nil || p.Title != "Report: Lentebijeenkomst" {
		t.Errorf("after renaming the meeting: got %q, %v; want Report: Lentebijeenkomst", p.Title, err)
	}
	// A publication may link the meeting too; a report's id is no meeting.
	in := edition("Terugblik", apptest.Date(2024, 4, 1))
	in.Meetings = []string{m.ID}
	e.mustCreate(t, in)
	in.Meetings = []string{id}
	_, err = e.pubs.Create(apptest.As(editor), in)
	apptest.CheckCode(t, "link a report's id as a meeting", err, domain.CodeInvalid)
}

func TestListPagesAcrossTheUnion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := map[string]time.Time{}
	// 25 publications, three on most days, so that pages end amid ties,
	// which are broken by id; titles run the other way.
	for i := range 25 {
		in := edition(fmt.Sprintf("Editie %02d", 24-i), apptest.Date(2024, 1, 1).AddDate(0, 0, i/3))
		if i%3 == 0 {
			in.Kind = publication.KindLessonsLearned
		}
		p := e.mustCreate(t, in)
		want[p.ID] = p.PublishedOn
	}
	// Reports on days with publications and on days of their own.
	for i, on := range []time.Time{apptest.Date(2024, 1, 3), apptest.Date(2024, 1, 5), apptest.Date(2024, 1, 5), apptest.Date(2024, 2, 1), apptest.Date(2023, 12, 1)} {
		m := e.heldMeeting(t, fmt.Sprintf("Bijeenkomst %d", i), on.AddDate(0, 0, -1))
		m = e.report(t, m, on, "")
		want[m.Report.PublicationID] = on
	}
	if len(want) != 30 {
		t.Fatalf("set up %d publications; want 30", len(want))
	}

	all, err := e.pubs.List(context.Background(), publication.Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if all.Next != "" || len(all.Items) != 30 {
		t.Fatalf("one page of 100: got %d items, next %q; want 30 and no next", len(all.Items), all.Next)
	}

	var seen []publication.Publication
	sizes := []int{}
	cursor := ""
	for range 10 {
		page, err := e.pubs.List(context.Background(), publication.Query{PageSize: 10, Cursor: cursor})
		if err != nil {
			t.Fatalf("page %d: %v", len(sizes)+1, err)
		}
		sizes = append(sizes, len(page.Items))
		seen = append(seen, page.Items...)
		if len(sizes) == 1 {
			// Published meanwhile, newer than anything: not on a later page.
			e.mustCreate(t, edition("Nieuwste", apptest.Date(2025, 1, 1)))
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(sizes, []int{10, 10, 10}) {
		t.Errorf("got page sizes %v; want [10 10 10]", sizes)
	}
	count := map[string]int{}
	for i, p := range seen {
		count[p.ID]++
		on, ok := want[p.ID]
		if !ok {
			t.Errorf("item %d: got %s %q, which was not there when paging began", i, p.ID, p.Title)
			continue
		}
		if !p.PublishedOn.Equal(on) {
			t.Errorf("item %d: got published on %v; want %v", i, p.PublishedOn, on)
		}
		if i > 0 {
			prev := seen[i-1]
			if p.PublishedOn.After(prev.PublishedOn) || (p.PublishedOn.Equal(prev.PublishedOn) && p.ID > prev.ID) {
				t.Errorf("item %d (%s, %s) comes after (%s, %s); want newest first, ties by id descending",
					i, p.PublishedOn.Format(time.DateOnly), p.ID, prev.PublishedOn.Format(time.DateOnly), prev.ID)
			}
		}
		if all.Items[i].ID != p.ID {
			t.Errorf("item %d: got %s paged, %s in one page; want the same order", i, p.ID, all.Items[i].ID)
		}
	}
	for id := range want {
		if count[id] != 1 {
			t.Errorf("%s: seen %d times; want once", id, count[id])
		}
	}

	// Paging a filtered list: the lessons learned and the reports.
	for _, kind := range []publication.Kind{publication.KindLessonsLearned, publication.KindMeetingReport} {
		var ids []string
		cursor = ""
		for range 10 {
			page, err := e.pubs.List(context.Background(), publication.Query{Filter: publication.Filter{Kind: kind}, PageSize: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Items {
				if p.Kind != kind {
					t.Errorf("kind %s: got %s", kind, p.Kind)
				}
				ids = append(ids, p.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		wantN := map[publication.Kind]int{publication.KindLessonsLearned: 9, publication.KindMeetingReport: 5}[kind]
		if len(ids) != wantN || len(ids) != len(uniq(ids)) {
			t.Errorf("kind %s: got %d (%d distinct); want %d", kind, len(ids), len(uniq(ids)), wantN)
		}
	}

	first, err := e.pubs.List(context.Background(), publication.Query{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pubs.List(context.Background(), publication.Query{PageSize: 10, Cursor: first.Next, Filter: publication.Filter{Kind: publication.KindOther}})
	apptest.CheckCode(t, "a cursor with other filters", err, domain.CodeInvalid)
	_, err = e.pubs.List(context.Background(), publication.Query{PageSize: 10, Cursor: "not-a-cursor"})
	apptest.CheckCode(t, "a broken cursor", err, domain.CodeInvalid)
	_, err = e.pubs.List(context.Background(), publication.Query{PageSize: 101})
	apptest.CheckCode(t, "page size 101", err, domain.CodeInvalid)
	def, err := e.pubs.List(context.Background(), publication.Query{})
	if err != nil || len(def.Items) != 20 || def.Next == "" {
		t.Errorf("default page: got %d items, next %q, %v; want 20 and a next page", len(def.Items), def.Next, err)
	}
}

func uniq(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.heldMeeting(t, "Bijeenkomst over Woo", apptest.Date(2024, 3, 14))
	b := e.heldMeeting(t, "Bijeenkomst over algoritmen", apptest.Date(2024, 4, 14))
	a = e.report(t, a, apptest.Date(2024, 3, 20), "Verslag met aandacht voor participatie")
	b = e.report(t, b, apptest.Date(2024, 4, 20), "")
	magazine := e.mustCreate(t, func() publication.Input {
		in := edition("Pioniersmagazine Ëditie 3", apptest.Date(2024, 5, 1))
		in.Meetings, in.Summary = []string{a.ID, b.ID}, "Terugblik op 100% open"
		return in
	}())
	lessons := e.mustCreate(t, func() publication.Input {
		in := edition("Lessen uit het lab", apptest.Date(2024, 5, 2))
		in.Kind, in.Meetings = publication.KindLessonsLearned, []string{b.ID}
		return in
	}())
	other := e.mustCreate(t, func() publication.Input {
		in := edition("Iets anders_1", apptest.Date(2024, 5, 3))
		in.Kind = publication.KindOther
		return in
	}())
	ra, rb := a.Report.PublicationID, b.Report.PublicationID
	tests := []struct {
		name   string
		filter publication.Filter
		want   []string
	}{
		{"none", publication.Filter{}, []string{other.ID, lessons.ID, magazine.ID, rb, ra}},
		{"kind meeting-report", publication.Filter{Kind: publication.KindMeetingReport}, []string{rb, ra}},
		{"kind magazine-edition", publication.Filter{Kind: publication.KindMagazineEdition}, []string{magazine.ID}},
		{"kind lessons-learned", publication.Filter{Kind: publication.KindLessonsLearned}, []string{lessons.ID}},
		{"meeting a: its report and what links it", publication.Filter{MeetingID: a.ID}, []string{magazine.ID, ra}},
		{"meeting b", publication.Filter{MeetingID: b.ID}, []string{lessons.ID, magazine.ID, rb}},
		{"meeting b, reports only", publication.Filter{MeetingID: b.ID, Kind: publication.KindMeetingReport}, []string{rb}},
		{"unknown meeting", publication.Filter{MeetingID: "01900000-0000-7000-8000-000000000000"}, []string{}},
		{"q in a title, any case", publication.Filter{Q: "  LAB "}, []string{lessons.ID}},
		{"q beyond ASCII", publication.Filter{Q: "ëditie"}, []string{magazine.ID}},
		{"q in a summary", publication.Filter{Q: "terugblik"}, []string{magazine.ID}},
		{"q with a percent sign", publication.Filter{Q: "100%"}, []string{magazine.ID}},
		{"q with an underscore", publication.Filter{Q: "anders_"}, []string{other.ID}},
		{"q in a report's meeting title", publication.Filter{Q: "algoritmen"}, []string{rb}},
		{"q in a report's summary", publication.Filter{Q: "participatie"}, []string{ra}},
		{"q, reports only", publication.Filter{Q: "woo", Kind: publication.KindMeetingReport}, []string{ra}},
		{"published from", publication.Filter{From: apptest.Date(2024, 5, 1)}, []string{other.ID, lessons.ID, magazine.ID}},
		{"published before", publication.Filter{To: apptest.Date(2024, 5, 1)}, []string{rb, ra}},
	}
	for _, tt := range tests {
		page, err := e.pubs.List(context.Background(), publication.Query{Filter: tt.filter})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := []string{}
		for _, p := range page.Items {
			got = append(got, p.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}

// Every write checks in one order: a meeting report is refused whatever the
// If-Match, then If-Match, then the rules.
func TestWriteOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.report(t, e.heldMeeting(t, "Bijeenkomst", apptest.Date(2024, 3, 14)), apptest.Date(2024, 3, 28), "Verslag")
	report, err := e.pubs.Get(context.Background(), m.Report.PublicationID)
	if err != nil {
		t.Fatal(err)
	}
	p := e.mustCreate(t, edition("Magazine 1", apptest.Date(2024, 5, 1)))
	invalid := edition("", apptest.Date(2024, 5, 1))
	invalid.URL = "ftp://x"
	tests := []struct {
		name   string
		target publication.Publication
		pre    domain.Precondition
		want   domain.Code
	}{
		{"meeting report, stale", report, apptest.IfVersion(report.Version + 1), domain.CodeConflict},
		{"stale, invalid body", p, apptest.IfVersion(p.Version + 1), domain.CodePreconditionFailed},
		{"no If-Match, invalid body", p, domain.Precondition{}, domain.CodePreconditionNeeded},
		{"current, invalid body", p, apptest.IfVersion(p.Version), domain.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.pubs.Replace(apptest.As(editor), tt.target.ID, invalid, tt.pre)
			apptest.CheckCode(t, "Replace", err, tt.want)
			if tt.want == domain.CodeInvalid {
				return // Delete takes no body
			}
			err = e.pubs.Delete(apptest.As(editor), tt.target.ID, tt.pre)
			apptest.CheckCode(t, "Delete", err, tt.want)
		})
	}
}

// A delete's change record keeps its instant as every stored instant is
// kept: UTC, to the microsecond.
func TestDeleteRecordsTheStoredInstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.mustCreate(t, edition("Magazine 1", apptest.Date(2024, 5, 1)))
	at := time.Date(2024, 6, 16, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	e.clock.Set(at)
	if err := e.pubs.Delete(apptest.As(editor), p.ID, apptest.IfVersion(p.Version)); err != nil {
		t.Fatal(err)
	}
	cs, err := e.db.Changes(context.Background(), "publication", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.UTC().Truncate(time.Microsecond); len(cs) != 2 || !cs[1].At.Equal(want) || cs[1].At.Location() != time.UTC {
		t.Errorf("changes: got %+v; want the delete at %v", cs, want)
	}
}
