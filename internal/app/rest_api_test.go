package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// The server gives memory back after each quiet spell (the start's, and one
// after requests), without a failure, and serves reads afterwards: the
// database's connections were emptied, not closed.
func TestServerReleasesMemoryAtRest(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.IdleRelease = 50 * time.Millisecond
	cfg.DrainWait = 0
	env := apptest.New(t, cfg)
	env.Seed(t)
	addr, _ := apptest.Serve(t, env.App)
	base := "http://" + addr
	releases := func() int { return strings.Count(env.LogText(), "memory: released at rest") }
	awaitReleases := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); releases() < want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("got %d releases after 10s; want %d", releases(), want)
			}
		}
	}
	get := func(path string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d; want 200", path, res.StatusCode)
		}
	}
	awaitReleases(1)
	for _, path := range []string{"/v1/meetings", "/v1/organisations?pageSize=100", "/v1/milestones"} {
		get(path)
	}
	awaitReleases(2)
	get("/v1/meetings?pageSize=5")
	if log := env.LogText(); strings.Contains(log, `"memory: release at rest"`) {
		t.Errorf("releasing memory failed:\n%s", log)
	}
}
