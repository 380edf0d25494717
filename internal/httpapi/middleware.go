package httpapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// LogHandler wraps a slog handler so that every record logged with a request's
// context carries its request id.
type LogHandler struct{ slog.Handler }

// Handle adds request_id when the context has one.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := domain.RequestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }

// routedChain composes the whole chain once, at start: the middlewares that
// run before routing, the routing, then the ones that run on the routed
// request, then the route's handler. echo would apply every middleware to
// the route's handler anew on each request (a closure per middleware per
// request); this chain ignores the handler echo passes it and routes the
// request itself, on the router echo would use (the API has no host routes).
// So it is the only middleware: echo's Use and Pre after it do nothing.
func routedChain(e *echo.Echo, before, after []echo.MiddlewareFunc) echo.MiddlewareFunc {
	routed := chain(func(c echo.Context) error { return c.Handler()(c) }, after...)
	whole := chain(func(c echo.Context) error {
		r := c.Request()
		e.Router().Find(r.Method, echo.GetPath(r), c)
		return routed(c)
	}, before...)
	return func(echo.HandlerFunc) echo.HandlerFunc { return whole }
}

// chain is h behind mws, the first outermost.
func chain(h echo.HandlerFunc, mws ...echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// afterWrite calls wrote after every request with a write method that
// succeeded; nil: nothing.
func afterWrite(wrote func()) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if wrote == nil {
			return next
		}
		return func(c echo.Context) error {
			err := next(c)
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if err == nil && c.Response().Status < http.StatusBadRequest {
					wrote()
				}
			}
			return err
		}
	}
}

// requestID accepts a sane X-Request-ID or makes one, echoes it, and puts it
// in the request's context for every log line.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var id string
		if v := r.Header["X-Request-Id"]; len(v) > 0 { // as Get would, without spelling the name anew
			id = v[0]
		}
		if !saneRequestID(id) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header()["X-Request-Id"] = []string{id} // the canonical form of the name: Set would make it anew
		c.SetRequest(r.WithContext(domain.WithRequestID(r.Context(), id)))
		return next(c)
	}
}

// saneRequestID reports whether id is 1 to 128 of A-Z, a-z, 0-9 and ._:-
// (a client's id goes into logs and headers as it is).
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// baseHeaders sets the headers every response carries, errors and the
// router's own 404 and 405 included. The values are made once and shared by
// every response (each a slice of one, full to capacity, so that an Add
// copies it rather than write into it).
func baseHeaders(version string, trustProxy bool) echo.MiddlewareFunc {
	one := func(v string) []string { return []string{v}[:1:1] }
	apiVersion, nosniff, noReferrer, deny := one(version), one("nosniff"), one("no-referrer"), one("DENY")
	// The docs page runs its own bundled script and styles; nothing from elsewhere.
	docsCSP := one("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
	// The schedule for iframes on any website: framing allowed, nothing else.
	embedCSP := one(embedPageCSP)
	apiCSP := one("default-src 'none'; frame-ancestors 'none'")
	hsts := one("max-age=31536000; includeSubDomains")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h["Api-Version"], h["X-Content-Type-Options"], h["Referrer-Policy"] = apiVersion, nosniff, noReferrer
			switch p := c.Request().URL.Path; {
			case strings.HasPrefix(p, docsPath):
				h["Content-Security-Policy"], h["X-Frame-Options"] = docsCSP, deny
			case p == embedPagePath:
				h["Content-Security-Policy"] = embedCSP
			default:
				h["Content-Security-Policy"], h["X-Frame-Options"] = apiCSP, deny
			}
			r := c.Request()
			https := r.TLS != nil || (trustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
			if https {
				h["Strict-Transport-Security"] = hsts
			}
			return next(c)
		}
	}
}

// headAsGet answers HEAD as GET without the body (RFC 9110 section 9.3.2),
// so every GET route also serves HEAD with the same headers.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		r.Method = http.MethodGet
		res := c.Response()
		orig := res.Writer
		res.Writer = bodyless{orig}
		defer func() {
			res.Writer = orig
			r.Method = http.MethodHead
		}()
		return next(c)
	}
}

// bodyless drops the body; the headers go out as for GET.
type bodyless struct{ http.ResponseWriter }

func (b bodyless) Write(p []byte) (int, error) { return len(p), nil }

// noTrailingSlash answers 404 for a path ending in a slash: never a redirect,
// never a silent match on an empty path parameter.
func noTrailingSlash(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if len(p) > 1 && strings.HasSuffix(p, "/") && !strings.HasPrefix(p, docsPath+"/") {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

var (
	corsAllowHeaders  = "Authorization, Content-Type, Accept, If-Match, If-None-Match, Idempotency-Key, X-Request-ID"
	corsExposeHeaders = "API-Version, Deprecation, ETag, Link, Location, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID"
)

// cors lets any origin read (GET, HEAD) and only allow-listed origins write.
func cors(allowed []string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			origin := r.Header.Get("Origin")
			h := c.Response().Header()
			if origin == "" {
				// Public reads say so even without Origin, for caches and checkers.
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					h.Set("Access-Control-Allow-Origin", "*")
				}
				return next(c)
			}
			writer := slices.Contains(allowed, origin) || slices.Contains(allowed, "*")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Add("Vary", "Origin")
				method := r.Header.Get("Access-Control-Request-Method")
				switch {
				case method == http.MethodGet || method == http.MethodHead:
					h.Set("Access-Control-Allow-Origin", "*")
					h.Set("Access-Control-Allow-Methods", "GET, HEAD")
				case writer:
					h.Set("Access-Control-Allow-Origin", origin)
					h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
				default:
					return c.NoContent(http.StatusNoContent)
				}
				h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
				h.Set("Access-Control-Max-Age", "600")
				return c.NoContent(http.StatusNoContent)
			}
			switch {
			case r.Method == http.MethodGet || r.Method == http.MethodHead:
				h.Set("Access-Control-Allow-Origin", "*")
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			case writer:
				h.Add("Vary", "Origin")
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			}
			return next(c)
		}
	}
}

// accessLog renders errors through the boundary, then logs one line per request.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			// The cache says whether it answered, only where a line is logged:
			// echo's store is made anew for each request that sets one.
			var cache *cacheState
			if log.Enabled(c.Request().Context(), slog.LevelInfo) {
				cache = new(cacheState)
				c.Set(cacheStateKey, cache)
			}
			if err := next(c); err != nil {
				c.Error(err)
			}
			r := c.Request()
			status := c.Response().Status
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			if !log.Enabled(r.Context(), level) {
				return nil // the record would be dropped: not built either
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", c.Response().Size),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", c.RealIP()),
				slog.String("actor", domain.ActorFrom(r.Context()).Subject),
			}
			if cache != nil && *cache != "" {
				attrs = append(attrs, slog.String("cache", string(*cache)))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
			return nil
		}
	}
}

// recoverPanic turns a panic into a 500 and logs the cause with its stack.
func recoverPanic(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					stack := make([]byte, 8<<10)
					stack = stack[:runtime.Stack(stack, false)]
					log.ErrorContext(c.Request().Context(), "panic", "cause", fmt.Sprint(v), "stack", string(stack))
					err = fmt.Errorf("panic: %v", v)
				}
			}()
			return next(c)
		}
	}
}

// authenticate puts the caller in the request's context: the actor of a valid
// bearer token, or anonymous when there is none. A token that is present but
// invalid, or whose account was disabled, changed or removed since, leaves
// the caller anonymous and is refused by requireToken, after the rate limit
// has counted the attempt against the client's address. Anonymous requests
// cost nothing; a token costs a signature check and a look in memory.
func authenticate(tokens tokenVerifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			header := c.Request().Header.Get("Authorization")
			if header == "" || c.Path() == tokenPath {
				return next(c)
			}
			ctx := c.Request().Context()
			scheme, token, ok := strings.Cut(header, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				ctx = context.WithValue(ctx, tokenErrorKey{}, domain.Errorf(domain.CodeUnauthenticated, "the Authorization header must be Bearer <token>"))
			} else if actor, session, err := tokens.Verify(ctx, strings.TrimSpace(token)); err != nil {
				ctx = context.WithValue(ctx, tokenErrorKey{}, err)
			} else {
				ctx = context.WithValue(domain.WithActor(ctx, actor), sessionKey{}, session)
			}
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

type tokenErrorKey struct{}

// sessionKey holds the refresh-token family the caller's token came from.
type sessionKey struct{}

// brokenBody marks what goes wrong while the request body is read as the
// client's doing: malformed chunking, or fewer bytes than Content-Length.
// Whoever reads the body then returns the error as it comes, and the
// boundary answers 400, not 500.
func brokenBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = clientBody{r.Body}
		}
		return next(c)
	}
}

// clientBody is a request body whose read errors are bodyErrors.
type clientBody struct{ io.ReadCloser }

func (b clientBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &bodyError{err: err}
	}
	return n, err
}

// bodyError is a request body the connection did not deliver whole.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read request body: " + e.err.Error() }

func (e *bodyError) Unwrap() error { return e.err }

// conditionalGET gives every successful GET a strong ETag (the handler's, or
// a hash of the body) and answers a matching If-None-Match with 304, unless
// the response says no-store. A version tag ("v3") also gets a digest of
// the body, on writes too, so the tag a write returns is the one the next
// GET sends. A body larger than spillAt is held in a file in spillDir while
// it is tagged and sent (see bodyBuffer); with no spillDir, in memory.
func conditionalGET(spillDir string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if mayAskExport(r) && isExport(r) {
				return next(c) // exports stream; they are not held to hash them
			}
			get := r.Method == http.MethodGet
			res := c.Response()
			orig := res.Writer
			// A write whose response idempotent holds is not buffered twice:
			// the tag goes on the headers of that buffer, which idempotent sends.
			if held, ok := orig.(*bufferedWriter); ok && !get {
				if err := next(c); err != nil {
					return err
				}
				status := cmp.Or(held.status, http.StatusOK)
				tagResponse(held.header, status, &held.body, false)
				if status != http.StatusNoContent {
					held.header.Set("Content-Length", strconv.Itoa(held.body.Len()))
				}
				return nil
			}
			buf := &bufferedWriter{header: orig.Header(), body: bodyBuffer{spillDir: spillDir}}
			res.Writer = buf
			defer func() { res.Writer = orig; buf.body.release() }() // also when a panic passes through
			err := next(c)
			res.Writer = orig
			if err == nil {
				err = buf.body.finish()
			}
			if err != nil {
				return err
			}
			status := cmp.Or(buf.status, http.StatusOK)
			h := orig.Header()
			if etag, ok := tagResponse(h, status, &buf.body, get); ok && get {
				h.Add("Vary", "Authorization")
				if h.Get("Cache-Control") == "" {
					h.Set("Cache-Control", "no-cache")
				}
				// Rendered once: kept whole, then compared.
				h.Set("Content-Length", strconv.Itoa(buf.body.Len()))
				keep(c, status, h, &buf.body, etag)
				if etagMatch(r.Header.Get("If-None-Match"), etag) {
					h.Del("Content-Type")
					h.Del("Content-Length")
					orig.WriteHeader(http.StatusNotModified)
					res.Status = http.StatusNotModified
					res.Size = 0
					return nil
				}
			}
			// Said up front, so that HEAD tells the length of what GET sends.
			if status != http.StatusNoContent {
				h.Set("Content-Length", strconv.Itoa(buf.body.Len()))
			}
			orig.WriteHeader(status)
			_, err = buf.body.WriteTo(orig)
			return err
		}
	}
}

// tagResponse gives a successful response that may be stored its ETag, and
// returns it; ok is false for a response that gets none: a failure, or one
// that may not be stored, since it differs on every request (an export says
// when it was made). A GET without a tag from its handler gets a digest of
// the body.
func tagResponse(h http.Header, status int, body *bodyBuffer, get bool) (etag string, ok bool) {
	if (status != http.StatusOK && status != http.StatusCreated) || strings.Contains(h.Get("Cache-Control"), "no-store") {
		return "", false
	}
	sum := body.sum()
	etag = h.Get("ETag")
	switch {
	case etag == "" && get:
		etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	case strings.HasPrefix(etag, `"v`):
		// The version is what If-Match checks; the digest also follows
		// what the representation embeds from other records (an
		// organisation's name on a person, a count of registrations).
		etag = strings.TrimSuffix(etag, `"`) + "." + base64.RawURLEncoding.EncodeToString(sum[:6]) + `"`
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	return etag, true
}

// etagMatch reports whether an If-None-Match list matches etag (weak comparison, RFC 9110 13.1.2).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bodyBuffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// carryRequest puts what handlers need of the raw request in its context: the
// URL (for Link headers) and HTTP Basic client credentials (for the token endpoint).
func carryRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ctx := context.WithValue(r.Context(), requestURLKey{}, r.URL)
		ctx = context.WithValue(ctx, acceptKey{}, r.Header.Get("Accept"))
		ctx = context.WithValue(ctx, responseHeaderKey{}, c.Response().Header())
		res := c.Response()
		res.Before(func() {
			// Say the charset of text exports, and that CSV has a header row (RFC 4180).
			switch res.Header().Get("Content-Type") {
			case "text/csv":
				res.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
			case "application/x-ndjson":
				res.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
			}
		})
		if c.Path() == tokenPath {
			if user, password, ok := r.BasicAuth(); ok {
				ctx = context.WithValue(ctx, basicAuthKey{}, basicAuth{user: user, password: password})
			}
		}
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}
