package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// statusOf is the one map from domain error codes to HTTP statuses.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:            http.StatusBadRequest,
	domain.CodeUnauthenticated:    http.StatusUnauthorized,
	domain.CodeForbidden:          http.StatusForbidden,
	domain.CodeNotFound:           http.StatusNotFound,
	domain.CodeGone:               http.StatusGone,
	domain.CodeConflict:           http.StatusConflict,
	domain.CodeUnprocessable:      http.StatusUnprocessableEntity,
	domain.CodeTooManyRequests:    http.StatusTooManyRequests,
	domain.CodePreconditionFailed: http.StatusPreconditionFailed,
	domain.CodePreconditionNeeded: http.StatusPreconditionRequired,
	domain.CodeUnavailable:        http.StatusServiceUnavailable,
	domain.CodeInternal:           http.StatusInternalServerError,
}

// problemType names the kind of problem of a domain code; plain HTTP errors
// are about:blank, as RFC 9457 section 4.2.1 suggests.
func problemType(code domain.Code) string {
	return "urn:pioniers:problem:" + string(code)
}

// requestError is a bad request found before the handler: invalid parameters
// or body, an unacceptable Accept, an unsupported Content-Type.
type requestError struct {
	status int
	detail string
	fields []domain.FieldError
}

func (e *requestError) Error() string { return e.detail }

// errorHandler is the one error boundary: whatever went wrong leaves as
// application/problem+json, and nothing internal leaks to the caller.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		if gone := c.Request().Context().Err(); gone != nil && errors.Is(err, context.Canceled) {
			// The client closed its side (or went away) before the answer was
			// ready: nothing failed here, so no 5xx and no error in the log.
			p = newProblem(statusClientClosedRequest, "the connection was closed before the answer was ready")
			p.Title = "Client Closed Request"
			log.InfoContext(c.Request().Context(), "client closed the request", "method", c.Request().Method, "path", c.Request().URL.Path)
		}
		p.Instance = ptr(c.Request().URL.Path)
		if ep := (*exportPanic)(nil); errors.As(err, &ep) {
			log.ErrorContext(c.Request().Context(), "panic", "cause", fmt.Sprint(ep.value), "stack", string(ep.stack), "path", c.Request().URL.Path)
		} else if p.Status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "error", err.Error(), "method", c.Request().Method, "path", c.Request().URL.Path)
		}
		if p.Status == http.StatusServiceUnavailable {
			c.Response().Header().Set("Retry-After", retryAfter)
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", wwwAuthenticate(c, p.Detail))
		}
		writeProblem(c, p)
	}
}

// statusClientClosedRequest is nginx's 499, the usual status for a request
// whose client closed the connection before the answer; net/http cancels the
// request's context when it reads the end of the client's side.
const statusClientClosedRequest = 499

// retryAfter is how many seconds a caller should wait after a 503: long
// enough not to hammer a database in trouble, short enough to notice recovery.
const retryAfter = "5"

func writeProblem(c echo.Context, p api.Problem) {
	h := c.Response().Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if allow := h.Get("Allow"); strings.Contains(allow, http.MethodGet) && !strings.Contains(allow, http.MethodHead) {
		h.Set("Allow", allow+", "+http.MethodHead)
	}
	c.Response().WriteHeader(p.Status)
	_ = json.NewEncoder(c.Response()).Encode(p)
}

func toProblem(err error) api.Problem {
	var (
		de  *domain.Error
		re  *requestError
		he  *echo.HTTPError
		ute *json.UnmarshalTypeError
		be  *bodyError
	)
	switch {
	case errors.As(err, &be):
		const reason = "could not be read whole; check Content-Length or the chunked encoding"
		p := newProblem(http.StatusBadRequest, "body "+reason)
		p.Type = problemType(domain.CodeInvalid)
		p.InvalidParams = invalidParams([]domain.FieldError{{Name: "body", Reason: reason}})
		return p
	case errors.As(err, &re):
		p := newProblem(re.status, re.detail)
		if re.status == http.StatusBadRequest {
			p.Type = problemType(domain.CodeInvalid)
		}
		p.InvalidParams = invalidParams(re.fields)
		return p
	case errors.As(err, &de) && de.Code != domain.CodeInternal:
		status, ok := statusOf[de.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		p := newProblem(status, de.Message)
		p.Type = problemType(de.Code)
		p.InvalidParams = invalidParams(de.Fields)
		return p
	case errors.As(err, &ute):
		// The contract let the value through (5.0 is a whole number to it);
		// Go's decoder did not. Name the field, not the decoder.
		reason := "must be " + typeName(ute.Type.Kind())
		p := newProblem(http.StatusBadRequest, ute.Field+" "+reason)
		p.Type = problemType(domain.CodeInvalid)
		p.InvalidParams = invalidParams([]domain.FieldError{{Name: ute.Field, Reason: reason}})
		return p
	case errors.As(err, &he) && he.Code < 500:
		return newProblem(he.Code, httpDetail(he))
	default:
		return newProblem(http.StatusInternalServerError, "something went wrong on our side; it has been logged, and the request id in X-Request-ID helps us find it")
	}
}

func typeName(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number written without a fraction or exponent, within range"
	case reflect.Float32, reflect.Float64:
		return "a number within range"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

func newProblem(status int, detail string) api.Problem {
	return api.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

func invalidParams(fields []domain.FieldError) *[]api.InvalidParam {
	if len(fields) == 0 {
		return nil
	}
	out := make([]api.InvalidParam, len(fields))
	for i, f := range fields {
		out[i] = api.InvalidParam{Name: f.Name, Reason: f.Reason}
	}
	return &out
}

// signInHint tells an anonymous caller how to get a token.
const signInHint = "sign in: send Authorization: Bearer <token> from POST /v1/auth/token"

// httpDetail explains the router's and echo's own errors in words a caller can act on.
func httpDetail(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "there is no resource at this path; paths have no trailing slash, and the API lives under /v1"
	case http.StatusMethodNotAllowed:
		return "this method is not allowed on this resource; the Allow header lists those that are"
	case http.StatusRequestEntityTooLarge:
		return "the request body is too large"
	case http.StatusUnauthorized:
		return signInHint
	}
	if msg, ok := he.Message.(string); ok && msg != "" {
		return msg
	}
	return http.StatusText(he.Code)
}

// wwwAuthenticate builds the RFC 6750 challenge; a presented token that
// failed gets error="invalid_token".
func wwwAuthenticate(c echo.Context, detail string) string {
	if c.Request().Header.Get("Authorization") != "" && c.Path() != tokenPath {
		return fmt.Sprintf(`Bearer realm="pioniers", error="invalid_token", error_description=%q`, detail)
	}
	return `Bearer realm="pioniers"`
}

func ptr[T any](v T) *T { return &v }
