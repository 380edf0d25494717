package apptest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/app"
)

// Serve runs a through App.ServeListener, the http.Server the binary runs,
// on a loopback port. stop begins the shutdown as SIGTERM does and returns
// what ServeListener returned; the test's cleanup stops it if the test did not.
func Serve(t testing.TB, a *app.App) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serveErr = <-served
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// AwaitUnready polls base's /readyz every interval until it answers 503 and
// returns when it first did; an error when it answers anything but 200 or
// 503, cannot be reached, or is still 200 after within.
func AwaitUnready(base string, within, every time.Duration) (time.Time, error) {
	check := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(every) {
		res, err := check.Get(base + "/readyz")
		if err != nil {
			return time.Time{}, fmt.Errorf("readyz: %w; want 503 before the server closes", err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusServiceUnavailable:
			return time.Now(), nil
		case http.StatusOK:
		default:
			return time.Time{}, fmt.Errorf("readyz: got %d; want 200, then 503", res.StatusCode)
		}
	}
	return time.Time{}, fmt.Errorf("readyz: still 200 %v after shutdown began", within)
}
