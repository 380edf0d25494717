package httpapi_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// A client that sends its request and then closes its side of the
// connection makes net/http cancel the request: whatever the handler was
// waiting on fails with context.Canceled. That is the client's doing, never a
// 5xx and never an error in the log.
func TestHalfClosedClientIsNoServerError(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	addr := strings.TrimPrefix(e.URL, "http://")
	for i := range 30 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Write([]byte("GET /v1/meetings?pageSize=100 HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			if res.StatusCode >= 500 {
				t.Errorf("request %d: got status %d; want the answer or 499", i, res.StatusCode)
			}
			res.Body.Close()
		}
		conn.Close()
	}
	if logs := e.LogText(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("got errors in the log; want none:\n%s", logs)
	}
}
