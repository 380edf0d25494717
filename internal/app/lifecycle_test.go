package app_test

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/labstack/echo/v4"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }

// configFrom parses args as a command line with every setting and builds
// the Config from it; arguments the flags leave over fail the test.
func configFrom(t *testing.T, args ...string) (app.Config, error) {
	t.Helper()
	fs := newFlagSet()
	fs.SetOutput(io.Discard)
	build := app.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	if fs.NArg() != 0 {
		t.Fatalf("arguments left over: %q; want none", fs.Args())
	}
	return build()
}

// snapshot renders what the API shows of every organisation.
func snapshot(t *testing.T, env *apptest.Env) string {
	t.Helper()
	res := env.Do(t, "GET", "/v1/organisations?pageSize=100&sort=code", nil, nil)
	if res.StatusCode != 200 {
		t.Fatalf("list: got %d", res.StatusCode)
	}
	return res.Body
}

func TestSeedIsIdempotent(t *testing.T) {
	env := apptest.Start(t)
	ctx := context.Background()
	first, err := env.App.Seed.Load(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if first.Added == 0 || first.Present != 0 {
		t.Errorf("first load: got %+v; want everything added", first)
	}
	before := snapshot(t, env)
	for _, code := range []string{"GM0606", "GM0344", "leoo"} {
		if !strings.Contains(before, `"code":"`+code+`"`) {
			t.Errorf("seeded organisations: want %s in %s", code, before)
		}
	}
	second, err := env.App.Seed.Load(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if second.Added != 0 || second.Present != first.Added {
		t.Errorf("second load: got %+v; want nothing added, all %d present", second, first.Added)
	}
	if after := snapshot(t, env); after != before {
		t.Errorf("second load changed the data:\nbefore %s\nafter  %s", before, after)
	}
	var schiedam api.Organisation
	env.Do(t, "GET", "/v1/organisations/GM0606", nil, nil).JSON(t, &schiedam)
	changes, err := env.App.DB.Changes(ctx, "organisation", schiedam.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 {
		t.Errorf("change records of Schiedam after two loads: got %d; want 1", len(changes))
	}
	if strings.Contains(before, `"example":true`) {
		t.Error("the action plan's seed holds example data; want it only with --demo")
	}
	demo, err := env.App.Seed.Load(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Added == 0 {
		t.Fatal("demo load: added nothing")
	}
	var page api.OrganisationPage
	env.Do(t, "GET", "/v1/organisations?pageSize=100", nil, nil).JSON(t, &page)
	for _, o := range page.Items {
		real := o.Code == "GM0606" || o.Code == "GM0344" || o.Code == "leoo"
		if o.Example == real {
			t.Errorf("%s: example %v; want example data marked and the action plan's not", o.Code, o.Example)
		}
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	url := apptest.DatabaseURL(t)
	db, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate an empty database: %v", err)
	}
	if len(applied) != len(all) {
		t.Errorf("on an empty database: applied %v; want all %d", applied, len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate a migrated database: %v", err)
	}
	if len(again) != 0 {
		t.Errorf("on a migrated database: applied %v; want none", again)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := all[len(all)-1].Version; v != want {
		t.Errorf("schema version: got %d; want %d", v, want)
	}
	// Data survives a restart that migrates again.
	cfg := apptest.Config(t)
	cfg.DatabaseURL = url
	env := apptest.New(t, cfg)
	env.Seed(t)
	before := snapshot(t, env)
	env2 := apptest.New(t, cfg)
	if after := snapshot(t, env2); after != before {
		t.Errorf("after a second start: got %s; want %s", after, before)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.ShutdownWait = 5 * time.Second
	cfg.DrainWait = 100 * time.Millisecond
	env := apptest.New(t, cfg)
	started := make(chan struct{})
	env.App.Handler().(*echo.Echo).GET("/v1/test-slow", func(c echo.Context) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- env.App.ServeListener(ctx, ln) }()
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/v1/test-slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM does
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: got %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("after shutdown: the server still answers")
	}
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	env := apptest.Start(t)
	if err := env.App.DB.Close(); err != nil {
		t.Fatal(err)
	}
	res := env.Do(t, "GET", "/readyz", nil, nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz: got %d; want 503", res.StatusCode)
	}
	if p := res.Problem(t); strings.Contains(p.Detail, "sql") {
		t.Errorf("detail leaks the driver: %q", p.Detail)
	}
	if res := env.Do(t, "GET", "/healthz", nil, nil); res.StatusCode != 200 {
		t.Errorf("healthz: got %d; want 200 while the process lives", res.StatusCode)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("PIONIERS_ADDR", ":9999")
	t.Setenv("PIONIERS_TOKEN_TTL", "5m")
	t.Setenv("PIONIERS_CORS_ORIGINS", "https://a.example, https://b.example")
	fs := newFlagSet()
	build := app.Flags(fs)
	if err := fs.Parse([]string{"--token-ttl", "10m"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9999" || cfg.TokenTTL != 10*time.Minute || len(cfg.CORSOrigins) != 2 {
		t.Errorf("config: got addr %q ttl %v origins %v; want env addr, flag ttl over env, two origins", cfg.Addr, cfg.TokenTTL, cfg.CORSOrigins)
	}
	t.Setenv("PIONIERS_TOKEN_TTL", "soon")
	fs = newFlagSet()
	build = app.Flags(fs)
	_ = fs.Parse(nil)
	if _, err := build(); err == nil || !strings.Contains(err.Error(), "token-ttl") {
		t.Errorf("bad duration: got %v; want an error naming token-ttl", err)
	}
}

func TestSwitchSettings(t *testing.T) {
	tests := []struct {
		args      []string
		wantTrust bool
		wantAddr  string
		wantErr   string
	}{
		{args: []string{"--trust-proxy", "--addr", ":7000"}, wantTrust: true, wantAddr: ":7000"},
		{args: []string{"--trust-proxy=false", "--addr", ":7001"}, wantTrust: false, wantAddr: ":7001"},
		{args: []string{"--addr", ":7002"}, wantTrust: false, wantAddr: ":7002"},
		{args: []string{"--trust-proxy=maybe"}, wantErr: "trust-proxy"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cfg, err := configFrom(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %v; want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || cfg.TrustProxy != tt.wantTrust || cfg.Addr != tt.wantAddr {
				t.Errorf("got trust %v addr %q (%v); want %v %q", cfg.TrustProxy, cfg.Addr, err, tt.wantTrust, tt.wantAddr)
			}
		})
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("backup copies SQLite; PostgreSQL uses pg_dump")
	}
	env := apptest.Start(t)
	env.Seed(t)
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := env.App.DB.Backup(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.Backup(context.Background(), path); err == nil {
		t.Error("backup over an existing file: got no error; want one")
	}
	cfg := apptest.Config(t)
	cfg.DatabaseURL = path
	copied := apptest.New(t, cfg)
	if got, want := snapshot(t, copied), snapshot(t, env); got != want {
		t.Errorf("organisations in the copy: got %s; want %s", got, want)
	}
}
