package app_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// brokenListener fails every Accept, as a listener does when its socket dies.
type brokenListener struct{ net.Listener }

func (brokenListener) Accept() (net.Conn, error) { return nil, errors.New("listener broke") }

func TestServeEndsWhenTheListenerFails(t *testing.T) {
	env := apptest.New(t, apptest.Config(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the context outlives the server, as main's does
	served := make(chan error, 1)
	go func() { served <- env.App.ServeListener(ctx, brokenListener{ln}) }()
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "listener broke") {
			t.Errorf("serve: got %v; want the listener's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeListener still runs 5s after its listener failed")
	}
	// A goroutine that has handed over its result may still be on its way
	// out when the result arrives, so allow it a moment to end.
	var stacks string
	for range 100 {
		if stacks = goroutines(); !strings.Contains(stacks, "app.(*App).ServeListener") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("a goroutine of ServeListener outlived it by a second:\n%s", stacks)
}

// goroutines returns the stacks of every goroutine.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
