package store

/*
#include <stddef.h>

// Weak, so that a C library without malloc_trim (musl) links all the same.
extern int malloc_trim(size_t pad) __attribute__((weak));

static void trim_c_heap(void) {
	if (malloc_trim) malloc_trim(0);
}
*/
import "C"

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ReleaseMemory gives back to the system what the database side keeps for
// speed: each idle SQLite connection's page cache (refilled from the OS's
// file cache on the next reads), then the C allocator's free memory, which
// glibc keeps in its arenas otherwise. For a service that has been idle a
// while; on PostgreSQL only the C allocator's share.
func (db *DB) ReleaseMemory(ctx context.Context) error {
	defer C.trim_c_heap()
	if db.dialect != SQLite {
		return nil
	}
	// A request that began meanwhile may take the last idle connection
	// between a look and a take, and want another one held here (an export
	// reads related rows beside its own): give up rather than wait long.
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	var errs []error
	pools := [...]struct {
		name string
		db   *gorm.DB
	}{{"writer", db.write}, {"reader", db.read}}
	for _, g := range pools {
		sqlDB, err := g.db.DB()
		if err == nil {
			err = shrinkIdle(ctx, sqlDB)
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) { // gave up: no failure
			errs = append(errs, fmt.Errorf("release memory of the %s: %w", g.name, err))
		}
	}
	return errors.Join(errs...)
}

// shrinkIdle empties the page cache of each connection the pool holds idle.
// It holds each until the end, as the pool would hand the one returned last
// out again, and takes none once none is idle: the requests that began
// meanwhile have theirs, and a new connection has nothing to give back.
func shrinkIdle(ctx context.Context, pool *sql.DB) error {
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close() // back to the pool
		}
	}()
	for pool.Stats().Idle > 0 {
		c, err := pool.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
			return err
		}
	}
	return nil
}
