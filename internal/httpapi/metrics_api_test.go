package httpapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

const metricsToken = "metrics-token-for-the-test-0123"

// families is a scrape, parsed.
type families map[string]*dto.MetricFamily

// value is the value of the series of name whose labels include want, and
// whether there is one.
func (f families) value(name string, want map[string]string) (float64, bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// labelValues lists the values the label takes in name's series.
func (f families) labelValues(name, label string) []string {
	var out []string
	for _, m := range f[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out = append(out, l.GetValue())
			}
		}
	}
	return out
}

// scrape reads url's metrics, with the bearer token when not empty.
func scrape(t *testing.T, url, token string) families {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: got status %d; want 200", url, res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	return fams
}

// serveWithPrivate runs env's app through App.Serve, the private listener
// at metricsAddr included, until the test ends.
func serveWithPrivate(t *testing.T, env *apptest.Env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bound := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- env.App.Serve(ctx, func(net.Addr) { close(bound) }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case <-bound:
	case err := <-served:
		t.Fatalf("serve: %v", err)
	}
}

// freeAddr is a loopback address no one listens on just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// /metrics counts requests by route template, method and status, the
// router's 404s as unmatched; reports the pools, the webhook deliveries and
// queues, and the build; and is served on the private listener and, with
// the token, on the API's listener, where without it it is absent.
func TestMetrics(t *testing.T) {
	t.Parallel()
	cfg := webhookConfig(t)
	cfg.Addr = "127.0.0.1:0"
	cfg.MetricsAddr = freeAddr(t)
	cfg.MetricsToken = metricsToken
	env := apptest.New(t, cfg)
	serveWithPrivate(t, env)
	private := "http://" + cfg.MetricsAddr

	health := env.Do(t, http.MethodGet, "/healthz", nil, nil)
	unknownPath := "/no-such-path-" + strings.Repeat("x", 5)
	unknown := env.Do(t, http.MethodGet, unknownPath, nil, nil)
	noOrg := env.Do(t, http.MethodGet, "/v1/organisations/GM9999", nil, nil)
	changes := env.Do(t, http.MethodGet, "/v1/changes", nil, nil)
	again := env.Do(t, http.MethodGet, "/v1/changes", nil, apptest.Headers("", "If-None-Match", changes.Header.Get("ETag")))
	for _, c := range []struct {
		what      string
		got, want int
	}{{"healthz", health.StatusCode, 200}, {unknownPath, unknown.StatusCode, 404}, {"unknown organisation", noOrg.StatusCode, 404},
		{"changes", changes.StatusCode, 200}, {"changes again", again.StatusCode, 304}} {
		if c.got != c.want {
			t.Fatalf("%s: got %d; want %d", c.what, c.got, c.want)
		}
	}
	// Without the token, or with another, /metrics is absent on the API's
	// listener: answered as an unknown path is (404; a bearer token that is
	// not an access token is refused first, 401, on any path).
	for _, h := range []map[string]string{nil, apptest.Bearer("not-" + metricsToken), apptest.Bearer(metricsToken + "x")} {
		res, like := env.Do(t, http.MethodGet, "/metrics", nil, h), env.Do(t, http.MethodGet, unknownPath, nil, h)
		if res.StatusCode != like.StatusCode || res.Header.Get("Content-Type") != like.Header.Get("Content-Type") ||
			(h == nil && res.StatusCode != http.StatusNotFound) {
			t.Errorf("/metrics with %v: got %d %s; want as %s: %d %s", h, res.StatusCode, res.Header.Get("Content-Type"),
				unknownPath, like.StatusCode, like.Header.Get("Content-Type"))
		}
	}

	// A webhook delivery to a receiver that is up.
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	recv := newHookReceiver(t)
	recv.up()
	sub := recv.subscribe(t, env, admin)
	env.Post(t, admin, "/v1/organisations", municipalityBody("GM6201", "Gemeten"))
	var fams families
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		fams = scrape(t, private+"/metrics", "")
		delivered, _ := fams.value("pioniers_webhook_deliveries_total", map[string]string{"outcome": "delivered"})
		depth, _ := fams.value("pioniers_webhook_queue_depth", map[string]string{"subscription": sub})
		_, taken := recv.state()
		if (len(taken) > 0 && delivered == float64(len(taken)) && depth == 0) || time.Now().After(deadline) {
			break
		}
	}
	_, taken := recv.state()

	byToken := scrape(t, env.URL+"/metrics", metricsToken)
	if _, ok := byToken.value("pioniers_http_requests_total", map[string]string{"route": "/healthz"}); !ok {
		t.Error("scrape with the token on the API's listener: no pioniers_http_requests_total for /healthz")
	}

	req := func(route, method, status string) map[string]string {
		return map[string]string{"route": route, "method": method, "status": status}
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pioniers_http_requests_total", req("/healthz", "GET", "200"), 1},
		// The unknown path, twice, and /metrics without a token; then both
		// with two tokens that are not.
		{"pioniers_http_requests_total", req("unmatched", "GET", "404"), 3},
		{"pioniers_http_requests_total", req("unmatched", "GET", "401"), 4},
		{"pioniers_http_requests_total", req("/v1/organisations/:organisation", "GET", "404"), 1},
		{"pioniers_http_requests_total", req("/v1/changes", "GET", "200"), 1},
		{"pioniers_http_requests_total", req("/v1/changes", "GET", "304"), 1},
		{"pioniers_http_requests_total", req("/v1/organisations", "POST", "201"), 1},
		{"pioniers_http_request_duration_seconds", map[string]string{"route": "/v1/changes", "method": "GET"}, 2},
		{"pioniers_http_response_size_bytes", map[string]string{"route": "/healthz", "method": "GET"}, 1},
		{"pioniers_http_requests_in_flight", nil, 0},
		{"pioniers_webhook_deliveries_total", map[string]string{"outcome": "delivered"}, float64(len(taken))},
		{"pioniers_webhook_deliveries_total", map[string]string{"outcome": "retrying"}, 0},
		{"pioniers_webhook_deliveries_total", map[string]string{"outcome": "disabled"}, 0},
		{"pioniers_webhook_delivery_duration_seconds", nil, float64(len(taken))},
		{"pioniers_webhook_queue_depth", map[string]string{"subscription": sub}, 0},
		{"pioniers_webhook_subscriptions_disabled", nil, 0},
		{"pioniers_build_info", map[string]string{"version": health.Header.Get("API-Version")}, 1},
	}
	for _, tt := range tests {
		got, ok := fams.value(tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v: got %v (present %v); want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if len(taken) == 0 {
		t.Error("the receiver took no delivery")
	}
	for _, name := range []string{"go_goroutines", "go_build_info", "process_start_time_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s; want the Go runtime, build and process collectors", name)
		}
	}
	pools := []string{"sqlite-reader", "sqlite-writer"}
	if env.App.DB.Dialect() == store.Postgres {
		pools = []string{"postgres"}
	}
	got := fams.labelValues("go_sql_max_open_connections", "db_name")
	slices.Sort(got)
	if !slices.Equal(got, pools) {
		t.Errorf("go_sql_max_open_connections db_name: got %v; want %v", got, pools)
	}
	for _, route := range fams.labelValues("pioniers_http_requests_total", "route") {
		if route != "unmatched" && !strings.HasPrefix(route, "/") || strings.Contains(route, "no-such-path") || strings.Contains(route, "GM9999") {
			t.Errorf("route label %q; want templates and unmatched only", route)
		}
	}
	if res, err := http.Get(private + "/debug/vars"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("private listener /debug/vars: got %v, %v; want 200 beside /metrics", res, err)
	} else {
		res.Body.Close()
	}
}
