package httpapi_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// A path parameter that is no UTF-8 text or holds NUL is refused by name,
// however it is escaped (%ff is routed as sent, %FF and %00 unescaped), and
// a POST with an Idempotency-Key on such a path keeps nothing PostgreSQL
// would refuse to store.
func TestPathParametersThatNoDatabaseTakes(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, tt := range []struct{ method, path, field string }{
		{"GET", "/v1/organisations/%ff", "organisation"},
		{"GET", "/v1/organisations/%FF", "organisation"},
		{"GET", "/v1/organisations/%00", "organisation"},
		{"GET", "/v1/people/%c3%28", "person"},
		{"POST", "/v1/meetings/%00/submissions", "meeting"},
		{"POST", "/v1/meetings/%ff/submissions", "meeting"},
	} {
		res := e.Do(t, tt.method, tt.path, map[string]any{"title": "t", "abstract": "a", "authors": []string{"x"}},
			apptest.Headers(e.Admin, "Idempotency-Key", "path-"+tt.path))
		apptest.CheckInvalid(t, tt.method+" "+tt.path, res, tt.field)
	}
}
