package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pioniersnetwerk/pioniers/internal/httpapi"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// serviceMetrics is what the service reports at /metrics, on a registry of its
// own: the process-wide default registry would mix in whatever a library
// registers, and two apps in one test process would collide on it.
type serviceMetrics struct {
	http       *httpapi.Metrics
	deliveries *deliveryMetrics
	mail       *mailMetrics
}

// newMetrics registers the service's metrics: HTTP (see httpapi.Metrics),
// the database pools, the webhook queues and deliveries, the mail outbox,
// the build, the Go runtime and the process.
func newMetrics(cfg Config, db *store.DB, log *slog.Logger) (*serviceMetrics, error) {
	reg := prometheus.NewRegistry()
	var h *httpapi.Metrics
	// Requests pay for counting only when something can read the counts.
	if len(cfg.privateListeners()) > 0 || cfg.MetricsToken != "" {
		var err error
		if h, err = httpapi.NewMetrics(reg, cfg.MetricsToken); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	version, err := httpapi.APIVersion()
	if err != nil {
		return nil, err
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "pioniers_build_info",
		Help: "Always 1; version is the API version this build serves.", ConstLabels: prometheus.Labels{"version": version}})
	build.Set(1)
	deliveries := newDeliveryMetrics()
	cs := []prometheus.Collector{build, collectors.NewBuildInfoCollector(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), deliveries.outcomes, deliveries.duration,
		webhookQueue{db: db, log: log}}
	mail := newMailMetrics()
	cs = append(cs, mail.messages, mailQueue{db: db, log: log, on: cfg.mailSender(log) != nil})
	pools, err := db.Pools()
	if err != nil {
		return nil, err
	}
	for name, pool := range pools {
		cs = append(cs, collectors.NewDBStatsCollector(pool, name))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return &serviceMetrics{http: h, deliveries: deliveries, mail: mail}, nil
}

// deliveryMetrics hears the webhook dispatcher (a webhook.Observer).
type deliveryMetrics struct {
	outcomes *prometheus.CounterVec
	duration prometheus.Histogram
}

func newDeliveryMetrics() *deliveryMetrics {
	m := &deliveryMetrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pioniers_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: delivered, retrying (failed, tried again later), disabled (failed for too long: the subscription is disabled), failed (a requested redelivery failed)."},
			[]string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "pioniers_webhook_delivery_duration_seconds",
			Help: "Time a webhook delivery attempt took, until the receiver answered or it failed.", Buckets: prometheus.DefBuckets}),
	}
	// Every outcome is a series from the start, so that a rate over it
	// works before the first of its kind.
	for _, o := range []webhook.Outcome{webhook.Delivered, webhook.Retrying, webhook.Disabled, webhook.Failed} {
		m.outcomes.WithLabelValues(string(o))
	}
	return m
}

func (m *deliveryMetrics) Delivery(d webhook.Delivery, o webhook.Outcome) {
	m.outcomes.WithLabelValues(string(o)).Inc()
	m.duration.Observe(d.Duration.Seconds())
}

// webhookQueue reports how far each subscription is behind the feed, read
// from the database at each scrape, so every instance reports the same.
type webhookQueue struct {
	db  *store.DB
	log *slog.Logger
}

var (
	queueDepth = prometheus.NewDesc("pioniers_webhook_queue_depth",
		"Feed positions an enabled webhook subscription has yet to deliver or skip (its filters may skip some), by subscription id.",
		[]string{"subscription"}, nil)
	disabledSubscriptions = prometheus.NewDesc("pioniers_webhook_subscriptions_disabled",
		"Webhook subscriptions disabled, by their owner or after failing for too long.", nil, nil)
)

func (webhookQueue) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepth
	ch <- disabledSubscriptions
}

func (q webhookQueue) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	state, err := q.db.WebhookQueue(ctx)
	if err != nil {
		q.log.Warn("metrics: webhook queue", "error", err.Error())
		ch <- prometheus.NewInvalidMetric(queueDepth, err)
		return
	}
	for id, n := range state.Behind {
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(n), id)
	}
	ch <- prometheus.MustNewConstMetric(disabledSubscriptions, prometheus.GaugeValue, float64(state.Disabled))
}

// privateListener is a listener for operators only.
type privateListener struct{ addr, flag, env string }

// privateListeners are the operators' listeners to open. /metrics shares
// the debug listener rather than having a kind of its own: both are for
// operators only, and one private port is simpler to firewall and scrape.
// --metrics-addr names that listener; --debug-addr, its older name, keeps
// working, and opens a second one only when given another address.
func (c Config) privateListeners() []privateListener {
	var out []privateListener
	if c.DebugAddr != "" {
		out = append(out, privateListener{c.DebugAddr, "debug-addr", "PIONIERS_DEBUG_ADDR"})
	}
	if c.MetricsAddr != "" && c.MetricsAddr != c.DebugAddr {
		out = append(out, privateListener{c.MetricsAddr, "metrics-addr", "PIONIERS_METRICS_ADDR"})
	}
	return out
}
