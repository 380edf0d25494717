package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// BenchmarkKeysetPaging shows that a page deep into a long list costs what
// the first page costs (keyset, not OFFSET): it times both in the same run
// and reports their ratio, which stays near 1 as the list grows.
func BenchmarkKeysetPaging(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	ctx := apptest.As(domain.System)
	const n = 5000
	for i := range n {
		if _, err := env.App.Organisations.Create(ctx, apptest.Municipality(fmt.Sprintf("GM%04d", i), fmt.Sprintf("Municipality %05d", (i*7919)%n))); err != nil {
			b.Fatal(err)
		}
	}
	handler := env.App.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return rec
	}
	first := "/v1/organisations?pageSize=100"
	deep := first
	for range n / 100 * 9 / 10 { // 90% of the way down
		link := get(deep).Header().Get("Link")
		deep = nextLink.FindStringSubmatch(link)[1]
	}
	var firstTime, deepTime time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		get(first)
		firstTime += time.Since(start)
		start = time.Now()
		get(deep)
		deepTime += time.Since(start)
	}
	b.ReportMetric(float64(firstTime.Nanoseconds())/float64(b.N), "first-page-ns")
	b.ReportMetric(float64(deepTime.Nanoseconds())/float64(b.N), "deep-page-ns")
	b.ReportMetric(float64(deepTime)/float64(firstTime), "deep/first")
}

// BenchmarkGetOrganisation measures one read through the whole stack:
// middleware, validation, store and encoding.
func BenchmarkGetOrganisation(b *testing.B) {
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	env.Seed(b)
	handler := env.App.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/v1/organisations/GM0606", nil)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
