//go:build reliability

package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReliabilitySoak runs mixed reads and writes against the real binary
// for $SOAK (2m by default; 10m on demand) and wants zero errors and a
// process that does not grow: no 5xx or unexpected status, no transport
// error, and goroutines, resident memory and open files in the last quarter
// close to the first quarter's. The goroutine count comes from the server's
// private --debug-addr listener.
func TestReliabilitySoak(t *testing.T) {
	duration := 2 * time.Minute
	if v := os.Getenv("SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 20*time.Second {
			t.Fatalf("SOAK=%q: want a duration of at least 20s, such as 10m", v)
		}
		duration = d
	}
	debug := freeAddr(t)
	s := newServer(t, "--rate-limit", "0", "--drain-wait", "0s", "--token-ttl", "1h", "--debug-addr", debug)
	s.start()
	token := s.token()
	auth := map[string]string{"Authorization": "Bearer " + token}

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var (
		requests atomic.Int64
		mu       sync.Mutex
		errs     []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) < 20 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
			defer c.CloseIdleConnections()
			org, ok := soakSend(ctx, c, fail, "POST", s.base+"/v1/organisations", map[string]any{"code": fmt.Sprintf("soak-%d", w), "name": "Soak", "kind": "other", "networkRole": "member"}, auth, http.StatusCreated)
			if !ok {
				return
			}
			path, etag := "/v1/organisations/"+org.id(), org.header.Get("ETag")
			for i := 0; ctx.Err() == nil; i++ {
				var (
					res reply
					ok  bool
				)
				switch i % 8 {
				case 0:
					res, ok = soakSend(ctx, c, fail, "PATCH", s.base+path, map[string]any{"name": fmt.Sprintf("Soak %d", i)}, map[string]string{"Authorization": auth["Authorization"], "If-Match": etag}, http.StatusOK)
					etag = res.header.Get("ETag")
				case 1:
					_, ok = soakSend(ctx, c, fail, "POST", s.base+"/v1/publications", map[string]any{"kind": "other", "title": fmt.Sprintf("soak %d %d", w, i), "url": "https://example.org/soak", "publishedOn": "2020-01-01"}, auth, http.StatusCreated)
				case 2:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+"/v1/publications?pageSize=50", nil, nil, http.StatusOK)
				case 3:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+path, nil, nil, http.StatusOK)
				case 4:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+"/v1/milestones?pageSize=100", nil, nil, http.StatusOK)
				case 5:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+"/v1/feeds/meetings.ics", nil, nil, http.StatusOK)
				case 6:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+"/v1/organisations/GM0000-missing", nil, nil, http.StatusNotFound)
				case 7:
					_, ok = soakSend(ctx, c, fail, "GET", s.base+"/v1/people?pageSize=20", nil, auth, http.StatusOK)
				}
				if !ok {
					return
				}
				requests.Add(1)
			}
		}()
	}

	type sample struct{ rss, fds, goroutines int }
	var samples []sample
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
			rss, fds, err := usage(s.pid())
			if err != nil {
				t.Fatalf("read /proc of the server: %v", err)
			}
			g, err := goroutines(debug)
			if err != nil {
				t.Fatalf("read the server's goroutines: %v", err)
			}
			samples = append(samples, sample{rss, fds, g})
		}
	}
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	q := len(samples) / 4
	var firstRSS, lastRSS, firstFDs, lastFDs, firstG, lastG int
	for i := range q {
		firstRSS += samples[i].rss
		lastRSS += samples[len(samples)-q+i].rss
		firstFDs = max(firstFDs, samples[i].fds)
		lastFDs = max(lastFDs, samples[len(samples)-q+i].fds)
		firstG = max(firstG, samples[i].goroutines)
		lastG = max(lastG, samples[len(samples)-q+i].goroutines)
	}
	firstRSS, lastRSS = firstRSS/q, lastRSS/q
	// Bounds: after warm-up the Go heap and SQLite's page cache hold still,
	// so resident memory may move by GC timing (a quarter) plus the cache
	// filling as the data grows (16 MiB). A leak of a goroutine, a buffer
	// or a kept response per request, at the hundreds of requests a second
	// this runs, adds tens of MiB a minute and breaks it. Open files: the
	// database, its WAL, the listener and the clients' few keep-alive
	// connections; a leaked connection or file per request breaks a margin
	// of 8 within seconds.
	if lastRSS > firstRSS*5/4+16<<10 {
		t.Errorf("resident memory: last quarter %d KiB on average; want at most %d KiB (first quarter %d KiB)", lastRSS, firstRSS*5/4+16<<10, firstRSS)
	}
	if lastFDs > firstFDs+8 {
		t.Errorf("open files: last quarter up to %d; want at most %d (first quarter up to %d)", lastFDs, firstFDs+8, firstFDs)
	}
	// Goroutines: two a keep-alive connection and the server's few; the
	// clients' connections are the same throughout, so a margin of 16 holds
	// what comes and goes, and a goroutine leaked per request breaks it.
	if lastG > firstG+16 {
		t.Errorf("goroutines: last quarter up to %d; want at most %d (first quarter up to %d)", lastG, firstG+16, firstG)
	}
	t.Logf("soak %v: %d requests, %d errors; RSS %d → %d KiB, open files %d → %d, goroutines %d → %d", duration, requests.Load(), len(errs), firstRSS, lastRSS, firstFDs, lastFDs, firstG, lastG)
}

// soakSend is one request of the soak; a request the soak's end cut short
// is no error.
func soakSend(ctx context.Context, c *http.Client, fail func(string, ...any), method, url string, body any, header map[string]string, want int) (reply, bool) {
	res, err := call(ctx, c, method, url, body, header)
	if ctx.Err() != nil {
		return res, false
	}
	if err != nil {
		fail("%s %s: %v", method, url, err)
		return res, false
	}
	if res.status != want {
		fail("%s %s: got %d; want %d: %s", method, url, res.status, want, res.body)
		return res, false
	}
	return res, true
}

// usage reads a process's resident memory (KiB) and open file count.
func usage(pid int) (rss, fds int, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss, err = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				return 0, 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
		}
	}
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return rss, len(entries), err
}

// goroutines reads the server's goroutine count from its debug listener.
func goroutines(addr string) (int, error) {
	res, err := http.Get("http://" + addr + "/debug/vars")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var vars struct {
		Goroutines int `json:"goroutines"`
	}
	if err := json.NewDecoder(res.Body).Decode(&vars); err != nil {
		return 0, err
	}
	if vars.Goroutines == 0 {
		return 0, fmt.Errorf("no goroutines in /debug/vars")
	}
	return vars.Goroutines, nil
}

// freeAddr is a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := pickAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func pickAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
