package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// A database in trouble reaches the boundary as CodeUnavailable wrapped
// around the driver's error (see store.translator): the caller gets 503
// problem+json with Retry-After, and none of the driver's words.
func TestUnavailableAnswers503(t *testing.T) {
	driver := errors.New("attempt to write a readonly database")
	err := fmt.Errorf("%w: %w", domain.Errorf(domain.CodeUnavailable, "the database cannot take this request now; try again shortly"), driver)
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/v1/organisations", nil), rec)
	errorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))(err, c)

	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status: got %d; want 503", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After: got %q; want %q", got, retryAfter)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type: got %q; want application/problem+json", got)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v", err)
	}
	if p.Type != "urn:pioniers:problem:unavailable" || p.Status != http.StatusServiceUnavailable {
		t.Errorf("problem: got type %q status %d; want urn:pioniers:problem:unavailable 503", p.Type, p.Status)
	}
	if strings.Contains(rec.Body.String(), "readonly") {
		t.Errorf("problem: got %s; want no driver words", rec.Body.String())
	}
}
