//go:build reliability

package httpapi_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestReliabilityContractFuzz is TestContractFuzz at length: FUZZ_REQUESTS
// (default 30,000) hostile requests, FUZZ_SEED to replay.
func TestReliabilityContractFuzz(t *testing.T) {
	runContractFuzz(t, envInt(t, "FUZZ_REQUESTS", 30000))
}

// TestReliabilityRawSocket sends what net/http's client cannot: broken
// framing, bad Content-Length, huge headers, HTTP/1.0, pipelining, to the
// server as the binary configures it (App.ServeListener). No answer is a
// 5xx; every 4xx the service writes is a valid problem. net/http answers a
// few malformed requests itself, before any handler, in text/plain: those
// cases say so (stdlib) and only their status is checked.
func TestReliabilityRawSocket(t *testing.T) {
	f := apptest.StartDemo(t)
	addr, _ := apptest.Serve(t, f.App)
	problem := loadProblemSchema(t)
	auth := "Authorization: Bearer " + f.Admin + "\r\n"
	org := `{"code":"GM9990","name":"Raw","kind":"other","networkRole":"member"}`
	cases := []struct {
		name    string
		request string
		want    []int // statuses in order, one per pipelined request
		stdlib  bool  // net/http answers before the service
	}{
		{"bad chunk size", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", []int{400}, false},
		{"chunk longer than sent", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n{\"code\":", []int{400}, false},
		{"no last chunk", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", []int{400}, false},
		{"chunk extension garbage", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;\x01\x02\r\n{}\r\n0\r\n\r\n", []int{400}, false},
		{"body shorter than Content-Length", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n" + org, []int{400}, false},
		{"anonymous short body", "POST /v1/auth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"email\":", []int{400}, false},
		{"Content-Length not a number", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}", []int{400}, true},
		{"negative Content-Length", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}", []int{400}, true},
		{"two Content-Lengths", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", []int{400}, true},
		{"Content-Length and chunked", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", []int{400}, true},
		{"unknown transfer coding", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", []int{501}, true},
		{"huge header, over the service's limit", "GET /v1/organisations HTTP/1.1\r\nHost: t\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n", []int{431}, false},
		{"many headers", "GET /v1/organisations HTTP/1.1\r\nHost: t\r\n" + strings.Repeat("X-A: b\r\n", 20000) + "\r\n", []int{431}, false},
		{"huge header, over net/http's limit", "GET /v1/organisations HTTP/1.1\r\nHost: t\r\nX-Big: " + strings.Repeat("a", 4<<20) + "\r\n\r\n", []int{431}, true},
		{"huge request line", "GET /v1/organisations?q=" + strings.Repeat("a", 200<<10) + " HTTP/1.1\r\nHost: t\r\n\r\n", []int{431}, false},
		{"HTTP/1.0 without Host", "GET /v1/organisations HTTP/1.0\r\n\r\n", []int{200}, false},
		{"HTTP/1.0 write with body", "POST /v1/organisations HTTP/1.0\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", []int{400}, false},
		{"pipelined reads", strings.Repeat("GET /v1/organisations?pageSize=1 HTTP/1.1\r\nHost: t\r\n\r\n", 3), []int{200, 200, 200}, false},
		{"pipelined read, bad id, read", "GET /v1/organisations/GM9901 HTTP/1.1\r\nHost: t\r\n\r\nGET /v1/organisations/%zz HTTP/1.1\r\nHost: t\r\n\r\nGET /v1/meetings?pageSize=1 HTTP/1.1\r\nHost: t\r\n\r\n", []int{200, 400}, true}, // net/http refuses the bad escape and closes
		{"pipelined write after broken JSON", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 1\r\n\r\n{GET /v1/organisations?pageSize=1 HTTP/1.1\r\nHost: t\r\n\r\n", []int{400, 200}, false},
		{"NUL in a header", "GET /v1/organisations HTTP/1.1\r\nHost: t\r\nX-A: a\x00b\r\n\r\n", []int{400}, true},
		{"NUL in the path", "GET /v1/organisations/GM\x009901 HTTP/1.1\r\nHost: t\r\n\r\n", []int{400}, true},
		{"unknown HTTP version", "GET /v1/organisations HTTP/9.9\r\nHost: t\r\n\r\n", []int{505}, true},
		{"garbage request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", []int{400}, true},
		{"unknown method", "FROB /v1/organisations HTTP/1.1\r\nHost: t\r\n\r\n", []int{405}, false},
		{"absolute-form target", "GET http://evil.example/v1/organisations?pageSize=1 HTTP/1.1\r\nHost: t\r\n\r\n", []int{200}, false},
		{"Expect 100-continue", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\n" + auth + "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n[]", []int{400}, false},
		{"bad token, bad body", "POST /v1/organisations HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer x.y.z\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n{", []int{401}, false},
	}
	for _, tc := range cases {
		// Only a single request with a body half-closes, so that a short
		// body ends: net/http cancels a request's context when the client
		// half-closes, which the service answers with 500 (reported, not
		// fixed yet).
		halfClose := len(tc.want) == 1 && (strings.Contains(tc.request, "Content-Length") || strings.Contains(tc.request, "Transfer-Encoding"))
		responses := rawResponses(t, addr, tc.request, len(tc.want), halfClose)
		if len(responses) != len(tc.want) {
			t.Errorf("%s: got %d responses; want %d", tc.name, len(responses), len(tc.want))
			continue
		}
		for i, res := range responses {
			label := tc.name
			if res.StatusCode != tc.want[i] {
				t.Errorf("%s, response %d: got status %d; want %d (%s)", label, i, res.StatusCode, tc.want[i], apptest.Short(res.Body))
			}
			if res.StatusCode >= 500 && res.StatusCode != http.StatusNotImplemented && res.StatusCode != http.StatusHTTPVersionNotSupported {
				t.Errorf("%s: server error %d", label, res.StatusCode)
			}
			if tc.stdlib || res.StatusCode < 400 {
				continue
			}
			if issues := checkFuzzResponse(res, problem); len(issues) > 0 {
				t.Errorf("%s, response %d: %s\n\tbody: %s", label, i, strings.Join(issues, "; "), apptest.Short(res.Body))
			}
		}
	}
	if logs := f.LogText(); strings.Contains(logs, `"level":"ERROR"`) {
		for _, l := range strings.Split(logs, "\n") {
			if strings.Contains(l, `"level":"ERROR"`) {
				t.Errorf("a malformed request was logged as an error: %s", l)
			}
		}
	}
}

// loadProblemSchema is the contract's Problem schema.
func loadProblemSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	return loadSpec(t).Components.Schemas["Problem"].Value
}

// rawResponses writes request as is, closes the sending half when
// halfClose (so that a short body ends), and reads up to n responses.
func rawResponses(t *testing.T, addr, request string, n int, halfClose bool) []apptest.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	// The server may answer and close before it has read everything.
	go func() {
		_, _ = io.WriteString(conn, request)
		if halfClose {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}()
	r := bufio.NewReader(conn)
	var out []apptest.Response
	for len(out) < n {
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			break
		}
		if res.StatusCode == http.StatusContinue {
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		out = append(out, apptest.Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)})
	}
	return out
}
