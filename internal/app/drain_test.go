package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestShutdownDrainsKeepAliveConnections plays a load balancer: clients keep
// sending on keep-alive connections while a health check polls /readyz, and
// stop sending when it fails. Shutdown must turn /readyz to 503 first and
// keep serving for the drain, so that not one request fails.
func TestShutdownDrainsKeepAliveConnections(t *testing.T) {
	const drain = 600 * time.Millisecond
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	cfg.DrainWait = drain
	cfg.ShutdownWait = 5 * time.Second
	env := apptest.New(t, cfg)
	// Not GET: a client does not send a POST again on its own when the
	// server closes the connection under it.
	env.App.Handler().(*echo.Echo).POST("/test-drain", func(c echo.Context) error {
		time.Sleep(2 * time.Millisecond)
		return c.String(http.StatusOK, "ok")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- env.App.ServeListener(ctx, ln) }()

	var (
		stopSending atomic.Bool  // the health check failed: the balancer sends no more
		cancelled   atomic.Bool  // shutdown has begun
		afterCancel atomic.Int64 // requests answered after shutdown began
		mu          sync.Mutex
		failures    []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	clients := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer clients.CloseIdleConnections()
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopSending.Load() {
				began := cancelled.Load()
				res, err := clients.Post(base+"/test-drain", "text/plain", strings.NewReader("x"))
				if err != nil {
					fail("POST: %v", err)
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK || string(b) != "ok" {
					fail("POST: got %d %q (%v); want 200 ok", res.StatusCode, b, err)
					return
				}
				if began {
					afterCancel.Add(1)
				}
			}
		}()
	}
	var unready time.Time // when /readyz first answered 503
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		defer stopSending.Store(true)
		const every, threshold = 10 * time.Millisecond, 5
		at, err := apptest.AwaitUnready(base, 10*time.Second, every)
		if err != nil {
			fail("%v", err)
		}
		unready = at
		// A balancer stops sending after a few failed checks, not the first:
		// with one, a busy machine (-race, other packages) could see no
		// request begin in the single interval left.
		time.Sleep((threshold - 1) * every)
	}()

	time.Sleep(300 * time.Millisecond)
	cancelled.Store(true)
	shutdown := time.Now()
	cancel() // as SIGTERM does
	<-checked
	wg.Wait()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	closed := time.Since(shutdown)
	for _, f := range failures {
		t.Error(f)
	}
	if !unready.IsZero() && unready.Sub(shutdown) > drain/2 {
		t.Errorf("readyz turned 503 %v after shutdown began; want at once", unready.Sub(shutdown))
	}
	if closed < drain {
		t.Errorf("the server closed %v after shutdown began; want it to serve for the drain, %v", closed, drain)
	}
	if afterCancel.Load() == 0 {
		t.Error("no request was answered after shutdown began; want requests served during the drain")
	}
}
