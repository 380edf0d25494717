package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// countingStore is the real store, counting single-subject lookups.
type countingStore struct {
	*store.DB
	lookups atomic.Int32
}

func (c *countingStore) AccessState(ctx context.Context, subject string) (auth.State, error) {
	c.lookups.Add(1)
	return c.DB.AccessState(ctx, subject)
}

func TestAccessVerify(t *testing.T) {
	t.Parallel()
	db := apptest.Store(t)
	src := &countingStore{DB: db}
	accounts := account.NewService(db, organisation.NewService(db, time.Now), time.Now, bcrypt.MinCost)
	ctx := apptest.As(domain.System)
	u, err := accounts.CreateUser(ctx, account.NewUser{Email: "editor@example.org", Password: "correct horse battery staple", Role: domain.RoleEditor})
	if err != nil {
		t.Fatal(err)
	}
	tokens := newTokens(t, []auth.Key{newKey(t)}, issuer, audience, time.Now())
	access := auth.NewAccess(tokens, src)
	actor := domain.Actor{Subject: u.ID, Role: domain.RoleEditor}
	mint := func(v int) string {
		t.Helper()
		s, err := tokens.IssueWith(actor, auth.Issued{Version: v})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name  string
		setup func()
		token string
		ok    bool
	}{
		{"current version", nil, mint(1), true},
		{"no version, account at 1", nil, mint(0), true},
		{"a version ahead (another instance changed the account first)", nil, mint(2), true},
		{"version 1 once the account is at 2", func() { access.Set(auth.State{Subject: u.ID, Version: 2, Active: true}) }, mint(1), false},
		{"no version once the account is at 2", nil, mint(0), false},
		{"version 2 at 2", nil, mint(2), true},
		{"inactive", func() { access.Set(auth.State{Subject: u.ID, Version: 2}) }, mint(2), false},
		{"unknown subject", nil, func() string {
			s, _ := tokens.IssueWith(domain.Actor{Subject: "nobody", Role: domain.RoleAdmin}, auth.Issued{Version: 1})
			return s
		}(), false},
	}
	for _, tt := range tests {
		if tt.setup != nil {
			tt.setup()
		}
		_, _, err := access.Verify(context.Background(), tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("%s: got %v; want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && domain.ErrorCode(err) != domain.CodeUnauthenticated {
			t.Errorf("%s: got code %q; want unauthenticated", tt.name, domain.ErrorCode(err))
		}
	}
	// The user and "nobody" were each looked up once, never again.
	before := src.lookups.Load()
	for range 3 {
		_, _, _ = access.Verify(context.Background(), tests[len(tests)-1].token)
	}
	if got := src.lookups.Load(); got != before || got != 2 {
		t.Errorf("lookups: got %d, then %d; want 2 (one per unknown subject), then no more", before, got)
	}
	// A reload reads the database again: the account is at version 1 and active.
	if err := access.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := access.Verify(context.Background(), mint(1)); err != nil {
		t.Errorf("after reload: got %v; want the stored state (version 1, active)", err)
	}
}
