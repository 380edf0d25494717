package person_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// noon on 15 June 2024, with a fraction of a second that survives storage.
var start = time.Date(2024, 6, 15, 12, 0, 0, 123456000, time.UTC)

const password = "correct horse battery staple"

// env is a fresh, migrated database (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set) with the services on it and two organisations.
type env struct {
	url      string
	db       *store.DB
	clock    *apptest.Clock
	orgs     *organisation.Service
	people   *person.Service
	accounts *account.Service
	a, b     organisation.Organisation // GM0606 Schiedam, GM0344 Utrecht
}

func newEnv(t *testing.T) *env {
	t.Helper()
	url := apptest.DatabaseURL(t)
	db := apptest.StoreAt(t, url)
	c := apptest.NewClock(start)
	orgs := organisation.NewService(db, c.Now)
	e := &env{url: url, db: db, clock: c, orgs: orgs, people: person.NewService(db, orgs, c.Now),
		accounts: account.NewService(db, orgs, c.Now, bcrypt.MinCost)}
	e.a = e.org(t, "GM0606", "Schiedam")
	e.b = e.org(t, "GM0344", "Utrecht")
	return e
}

func (e *env) org(t *testing.T, code, name string) organisation.Organisation {
	t.Helper()
	o, err := e.orgs.Create(apptest.As(domain.System), organisation.Input{Code: code, Name: name, Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, JoinedOn: apptest.Date(2021, 3, 1)})
	if err != nil {
		t.Fatalf("create organisation %s: %v", code, err)
	}
	return o
}

var (
	admin   = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor  = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	analyst = domain.Actor{Subject: "analyst-1", Role: domain.RoleAnalyst}
	partner = domain.Actor{Subject: "pc_partner", Role: domain.RolePartner}
	nobody  = domain.Actor{}
)

// client is a partner portal's API client token, bound to orgID (none
// when empty), with scopes.
func client(orgID string, scopes ...string) domain.Actor {
	return domain.Actor{Subject: "pc_" + orgID, Role: domain.RolePartner, OrganisationID: orgID, Client: true, Scopes: scopes}
}

func member(orgID string) domain.Actor {
	return domain.Actor{Subject: "member-of-" + orgID, Role: domain.RoleMember, OrganisationID: orgID}
}

// pioneer is a full profile with a pioneer membership of each organisation.
func pioneer(name, email string, orgs ...string) person.Input {
	in := person.Input{Name: name, Email: email, Phone: "+31612345678", Position: "Adviseur open overheid", Languages: []string{"nl", "en-GB"}}
	for _, o := range orgs {
		in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: o, Role: "pioneer", From: apptest.Date(2022, 1, 1)})
	}
	return in
}

// inputOf is the input that would leave p as it is.
func inputOf(p person.Person) person.Input {
	in := person.Input{Name: p.Name, Email: p.Email, Phone: p.Phone, Position: p.Position, Languages: append([]string(nil), p.Languages...)}
	for _, m := range p.Memberships {
		in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: m.OrganisationID, Role: m.Role, From: m.From, To: m.To})
	}
	return in
}

func (e *env) create(t *testing.T, in person.Input) person.Person {
	t.Helper()
	p, err := e.people.Create(apptest.As(admin), in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Name, err)
	}
	return p
}

func (e *env) consent(t *testing.T, id string, public bool) {
	t.Helper()
	if _, err := e.people.RecordConsent(apptest.As(admin), id, public); err != nil {
		t.Fatalf("record consent %v for %s: %v", public, id, err)
	}
}

// get reads p in full, as an admin.
func (e *env) get(t *testing.T, id string) person.Person {
	t.Helper()
	p, view, err := e.people.Get(apptest.As(admin), id)
	if err != nil {
		t.Fatalf("get %s as admin: %v", id, err)
	}
	if view != person.Full {
		t.Fatalf("get %s as admin: got view %v; want Full", id, view)
	}
	return p
}

func (e *env) changes(t *testing.T, id string) []domain.Change {
	t.Helper()
	cs, err := e.db.Changes(context.Background(), "person", id)
	if err != nil {
		t.Fatalf("changes of %s: %v", id, err)
	}
	return cs
}

func (e *env) history(t *testing.T, id string) []person.Consent {
	t.Helper()
	_, h, err := e.people.ConsentHistory(apptest.As(admin), id)
	if err != nil {
		t.Fatalf("consent history of %s: %v", id, err)
	}
	return h
}

// user creates a log-in account for person id and signs it in.
func (e *env) user(t *testing.T, email string, role domain.Role, org, personID string) domain.Actor {
	t.Helper()
	ctx := apptest.As(domain.System)
	if _, err := e.accounts.CreateUser(ctx, account.NewUser{Email: email, Password: password, Role: role, Organisation: org, Person: personID}); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	a, err := e.accounts.AuthenticatePassword(ctx, email, password)
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	if a.PersonID != personID {
		t.Fatalf("signed-in %s: got person %q; want %q", email, a.PersonID, personID)
	}
	return a
}

// raw is a second, plain connection to the test database, for looking at
// rows the services do not show.
func (e *env) raw(t *testing.T) *gorm.DB {
	t.Helper()
	var dialector gorm.Dialector
	if e.db.Dialect() == store.Postgres {
		dialector = postgres.Open(e.url)
	} else {
		dialector = sqlite.Open("file:" + e.url + "?_busy_timeout=10000&_query_only=true")
	}
	g, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open a second connection: %v", err)
	}
	t.Cleanup(func() {
		if sqlDB, err := g.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return g
}

func count(t *testing.T, g *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// samePerson compares every field; no memberships is no memberships, nil or empty.
func samePerson(t *testing.T, what string, got, want person.Person) {
	t.Helper()
	for _, p := range []*person.Person{&got, &want} {
		if len(p.Memberships) == 0 {
			p.Memberships = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %+v; want %+v", what, got, want)
	}
}

// listAll pages through a list and returns every item, failing on an item
// seen twice.
func listAll(t *testing.T, list func(cursor string) (domain.Page[person.Person], error)) []person.Person {
	t.Helper()
	var all []person.Person
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("more than 100 pages")
		}
		page, err := list(cursor)
		if err != nil {
			t.Fatalf("list page %d: %v", pages+1, err)
		}
		for _, p := range page.Items {
			if seen[p.ID] {
				t.Fatalf("page %d: %s (%s) was listed before", pages+1, p.ID, p.Name)
			}
			seen[p.ID] = true
			all = append(all, p)
		}
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
}

func ids(ps []person.Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func (e *env) countPeople(t *testing.T) int {
	t.Helper()
	return len(listAll(t, func(cursor string) (domain.Page[person.Person], error) {
		return e.people.List(apptest.As(admin), person.ListRequest{PageSize: 100, Cursor: cursor})
	}))
}

// The authorization matrix: every operation on people by every role, for a
// person of organisation A with and without a public profile.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := 0
	next := func() int { n++; return n }

	boundToA := domain.Actor{Subject: "pc_bound", Role: domain.RolePartner, OrganisationID: e.a.ID}
	actors := map[string]func(t *testing.T, target person.Person) domain.Actor{
		"anonymous":           func(*testing.T, person.Person) domain.Actor { return nobody },
		"admin":               func(*testing.T, person.Person) domain.Actor { return admin },
		"editor":              func(*testing.T, person.Person) domain.Actor { return editor },
		"member of it":        func(*testing.T, person.Person) domain.Actor { return member(e.a.ID) },
		"member of another":   func(*testing.T, person.Person) domain.Actor { return member(e.b.ID) },
		"analyst":             func(*testing.T, person.Person) domain.Actor { return analyst },
		"partner":             func(*testing.T, person.Person) domain.Actor { return partner },
		"partner bound to it": func(*testing.T, person.Person) domain.Actor { return boundToA },
		// The person's own account, an analyst that is not a member of anything.
		"own user": func(t *testing.T, target person.Person) domain.Actor {
			return e.user(t, fmt.Sprintf("own-%d@example.org", next()), domain.RoleAnalyst, "", target.ID)
		},
	}
	found := func(ps []person.Person, id string) error {
		if slices.Contains(ids(ps), id) {
			return nil
		}
		return domain.Errorf(domain.CodeNotFound, "not listed")
	}
	ops := map[string]func(ctx context.Context, target person.Person) error{
		// Lists answer not-found when the target is not among the items.
		"list": func(ctx context.Context, target person.Person) error {
			page, err := e.people.List(ctx, person.ListRequest{PageSize: 100})
			if err != nil {
				return fmt.Errorf("list failed: %w", err)
			}
			return found(page.Items, target.ID)
		},
		"list of the organisation": func(ctx context.Context, target person.Person) error {
			page, err := e.people.ListForOrganisation(ctx, e.a.Code, person.ListRequest{PageSize: 100})
			if err != nil {
				return fmt.Errorf("list failed: %w", err)
			}
			return found(page.Items, target.ID)
		},
		"get": func(ctx context.Context, target person.Person) error {
			_, _, err := e.people.Get(ctx, target.ID)
			return err
		},
		"create": func(ctx context.Context, _ person.Person) error {
			i := next()
			_, err := e.people.Create(ctx, pioneer(fmt.Sprintf("Nieuw %d", i), fmt.Sprintf("nieuw-%d@example.org", i), e.a.ID))
			return err
		},
		"replace": func(ctx context.Context, target person.Person) error {
			in := inputOf(target)
			in.Position = "Programmamanager"
			_, err := e.people.Replace(ctx, target.ID, in, apptest.IfVersion(target.Version))
			return err
		},
		"record consent": func(ctx context.Context, target person.Person) error {
			_, err := e.people.RecordConsent(ctx, target.ID, !target.Consent.PublicProfile)
			return err
		},
		"consent history": func(ctx context.Context, target person.Person) error {
			_, _, err := e.people.ConsentHistory(ctx, target.ID)
			return err
		},
		"erase": func(ctx context.Context, target person.Person) error {
			return e.people.Erase(ctx, target.ID, apptest.IfVersion(target.Version))
		},
		"export": func(ctx context.Context, target person.Person) error {
			_, err := e.people.Export(ctx, target.ID)
			return err
		},
	}
	const (
		ok     = domain.Code("")
		unauth = domain.CodeUnauthenticated
		forbid = domain.CodeForbidden
		nf     = domain.CodeNotFound
	)
	type want struct{ public, private domain.Code }
	matrix := map[string]map[string]want{
		"list": {
			"anonymous": {ok, nf}, "admin": {ok, ok}, "editor": {ok, ok}, "member of it": {ok, ok}, "member of another": {ok, nf},
			"analyst": {ok, nf}, "partner": {ok, nf}, "partner bound to it": {ok, nf}, "own user": {ok, ok},
		},
		"get": {
			"anonymous": {ok, nf}, "admin": {ok, ok}, "editor": {ok, ok}, "member of it": {ok, ok}, "member of another": {ok, nf},
			"analyst": {ok, nf}, "partner": {ok, nf}, "partner bound to it": {ok, nf}, "own user": {ok, ok},
		},
		"create": {
			"anonymous": {unauth, unauth}, "admin": {ok, ok}, "editor": {forbid, forbid}, "member of it": {ok, ok}, "member of another": {forbid, forbid},
			"analyst": {forbid, forbid}, "partner": {forbid, forbid}, "partner bound to it": {forbid, forbid}, "own user": {forbid, forbid},
		},
		"replace": {
			"anonymous": {unauth, unauth}, "admin": {ok, ok}, "editor": {forbid, forbid}, "member of it": {ok, ok}, "member of another": {forbid, nf},
			"analyst": {forbid, forbid}, "partner": {forbid, forbid}, "partner bound to it": {forbid, forbid}, "own user": {forbid, forbid},
		},
		"record consent": {
			"anonymous": {unauth, unauth}, "admin": {ok, ok}, "editor": {forbid, forbid}, "member of it": {ok, ok}, "member of another": {forbid, nf},
			"analyst": {forbid, nf}, "partner": {forbid, nf}, "partner bound to it": {forbid, nf}, "own user": {ok, ok},
		},
		"consent history": {
			"anonymous": {unauth, nf}, "admin": {ok, ok}, "editor": {ok, ok}, "member of it": {ok, ok}, "member of another": {forbid, nf},
			"analyst": {forbid, nf}, "partner": {forbid, nf}, "partner bound to it": {forbid, nf}, "own user": {ok, ok},
		},
		"erase": {
			"anonymous": {unauth, unauth}, "admin": {ok, ok}, "editor": {forbid, forbid}, "member of it": {ok, ok}, "member of another": {forbid, nf},
			"analyst": {forbid, forbid}, "partner": {forbid, forbid}, "partner bound to it": {forbid, forbid}, "own user": {forbid, forbid},
		},
		"export": {
			"anonymous": {unauth, nf}, "admin": {ok, ok}, "editor": {forbid, forbid}, "member of it": {forbid, forbid}, "member of another": {forbid, nf},
			"analyst": {forbid, nf}, "partner": {forbid, nf}, "partner bound to it": {forbid, nf}, "own user": {ok, ok},
		},
	}
	matrix["list of the organisation"] = matrix["list"]
	writes := map[string]bool{"create": true, "replace": true, "record consent": true, "erase": true}

	opNames := slices.Sorted(func(yield func(string) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	})
	for _, op := range opNames {
		if len(matrix[op]) != len(actors) {
			t.Fatalf("matrix of %s: got %d actors; want all %d", op, len(matrix[op]), len(actors))
		}
		for actorName, w := range matrix[op] {
			for _, public := range []bool{true, false} {
				visibility, wantCode := "private", w.private
				if public {
					visibility, wantCode = "public", w.public
				}
				t.Run(op+"/"+actorName+"/"+visibility, func(t *testing.T) {
					i := next()
					target := e.create(t, pioneer(fmt.Sprintf("Doel %d", i), fmt.Sprintf("doel-%d@example.org", i), e.a.ID))
					if public {
						e.consent(t, target.ID, true)
					}
					target = e.get(t, target.ID)
					actor := actors[actorName](t, target)
					people, changes, history := e.countPeople(t), e.changes(t, target.ID), e.history(t, target.ID)

					err := ops[op](apptest.As(actor), target)
					apptest.CheckCode(t, op, err, wantCode)

					switch {
					case wantCode != ok || !writes[op]:
						// Nothing changed.
						samePerson(t, "target after "+op, e.get(t, target.ID), target)
						if got := e.countPeople(t); got != people {
							t.Errorf("people after %s: got %d; want %d", op, got, people)
						}
						if got := e.changes(t, target.ID); !reflect.DeepEqual(got, changes) {
							t.Errorf("changes after %s: got %+v; want %+v", op, got, changes)
						}
						if got := e.history(t, target.ID); !reflect.DeepEqual(got, history) {
							t.Errorf("consent history after %s: got %+v; want %+v", op, got, history)
						}
					case op == "create":
						if got := e.countPeople(t); got != people+1 {
							t.Errorf("people after create: got %d; want %d", got, people+1)
						}
					case op == "replace":
						if after := e.get(t, target.ID); after.Version != target.Version+1 || after.Position != "Programmamanager" {
							t.Errorf("after replace: got version %d, position %q; want %d, %q", after.Version, after.Position, target.Version+1, "Programmamanager")
						}
					case op == "record consent":
						if after := e.get(t, target.ID); after.Version != target.Version+1 || after.Consent.PublicProfile == public || after.Consent.RecordedBy != actor.Subject {
							t.Errorf("after consent: got version %d, consent %+v; want %d, public %v recorded by %s", after.Version, after.Consent, target.Version+1, !public, actor.Subject)
						}
					case op == "erase":
						_, _, err := e.people.Get(apptest.As(admin), target.ID)
						apptest.CheckCode(t, "Get after erase", err, domain.CodeGone)
					}
				})
			}
		}
	}

	// Authorization comes before validation: nobody learns the rules first.
	_, err := e.people.Create(apptest.As(nobody), person.Input{})
	apptest.CheckCode(t, "anonymous Create with invalid input", err, unauth)
	for _, a := range []domain.Actor{editor, analyst, partner} {
		_, err = e.people.Create(apptest.As(a), person.Input{})
		apptest.CheckCode(t, string(a.Role)+" Create with invalid input", err, forbid)
	}
}

// A member writes the people of its own organisation, and only its own
// organisation's memberships; every refusal leaves everything as it was.
func TestMemberActsForItsOwnOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.org(t, "GM0363", "Amsterdam")
	ownA := member(e.a.ID)
	n := 0
	email := func() string { n++; return fmt.Sprintf("p%d@example.org", n) }
	other := func(org string, role person.Role) person.MembershipInput {
		return person.MembershipInput{Organisation: org, Role: role, From: apptest.Date(2020, 1, 1)}
	}

	t.Run("create", func(t *testing.T) {
		tests := []struct {
			name       string
			in         person.Input
			want       domain.Code
			wantFields []string
		}{
			{"with its own organisation", pioneer("Eigen", email(), e.a.ID), "", nil},
			{"with its own organisation by code", pioneer("Eigen code", email(), "gm0606"), "", nil},
			{"twice with its own organisation", func() person.Input {
				in := pioneer("Eigen twee", email(), e.a.ID)
				in.Memberships[0].To = apptest.Date(2022, 12, 31)
				in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: e.a.ID, Role: "contact", From: apptest.Date(2023, 1, 1)})
				return in
			}(), "", nil},
			{"without memberships", pioneer("Los", email()), domain.CodeForbidden, []string{"memberships"}},
			{"with another organisation", pioneer("Ander", email(), e.b.ID), domain.CodeForbidden, []string{"memberships"}},
			{"with its own and another", pioneer("Beide", email(), e.a.ID, e.b.ID), domain.CodeForbidden, []string{"memberships"}},
			{"invalid input is invalid first", func() person.Input { in := pioneer("", email(), e.b.ID); return in }(), domain.CodeInvalid, []string{"name"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.countPeople(t)
				p, err := e.people.Create(apptest.As(ownA), tt.in)
				apptest.CheckCode(t, "Create", err, tt.want)
				if tt.want == "" {
					if got := e.get(t, p.ID); !got.OnlyWith(e.a.ID) {
						t.Errorf("created: got memberships %+v; want only with %s", got.Memberships, e.a.Code)
					}
					return
				}
				if names := apptest.FieldNames(t, err); !reflect.DeepEqual(names, tt.wantFields) {
					t.Errorf("fields: got %v; want %v", names, tt.wantFields)
				}
				if got := e.countPeople(t); got != before {
					t.Errorf("people after the refused Create: got %d; want %d", got, before)
				}
			})
		}
	})

	t.Run("replace", func(t *testing.T) {
		tests := []struct {
			name       string
			orgs       []string // the person's memberships, each a pioneer from 2022
			public     bool
			change     func(in *person.Input)
			want       domain.Code
			wantFields []string
		}{
			{"profile of its own person", []string{e.a.ID}, false, func(in *person.Input) { in.Name, in.Phone = "Nieuwe naam", "" }, "", nil},
			{"its own membership", []string{e.a.ID}, false, func(in *person.Input) {
				in.Memberships[0].Role, in.Memberships[0].To = "contact", apptest.Date(2024, 1, 1)
			}, "", nil},
			{"add a membership with its own", []string{e.a.ID}, false, func(in *person.Input) {
				in.Memberships[0].To = apptest.Date(2022, 12, 31)
				in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: e.a.ID, Role: "contact", From: apptest.Date(2023, 1, 1)})
			}, "", nil},
			{"profile of a person shared with another", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Position = "Trekker" }, "", nil},
			{"its own membership of a shared person", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Memberships[0].Role = "director" }, "", nil},
			{"remove its own membership of a shared person", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Memberships = in.Memberships[1:] }, "", nil},
			{"reorder memberships", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) {
				in.Memberships[0], in.Memberships[1] = in.Memberships[1], in.Memberships[0]
			}, "", nil},
			{"add a membership with another", []string{e.a.ID}, false, func(in *person.Input) {
				in.Memberships = append(in.Memberships, other(e.b.ID, "contact"))
			}, domain.CodeForbidden, []string{"memberships"}},
			{"move the membership to another", []string{e.a.ID}, false, func(in *person.Input) { in.Memberships[0].Organisation = e.b.ID }, domain.CodeForbidden, []string{"memberships"}},
			{"remove another's membership", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Memberships = in.Memberships[:1] }, domain.CodeForbidden, []string{"memberships"}},
			{"change another's role", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Memberships[1].Role = "contact" }, domain.CodeForbidden, []string{"memberships"}},
			{"end another's membership", []string{e.a.ID, e.b.ID}, false, func(in *person.Input) { in.Memberships[1].To = apptest.Date(2024, 1, 1) }, domain.CodeForbidden, []string{"memberships"}},
			{"a public person of another", []string{e.b.ID}, true, func(in *person.Input) { in.Position = "Trekker" }, domain.CodeForbidden, nil},
			{"a private person of another", []string{e.b.ID}, false, func(in *person.Input) { in.Position = "Trekker" }, domain.CodeNotFound, nil},
			{"a public person of two others", []string{e.b.ID, c.ID}, true, func(in *person.Input) { in.Position = "Trekker" }, domain.CodeForbidden, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				target := e.create(t, pioneer("Doel", email(), tt.orgs...))
				if tt.public {
					e.consent(t, target.ID, true)
				}
				target = e.get(t, target.ID)
				changes := e.changes(t, target.ID)
				in := inputOf(target)
				tt.change(&in)
				got, err := e.people.Replace(apptest.As(ownA), target.ID, in, apptest.IfVersion(target.Version))
				apptest.CheckCode(t, "Replace", err, tt.want)
				if tt.want == "" {
					if got.Version != target.Version+1 || len(e.changes(t, target.ID)) != len(changes)+1 {
						t.Errorf("after Replace: got version %d and %d changes; want %d and %d", got.Version, len(e.changes(t, target.ID)), target.Version+1, len(changes)+1)
					}
					return
				}
				if tt.wantFields != nil {
					if names := apptest.FieldNames(t, err); !reflect.DeepEqual(names, tt.wantFields) {
						t.Errorf("fields: got %v; want %v", names, tt.wantFields)
					}
				}
				samePerson(t, "after the refused Replace", e.get(t, target.ID), target)
				if got := e.changes(t, target.ID); len(got) != len(changes) {
					t.Errorf("changes after the refused Replace: got %d; want %d", len(got), len(changes))
				}
			})
		}
	})

	t.Run("erase", func(t *testing.T) {
		tests := []struct {
			name   string
			orgs   []string
			ended  bool // the membership of A ended
			public bool
			want   domain.Code
		}{
			{"a person of its own only", []string{e.a.ID}, false, false, ""},
			// An organisation the person left no longer acts for them: they are hidden from it.
			{"a person whose membership ended", []string{e.a.ID}, true, false, domain.CodeNotFound},
			{"a person shared with another", []string{e.a.ID, e.b.ID}, false, false, domain.CodeForbidden},
			{"a public person of another", []string{e.b.ID}, false, true, domain.CodeForbidden},
			{"a private person of another", []string{e.b.ID}, false, false, domain.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := pioneer("Doel", email(), tt.orgs...)
				if tt.ended {
					in.Memberships[0].To = apptest.Date(2023, 1, 1)
				}
				target := e.create(t, in)
				if tt.public {
					e.consent(t, target.ID, true)
				}
				target = e.get(t, target.ID)
				err := e.people.Erase(apptest.As(ownA), target.ID, apptest.IfVersion(target.Version))
				apptest.CheckCode(t, "Erase", err, tt.want)
				if tt.want == "" {
					_, _, err := e.people.Get(apptest.As(admin), target.ID)
					apptest.CheckCode(t, "Get after Erase", err, domain.CodeGone)
					return
				}
				samePerson(t, "after the refused Erase", e.get(t, target.ID), target)
			})
		}
	})
}

// wantPublic checks that got shows only what anyone may see of full.
func wantPublic(t *testing.T, who string, got, full person.Person) {
	t.Helper()
	if got.View != person.Public {
		t.Errorf("%s sees %s: got view %v; want Public", who, full.Name, got.View)
	}
	if got.ID != full.ID || got.Name != full.Name || got.Position != full.Position {
		t.Errorf("%s sees %s: got id %q, name %q, position %q; want %q, %q, %q", who, full.Name, got.ID, got.Name, got.Position, full.ID, full.Name, full.Position)
	}
	if got.Email != "" || got.Phone != "" || len(got.Languages) != 0 || got.Consent != (person.Consent{}) || got.Erased {
		t.Errorf("%s sees %s: got email %q, phone %q, languages %v, consent %+v; want all empty", who, full.Name, got.Email, got.Phone, got.Languages, got.Consent)
	}
	if len(got.Memberships) != len(full.Memberships) {
		t.Fatalf("%s sees %s: got %d memberships; want %d", who, full.Name, len(got.Memberships), len(full.Memberships))
	}
	for i, m := range got.Memberships {
		f := full.Memberships[i]
		want := person.Membership{OrganisationID: f.OrganisationID, OrganisationCode: f.OrganisationCode, OrganisationName: f.OrganisationName}
		if m != want {
			t.Errorf("%s sees %s, memberships[%d]: got %+v; want only the organisation %+v", who, full.Name, i, m, want)
		}
	}
}

func wantFull(t *testing.T, who string, got, full person.Person) {
	t.Helper()
	samePerson(t, who+" sees "+full.Name, got, full)
}

// Who sees whom, and how much.
func TestVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mk := func(name, org string, public bool) person.Person {
		p := e.create(t, pioneer(name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.org", org))
		if public {
			e.consent(t, p.ID, true)
		}
		return e.get(t, p.ID)
	}
	pubA, privA := mk("Anna Openbaar", e.a.ID, true), mk("Bert Besloten", e.a.ID, false)
	pubB, privB := mk("Carla Openbaar", e.b.ID, true), mk("Dirk Besloten", e.b.ID, false)
	everyone := []person.Person{pubA, privA, pubB, privB}
	own := e.user(t, "dirk@example.org", domain.RoleAnalyst, "", privB.ID)

	const (
		H = person.Hidden
		P = person.Public
		F = person.Full
	)
	tests := []struct {
		name  string
		actor domain.Actor
		want  [4]person.View // pubA, privA, pubB, privB
	}{
		{"anonymous", nobody, [4]person.View{P, H, P, H}},
		{"partner", partner, [4]person.View{P, H, P, H}},
		{"partner bound to A", domain.Actor{Subject: "pc_a", Role: domain.RolePartner, OrganisationID: e.a.ID}, [4]person.View{P, H, P, H}},
		{"analyst", analyst, [4]person.View{P, H, P, H}},
		// people:read shows a bound client its organisation's people as
		// public profiles, never more; nothing without the scope, the
		// organisation or the client.
		{"client bound to A with people:read", client(e.a.ID, domain.ScopePeopleRead), [4]person.View{P, P, P, H}},
		{"client bound to A with other scopes", client(e.a.ID, domain.ScopeRegistrationsWrite, domain.ScopeWebhooksManage), [4]person.View{P, H, P, H}},
		{"unbound client with people:read", client("", domain.ScopePeopleRead), [4]person.View{P, H, P, H}},
		{"a partner user, not a client, with people:read", domain.Actor{Subject: "u", Role: domain.RolePartner, OrganisationID: e.a.ID,
			Scopes: []string{domain.ScopePeopleRead}}, [4]person.View{P, H, P, H}},
		{"a member token with people:read", domain.Actor{Subject: "m", Role: domain.RoleMember, OrganisationID: e.b.ID, Client: true,
			Scopes: []string{domain.ScopePeopleRead}}, [4]person.View{P, H, F, F}},
		{"admin", admin, [4]person.View{F, F, F, F}},
		{"editor", editor, [4]person.View{F, F, F, F}},
		{"member of A", member(e.a.ID), [4]person.View{F, F, P, H}},
		{"member of B", member(e.b.ID), [4]person.View{P, H, F, F}},
		{"Dirk's own user", own, [4]person.View{P, H, P, F}},
	}
	check := func(t *testing.T, who string, got person.Person, full person.Person, view person.View) {
		t.Helper()
		if view == F {
			wantFull(t, who, got, full)
		} else {
			wantPublic(t, who, got, full)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := apptest.As(tt.actor)
			var wantListed []string
			for i, p := range everyone {
				got, view, err := e.people.Get(ctx, p.ID)
				if tt.want[i] == H {
					apptest.CheckCode(t, "Get "+p.Name, err, domain.CodeNotFound)
					if !reflect.DeepEqual(got, person.Person{}) {
						t.Errorf("Get %s: got %+v with the error; want the zero value", p.Name, got)
					}
					continue
				}
				wantListed = append(wantListed, p.ID)
				if err != nil {
					t.Fatalf("Get %s: %v", p.Name, err)
				}
				if view != tt.want[i] {
					t.Errorf("Get %s: got view %v; want %v", p.Name, view, tt.want[i])
				}
				check(t, "Get", got, p, tt.want[i])
			}
			for _, list := range []struct {
				name string
				run  func() (domain.Page[person.Person], error)
			}{
				{"List", func() (domain.Page[person.Person], error) { return e.people.List(ctx, person.ListRequest{}) }},
				{"List of both organisations", func() (domain.Page[person.Person], error) {
					a, err := e.people.ListForOrganisation(ctx, e.a.ID, person.ListRequest{})
					if err != nil {
						return a, err
					}
					b, err := e.people.ListForOrganisation(ctx, e.b.Code, person.ListRequest{})
					a.Items = append(a.Items, b.Items...)
					return a, err
				}},
			} {
				page, err := list.run()
				if err != nil {
					t.Fatalf("%s: %v", list.name, err)
				}
				got := ids(page.Items)
				sort.Strings(got)
				want := slices.Clone(wantListed)
				sort.Strings(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: got %v; want %v", list.name, got, want)
				}
				for _, item := range page.Items {
					for i, p := range everyone {
						if p.ID == item.ID {
							check(t, list.name, item, p, tt.want[i])
						}
					}
				}
			}
		})
	}

	// Withdrawing consent hides the profile from the public at once; the
	// organisation's members and admins still see it in full.
	e.consent(t, pubA.ID, false)
	for _, a := range []domain.Actor{nobody, partner, analyst, member(e.b.ID)} {
		_, _, err := e.people.Get(apptest.As(a), pubA.ID)
		apptest.CheckCode(t, fmt.Sprintf("Get after withdrawal by %q", a.Role), err, domain.CodeNotFound)
		page, err := e.people.List(apptest.As(a), person.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(page.Items), pubA.ID) {
			t.Errorf("List after withdrawal by %q: got %s listed; want it hidden", a.Role, pubA.Name)
		}
		page, err = e.people.ListForOrganisation(apptest.As(a), e.a.Code, person.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 0 {
			t.Errorf("List of %s after withdrawal by %q: got %v; want nobody", e.a.Code, a.Role, ids(page.Items))
		}
	}
	for _, a := range []domain.Actor{admin, member(e.a.ID)} {
		if _, view, err := e.people.Get(apptest.As(a), pubA.ID); err != nil || view != person.Full {
			t.Errorf("Get after withdrawal by %q: got view %v, %v; want Full", a.Role, view, err)
		}
	}
	// Consenting again shows it again.
	e.consent(t, pubA.ID, true)
	if _, view, err := e.people.Get(apptest.As(nobody), pubA.ID); err != nil || view != person.Public {
		t.Errorf("anonymous Get after consenting again: got view %v, %v; want Public", view, err)
	}
}

// Every problem at once, by field name; nothing is stored of invalid input.
func TestValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.raw(t)
	m := func(org string, role person.Role, from, to time.Time) person.MembershipInput {
		return person.MembershipInput{Organisation: org, Role: role, From: from, To: to}
	}
	var open time.Time
	n := 0
	valid := func(ms ...person.MembershipInput) person.Input {
		n++
		in := pioneer(fmt.Sprintf("Persoon %d", n), fmt.Sprintf("persoon-%d@example.org", n))
		in.Memberships = ms
		return in
	}
	with := func(in person.Input, f func(*person.Input)) person.Input {
		f(&in)
		return in
	}
	a, b := e.a.ID, e.b.ID
	tests := []struct {
		name      string
		in        person.Input
		want      []string // sorted; nil when valid
		wantPhone string
	}{
		{"valid", valid(m(a, "pioneer", apptest.Date(2022, 1, 1), open)), nil, "+31612345678"},
		{"no memberships", valid(), nil, "+31612345678"},
		{"phone with spaces", with(valid(), func(in *person.Input) { in.Phone = "+31 6 1234 5678" }), nil, "+31612345678"},
		{"no phone", with(valid(), func(in *person.Input) { in.Phone = "" }), nil, ""},
		{"empty name", with(valid(), func(in *person.Input) { in.Name = "  " }), []string{"name"}, ""},
		{"bad email", with(valid(), func(in *person.Input) { in.Email = "anna@" }), []string{"email"}, ""},
		{"national phone", with(valid(), func(in *person.Input) { in.Phone = "06 1234 5678" }), []string{"phone"}, ""},
		{"bad language", with(valid(), func(in *person.Input) { in.Languages = []string{"nl", "Engels"} }), []string{"languages[1]"}, ""},
		{"duplicate language", with(valid(), func(in *person.Input) { in.Languages = []string{"nl", "nl"} }), []string{"languages[1]"}, ""},
		{"unknown organisation", valid(m("GM9999", "pioneer", open, open)), []string{"memberships[0].organisation"}, ""},
		{"unknown organisation id", valid(m(a, "pioneer", open, apptest.Date(2020, 1, 1)), m("0190a0a0-0000-7000-8000-000000000000", "pioneer", open, open)), []string{"memberships[1].organisation"}, ""},
		{"no organisation", valid(m("", "pioneer", open, open)), []string{"memberships[0].organisation"}, ""},
		{"bad role", valid(m(a, "chair", open, open)), []string{"memberships[0].role"}, ""},
		{"to before from", valid(m(a, "pioneer", apptest.Date(2023, 1, 1), apptest.Date(2022, 12, 31))), []string{"memberships[0].to"}, ""},
		{"overlapping", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), apptest.Date(2021, 6, 30)), m(a, "contact", apptest.Date(2021, 1, 1), open)), []string{"memberships[1]"}, ""},
		{"overlapping an open-ended one", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), open), m(a, "contact", apptest.Date(2023, 1, 1), apptest.Date(2023, 6, 1))), []string{"memberships[1]"}, ""},
		{"both open-ended", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), open), m(a, "pioneer", apptest.Date(2021, 1, 1), open)), []string{"memberships[1]"}, ""},
		{"overlapping, by code and by id", valid(m("gm0606", "pioneer", apptest.Date(2020, 1, 1), open), m(a, "contact", apptest.Date(2021, 1, 1), open)), []string{"memberships[1]"}, ""},
		{"the third overlaps the first", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), apptest.Date(2020, 12, 31)), m(b, "pioneer", open, open), m(a, "contact", apptest.Date(2020, 6, 1), open)), []string{"memberships[2]"}, ""},
		{"consecutive", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), apptest.Date(2020, 12, 31)), m(a, "contact", apptest.Date(2021, 1, 1), open)), nil, "+31612345678"},
		{"consecutive, unknown start", valid(m(a, "contact", apptest.Date(2021, 1, 1), open), m(a, "pioneer", open, apptest.Date(2020, 12, 31))), nil, "+31612345678"},
		{"same period, different organisations", valid(m(a, "pioneer", apptest.Date(2020, 1, 1), open), m(b, "pioneer", apptest.Date(2020, 1, 1), open)), nil, "+31612345678"},
		{"every problem at once", person.Input{Name: "", Email: "anna", Phone: "0612345678", Languages: []string{"nl", "NL", "nl"},
			Memberships: []person.MembershipInput{m("GM9999", "pioneer", open, open), m(a, "chair", apptest.Date(2023, 1, 1), apptest.Date(2022, 1, 1))}},
			[]string{"email", "languages[1]", "languages[2]", "memberships[0].organisation", "memberships[1].role", "memberships[1].to", "name", "phone"}, ""},
		// An overlap is a problem like any other: it is reported with the rest,
		// not only once everything else is fixed.
		{"overlap with another problem", with(valid(m(a, "pioneer", apptest.Date(2020, 1, 1), open), m(a, "contact", apptest.Date(2021, 1, 1), open)),
			func(in *person.Input) { in.Name = "" }), []string{"memberships[1]", "name"}, ""},
	}
	valids, memberships := 0, 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.people.Create(apptest.As(admin), tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Create: got %v; want nil", err)
				}
				valids++
				memberships += len(tt.in.Memberships)
				got := e.get(t, p.ID)
				samePerson(t, "Get after Create", got, p)
				if got.Phone != tt.wantPhone {
					t.Errorf("phone: got %q; want %q", got.Phone, tt.wantPhone)
				}
				return
			}
			apptest.CheckCode(t, "Create", err, domain.CodeInvalid)
			if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields: got %v; want %v (%v)", got, tt.want, err)
			}
			if !reflect.DeepEqual(p, person.Person{}) {
				t.Errorf("person returned with the error: got %+v; want the zero value", p)
			}
		})
	}
	if got := count(t, g, "SELECT COUNT(*) FROM people"); got != int64(valids) {
		t.Errorf("people rows: got %d; want only the %d valid ones", got, valids)
	}
	if got := count(t, g, "SELECT COUNT(*) FROM memberships"); got != int64(memberships) {
		t.Errorf("membership rows: got %d; want only the %d of valid people", got, memberships)
	}
	if got := count(t, g, "SELECT COUNT(*) FROM change_events WHERE resource = 'person'"); got != int64(valids) {
		t.Errorf("person change records: got %d; want only the %d valid creates", got, valids)
	}

	// Replace reports the same problems and leaves the person alone.
	target := e.create(t, pioneer("Vaste Waarde", "vast@example.org", a))
	in := inputOf(target)
	in.Name, in.Phone = "", "12345"
	in.Memberships = append(in.Memberships, m("GM9999", "pioneer", open, open))
	_, err := e.people.Replace(apptest.As(admin), target.ID, in, apptest.IfVersion(target.Version))
	apptest.CheckCode(t, "Replace", err, domain.CodeInvalid)
	if got, want := apptest.FieldNames(t, err), []string{"memberships[1].organisation", "name", "phone"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Replace fields: got %v; want %v", got, want)
	}
	samePerson(t, "after the invalid Replace", e.get(t, target.ID), target)
	if got := len(e.changes(t, target.ID)); got != 1 {
		t.Errorf("changes after the invalid Replace: got %d; want 1", got)
	}
}

// Email addresses are unique among people, whatever their case.
func TestEmailIsUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.raw(t)
	anna := e.create(t, pioneer("Anna", "anna@example.org", e.a.ID))
	other := e.create(t, pioneer("Bert", "bert@example.org", e.a.ID, e.b.ID))
	people := e.countPeople(t)
	rows := count(t, g, "SELECT COUNT(*) FROM memberships")

	for _, email := range []string{"anna@example.org", "Anna@Example.ORG", " ANNA@EXAMPLE.ORG "} {
		_, err := e.people.Create(apptest.As(admin), pioneer("Anna twee", email, e.a.ID, e.b.ID))
		apptest.CheckCode(t, "Create with "+email, err, domain.CodeConflict)
		if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, []string{"email"}) {
			t.Errorf("Create with %s: got fields %v; want [email]", email, got)
		}

		in := inputOf(other)
		in.Email, in.Position = email, "Iets anders"
		in.Memberships = in.Memberships[:1]
		_, err = e.people.Replace(apptest.As(admin), other.ID, in, apptest.IfVersion(other.Version))
		apptest.CheckCode(t, "Replace with "+email, err, domain.CodeConflict)
		if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, []string{"email"}) {
			t.Errorf("Replace with %s: got fields %v; want [email]", email, got)
		}
	}
	if got := e.countPeople(t); got != people {
		t.Errorf("people: got %d; want %d", got, people)
	}
	if got := count(t, g, "SELECT COUNT(*) FROM memberships"); got != rows {
		t.Errorf("membership rows: got %d; want %d", got, rows)
	}
	if got := count(t, g, "SELECT COUNT(*) FROM change_events WHERE resource = 'person'"); got != 2 {
		t.Errorf("person change records: got %d; want the 2 creates", got)
	}
	samePerson(t, "Bert after the refused Replace", e.get(t, other.ID), other)
	samePerson(t, "Anna", e.get(t, anna.ID), anna)

	// Keeping one's own address is no conflict; people without email do not clash.
	in := inputOf(anna)
	in.Email = "ANNA@example.org"
	in.Position = "Trekker"
	if _, err := e.people.Replace(apptest.As(admin), anna.ID, in, apptest.IfVersion(anna.Version)); err != nil {
		t.Errorf("Replace keeping the own address: %v", err)
	}
	for i := range 2 {
		if _, err := e.people.Create(apptest.As(admin), pioneer(fmt.Sprintf("Zonder %d", i), "", e.a.ID)); err != nil {
			t.Errorf("Create without email %d: %v", i, err)
		}
	}
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name string
		pre  func(current domain.Version) domain.Precondition
		want domain.Code
	}{
		{"missing", func(domain.Version) domain.Precondition { return domain.Precondition{} }, domain.CodePreconditionNeeded},
		{"stale", func(v domain.Version) domain.Precondition { return apptest.IfVersion(v - 1) }, domain.CodePreconditionFailed},
		{"ahead", func(v domain.Version) domain.Precondition { return apptest.IfVersion(v + 1) }, domain.CodePreconditionFailed},
		{"any", func(domain.Version) domain.Precondition { return domain.Precondition{Present: true, Any: true} }, ""},
		{"current", func(v domain.Version) domain.Precondition { return apptest.IfVersion(v) }, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Two people at version 2, one to change and one to erase.
			var ps [2]person.Person
			for j := range ps {
				p := e.create(t, pioneer("Persoon", fmt.Sprintf("p%d-%d@example.org", i, j), e.a.ID))
				e.consent(t, p.ID, true)
				ps[j] = e.get(t, p.ID)
				if ps[j].Version != 2 {
					t.Fatalf("set up: got version %d; want 2", ps[j].Version)
				}
			}
			in := inputOf(ps[0])
			in.Name = "Andere naam"
			got, err := e.people.Replace(apptest.As(admin), ps[0].ID, in, tt.pre(ps[0].Version))
			apptest.CheckCode(t, "Replace", err, tt.want)
			after := e.get(t, ps[0].ID)
			if tt.want == "" {
				if got.Version != 3 || after.Version != 3 || after.Name != "Andere naam" {
					t.Errorf("after Replace: got version %d (stored %d, name %q); want 3, 3, %q", got.Version, after.Version, after.Name, "Andere naam")
				}
			} else {
				samePerson(t, "after the refused Replace", after, ps[0])
				if got := len(e.changes(t, ps[0].ID)); got != 2 {
					t.Errorf("changes after the refused Replace: got %d; want 2", got)
				}
			}

			err = e.people.Erase(apptest.As(admin), ps[1].ID, tt.pre(ps[1].Version))
			apptest.CheckCode(t, "Erase", err, tt.want)
			if tt.want == "" {
				_, _, err = e.people.Get(apptest.As(admin), ps[1].ID)
				apptest.CheckCode(t, "Get after Erase", err, domain.CodeGone)
			} else {
				samePerson(t, "after the refused Erase", e.get(t, ps[1].ID), ps[1])
			}
		})
	}
	// A member's precondition is checked as well.
	p := e.create(t, pioneer("Lid", "lid@example.org", e.a.ID))
	_, err := e.people.Replace(apptest.As(member(e.a.ID)), p.ID, inputOf(p), domain.Precondition{})
	apptest.CheckCode(t, "member Replace without If-Match", err, domain.CodePreconditionNeeded)
	err = e.people.Erase(apptest.As(member(e.a.ID)), p.ID, apptest.IfVersion(p.Version+1))
	apptest.CheckCode(t, "member Erase with a stale If-Match", err, domain.CodePreconditionFailed)
}

// noValues fails when a change record carries any of the personal values.
func noValues(t *testing.T, c domain.Change, values ...string) {
	t.Helper()
	text := strings.ToLower(fmt.Sprintf("%+v", c))
	for _, v := range values {
		if v != "" && strings.Contains(text, strings.ToLower(v)) {
			t.Errorf("change %+v holds %q", c, v)
		}
	}
}

// Versions grow by one on each real change; each write leaves a change
// record naming the changed fields and no personal values.
func TestVersionsAndChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := pioneer("Marijn Kuitert", "marijn@example.org", e.a.ID)
	p, err := e.people.Create(apptest.As(admin), in)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Marijn", "Kuitert", "marijn@example.org", "+31612345678", "612345678", "Adviseur", "en-GB"}
	type step struct {
		name        string
		actor       domain.Actor
		do          func(ctx context.Context, p person.Person) error
		wantVersion domain.Version
		want        *domain.Change // nil: no new change record
	}
	change := func(action domain.Action, actor domain.Actor, version int, fields ...string) *domain.Change {
		return &domain.Change{Resource: "person", ResourceID: p.ID, Action: action, Actor: actor.Subject, Fields: fields, Version: version}
	}
	replace := func(f func(*person.Input)) func(ctx context.Context, p person.Person) error {
		return func(ctx context.Context, p person.Person) error {
			in := inputOf(p)
			f(&in)
			_, err := e.people.Replace(ctx, p.ID, in, apptest.IfVersion(p.Version))
			return err
		}
	}
	steps := []step{
		{"position", admin, replace(func(in *person.Input) { in.Position = "Programmamanager" }), 2, change(domain.ActionUpdate, admin, 2, "position")},
		{"nothing", admin, replace(func(in *person.Input) { in.Phone = "+31 6 1234 5678"; in.Email = "MARIJN@example.org" }), 2, nil},
		{"consent", member(e.a.ID), func(ctx context.Context, p person.Person) error {
			_, err := e.people.RecordConsent(ctx, p.ID, true)
			return err
		}, 3, change(domain.ActionUpdate, member(e.a.ID), 3, "consent")},
		{"email and memberships", member(e.a.ID), replace(func(in *person.Input) {
			in.Email = "m.kuitert@example.org"
			in.Memberships[0].To = apptest.Date(2024, 12, 31)
		}), 4, change(domain.ActionUpdate, member(e.a.ID), 4, "email", "memberships")},
		{"everything", admin, replace(func(in *person.Input) {
			*in = person.Input{Name: "M. Kuitert", Languages: []string{"nl"}}
		}), 5, change(domain.ActionUpdate, admin, 5, "name", "email", "phone", "position", "languages", "memberships")},
		{"erase", admin, func(ctx context.Context, p person.Person) error {
			return e.people.Erase(ctx, p.ID, apptest.IfVersion(p.Version))
		}, 6, change(domain.ActionErase, admin, 6, "name", "email", "phone", "position", "languages", "users")},
	}
	want := []domain.Change{{Resource: "person", ResourceID: p.ID, Action: domain.ActionCreate, Actor: admin.Subject,
		Fields: []string{"name", "email", "phone", "position", "languages", "memberships"}, Version: 1, At: start}}
	for _, s := range steps {
		e.clock.Advance(time.Hour)
		current := e.get(t, p.ID)
		if err := s.do(apptest.As(s.actor), current); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if s.want != nil {
			c := *s.want
			c.At = e.clock.Now()
			want = append(want, c)
		}
		if s.name == "erase" {
			break
		}
		after := e.get(t, p.ID)
		if after.Version != s.wantVersion {
			t.Errorf("%s: got version %d; want %d", s.name, after.Version, s.wantVersion)
		}
		if s.want != nil && !after.UpdatedAt.Equal(e.clock.Now()) {
			t.Errorf("%s: got updatedAt %v; want %v", s.name, after.UpdatedAt, e.clock.Now())
		}
		if s.want == nil && !after.UpdatedAt.Equal(current.UpdatedAt) {
			t.Errorf("%s: got updatedAt %v; want it unchanged at %v", s.name, after.UpdatedAt, current.UpdatedAt)
		}
	}
	got := e.changes(t, p.ID)
	for i := range got {
		got[i].At = got[i].At.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %+v\nwant %+v", got, want)
	}
	for _, c := range got {
		noValues(t, c, append(secrets, "m.kuitert@example.org", "Programmamanager", "M. Kuitert")...)
	}
}

// Erasure removes the personal data and the person's accounts; what refers
// to the person keeps its shape.
func TestErase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.raw(t)
	name, email, phone := "Erasmus Vergeetmij", "erasmus@schiedam.example", "+31698765432"
	in := pioneer(name, email, e.a.ID)
	in.Phone = phone
	in.Memberships[0].Role = "programme-manager"
	in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: e.b.ID, Role: "contact", From: apptest.Date(2023, 3, 1), To: apptest.Date(2023, 12, 31)})
	p := e.create(t, in)
	keep := e.create(t, pioneer("Blijft Bestaan", "blijft@example.org", e.a.ID))
	e.consent(t, p.ID, true)
	e.consent(t, keep.ID, true)
	keep = e.get(t, keep.ID)
	own := e.user(t, email, domain.RoleMember, e.a.Code, p.ID)
	e.user(t, "erasmus.privé@example.org", domain.RoleAnalyst, "", p.ID)
	other := e.user(t, "blijft@example.org", domain.RoleAnalyst, "", keep.ID)
	p = e.get(t, p.ID)
	memberships := p.Memberships

	if err := e.people.Erase(apptest.As(admin), p.ID, apptest.IfVersion(p.Version)); err != nil {
		t.Fatalf("Erase: %v", err)
	}

	for _, a := range []domain.Actor{admin, editor, member(e.a.ID), nobody, partner} {
		_, _, err := e.people.Get(apptest.As(a), p.ID)
		apptest.CheckCode(t, fmt.Sprintf("Get by %q", a.Role), err, domain.CodeGone)
	}
	for _, a := range []domain.Actor{admin, nobody, member(e.a.ID)} {
		for _, req := range []person.ListRequest{{}, {Q: "erasmus"}, {Organisation: e.b.Code}} {
			page, err := e.people.List(apptest.As(a), req)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(ids(page.Items), p.ID) {
				t.Errorf("List %+v by %q: got the erased person; want it left out", req, a.Role)
			}
		}
		page, err := e.people.ListForOrganisation(apptest.As(a), e.a.ID, person.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(page.Items); !reflect.DeepEqual(got, []string{keep.ID}) {
			t.Errorf("List of %s by %q: got %v; want only %s", e.a.Code, a.Role, got, keep.ID)
		}
	}
	// Nothing more can be done to the person.
	ctx := apptest.As(admin)
	_, err := e.people.Export(ctx, p.ID)
	apptest.CheckCode(t, "Export", err, domain.CodeGone)
	_, err = e.people.Replace(ctx, p.ID, pioneer("Terug", "terug@example.org", e.a.ID), domain.Precondition{Present: true, Any: true})
	apptest.CheckCode(t, "Replace", err, domain.CodeGone)
	_, err = e.people.RecordConsent(ctx, p.ID, true)
	apptest.CheckCode(t, "RecordConsent", err, domain.CodeGone)
	_, _, err = e.people.ConsentHistory(ctx, p.ID)
	apptest.CheckCode(t, "ConsentHistory", err, domain.CodeGone)
	err = e.people.Erase(ctx, p.ID, domain.Precondition{Present: true, Any: true})
	apptest.CheckCode(t, "Erase again", err, domain.CodeGone)
	_, err = e.people.Export(apptest.As(own), p.ID)
	apptest.CheckCode(t, "Export by the person's own (stale) actor", err, domain.CodeGone)

	// The accounts are gone; another person's is not.
	for _, addr := range []string{email, "erasmus.privé@example.org"} {
		_, err := e.accounts.AuthenticatePassword(context.Background(), addr, password)
		apptest.CheckCode(t, "sign in as "+addr, err, domain.CodeUnauthenticated)
	}
	if a, err := e.accounts.AuthenticatePassword(context.Background(), "blijft@example.org", password); err != nil || a.Subject != other.Subject {
		t.Errorf("sign in as another person's user: got %+v, %v; want %s", a, err, other.Subject)
	}
	if got := count(t, g, "SELECT COUNT(*) FROM users WHERE person_id = ?", p.ID); got != 0 {
		t.Errorf("users of the erased person: got %d; want 0", got)
	}

	// The person's row and memberships keep their shape, without personal data.
	var row struct {
		Name, Position, Languages, Search, ConsentRecordedBy string
		Email, Phone                                         *string
		PublicProfile                                        bool
		ErasedAt                                             *time.Time
		Version                                              int
	}
	if err := g.Raw("SELECT name, position, languages, search, consent_recorded_by, email, phone, public_profile, erased_at, version FROM people WHERE id = ?", p.ID).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Name != "" || row.Position != "" || row.Languages != "[]" || row.Search != "" || row.Email != nil || row.Phone != nil || row.PublicProfile || row.ErasedAt == nil || row.Version != int(p.Version)+1 {
		t.Errorf("erased row: got %+v; want blank personal fields, no public profile, erased_at set, version %d", row, p.Version+1)
	}
	var ms []struct {
		OrganisationID string
		Role           string
	}
	if err := g.Raw("SELECT organisation_id, role FROM memberships WHERE person_id = ? ORDER BY position", p.ID).Scan(&ms).Error; err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(memberships) {
		t.Fatalf("memberships of the erased person: got %d; want the %d it had", len(ms), len(memberships))
	}
	for i, m := range ms {
		if m.OrganisationID != memberships[i].OrganisationID || m.Role != string(memberships[i].Role) {
			t.Errorf("memberships[%d] of the erased person: got %+v; want %s as %s", i, m, memberships[i].OrganisationCode, memberships[i].Role)
		}
	}
	if got := count(t, g, "SELECT COUNT(*) FROM consent_records WHERE person_id = ?", p.ID); got != 1 {
		t.Errorf("consent records of the erased person: got %d; want the 1 it had", got)
	}

	// The erasure is recorded without the erased data.
	changes := e.changes(t, p.ID)
	last := changes[len(changes)-1]
	if last.Action != domain.ActionErase || last.Actor != admin.Subject || !reflect.DeepEqual(last.Fields, []string{"name", "email", "phone", "position", "languages", "users"}) {
		t.Errorf("erasure record: got %+v; want an erase by %s naming the erased fields", last, admin.Subject)
	}
	for _, c := range changes {
		noValues(t, c, name, "Erasmus", "Vergeetmij", email, phone)
	}

	// The address is free again.
	if _, err := e.people.Create(apptest.As(admin), pioneer("Nieuwe Erasmus", email, e.a.ID)); err != nil {
		t.Errorf("Create with the erased person's address: %v", err)
	}
	samePerson(t, "the other person", e.get(t, keep.ID), keep)
}

// After erasure, the SQLite database file and its write-ahead log hold
// neither the person's name, email nor phone.
func TestEraseLeavesNothingInTheDatabaseFile(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("the file search needs SQLite")
	}
	e := newEnv(t)
	name, email, phone := "Erasmus Vergeetmij", "erasmus.vergeetmij@schiedam.example", "+31698765432"
	in := pioneer(name, email, e.a.ID)
	in.Phone = phone
	p := e.create(t, in)
	e.create(t, pioneer("Blijft Bestaan", "blijft@example.org", e.a.ID))
	e.user(t, email, domain.RoleMember, e.a.Code, p.ID)
	e.consent(t, p.ID, true)
	p = e.get(t, p.ID)
	in = inputOf(p)
	in.Position = "Senior adviseur"
	p, err := e.people.Replace(apptest.As(admin), p.ID, in, apptest.IfVersion(p.Version))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{name, strings.ToLower(name), email, phone, "Vergeetmij"}
	files := func() []byte {
		t.Helper()
		var all []byte
		for _, f := range []string{e.url, e.url + "-wal"} {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(append(all, data...), 0)
		}
		return all
	}
	// The search can find them before erasure.
	before := files()
	for _, s := range secrets {
		if !bytes.Contains(before, []byte(s)) {
			t.Fatalf("before erasure: the database files do not hold %q, so the search proves nothing", s)
		}
	}

	if err := e.people.Erase(apptest.As(admin), p.ID, apptest.IfVersion(p.Version)); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	after := bytes.ToLower(files())
	for _, s := range secrets {
		if bytes.Contains(after, bytes.ToLower([]byte(s))) {
			t.Errorf("after erasure: the database files still hold %q", s)
		}
	}
	if !bytes.Contains(after, []byte("blijft@example.org")) {
		t.Errorf("after erasure: the other person's address is gone too, so the search proves nothing")
	}
}

// The export holds everything about the person: profile, memberships,
// consent history, linked users and change records.
func TestExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := pioneer("Marijn Kuitert", "marijn@example.org", e.a.ID)
	in.Memberships[0].To = apptest.Date(2023, 12, 31)
	in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: e.b.Code, Role: "programme-manager", From: apptest.Date(2024, 1, 1)})
	p := e.create(t, in)
	other := e.create(t, pioneer("Ander", "ander@example.org", e.a.ID))
	e.clock.Advance(time.Minute)
	if _, err := e.people.RecordConsent(apptest.As(admin), p.ID, true); err != nil {
		t.Fatal(err)
	}
	own := e.user(t, "marijn@example.org", domain.RoleMember, e.b.Code, p.ID)
	work := e.user(t, "m.kuitert@utrecht.example", domain.RoleAnalyst, "", p.ID)
	e.user(t, "ander@example.org", domain.RoleAnalyst, "", other.ID)
	e.clock.Advance(time.Minute)
	if _, err := e.people.RecordConsent(apptest.As(own), p.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	cur := e.get(t, p.ID)
	upd := inputOf(cur)
	upd.Position = "Programmamanager"
	if _, err := e.people.Replace(apptest.As(admin), p.ID, upd, apptest.IfVersion(cur.Version)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	full := e.get(t, p.ID)

	wantConsent := []person.Consent{
		{PublicProfile: false, RecordedAt: start.Add(2 * time.Minute), RecordedBy: own.Subject},
		{PublicProfile: true, RecordedAt: start.Add(time.Minute), RecordedBy: admin.Subject},
	}
	wantUsers := []person.LinkedUser{{ID: own.Subject, Email: "marijn@example.org", Role: domain.RoleMember},
		{ID: work.Subject, Email: "m.kuitert@utrecht.example", Role: domain.RoleAnalyst}}
	sort.Slice(wantUsers, func(i, j int) bool { return wantUsers[i].ID < wantUsers[j].ID })

	for _, a := range []struct {
		name  string
		actor domain.Actor
	}{{"admin", admin}, {"own member user", own}, {"own analyst user", work}} {
		t.Run(a.name, func(t *testing.T) {
			x, err := e.people.Export(apptest.As(a.actor), p.ID)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			if !x.ExportedAt.Equal(e.clock.Now()) {
				t.Errorf("exportedAt: got %v; want %v", x.ExportedAt, e.clock.Now())
			}
			samePerson(t, "person", x.Person, full)
			if len(x.Person.Memberships) != 2 || x.Person.Memberships[1].OrganisationCode != e.b.Code || x.Person.Memberships[1].Role != "programme-manager" {
				t.Errorf("memberships: got %+v; want both, with roles and dates", x.Person.Memberships)
			}
			if x.Person.Consent.PublicProfile || x.Person.Consent.RecordedBy != own.Subject {
				t.Errorf("current consent: got %+v; want the withdrawal by %s", x.Person.Consent, own.Subject)
			}
			for i := range x.Consent {
				x.Consent[i].RecordedAt = x.Consent[i].RecordedAt.UTC()
			}
			if !reflect.DeepEqual(x.Consent, wantConsent) {
				t.Errorf("consent history: got %+v; want %+v", x.Consent, wantConsent)
			}
			users := slices.Clone(x.Users)
			sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
			if !reflect.DeepEqual(users, wantUsers) {
				t.Errorf("users: got %+v; want %+v", users, wantUsers)
			}
			wantChanges := e.changes(t, p.ID)
			if len(wantChanges) != 4 {
				t.Fatalf("change records: got %d; want create, 2 consents and an update", len(wantChanges))
			}
			if !reflect.DeepEqual(x.Changes, wantChanges) {
				t.Errorf("changes: got %+v; want %+v", x.Changes, wantChanges)
			}
		})
	}
	// The person's own user exports only that person.
	_, err := e.people.Export(apptest.As(own), other.ID)
	apptest.CheckCode(t, "own user exports another, private person", err, domain.CodeNotFound)
	e.consent(t, other.ID, true)
	_, err = e.people.Export(apptest.As(own), other.ID)
	apptest.CheckCode(t, "own user exports another, public person", err, domain.CodeForbidden)
}

// Keyset paging returns each visible person exactly once, in order, under
// every sort and filter.
func TestListPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := []string{"Anna", "Bert", "Carla", "Dirk", "Eva", "Jan", "Joris", "Karin", "Lotte", "Marijn", "Noor", "Piet"}
	type made struct {
		p      person.Person
		public bool
		orgs   map[string]person.Role // organisation id → role
	}
	var all []made
	for i := range 35 {
		// Names repeat, and so do creation times (three at a time).
		name := first[i%len(first)] + " " + []string{"de Vries", "Jansen"}[i%2]
		in := person.Input{Name: name, Position: "Adviseur"}
		orgs := map[string]person.Role{}
		switch i % 4 {
		case 0:
			in.Memberships = []person.MembershipInput{{Organisation: e.a.ID, Role: "pioneer"}}
		case 1:
			in.Memberships = []person.MembershipInput{{Organisation: e.b.ID, Role: "contact"}}
		case 2:
			in.Memberships = []person.MembershipInput{{Organisation: e.a.ID, Role: "pioneer"}, {Organisation: e.b.ID, Role: "contact"}}
		case 3:
			in.Memberships = nil
			in.Position = "Jurist"
		}
		for _, m := range in.Memberships {
			orgs[m.Organisation] = m.Role
		}
		if i%3 == 0 {
			e.clock.Advance(time.Duration(i+1) * time.Millisecond)
		}
		p := e.create(t, in)
		public := i%3 != 1
		if public {
			e.consent(t, p.ID, true)
		}
		all = append(all, made{e.get(t, p.ID), public, orgs})
	}

	less := func(sortKeys []domain.SortKey) func(a, b made) int {
		return func(a, b made) int {
			desc := false
			for _, k := range sortKeys {
				var c int
				switch k.Field {
				case "name":
					c = strings.Compare(a.p.Name, b.p.Name)
				case "createdAt":
					c = a.p.CreatedAt.Compare(b.p.CreatedAt)
				}
				if k.Descending {
					c = -c
				}
				if c != 0 {
					return c
				}
				desc = k.Descending
			}
			c := strings.Compare(a.p.ID, b.p.ID)
			if desc {
				c = -c
			}
			return c
		}
	}
	type filter struct {
		name string
		req  person.ListRequest
		keep func(m made) bool
	}
	filters := []filter{
		{"no filter", person.ListRequest{}, func(made) bool { return true }},
		{"organisation A", person.ListRequest{Organisation: "gm0606"}, func(m made) bool { _, ok := m.orgs[e.a.ID]; return ok }},
		{"role contact", person.ListRequest{Role: "contact"}, func(m made) bool { return slices.Contains(slices.Collect(mapValues(m.orgs)), "contact") }},
		{"contact of A (no such membership)", person.ListRequest{Organisation: e.a.ID, Role: "contact"}, func(made) bool { return false }},
		{"contact of B", person.ListRequest{Organisation: e.b.Code, Role: "contact"}, func(m made) bool { return m.orgs[e.b.ID] == "contact" }},
		{"q jan", person.ListRequest{Q: " JAN "}, func(m made) bool { return strings.Contains(strings.ToLower(m.p.Name), "jan") }},
		{"q on position", person.ListRequest{Q: "jurist"}, func(m made) bool { return m.p.Position == "Jurist" }},
		{"q with a wildcard", person.ListRequest{Q: "%"}, func(made) bool { return false }},
		{"q and organisation", person.ListRequest{Q: "de vries", Organisation: e.b.ID}, func(m made) bool {
			_, ok := m.orgs[e.b.ID]
			return ok && strings.HasSuffix(m.p.Name, "de Vries")
		}},
	}
	sorts := [][]domain.SortKey{
		nil,
		{{Field: "name"}},
		{{Field: "createdAt", Descending: true}},
		{{Field: "name"}, {Field: "createdAt", Descending: true}},
		{{Field: "name", Descending: true}, {Field: "createdAt", Descending: true}},
		{{Field: "createdAt"}, {Field: "name", Descending: true}},
	}
	actors := []struct {
		name string
		a    domain.Actor
		sees func(m made) bool
		full func(m made) bool // whom it sees in full: roles show, and filter, only there
	}{
		{"admin", admin, func(made) bool { return true }, func(made) bool { return true }},
		{"anonymous", nobody, func(m made) bool { return m.public }, func(made) bool { return false }},
		{"member of B", member(e.b.ID), func(m made) bool { _, ok := m.orgs[e.b.ID]; return ok || m.public },
			func(m made) bool { _, ok := m.orgs[e.b.ID]; return ok }},
	}
	visible := 0
	for _, m := range all {
		if m.public {
			visible++
		}
	}
	if visible < 20 || visible == len(all) {
		t.Fatalf("set up: %d of %d public; want a mix", visible, len(all))
	}
	for _, a := range actors {
		for _, f := range filters {
			for _, s := range sorts {
				t.Run(fmt.Sprintf("%s/%s/%v", a.name, f.name, s), func(t *testing.T) {
					var want []made
					for _, m := range all {
						if a.sees(m) && f.keep(m) && (f.req.Role == "" || a.full(m)) {
							want = append(want, m)
						}
					}
					keys := s
					if keys == nil {
						keys = []domain.SortKey{{Field: "name"}}
					}
					slices.SortFunc(want, less(keys))
					wantIDs := make([]string, len(want))
					for i, m := range want {
						wantIDs[i] = m.p.ID
					}
					got := listAll(t, func(cursor string) (domain.Page[person.Person], error) {
						req := f.req
						req.Sort, req.PageSize, req.Cursor = s, 10, cursor
						page, err := e.people.List(apptest.As(a.a), req)
						if err == nil && len(page.Items) > 10 {
							t.Errorf("page of %d; want at most 10", len(page.Items))
						}
						return page, err
					})
					if a.name == "admin" && f.name == "no filter" && len(wantIDs) != len(all) {
						t.Fatalf("want %d people; the test lost some", len(wantIDs))
					}
					if gotIDs := ids(got); !reflect.DeepEqual(gotIDs, wantIDs) {
						t.Errorf("got %d people %v; want %d %v", len(gotIDs), gotIDs, len(wantIDs), wantIDs)
					}
				})
			}
		}
	}

	// The list of an organisation is the list filtered by it.
	for _, a := range actors {
		byFilter := listAll(t, func(cursor string) (domain.Page[person.Person], error) {
			return e.people.List(apptest.As(a.a), person.ListRequest{Organisation: e.b.ID, PageSize: 7, Cursor: cursor})
		})
		byPath := listAll(t, func(cursor string) (domain.Page[person.Person], error) {
			return e.people.ListForOrganisation(apptest.As(a.a), "GM0344", person.ListRequest{PageSize: 7, Cursor: cursor})
		})
		if !reflect.DeepEqual(ids(byFilter), ids(byPath)) || len(byPath) == 0 {
			t.Errorf("%s: ListForOrganisation got %v; want %v as List with the filter", a.name, ids(byPath), ids(byFilter))
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) func(yield func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestListRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 3 {
		p := e.create(t, pioneer(fmt.Sprintf("Persoon %d", i), fmt.Sprintf("p%d@example.org", i), e.a.ID))
		e.consent(t, p.ID, true)
	}
	page, err := e.people.List(apptest.As(admin), person.ListRequest{PageSize: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: got %v, next %q; want a next cursor", err, page.Next)
	}
	tests := []struct {
		name       string
		list       func(ctx context.Context) error
		actor      domain.Actor
		want       domain.Code
		wantFields []string
	}{
		{"unknown organisation filter", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{Organisation: "GM9999"})
			return err
		}, nobody, domain.CodeInvalid, []string{"organisation"}},
		{"unknown organisation in the path", func(ctx context.Context) error {
			_, err := e.people.ListForOrganisation(ctx, "GM9999", person.ListRequest{})
			return err
		}, nobody, domain.CodeNotFound, nil},
		{"unknown role", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{Role: "chair"})
			return err
		}, nobody, domain.CodeInvalid, []string{"role"}},
		{"page too large", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 101})
			return err
		}, admin, domain.CodeInvalid, []string{"pageSize"}},
		{"largest page", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 100})
			return err
		}, admin, "", nil},
		{"cursor under another sort", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 2, Cursor: page.Next, Sort: []domain.SortKey{{Field: "createdAt"}}})
			return err
		}, admin, domain.CodeInvalid, []string{"cursor"}},
		{"cursor with another filter", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 2, Cursor: page.Next, Role: "pioneer"})
			return err
		}, admin, domain.CodeInvalid, []string{"cursor"}},
		{"admin's cursor used anonymously", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 2, Cursor: page.Next})
			return err
		}, nobody, domain.CodeInvalid, []string{"cursor"}},
		{"garbage cursor", func(ctx context.Context) error {
			_, err := e.people.List(ctx, person.ListRequest{PageSize: 2, Cursor: "not-a-cursor"})
			return err
		}, admin, domain.CodeInvalid, []string{"cursor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.list(apptest.As(tt.actor))
			apptest.CheckCode(t, "List", err, tt.want)
			if tt.wantFields != nil {
				if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, tt.wantFields) {
					t.Errorf("fields: got %v; want %v", got, tt.wantFields)
				}
			}
		})
	}
	if got, err := e.people.List(apptest.As(nobody), person.ListRequest{}); err != nil || len(got.Items) != 3 || got.Next != "" {
		t.Errorf("default page: got %d items, next %q, %v; want all 3 on one page", len(got.Items), got.Next, err)
	}
	if _, err := person.ParseSort("-createdAt,name"); err != nil {
		t.Errorf("ParseSort: %v", err)
	}
	if _, err := person.ParseSort("email"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("ParseSort(email): got %v; want invalid: people do not sort by personal data", err)
	}
}

// Every write checks in one order: who may touch the person, then If-Match,
// then the rules, then which memberships the caller may change. Before, a
// person's rules came before If-Match, so a stale write heard about its body.
func TestWriteOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	invalid := func(in *person.Input) { in.Name, in.Phone = "", "0612" }
	otherOrg := func(in *person.Input) {
		in.Memberships = append(in.Memberships, person.MembershipInput{Organisation: e.b.ID, Role: "contact", From: apptest.Date(2023, 1, 1)})
	}
	unknownOrg := func(in *person.Input) { in.Memberships[0].Organisation = "GM9999" }
	type write func(ctx context.Context, p person.Person, pre domain.Precondition) error
	replace := func(change func(*person.Input)) write {
		return func(ctx context.Context, p person.Person, pre domain.Precondition) error {
			in := inputOf(p)
			change(&in)
			_, err := e.people.Replace(ctx, p.ID, in, pre)
			return err
		}
	}
	erase := func(ctx context.Context, p person.Person, pre domain.Precondition) error {
		return e.people.Erase(ctx, p.ID, pre)
	}
	stale := func(p person.Person) domain.Precondition { return apptest.IfVersion(p.Version + 1) }
	current := func(p person.Person) domain.Precondition { return apptest.IfVersion(p.Version) }
	missing := func(person.Person) domain.Precondition { return domain.Precondition{} }
	tests := []struct {
		name  string
		actor domain.Actor
		pre   func(person.Person) domain.Precondition
		write write
		want  domain.Code
	}{
		{"admin, stale, invalid body (was 400)", admin, stale, replace(invalid), domain.CodePreconditionFailed},
		{"admin, no If-Match, invalid body (was 400)", admin, missing, replace(invalid), domain.CodePreconditionNeeded},
		{"admin, stale, unknown organisation (was 400)", admin, stale, replace(unknownOrg), domain.CodePreconditionFailed},
		{"admin, current, invalid body", admin, current, replace(invalid), domain.CodeInvalid},
		{"member of it, stale, another organisation's membership (was 403)", member(e.a.ID), stale, replace(otherOrg), domain.CodePreconditionFailed},
		{"member of it, current, invalid body and another organisation's membership", member(e.a.ID), current, replace(func(in *person.Input) { invalid(in); otherOrg(in) }), domain.CodeInvalid},
		{"member of it, current, another organisation's membership", member(e.a.ID), current, replace(otherOrg), domain.CodeForbidden},
		{"member of another, stale, invalid body", member(e.b.ID), stale, replace(invalid), domain.CodeNotFound},
		{"member of another who sees the person, stale, invalid body", member(e.b.ID), stale, replace(invalid), domain.CodeForbidden},
		{"member of another who sees the person, stale", member(e.b.ID), stale, erase, domain.CodeForbidden},
		{"admin, stale erase", admin, stale, erase, domain.CodePreconditionFailed},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.create(t, pioneer("Volgorde", fmt.Sprintf("order%d@example.org", i), e.a.ID))
			if strings.Contains(tt.name, "who sees the person") {
				e.consent(t, p.ID, true) // a public profile: the member sees the person, and may still not write it
			}
			p = e.get(t, p.ID)
			err := tt.write(apptest.As(tt.actor), p, tt.pre(p))
			apptest.CheckCode(t, "write", err, tt.want)
			if e := (*domain.Error)(nil); errors.As(err, &e) && tt.want != domain.CodePreconditionFailed && strings.Contains(e.Message, "version") {
				t.Errorf("refused write: got message %q; want no version", e.Message)
			}
			samePerson(t, "after the refused write", e.get(t, p.ID), p)
		})
	}
}

// A recorded consent is one write: the consent, the person's update time and
// the change record carry the same instant, as stored.
func TestRecordConsentIsOneWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.create(t, pioneer("Toestemming", "consent@example.org", e.a.ID))
	at := time.Date(2024, 6, 16, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	e.clock.Set(at)
	got, err := e.people.RecordConsent(apptest.As(admin), p.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	want := person.Consent{PublicProfile: true, RecordedAt: at.UTC().Truncate(time.Microsecond), RecordedBy: admin.Subject}
	if got != want {
		t.Errorf("RecordConsent: got %+v; want %+v", got, want)
	}
	after := e.get(t, p.ID)
	if history := e.history(t, p.ID); after.Version != p.Version+1 || !after.UpdatedAt.Equal(want.RecordedAt) || len(history) != 1 || history[0] != want {
		t.Errorf("after RecordConsent: got version %d, updated %v, history %+v; want %d, %v, [%+v]", after.Version, after.UpdatedAt, history, p.Version+1, want.RecordedAt, want)
	}
	if cs := e.changes(t, p.ID); len(cs) != 2 || !slices.Equal(cs[1].Fields, []string{"consent"}) || cs[1].Version != int(p.Version)+1 || !cs[1].At.Equal(want.RecordedAt) {
		t.Errorf("changes: got %+v; want the consent at version %d", cs, p.Version+1)
	}
}

// people:read reaches an organisation's current people only: one who left
// is hidden again unless they made their profile public.
func TestPeopleReadFollowsMembership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := pioneer("Vera Vertrokken", "vera@example.org", e.a.ID)
	in.Memberships[0].To = apptest.Date(2023, 12, 31)
	left := e.create(t, in)
	current := e.create(t, pioneer("Hans Huidig", "hans@example.org", e.a.ID))
	ctx := apptest.As(client(e.a.ID, domain.ScopePeopleRead))
	if _, _, err := e.people.Get(ctx, left.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("Get a former member: got %v; want code %q", err, domain.CodeNotFound)
	}
	got, view, err := e.people.Get(ctx, current.ID)
	if err != nil || view != person.Public {
		t.Fatalf("Get a current member: got view %v, %v; want Public", view, err)
	}
	wantPublic(t, "client", got, current)
	page, err := e.people.ListForOrganisation(ctx, e.a.ID, person.ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(page.Items); !slices.Equal(got, []string{current.ID}) {
		t.Errorf("list: got %v; want only the current member %s", got, current.ID)
	}
	for _, id := range []string{left.ID, current.ID} {
		if ok, err := e.people.WithOrganisation(ctx, id, e.a.ID); err != nil && domain.ErrorCode(err) != domain.CodeNotFound || ok != (id == current.ID) {
			t.Errorf("WithOrganisation %s: got %v, %v; want %v", id, ok, err, id == current.ID)
		}
	}
}
