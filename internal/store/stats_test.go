package store_test

import (
	"context"
	"database/sql"
	"maps"
	"runtime"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The pool that serves reads takes the configured size on either engine;
// SQLite's writer stays one connection; zero keeps the defaults.
func TestOpenPoolSizesThePools(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pool store.Pool
		want int // the read pool's most open connections; 0: the engine's default
	}{
		{"default", store.Pool{}, 0},
		{"configured", store.Pool{MaxOpen: 3, MaxIdle: 2}, 3},
		{"idle above open", store.Pool{MaxOpen: 2, MaxIdle: 5}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := store.OpenPool(context.Background(), storetest.DatabaseURL(t), nil, tt.pool)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer db.Close()
			pools, err := db.Pools()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for name, p := range pools {
				got[name] = p.Stats().MaxOpenConnections
			}
			want := map[string]int{"sqlite-writer": 1, "sqlite-reader": tt.want}
			if tt.want == 0 {
				want["sqlite-reader"] = max(4, runtime.NumCPU())
			}
			if db.Dialect() == store.Postgres {
				want = map[string]int{"postgres": tt.want}
				if tt.want == 0 {
					want["postgres"] = 20
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("most open connections by pool: got %v; want %v", got, want)
			}
			if tt.pool.MaxIdle == 0 {
				for name, p := range pools {
					checkKeepsIdle(t, name, p, want[name])
				}
			}
		})
	}
}

// checkKeepsIdle takes n connections of p at once and hands them back: by
// default the pool keeps every one of them, rather than close some and open
// new ones for the next burst of requests.
func checkKeepsIdle(t *testing.T, name string, p *sql.DB, n int) {
	t.Helper()
	ctx := context.Background()
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := p.Conn(ctx)
		if err != nil {
			t.Fatalf("%s: connection %d: %v", name, i, err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		_ = c.Close()
	}
	if s := p.Stats(); s.Idle != n || s.MaxIdleClosed != 0 {
		t.Errorf("%s, %d connections handed back: got %d idle, %d closed; want %d idle, none closed", name, n, s.Idle, s.MaxIdleClosed, n)
	}
}
