package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// auditAt records one organisation's creation at t, by actor, and returns its id.
func auditAt(t *testing.T, db *store.DB, code, actor string, at time.Time) string {
	t.Helper()
	o := organisation.Organisation{ID: newID(), Code: code, Name: "Gemeente " + code, Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: at, UpdatedAt: at}
	c := domain.Change{Resource: "organisation", ResourceID: o.ID, Action: domain.ActionCreate, Actor: actor,
		Fields: []string{"code", "name"}, Version: 1, At: at}
	if err := db.CreateOrganisation(domain.WithRequestID(context.Background(), "req-"+code), o, c); err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	return o.ID
}

func auditIDs(t *testing.T, db *store.DB, q audit.Query) []string {
	t.Helper()
	var out []string
	for e, err := range domain.Items(func(cursor string) (domain.Page[audit.Entry], error) {
		q.Cursor = cursor
		return db.ListAuditEvents(context.Background(), q)
	}) {
		if err != nil {
			t.Fatalf("list audit events: %v", err)
		}
		out = append(out, e.ResourceID)
	}
	return out
}

// The log lists newest first (commit order, not the time a write names),
// filters by resource, actor and period, and keeps the request id.
func TestListAuditEvents(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	a := auditAt(t, db, "GM0001", "user-1", day(1))
	b := auditAt(t, db, "GM0002", "pc_client", day(2))
	c := auditAt(t, db, "GM0003", "user-1", day(3))
	d := auditAt(t, db, "GM0004", "system", day(4))
	tests := []struct {
		name string
		f    audit.Filter
		want []string
	}{
		{"all", audit.Filter{}, []string{d, c, b, a}},
		{"resource", audit.Filter{Resource: "organisation"}, []string{d, c, b, a}},
		{"other resource", audit.Filter{Resource: "person"}, nil},
		{"resource id", audit.Filter{ResourceID: b}, []string{b}},
		{"actor", audit.Filter{Actor: "user-1"}, []string{c, a}},
		{"from, inclusive", audit.Filter{From: day(2)}, []string{d, c, b}},
		{"to, exclusive", audit.Filter{To: day(3)}, []string{b, a}},
		{"period and actor", audit.Filter{From: day(2), To: day(4), Actor: "user-1"}, []string{c}},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 3, 100} {
			if got := auditIDs(t, db, audit.Query{Filter: tt.f, PageSize: size}); !slices.Equal(got, tt.want) {
				t.Errorf("%s, pages of %d: got %v; want %v", tt.name, size, got, tt.want)
			}
		}
	}
	page, err := db.ListAuditEvents(context.Background(), audit.Query{Filter: audit.Filter{ResourceID: b}, PageSize: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("entry of %s: got %+v, %v; want one", b, page, err)
	}
	e := page.Items[0]
	want := audit.Entry{ID: e.ID, Seq: e.Seq, At: day(2), Actor: audit.Actor{Kind: audit.ActorClient, ID: "pc_client"},
		Resource: "organisation", ResourceID: b, Action: domain.ActionCreate, Fields: []string{"code", "name"}, RequestID: "req-GM0002"}
	if e.ID == "" || e.Seq == 0 || !e.At.Equal(want.At) || e.Actor != want.Actor || e.Resource != want.Resource || e.Action != want.Action ||
		!slices.Equal(e.Fields, want.Fields) || e.RequestID != want.RequestID {
		t.Errorf("entry: got %+v; want %+v", e, want)
	}

	// A cursor belongs to its filters.
	first, err := db.ListAuditEvents(context.Background(), audit.Query{PageSize: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: got %+v, %v; want a next cursor", first, err)
	}
	_, err = db.ListAuditEvents(context.Background(), audit.Query{Filter: audit.Filter{Actor: "user-1"}, PageSize: 1, Cursor: first.Next})
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("cursor with other filters: got %v; want invalid", err)
	}
}

// Purging deletes exactly the entries older than the cut-off, in batches,
// oldest first, and leaves the change feed alone.
func TestPurgeAuditEvents(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	cutoff := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	var old, kept []string
	for i := range 5 {
		old = append(old, auditAt(t, db, "GM010"+string(rune('0'+i)), "user-1", cutoff.Add(-time.Duration(5-i)*time.Hour)))
	}
	kept = append(kept, auditAt(t, db, "GM0200", "user-1", cutoff)) // at the cut-off: not older
	kept = append(kept, auditAt(t, db, "GM0201", "user-1", cutoff.Add(time.Hour)))

	n, err := db.PurgeAuditEvents(context.Background(), cutoff, 2)
	if err != nil || n != 2 {
		t.Fatalf("purge one batch of 2: got %d, %v; want 2", n, err)
	}
	if got, want := auditIDs(t, db, audit.Query{PageSize: 100}), append(slices.Clone(old[2:]), kept...); !sameSet(got, want) {
		t.Errorf("after one batch: got %v; want %v (the two oldest gone)", got, want)
	}

	svc := audit.NewService(db, func() time.Time { return cutoff.Add(24 * time.Hour) })
	n, err = svc.Purge(context.Background(), cutoff)
	if err != nil || n != 3 {
		t.Errorf("purge the rest: got %d, %v; want 3", n, err)
	}
	if got := auditIDs(t, db, audit.Query{PageSize: 100}); !sameSet(got, kept) {
		t.Errorf("after purge: got %v; want %v", got, kept)
	}
	if got := changeCount(t, db, "organisation", old[0]); got != 1 {
		t.Errorf("change feed of a purged entry: got %d changes; want 1 (the feed keeps its own)", got)
	}
	// Expire with a retention of 23h30m counts from now: one more goes.
	if n, err := svc.Expire(context.Background(), 23*time.Hour+30*time.Minute); err != nil || n != 1 {
		t.Errorf("expire: got %d, %v; want 1", n, err)
	}
	if n, err := svc.Expire(context.Background(), 0); err != nil || n != 0 {
		t.Errorf("expire with no retention: got %d, %v; want 0 (keep everything)", n, err)
	}
	if got := auditIDs(t, db, audit.Query{PageSize: 100}); !sameSet(got, kept[1:]) {
		t.Errorf("after expiry: got %v; want %v", got, kept[1:])
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
