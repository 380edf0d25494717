//go:build reliability

package reliability

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestReliabilityShutdownUnderLoad plays a load balancer in front of the
// real binary: keep-alive clients read and write while a health check polls
// /readyz and tells them to stop when it fails. SIGTERM comes mid-load; not
// one request may go unanswered or answer 5xx, and the process must exit
// cleanly after the drain.
func TestReliabilityShutdownUnderLoad(t *testing.T) {
	const drain = time.Second
	s := newServer(t, "--rate-limit", "0", "--drain-wait", drain.String(), "--shutdown-wait", "10s")
	s.start()
	token := s.token()
	var (
		stopSending atomic.Bool // the health check failed: the balancer sends no more
		terminated  atomic.Bool
		answered    atomic.Int64
		afterTerm   atomic.Int64
		mu          sync.Mutex
		failures    []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	auth := map[string]string{"Authorization": "Bearer " + token}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
			defer c.CloseIdleConnections()
			for i := 0; !stopSending.Load(); i++ {
				began := terminated.Load()
				method, path, want := "GET", "/v1/organisations?pageSize=20", http.StatusOK
				var body map[string]any
				switch i % 4 {
				case 1:
					path = "/v1/meetings?pageSize=20"
				case 2:
					path = "/v1/publications?pageSize=20"
				case 3:
					// Not GET: a client does not send a POST again on its own
					// when the server closes the connection under it.
					method, path, want = "POST", "/v1/publications", http.StatusCreated
					body = map[string]any{"kind": "other", "title": fmt.Sprintf("shutdown-%d-%d", w, i), "url": "https://example.org/s", "publishedOn": "2020-01-01"}
				}
				res, err := call(context.Background(), c, method, s.base+path, body, auth)
				if err != nil {
					fail("%s %s: %v (after SIGTERM: %v)", method, path, err, began)
					return
				}
				if res.status != want {
					fail("%s %s: got %d; want %d: %s", method, path, res.status, want, res.body)
					return
				}
				answered.Add(1)
				if began {
					afterTerm.Add(1)
				}
			}
		}()
	}
	var unready time.Time
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		defer stopSending.Store(true)
		at, err := apptest.AwaitUnready(s.base, 30*time.Second, 20*time.Millisecond)
		if err != nil {
			fail("%v", err)
		}
		unready = at
	}()

	time.Sleep(1500 * time.Millisecond)
	terminated.Store(true)
	sigterm := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- s.stop(20 * time.Second) }()
	<-checked
	wg.Wait()
	if err := <-exited; err != nil {
		t.Errorf("pioniers serve after SIGTERM: %v; want exit status 0\n%s", err, s.logs)
	}
	for _, f := range failures {
		t.Error(f)
	}
	if unready.IsZero() {
		t.Error("readyz never answered 503 after SIGTERM")
	} else if unready.Sub(sigterm) > drain/2 {
		t.Errorf("readyz turned 503 %v after SIGTERM; want at once", unready.Sub(sigterm))
	}
	if afterTerm.Load() == 0 {
		t.Error("no request was answered after SIGTERM; want requests served during the drain")
	}
	t.Logf("%d requests answered, %d after SIGTERM, %d failed", answered.Load(), afterTerm.Load(), len(failures))
}
