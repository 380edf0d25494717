package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// BenchmarkResponseCache times anonymous reads through the whole handler,
// with the response cache off (every read renders) and on (a repeated read
// is answered from the cache): a page of 50 meetings, one meeting, and a
// conditional GET of the page answered 304.
func BenchmarkResponseCache(b *testing.B) {
	for _, size := range []int64{0, 16 << 20} {
		cfg := apptest.Config(b)
		cfg.RateLimit = 0
		cfg.ResponseCache = size
		env := apptest.New(b, cfg)
		env.Seed(b)
		admin := env.User(b, "admin@example.org", domain.RoleAdmin, "")
		var id string
		for i := range 60 {
			id = env.Post(b, admin, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Meeting %d", i), nil)).ID
		}
		handler := env.App.Handler()
		get := func(b *testing.B, path string, header map[string]string, want int) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			for k, v := range header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("GET %s: got %d; want %d", path, rec.Code, want)
			}
			return rec
		}
		const list = "/v1/meetings?pageSize=50"
		etag := get(b, list, nil, http.StatusOK).Header().Get("ETag")
		name := "cache=off"
		if size > 0 {
			name = "cache=on"
		}
		for _, c := range []struct {
			name   string
			path   string
			header map[string]string
			want   int
		}{
			{"list", list, nil, http.StatusOK},
			{"by-id", "/v1/meetings/" + id, nil, http.StatusOK},
			{"304", list, map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		} {
			b.Run(c.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					get(b, c.path, c.header, c.want)
				}
			})
		}
	}
}
