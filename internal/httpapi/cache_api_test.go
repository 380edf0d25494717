package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// cachePair is two instances on one database: one that caches anonymous
// reads and one that does not.
type cachePair struct {
	cached, uncached *apptest.Env
	// tokens of the same admin on each instance (their signing keys are one).
	adminCached, adminUncached string
}

func startCachePair(t *testing.T) cachePair {
	t.Helper()
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	cfg.SignInLimit = 1000
	// One public URL and one data folder (signing and pseudonym keys): the
	// two instances must render the same bytes.
	cfg.PublicURL = "https://api.example.org"
	cached := apptest.New(t, cfg)
	if _, err := cached.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	p := cachePair{cached: cached, adminCached: cached.User(t, "admin@example.org", domain.RoleAdmin, "")}
	off := cfg
	off.ResponseCache = 0
	p.uncached = apptest.New(t, off)
	p.adminUncached = p.uncached.Token(t, "admin@example.org", apptest.Password)
	return p
}

// same fails unless a and b are the same answer, byte for byte, but for
// the headers that differ per request.
func sameAnswer(t *testing.T, label string, a, b apptest.Response) {
	t.Helper()
	ha, hb := a.Header.Clone(), b.Header.Clone()
	for _, h := range []string{"Date", "X-Request-Id"} {
		ha.Del(h)
		hb.Del(h)
	}
	if a.StatusCode != b.StatusCode || a.Body != b.Body || !reflect.DeepEqual(ha, hb) {
		t.Fatalf("%s: cached answer differs from uncached:\ncached:   %d %v %s\nuncached: %d %v %s", label,
			a.StatusCode, ha, apptest.Short(a.Body), b.StatusCode, hb, apptest.Short(b.Body))
	}
}

// compareReads sends every read to both instances, twice to the cached one
// (the second is answered from the cache), plainly and with the headers
// that select or validate a representation.
func (p cachePair) compareReads(t *testing.T, step string, paths []string) {
	t.Helper()
	for _, path := range paths {
		plain := p.uncached.Do(t, http.MethodGet, path, nil, nil)
		variants := []map[string]string{nil, {"Accept": "application/json"}, {"Accept-Language": "en"}}
		if etag := plain.Header.Get("ETag"); etag != "" {
			variants = append(variants, map[string]string{"If-None-Match": etag}, map[string]string{"If-None-Match": `"other", ` + etag})
		}
		for _, h := range variants {
			for _, method := range []string{http.MethodGet, http.MethodGet, http.MethodHead} {
				want := p.uncached.Do(t, method, path, nil, h)
				got := p.cached.Do(t, method, path, nil, h)
				sameAnswer(t, fmt.Sprintf("%s: %s %s %v", step, method, path, h), got, want)
			}
		}
	}
}

// After a random sequence of writes on either instance (creates, updates,
// deletes, erasure, consent changes), every public read the caching
// instance answers is the one the other answers without a cache: a write
// acknowledged by one instance is seen at once by the other's cached reads.
// On PostgreSQL (TEST_DATABASE_URL) these are two instances on one server.
func TestResponseCacheAnswersAsUncached(t *testing.T) {
	t.Parallel()
	p := startCachePair(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	paths := []string{"/v1/meetings?pageSize=50", "/v1/meetings?status=planned", "/v1/people", "/v1/organisations",
		"/v1/publications", "/v1/milestones", "/v1/evaluations", "/v1/commitments", "/v1/changes", "/v1/schedule-health",
		"/v1/feeds/meetings.ics", "/embed/meetings", "/v1/organisations/GM9901/people"}
	var meetings, people []string
	on := func() (*apptest.Env, string) {
		if rng.IntN(2) == 0 {
			return p.cached, p.adminCached
		}
		return p.uncached, p.adminUncached
	}
	pick := func(ids []string) (string, []string) {
		i := rng.IntN(len(ids))
		id := ids[i]
		return id, append(ids[:i:i], ids[i+1:]...)
	}
	p.compareReads(t, "start", paths)
	for step := range 24 {
		env, admin := on()
		var what string
		switch op := rng.IntN(7); {
		case op == 0 || len(meetings) == 0:
			id := env.Post(t, admin, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Meeting %d", step), nil)).ID
			meetings = append(meetings, id)
			what = "create meeting"
		case op == 1 || len(people) == 0:
			id := env.Post(t, admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Person %d", step),
				fmt.Sprintf("person%d@north.example", step), "", "GM9901")).ID
			people = append(people, id)
			what = "create person"
		case op == 2:
			id := meetings[rng.IntN(len(meetings))]
			res := env.Do(t, "PATCH", "/v1/meetings/"+id, fmt.Sprintf(`{"title":"Renamed %d"}`, step),
				apptest.Headers(admin, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
			if res.StatusCode != 200 {
				t.Fatalf("patch meeting: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
			}
			what = "update meeting"
		case op == 3:
			var id string
			id, meetings = pick(meetings)
			if res := env.Do(t, "DELETE", "/v1/meetings/"+id, nil, apptest.Headers(admin, "If-Match", "*")); res.StatusCode != 204 {
				t.Fatalf("delete meeting: got %d (%s); want 204", res.StatusCode, apptest.Short(res.Body))
			}
			paths = append(paths, "/v1/meetings/"+id) // now a 404, never kept
			what = "delete meeting"
		case op == 4:
			var id string
			id, people = pick(people)
			if res := env.Do(t, "DELETE", "/v1/people/"+id, nil, apptest.Headers(admin, "If-Match", "*")); res.StatusCode != 204 {
				t.Fatalf("erase person: got %d (%s); want 204", res.StatusCode, apptest.Short(res.Body))
			}
			what = "erase person"
		default:
			id := people[rng.IntN(len(people))]
			public := rng.IntN(2) == 0
			res := env.Do(t, "PUT", "/v1/people/"+id+"/consent", map[string]any{"publicProfile": public}, apptest.Bearer(admin))
			if res.StatusCode != 200 {
				t.Fatalf("record consent: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
			}
			what = fmt.Sprintf("consent %v", public)
		}
		reads := append([]string{}, paths...)
		for _, id := range meetings {
			reads = append(reads, "/v1/meetings/"+id, "/embed/meetings?meeting="+id)
		}
		for _, id := range people {
			reads = append(reads, "/v1/people/"+id)
		}
		p.compareReads(t, fmt.Sprintf("step %d (%s)", step, what), reads)
	}
	if !strings.Contains(p.cached.LogText(), `"cache":"hit"`) {
		t.Error("the caching instance answered nothing from its cache")
	}
	if strings.Contains(p.uncached.LogText(), `"cache":`) {
		t.Error("the instance with --response-cache 0 used a cache")
	}
}

// A second handle on the database, as the CLI opens (seed, user create),
// writes without this instance's knowledge: its next read shows the write.
func TestResponseCacheSeesOtherProcessWrites(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	env := apptest.New(t, cfg)
	const path = "/v1/organisations?pageSize=100"
	before := env.Do(t, http.MethodGet, path, nil, nil)
	if again := env.Do(t, http.MethodGet, path, nil, nil); again.Body != before.Body {
		t.Fatalf("a repeated read differs: %s then %s", apptest.Short(before.Body), apptest.Short(again.Body))
	}
	if strings.Contains(before.Body, "GM0606") {
		t.Fatalf("before the seed: got %s; want no GM0606", apptest.Short(before.Body))
	}
	apptest.SeedDatabase(t, cfg.DatabaseURL) // another handle, as another process has
	if after := env.Do(t, http.MethodGet, path, nil, nil); !strings.Contains(after.Body, "GM0606") {
		t.Fatalf("after another handle seeded: got %s; want GM0606", apptest.Short(after.Body))
	}
}

// A conditional GET whose tag matches is answered 304 from the cache, with
// the headers a rendered 304 has; one that does not match gets the body.
func TestResponseCacheAnswers304(t *testing.T) {
	t.Parallel()
	p := startCachePair(t)
	for _, path := range []string{"/v1/meetings?pageSize=50", "/v1/organisations/GM9901"} {
		// An entry serves within the second it was rendered in (see
		// responseCache): the pair of requests is tried again when a
		// second ended between them, a few times at most.
		var first apptest.Response
		var etag string
		var logged, hits int
		for try := 0; try < 5; try++ {
			second := time.Now().Unix()
			first = p.cached.Do(t, http.MethodGet, path, nil, nil)
			etag = first.Header.Get("ETag")
			if first.StatusCode != 200 || etag == "" {
				t.Fatalf("GET %s: got %d with ETag %q; want 200 with one", path, first.StatusCode, etag)
			}
			logged = strings.Count(p.cached.LogText(), `"cache":"hit"`)
			got := p.cached.Do(t, http.MethodGet, path, nil, map[string]string{"If-None-Match": etag})
			want := p.uncached.Do(t, http.MethodGet, path, nil, map[string]string{"If-None-Match": etag})
			if got.StatusCode != http.StatusNotModified {
				t.Fatalf("GET %s If-None-Match: got %d; want 304", path, got.StatusCode)
			}
			sameAnswer(t, "304 "+path, got, want)
			hits = strings.Count(p.cached.LogText(), `"cache":"hit"`)
			if time.Now().Unix() == second {
				break
			}
		}
		if hits != logged+1 {
			t.Errorf("GET %s If-None-Match: got %d cache hits logged; want %d", path, hits, logged+1)
		}
		other := p.cached.Do(t, http.MethodGet, path, nil, map[string]string{"If-None-Match": `"other"`})
		if other.StatusCode != 200 || other.Body != first.Body {
			t.Errorf("GET %s with another tag: got %d; want 200 with the body", path, other.StatusCode)
		}
	}
}

// Nothing a signed-in caller reads comes from the cache, and what it reads
// is not kept for anonymous callers.
func TestResponseCacheSkipsSignedIn(t *testing.T) {
	t.Parallel()
	p := startCachePair(t)
	for range 2 {
		res := p.cached.Do(t, http.MethodGet, "/v1/people?pageSize=100", nil, apptest.Bearer(p.adminCached))
		if res.StatusCode != 200 {
			t.Fatalf("admin's list of people: got %d; want 200", res.StatusCode)
		}
	}
	if strings.Contains(p.cached.LogText(), `"cache":`) {
		t.Error("a signed-in read went through the cache")
	}
	sameAnswer(t, "anonymous after admin", p.cached.Do(t, http.MethodGet, "/v1/people?pageSize=100", nil, nil),
		p.uncached.Do(t, http.MethodGet, "/v1/people?pageSize=100", nil, nil))
}
