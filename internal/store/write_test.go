package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func change(resource, id string, action domain.Action, version int) domain.Change {
	return domain.Change{Resource: resource, ResourceID: id, Action: action, Actor: "test", Fields: []string{"name"}, Version: version, At: now}
}

// createOrganisation stores an organisation at version 1.
func createOrganisation(t *testing.T, db *store.DB, code string) organisation.Organisation {
	t.Helper()
	o := organisation.Organisation{ID: newID(), Code: code, Name: "Gemeente " + code, Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionCreate, 1)); err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return o
}

// changeCount is how many changes are recorded for the resource.
func changeCount(t *testing.T, db *store.DB, resource, id string) int {
	t.Helper()
	cs, err := db.Changes(context.Background(), resource, id)
	if err != nil {
		t.Fatalf("changes: %v", err)
	}
	return len(cs)
}

// The stored version is the compare-and-swap's expected value: a write that
// read an older version is refused and writes nothing, change record included.
func TestVersionCompareAndSwap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		write       func(db *store.DB, o organisation.Organisation) error
		wantCode    domain.Code
		wantName    string // "" when the organisation is gone
		wantChanges int
	}{
		{"update at the version read", func(db *store.DB, o organisation.Organisation) error {
			o.Name, o.Version = "Renamed", 2
			return db.UpdateOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionUpdate, 2))
		}, "", "Renamed", 2},
		{"update from a stale version", func(db *store.DB, o organisation.Organisation) error {
			o.Name, o.Version = "Renamed", 3
			return db.UpdateOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionUpdate, 3))
		}, domain.CodePreconditionFailed, "Gemeente GM0001", 1},
		{"delete at the version read", func(db *store.DB, o organisation.Organisation) error {
			return db.DeleteOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionDelete, 2))
		}, "", "", 2},
		{"delete from a stale version", func(db *store.DB, o organisation.Organisation) error {
			return db.DeleteOrganisation(context.Background(), o, change("organisation", o.ID, domain.ActionDelete, 5))
		}, domain.CodePreconditionFailed, "Gemeente GM0001", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			o := createOrganisation(t, db, "GM0001")
			err := tt.write(db, o)
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("write: got code %q (%v); want %q", got, err, tt.wantCode)
			}
			got, err := db.GetOrganisation(context.Background(), o.ID)
			switch {
			case tt.wantName == "" && domain.ErrorCode(err) != domain.CodeNotFound:
				t.Errorf("read: got %v, %v; want not found", got.Name, err)
			case tt.wantName != "" && (err != nil || got.Name != tt.wantName):
				t.Errorf("read: got %q, %v; want %q", got.Name, err, tt.wantName)
			}
			if got := changeCount(t, db, "organisation", o.ID); got != tt.wantChanges {
				t.Errorf("changes: got %d; want %d", got, tt.wantChanges)
			}
		})
	}
}

// The commitment's key is its code, not an id: its compare-and-swap is the same.
func TestCommitmentCompareAndSwap(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	c := milestone.Commitment{Code: "NL0099", Title: "Open", Cycle: 2018, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateCommitment(ctx, c, change("commitment", c.Code, domain.ActionCreate, 1)); err != nil {
		t.Fatalf("create: %v", err)
	}
	c.Title, c.Version = "Stale", 3
	err := db.UpdateCommitment(ctx, c, change("commitment", c.Code, domain.ActionUpdate, 3))
	if got := domain.ErrorCode(err); got != domain.CodePreconditionFailed {
		t.Fatalf("stale update: got %q (%v); want %q", got, err, domain.CodePreconditionFailed)
	}
	got, err := db.GetCommitment(ctx, c.Code)
	if err != nil || got.Title != "Open" || got.Version != 1 {
		t.Errorf("read: got %q v%d, %v; want %q v1", got.Title, got.Version, err, "Open")
	}
	if n := changeCount(t, db, "commitment", c.Code); n != 1 {
		t.Errorf("changes: got %d; want 1", n)
	}
}

// A transaction that fails at any step keeps nothing: not the row, not the
// change record written before the failure.
func TestFailedWriteKeepsNothing(t *testing.T) {
	t.Parallel()
	errLater := errors.New("a later step failed")
	tests := []struct {
		name     string
		write    func(ctx context.Context, db *store.DB, p person.Person) error
		wantCode domain.Code
	}{
		{"a later statement of the same write fails", func(ctx context.Context, db *store.DB, p person.Person) error {
			// The membership names no organisation: its foreign key fails
			// after the person and the change record are written.
			p.Memberships = []person.Membership{{OrganisationID: newID(), Role: "contact"}}
			return db.CreatePerson(ctx, p, change("person", p.ID, domain.ActionCreate, 1))
		}, domain.CodeConflict},
		{"the caller's transaction fails after the write", func(ctx context.Context, db *store.DB, p person.Person) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				if err := db.CreatePerson(ctx, p, change("person", p.ID, domain.ActionCreate, 1)); err != nil {
					return err
				}
				return errLater
			})
		}, domain.CodeInternal},
		{"the row insert fails", func(ctx context.Context, db *store.DB, p person.Person) error {
			other := p
			other.ID = newID()
			if err := db.CreatePerson(ctx, other, change("person", other.ID, domain.ActionCreate, 1)); err != nil {
				return err
			}
			return db.CreatePerson(ctx, p, change("person", p.ID, domain.ActionCreate, 1)) // same email
		}, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			ctx := context.Background()
			p := person.Person{ID: newID(), Name: "Anna de Vries", Email: "anna@example.org", Languages: []string{"nl"},
				Version: 1, CreatedAt: now, UpdatedAt: now}
			err := tt.write(ctx, db, p)
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("write: got code %q (%v); want %q", got, err, tt.wantCode)
			}
			if got, err := db.GetPerson(ctx, p.ID); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("read: got %+v, %v; want not found", got, err)
			}
			if n := changeCount(t, db, "person", p.ID); n != 0 {
				t.Errorf("changes: got %d; want 0", n)
			}
		})
	}
}

// TestChangesNumberedAtCommit: on PostgreSQL a change record is numbered
// when its transaction commits (migration 0015), so a write that commits
// while another, which recorded its change first, is still open is not held
// up by it, and the feed has the two in the order they committed. The two
// are on two instances: on one, the second would join the first's
// transaction (see groupCommit).
func TestChangesNumberedAtCommit(t *testing.T) {
	t.Parallel()
	db, other := twoInstances(t, "SQLite has one writer: the second write waits for the first to commit")
	ctx := context.Background()
	head, err := db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, second := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(ctx context.Context) error {
			if err := db.CreateOrganisation(ctx, organisation.Organisation{ID: newID(), Code: "GM0001", Name: "Recorded first",
				Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now},
				change("organisation", "first", domain.ActionCreate, 1)); err != nil {
				return err
			}
			close(first)
			select { // the open transaction waits for the second write's commit
			case <-second:
				return nil
			case <-time.After(30 * time.Second):
				return errors.New("the second write did not commit while the first was open")
			}
		})
	}()
	<-first
	if err := other.CreateOrganisation(ctx, organisation.Organisation{ID: newID(), Code: "GM0002", Name: "Committed first",
		Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now},
		change("organisation", "second", domain.ActionCreate, 1)); err != nil {
		t.Fatal(err)
	}
	close(second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	records, err := db.ChangesAfter(ctx, head, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range records {
		got = append(got, r.ResourceID)
	}
	if want := []string{"second", "first"}; !slices.Equal(got, want) || records[0].Seq != head+1 || records[1].Seq != head+2 {
		t.Errorf("feed after %d: got %v (%+v); want %v numbered %d and %d", head, got, records, want, head+1, head+2)
	}
	if h, err := db.Head(ctx); err != nil || h != head+2 {
		t.Errorf("head: got %d, %v; want %d", h, err, head+2)
	}
	// The audit log has each change under the same number.
	audited := map[string]int64{}
	for e, err := range domain.Items(func(cursor string) (domain.Page[audit.Entry], error) {
		return db.ListAuditEvents(ctx, audit.Query{PageSize: 50, Cursor: cursor})
	}) {
		if err != nil {
			t.Fatal(err)
		}
		audited[e.ResourceID] = e.Seq
	}
	if audited["second"] != head+1 || audited["first"] != head+2 {
		t.Errorf("audit log: second at %d, first at %d; want %d and %d", audited["second"], audited["first"], head+1, head+2)
	}
}

// TestDeadlockBetweenInstances: two instances on one PostgreSQL that lock
// two organisations in opposite orders deadlock; PostgreSQL fails one of the
// writes, which is answered as a request to try again and leaves nothing,
// and the other commits.
func TestDeadlockBetweenInstances(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, "SQLite has one writer: writes cannot deadlock")
	ctx := context.Background()
	orgs := []organisation.Organisation{createOrganisation(t, a, "GM0100"), createOrganisation(t, a, "GM0101")}
	head, err := a.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Each locks its first organisation, waits until the other has too,
	// then asks for the other's.
	var locked sync.WaitGroup
	locked.Add(2)
	write := func(db *store.DB, first, second organisation.Organisation, name string) error {
		return db.InTx(ctx, func(ctx context.Context) error {
			if err := renameOrganisation(ctx, db, first, name); err != nil {
				return err
			}
			locked.Done()
			locked.Wait()
			return renameOrganisation(ctx, db, second, name)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- write(a, orgs[0], orgs[1], "Renamed by a") }()
	go func() { errs <- write(b, orgs[1], orgs[0], "Renamed by b") }()
	var failed, committed int
	for range 2 {
		switch err := <-errs; domain.ErrorCode(err) {
		case "":
			committed++
		case domain.CodeUnavailable:
			failed++
		default:
			t.Errorf("write: got %v; want nil or %s", err, domain.CodeUnavailable)
		}
	}
	if failed != 1 || committed != 1 {
		t.Fatalf("got %d failed and %d committed; want 1 and 1", failed, committed)
	}
	records, err := a.ChangesAfter(ctx, head, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 {
		t.Fatalf("changes: got %d; want the 2 of the write that committed", len(records))
	}
	first, err := a.GetOrganisation(ctx, orgs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.GetOrganisation(ctx, orgs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Name != second.Name || first.Version != 2 || second.Version != 2 {
		t.Errorf("got %q v%d and %q v%d; want both renamed by the write that committed, at version 2", first.Name, first.Version, second.Name, second.Version)
	}
}

// TestLockWaitBounded: a write on PostgreSQL that waits for a row another
// instance holds gives up after the lock timeout, as a request to try
// again, rather than hold up the writes of its instance for as long as the
// other transaction lasts.
func TestLockWaitBounded(t *testing.T) {
	t.Parallel()
	a, b := twoInstances(t, "SQLite has one writer: its busy timeout bounds the wait")
	ctx := context.Background()
	o := createOrganisation(t, a, "GM0200")
	rename := func(ctx context.Context, db *store.DB) error { return renameOrganisation(ctx, db, o, "Renamed") }
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- a.InTx(ctx, func(ctx context.Context) error {
			if err := rename(ctx, a); err != nil {
				return err
			}
			close(holding)
			select { // a bound of its own, so that the test ends even when the wait has none
			case <-release:
			case <-time.After(20 * time.Second):
			}
			return errors.New("rolled back on purpose")
		})
	}()
	<-holding
	start := time.Now()
	err := rename(ctx, b)
	waited := time.Since(start)
	close(release)
	<-held
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Errorf("write waiting for a held row: got %v; want %s", err, domain.CodeUnavailable)
	}
	if waited < 4*time.Second || waited > 20*time.Second {
		t.Errorf("waited %v; want about the lock timeout (5s)", waited)
	}
	if err := rename(ctx, b); err != nil {
		t.Errorf("the same write once the row is free: %v", err)
	}
}

// renameOrganisation writes o, at version 1, as version 2 called name.
func renameOrganisation(ctx context.Context, db *store.DB, o organisation.Organisation, name string) error {
	o.Name, o.Version = name, 2
	return db.UpdateOrganisation(ctx, o, change("organisation", o.ID, domain.ActionUpdate, 2))
}

// twoInstances opens one fresh PostgreSQL database twice, as two instances
// of the service do; on SQLite it skips the test, saying why.
func twoInstances(t *testing.T, why string) (a, b *store.DB) {
	t.Helper()
	url := storetest.DatabaseURL(t)
	a = storetest.OpenAt(t, url)
	if a.Dialect() != store.Postgres {
		t.Skip(why)
	}
	return a, storetest.OpenAt(t, url)
}
