package account_test

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// A change that ends or narrows access bumps the auth version, which ends
// the account's tokens; any other change keeps it.
func TestUpdateUserAuthVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := apptest.As(domain.System)
	tests := []struct {
		name   string
		change func(account.UserUpdate) account.UserUpdate
		bump   bool
		fields []string
	}{
		{"nothing", func(in account.UserUpdate) account.UserUpdate { return in }, false, nil},
		{"role", func(in account.UserUpdate) account.UserUpdate { in.Role = domain.RoleAnalyst; return in }, true, []string{"role"}},
		{"organisation", func(in account.UserUpdate) account.UserUpdate { in.Organisation = ""; return in }, true, []string{"organisation"}},
		{"disable", func(in account.UserUpdate) account.UserUpdate {
			in.Disabled, in.DisabledReason = true, "left"
			return in
		}, true, []string{"disabled", "disabledReason"}},
		{"reason while disabled", func(in account.UserUpdate) account.UserUpdate { in.DisabledReason = "moved away"; return in }, false, []string{"disabledReason"}},
		{"enable", func(in account.UserUpdate) account.UserUpdate { in.Disabled, in.DisabledReason = false, ""; return in }, false, []string{"disabled", "disabledReason"}},
	}
	u, err := f.accounts.CreateUser(ctx, account.NewUser{Email: "versioned@example.org", Password: password, Role: domain.RoleEditor, Organisation: "GM0606"})
	if err != nil {
		t.Fatal(err)
	}
	var heard []int
	f.accounts.OnAccessChange(func(subject string, v int, _ bool) {
		if subject == u.ID {
			heard = append(heard, v)
		}
	})
	for _, tt := range tests {
		before, _ := f.db.GetUser(ctx, u.ID)
		after, err := f.accounts.UpdateUser(ctx, u.ID, func(in account.UserUpdate) (account.UserUpdate, error) { return tt.change(in), nil },
			apptest.IfVersion(before.Version))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := after.AuthVersion > before.AuthVersion; got != tt.bump {
			t.Errorf("%s: auth version %d → %d; want a bump %v", tt.name, before.AuthVersion, after.AuthVersion, tt.bump)
		}
		changes, err := f.db.Changes(ctx, "user", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := changes[len(changes)-1]
		if tt.fields == nil {
			if after.Version != before.Version {
				t.Errorf("%s: version %d → %d; want it kept", tt.name, before.Version, after.Version)
			}
			continue
		}
		if !slices.Equal(last.Fields, tt.fields) || last.Version != int(after.Version) {
			t.Errorf("%s: change record %v at v%d; want %v at v%d", tt.name, last.Fields, last.Version, tt.fields, after.Version)
		}
		if heard[len(heard)-1] != after.AuthVersion {
			t.Errorf("%s: the access table heard version %d; want %d", tt.name, heard[len(heard)-1], after.AuthVersion)
		}
	}
}

func TestOnlyAdminsManageUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: "target@example.org", Password: password, Role: domain.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	for _, actor := range []domain.Actor{{}, {Subject: "e", Role: domain.RoleEditor}, {Subject: "m", Role: domain.RoleMember, OrganisationID: f.schiedam.ID},
		{Subject: "p", Role: domain.RolePartner, Client: true}} {
		ctx := apptest.As(actor)
		want := domain.CodeForbidden
		if actor.Anonymous() {
			want = domain.CodeUnauthenticated
		}
		_, err := f.accounts.ListUsers(ctx, account.UserQuery{})
		apptest.CheckCode(t, "list as "+string(actor.Role), err, want)
		_, err = f.accounts.GetUser(ctx, u.ID)
		apptest.CheckCode(t, "get as "+string(actor.Role), err, want)
		_, err = f.accounts.UpdateUser(ctx, u.ID, func(in account.UserUpdate) (account.UserUpdate, error) { return in, nil }, apptest.IfVersion(1))
		apptest.CheckCode(t, "update as "+string(actor.Role), err, want)
		apptest.CheckCode(t, "delete as "+string(actor.Role), f.accounts.DeleteUser(ctx, u.ID, apptest.IfVersion(1)), want)
		_, err = f.accounts.NewPasswordLink(ctx, u.ID)
		apptest.CheckCode(t, "link as "+string(actor.Role), err, want)
	}
}

func TestPasswordLinks(t *testing.T) {
	t.Parallel()
	db := apptest.Store(t)
	clock := apptest.NewClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	accounts := account.NewService(db, organisation.NewService(db, clock.Now), clock.Now, bcrypt.MinCost)
	ctx := apptest.As(domain.System)
	u, first, err := accounts.AddUser(ctx, account.NewUser{Email: "linked@example.org", Role: domain.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	if first.Token == "" || !first.ExpiresAt.Equal(clock.Now().Add(account.PasswordLinkTTL)) {
		t.Fatalf("link: got %+v; want a token expiring in %v", first, account.PasswordLinkTTL)
	}
	if _, err := accounts.AuthenticatePassword(ctx, "linked@example.org", ""); domain.ErrorCode(err) == "" {
		t.Fatal("an account without a password signed in with an empty one")
	}
	second, err := accounts.NewPasswordLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	third, err := accounts.NewPasswordLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		token   string
		advance time.Duration
		want    domain.Code // "" for success
	}{
		{"replaced by a newer link", first.Token, 0, domain.CodeUnauthenticated},
		{"replaced too", second.Token, 0, domain.CodeUnauthenticated},
		{"made up", "made-up-token", 0, domain.CodeUnauthenticated},
		{"expired", third.Token, account.PasswordLinkTTL, domain.CodeUnauthenticated},
	}
	for _, tt := range tests {
		clock.Advance(tt.advance)
		apptest.CheckCode(t, tt.name, accounts.SetPasswordWithLink(ctx, tt.token, password), tt.want)
	}
	clock.Set(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	fourth, err := accounts.NewPasswordLink(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := accounts.SetPasswordWithLink(ctx, fourth.Token, password); err != nil {
		t.Fatalf("fresh link: %v", err)
	}
	if _, err := accounts.AuthenticatePassword(ctx, "linked@example.org", password); err != nil {
		t.Errorf("sign in with the password set: %v", err)
	}
	apptest.CheckCode(t, "the link again", accounts.SetPasswordWithLink(ctx, fourth.Token, "yet another password"), domain.CodeUnauthenticated)
}

// Erasing a person deletes their accounts, in the erasure's transaction.
func TestErasureDeletesAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := apptest.As(domain.System)
	people := person.NewService(f.db, organisation.NewService(f.db, time.Now), time.Now)
	people.OnErase(f.accounts)
	p, err := people.Create(ctx, person.Input{Name: "Erased Pioneer", Email: "erased@schiedam.nl",
		Memberships: []person.MembershipInput{{Organisation: "GM0606", Role: "pioneer"}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.accounts.CreateUser(ctx, account.NewUser{Email: "erased@schiedam.nl", Password: password, Role: domain.RoleMember, Organisation: "GM0606", Person: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.accounts.CreateUser(ctx, account.NewUser{Email: "stays@schiedam.nl", Password: password, Role: domain.RoleMember, Organisation: "GM0606"})
	if err != nil {
		t.Fatal(err)
	}
	var ended []string
	f.accounts.OnAccessChange(func(subject string, _ int, active bool) {
		if !active {
			ended = append(ended, subject)
		}
	})
	if err := people.Erase(ctx, p.ID, apptest.IfVersion(p.Version)); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.GetUser(ctx, u.ID)
	apptest.CheckCode(t, "the erased person's account", err, domain.CodeNotFound)
	if _, err := f.db.GetUser(ctx, other.ID); err != nil {
		t.Errorf("another account: %v; want it kept", err)
	}
	if !slices.Equal(ended, []string{u.ID}) {
		t.Errorf("access ended for %v; want [%s]", ended, u.ID)
	}
}
