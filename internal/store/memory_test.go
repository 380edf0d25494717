package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Giving memory back at rest never waits on the connections requests hold,
// fails for them, or spoils the connections it empties: reads and writes go
// on after it, on the connections it used and on those it left alone.
func TestReleaseMemoryBesideBusyConnections(t *testing.T) {
	tests := []struct {
		name string
		hold func(max int) int // reader connections held while memory is released
	}{
		{"every connection idle", func(int) int { return 0 }},
		{"all but one held", func(max int) int { return max - 1 }},
		{"every connection held", func(max int) int { return max }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			ctx := context.Background()
			createOrganisation(t, db, "RM0001")
			read := func(what string) {
				t.Helper()
				page, err := db.ListOrganisations(ctx, organisation.Query{PageSize: 10})
				if err != nil || len(page.Items) != 1 {
					t.Fatalf("%s: got %d organisations, %v; want 1", what, len(page.Items), err)
				}
			}
			read("before")
			pool := db.ReaderPool()
			var held []*sql.Conn
			for range tt.hold(pool.Stats().MaxOpenConnections) {
				c, err := pool.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			released := make(chan error, 1)
			go func() { released <- db.ReleaseMemory(ctx) }()
			select {
			case err := <-released:
				if err != nil {
					t.Errorf("release: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("release still waits after 10s")
			}
			for _, c := range held {
				if _, err := c.ExecContext(ctx, "SELECT 1"); err != nil {
					t.Errorf("a held connection after the release: %v", err)
				}
				_ = c.Close()
			}
			read("after")
			createOrganisation(t, db, "RM0002")
		})
	}
}
