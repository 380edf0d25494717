package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
)

// idempotencyKeeper keeps the first response to a POST with an Idempotency-Key.
type idempotencyKeeper interface {
	Begin(ctx context.Context, r idempotency.Request) (*idempotency.Response, error)
	Finish(ctx context.Context, r idempotency.Request, resp idempotency.Response) error
}

// replayedHeaders are the response headers a replay repeats.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent replays the kept response to a retried POST with the same
// Idempotency-Key and request, and keeps the response of the first. Token
// requests are never kept: their responses are secrets.
func idempotent(keeper idempotencyKeeper, log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			key := r.Header.Get("Idempotency-Key")
			if r.Method != http.MethodPost || key == "" || c.Path() == tokenPath {
				return next(c)
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return err
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			sum := sha256.New()
			for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")} {
				sum.Write([]byte(part))
				sum.Write([]byte{0})
			}
			sum.Write(body)
			req := idempotency.Request{Actor: domain.ActorFrom(r.Context()).Subject, Key: key, Method: r.Method,
				Path: r.URL.Path, Hash: hex.EncodeToString(sum.Sum(nil))}
			kept, err := keeper.Begin(r.Context(), req)
			if err != nil {
				return err
			}
			res := c.Response()
			if kept != nil {
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
			orig := res.Writer
			tee := &teeWriter{ResponseWriter: orig}
			res.Writer = tee
			defer func() { res.Writer = orig }()
			if err := next(c); err != nil {
				c.Error(err)
			}
			header := http.Header{}
			for _, h := range replayedHeaders {
				if v := res.Header().Get(h); v != "" {
					header.Set(h, v)
				}
			}
			// The response is out; keeping it must not depend on the client waiting.
			ctx := context.WithoutCancel(r.Context())
			if err := keeper.Finish(ctx, req, idempotency.Response{Status: res.Status, Header: header, Body: tee.body.Bytes()}); err != nil {
				log.ErrorContext(ctx, "keep idempotent response", "error", err.Error())
			}
			return nil
		}
	}
}

// teeWriter writes through and keeps a copy of the body.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}
