package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Writes that wait while another runs share its transaction; one
// that fails, panics or was given up by its client leaves nothing behind and
// fails alone: the others commit, together, numbered in the order they ran.
func TestGroupCommitFailingWriteFailsAlone(t *testing.T) {
	t.Parallel()
	for _, firstFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("first fails %v", firstFails), func(t *testing.T) {
			t.Parallel()
			testGroupCommitFailingWrite(t, firstFails)
		})
	}
}

func testGroupCommitFailingWrite(t *testing.T, firstFails bool) {
	t.Helper()
	db := storetest.Open(t)
	ctx := context.Background()
	head, err := db.Head(ctx)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	commits0, _ := db.GroupCommits()
	errRefused := errors.New("refused after writing")
	create := func(ctx context.Context, code string) error {
		o := organisation.Organisation{ID: newID(), Code: code, Name: "Gemeente " + code, Kind: organisation.KindMunicipality,
			NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
		return db.CreateOrganisation(ctx, o, change("organisation", o.ID, domain.ActionCreate, 1))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	writes := []struct {
		code    string
		ctx     context.Context
		after   func() error // runs after the write, in its transaction
		want    error        // nil: kept
		wantErr bool
	}{
		{code: "GCB", ctx: ctx, after: func() error { return errRefused }, want: errRefused},
		{code: "GCC", ctx: ctx, after: func() error { panic("a bug") }, wantErr: true},
		{code: "GCD", ctx: ctx, after: func() error { return nil }},
		{code: "GCE", ctx: cancelled, after: func() error { return nil }, want: context.Canceled},
		{code: "GCF", ctx: ctx, after: func() error { return nil }},
	}

	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.InTx(ctx, func(ctx context.Context) error {
			if err := create(ctx, "GCA"); err != nil {
				return err
			}
			close(started)
			<-release
			if firstFails {
				return errRefused
			}
			return nil
		})
	}()
	<-started
	got := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		// One at a time, so that they queue in this order.
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					got[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			got[i] = db.InTx(w.ctx, func(ctx context.Context) error {
				if err := create(ctx, w.code); err != nil {
					return err
				}
				return w.after()
			})
		})
		for db.WaitingWriters() < i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	wg.Wait()
	kept := []string{"GCA"}
	wantCommits := int64(1)
	if err := <-first; firstFails {
		kept = nil
		// The first is rolled back with its transaction; the others share the next.
		if !errors.Is(err, errRefused) {
			t.Errorf("first write: got %v; want %v", err, errRefused)
		}
		if _, err := db.GetOrganisation(ctx, "GCA"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("GCA failed, yet reading it: got %v; want not found", err)
		}
	} else if err != nil {
		t.Fatalf("first write: got %v; want nil", err)
	}
	for i, w := range writes {
		switch {
		case w.want != nil && !errors.Is(got[i], w.want), w.wantErr && got[i] == nil, w.want == nil && !w.wantErr && got[i] != nil:
			t.Errorf("%s: got %v; want %v (or an error: %v)", w.code, got[i], w.want, w.wantErr)
		}
		_, err := db.GetOrganisation(ctx, w.code)
		if w.want == nil && !w.wantErr {
			kept = append(kept, w.code)
			if err != nil {
				t.Errorf("%s: acknowledged but not stored: %v", w.code, err)
			}
		} else if domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("%s failed, yet reading it: got %v; want not found", w.code, err)
		}
	}
	if commits, _ := db.GroupCommits(); commits != commits0+wantCommits {
		t.Errorf("commits: got %d; want %d (one transaction for the writes that waited)", commits-commits0, wantCommits)
	}
	recs, err := db.ChangesAfter(ctx, head, 100)
	if err != nil {
		t.Fatalf("changes: %v", err)
	}
	if len(recs) != len(kept) {
		t.Fatalf("changes: got %d; want %d (%v)", len(recs), len(kept), kept)
	}
	for i, r := range recs {
		o, err := db.GetOrganisation(ctx, kept[i])
		if err != nil {
			t.Fatalf("read %s: %v", kept[i], err)
		}
		if r.Seq != head+int64(i)+1 || r.Resource != "organisation" || r.ResourceID != o.ID {
			t.Errorf("change %d: got seq %d of %s %s; want seq %d of organisation %s (%s)", i, r.Seq, r.Resource, r.ResourceID, head+int64(i)+1, o.ID, kept[i])
		}
	}
}

// Many concurrent writers: every acknowledged write is stored with its
// change record, numbered without gaps.
func TestGroupCommitConcurrentWrites(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	head, err := db.Head(ctx)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			o := organisation.Organisation{ID: newID(), Code: fmt.Sprintf("GW%02d", i), Name: "Gemeente", Kind: organisation.KindMunicipality,
				NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
			errs[i] = db.CreateOrganisation(ctx, o, change("organisation", o.ID, domain.ActionCreate, 1))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
		if _, err := db.GetOrganisation(ctx, fmt.Sprintf("GW%02d", i)); err != nil {
			t.Errorf("read %d: %v", i, err)
		}
	}
	recs, err := db.ChangesAfter(ctx, head, 2*n)
	if err != nil {
		t.Fatalf("changes: %v", err)
	}
	if len(recs) != n {
		t.Fatalf("changes: got %d; want %d", len(recs), n)
	}
	for i, r := range recs {
		if r.Seq != head+int64(i)+1 {
			t.Errorf("change %d: got seq %d; want %d", i, r.Seq, head+int64(i)+1)
		}
	}
}

// The writer keeps the journals of its savepoints (every write after the
// first in a shared transaction) in memory, not in a temporary file per
// write; readers keep SQLite's default, so a large sort may spill to disk.
func TestWriterTempStoreInMemory(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	if db.Dialect() != store.SQLite {
		t.Skip("a SQLite setting")
	}
	ctx := context.Background()
	var writer, reader int
	if err := db.InTx(ctx, func(ctx context.Context) error {
		return db.Scan(ctx, &writer, "PRAGMA temp_store") // in the transaction: the writer
	}); err != nil {
		t.Fatalf("writer: %v", err)
	}
	if err := db.Scan(ctx, &reader, "PRAGMA temp_store"); err != nil {
		t.Fatalf("reader: %v", err)
	}
	if writer != 2 || reader != 0 {
		t.Errorf("temp_store: got writer %d, reader %d; want 2 (memory), 0 (default)", writer, reader)
	}
}
