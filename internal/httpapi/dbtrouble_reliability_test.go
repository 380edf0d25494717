//go:build reliability

package httpapi_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The database cannot take writes for a while; the service answers writes
// with 503 problem+json and Retry-After, fails /readyz, keeps answering the
// reads the database still serves, and recovers without a restart.
//
// SQLite: another process holds the write lock past the busy timeout
// (SQLITE_BUSY), a trigger root cannot bypass as it bypasses chmod; the
// read-only case (SQLITE_READONLY) is TestDatabaseTroubleSQLite in the store.
// PostgreSQL (TEST_DATABASE_URL set): the test starts its own throw-away
// cluster, stops it with pg_ctl mid-test, and starts it again.
func TestReliabilityDatabaseTrouble(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		url := apptest.DatabaseURL(t)
		troubleCycle(t, url, true, func() func() { return storetest.HoldWriteLock(t, url) })
		return
	}
	c := startCluster(t)
	troubleCycle(t, c.url, false, func() func() {
		c.ctl(t, "stop", "-m", "fast")
		return func() { c.ctl(t, "start", "-w") }
	})
}

// troubleCycle starts the service on databaseURL, starts the trouble, checks
// writes, reads (which should work when readsWork) and readiness, ends the
// trouble and checks the service recovers.
func troubleCycle(t *testing.T, databaseURL string, readsWork bool, start func() (stop func())) {
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	cfg.DatabaseURL = databaseURL
	env := apptest.New(t, cfg)
	admin := apptest.Headers(env.User(t, "admin@example.org", domain.RoleAdmin, ""))
	create := func(code string) apptest.Response {
		return env.Do(t, "POST", "/v1/organisations", map[string]any{"code": code, "name": "Gemeente " + code,
			"kind": "municipality", "networkRole": "member"}, admin)
	}
	if res := create("GM0001"); res.StatusCode != http.StatusCreated {
		t.Fatalf("create before trouble: got %d; want 201: %s", res.StatusCode, res.Body)
	}

	stop := start()
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	write := create("GM0002")
	if _, issues := apptest.ProblemIssues(write, http.StatusServiceUnavailable, "urn:pioniers:problem:unavailable", ""); len(issues) > 0 {
		t.Errorf("write in trouble: %s\n\tbody: %s", strings.Join(issues, "; "), apptest.Short(write.Body))
	}
	if write.Header.Get("Retry-After") == "" {
		t.Errorf("write in trouble: no Retry-After")
	}
	res := env.Do(t, "GET", "/v1/organisations", nil, admin)
	if readsWork && res.StatusCode != http.StatusOK {
		t.Errorf("read in trouble: got %d; want 200: %s", res.StatusCode, apptest.Short(res.Body))
	}
	if !readsWork {
		apptest.CheckProblem(t, "read in trouble", res, http.StatusServiceUnavailable)
	}
	if res := env.Do(t, "GET", "/readyz", nil, nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz in trouble: got %d; want 503", res.StatusCode)
	}

	stop()
	stopped = true
	ready := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ready = env.Do(t, "GET", "/readyz", nil, nil).StatusCode; ready == http.StatusOK {
			break
		}
	}
	if ready != http.StatusOK {
		t.Fatalf("readyz after trouble: got %d; want 200 within 30 s", ready)
	}
	if res := create("GM0002"); res.StatusCode != http.StatusCreated {
		t.Errorf("write after trouble: got %d; want 201: %s", res.StatusCode, apptest.Short(res.Body))
	}
	var codes []string
	var page struct{ Items []struct{ Code string } }
	env.Do(t, "GET", "/v1/organisations", nil, admin).JSON(t, &page)
	for _, o := range page.Items {
		codes = append(codes, o.Code)
	}
	sort.Strings(codes)
	if got, want := fmt.Sprint(codes), "[GM0001 GM0002]"; got != want {
		t.Errorf("organisations after trouble: got %s; want %s (nothing half-written)", got, want)
	}
}

// cluster is a private PostgreSQL server, as scripts/with-postgres starts
// one, that this test alone may stop.
type cluster struct {
	bin, dir, port, url string
	asPG                []string
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("no PostgreSQL server binaries (initdb) to start a cluster of our own")
	}
	sort.Strings(bins)
	c := &cluster{bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "pioniers-pgtrouble.")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// initdb refuses to run as root; with-postgres has made the user.
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Skipf("chown to postgres: %v: %s", err, out)
		}
		c.asPG = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	c.run(t, filepath.Join(c.bin, "initdb"), "-D", filepath.Join(dir, "data"), "--auth=trust", "--username=pioniers", "--encoding=UTF8", "--locale=C")
	c.ctl(t, "start", "-w")
	t.Cleanup(func() {
		_ = c.command(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "immediate", "stop").Run()
	})
	c.run(t, filepath.Join(c.bin, "createdb"), "-h", "127.0.0.1", "-p", c.port, "-U", "pioniers", "pioniers_trouble")
	c.url = "postgres://pioniers@127.0.0.1:" + c.port + "/pioniers_trouble?sslmode=disable"
	return c
}

// ctl runs pg_ctl on the cluster: start (on its port) or stop.
func (c *cluster) ctl(t *testing.T, action string, args ...string) {
	t.Helper()
	a := []string{"-D", filepath.Join(c.dir, "data")}
	if action == "start" {
		a = append(a, "-l", filepath.Join(c.dir, "log"), "-o", "-p "+c.port+" -k "+c.dir+" -c listen_addresses=127.0.0.1 -c fsync=off")
	}
	c.run(t, filepath.Join(c.bin, "pg_ctl"), append(append(a, args...), action)...)
}

// command runs a server program as the cluster's owner (postgres, when
// the test runs as root, since initdb and the server refuse root).
func (c *cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.asPG...), name), args...)
	return exec.Command(argv[0], argv[1:]...)
}

func (c *cluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := c.command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(cmd.Args, " "), err, out)
	}
}
