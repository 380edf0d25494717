package change_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// noon on 15 June 2024.
var start = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

var (
	admin     = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor    = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	partner   = domain.Actor{Subject: "partner-1", Role: domain.RolePartner, Client: true}
	anonymous = domain.Actor{}
)

// env is a migrated database with the seed's organisations, the services
// and the feed over them.
type env struct {
	db          *store.DB
	orgs        *organisation.Service
	people      *person.Service
	meetings    *meeting.Service
	pubs        *publication.Service
	milestones  *milestone.Service
	evaluations *evaluation.Service
	feed        *change.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url := apptest.DatabaseURL(t)
	db := apptest.StoreAt(t, url)
	apptest.SeedDatabase(t, url)
	now := apptest.NewClock(start).Now
	orgs := organisation.NewService(db, now)
	people := person.NewService(db, orgs, now)
	meetings := meeting.NewService(db, orgs, people, now)
	people.OnErase(meetings)
	e := &env{db: db, orgs: orgs, people: people, meetings: meetings, pubs: publication.NewService(db, now),
		milestones: milestone.NewService(db, db, orgs, now), evaluations: evaluation.NewService(db, orgs, now, []byte("0123456789abcdef0123456789abcdef"))}
	e.feed = change.NewService(db, change.Readers{Organisations: e.orgs, People: e.people, Meetings: e.meetings,
		Publications: e.pubs, Milestones: e.milestones, Evaluations: e.evaluations})
	return e
}

// head is the feed's position now: what a test writes next comes after it.
func (e *env) head(t *testing.T) int64 {
	t.Helper()
	page, err := e.feed.Since(apptest.As(admin), 0, 1)
	if err != nil {
		t.Fatalf("since: %v", err)
	}
	return page.Head
}

// read is every event after position after, as actor sees them, each as
// "type resource fields" (with "+" when it carries a value).
func (e *env) read(t *testing.T, actor domain.Actor, after int64, ids ...string) []string {
	t.Helper()
	var out []string
	for {
		page, err := e.feed.Since(apptest.As(actor), after, 7)
		if err != nil {
			t.Fatalf("since %d: %v", after, err)
		}
		for _, ev := range page.Events {
			if len(ids) > 0 && !slices.Contains(ids, ev.ResourceID) {
				continue
			}
			value := ""
			if ev.Value != nil {
				value = "+"
			}
			out = append(out, fmt.Sprintf("%s %s %s%s", ev.Type, ev.Resource, strings.Join(ev.Fields, ","), value))
		}
		if page.Last < after || (page.Last == after && page.More) {
			t.Fatalf("since %d: got last %d, more %t; want progress", after, page.Last, page.More)
		}
		after = page.Last
		if !page.More {
			return out
		}
	}
}

func check(t *testing.T, label string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %q\nwant %q", label, got, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// A person is in each caller's feed as far as the caller may see it: with
// consent for everyone, in full for admins; withdrawn consent and erasure
// leave tombstones.
func TestChangeFeedShowsPeopleAsEachCallerMaySee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := e.head(t)
	ctx := apptest.As(admin)
	p := must[person.Person](t)(e.people.Create(ctx, person.Input{Name: "Anne Pioneer", Email: "anne@example.org",
		Memberships: []person.MembershipInput{{Organisation: "GM0606", Role: "pioneer"}}}))
	must[person.Consent](t)(e.people.RecordConsent(ctx, p.ID, true))
	afterConsent := e.head(t)
	must[person.Consent](t)(e.people.RecordConsent(ctx, p.ID, false))
	afterWithdrawal := e.head(t)
	if err := e.people.Erase(ctx, p.ID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}

	own := domain.Actor{Subject: "member-1", Role: domain.RoleMember, OrganisationID: must[organisation.Organisation](t)(e.orgs.Get(ctx, "GM0606")).ID}
	other := domain.Actor{Subject: "member-2", Role: domain.RoleMember, OrganisationID: must[organisation.Organisation](t)(e.orgs.Get(ctx, "GM0344")).ID}
	tests := []struct {
		name   string
		actor  domain.Actor
		after  int64
		want   []string
		public bool // the value carries no email (public view)
	}{
		// Once erased, every event of the person is a tombstone.
		{"admin, everything", admin, from, []string{"redacted person name,email,memberships",
			"redacted person consent", "redacted person consent", "redacted person name,email,phone,position,languages,users"}, false},
		{"anonymous, everything", anonymous, from, []string{"redacted person name,email,memberships",
			"redacted person consent", "redacted person consent", "redacted person name,email,phone,position,languages,users"}, false},
		{"member of another organisation, from the withdrawal", other, afterConsent, []string{"redacted person consent",
			"redacted person name,email,phone,position,languages,users"}, false},
		{"partner, after the withdrawal", partner, afterWithdrawal, []string{"redacted person name,email,phone,position,languages,users"}, false},
		{"own member, after the withdrawal", own, afterWithdrawal, []string{"redacted person name,email,phone,position,languages,users"}, false},
	}
	for _, tc := range tests {
		check(t, tc.name, e.read(t, tc.actor, tc.after, p.ID), tc.want)
	}
}

// Before the erasure, visibility decides: hidden people are left out
// unless a change may have taken them out of the caller's view.
func TestChangeFeedLeavesOutWhatTheCallerNeverSees(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	from := e.head(t)
	ctx := apptest.As(admin)
	p := must[person.Person](t)(e.people.Create(ctx, person.Input{Name: "Bert Pioneer", Email: "bert@example.org",
		Memberships: []person.MembershipInput{{Organisation: "GM0606", Role: "pioneer"}}}))
	must[person.Person](t)(e.people.Update(ctx, p.ID, func(in person.Input) (person.Input, error) {
		in.Position = "Adviser"
		return in, nil
	}, domain.Precondition{Present: true, Any: true}))
	must[person.Consent](t)(e.people.RecordConsent(ctx, p.ID, true))
	must[person.Consent](t)(e.people.RecordConsent(ctx, p.ID, false))
	own := domain.Actor{Subject: "member-1", Role: domain.RoleMember, OrganisationID: must[organisation.Organisation](t)(e.orgs.Get(ctx, "GM0606")).ID}

	tests := []struct {
		name  string
		actor domain.Actor
		want  []string
	}{
		{"admin", admin, []string{"created person name,email,memberships+", "updated person position+",
			"updated person consent+", "updated person consent+"}},
		{"own member", own, []string{"created person name,email,memberships+", "updated person position+",
			"updated person consent+", "updated person consent+"}},
		// Hidden from the start: only the consent changes may have ended a view.
		{"anonymous", anonymous, []string{"redacted person consent", "redacted person consent"}},
		{"partner", partner, []string{"redacted person consent", "redacted person consent"}},
	}
	for _, tc := range tests {
		check(t, tc.name, e.read(t, tc.actor, from, p.ID), tc.want)
	}

	// With consent, the public sees the public view, without email.
	must[person.Consent](t)(e.people.RecordConsent(ctx, p.ID, true))
	page, err := e.feed.Since(apptest.As(anonymous), from, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range page.Events {
		if ev.ResourceID != p.ID {
			continue
		}
		got, ok := ev.Value.(person.Person)
		if !ok || got.Email != "" || got.Name != "Bert Pioneer" {
			t.Errorf("%s %s: got value %+v; want the public view (a name, no email)", ev.Type, ev.Fields, ev.Value)
		}
	}
}

// Changes of parts show as updates of the resource they belong to; a
// draft evaluation is for editors only, and unpublishing it leaves others a
// tombstone.
func TestChangeFeedShowsPartsOnTheirParents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := apptest.As(admin)
	p := must[person.Person](t)(e.people.Create(ctx, person.Input{Name: "Cees Pioneer", Email: "cees@example.org",
		Memberships: []person.MembershipInput{{Organisation: "GM0606", Role: "pioneer"}}}))
	m := must[meeting.Meeting](t)(e.meetings.Create(ctx, meeting.Input{Title: "Session", Topic: "Open data",
		Format: meeting.FormatKnowledgeSession, StartsAt: start.AddDate(0, 1, 0), EndsAt: start.AddDate(0, 1, 0).Add(2 * time.Hour)}))
	from := e.head(t)
	r := must[meeting.Registration](t)(e.meetings.Register(ctx, m.ID, p.ID))
	if err := e.meetings.CancelRegistration(ctx, m.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	check(t, "registrations", e.read(t, anonymous, from, m.ID), []string{"updated meeting registrations+", "updated meeting registrations+"})

	ms := must[milestone.Milestone](t)(e.milestones.Create(apptest.As(editor), milestone.Input{Commitment: "NL0037", Code: "9.1", Title: "Feed milestone"}))
	from = e.head(t)
	must[milestone.ProgressUpdate](t)(e.milestones.AddProgressUpdate(apptest.As(editor), ms.ID, milestone.ProgressUpdateInput{Date: start, Note: "Half way"}))
	check(t, "progress update", e.read(t, anonymous, from, ms.ID), []string{"updated milestone progressUpdates+"})

	from = e.head(t)
	ev := must[evaluation.Evaluation](t)(e.evaluations.Create(apptest.As(editor), evaluation.Input{Title: "Draft", OpensAt: start,
		ClosesAt: start.AddDate(0, 1, 0), MinGroupSize: 1, Questions: []evaluation.Question{{Key: "q", Text: "How?", Type: evaluation.Text}}}))
	must[evaluation.Evaluation](t)(e.evaluations.Update(apptest.As(editor), ev.ID, func(in evaluation.Input) (evaluation.Input, error) {
		in.Published = true
		return in, nil
	}, domain.Precondition{Present: true, Any: true}))
	must[evaluation.Evaluation](t)(e.evaluations.Update(apptest.As(editor), ev.ID, func(in evaluation.Input) (evaluation.Input, error) {
		in.Published = false
		return in, nil
	}, domain.Precondition{Present: true, Any: true}))
	check(t, "draft, editor", e.read(t, editor, from, ev.ID), []string{"created evaluation title,opensAt,closesAt,questions+", "updated evaluation published+", "updated evaluation published+"})
	check(t, "draft, anonymous", e.read(t, anonymous, from, ev.ID), []string{"redacted evaluation published", "redacted evaluation published"})
}

// Evidence moves the milestones derived from it: a magazine edition
// updates the milestones counting editions, a deleted one leaves
// tombstones on its own events.
func TestChangeFeedDerivesMilestonesFromEvidence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := apptest.As(editor)
	editions := must[milestone.Milestone](t)(e.milestones.Create(ctx, milestone.Input{Commitment: "NL0037", Code: "9.2", Title: "Two editions",
		Rule: milestone.RuleMagazineEditions, Target: &milestone.Target{Count: 2, Unit: "editions"},
		PlannedStart: time.Date(2018, 9, 1, 0, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2020, 8, 31, 0, 0, 0, 0, time.UTC)}))
	manual := must[milestone.Milestone](t)(e.milestones.Create(ctx, milestone.Input{Commitment: "NL0037", Code: "9.3", Title: "By hand"}))
	from := e.head(t)
	pub := must[publication.Publication](t)(e.pubs.Create(ctx, publication.Input{Kind: publication.KindMagazineEdition, Title: "Edition 1",
		URL: "https://example.org/e1", PublishedOn: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}))

	page, err := e.feed.Since(apptest.As(anonymous), from, 100)
	if err != nil {
		t.Fatal(err)
	}
	var progress int
	var ids []string
	for _, ev := range page.Events {
		ids = append(ids, ev.ResourceID)
		if ev.ResourceID == editions.ID {
			progress = ev.Value.(milestone.Milestone).Progress
		}
	}
	if !slices.Contains(ids, pub.ID) || !slices.Contains(ids, editions.ID) || slices.Contains(ids, manual.ID) {
		t.Errorf("events after an edition: got %v; want the publication and milestone %s, not %s", ids, editions.ID, manual.ID)
	}
	if progress != 50 {
		t.Errorf("editions milestone progress in the feed: got %d; want 50", progress)
	}

	from = e.head(t)
	if err := e.pubs.Delete(ctx, pub.ID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}
	check(t, "deleted edition", e.read(t, anonymous, 0, pub.ID), []string{"deleted publication kind,title,url,publishedOn", "deleted publication "})
	check(t, "milestone after the deletion", e.read(t, anonymous, from, editions.ID), []string{"updated milestone progress,status,completion+"})
}

// A page ends at the last change read, visible or not, and says whether
// more follow; reading on from there misses nothing and repeats nothing.
func TestChangeFeedPagesByPosition(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := apptest.As(admin)
	from := e.head(t)
	for i := range 5 {
		must[person.Person](t)(e.people.Create(ctx, person.Input{Name: fmt.Sprintf("Hidden %d", i),
			Memberships: []person.MembershipInput{{Organisation: "GM0606", Role: "pioneer"}}}))
	}
	page, err := e.feed.Since(apptest.As(anonymous), from, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 || page.Last != from+3 || !page.More {
		t.Errorf("first page: got %d events, last %d, more %t; want none (hidden people), last %d, more", len(page.Events), page.Last, page.More, from+3)
	}
	page, err = e.feed.Since(apptest.As(anonymous), page.Last, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 || page.Last != from+5 || page.More || page.Head != from+5 {
		t.Errorf("second page: got %d events, last %d, more %t, head %d; want none, last %d, no more, head %d",
			len(page.Events), page.Last, page.More, page.Head, from+5, from+5)
	}
	page, err = e.feed.Since(apptest.As(anonymous), page.Last, 3)
	if err != nil || len(page.Events) != 0 || page.Last != from+5 || page.More {
		t.Errorf("at the end: got %d events, last %d, more %t (%v); want none, last %d", len(page.Events), page.Last, page.More, err, from+5)
	}
	admins, err := e.feed.Since(apptest.As(admin), from, 3)
	if err != nil || len(admins.Events) != 3 || admins.Events[0].Type != change.Created {
		t.Errorf("admin's first page: got %d events (%v); want the 3 creations", len(admins.Events), err)
	}
}
