package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestSaneRequestID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"A.b_c:d-9", true},
		{strings.Repeat("a", 128), true},
		{"", false},
		{strings.Repeat("a", 129), false},
		{"bad id with spaces", false},
		{"new\nline", false},
		{"ünï", false},
		{"a/b", false},
		{"a\x00", false},
	} {
		if got := saneRequestID(tc.id); got != tc.want {
			t.Errorf("saneRequestID(%q): got %v; want %v", tc.id, got, tc.want)
		}
	}
}

// TestAfterWrite: wrote follows a write that succeeded, and nothing else.
func TestAfterWrite(t *testing.T) {
	e := echo.New()
	for _, tc := range []struct {
		method string
		status int
		err    error
		want   bool
	}{
		{http.MethodPost, http.StatusCreated, nil, true},
		{http.MethodPatch, http.StatusOK, nil, true},
		{http.MethodDelete, http.StatusNoContent, nil, true},
		{http.MethodPut, http.StatusNotModified, nil, true},
		{http.MethodPost, http.StatusBadRequest, nil, false},
		{http.MethodPost, http.StatusCreated, errors.New("failed"), false},
		{http.MethodGet, http.StatusOK, nil, false},
		{http.MethodHead, http.StatusOK, nil, false},
		{http.MethodOptions, http.StatusNoContent, nil, false},
	} {
		wrote := false
		h := afterWrite(func() { wrote = true })(func(c echo.Context) error {
			c.Response().WriteHeader(tc.status)
			return tc.err
		})
		c := e.NewContext(httptest.NewRequest(tc.method, "/v1/meetings", nil), httptest.NewRecorder())
		if err := h(c); err != tc.err {
			t.Errorf("%s %d: got error %v; want %v", tc.method, tc.status, err, tc.err)
		}
		if wrote != tc.want {
			t.Errorf("%s %d, error %v: wrote %v; want %v", tc.method, tc.status, tc.err, wrote, tc.want)
		}
	}
	if h := afterWrite(nil)(func(echo.Context) error { return nil }); h(e.NewContext(httptest.NewRequest(http.MethodPost, "/", nil), httptest.NewRecorder())) != nil {
		t.Error("afterWrite(nil): got an error; want the handler as it is")
	}
}
