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
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "app.(*App).ServeListener") {
		t.Errorf("a goroutine of ServeListener outlived it:\n%s", stacks)
	}
}
