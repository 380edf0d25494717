// Package httpapi serves the contract: thin handlers that implement the
// generated strict server, the API<->domain mappers, the one problem+json
// error boundary, and the middleware every request passes.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/swaggest/swgui/v5emb"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

const (
	basePath  = "/v1"
	docsPath  = "/docs"
	tokenPath = basePath + "/auth/token"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// organisations is what the handlers need of the organisation service.
type organisations interface {
	List(ctx context.Context, q organisation.Query) (domain.Page[organisation.Organisation], error)
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
	Create(ctx context.Context, in organisation.Input) (organisation.Organisation, error)
	Replace(ctx context.Context, ref string, in organisation.Input, pre domain.Precondition) (organisation.Organisation, error)
	Update(ctx context.Context, ref string, change func(organisation.Input) (organisation.Input, error), pre domain.Precondition) (organisation.Organisation, error)
	Delete(ctx context.Context, ref string, pre domain.Precondition) error
}

// signIn turns credentials into access tokens, and ends sign-ins.
type signIn interface {
	PasswordToken(ctx context.Context, email, password string) (auth.Grant, error)
	ClientToken(ctx context.Context, clientID, secret, scope string) (auth.Grant, error)
	Refresh(ctx context.Context, refreshToken string) (auth.Grant, error)
	Revoke(ctx context.Context, refreshToken string) error
}

// tokenVerifier checks bearer tokens, and that their subject may still act;
// it returns the refresh-token family a token came from, if any.
type tokenVerifier interface {
	Verify(ctx context.Context, token string) (domain.Actor, string, error)
}

// Services are the domain services the API serves.
type Services struct {
	Organisations organisations
	People        people
	Meetings      meetings
	Publications  publications
	Milestones    milestones
	Evaluations   evaluations
	Audit         auditLog
	SignIn        signIn
	Tokens        tokenVerifier
	Users         users
	Idempotency   idempotencyKeeper
	Webhooks      webhooks
	Changes       changes
	Unsubscribe   unsubscriber // the link in every notification; nil: no route
	Clients       clients
}

// Options tune the HTTP layer.
type Options struct {
	BodyLimit   string   // such as "1M"
	CORSOrigins []string // origins allowed to write from a browser
	TrustProxy  bool     // trust X-Forwarded-Proto and X-Forwarded-For
	Ready       func(ctx context.Context) error
	RateLimit   RateLimit // per caller on /v1; zero Rate turns limiting off
	SignInLimit RateLimit // per client address on POST /v1/auth/token
	// Clock is the time representations are derived at (a meeting's overdue
	// report, an evaluation's status); time.Now when nil.
	Clock domain.Clock
	// PublicURL is where clients reach the API (such as https://example.org),
	// the start of absolute URLs in responses; never the request's Host,
	// which anyone can set and a shared cache would keep.
	PublicURL string
	// MaxHeaderBytes limits a request's line and headers (431 beyond); 0
	// leaves it to the http.Server.
	MaxHeaderBytes int
	// Draining reports that the server is shutting down: /readyz fails, so
	// that a load balancer sends no more, while requests are still served.
	Draining func() bool
	// Metrics instruments every request (see NewMetrics); nil: none.
	Metrics *Metrics
	// ResponseCache is how many bytes the cache of anonymous reads may
	// keep (see cache.go); 0 turns it off. Version reads the data version
	// it checks per request; without one there is no cache.
	ResponseCache int64
	Version       func(ctx context.Context) (int64, error)
	// Rest, when set, is given what the handler keeps that a server at
	// rest may let go of (see Rest).
	Rest *Rest
	// SpillDir is where a response body larger than a megabyte (the
	// calendar feed) is held, in an unlinked file, while it is tagged, sent
	// and cached; empty: in memory.
	SpillDir string
	// Wrote is called after every request with a write method that
	// succeeded (such as to wake the webhook dispatcher); nil: nothing.
	Wrote func()
}

// Server implements the generated strict server interface.
type Server struct {
	orgs         organisations
	people       people
	meetings     meetings
	publications publications
	milestones   milestones
	evaluations  evaluations
	audit        auditLog
	webhooks     webhooks
	signIn       signIn
	users        users
	contract     *contract
	now          domain.Clock
	publicURL    string
	changes      changes
	changeData   func(ctx context.Context, ev change.Event) (json.RawMessage, error)
	clients      clients
}

var _ api.StrictServerInterface = (*Server)(nil)

// NewHandler builds the whole HTTP handler: middleware, the contract's
// routes, the contract itself, docs and health checks. Its middleware is
// fixed here (see routedChain): Use and Pre on it do nothing, and routes
// added to it later get the same middleware.
func NewHandler(svc Services, opt Options, log *slog.Logger) (*echo.Echo, error) {
	contract, err := loadContract()
	if err != nil {
		return nil, err
	}
	spec := contract.spec
	version := spec.Info.Version
	if opt.BodyLimit == "" {
		opt.BodyLimit = "1M"
	}

	validator := newContract(spec, basePath)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(log)
	if opt.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	clock := opt.Clock
	if clock == nil {
		clock = time.Now
	}
	cache := newResponseCache(opt.ResponseCache, opt.Version, clock, validator)
	if opt.Rest != nil {
		opt.Rest.cache = cache
	}
	// Before routing, so that the router's own 404 and 405 get them too.
	// headAsGet comes first: the router matches on the original request.
	// The cache answers anonymous reads after the rate limit has counted
	// them and before anything validates or renders them.
	e.Pre(routedChain(e,
		[]echo.MiddlewareFunc{opt.Metrics.middleware(), headAsGet, requestID, accessLog(log), recoverPanic(log), baseHeaders(version, opt.TrustProxy),
			headerLimit(opt.MaxHeaderBytes), cors(opt.CORSOrigins), noTrailingSlash, unlessNoExport(validator.legacyExports(basePath)), unlessNoExport(streamDeadlines(log))},
		[]echo.MiddlewareFunc{brokenBody, middleware.BodyLimit(opt.BodyLimit), authenticate(svc.Tokens), rateLimited(opt.RateLimit, opt.SignInLimit),
			cache.middleware, validator.requireToken, carryRequest, idempotent(svc.Idempotency, validator.keyed), validator.middleware, conditionalGET(opt.SpillDir), afterWrite(opt.Wrote)}))

	server := &Server{orgs: svc.Organisations, people: svc.People, meetings: svc.Meetings, publications: svc.Publications,
		milestones: svc.Milestones, evaluations: svc.Evaluations, audit: svc.Audit, signIn: svc.SignIn, users: svc.Users, contract: validator, now: opt.Clock,
		publicURL: strings.TrimSuffix(opt.PublicURL, "/"), clients: svc.Clients}
	server.webhooks = svc.Webhooks
	if server.now == nil {
		server.now = time.Now
	}
	server.changes, server.changeData = svc.Changes, ChangeData(server.publicURL, server.now)
	api.RegisterHandlersWithBaseURL(e, api.NewStrictHandler(server, nil), basePath)

	e.GET(basePath+"/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/vnd.oai.openapi+json;version=3.0", contract.json)
	})
	e.GET(basePath+"/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/vnd.oai.openapi;version=3.0", contract.yaml)
	})
	e.GET(embedPagePath, server.serveEmbedPage)
	e.GET(embedScriptPath, serveEmbedScript)
	if svc.Unsubscribe != nil {
		registerUnsubscribe(e, svc.Unsubscribe)
	}
	docs := docsHandler(v5emb.New("Pioniers API", basePath+"/openapi.json", docsPath+"/"))
	e.GET(docsPath, docs)
	e.GET(docsPath+"/*", docs)
	e.GET(healthPath, func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET(readyPath, func(c echo.Context) error {
		if opt.Draining != nil && opt.Draining() {
			return &requestError{status: http.StatusServiceUnavailable, detail: "the service is shutting down"}
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if opt.Ready != nil {
			if err := opt.Ready(ctx); err != nil {
				log.ErrorContext(ctx, "not ready", "error", err.Error())
				return &requestError{status: http.StatusServiceUnavailable, detail: "the database does not answer, or cannot take writes"}
			}
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	return e, nil
}

// The paths machines poll to watch the service.
const (
	healthPath = "/healthz"
	readyPath  = "/readyz"
)

// Monitoring reports whether path is one that load balancers, probes and
// scrapers poll to watch the service (health, readiness, metrics) rather
// than one its users ask for.
func Monitoring(path string) bool {
	return path == healthPath || path == readyPath || path == metricsPath
}

// Short names for the domain's generic types in handler signatures.
type (
	domainPage[T any]  = domain.Page[T]
	domainPrecondition = domain.Precondition
	domainChange       = domain.Change
)

// docsHandler serves the bundled docs UI, answering its own not-found as a
// problem like every other 404.
func docsHandler(h http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		rec := &bufferedWriter{header: c.Response().Header()}
		h.ServeHTTP(rec, c.Request())
		if rec.status == http.StatusNotFound {
			c.Response().Header().Del("Content-Type")
			return echo.ErrNotFound
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		c.Response().WriteHeader(status)
		_, err := c.Response().Write(rec.body.Bytes())
		return err
	}
}
