package httpapi_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// A body the connection cannot deliver whole (bad chunking, fewer bytes than
// Content-Length) is the client's fault: 400 naming the body, logged below
// ERROR, never 500. Sent over raw TCP, since net/http's client cannot
// send such requests.
func TestBrokenBodyIs400(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, path, contentType, auth string
		framing, body                         string
	}{
		{"bad chunk size, token JSON", "POST", "/v1/auth/token", "application/json", "", "Transfer-Encoding: chunked", "zz\r\n{}\r\n0\r\n\r\n"},
		{"bad chunk size, token form", "POST", "/v1/auth/token", form, "", "Transfer-Encoding: chunked", "zz\r\ngrant_type=x\r\n0\r\n\r\n"},
		{"short body, token JSON", "POST", "/v1/auth/token", "application/json", "", "Content-Length: 100", `{"email":`},
		{"short body, token form", "POST", "/v1/auth/token", form, "", "Content-Length: 100", "grant_type=client"},
		{"bad chunk size, create", "POST", "/v1/organisations", "application/json", f.Admin, "Transfer-Encoding: chunked", "zz\r\n{}\r\n0\r\n\r\n"},
		{"short body, create", "POST", "/v1/organisations", "application/json", f.Admin, "Content-Length: 100", `{"code":`},
		{"bad chunk size, create with Idempotency-Key", "POST", "/v1/organisations", "application/json", f.Admin, "Transfer-Encoding: chunked\r\nIdempotency-Key: broken-body", "zz\r\n{}\r\n0\r\n\r\n"},
		{"short body, merge patch", "PATCH", "/v1/organisations/GM9901", "application/merge-patch+json", f.Admin, "Content-Length: 50", `{"name":`},
		{"truncated chunk, replace", "PUT", "/v1/organisations/GM9901", "application/json", f.Admin, "Transfer-Encoding: chunked", "40\r\n{\"name\":"},
	}
	for _, c := range cases {
		head := c.method + " " + c.path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + c.contentType + "\r\n" + c.framing + "\r\n"
		if c.auth != "" {
			head += "Authorization: Bearer " + c.auth + "\r\nIf-Match: *\r\n"
		}
		res := rawRequest(t, f.Server.Listener.Addr().String(), head+"\r\n"+c.body)
		p := apptest.CheckProblem(t, c.name, res, http.StatusBadRequest)
		if len(p.Params()) != 1 || p.Params()[0].Name != "body" {
			t.Errorf("%s: invalidParams %v; want one naming body", c.name, p.Params())
		}
	}
	if logs := f.LogText(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("a broken body was logged as an error:\n%s", apptest.Short(logs))
	}
}

// rawRequest writes request as is, closes the sending half so that a short
// body ends, and reads the response.
func rawRequest(t *testing.T, addr, request string) apptest.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write: %v", err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return apptest.Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)}
}
