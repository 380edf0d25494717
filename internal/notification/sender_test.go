package notification_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/notification"
)

// silent accepts connections and never answers, as a mail server that
// hangs does; it says on accepted when one came in.
func silent(t *testing.T) (port int, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	ch := make(chan struct{}, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
			ch <- struct{}{}
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, ch
}

// TestSendEnds: a send to a server that hangs ends at the timeout, or when
// the caller's context ends, and not minutes later when go-smtp's own
// command timeout would (the message would outlive the outbox's lease).
func TestSendEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		cancel  bool // cancel the caller's context once the server has the connection
		want    error
	}{
		{name: "timeout", timeout: 50 * time.Millisecond, want: context.DeadlineExceeded},
		{name: "cancelled", timeout: time.Hour, cancel: true, want: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			port, accepted := silent(t)
			s := notification.SMTP{Host: "127.0.0.1", Port: port, TLS: notification.TLSNone, Timeout: tc.timeout}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- s.Send(ctx, notification.Envelope{From: "a@example.org", To: "b@example.org", Data: []byte("Subject: x\r\n\r\nx\r\n")})
			}()
			if tc.cancel {
				<-accepted
				cancel()
			}
			// Not a timing test: a generous bound so that the failure is a
			// message rather than the test binary's timeout.
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("got %v; want %v", err, tc.want)
				}
				if notification.Permanent(err) {
					t.Errorf("Permanent(%v): got true; want false (to be tried again)", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("the send still runs a minute later; want it ended")
			}
		})
	}
}

// TestSendFailures: only the server's 5xx to the message itself (its
// recipient, its content) gives it up; a 5xx to the login or the sender is
// the configuration's fault, and a wrong password must not drop every
// notification for good.
func TestSendFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		setup         func(in *inbox)
		wantCode      string
		wantPermanent bool
	}{
		{name: "login refused", setup: func(in *inbox) { in.badLogin = true }, wantCode: "535"},
		{name: "sender refused", setup: func(in *inbox) { in.badFrom = true }, wantCode: "553"},
		{name: "recipient refused", setup: func(in *inbox) { in.refused["b@example.org"] = true }, wantCode: "550", wantPermanent: true},
		{name: "data deferred", setup: func(in *inbox) { in.failing = 1 }, wantCode: "451"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := newInbox(t)
			in.mu.Lock()
			tc.setup(in)
			in.mu.Unlock()
			s := notification.SMTP{Host: "127.0.0.1", Port: in.addr.Port, TLS: notification.TLSNone, Username: "u", Password: "p"}
			err := s.Send(context.Background(), notification.Envelope{From: "a@example.org", To: "b@example.org", Data: []byte("Subject: x\r\n\r\nx\r\n")})
			if err == nil || !strings.Contains(err.Error(), tc.wantCode) {
				t.Fatalf("got %v; want the server's %s", err, tc.wantCode)
			}
			if got := notification.Permanent(err); got != tc.wantPermanent {
				t.Errorf("Permanent(%v): got %t; want %t", err, got, tc.wantPermanent)
			}
			if got := in.take(); len(got) != 0 {
				t.Errorf("got %d messages delivered; want 0", len(got))
			}
		})
	}
}
