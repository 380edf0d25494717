package app_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestHeadersTooLargeOverRawTCP sends header sections around the limit on
// a raw connection to the real server: up to 64 KiB they are served, above
// it the answer is a problem; only far above it does net/http answer by
// itself in text/plain, as README says.
func TestHeadersTooLargeOverRawTCP(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.DrainWait = 0
	env := apptest.New(t, cfg)
	addr, stop := apptest.Serve(t, env.App)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	tests := []struct {
		name        string
		size        int // of the X-Padding value
		status      int
		contentType string
	}{
		{"60 KiB", 60 << 10, http.StatusOK, "application/json"},
		{"65 KiB", 65 << 10, http.StatusRequestHeaderFieldsTooLarge, "application/problem+json"},
		{"900 KiB", 900 << 10, http.StatusRequestHeaderFieldsTooLarge, "application/problem+json"},
		{"2 MiB, net/http's own answer", 2 << 20, http.StatusRequestHeaderFieldsTooLarge, "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET /v1/organisations?pageSize=1 HTTP/1.1\r\nHost: pioniers.test\r\nX-Padding: " + strings.Repeat("a", tt.size) + "\r\nConnection: close\r\n\r\n"
			// The server may answer and close before it has read all of a
			// section it refuses; the answer is what counts.
			_, _ = conn.Write([]byte(req))
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read the answer: %v", err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || res.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("got %d %s; want %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), tt.status, tt.contentType, body)
			}
			if tt.contentType != "application/problem+json" {
				return
			}
			var p struct {
				Type, Title, Detail string
				Status              int
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Status != tt.status || p.Title == "" || !strings.Contains(p.Detail, "64 KiB") {
				t.Errorf("problem: got %+v (%v); want status %d, a title and a detail naming 64 KiB", p, err, tt.status)
			}
		})
	}
}
