package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// idempotentServer serves POST /things with handler behind the idempotency
// middleware on a real store, for a signed-in caller; post sends one
// request with the same key each time.
func idempotentServer(t *testing.T, handler echo.HandlerFunc) (post func() *httptest.ResponseRecorder) {
	t.Helper()
	db := storetest.Open(t)
	log := slog.New(slog.DiscardHandler)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(recoverPanic(log), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := domain.WithActor(c.Request().Context(), domain.Actor{Subject: "user-1", Role: domain.RoleAdmin})
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}, idempotent(idempotency.NewKeeper(db.IdempotencyKeys(), time.Now), func(string, string) bool { return true }))
	e.POST("/things", handler)
	return func() *httptest.ResponseRecorder {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequestWithContext(context.WithValue(ctx, cancelKey{}, cancel), http.MethodPost, "/things", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "the-key")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
}

// cancelKey carries the request's cancel func to a test handler.
type cancelKey struct{}

// A handler that panics leaves no claim behind: the retry with the same key
// does the work instead of waiting out a "still being processed" key.
func TestIdempotentPanicLeavesNoClaim(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	post := idempotentServer(t, func(c echo.Context) error {
		if calls.Add(1) == 1 {
			c.Response().Header().Set("Location", "/things/half")
			panic("handler bug")
		}
		return c.JSON(http.StatusCreated, map[string]string{"id": "thing-1"})
	})
	if rec := post(); rec.Code != http.StatusInternalServerError || rec.Header().Get("Location") != "" {
		t.Fatalf("panicking request: got %d (Location %q); want 500 without what the handler set (%s)", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	rec := post()
	if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("retry after a panic: got %d (replayed %q); want a fresh 201 (%s)", rec.Code, rec.Header().Get("Idempotent-Replayed"), rec.Body)
	}
	again := post()
	if again.Code != http.StatusCreated || again.Header().Get("Idempotent-Replayed") != "true" || again.Body.String() != rec.Body.String() {
		t.Errorf("second retry: got %d (replayed %q) %s; want the kept 201 replayed", again.Code, again.Header().Get("Idempotent-Replayed"), again.Body)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("handler calls: got %d; want 2 (the panic and the one that succeeded)", got)
	}
}

// A response whose transaction does not commit is not sent: the client gets
// an error instead of a 201 for work that is gone, and its retry does the work.
func TestIdempotentUncommittedResponseNotSent(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	post := idempotentServer(t, func(c echo.Context) error {
		if calls.Add(1) == 1 {
			c.Request().Context().Value(cancelKey{}).(context.CancelFunc)() // the transaction ends before it commits
		}
		c.Response().Header().Set("Location", "/things/1")
		return c.JSON(http.StatusCreated, map[string]string{"id": "thing-1"})
	})
	// The transaction ends because the request was cancelled, as when its
	// client goes away: the answer is 499, and never the uncommitted 201.
	if rec := post(); rec.Code != 499 || rec.Header().Get("Location") != "" || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("request whose transaction did not commit: got %d (Location %q, %s); want a 499 problem", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if rec := post(); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("retry: got %d (replayed %q); want a fresh 201 (%s)", rec.Code, rec.Header().Get("Idempotent-Replayed"), rec.Body)
	}
}
