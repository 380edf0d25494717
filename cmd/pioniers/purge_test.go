package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// pioniers purge lists with --dry-run and then erases, printing ids and
// never a name or an address; run again, it finds nothing.
func TestPurgeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := []string{"--data-dir", dir, "--log-level", "error"}
	cfg := app.Defaults()
	cfg.DataDir = dir
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := domain.WithActor(context.Background(), domain.System)
	if _, err := a.Organisations.Create(ctx, organisation.Input{Code: "GM0606", Name: "Schiedam", Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember}); err != nil {
		t.Fatal(err)
	}
	p, err := a.People.Create(ctx, person.Input{Name: "Lea Vertrokken", Email: "lea@schiedam.example", Memberships: []person.MembershipInput{
		{Organisation: "GM0606", Role: "pioneer", From: time.Date(2018, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Accounts.CreateUser(ctx, account.NewUser{Email: "lea@schiedam.example", Password: "correct horse battery staple", Role: domain.RoleMember,
		Organisation: "GM0606", Person: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	// Unused since she left: an account in use would keep her.
	apptest.Backdate(t, filepath.Join(dir, "pioniers.db"), "users", u.ID, time.Date(2021, 1, 4, 9, 0, 0, 0, time.UTC), "created_at")

	tests := []struct {
		name  string
		args  []string
		want  []string
		notIn []string
	}{
		{"dry run", []string{"purge", "--dry-run"}, []string{"person   " + p.ID, "account  " + u.ID, "left", "2020-12-31", "dry run",
			"1 people would be erased and 1 accounts deleted; nothing changed"}, nil},
		{"purge", []string{"purge"}, []string{p.ID, u.ID, "done", "1 people erased, 1 accounts deleted", "expired:"}, []string{"dry run"}},
		{"again", []string{"purge"}, []string{"0 people erased, 0 accounts deleted"}, []string{p.ID}},
		{"off", []string{"purge", "--retention-left", "0", "--retention-unused-accounts", "0"}, []string{"(left: off, unused accounts: off)"}, nil},
		{"a bad term", []string{"purge", "--retention-left", "two years"}, []string{"--retention-left"}, nil},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(context.Background(), append(tt.args, base...), strings.NewReader(""), &out)
		text := out.String()
		if err != nil {
			text += err.Error()
		}
		for _, want := range tt.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: got %q; want %q in it", tt.name, text, want)
			}
		}
		for _, never := range append(tt.notIn, "Lea", "lea@", "Vertrokken") {
			if strings.Contains(text, never) {
				t.Errorf("%s: got %q; want no %q in it", tt.name, text, never)
			}
		}
	}
}
