package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// exBenchWriter is a response writer that counts what it is sent and throws
// it away, sampling the heap as the bytes go by: what it holds is what the
// export holds.
type exBenchWriter struct {
	header http.Header
	status int
	bytes  int64
	lines  int64
	every  int64 // sample the heap every this many bytes
	next   int64
	peak   uint64
	ms     runtime.MemStats
}

func newExBenchWriter(every int64) *exBenchWriter {
	return &exBenchWriter{header: http.Header{}, every: every, next: every}
}

func (w *exBenchWriter) Header() http.Header { return w.header }

func (w *exBenchWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *exBenchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.bytes += int64(len(p))
	w.lines += int64(bytes.Count(p, []byte{'\n'}))
	if w.bytes >= w.next {
		w.sample()
		w.next = w.bytes + w.every
	}
	return len(p), nil
}

func (w *exBenchWriter) sample() {
	runtime.ReadMemStats(&w.ms)
	w.peak = max(w.peak, w.ms.HeapInuse)
}

// exExport is one CSV export through the real handler.
type exExport struct {
	rows      int64
	bytes     int64
	peakHeap  uint64 // HeapInuse, sampled while the rows went out
	baseHeap  uint64 // HeapInuse after a collection, before the request
	allocated uint64 // bytes allocated during the request
}

func exRunExport(b *testing.B, h http.Handler, path string) exExport {
	b.Helper()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	w := newExBenchWriter(256 << 10)
	w.peak = before.HeapInuse
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/csv")
	h.ServeHTTP(w, req)
	w.sample()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: status %d", path, w.status)
	}
	if ct := w.header.Get("Content-Type"); ct != "text/csv; charset=utf-8; header=present" {
		b.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return exExport{rows: w.lines - 1, bytes: w.bytes, peakHeap: w.peak, baseHeap: before.HeapInuse,
		allocated: after.TotalAlloc - before.TotalAlloc}
}

// BenchmarkExportMilestonesCSV streams 10,000 and 100,000 milestones as CSV
// through the real handler in the same run and compares the heap each
// needed while streaming: constant memory means a ratio near 1, not 10.
func BenchmarkExportMilestonesCSV(b *testing.B) {
	const (
		small = 10_000
		large = 100_000
		batch = 5_000
	)
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	env.Seed(b)
	ctx := apptest.As(domain.System)

	// small milestones in NL0001, the rest spread over NL0002-NL0038; one in
	// a thousand under an evidence rule, so that path is streamed too.
	start := time.Now()
	for from := 0; from < large; from += batch {
		err := env.App.DB.InTx(ctx, func(ctx context.Context) error {
			for i := from; i < from+batch; i++ {
				commitment, code := "NL0001", fmt.Sprintf("1.%d", i+1)
				if i >= small {
					j := i - small
					commitment, code = fmt.Sprintf("NL%04d", 2+j%37), fmt.Sprintf("%d.%d", 2+j%37, j/37+1)
				}
				in := milestone.Input{Commitment: commitment, Code: code,
					Title:            fmt.Sprintf("Milestone %d: publish open data, \"with quotes\", and Café über", i),
					VerifiableResult: "A register of open data sets, published and kept up to date.",
					PlannedStart:     time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%700),
					PlannedEnd:       time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%700+i%400),
					Progress:         i % 101, Status: milestone.StatusInProgress, Completion: milestone.CompletionLimited}
				if i%1000 == 0 {
					in.Rule, in.Target = milestone.RuleMagazineEditions, &milestone.Target{Count: 2, Unit: "editions"}
				}
				if _, err := env.App.Milestones.Create(ctx, in); err != nil {
					return fmt.Errorf("milestone %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("created %d milestones in %s", large, time.Since(start).Round(time.Millisecond))

	h := env.App.Handler()
	var s, l exExport
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s = exRunExport(b, h, "/v1/milestones?commitment=NL0001")
		l = exRunExport(b, h, "/v1/milestones")
	}
	b.StopTimer()
	if s.rows != small || l.rows < large {
		b.Fatalf("exported %d and %d rows; want %d and at least %d", s.rows, l.rows, small, large)
	}
	const mb = 1 << 20
	b.ReportMetric(float64(l.rows), "rows")
	b.ReportMetric(float64(s.peakHeap)/mb, "peak-heap-10k-MB")
	b.ReportMetric(float64(l.peakHeap)/mb, "peak-heap-100k-MB")
	b.ReportMetric(float64(l.peakHeap)/float64(s.peakHeap), "peak-100k/10k")
	b.ReportMetric(float64(l.peakHeap-min(l.peakHeap, l.baseHeap))/mb, "heap-growth-100k-MB")
	b.ReportMetric(float64(l.allocated)/float64(l.rows), "B/row")
	b.ReportMetric(float64(l.bytes)/float64(l.rows), "csv-B/row")
	// Ten times the rows in the same heap; twice would already mean the
	// export holds rows it has sent.
	if ratio := float64(l.peakHeap) / float64(s.peakHeap); ratio > 2 {
		b.Errorf("peak heap: %.1f MB for %d rows, %.1f MB for %d rows (ratio %.2f); want about the same", float64(s.peakHeap)/mb, s.rows,
			float64(l.peakHeap)/mb, l.rows, ratio)
	}
}
