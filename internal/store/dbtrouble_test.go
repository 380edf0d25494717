package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// A SQLite database that cannot take writes answers CodeUnavailable (never a
// raw driver error), keeps serving reads, fails Ping, and recovers without a
// reopen. The tests run as root, which chmod does not stop, so the triggers
// are ones root cannot bypass: query_only on the writer's connection gives
// SQLITE_READONLY, the very error a read-only file or folder gives; another
// process holding the write lock past the busy timeout (10 s, so that test is
// a reliability one) is "locked too long".
func TestDatabaseTroubleSQLite(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("SQLite triggers; PostgreSQL stopped is TestReliabilityDatabaseTrouble")
	}
	tests := []troubleCase{
		{"read-only (SQLITE_READONLY)", "readonly", func(t *testing.T, db *store.DB, _ string) func() {
			exec(t, db, "PRAGMA query_only = ON")
			return func() { exec(t, db, "PRAGMA query_only = OFF") }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { troubleCycle(t, tt) })
	}
}

// troubleCase starts one kind of trouble on a SQLite store; stop ends it.
type troubleCase struct {
	name   string
	driver string // what the driver says, kept in the error for the log
	start  func(t *testing.T, db *store.DB, path string) (stop func())
}

// troubleCycle writes in trouble (CodeUnavailable), reads (still served),
// pings (fails), ends the trouble, and checks the store recovers unopened.
func troubleCycle(t *testing.T, tt troubleCase) {
	t.Helper()
	path := storetest.DatabaseURL(t)
	db := storetest.OpenAt(t, path)
	kept := createOrganisation(t, db, "GM0001")
	stop := tt.start(t, db, path)

	o := organisation.Organisation{ID: newID(), Code: "GM0002", Name: "Gemeente GM0002", Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := db.CreateOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionCreate, 1))
	if got := domain.ErrorCode(err); got != domain.CodeUnavailable {
		t.Fatalf("write in trouble: got %q (%v); want %q", got, err, domain.CodeUnavailable)
	}
	if msg := err.Error(); !strings.Contains(msg, tt.driver) {
		t.Errorf("write in trouble: got %q; want the driver's %q kept for the log", msg, tt.driver)
	}
	if _, err := db.GetOrganisation(context.Background(), kept.ID); err != nil {
		t.Errorf("read in trouble: got %v; want the organisation", err)
	}
	if err := db.Ping(context.Background()); err == nil {
		t.Errorf("ping in trouble: got nil; want an error")
	}

	stop()
	if err := db.Ping(context.Background()); err != nil {
		t.Errorf("ping after trouble: got %v; want nil", err)
	}
	if err := db.CreateOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionCreate, 1)); err != nil {
		t.Errorf("write after trouble: got %v; want nil", err)
	}
	if got := changeCount(t, db, "organisation", o.ID); got != 1 {
		t.Errorf("changes after recovery: got %d; want 1", got)
	}
}

func exec(t *testing.T, db *store.DB, sql string) {
	t.Helper()
	if err := db.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
