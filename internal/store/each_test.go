package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
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
