package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// TestExportsLeaveReadersFree: exports that stream (each holding its query
// open while its client reads) take at most half the reader pool; one more
// waits for a slot, and the other reads still find a connection.
func TestExportsLeaveReadersFree(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	m := meeting.Meeting{ID: newID(), Title: "Streamed", Topic: "Exports", Format: meeting.FormatLab, StartsAt: at, EndsAt: at.Add(time.Hour),
		TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateMeeting(ctx, m, change("meeting", m.ID, domain.ActionCreate, 1)); err != nil {
		t.Fatal(err)
	}
	pools, err := db.Pools()
	if err != nil {
		t.Fatal(err)
	}
	reader := pools["sqlite-reader"]
	if reader == nil {
		reader = pools["postgres"]
	}
	slots := reader.Stats().MaxOpenConnections / 2
	if slots < 1 {
		t.Fatalf("reader pool of %d connections", reader.Stats().MaxOpenConnections)
	}
	if free := db.ExportSlotsFree(); free != slots {
		t.Fatalf("before any export: %d slots free; want %d, half the reader pool", free, slots)
	}
	hold := make(chan struct{})
	started := make(chan struct{})
	done := make(chan error, slots)
	for range slots {
		go func() {
			done <- db.EachMeeting(ctx, meeting.Query{}, func(meeting.Meeting) error {
				started <- struct{}{}
				<-hold
				return nil
			})
		}()
		<-started
	}
	if free := db.ExportSlotsFree(); free != 0 {
		t.Errorf("while %d exports stream: %d slots free; want none", slots, free)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.EachMeeting(cancelled, meeting.Query{}, func(meeting.Meeting) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("an export beyond %d slots: got %v; want it to wait for a slot until its context ends", slots, err)
	}
	if page, err := db.ListMeetings(ctx, meeting.Query{PageSize: 10}); err != nil || len(page.Items) != 1 {
		t.Errorf("a list while %d exports stream: got %d items, %v; want 1 item", slots, len(page.Items), err)
	}
	close(hold)
	for range slots {
		if err := <-done; err != nil {
			t.Errorf("export: %v", err)
		}
	}
	var n int
	if err := db.EachMeeting(ctx, meeting.Query{}, func(meeting.Meeting) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("export after the others: got %d meetings, %v; want 1", n, err)
	}
}

// TestExportChunksOnSQLite: on SQLite an export ends its statement every
// few rows (so checkpoints can reset the WAL while a slow client reads) and
// continues after the last row by the list's keyset: the rows come out as
// the list has them, none twice and none missing, even with writes between
// the statements.
func TestExportChunksOnSQLite(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	if db.Dialect() != store.SQLite {
		t.Skip("PostgreSQL reads an export from one statement")
	}
	ctx := context.Background()
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	create := func(t *testing.T, startsAt time.Time) {
		t.Helper()
		m := meeting.Meeting{ID: newID(), Title: "Chunked", Topic: "Exports", Format: meeting.FormatLab, StartsAt: startsAt, EndsAt: startsAt.Add(time.Hour),
			TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateMeeting(ctx, m, change("meeting", m.ID, domain.ActionCreate, 1)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 { // two meetings at the same start: the id breaks the tie across a chunk's end
		create(t, at.Add(time.Duration(i/2)*24*time.Hour))
	}
	var (
		between     int
		checkpoints []string
	)
	db.SetExportChunk(3, func() {
		between++
		// a meeting later than every other: the next statements must see it
		create(t, at.Add(time.Duration(100+between)*24*time.Hour))
		var busy struct{ Busy, Log, Checkpointed int }
		if err := db.Scan(ctx, &busy, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil || busy.Busy != 0 {
			checkpoints = append(checkpoints, fmt.Sprintf("busy %d, %v", busy.Busy, err))
		}
	})
	var got []string
	if err := db.EachMeeting(ctx, meeting.Query{}, func(m meeting.Meeting) error { got = append(got, m.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if between < 3 {
		t.Errorf("export of %d meetings in statements of 3: %d ends between statements; want at least 3", len(got), between)
	}
	if len(checkpoints) > 0 {
		t.Errorf("checkpoint(TRUNCATE) between an export's statements: %v; want each to complete, no statement open", checkpoints)
	}
	page, err := db.ListMeetings(ctx, meeting.Query{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range page.Items {
		want = append(want, m.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("export in chunks:\n got %v\nwant %v (the list after it)", got, want)
	}
}

// TestExportEndsWithItsContext: an export whose context ends (its client
// went away) stops at the next row, with the context's error, even though
// on SQLite its statements run without the context (see eachRow).
func TestExportEndsWithItsContext(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	if db.Dialect() != store.SQLite {
		t.Skip("PostgreSQL reads an export from one statement")
	}
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 7 {
		m := meeting.Meeting{ID: newID(), Title: "Cancelled", Topic: "Exports", Format: meeting.FormatLab, StartsAt: at.Add(time.Duration(i) * time.Hour),
			EndsAt: at.Add(time.Duration(i+1) * time.Hour), TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateMeeting(context.Background(), m, change("meeting", m.ID, domain.ActionCreate, 1)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	statements := 0
	db.SetExportChunk(3, func() { statements++; cancel() })
	n := 0
	err := db.EachMeeting(ctx, meeting.Query{}, func(meeting.Meeting) error { n++; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("export whose context ended after its first statement: got %v; want %v", err, context.Canceled)
	}
	if statements != 1 || n != 0 {
		t.Errorf("export whose context ended after its first statement: %d statements ended, %d meetings passed on; want 1 and 0", statements, n)
	}
}

// TestExportKeepsItsSlotUntilItsBatchesArePassedOn: an export that passes
// its rows on in batches (each batch's queries, then fn, on a goroutine of
// their own while the next rows are read) keeps its slot until the batches
// handed over have been passed on, also when the reading fails meanwhile:
// passing a batch on reads too, and a slot given back early lets more
// exports than half the reader pool read at once. The rows of a batch
// handed over still reach fn; the error is the reading's.
func TestExportKeepsItsSlotUntilItsBatchesArePassedOn(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		create func(t *testing.T, db *store.DB, i int)
		each   func(ctx context.Context, db *store.DB, fn func() error) error
	}{
		{"meetings", func(t *testing.T, db *store.DB, i int) {
			t.Helper()
			m := meeting.Meeting{ID: newID(), Title: "Batched", Topic: "Exports", Format: meeting.FormatLab, StartsAt: at.Add(time.Duration(i) * time.Hour),
				EndsAt: at.Add(time.Duration(i+1) * time.Hour), TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := db.CreateMeeting(context.Background(), m, change("meeting", m.ID, domain.ActionCreate, 1)); err != nil {
				t.Fatal(err)
			}
		}, func(ctx context.Context, db *store.DB, fn func() error) error {
			return db.EachMeeting(ctx, meeting.Query{}, func(meeting.Meeting) error { return fn() })
		}},
		{"publications", func(t *testing.T, db *store.DB, i int) {
			t.Helper()
			p := publication.Publication{ID: newID(), Kind: publication.KindMagazineEdition, Title: fmt.Sprintf("Edition %d", i),
				URL: fmt.Sprintf("https://example.org/%d", i), PublishedOn: at.AddDate(0, 0, -i), Language: "nl", Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := db.CreatePublication(context.Background(), p, change("publication", p.ID, domain.ActionCreate, 1)); err != nil {
				t.Fatal(err)
			}
		}, func(ctx context.Context, db *store.DB, fn func() error) error {
			return db.EachPublication(ctx, publication.Query{}, func(publication.Publication) error { return fn() })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t)
			if db.Dialect() != store.SQLite {
				t.Skip("PostgreSQL reads an export from one statement")
			}
			for i := range 7 {
				tt.create(t, db, i)
			}
			slots := db.ExportSlotsFree()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			passing := make(chan struct{}) // the first batch is being passed on, the context ended
			read := make(chan struct{})    // the reading has failed
			// Statements of 2 rows, batches of 2: the first batch is handed
			// over before the first statement ends; the reading waits for
			// it to be passed on, then fails on the ended context.
			db.SetExportChunk(2, func() { <-passing })
			var (
				freeAfterRead = -1
				readErr       error
			)
			db.SetExportBatch(2, func(err error) {
				freeAfterRead, readErr = db.ExportSlotsFree(), err
				close(read)
			})
			n := 0
			err := tt.each(ctx, db, func() error {
				if n++; n == 1 {
					cancel()
					close(passing)
					<-read // fn still runs when the reading has ended
				}
				return nil
			})
			if !errors.Is(readErr, context.Canceled) {
				t.Fatalf("reading: got %v; want it to fail with %v", readErr, context.Canceled)
			}
			if freeAfterRead != slots-1 {
				t.Errorf("reading failed while a batch was passed on: %d slots free; want %d, the export's held until fn returns", freeAfterRead, slots-1)
			}
			if !errors.Is(err, context.Canceled) || n != 2 {
				t.Errorf("got %d rows passed on, %v; want the 2 of the batch handed over, %v", n, err, context.Canceled)
			}
			if free := db.ExportSlotsFree(); free != slots {
				t.Errorf("after the export: %d slots free; want %d", free, slots)
			}
		})
	}
}
