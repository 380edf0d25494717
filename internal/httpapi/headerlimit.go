package httpapi

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// headerLimit answers 431 as a problem when a request's line and headers
// are larger than limit bytes. net/http's own limit (http.Server's
// MaxHeaderBytes) answers in text/plain before any handler runs, so the
// server sets that one higher and this is the limit clients meet.
func headerLimit(limit int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if limit <= 0 {
			return next
		}
		return func(c echo.Context) error {
			if headerSize(c.Request()) > limit {
				return &requestError{status: http.StatusRequestHeaderFieldsTooLarge,
					detail: fmt.Sprintf("the request line and headers are larger than %d KiB", limit>>10)}
			}
			return next(c)
		}
	}
}

// headerSize is the size of r's request line and header section as sent,
// as far as net/http leaves it to tell: "Name: value\r\n" per field line.
func headerSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + len("\r\n")
	n += len("Host: ") + len(r.Host) + len("\r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + len("\r\n")
		}
	}
	return n + len("\r\n")
}
