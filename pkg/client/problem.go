package client

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
)

// Error makes a problem+json answer (RFC 9457) an error: every method of
// [API] returns a *Problem for an answer that is not a success, so a caller
// reads its Status, Detail and InvalidParams with errors.As.
func (p *Problem) Error() string {
	if p.Detail == "" {
		return fmt.Sprintf("%d %s", p.Status, p.Title)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

// problem is the error of an answer that is not a success: its
// problem+json body, or one made from the status when the body is not one
// (a proxy's error page, say).
func problem(res *http.Response, body []byte) *Problem {
	p := &Problem{}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "application/problem+json" {
		if err := json.Unmarshal(body, p); err == nil && p.Status != 0 {
			return p
		}
	}
	return &Problem{Type: "about:blank", Status: res.StatusCode, Title: http.StatusText(res.StatusCode),
		Detail: fmt.Sprintf("%s %s answered %s without a problem+json body", res.Request.Method, res.Request.URL.Path, res.Status)}
}

// result is the typed value of a generated response: v when the status is a
// success and the body decoded, otherwise the *Problem.
func result[T any](res *http.Response, body []byte, v *T) (*T, error) {
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, problem(res, body)
	}
	if v == nil {
		return nil, fmt.Errorf("%s %s: status %d with Content-Type %q; want JSON",
			res.Request.Method, res.Request.URL.Path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return v, nil
}
