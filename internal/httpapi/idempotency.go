package httpapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
)

// idempotencyKeeper keeps the first response to a POST with an Idempotency-Key.
type idempotencyKeeper interface {
	Do(ctx context.Context, r idempotency.Request, work func(ctx context.Context) idempotency.Response) (*idempotency.Response, error)
}

// idempotencyKeyHeader carries the client's key for one intended POST.
const idempotencyKeyHeader = "Idempotency-Key"

// replayedHeaders are the response headers a replay repeats.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent replays the kept response to a retried POST with the same
// Idempotency-Key and request, and keeps the response of the first. The
// request's writes commit with its response (from its first write on, it
// holds the writers' turn; see store's IdempotencyKeys.Once), and its
// response is held until that commit: a client never learns of work that a
// crash could still undo. Only callers who signed in claim keys (an anonymous
// POST is refused anyway), and only on the operations whose contract
// declares Idempotency-Key (keyed): none that answers a secret stored only
// as a hash (a token, an API client's secret, a set-password link) does,
// since a replay would need it kept.
func idempotent(keeper idempotencyKeeper, keyed func(method, route string) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			key := r.Header.Get(idempotencyKeyHeader)
			actor := domain.ActorFrom(r.Context())
			if r.Method != http.MethodPost || key == "" || !keyed(r.Method, c.Path()) || actor.Anonymous() {
				return next(c)
			}
			body, err := readBody(r)
			if err != nil {
				return err
			}
			sum := sha256.New()
			for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")} {
				sum.Write([]byte(part))
				sum.Write([]byte{0})
			}
			sum.Write(body)
			req := idempotency.Request{Actor: actor.Subject, Key: key, Method: r.Method,
				Path: r.URL.EscapedPath(), Hash: hex.EncodeToString(sum.Sum(nil))} // escaped: a path may hold bytes no database stores (NUL)
			res := c.Response()
			orig, before := res.Writer, res.Header().Clone()
			buf := &bufferedWriter{header: orig.Header()}
			// What the request answered did not commit when Do fails or a
			// panic passes through, and is not sent when another request's
			// response is replayed: forget it.
			forget := func() {
				clear(res.Header())
				maps.Copy(res.Header(), before)
				res.Committed, res.Status, res.Size = false, 0, 0
			}
			answered := false
			defer func() {
				res.Writer = orig
				c.SetRequest(r)
				if !answered {
					forget()
				}
			}()
			kept, err := keeper.Do(r.Context(), req, func(ctx context.Context) idempotency.Response {
				res.Writer = buf
				c.SetRequest(r.WithContext(ctx))
				if err := next(c); err != nil {
					c.Error(err)
				}
				header := http.Header{}
				for _, h := range replayedHeaders {
					if v := res.Header().Get(h); v != "" {
						header.Set(h, v)
					}
				}
				return idempotency.Response{Status: cmp.Or(buf.status, http.StatusOK), Header: header, Body: buf.body.Bytes()}
			})
			if err != nil {
				return err
			}
			res.Writer = orig
			answered = true
			if kept != nil {
				forget()
				for _, h := range replayedHeaders {
					if v := kept.Header.Get(h); v != "" {
						res.Header().Set(h, v)
					}
				}
				res.Header().Set("Idempotent-Replayed", "true")
				res.WriteHeader(kept.Status)
				_, err := res.Write(kept.Body)
				return err
			}
			orig.WriteHeader(cmp.Or(buf.status, http.StatusOK))
			_, err = orig.Write(buf.body.Bytes())
			return err
		}
	}
}
