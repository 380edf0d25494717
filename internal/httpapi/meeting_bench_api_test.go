package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/bench"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// The hot paths of make bench's table, each through the real handler in
// process: no network, no load generator, so allocations per request show.

// mbMeetings is how many meetings the benchmarks' service holds, besides the
// demo's: the list and the feed read them, keyset paging keeps a page's cost
// independent of the count.
const mbMeetings = 2000

// mbStart starts a service with the demo data and mbMeetings generated
// meetings, made as make bench makes its datasets.
func mbStart(b *testing.B) *apptest.Env {
	b.Helper()
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	env := apptest.New(b, cfg)
	ctx := apptest.As(domain.System)
	if _, err := env.App.Seed.Load(ctx, true); err != nil {
		b.Fatalf("demo seed: %v", err)
	}
	first := time.Date(2040, 1, 6, 9, 0, 0, 0, time.UTC)
	err := env.App.DB.InTx(ctx, func(ctx context.Context) error {
		for i := range mbMeetings {
			if _, err := env.App.Meetings.Create(ctx, bench.MeetingInput(i, first)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("meetings: %v", err)
	}
	return env
}

// mbServe runs one request through the handler and wants status.
func mbServe(b *testing.B, h http.Handler, req *http.Request, status int) *httptest.ResponseRecorder {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != status {
		b.Fatalf("%s %s: got %d; want %d: %.300s", req.Method, req.URL, rec.Code, status, rec.Body)
	}
	return rec
}

func mbGet(path string, header ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// mbRead times an anonymous GET of path, reporting its body's size as bytes/op.
func mbRead(b *testing.B, path string) {
	b.Helper()
	h := mbStart(b).App.Handler()
	size := mbServe(b, h, mbGet(path), http.StatusOK).Body.Len()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		mbServe(b, h, mbGet(path), http.StatusOK)
	}
}

// BenchmarkListMeetingsPage is the table's first row: a page of 50, anonymous.
func BenchmarkListMeetingsPage(b *testing.B) { mbRead(b, "/v1/meetings?pageSize=50") }

// BenchmarkListMeetingsNotModified is the conditional GET of the same page.
func BenchmarkListMeetingsNotModified(b *testing.B) {
	h := mbStart(b).App.Handler()
	const path = "/v1/meetings?pageSize=50"
	etag := mbServe(b, h, mbGet(path), http.StatusOK).Header().Get("ETag")
	b.ReportAllocs()
	for b.Loop() {
		mbServe(b, h, mbGet(path, "If-None-Match", etag), http.StatusNotModified)
	}
}

// BenchmarkGetMeeting reads one meeting by id.
func BenchmarkGetMeeting(b *testing.B) {
	h := mbStart(b).App.Handler()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(mbServe(b, h, mbGet("/v1/meetings?pageSize=50"), http.StatusOK).Body.Bytes(), &page); err != nil || len(page.Items) == 0 {
		b.Fatalf("no meetings: %v", err)
	}
	path := "/v1/meetings/" + page.Items[len(page.Items)/2].ID
	b.ReportAllocs()
	for b.Loop() {
		mbServe(b, h, mbGet(path), http.StatusOK)
	}
}

// BenchmarkPostMeeting plans make bench's meeting as an admin: token
// verification, organisation lookups, validation, the write with its change
// record.
func BenchmarkPostMeeting(b *testing.B) {
	env := mbStart(b)
	auth := "Bearer " + env.User(b, "bench-admin@example.org", domain.RoleAdmin, "")
	h := env.App.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/meetings", bytes.NewReader(bench.PostBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		mbServe(b, h, req, http.StatusCreated)
	}
}

// BenchmarkPostMeetingParallel is BenchmarkPostMeeting from 64 clients at
// once, as make bench's POST row at 64 connections: writes wait for the one
// SQLite writer and share its transactions.
func BenchmarkPostMeetingParallel(b *testing.B) {
	env := mbStart(b)
	auth := "Bearer " + env.User(b, "bench-admin@example.org", domain.RoleAdmin, "")
	h := env.App.Handler()
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v1/meetings", bytes.NewReader(bench.PostBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated {
				b.Errorf("POST: got %d; want %d: %.300s", rec.Code, http.StatusCreated, rec.Body)
				return
			}
		}
	})
}

// BenchmarkMeetingsFeed renders the iCalendar feed of every meeting.
func BenchmarkMeetingsFeed(b *testing.B) { mbRead(b, "/v1/feeds/meetings.ics") }

// BenchmarkExportMeetingsCSV streams every meeting as CSV and reports the
// cost of one row: time, allocated bytes and bytes of CSV.
func BenchmarkExportMeetingsCSV(b *testing.B) {
	h := mbStart(b).App.Handler()
	var last exExport
	var took time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		last = exRunExport(b, h, "/v1/meetings/export?format=csv")
		took += time.Since(start)
	}
	if last.rows < mbMeetings {
		b.Fatalf("exported %d rows; want at least %d", last.rows, mbMeetings)
	}
	b.ReportMetric(float64(took.Nanoseconds())/float64(b.N)/float64(last.rows), "ns/row")
	b.ReportMetric(float64(last.allocated)/float64(last.rows), "B/row")
	b.ReportMetric(float64(last.bytes)/float64(last.rows), "csv-B/row")
}
