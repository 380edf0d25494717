package account_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

var admin = apptest.As(domain.System)

// clockFixture is newFixture with a clock the test moves.
func clockFixture(t *testing.T) (fixture, *apptest.Clock) {
	t.Helper()
	f := newFixture(t)
	clock := apptest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	orgs := organisation.NewService(f.db, clock.Now)
	f.accounts = account.NewService(f.db, orgs, clock.Now, bcrypt.MinCost)
	return f, clock
}

// asClient is the context of the client's own token.
func asClient(cl account.Client) context.Context {
	return apptest.As(domain.Actor{Subject: cl.ClientID, Role: domain.RolePartner, OrganisationID: cl.OrganisationID, Client: true, Scopes: cl.Scopes})
}

func TestCreateClientScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name       string
		in         account.NewClient
		wantFields []string
		wantScopes []string
	}{
		{"none", account.NewClient{Name: "A"}, nil, []string{}},
		{"every scope, repeated and out of order", account.NewClient{Name: "B", Organisation: "GM0606",
			Scopes: []string{"webhooks:manage", "registrations:write", "people:read", "webhooks:manage"}}, nil,
			[]string{"people:read", "registrations:write", "webhooks:manage"}},
		{"webhooks without an organisation", account.NewClient{Name: "C", Scopes: []string{"webhooks:manage"}}, nil, []string{"webhooks:manage"}},
		{"unknown scope", account.NewClient{Name: "D", Organisation: "GM0606", Scopes: []string{"people:write"}}, []string{"scopes[0]"}, nil},
		{"people:read without an organisation", account.NewClient{Name: "E", Scopes: []string{"people:read"}}, []string{"scopes[0]"}, nil},
		{"registrations:write without an organisation", account.NewClient{Name: "F", Scopes: []string{"webhooks:manage", "registrations:write"}}, []string{"scopes[1]"}, nil},
		{"blank name", account.NewClient{Name: " "}, []string{"name"}, nil},
		{"unknown organisation", account.NewClient{Name: "G", Organisation: "GM9999"}, []string{"organisation"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl, secret, err := f.accounts.CreateClient(admin, tt.in)
			if tt.wantFields != nil {
				if got := fieldNames(err); !slices.Equal(got, tt.wantFields) || secret != "" {
					t.Fatalf("CreateClient: got fields %v, secret %q (%v); want %v and no secret", got, secret, err, tt.wantFields)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateClient: %v", err)
			}
			if !slices.Equal(cl.Scopes, tt.wantScopes) {
				t.Errorf("scopes: got %v; want %v", cl.Scopes, tt.wantScopes)
			}
			got, err := f.accounts.AuthenticateClient(context.Background(), cl.ClientID, secret)
			if err != nil || !got.Client || !slices.Equal(got.Scopes, cl.Scopes) && len(cl.Scopes) > 0 {
				t.Errorf("AuthenticateClient: got %+v, %v; want a client actor with scopes %v", got, err, cl.Scopes)
			}
		})
	}
}

func fieldNames(err error) []string {
	e, ok := err.(*domain.Error)
	if !ok {
		return []string{"(" + string(domain.ErrorCode(err)) + ")"}
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

func TestListAndGetClients(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, _, err := f.accounts.CreateClient(admin, account.NewClient{Name: "A", Organisation: "GM0606"})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := f.accounts.CreateClient(admin, account.NewClient{Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.accounts.RevokeClient(admin, b.ClientID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatal(err)
	}
	member := apptest.As(domain.Actor{Subject: "u1", Role: domain.RoleMember, OrganisationID: f.schiedam.ID})
	tests := []struct {
		name     string
		ctx      context.Context
		req      account.ClientListRequest
		want     []string
		wantCode domain.Code
	}{
		{"admin, all", admin, account.ClientListRequest{}, []string{a.ClientID, b.ClientID}, ""},
		{"admin, active", admin, account.ClientListRequest{Status: account.ClientActive}, []string{a.ClientID}, ""},
		{"admin, revoked", admin, account.ClientListRequest{Status: account.ClientRevoked}, []string{b.ClientID}, ""},
		{"admin, by organisation code", admin, account.ClientListRequest{Organisation: "gm0606"}, []string{a.ClientID}, ""},
		{"admin, unknown status", admin, account.ClientListRequest{Status: "paused"}, nil, domain.CodeInvalid},
		{"a client sees itself only", asClient(a), account.ClientListRequest{}, []string{a.ClientID}, ""},
		{"a client filtering for another's organisation", asClient(b), account.ClientListRequest{Organisation: "GM0606"}, []string{}, ""},
		{"member", member, account.ClientListRequest{}, nil, domain.CodeForbidden},
		{"anonymous", context.Background(), account.ClientListRequest{}, nil, domain.CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := f.accounts.ListClients(tt.ctx, tt.req)
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("ListClients: got code %q (%v); want %q", got, err, tt.wantCode)
			}
			if tt.wantCode != "" {
				return
			}
			got := []string{}
			for _, cl := range page.Items {
				got = append(got, cl.ClientID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListClients: got %v; want %v", got, tt.want)
			}
		})
	}

	gets := []struct {
		name     string
		ctx      context.Context
		ref      string
		wantCode domain.Code
	}{
		{"admin by client id", admin, a.ClientID, ""},
		{"admin by id", admin, a.ID, ""},
		{"itself", asClient(a), a.ClientID, ""},
		{"another client", asClient(a), b.ClientID, domain.CodeNotFound},
		{"member", member, a.ClientID, domain.CodeForbidden},
		{"unknown", admin, "pc_nobody", domain.CodeNotFound},
	}
	for _, tt := range gets {
		t.Run("get "+tt.name, func(t *testing.T) {
			t.Parallel()
			cl, err := f.accounts.GetClient(tt.ctx, tt.ref)
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("GetClient: got code %q (%v); want %q", got, err, tt.wantCode)
			}
			if tt.wantCode == "" && cl.ID != a.ID {
				t.Errorf("GetClient: got %s; want %s", cl.ID, a.ID)
			}
		})
	}
}

func TestUpdateClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anyVersion := domain.Precondition{Present: true, Any: true}
	set := func(in account.ClientInput) func(account.ClientInput) (account.ClientInput, error) {
		return func(account.ClientInput) (account.ClientInput, error) { return in, nil }
	}
	cl, _, err := f.accounts.CreateClient(admin, account.NewClient{Name: "Portal", Organisation: "GM0606", Scopes: []string{"people:read"}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name            string
		ctx             context.Context
		in              account.ClientInput
		pre             domain.Precondition
		wantCode        domain.Code
		wantAuthVersion int
		wantVersion     domain.Version
	}{
		{"rename keeps tokens", admin, account.ClientInput{Name: "Portal 2", Organisation: f.schiedam.ID, Scopes: []string{"people:read"}}, anyVersion, "", 1, 2},
		{"no change keeps the version", admin, account.ClientInput{Name: "Portal 2", Organisation: "GM0606", Scopes: []string{"people:read"}}, anyVersion, "", 1, 2},
		{"new scope ends tokens", admin, account.ClientInput{Name: "Portal 2", Organisation: "GM0606", Scopes: []string{"people:read", "registrations:write"}}, anyVersion, "", 2, 3},
		{"unbinding ends tokens", admin, account.ClientInput{Name: "Portal 2"}, domain.Precondition{Present: true, Version: 3}, "", 3, 4},
		{"stale If-Match", admin, account.ClientInput{Name: "Portal 3"}, domain.Precondition{Present: true, Version: 3}, domain.CodePreconditionFailed, 3, 4},
		{"no If-Match", admin, account.ClientInput{Name: "Portal 3"}, domain.Precondition{}, domain.CodePreconditionNeeded, 3, 4},
		{"the client itself", asClient(cl), account.ClientInput{Name: "Mine"}, anyVersion, domain.CodeForbidden, 3, 4},
		{"invalid", admin, account.ClientInput{Name: "Portal 2", Scopes: []string{"people:read"}}, anyVersion, domain.CodeInvalid, 3, 4},
	}
	for _, st := range steps {
		_, err := f.accounts.UpdateClient(st.ctx, cl.ID, set(st.in), st.pre)
		if got := domain.ErrorCode(err); got != st.wantCode {
			t.Fatalf("%s: got code %q (%v); want %q", st.name, got, err, st.wantCode)
		}
		stored, err := f.accounts.GetClient(admin, cl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.AuthVersion != st.wantAuthVersion || stored.Version != st.wantVersion {
			t.Errorf("%s: got auth version %d, version %d; want %d, %d", st.name, stored.AuthVersion, stored.Version, st.wantAuthVersion, st.wantVersion)
		}
	}
	if err := f.accounts.RevokeClient(admin, cl.ID, anyVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := f.accounts.UpdateClient(admin, cl.ID, set(account.ClientInput{Name: "Revived"}), anyVersion); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("update a revoked client: got %v; want code %q", err, domain.CodeConflict)
	}
}

func TestRevokeClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	anyVersion := domain.Precondition{Present: true, Any: true}
	cl, secret, err := f.accounts.CreateClient(admin, account.NewClient{Name: "Portal"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.accounts.AuthenticateClient(ctx, cl.ClientID, secret); err != nil {
		t.Fatalf("sign in before revocation: %v", err)
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want domain.Code
	}{
		{"the client itself", asClient(cl), domain.CodeForbidden},
		{"anonymous", ctx, domain.CodeUnauthenticated},
	} {
		if err := f.accounts.RevokeClient(tt.ctx, cl.ID, anyVersion); domain.ErrorCode(err) != tt.want {
			t.Errorf("revoke as %s: got %v; want code %q", tt.name, err, tt.want)
		}
	}
	if err := f.accounts.RevokeClient(admin, cl.ClientID, domain.Precondition{}); domain.ErrorCode(err) != domain.CodePreconditionNeeded {
		t.Errorf("revoke without If-Match: got %v; want code %q", err, domain.CodePreconditionNeeded)
	}
	if err := f.accounts.RevokeClient(admin, cl.ClientID, domain.Precondition{Present: true, Version: 1}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := f.accounts.AuthenticateClient(ctx, cl.ClientID, secret); domain.ErrorCode(err) != domain.CodeUnauthenticated {
		t.Errorf("sign in after revocation: got %v; want code %q", err, domain.CodeUnauthenticated)
	}
	stored, err := f.accounts.GetClient(admin, cl.ID)
	if err != nil {
		t.Fatalf("the revoked client stays on record: %v", err)
	}
	if !stored.Revoked() || stored.AuthVersion != 2 || stored.Status() != account.ClientRevoked {
		t.Errorf("revoked client: got revoked at %v, auth version %d; want revoked, 2", stored.RevokedAt, stored.AuthVersion)
	}
	if err := f.accounts.RevokeClient(admin, cl.ID, anyVersion); err != nil {
		t.Errorf("revoke again: got %v; want nil", err)
	}
	if _, _, err := f.accounts.RotateClientSecret(admin, cl.ID, nil, domain.Precondition{}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("rotate a revoked client: got %v; want code %q", err, domain.CodeConflict)
	}
	changes, err := f.db.Changes(ctx, "client", cl.ID)
	if err != nil || len(changes) != 2 || !slices.Equal(changes[1].Fields, []string{"revokedAt"}) {
		t.Errorf("changes: got %+v, %v; want create and one revocation", changes, err)
	}
}

func TestRotateClientSecret(t *testing.T) {
	t.Parallel()
	f, clock := clockFixture(t)
	ctx := context.Background()
	cl, old, err := f.accounts.CreateClient(admin, account.NewClient{Name: "Portal", Organisation: "GM0606"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.accounts.CreateClient(admin, account.NewClient{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(secret string) bool {
		_, err := f.accounts.AuthenticateClient(ctx, cl.ClientID, secret)
		return err == nil
	}
	hour := time.Hour
	if _, _, err := f.accounts.RotateClientSecret(asClient(other), cl.ClientID, nil, domain.Precondition{}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("another client rotates: got %v; want code %q", err, domain.CodeNotFound)
	}
	for _, d := range []time.Duration{-time.Second, account.MaxSecretOverlap + time.Second} {
		if _, _, err := f.accounts.RotateClientSecret(admin, cl.ClientID, &d, domain.Precondition{}); !slices.Equal(fieldNames(err), []string{"overlap"}) {
			t.Errorf("overlap %v: got %v; want field overlap", d, err)
		}
	}

	// The client rotates its own secret, keeping the old one for an hour.
	rotated, second, err := f.accounts.RotateClientSecret(asClient(cl), cl.ClientID, &hour, domain.Precondition{})
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if second == old || rotated.Version != 2 || strings.Contains(rotated.SecretHash, second) {
		t.Errorf("rotated: got version %d, new secret %v; want version 2 and a new secret", rotated.Version, second != old)
	}
	clock.Advance(59 * time.Minute)
	if !signIn(old) || !signIn(second) {
		t.Errorf("within the overlap: got old %v, new %v; want both to sign in", signIn(old), signIn(second))
	}
	clock.Advance(time.Minute)
	if signIn(old) || !signIn(second) {
		t.Errorf("after the overlap: got old %v, new %v; want only the new one", signIn(old), signIn(second))
	}

	// An admin rotates with the default overlap; a rotation ends the
	// secret an earlier one left working.
	_, third, err := f.accounts.RotateClientSecret(admin, cl.ID, nil, domain.Precondition{Present: true, Version: 2})
	if err != nil {
		t.Fatalf("rotate again: %v", err)
	}
	clock.Advance(account.DefaultSecretOverlap - time.Second)
	if !signIn(second) || !signIn(third) || signIn(old) {
		t.Errorf("default overlap: got second %v, third %v, first %v; want the last two", signIn(second), signIn(third), signIn(old))
	}
	clock.Advance(time.Second)
	if signIn(second) {
		t.Errorf("after the default overlap: the second secret still signs in")
	}
	zero := time.Duration(0)
	_, fourth, err := f.accounts.RotateClientSecret(admin, cl.ID, &zero, domain.Precondition{})
	if err != nil {
		t.Fatalf("rotate without overlap: %v", err)
	}
	if signIn(third) || !signIn(fourth) {
		t.Errorf("no overlap: got third %v, fourth %v; want only the fourth", signIn(third), signIn(fourth))
	}
	if _, _, err := f.accounts.RotateClientSecret(admin, cl.ID, nil, domain.Precondition{Present: true, Version: 1}); domain.ErrorCode(err) != domain.CodePreconditionFailed {
		t.Errorf("rotate with a stale If-Match: got %v; want code %q", err, domain.CodePreconditionFailed)
	}
	stored, err := f.accounts.GetClient(admin, cl.ID)
	if err != nil || stored.AuthVersion != 1 {
		t.Errorf("rotation keeps tokens: got auth version %d, %v; want 1", stored.AuthVersion, err)
	}
	changes, err := f.db.Changes(ctx, "client", cl.ID)
	if err != nil || len(changes) != 4 || !slices.Equal(changes[3].Fields, []string{"secret"}) {
		t.Errorf("changes: got %+v, %v; want create and three rotations naming the secret", changes, err)
	}
}
