package httpapi_test

import (
	"os"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// Every response, the router's own errors included, carries API-Version and
// the security headers; every error is problem+json.
func TestEveryResponseCarriesVersionAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		want               int
	}{
		{"list", "GET", "/v1/organisations", nil, nil, 200},
		{"get by code", "GET", "/v1/organisations/GM0606", nil, nil, 200},
		{"router 404", "GET", "/v1/nothing-here", nil, nil, 404},
		{"unknown organisation", "GET", "/v1/organisations/GM9999", nil, nil, 404},
		{"trailing slash", "GET", "/v1/organisations/", nil, nil, 404},
		{"trailing slash on item", "GET", "/v1/organisations/GM0606/", nil, nil, 404},
		{"router 405", "PATCH", "/v1/organisations", nil, nil, 405},
		{"invalid parameter", "GET", "/v1/organisations?pageSize=0", nil, nil, 400},
		{"anonymous write", "POST", "/v1/organisations", map[string]any{"code": "GM0001", "name": "x", "kind": "municipality", "networkRole": "member"}, nil, 401},
		{"not acceptable", "GET", "/v1/organisations", nil, map[string]string{"Accept": "text/html"}, 406},
		{"unsupported media type", "POST", "/v1/auth/token", "code=GM0001", map[string]string{"Content-Type": "text/plain"}, 415},
		{"contract", "GET", "/v1/openapi.json", nil, nil, 200},
		{"health", "GET", "/healthz", nil, nil, 200},
		{"ready", "GET", "/readyz", nil, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, tt.method, tt.path, tt.body, tt.headers)
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if got, want := res.Header.Get("API-Version"), loadSpec(t).Info.Version; got != want {
				t.Errorf("API-Version: got %q; want %q (the contract's info.version)", got, want)
			}
			for header, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
				if got := res.Header.Get(header); got != want {
					t.Errorf("%s: got %q; want %q", header, got, want)
				}
			}
			if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy: got %q; want frame-ancestors 'none'", res.Header.Get("Content-Security-Policy"))
			}
			if res.Header.Get("X-Request-ID") == "" {
				t.Error("X-Request-ID: missing")
			}
			if tt.want >= 400 {
				p := res.Problem(t)
				if p.Status != tt.want || p.Title == "" || p.Detail == "" || p.Type == "" || apptest.Deref(p.Instance) != strings.Split(tt.path, "?")[0] {
					t.Errorf("problem: got %+v; want status %d with type, title, detail and instance %s", p, tt.want, tt.path)
				}
			}
		})
	}
}

func TestRequestIDIsEchoedOrGenerated(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	res := env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"X-Request-ID": "abc-123"})
	if got := res.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed X-Request-ID: got %q; want abc-123", got)
	}
	if !strings.Contains(env.LogText(), `"request_id":"abc-123"`) {
		t.Errorf("log: want a line with request_id abc-123; got %s", env.LogText())
	}
	res = env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"X-Request-ID": "bad id with spaces"})
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated X-Request-ID: got %q; want a fresh id", got)
	}
}

// A panic in a handler is a 500 with a generic detail; the cause is logged.
func TestPanicIsAGeneric500(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.App.Handler().(*echo.Echo).GET("/v1/test-panic", func(echo.Context) error { panic("secret internal detail") })
	res := env.Do(t, "GET", "/v1/test-panic", nil, nil)
	if res.StatusCode != 500 {
		t.Fatalf("status: got %d; want 500", res.StatusCode)
	}
	p := res.Problem(t)
	if strings.Contains(res.Body, "secret internal detail") || strings.Contains(res.Body, "goroutine") {
		t.Errorf("body leaks the cause: %s", res.Body)
	}
	if p.Detail == "" {
		t.Error("detail: want a generic explanation")
	}
	if !strings.Contains(env.LogText(), "secret internal detail") {
		t.Error("log: want the panic's cause")
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.CORSOrigins = []string{"https://portal.example.org"}
	env := apptest.New(t, cfg)
	tests := []struct {
		name, method, origin, requestMethod string
		wantOrigin                          string
	}{
		{"read from anywhere", "GET", "https://gemeente.example.nl", "", "*"},
		{"preflight read", "OPTIONS", "https://gemeente.example.nl", "GET", "*"},
		{"preflight write from allowed origin", "OPTIONS", "https://portal.example.org", "PUT", "https://portal.example.org"},
		{"preflight write from elsewhere", "OPTIONS", "https://evil.example.com", "PUT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Origin": tt.origin}
			if tt.requestMethod != "" {
				h["Access-Control-Request-Method"] = tt.requestMethod
			}
			res := env.Do(t, tt.method, "/v1/organisations", nil, h)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin: got %q; want %q", got, tt.wantOrigin)
			}
		})
	}
	res := env.Do(t, "GET", "/v1/openapi.yaml", nil, map[string]string{"Origin": "https://x.example"})
	if res.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(res.Body, "openapi: 3.0.3") {
		t.Errorf("openapi.yaml: got CORS %q and body starting %.40q; want * and the contract", res.Header.Get("Access-Control-Allow-Origin"), res.Body)
	}
	if exposed := env.Do(t, "GET", "/v1/organisations", nil, map[string]string{"Origin": "https://x.example"}).Header.Get("Access-Control-Expose-Headers"); !strings.Contains(exposed, "ETag") || !strings.Contains(exposed, "Link") {
		t.Errorf("Access-Control-Expose-Headers: got %q; want ETag and Link", exposed)
	}
}

func TestDocsAreServedFromTheBinary(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	res := env.Do(t, "GET", "/docs", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(res.Body, "/v1/openapi.json") {
		t.Fatalf("docs: got %d; want 200 pointing at /v1/openapi.json", res.StatusCode)
	}
	if strings.Contains(res.Body, `src="http`) || strings.Contains(res.Body, `href="http`) {
		t.Errorf("docs page refers to another host: want everything from the binary")
	}
	if res := env.Do(t, "GET", "/docs/swagger-ui-bundle.js", nil, nil); res.StatusCode != 200 {
		t.Errorf("docs asset: got %d; want 200", res.StatusCode)
	}
}

func TestContractIsServedVerbatim(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	yaml := env.Do(t, "GET", "/v1/openapi.yaml", nil, nil)
	file, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if yaml.Body != string(file) {
		t.Error("openapi.yaml: served document differs from the file")
	}
	js := env.Do(t, "GET", "/v1/openapi.json", nil, nil)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct{ Version string }
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
		}
	}
	js.JSON(t, &doc)
	if doc.OpenAPI != "3.0.3" || doc.Info.Version != js.Header.Get("API-Version") || doc.Paths["/auth/token"]["post"].OperationID != "createToken" {
		t.Errorf("openapi.json: got %+v; want the contract as written", doc)
	}
	for _, res := range []apptest.Response{yaml, js} {
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("contract CORS: got %q; want * even without Origin", res.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}
