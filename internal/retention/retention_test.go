package retention_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

const (
	password = "correct horse battery staple"
	twoYears = 17520 * time.Hour
	oneYear  = 8760 * time.Hour
)

// now is when the tests purge: noon on 15 June 2024.
var now = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// fixture is a real store with people and accounts of every kind that the
// rules tell apart, created in January 2021 (signed in when said).
type fixture struct {
	db       *store.DB
	clock    *apptest.Clock
	people   *person.Service
	accounts *account.Service
	audit    *audit.Service
	svc      *retention.Service
	id       map[string]string // by name: people's and accounts' ids
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := apptest.Store(t)
	clock := apptest.NewClock(time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC))
	orgs := organisation.NewService(db, clock.Now)
	people := person.NewService(db, orgs, clock.Now)
	accounts := account.NewService(db, orgs, clock.Now, bcrypt.MinCost)
	people.OnErase(accounts)
	auditLog := audit.NewService(db, clock.Now)
	f := &fixture{db: db, clock: clock, people: people, accounts: accounts, audit: auditLog,
		svc: retention.NewService(db, people, accounts, auditLog, clock.Now), id: map[string]string{}}
	ctx := apptest.As(domain.System)
	if _, err := orgs.Create(ctx, apptest.Municipality("GM0606", "Schiedam")); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ms := func(spans ...string) []person.MembershipInput {
		var out []person.MembershipInput
		for _, s := range spans {
			from, to, _ := strings.Cut(s, "..")
			m := person.MembershipInput{Organisation: "GM0606", Role: "pioneer", From: day(from)}
			if to != "" {
				m.To = day(to)
			}
			out = append(out, m)
		}
		return out
	}
	for _, p := range []struct {
		name        string
		memberships []person.MembershipInput
	}{
		{"left", ms("2018-07-01..2021-06-30")},
		{"left but active", ms("2018-07-01..2021-06-30")},
		{"left recently", ms("2018-07-01..2023-06-01")},
		{"still a member", ms("2018-07-01..2019-12-31", "2020-01-01")},
		{"left twice", ms("2018-07-01..2019-12-31", "2020-01-01..2023-01-01")},
		{"never joined", nil},
		{"erased", ms("2018-07-01..2020-01-01")},
	} {
		created, err := people.Create(ctx, person.Input{Name: "Person " + p.name, Email: strings.ReplaceAll(p.name, " ", ".") + "@schiedam.example",
			Memberships: p.memberships})
		if err != nil {
			t.Fatalf("create %s: %v", p.name, err)
		}
		f.id[p.name] = created.ID
	}
	if err := people.Erase(ctx, f.id["erased"], domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name, person string
		signedIn     time.Time // zero: never
	}{
		{"dormant", "", time.Time{}},
		{"active", "", time.Date(2024, 5, 15, 9, 0, 0, 0, time.UTC)},
		{"member's", "still a member", time.Date(2021, 2, 1, 9, 0, 0, 0, time.UTC)},
		{"leaver's", "left", time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)},
		{"former's", "left but active", time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)},
	} {
		email := strings.ReplaceAll(strings.TrimSuffix(u.name, "'s"), " ", ".") + "@example.org"
		created, err := accounts.CreateUser(ctx, account.NewUser{Email: email, Password: password, Role: domain.RoleEditor, Person: f.id[u.person]})
		if err != nil {
			t.Fatalf("create account %s: %v", u.name, err)
		}
		f.id[u.name] = created.ID
		if !u.signedIn.IsZero() {
			clock.Set(u.signedIn)
			if _, err := accounts.AuthenticatePassword(ctx, email, password); err != nil {
				t.Fatal(err)
			}
			clock.Set(time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC))
		}
	}
	clock.Set(now)
	return f
}

// name is the fixture's name of id.
func (f *fixture) name(id string) string {
	for n, v := range f.id {
		if v == id {
			return n
		}
	}
	return id
}

// list is the items as "kind name reason", in order.
func (f *fixture) list(items []retention.Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s %s %s", it.Kind, f.name(it.ID), it.Reason))
	}
	return out
}

// Who qualifies: people whose every membership ended longer ago than the
// term, with every account of theirs; accounts unused longer than theirs,
// without their person unless the person left too. Never the erased, never
// someone without memberships; a term of 0 is off.
func TestPlan(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := apptest.As(domain.System)
	tests := []struct {
		name   string
		policy retention.Policy
		want   []string
	}{
		{"both two years", retention.Policy{Left: twoYears, UnusedAccounts: twoYears}, []string{
			"person left left", "account leaver's left", "account dormant unused", "account member's unused"}},
		{"people only", retention.Policy{Left: twoYears}, []string{"person left left", "account leaver's left"}},
		{"accounts only", retention.Policy{UnusedAccounts: twoYears}, []string{"account dormant unused", "account member's unused", "account leaver's unused"}},
		{"a shorter term for people", retention.Policy{Left: oneYear}, []string{
			"person left left", "account leaver's left", "person left recently left", "person left twice left"}},
		{"a longer term for accounts", retention.Policy{UnusedAccounts: 4 * oneYear}, []string{}},
		{"both off", retention.Policy{}, []string{}},
	}
	for _, tt := range tests {
		items, err := f.svc.Plan(ctx, tt.policy)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := f.list(items)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q; want %q", tt.name, got, want)
		}
	}
	items, _ := f.svc.Plan(ctx, retention.Policy{Left: twoYears, UnusedAccounts: twoYears})
	for _, it := range items {
		var want time.Time
		switch f.name(it.ID) {
		case "left", "leaver's":
			want = time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC) // the last membership's last day
		case "dormant":
			want = time.Date(2021, 1, 10, 9, 0, 0, 0, time.UTC) // created, never signed in
		case "member's":
			want = time.Date(2021, 2, 1, 9, 0, 0, 0, time.UTC) // last signed in
		}
		if !it.Since.Equal(want) {
			t.Errorf("%s since: got %s; want %s", f.name(it.ID), it.Since, want)
		}
	}
}

// Only an admin, such as the system, purges.
func TestPlanNeedsAnAdmin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tt := range []struct {
		ctx  context.Context
		want domain.Code
	}{
		{context.Background(), domain.CodeUnauthenticated},
		{apptest.As(domain.Actor{Subject: "u1", Role: domain.RoleEditor}), domain.CodeForbidden},
	} {
		_, err := f.svc.Purge(tt.ctx, retention.Policy{Left: twoYears}, true)
		apptest.CheckCode(t, "purge", err, tt.want)
	}
}

// A dry run changes nothing; a purge erases through the person service and
// deletes through the account service, as the system with its run's
// request id, keeping no personal value in the audit log; a second purge
// finds nothing.
func TestPurge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := apptest.As(domain.System)
	policy := retention.Policy{Left: twoYears, UnusedAccounts: twoYears}

	dry, err := f.svc.Purge(ctx, policy, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Items) != 4 || dry.Count(retention.KindPerson)+dry.Count(retention.KindAccount) != 0 {
		t.Fatalf("dry run: got %+v; want 4 items, none done", dry.Items)
	}
	for _, it := range dry.Items {
		if it.Result != retention.ResultDryRun {
			t.Errorf("dry run %s: got result %q; want %q", f.name(it.ID), it.Result, retention.ResultDryRun)
		}
	}
	if p, err := f.db.GetPerson(ctx, f.id["left"]); err != nil || p.Erased {
		t.Errorf("after a dry run: got %v erased=%v; want the person as they were", err, p.Erased)
	}
	for _, n := range []string{"dormant", "member's", "leaver's"} {
		if _, err := f.db.GetUser(ctx, f.id[n]); err != nil {
			t.Errorf("after a dry run, account %s: %v; want it kept", n, err)
		}
	}

	rep, err := f.svc.Purge(ctx, policy, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.RunID, "purge-") || len(rep.Failed()) > 0 {
		t.Fatalf("purge: got run %q, failed %+v; want a purge- run without failures", rep.RunID, rep.Failed())
	}
	if got := rep.Count(retention.KindPerson); got != 1 {
		t.Errorf("people erased: got %d; want 1", got)
	}
	if got := rep.Count(retention.KindAccount); got != 3 {
		t.Errorf("accounts deleted: got %d; want 3", got)
	}
	if p, err := f.db.GetPerson(ctx, f.id["left"]); err != nil || !p.Erased || p.Name != "" || p.Email != "" {
		t.Errorf("the person who left: got %+v, %v; want erased, without name or email", p, err)
	}
	if p, err := f.db.GetPerson(ctx, f.id["still a member"]); err != nil || p.Erased {
		t.Errorf("the member whose account went unused: got erased=%v, %v; want kept", p.Erased, err)
	}
	for _, n := range []string{"dormant", "member's", "leaver's"} {
		_, err := f.db.GetUser(ctx, f.id[n])
		apptest.CheckCode(t, "account "+n+" after the purge", err, domain.CodeNotFound)
	}
	if _, err := f.db.GetUser(ctx, f.id["active"]); err != nil {
		t.Errorf("the active account: %v; want it kept", err)
	}

	// The audit log says the system did it, in this run, and names fields only.
	for _, id := range []string{f.id["left"], f.id["dormant"], f.id["leaver's"]} {
		page, err := f.audit.List(ctx, audit.Query{Filter: audit.Filter{ResourceID: id}, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		last := page.Items[0]
		if last.Actor.Kind != audit.ActorSystem || last.RequestID != rep.RunID {
			t.Errorf("audit of %s: got actor %+v, request %q; want the system, request %q", f.name(id), last.Actor, last.RequestID, rep.RunID)
		}
		if text := fmt.Sprintf("%+v", page.Items); strings.Contains(text, "Person left") || strings.Contains(text, "@") {
			t.Errorf("audit of %s holds a personal value: %s", f.name(id), text)
		}
	}

	again, err := f.svc.Purge(ctx, policy, false)
	if err != nil || len(again.Items) != 0 {
		t.Errorf("a second purge: got %+v, %v; want nothing to do", again.Items, err)
	}
}

// A person another instance erased meanwhile is gone already, not a failure.
func TestPurgeWhatIsGoneAlready(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := apptest.As(domain.System)
	policy := retention.Policy{Left: twoYears}
	slow := retention.NewService(f.db, racingEraser{f.people}, f.accounts, nil, f.clock.Now)
	rep, err := slow.Purge(ctx, policy, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range rep.Items {
		got[f.name(it.ID)] = it.Result
	}
	want := map[string]string{"left": retention.ResultGone, "leaver's": retention.ResultGone}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results: got %v; want %v", got, want)
	}
}

// racingEraser erases the person twice, as two instances would: the
// purge's own erasure comes second.
type racingEraser struct{ people *person.Service }

func (r racingEraser) Erase(ctx context.Context, id string, pre domain.Precondition) error {
	if err := r.people.Erase(ctx, id, pre); err != nil {
		return err
	}
	return r.people.Erase(ctx, id, pre)
}

func TestPersonTermLeft(t *testing.T) {
	t.Parallel()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		ends   []time.Time
		want   time.Time
		wantOK bool
	}{
		{"no membership", nil, time.Time{}, false},
		{"one ended", []time.Time{d(2020, 1, 31)}, d(2020, 1, 31), true},
		{"one open", []time.Time{d(2020, 1, 31), {}}, time.Time{}, false},
		{"the latest end", []time.Time{d(2022, 3, 1), d(2020, 1, 31)}, d(2022, 3, 1), true},
	}
	for _, tt := range tests {
		got, ok := retention.PersonTerm{ID: "p", Ends: tt.ends}.Left()
		if ok != tt.wantOK || !got.Equal(tt.want) {
			t.Errorf("%s: got %s, %v; want %s, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
