package apptest

// Helpers for the tests of the domain services, which run the services on a
// store without the HTTP server.

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Clock is the services' time, set by the test. Pass its Now to a service;
// it is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that stands at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the time the clock stands at.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Store opens a fresh database (see DatabaseURL), migrated to the latest
// schema and closed when the test ends.
func Store(t testing.TB) *store.DB {
	t.Helper()
	return StoreAt(t, DatabaseURL(t))
}

// StoreAt is Store on the database at url, for a test that also connects to
// it otherwise; url is one from DatabaseURL.
func StoreAt(t testing.TB, url string) *store.DB {
	t.Helper()
	return storetest.OpenAt(t, url)
}

// Backdate sets columns of a row to at, behind the service's back, for a
// test of what time does to a record (an account unused for years); url is
// the app's database, from DatabaseURL.
func Backdate(t testing.TB, url, table, id string, at time.Time, columns ...string) {
	t.Helper()
	dialect := sqlite.Open(url)
	if strings.HasPrefix(url, "postgres") {
		dialect = postgres.Open(url)
	}
	db, err := gorm.Open(dialect, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	}()
	set := map[string]any{}
	for _, c := range columns {
		set[c] = at.UTC()
	}
	res := db.Table(table).Where("id = ?", id).Updates(set)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("backdate %s %s: %v, %d rows; want 1", table, id, res.Error, res.RowsAffected)
	}
}

// SeedDatabase loads the action plan's seed (GM0606 and GM0344, members
// since 2018-07-01, and the knowledge centre leoo) into the database at url,
// through the loader as the service wires it, whatever else it seeds.
func SeedDatabase(t testing.TB, url string) {
	t.Helper()
	cfg := Config(t)
	cfg.DatabaseURL = url
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("app for the seed: %v", err)
	}
	defer a.Close()
	if _, err := a.Seed.Load(context.Background(), false); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// As is a context in which a acts.
func As(a domain.Actor) context.Context { return domain.WithActor(context.Background(), a) }

// IfVersion is the precondition that the resource is at version v.
func IfVersion(v domain.Version) domain.Precondition {
	return domain.Precondition{Present: true, Version: v}
}

// Date is midnight UTC at the start of the day.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// AmsterdamTime is a wall-clock time in Amsterdam.
func AmsterdamTime(y int, m time.Month, d, hour, min int) time.Time {
	return time.Date(y, m, d, hour, min, 0, 0, domain.Amsterdam)
}

// CheckCode stops the test unless err carries the code want; what names the
// call in the message.
func CheckCode(t testing.TB, what string, err error, want domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != want {
		t.Fatalf("%s: got code %q (%v); want %q", what, got, err, want)
	}
}

// FieldNames lists the fields a *domain.Error names, sorted; it stops the
// test if err is not one.
func FieldNames(t testing.TB, err error) []string {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v; want a *domain.Error", err, err)
	}
	names := []string{}
	for _, f := range e.Fields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}
