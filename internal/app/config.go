package app

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/gommon/bytes"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
)

// Config is everything the service can be told, from flags or environment.
type Config struct {
	Addr         string
	PublicURL    string // where clients reach the service; see BaseURL
	DataDir      string
	DatabaseURL  string
	JWTKeyFiles  []string
	PseudonymKey string
	JWTIssuer    string
	JWTAudience  string
	TokenTTL     time.Duration
	CORSOrigins  []string
	TrustProxy   bool
	BodyLimit    string
	LogLevel     string
	LogFormat    string
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	ShutdownWait time.Duration
	DrainWait    time.Duration // on shutdown, how long /readyz fails before the server closes
	DebugAddr    string        // a separate, private listener for runtime figures; empty: none
	RateLimit    float64       // requests per second per caller; 0 turns limiting off
	RateBurst    int
	SignInLimit  int // sign-in attempts per minute per client address
	BcryptCost   int // 0 means bcrypt's default
	// AuditRetention is how long the audit log keeps an entry; 0 keeps every entry.
	AuditRetention time.Duration
	// Retention of personal and kept data (see RetentionPolicy); 0 keeps it.
	RetentionLeft, RetentionUnusedAccounts, RetentionDeliveries time.Duration
	// PurgeInterval is how often serve purges people and accounts past
	// their retention; 0: only when the purge command runs.
	PurgeInterval time.Duration
	// WebhookAllowInsecure lets webhook subscriptions use http and reach
	// loopback and private addresses: for local testing only.
	WebhookAllowInsecure bool
	WebhookPoll          time.Duration // how often the dispatcher looks for deliveries
	// Webhooks' retry schedule; zero takes the dispatcher's defaults (10s
	// doubling to 1h, for 24h). Tests shorten it; no flag does.
	WebhookRetryBase, WebhookRetryCap, WebhookRetryFor time.Duration

	// RefreshTokenTTL is how long a browser's sign-in lasts unused.
	RefreshTokenTTL time.Duration
	// AccessRefresh is how often the table of who may act is reloaded: the
	// longest a change made on another instance takes to end access here.
	AccessRefresh time.Duration

	// MetricsAddr is a private listener for /metrics (and /debug/vars);
	// MetricsToken, when set, opens /metrics on the API's listener to it.
	MetricsAddr, MetricsToken string
	// DBMaxOpen and DBMaxIdle size the pool that serves reads; 0: the default.
	DBMaxOpen, DBMaxIdle int
	// ResponseCache is how many bytes the cache of anonymous reads may keep; 0 turns it off.
	ResponseCache int64

	// Notifications by email (docs/notifications.md): through SMTPHost, or
	// written to MailDir in development; off with neither.
	SMTPHost, SMTPUsername, SMTPPassword, SMTPTLS string
	SMTPPort                                      int
	MailFrom, MailDir                             string
	// MailRetryBase and MailRetryCap shorten the outbox's retries in tests; no flag does.
	MailRetryBase, MailRetryCap time.Duration
	// MemoryLimit is the Go runtime's soft memory limit serve sets; 0 sets
	// none, and -1 (auto) sets ResponseCache plus 48 MiB unless GOMEMLIMIT is set.
	MemoryLimit int64
	// IdleRelease is how long serve waits with no request before it gives
	// freed memory back to the system; 0: never (the Go runtime's own pace).
	IdleRelease time.Duration
}

// Setting documents one configuration value; docs/configuration.md, generated
// from Settings, lists them all.
type Setting struct {
	Flag, Env, Default, Usage string
}

// Settings lists the configuration, in the order docs/configuration.md shows it.
//
//go:generate go test -run ^TestConfigurationReference$ -update .
var Settings = []Setting{
	{"addr", "PIONIERS_ADDR", ":8080", "address to listen on"},
	{"public-url", "PIONIERS_PUBLIC_URL", "", "scheme and host clients reach the service at, such as https://api.example.org; absolute URLs in responses (the calendar feed) start with it, never with the request's Host. Empty: http://<addr>, localhost when addr names no host"},
	{"data-dir", "PIONIERS_DATA_DIR", "./data", "folder for the SQLite database and the development signing and pseudonym keys"},
	{"database-url", "DATABASE_URL", "", "postgres://… to use PostgreSQL; empty for SQLite at <data-dir>/pioniers.db"},
	{"db-max-open", "PIONIERS_DB_MAX_OPEN", "0", "most connections each instance opens to serve requests: PostgreSQL's pool, or SQLite's readers (SQLite writes on one connection always). 0: 20 on PostgreSQL, the number of CPUs (at least 4) on SQLite; at least 2"},
	{"db-max-idle", "PIONIERS_DB_MAX_IDLE", "0", "connections of that pool kept open while idle. 0: as many as db-max-open (the pool closes PostgreSQL connections unused for 5 minutes)"},
	{"jwt-keys", "PIONIERS_JWT_KEYS", "", "comma-separated Ed25519 PKCS #8 PEM files; the first signs, all verify. Empty: a development key in <data-dir>"},
	{"pseudonym-key", "PIONIERS_PSEUDONYM_KEY", "", "secret (at least 32 characters) keying the pseudonyms of evaluation respondents. Empty: one kept in <data-dir>/pseudonym.key"},
	{"jwt-issuer", "PIONIERS_JWT_ISSUER", "pioniers", "iss of issued tokens, required on verify"},
	{"jwt-audience", "PIONIERS_JWT_AUDIENCE", "pioniers-api", "aud of issued tokens, required on verify"},
	{"token-ttl", "PIONIERS_TOKEN_TTL", "15m", "lifetime of access tokens"},
	{"refresh-token-ttl", "PIONIERS_REFRESH_TOKEN_TTL", "336h", "lifetime of a refresh token (a browser's sign-in); each use issues the next"},
	{"access-refresh", "PIONIERS_ACCESS_REFRESH", "1s", "how often each instance reloads which accounts and API clients may act: the bound for a disabled account or revoked client to get 401 on another instance (on the instance that made the change, at once)"},
	{"cors-origins", "PIONIERS_CORS_ORIGINS", "", "comma-separated origins allowed to write from a browser (reads are open to all)"},
	{"trust-proxy", "PIONIERS_TRUST_PROXY", "false", "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy"},
	{"body-limit", "PIONIERS_BODY_LIMIT", "1M", "largest request body"},
	{"rate-limit", "PIONIERS_RATE_LIMIT", "20", "requests per second per caller (token subject, else address) on /v1 and /embed; 0 turns limiting off"},
	{"rate-burst", "PIONIERS_RATE_BURST", "100", "requests a caller may make at once before rate-limit applies"},
	{"sign-in-limit", "PIONIERS_SIGN_IN_LIMIT", "10", "attempts per minute per client address at POST /v1/auth/token, /v1/auth/passwords and /v1/auth/revocations, and per person at PUT /v1/me/password"},
	{"log-level", "PIONIERS_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "PIONIERS_LOG_FORMAT", "json", "json or text (logs go to stderr)"},
	{"read-timeout", "PIONIERS_READ_TIMEOUT", "15s", "time to read a whole request"},
	{"write-timeout", "PIONIERS_WRITE_TIMEOUT", "60s", "time to write a whole response"},
	{"idle-timeout", "PIONIERS_IDLE_TIMEOUT", "120s", "keep-alive idle time"},
	{"drain-wait", "PIONIERS_DRAIN_WAIT", "5s", "on SIGINT/SIGTERM, how long /readyz answers 503 while requests are still served, so that a load balancer stops sending before the server closes; 0s closes at once"},
	{"shutdown-wait", "PIONIERS_SHUTDOWN_WAIT", "20s", "how long in-flight requests may finish on SIGINT/SIGTERM, after drain-wait"},
	{"debug-addr", "PIONIERS_DEBUG_ADDR", "", "address of a separate listener serving runtime figures (goroutines, memory) as JSON at /debug/vars; keep it private. Empty: none"},
	{"metrics-addr", "PIONIERS_METRICS_ADDR", "", "address of a separate, private listener serving Prometheus metrics at /metrics (and the runtime figures at /debug/vars, as debug-addr does); keep it private. Empty: none"},
	{"metrics-token", "PIONIERS_METRICS_TOKEN", "", "secret that opens /metrics on the API's own listener to Authorization: Bearer <token>; without it, /metrics there answers 404. Empty: metrics only on metrics-addr or debug-addr"},
	{"audit-retention", "PIONIERS_AUDIT_RETENTION", "17520h", "how long the audit log keeps an entry (17520h is two years); serve deletes older ones hourly. 0 keeps every entry"},
	{"retention-left", "PIONIERS_RETENTION_LEFT", "17520h", "pioniers purge erases the people whose every membership ended longer ago than this (17520h is two years, one action-plan cycle), with their accounts. 0 keeps them"},
	{"retention-unused-accounts", "PIONIERS_RETENTION_UNUSED_ACCOUNTS", "17520h", "pioniers purge deletes the user accounts not signed in to (refreshing a sign-in counts; never signed in: created) for longer than this; their person is erased only if they left too. 0 keeps them"},
	{"retention-deliveries", "PIONIERS_RETENTION_DELIVERIES", "720h", "how long webhook delivery logs and the mail log are kept (720h is 30 days); serve deletes older ones hourly, never those of an event still to be delivered or mailed. 0 keeps them"},
	{"purge-interval", "PIONIERS_PURGE_INTERVAL", "0s", "how often serve purges people and accounts past retention-left and retention-unused-accounts, as pioniers purge does, such as 24h. 0s: only when pioniers purge runs"},
	{"webhook-allow-insecure", "PIONIERS_WEBHOOK_ALLOW_INSECURE", "false", "let webhook subscriptions use http and loopback or private addresses; for local testing only, never in production"},
	{"webhook-poll", "PIONIERS_WEBHOOK_POLL", "1s", "how often the webhook dispatcher looks for changes to deliver (a write on the same instance wakes it at once)"},
	{"smtp-host", "PIONIERS_SMTP_HOST", "", "mail server that sends the notifications (registrations, meetings moved or cancelled, papers decided; see docs/notifications.md). Empty, and no mail-dir: no mail is sent"},
	{"smtp-port", "PIONIERS_SMTP_PORT", "587", "port of smtp-host: 587 for starttls, 465 for tls"},
	{"smtp-username", "PIONIERS_SMTP_USERNAME", "", "user name to sign in to smtp-host with (SASL PLAIN, over TLS); empty: no sign-in"},
	{"smtp-password", "PIONIERS_SMTP_PASSWORD", "", "password for smtp-username; prefer the environment variable to the flag"},
	{"smtp-tls", "PIONIERS_SMTP_TLS", "starttls", "starttls (upgrade the connection; the server must offer it), tls (TLS from the start) or none (only for a relay on the same host)"},
	{"mail-from", "PIONIERS_MAIL_FROM", "", "sender of the notifications, such as \"Pioniersnetwerk <bijeenkomsten@example.org>\"; required with smtp-host"},
	{"mail-dir", "PIONIERS_MAIL_DIR", "", "write each notification as an .eml file in this folder and log it, instead of sending it (development); with smtp-host set, smtp-host wins"},
	{"response-cache", "PIONIERS_RESPONSE_CACHE", "16M", "memory for the cache of anonymous reads (such as 16M); an answer is served from it only while no write was committed since, on any instance, and within the second it was rendered in. 0 turns it off"},
	{"memory-limit", "PIONIERS_MEMORY_LIMIT", "auto", "soft limit on the memory the Go runtime uses (such as 96M): near it, garbage is collected sooner and freed memory returned to the system at once. auto: response-cache plus 48M, unless GOMEMLIMIT is set; 0: no limit"},
	{"idle-release", "PIONIERS_IDLE_RELEASE", "10s", "after this long with no request begun or in flight, give the memory a burst left free back to the system: the Go heap's, SQLite's page caches, the C allocator's; 0s leaves it to the Go runtime, which returns it over minutes"},
}

// Flags registers the settings named in only (every setting when none) on
// fs, each defaulting to the environment, and returns a function that builds
// the Config after fs.Parse. Settings not registered come from the
// environment alone, so that a command lists only the flags that matter to it.
func Flags(fs *flag.FlagSet, only ...string) func() (Config, error) {
	values := map[string]*string{}
	for _, s := range Settings {
		def := s.Default
		if v, ok := os.LookupEnv(s.Env); ok {
			def = v
		}
		if len(only) > 0 && !slices.Contains(only, s.Flag) {
			values[s.Flag] = &def
			continue
		}
		value := &def
		if s.Default == "true" || s.Default == "false" {
			// A switch: --trust-proxy alone means true, as with any Go flag,
			// and never swallows the next argument.
			fs.Var((*switchValue)(value), s.Flag, s.Usage+" ($"+s.Env+")")
		} else {
			fs.StringVar(value, s.Flag, def, s.Usage+" ($"+s.Env+")")
		}
		values[s.Flag] = value
	}
	return func() (Config, error) { return parse(values) }
}

// switchValue is a boolean setting on the command line; parse checks it.
type switchValue string

func (v *switchValue) String() string     { return string(*v) }
func (v *switchValue) Set(s string) error { *v = switchValue(s); return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }

func parse(v map[string]*string) (Config, error) {
	var errs []string
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(*v[name])
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("--%s: want a duration such as 15s", name))
		}
		return d
	}
	var err error
	c := Config{
		Addr:         *v["addr"],
		PublicURL:    strings.TrimSuffix(*v["public-url"], "/"),
		DebugAddr:    *v["debug-addr"],
		MetricsAddr:  *v["metrics-addr"],
		MetricsToken: *v["metrics-token"],
		DataDir:      *v["data-dir"],
		DatabaseURL:  *v["database-url"],
		JWTKeyFiles:  list(*v["jwt-keys"]),
		PseudonymKey: *v["pseudonym-key"],
		JWTIssuer:    *v["jwt-issuer"],
		JWTAudience:  *v["jwt-audience"],
		TokenTTL:     dur("token-ttl"),
		CORSOrigins:  list(*v["cors-origins"]),
		BodyLimit:    *v["body-limit"],
		LogLevel:     *v["log-level"],
		LogFormat:    *v["log-format"],
		ReadTimeout:  dur("read-timeout"),
		WriteTimeout: dur("write-timeout"),
		IdleTimeout:  dur("idle-timeout"),
		ShutdownWait: dur("shutdown-wait"),
	}
	c.RefreshTokenTTL, c.AccessRefresh = dur("refresh-token-ttl"), dur("access-refresh")
	if c.DrainWait, err = time.ParseDuration(*v["drain-wait"]); err != nil || c.DrainWait < 0 {
		errs = append(errs, "--drain-wait: want a duration such as 5s, 0s for none")
	}
	if c.IdleRelease, err = time.ParseDuration(*v["idle-release"]); err != nil || c.IdleRelease < 0 {
		errs = append(errs, "--idle-release: want a duration such as 10s, 0s for never")
	}
	if c.AuditRetention, err = time.ParseDuration(*v["audit-retention"]); err != nil || c.AuditRetention < 0 {
		errs = append(errs, "--audit-retention: want a duration such as 17520h, 0 to keep every entry")
	}
	keep := func(name string) time.Duration {
		d, err := time.ParseDuration(*v[name])
		if err != nil || d < 0 {
			errs = append(errs, fmt.Sprintf("--%s: want a duration such as 720h, 0 to keep", name))
		}
		return d
	}
	c.RetentionLeft, c.RetentionUnusedAccounts = keep("retention-left"), keep("retention-unused-accounts")
	c.RetentionDeliveries = keep("retention-deliveries")
	if c.PurgeInterval, err = time.ParseDuration(*v["purge-interval"]); err != nil || c.PurgeInterval < 0 {
		errs = append(errs, "--purge-interval: want a duration such as 24h, 0s for none")
	}
	if c.RateLimit, err = strconv.ParseFloat(*v["rate-limit"], 64); err != nil || c.RateLimit < 0 {
		errs = append(errs, "--rate-limit: want a number of requests per second, 0 for no limit")
	}
	if c.RateBurst, err = strconv.Atoi(*v["rate-burst"]); err != nil || c.RateBurst < 1 {
		errs = append(errs, "--rate-burst: want a whole number of at least 1")
	}
	if c.SignInLimit, err = strconv.Atoi(*v["sign-in-limit"]); err != nil || c.SignInLimit < 1 {
		errs = append(errs, "--sign-in-limit: want a whole number of at least 1")
	}
	if c.DBMaxOpen, err = strconv.Atoi(*v["db-max-open"]); err != nil || c.DBMaxOpen < 0 || c.DBMaxOpen == 1 {
		// One connection cannot serve an export that reads a second thing
		// while it streams, nor any request meanwhile.
		errs = append(errs, "--db-max-open: want 0 for the default, or 2 or more")
	}
	if c.DBMaxIdle, err = strconv.Atoi(*v["db-max-idle"]); err != nil || c.DBMaxIdle < 0 {
		errs = append(errs, "--db-max-idle: want a whole number, 0 for the default")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, "--metrics-token: want at least 16 characters")
	}
	if c.PseudonymKey != "" && len(c.PseudonymKey) < 32 {
		errs = append(errs, "--pseudonym-key: want at least 32 characters")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			// No path: the API's paths (Location, Link, the embeds) start at the root.
			errs = append(errs, "--public-url: want the scheme and host only, such as https://api.example.org")
		}
	}
	trust, err := strconv.ParseBool(*v["trust-proxy"])
	if err != nil {
		errs = append(errs, "--trust-proxy: want true or false")
	}
	c.TrustProxy = trust
	if c.WebhookAllowInsecure, err = strconv.ParseBool(*v["webhook-allow-insecure"]); err != nil {
		errs = append(errs, "--webhook-allow-insecure: want true or false")
	}
	c.WebhookPoll = dur("webhook-poll")
	if c.ResponseCache, err = bytes.Parse(*v["response-cache"]); err != nil || c.ResponseCache < 0 {
		errs = append(errs, "--response-cache: want a size such as 16M, 0 for no cache")
	}
	errs = append(errs, c.parseMail(v)...)
	if ml := *v["memory-limit"]; ml == "auto" {
		c.MemoryLimit = -1
	} else if c.MemoryLimit, err = bytes.Parse(ml); err != nil || c.MemoryLimit < 0 {
		errs = append(errs, "--memory-limit: want a size such as 96M, auto, or 0 for no limit")
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// Defaults returns the configuration with every default, ignoring the
// environment; tests start from it.
func Defaults() Config {
	v := map[string]*string{}
	for _, s := range Settings {
		def := s.Default
		v[s.Flag] = &def
	}
	c, _ := parse(v)
	return c
}

// HTTPServer is the net/http server that serves h with the configured
// timeouts: the API's, and make bench's floor that answers as the API does.
func (c Config) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		// net/http answers a larger header section itself, in text/plain;
		// up to here the handler answers 431 as a problem at maxHeaderBytes.
		MaxHeaderBytes: http.DefaultMaxHeaderBytes,
	}
}

// BaseURL is where clients reach the service, without a trailing slash:
// the configured public URL, or else the listen address on http, with
// localhost for an address that names no host or every interface.
func (c Config) BaseURL() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "http://" + c.Addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// RetentionPolicy is how long the configured retention keeps each kind of data.
func (c Config) RetentionPolicy() retention.Policy {
	return retention.Policy{Left: c.RetentionLeft, UnusedAccounts: c.RetentionUnusedAccounts,
		Deliveries: c.RetentionDeliveries, Audit: c.AuditRetention}
}

// databaseURL is the configured URL, or the SQLite file in the data folder.
func (c Config) databaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "pioniers.db")
}

func list(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// RuntimeMemoryLimit is the soft memory limit serve sets, 0 for none: the heap
// holds the response cache and what requests render meanwhile, so auto
// leaves 48 MiB beside the cache; GOMEMLIMIT, when set, is the runtime's own.
func (c Config) RuntimeMemoryLimit(gomemlimit string) int64 {
	switch {
	case c.MemoryLimit >= 0:
		return c.MemoryLimit
	case gomemlimit != "":
		return 0
	default:
		return c.ResponseCache + 48<<20
	}
}
