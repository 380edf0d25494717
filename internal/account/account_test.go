package account_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

const password = "correct horse battery staple"

type fixture struct {
	db       *store.DB
	accounts *account.Service
	schiedam organisation.Organisation
}

// newFixture opens a fresh database with one organisation, GM0606.
func newFixture(t *testing.T) fixture {
	t.Helper()
	db := apptest.Store(t)
	orgs := organisation.NewService(db, time.Now)
	schiedam, err := orgs.Create(apptest.As(domain.System), organisation.Input{Code: "GM0606", Name: "Schiedam",
		Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleLead})
	if err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return fixture{db: db, accounts: account.NewService(db, orgs, time.Now, bcrypt.MinCost), schiedam: schiedam}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name string
		in   account.NewUser
		want []string // sorted field names
	}{
		{"not an email", account.NewUser{Email: "anna", Password: password, Role: domain.RoleEditor}, []string{"email"}},
		{"empty email", account.NewUser{Email: "", Password: password, Role: domain.RoleEditor}, []string{"email"}},
		{"email with a display name", account.NewUser{Email: "Anna <anna@example.org>", Password: password, Role: domain.RoleEditor}, []string{"email"}},
		{"email without a dot in the domain", account.NewUser{Email: "anna@localhost", Password: password, Role: domain.RoleEditor}, []string{"email"}},
		{"short password", account.NewUser{Email: "a1@example.org", Password: "short", Role: domain.RoleEditor}, []string{"password"}},
		{"password one short of the minimum", account.NewUser{Email: "a2@example.org", Password: strings.Repeat("x", account.MinPasswordLength-1), Role: domain.RoleEditor}, []string{"password"}},
		{"password over 72 bytes", account.NewUser{Email: "a3@example.org", Password: strings.Repeat("x", 73), Role: domain.RoleEditor}, []string{"password"}},
		{"partner role", account.NewUser{Email: "a4@example.org", Password: password, Role: domain.RolePartner}, []string{"role"}},
		{"no role", account.NewUser{Email: "a5@example.org", Password: password}, []string{"role"}},
		{"unknown role", account.NewUser{Email: "a6@example.org", Password: password, Role: "root"}, []string{"role"}},
		{"member without organisation", account.NewUser{Email: "a7@example.org", Password: password, Role: domain.RoleMember}, []string{"organisation"}},
		{"member with a blank organisation", account.NewUser{Email: "a8@example.org", Password: password, Role: domain.RoleMember, Organisation: "  "}, []string{"organisation"}},
		{"unknown organisation", account.NewUser{Email: "a9@example.org", Password: password, Role: domain.RoleMember, Organisation: "GM9999"}, []string{"organisation"}},
		{"every problem at once", account.NewUser{Email: "nope", Password: "short", Role: domain.RolePartner, Organisation: "GM9999"},
			[]string{"email", "organisation", "password", "role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := f.accounts.CreateUser(apptest.As(domain.System), tt.in)
			if code := domain.ErrorCode(err); code != domain.CodeInvalid {
				t.Fatalf("CreateUser: got user %+v, code %q (%v); want %q", u, code, err, domain.CodeInvalid)
			}
			if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields: got %v; want %v", got, tt.want)
			}
		})
	}
	// Nothing was stored: a valid user with the first refused address can still be created.
	if _, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: "a1@example.org", Password: password, Role: domain.RoleEditor}); err != nil {
		t.Errorf("create a1@example.org after its refusal: got %v; want nil", err)
	}
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name      string
		in        account.NewUser
		wantEmail string
		wantOrg   string
	}{
		{"editor", account.NewUser{Email: "editor@example.org", Password: password, Role: domain.RoleEditor}, "editor@example.org", ""},
		{"member by code", account.NewUser{Email: "m1@example.org", Password: password, Role: domain.RoleMember, Organisation: "GM0606"}, "m1@example.org", f.schiedam.ID},
		{"member by lowercase code", account.NewUser{Email: "m2@example.org", Password: password, Role: domain.RoleMember, Organisation: "gm0606"}, "m2@example.org", f.schiedam.ID},
		{"member by id", account.NewUser{Email: "m3@example.org", Password: password, Role: domain.RoleMember, Organisation: f.schiedam.ID}, "m3@example.org", f.schiedam.ID},
		{"email trimmed and lowercased", account.NewUser{Email: "  Anna.Jansen@Schiedam.NL ", Password: password, Role: domain.RoleAnalyst}, "anna.jansen@schiedam.nl", ""},
		{"password of exactly the minimum", account.NewUser{Email: "min@example.org", Password: strings.Repeat("p", account.MinPasswordLength), Role: domain.RoleEditor}, "min@example.org", ""},
		{"password of 72 bytes", account.NewUser{Email: "max@example.org", Password: strings.Repeat("p", 72), Role: domain.RoleEditor}, "max@example.org", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := f.accounts.CreateUser(apptest.As(domain.System), tt.in)
			if err != nil {
				t.Fatalf("CreateUser: got %v; want nil", err)
			}
			if u.Email != tt.wantEmail || u.OrganisationID != tt.wantOrg || u.Role != tt.in.Role || u.Version != 1 {
				t.Errorf("user: got email %q, organisation %q, role %s, version %d; want %q, %q, %s, 1",
					u.Email, u.OrganisationID, u.Role, u.Version, tt.wantEmail, tt.wantOrg, tt.in.Role)
			}
			if u.PasswordHash == "" || strings.Contains(u.PasswordHash, tt.in.Password) {
				t.Errorf("password hash: got %q; want a hash, not the password", u.PasswordHash)
			}
			changes, err := f.db.Changes(context.Background(), "user", u.ID)
			if err != nil {
				t.Fatalf("Changes: %v", err)
			}
			if len(changes) != 1 || changes[0].Action != domain.ActionCreate || changes[0].Actor != domain.System.Subject {
				t.Errorf("changes: got %+v; want one create by %s", changes, domain.System.Subject)
			}
			for _, c := range changes {
				for _, field := range c.Fields {
					if strings.Contains(strings.ToLower(field), "password") {
						t.Errorf("change fields: got %v; want no password in the change log", c.Fields)
					}
				}
			}
		})
	}
}

func TestCreateUserDuplicateEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: "anna@example.org", Password: password, Role: domain.RoleEditor}); err != nil {
		t.Fatalf("first CreateUser: %v", err)
	}
	for _, email := range []string{"anna@example.org", "ANNA@Example.org"} {
		_, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: email, Password: password + "!", Role: domain.RoleAnalyst})
		if code := domain.ErrorCode(err); code != domain.CodeConflict {
			t.Fatalf("CreateUser(%s) again: got code %q (%v); want %q", email, code, err, domain.CodeConflict)
		}
		if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, []string{"email"}) {
			t.Errorf("CreateUser(%s) again, fields: got %v; want [email]", email, got)
		}
	}
	// The first password still holds: the refused user did not replace the first.
	if _, err := f.accounts.AuthenticatePassword(context.Background(), "anna@example.org", password); err != nil {
		t.Errorf("sign in with the first password: got %v; want nil", err)
	}
}

func TestAuthenticatePassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: "Pioneer@Schiedam.nl", Password: password, Role: domain.RoleMember, Organisation: "GM0606"})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	want := domain.Actor{Subject: u.ID, Role: domain.RoleMember, OrganisationID: f.schiedam.ID}
	for _, email := range []string{"pioneer@schiedam.nl", "PIONEER@SCHIEDAM.NL", "Pioneer@Schiedam.nl", " pioneer@schiedam.nl "} {
		got, err := f.accounts.AuthenticatePassword(ctx, email, password)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("AuthenticatePassword(%q): got %+v, %v; want %+v, nil", email, got, err, want)
		}
	}

	var first *domain.Error
	tests := []struct {
		name, email, password string
	}{
		{"wrong password", "pioneer@schiedam.nl", password + "x"},
		{"password in another case", "pioneer@schiedam.nl", strings.ToUpper(password)},
		{"empty password", "pioneer@schiedam.nl", ""},
		{"unknown email", "nobody@schiedam.nl", password},
		{"not an email", "pioneer", password},
		{"empty email", "", password},
		{"the hash as password", "pioneer@schiedam.nl", u.PasswordHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.accounts.AuthenticatePassword(ctx, tt.email, tt.password)
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeUnauthenticated {
				t.Fatalf("AuthenticatePassword: got %+v, %v; want code %q", got, err, domain.CodeUnauthenticated)
			}
			if !reflect.DeepEqual(got, domain.Actor{}) {
				t.Errorf("actor: got %+v; want the zero actor", got)
			}
			if first == nil {
				first = e
			} else if e.Message != first.Message {
				t.Errorf("message: got %q; want the same as for every other failure, %q", e.Message, first.Message)
			}
		})
	}
}

func TestClients(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	bound, secret, err := f.accounts.CreateClient(apptest.As(domain.System), account.NewClient{Name: " Partner portal ", Organisation: "gm0606"})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if bound.Name != "Partner portal" || bound.Role != domain.RolePartner || bound.OrganisationID != f.schiedam.ID || !strings.HasPrefix(bound.ClientID, "pc_") {
		t.Errorf("client: got %+v; want name %q, role partner, organisation %s, client id pc_…", bound, "Partner portal", f.schiedam.ID)
	}
	if len(secret) < 32 || bound.SecretHash == secret || strings.Contains(bound.SecretHash, secret) {
		t.Errorf("secret: got %q (hash %q); want a long secret stored only as a hash", secret, bound.SecretHash)
	}
	free, secret2, err := f.accounts.CreateClient(apptest.As(domain.System), account.NewClient{Name: "Analytics"})
	if err != nil {
		t.Fatalf("CreateClient without organisation: %v", err)
	}
	if free.ClientID == bound.ClientID || secret2 == secret || free.OrganisationID != "" {
		t.Errorf("second client: got id %s, organisation %q; want a new id and secret and no organisation", free.ClientID, free.OrganisationID)
	}

	got, err := f.accounts.AuthenticateClient(ctx, bound.ClientID, secret)
	if want := (domain.Actor{Subject: bound.ClientID, Role: domain.RolePartner, OrganisationID: f.schiedam.ID, Client: true}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("AuthenticateClient: got %+v, %v; want %+v, nil", got, err, want)
	}

	var first *domain.Error
	tests := []struct {
		name, clientID, secret string
	}{
		{"wrong secret", bound.ClientID, secret + "x"},
		{"another client's secret", bound.ClientID, secret2},
		{"the stored hash as secret", bound.ClientID, bound.SecretHash},
		{"empty secret", bound.ClientID, ""},
		{"unknown client", "pc_nobody", secret},
		{"the record id instead of the client id", bound.ID, secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.accounts.AuthenticateClient(ctx, tt.clientID, tt.secret)
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeUnauthenticated {
				t.Fatalf("AuthenticateClient: got %+v, %v; want code %q", got, err, domain.CodeUnauthenticated)
			}
			if !reflect.DeepEqual(got, domain.Actor{}) {
				t.Errorf("actor: got %+v; want the zero actor", got)
			}
			if first == nil {
				first = e
			} else if e.Message != first.Message {
				t.Errorf("message: got %q; want the same as for every other failure, %q", e.Message, first.Message)
			}
		})
	}
}

func TestCreateClientValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name string
		in   account.NewClient
		want []string
	}{
		{"no name", account.NewClient{Name: "  "}, []string{"name"}},
		{"unknown organisation", account.NewClient{Name: "Portal", Organisation: "GM9999"}, []string{"organisation"}},
		{"both", account.NewClient{Organisation: "nobody"}, []string{"name", "organisation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.accounts.CreateClient(apptest.As(domain.System), tt.in)
			if code := domain.ErrorCode(err); code != domain.CodeInvalid {
				t.Fatalf("CreateClient: got code %q (%v); want %q", code, err, domain.CodeInvalid)
			}
			if got := apptest.FieldNames(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields: got %v; want %v", got, tt.want)
			}
		})
	}
}

// Only admins create users and clients; nobody else, whatever the input.
func TestOnlyAdminsCreateAccounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	actors := []struct {
		name  string
		actor domain.Actor
		want  domain.Code
	}{
		{"anonymous", domain.Actor{}, domain.CodeUnauthenticated},
		{"editor", domain.Actor{Subject: "e", Role: domain.RoleEditor}, domain.CodeForbidden},
		{"member", domain.Actor{Subject: "m", Role: domain.RoleMember, OrganisationID: f.schiedam.ID}, domain.CodeForbidden},
		{"analyst", domain.Actor{Subject: "a", Role: domain.RoleAnalyst}, domain.CodeForbidden},
		{"partner", domain.Actor{Subject: "pc_x", Role: domain.RolePartner, OrganisationID: f.schiedam.ID}, domain.CodeForbidden},
		{"admin", domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}, ""},
	}
	for i, tt := range actors {
		t.Run(tt.name, func(t *testing.T) {
			email := "user" + string(rune('a'+i)) + "@example.org"
			u, err := f.accounts.CreateUser(apptest.As(tt.actor), account.NewUser{Email: email, Password: password, Role: domain.RoleAdmin})
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("CreateUser: got %q (%v); want %q", got, err, tt.want)
			}
			_, signInErr := f.accounts.AuthenticatePassword(context.Background(), email, password)
			if stored := signInErr == nil; stored != (tt.want == "") {
				t.Errorf("user %s stored: got %v; want %v", email, stored, tt.want == "")
			}
			if tt.want == "" {
				changes, err := f.db.Changes(context.Background(), "user", u.ID)
				if err != nil || len(changes) != 1 || changes[0].Actor != tt.actor.Subject {
					t.Errorf("changes: got %+v, %v; want one by %s", changes, err, tt.actor.Subject)
				}
			}
			// Invalid input does not reveal more than the refusal.
			_, err = f.accounts.CreateUser(apptest.As(tt.actor), account.NewUser{Email: "bad"})
			if want := tt.want; want == "" {
				if got := domain.ErrorCode(err); got != domain.CodeInvalid {
					t.Errorf("CreateUser with bad input: got %q; want %q", got, domain.CodeInvalid)
				}
			} else if got := domain.ErrorCode(err); got != want {
				t.Errorf("CreateUser with bad input: got %q; want %q", got, want)
			}
			_, secret, err := f.accounts.CreateClient(apptest.As(tt.actor), account.NewClient{Name: "Portal " + tt.name})
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("CreateClient: got %q (%v); want %q", got, err, tt.want)
			}
			if (secret != "") != (tt.want == "") {
				t.Errorf("CreateClient secret: got %q; want one only on success", secret)
			}
		})
	}
}

func TestHasAdmin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	steps := []struct {
		role domain.Role
		org  string
		want bool
	}{
		{"", "", false},
		{domain.RoleEditor, "", false},
		{domain.RoleMember, "GM0606", false},
		{domain.RoleAdmin, "", true},
	}
	for i, s := range steps {
		if s.role != "" {
			email := "u" + string(rune('a'+i)) + "@example.org"
			if _, err := f.accounts.CreateUser(apptest.As(domain.System), account.NewUser{Email: email, Password: password, Role: s.role, Organisation: s.org}); err != nil {
				t.Fatalf("create %s: %v", s.role, err)
			}
		}
		got, err := f.accounts.HasAdmin(ctx)
		if err != nil || got != s.want {
			t.Errorf("HasAdmin after adding %q: got %v, %v; want %v, nil", s.role, got, err, s.want)
		}
	}
}
