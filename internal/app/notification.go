package app

import (
	"context"
	"log/slog"
	"net/mail"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pioniersnetwerk/pioniers/internal/notification"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// parseMail reads and checks the mail settings into c.
func (c *Config) parseMail(v map[string]*string) []string {
	var errs []string
	c.SMTPHost, c.SMTPUsername, c.SMTPPassword = *v["smtp-host"], *v["smtp-username"], *v["smtp-password"]
	c.SMTPTLS, c.MailFrom, c.MailDir = *v["smtp-tls"], *v["mail-from"], *v["mail-dir"]
	port, err := strconv.Atoi(*v["smtp-port"])
	if err != nil || port < 1 || port > 65535 {
		errs = append(errs, "--smtp-port: want a port number such as 587")
	}
	c.SMTPPort = port
	switch c.SMTPTLS {
	case notification.TLSStartTLS, notification.TLSImplicit, notification.TLSNone:
	default:
		errs = append(errs, "--smtp-tls: want starttls, tls or none")
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			errs = append(errs, "--mail-from: want an address such as \"Pioniersnetwerk <bijeenkomsten@example.org>\"")
		}
	} else if c.SMTPHost != "" {
		errs = append(errs, "--mail-from: required with --smtp-host")
	}
	return errs
}

// mailSender is where notifications go: the mail server, the development
// folder, or nowhere (nil).
func (c Config) mailSender(log *slog.Logger) notification.Sender {
	switch {
	case c.SMTPHost != "":
		return notification.SMTP{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword, TLS: c.SMTPTLS}
	case c.MailDir != "":
		return notification.Dir{Path: c.MailDir, Log: log}
	}
	return nil
}

// notifications builds the unsubscribe links' checker, always (a link in
// a mail sent before keeps working when mail is switched off), and the
// outbox when mail is configured, saying at start where mail goes. secret
// is the service's pseudonym key: every instance has the same, so a link
// one signs another accepts.
func notifications(cfg Config, log *slog.Logger, db *store.DB, people *person.Service, secret []byte, obs notification.Observer) (*notification.Outbox, *notification.Unsubscriber) {
	unsubscribe := notification.NewUnsubscriber(secret, people)
	sender := cfg.mailSender(log)
	if sender == nil {
		log.Info("notifications are off: no mail is sent (set --smtp-host and --mail-from, or --mail-dir)")
		return nil, unsubscribe
	}
	from := notification.Address{Email: "pioniers@localhost", Name: "Pioniersnetwerk Open Overheid"}
	if a, err := mail.ParseAddress(cfg.MailFrom); err == nil {
		from = notification.Address{Name: a.Name, Email: a.Address}
	}
	switch s := sender.(type) {
	case notification.Dir:
		log.Info("notifications are written to files, not sent (--mail-dir)", "dir", s.Path, "from", from.Email)
	default:
		log.Info("notifications are sent by mail", "server", sender, "from", from.Email)
	}
	mailer := notification.NewMailer(from, cfg.BaseURL(), secret, time.Now)
	return notification.NewOutbox(db, mailer, sender, notification.Options{Poll: cfg.WebhookPoll, RetryBase: cfg.MailRetryBase,
		RetryCap: cfg.MailRetryCap, Observer: obs}, log), unsubscribe
}

// mailMetrics hears the outbox (a notification.Observer).
type mailMetrics struct {
	messages *prometheus.CounterVec
}

func newMailMetrics() *mailMetrics {
	m := &mailMetrics{messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pioniers_mail_messages_total",
		Help: "Notification messages by kind and outcome: sent, retrying (the mail server failed for now; tried again later), failed (refused for good, or given up)."},
		[]string{"kind", "outcome"})}
	for _, k := range notification.Kinds {
		for _, s := range []notification.Status{notification.Sent, notification.Retrying, notification.Failed} {
			m.messages.WithLabelValues(string(k), string(s))
		}
	}
	return m
}

func (m *mailMetrics) Message(k notification.Kind, s notification.Status) {
	m.messages.WithLabelValues(string(k), string(s)).Inc()
}

// mailQueue reports how far the outbox is behind the change feed, read from
// the database at each scrape, so every instance reports the same.
type mailQueue struct {
	db  *store.DB
	log *slog.Logger
	on  bool // mail is configured: while it is off the outbox reads nothing, and no depth is reported
}

var mailQueueDepth = prometheus.NewDesc("pioniers_mail_queue_depth",
	"Feed positions the mail outbox has yet to read: changes that may call for a notification. It grows while the mail server fails; absent while mail is off.",
	nil, nil)

func (mailQueue) Describe(ch chan<- *prometheus.Desc) { ch <- mailQueueDepth }

func (q mailQueue) Collect(ch chan<- prometheus.Metric) {
	if !q.on {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := q.db.MailQueueDepth(ctx)
	if err != nil {
		q.log.Warn("metrics: mail queue", "error", err.Error())
		ch <- prometheus.NewInvalidMetric(mailQueueDepth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(mailQueueDepth, prometheus.GaugeValue, float64(n))
}
