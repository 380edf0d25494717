// Package app wires the service together: configuration, database, domain
// services, the HTTP handler and the server's life cycle. The command line
// and the tests build the service through New, the same way.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/httpapi"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/notification"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
	"github.com/pioniersnetwerk/pioniers/internal/seed"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// maxHeaderBytes limits a request's line and headers.
const maxHeaderBytes = 64 << 10

// App is the running service and everything it is built from.
type App struct {
	Config        Config
	Log           *slog.Logger
	DB            *store.DB
	Organisations *organisation.Service
	Accounts      *account.Service
	People        *person.Service
	Meetings      *meeting.Service
	Publications  *publication.Service
	Milestones    *milestone.Service
	Evaluations   *evaluation.Service
	Audit         *audit.Service
	Retention     *retention.Service // purge and expiry; see retention.go
	Webhooks      *webhook.Service
	Dispatcher    *webhook.Dispatcher  // started by Serve; tests may run it themselves
	Outbox        *notification.Outbox // mails notifications; nil when mail is off; started by Serve
	Tokens        *auth.Tokens
	Access        *auth.Access // who may still act; see Config.AccessRefresh
	Seed          *seed.Loader
	Migrated      []string // the migrations this start applied, by name
	stopAccess    func()
	handler       http.Handler
	handlerRest   *httpapi.Rest // what the handler lets go of at rest
	draining      *atomic.Bool  // set when shutdown begins; see ServeListener
	metrics       *serviceMetrics
}

// New opens the database, applies pending migrations, and builds the
// services and the HTTP handler.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	db, err := store.OpenPool(ctx, cfg.databaseURL(), log, store.Pool{MaxOpen: cfg.DBMaxOpen, MaxIdle: cfg.DBMaxIdle})
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, log, db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, log *slog.Logger, db *store.DB) (*App, error) {
	migrated, err := db.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := signingKeys(cfg)
	if err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokens(keys, cfg.JWTIssuer, cfg.JWTAudience, cfg.TokenTTL, time.Now)
	if err != nil {
		return nil, err
	}
	cost := cfg.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	orgs := organisation.NewService(db, time.Now)
	accounts := account.NewService(db, orgs, time.Now, cost)
	people := person.NewService(db, orgs, time.Now)
	meetings := meeting.NewService(db, orgs, people, time.Now)
	people.OnErase(meetings) // erasure reaches registrations and papers' authors
	people.OnErase(accounts) // and the person's user accounts
	access := auth.NewAccess(tokens, db)
	if err := access.Load(ctx); err != nil {
		return nil, err
	}
	accounts.OnAccessChange(func(subject string, version int, active bool) {
		access.Set(auth.State{Subject: subject, Version: version, Active: active})
	})
	publications := publication.NewService(db, time.Now)
	milestones := milestone.NewService(db, db, orgs, time.Now)
	secret, err := pseudonymKey(cfg)
	if err != nil {
		return nil, err
	}
	evaluations := evaluation.NewService(db, orgs, time.Now, secret)
	auditLog := audit.NewService(db, time.Now)
	guard := webhook.Guard{AllowInsecure: cfg.WebhookAllowInsecure}
	if guard.AllowInsecure {
		log.Warn("webhooks may reach http, loopback and private addresses (--webhook-allow-insecure): for local testing only")
	}
	webhooks := webhook.NewService(db, guard, time.Now)
	metrics, err := newMetrics(cfg, db, log)
	if err != nil {
		return nil, err
	}
	// Deliveries carry what the feed gives the subscription's owner, as GET gives it.
	feed := change.NewService(db, change.Readers{Organisations: orgs, People: people, Meetings: meetings,
		Publications: publications, Milestones: milestones, Evaluations: evaluations})
	dispatcher := webhook.NewDispatcher(db, feed, webhooks, guard, webhook.Options{
		Poll: cfg.WebhookPoll, RetryBase: cfg.WebhookRetryBase, RetryCap: cfg.WebhookRetryCap, RetryFor: cfg.WebhookRetryFor,
		Source: cfg.BaseURL() + "/v1", Render: httpapi.ChangeData(cfg.BaseURL(), time.Now), Observer: metrics.deliveries,
	}, log)
	outbox, unsubscribe := notifications(cfg, log, db, people, secret, metrics.mail)
	draining := new(atomic.Bool)
	rest := &httpapi.Rest{}
	handler, err := httpapi.NewHandler(httpapi.Services{
		Organisations: orgs,
		People:        people,
		Meetings:      meetings,
		Publications:  publications,
		Milestones:    milestones,
		Evaluations:   evaluations,
		Audit:         auditLog,
		SignIn:        auth.NewSignIn(accounts, tokens, access, db, cfg.RefreshTokenTTL, time.Now),
		Tokens:        access,
		Users:         accounts,
		Idempotency:   idempotency.NewKeeper(db.IdempotencyKeys(), time.Now),
		Clients:       accounts,
		Webhooks:      webhooks,
		Changes:       feed,
		Unsubscribe:   unsubscribe,
	}, httpapi.Options{
		BodyLimit:      cfg.BodyLimit,
		CORSOrigins:    cfg.CORSOrigins,
		TrustProxy:     cfg.TrustProxy,
		PublicURL:      cfg.BaseURL(),
		MaxHeaderBytes: maxHeaderBytes,
		Ready:          db.Ping,
		Draining:       draining.Load,
		RateLimit:      httpapi.RateLimit{Rate: cfg.RateLimit, Burst: cfg.RateBurst},
		SignInLimit:    httpapi.RateLimit{Rate: float64(cfg.SignInLimit) / 60, Burst: cfg.SignInLimit},
		Metrics:        metrics.http,
		ResponseCache:  cfg.ResponseCache,
		Version:        db.Version,
		Rest:           rest,
		// Where net/http's multipart forms go too: TMPDIR when set.
		SpillDir: os.TempDir(),
		// Deliveries and mail follow a write at once rather than at the
		// next poll; a wake with nothing to deliver costs one query.
		Wrote: func() {
			dispatcher.Wake()
			if outbox != nil {
				outbox.Wake()
			}
		},
	}, log)
	if err != nil {
		return nil, err
	}
	// The table reloads every AccessRefresh for as long as the app lives:
	// that bounds how long another instance's change takes to reach this one.
	stopAccess := runInBackground(func(ctx context.Context) { access.Run(ctx, cfg.AccessRefresh, log) })
	return &App{Config: cfg, Log: log, DB: db, Organisations: orgs, Accounts: accounts, People: people, Meetings: meetings, Publications: publications, Milestones: milestones, Evaluations: evaluations, Audit: auditLog, Tokens: tokens,
		Webhooks: webhooks, Dispatcher: dispatcher, Outbox: outbox, Retention: retention.NewService(db, people, accounts, auditLog, time.Now), Migrated: migrated,
		Access: access, stopAccess: stopAccess,
		Seed: seed.NewLoader(db, orgs, meetings, publications, milestones, evaluations, time.Now), handler: handler, handlerRest: rest, draining: draining, metrics: metrics}, nil
}

// signingKeys loads the configured keys, or in development keeps one in the data folder.
func signingKeys(cfg Config) ([]auth.Key, error) {
	if len(cfg.JWTKeyFiles) == 0 {
		k, err := auth.LoadOrCreateKey(filepath.Join(cfg.DataDir, "jwt-signing-key.pem"))
		if err != nil {
			return nil, err
		}
		return []auth.Key{k}, nil
	}
	keys := make([]auth.Key, 0, len(cfg.JWTKeyFiles))
	for _, path := range cfg.JWTKeyFiles {
		k, err := auth.LoadKey(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// pseudonymKey is the configured secret, or in development one kept in the
// data folder, created once.
func pseudonymKey(cfg Config) ([]byte, error) {
	if cfg.PseudonymKey != "" {
		return []byte(cfg.PseudonymKey), nil
	}
	path := filepath.Join(cfg.DataDir, "pseudonym.key")
	read := func() ([]byte, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read pseudonym key: %w", err)
		}
		if len(data) < 32 {
			// A short key would let anyone recompute the pseudonyms.
			return nil, fmt.Errorf("pseudonym key %s holds %d bytes; want at least 32 (remove it to make a new one, or set --pseudonym-key)", path, len(data))
		}
		return data, nil
	}
	if _, err := os.Stat(path); err == nil {
		return read()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("pseudonym key folder: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	// Written whole to a temporary file, then linked into place: the key file
	// is never seen half-written, and of two instances starting at once one
	// key wins and both read it.
	tmp, err := os.CreateTemp(cfg.DataDir, "pseudonym.key.*")
	if err != nil {
		return nil, fmt.Errorf("write pseudonym key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(key))
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("write pseudonym key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("write pseudonym key: %w", err)
	}
	return read()
}

// Handler is the whole HTTP API.
func (a *App) Handler() http.Handler { return a.handler }

// Serve listens on the configured address, calls ready (when not nil) with
// the bound address once every listener is bound, and serves until ctx ends,
// then drains and shuts down (see ServeListener). Nothing is announced for a
// port that cannot be had: the error names the address and the setting.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	if limit := a.Config.RuntimeMemoryLimit(os.Getenv("GOMEMLIMIT")); limit > 0 {
		debug.SetMemoryLimit(limit)
	} else if a.Config.MemoryLimit == 0 {
		debug.SetMemoryLimit(math.MaxInt64) // 0: no limit, even one GOMEMLIMIT set
	}
	ln, err := listen(a.Config.Addr, "addr", "PIONIERS_ADDR")
	if err != nil {
		return err
	}
	for _, p := range a.Config.privateListeners() {
		stop, err := serveDebug(p.addr, p.flag, p.env, a.metrics.http.Handler())
		if err != nil {
			return errors.Join(err, ln.Close())
		}
		defer stop()
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return a.ServeListener(ctx, ln)
}

// listen binds addr; its error says how to choose another address.
func listen(addr, flagName, env string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s: the address is already in use (another program, or another pioniers, listens there); "+
			"stop it, or choose another address with --%s or $%s, such as --%s 127.0.0.1:8081", addr, flagName, env, flagName)
	case err != nil:
		return nil, fmt.Errorf("cannot listen on %s: %w; choose another address with --%s or $%s", addr, err, flagName, env)
	}
	return ln, nil
}

// goroutines is published once: expvar's names are global to the process.
var goroutines = sync.OnceFunc(func() {
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
})

// serveDebug serves expvar's runtime figures (memstats, the command line, the
// goroutine count) at /debug/vars, and metrics (when not nil) at /metrics,
// on their own listener, so that operators and the soak test can watch them
// without exposing them on the API.
func serveDebug(addr, flagName, env string, metrics http.Handler) (stop func(), err error) {
	goroutines()
	ln, err := listen(addr, flagName, env)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /debug/vars", expvar.Handler())
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ends with Close below
	}()
	return func() { _ = srv.Close(); <-done }, nil
}

// ServeListener serves on ln until ctx ends. Then it drains: for DrainWait
// /readyz answers 503 while every request is still served, each response
// closing its connection, so that a load balancer stops sending and clients
// leave their keep-alive connections before any is closed under them. Then
// the server shuts down, letting in-flight requests finish for up to
// ShutdownWait.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	defer a.dispatch()()
	handler := a.closingWhileDraining(a.handler)
	if a.Config.IdleRelease > 0 {
		idle := &idleRelease{after: a.Config.IdleRelease, release: a.releaseMemory}
		handler = idle.track(handler)
		defer runInBackground(idle.run)()
	}
	srv := a.Config.HTTPServer(handler)
	srv.ErrorLog = slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)
	expiryCtx, stopExpiry := context.WithCancel(ctx)
	defer a.retain(expiryCtx)()
	defer stopExpiry() // first: the deferred wait above needs it
	// Serve runs in a goroutine that ends whichever way the server stops:
	// it returns at once when Shutdown begins, or by itself on an error.
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fail := func(err error) error {
		// The listener failed: close the connections still open, so that
		// nothing outlives this call.
		return errors.Join(fmt.Errorf("serve: %w", err), srv.Close())
	}
	select {
	case err := <-served:
		return fail(err)
	case <-ctx.Done():
	}
	a.draining.Store(true)
	defer a.draining.Store(false)
	if a.Config.DrainWait > 0 {
		a.Log.Info("shutting down: draining", "drainWait", a.Config.DrainWait.String())
		drained := time.NewTimer(a.Config.DrainWait)
		select {
		case err := <-served:
			drained.Stop()
			return fail(err)
		case <-drained.C:
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownWait)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err != nil {
		// Requests outlived ShutdownWait: drop their connections.
		err = errors.Join(err, srv.Close())
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve: %w", serr))
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// dispatch starts delivering webhooks and mail, and returns the function
// that stops it, once the server has shut down.
func (a *App) dispatch() (stop func()) {
	stopHooks := runInBackground(a.Dispatcher.Run)
	if a.Outbox == nil {
		return stopHooks
	}
	stopMail := runInBackground(a.Outbox.Run)
	return func() { stopHooks(); stopMail() }
}

// runInBackground runs fn on a goroutine of its own until the function it
// returns is called, which waits for fn to end.
func runInBackground(fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() { cancel(); <-done }
}

// closingWhileDraining asks every client to close its connection once
// shutdown has begun: the client opens a new one for its next request
// instead of sending it on one the server may be closing.
func (a *App) closingWhileDraining(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// Close stops reloading the access table and releases the database.
func (a *App) Close() error {
	a.stopAccess()
	return a.DB.Close()
}

// NewLogger builds the structured logger the configuration asks for; every
// line logged with a request's context carries its request id.
func NewLogger(cfg Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if strings.EqualFold(cfg.LogFormat, "text") {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	return slog.New(LogHandlerFor(h))
}

// LogHandlerFor wraps h so that records logged with a request's context carry its request id.
func LogHandlerFor(h slog.Handler) slog.Handler { return httpapi.LogHandler{Handler: h} }
