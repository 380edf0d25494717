package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// BenchmarkExportMeetingsVersusSQLite exports 20,000 meetings as CSV through the
// real handler: rows/s and allocations per row, and, when the sqlite3
// command is installed, the rows/s of `sqlite3 -csv` reading the same
// table in the same order, and the ratio of the two.
func BenchmarkExportMeetingsVersusSQLite(b *testing.B) {
	const n = 20_000
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	exCreateMeetings(b, env, n)
	h := env.App.Handler()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var rows int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rows += exRunExport(b, h, "/v1/meetings/export?format=csv").rows
	}
	elapsed := time.Since(start)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if rows != int64(n)*int64(b.N) {
		b.Fatalf("exported %d rows; want %d", rows, int64(n)*int64(b.N))
	}
	perSecond := float64(rows) / elapsed.Seconds()
	b.ReportMetric(perSecond, "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")

	if path, err := exec.LookPath("sqlite3"); err == nil && cfg.DatabaseURL != "" && cfg.DatabaseURL[0] == '/' {
		started := time.Now()
		out, err := exec.Command(path, "-readonly", "-csv", "-header", cfg.DatabaseURL,
			"SELECT * FROM meetings ORDER BY starts_at, id").Output()
		if err != nil {
			b.Fatalf("sqlite3: %v", err)
		}
		cli := float64(n) / time.Since(started).Seconds()
		b.ReportMetric(cli, "sqlite3-rows/s")
		b.ReportMetric(perSecond/cli, "ratio-to-sqlite3")
		b.ReportMetric(float64(len(out))/float64(n), "sqlite3-B/row")
	}
}

// BenchmarkFeedICS renders the feed of 10,000 upcoming meetings.
func BenchmarkFeedICS(b *testing.B) {
	const n = 10_000
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	exCreateMeetings(b, env, n)
	h := env.App.Handler()
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/feeds/meetings.ics", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("feed: got %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.StopTimer()
	b.ReportMetric(float64(size), "bytes/feed")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/event")
}
