package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsPath is where the API's own listener serves the metrics, to a
// caller with the metrics token.
const metricsPath = "/metrics"

// unmatched is the route label of requests no route took (the router's 404,
// or an answer before routing): never the raw path, which anyone can vary
// to make series without end.
const unmatched = "unmatched"

// Metrics instruments the HTTP layer: requests by route template, method
// and status, their latency and response size, and those in flight. It is
// built once per handler (Options.Metrics); nil instruments nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	size     *prometheus.HistogramVec
	inFlight prometheus.Gauge
	scrape   http.Handler
	token    [sha256.Size]byte // of the metrics token; see serves
	hasToken bool
	series   sync.Map // seriesKey -> *series
}

// seriesKey names the series of one kind of answer.
type seriesKey struct {
	route, method string
	status        int
}

// series are the metrics of one kind of answer, looked up once rather than
// by their label values on every request.
type series struct {
	requests       prometheus.Counter
	duration, size prometheus.Observer
}

// seriesOf returns the series of an answer, made at the first such answer.
func (m *Metrics) seriesOf(route, method string, status int) *series {
	k := seriesKey{route, method, status}
	if s, ok := m.series.Load(k); ok {
		return s.(*series)
	}
	s, _ := m.series.LoadOrStore(k, &series{
		requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
		duration: m.duration.WithLabelValues(route, method),
		size:     m.size.WithLabelValues(route, method),
	})
	return s.(*series)
}

// NewMetrics registers the HTTP metrics on reg. When token is not empty the
// API's listener also serves reg at /metrics to Authorization: Bearer token;
// otherwise /metrics is absent there (404), and a private listener serves it.
func NewMetrics(reg *prometheus.Registry, token string) (*Metrics, error) {
	route := []string{"route", "method"}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pioniers_http_requests_total",
			Help: "HTTP requests answered, by route template (unmatched: no route), method and status."},
			[]string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pioniers_http_request_duration_seconds",
			Help: "Time from a request's arrival to its answer, by route template and method.", Buckets: prometheus.DefBuckets}, route),
		size: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pioniers_http_response_size_bytes",
			Help: "Response body sizes, by route template and method.", Buckets: prometheus.ExponentialBuckets(128, 4, 8)}, route),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "pioniers_http_requests_in_flight",
			Help: "HTTP requests being served now."}),
		scrape:   promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}),
		token:    sha256.Sum256([]byte(token)),
		hasToken: token != "",
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.size, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// middleware counts and times every request, the router's 404s included,
// so it comes first of all. It also answers an authorised scrape of
// /metrics; any other request there goes on to the router's 404, so that
// without the token the endpoint looks absent.
func (m *Metrics) middleware() echo.MiddlewareFunc {
	if m == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	// The routes' templates, read at the first request, once every route is
	// registered: only these become labels.
	var once sync.Once
	templates := map[string]bool{}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.URL.Path == metricsPath && m.serves(r) {
				m.scrape.ServeHTTP(c.Response(), r)
				return nil
			}
			method := methodLabel(r.Method) // before headAsGet changes it
			start := time.Now()
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			err := next(c)
			if err != nil {
				c.Error(err) // answered here, so that the status is known
			}
			once.Do(func() {
				for _, rt := range c.Echo().Routes() {
					templates[rt.Path] = true
				}
			})
			route := c.Path()
			if !templates[route] {
				route = unmatched
			}
			res := c.Response()
			s := m.seriesOf(route, method, res.Status)
			s.requests.Inc()
			s.duration.Observe(time.Since(start).Seconds())
			s.size.Observe(float64(res.Size))
			return nil
		}
	}
}

// serves reports whether r may scrape: a GET with the metrics token,
// compared in constant time (digests, so that not even its length shows).
func (m *Metrics) serves(r *http.Request) bool {
	if !m.hasToken || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(sum[:], m.token[:]) == 1
}

// methodLabel keeps the method label to the methods HTTP defines.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// Handler serves the registry's metrics in the Prometheus text format, for
// a private listener.
func (m *Metrics) Handler() http.Handler { return m.scrape }
