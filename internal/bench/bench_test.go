package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	MaybeFloor() // the harness starts this test binary as its floor
	os.Exit(m.Run())
}

// TestHarness runs the whole bench on tiny datasets against the real binary
// and checks the table: every row, every figure a number. It asserts no
// speed: figures on a shared machine prove nothing. With TEST_DATABASE_URL
// set it runs the PostgreSQL pass on that server too, and checks that its
// databases are gone afterwards.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves the real binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pioniers")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/pioniers")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v: %s", err, out)
	}
	o := Options{Bin: bin, Repo: "../..", Cache: filepath.Join(dir, "data"), Work: filepath.Join(dir, "work"),
		Meetings: 30, Large: 120, Milestones: 40, Rounds: 2, Duration: 300 * time.Millisecond, Conns: 4, Threads: 2,
		Load: GoLoad{}, Logf: t.Logf, Postgres: os.Getenv("TEST_DATABASE_URL"), IdleRelease: 200 * time.Millisecond}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	t.Log("\n" + table)

	rows := map[string]int{ // a row's label, and how many cells it has
		"GET /v1/meetings?pageSize=50 (anonymous)":            11,
		"the same at 120 meetings, first page":                11,
		"the same at 120 meetings, deep page (cursor at 90%)": 11,
		"GET /v1/meetings/{id}":                               11,
		"conditional GET → 304, list (floor: the list's 200)": 11,
		"POST /v1/meetings, 16 connections (admin)":           11,
		"POST /v1/meetings, 64 connections (admin)":           11,
		"GET /v1/feeds/meetings.ics":                          11,
		"CSV export of 120 meetings":                          7,
		"CSV export of 40 milestones":                         7,
		"reads (30 meetings: list, by id, 304, feed)":         8,
		"scale (120 meetings: pages, exports)":                8,
		"writes (30 meetings, after the POST rows)":           8,
	}
	// By id compares with a run of the list's floor of its own; the 304
	// row's floor is the list's. The servers' processor time was read.
	var cpu time.Duration
	for _, r := range rep.Rows {
		for i, m := range r.Rounds {
			cpu += m.API.CPU
			list := rep.Rows[0].Rounds[i].Floor.PerSecond
			if shaped := m.Shaped.PerSecond > 0; shaped != (r.Key == "by-id") {
				t.Errorf("%s, round %d: got a shaped floor run %v; want one for by id only", r.Key, i+1, shaped)
			}
			switch r.Key {
			case "by-id":
				if m.ListFloor == list || m.ListFloor == m.Floor.PerSecond || m.ListFloor <= 0 {
					t.Errorf("%s, round %d: got list floor %.0f (the list row's %.0f, its own %.0f); want a run of its own",
						r.Key, i+1, m.ListFloor, list, m.Floor.PerSecond)
				}
			case "not-modified":
				if m.ListFloor != m.Floor.PerSecond {
					t.Errorf("%s, round %d: got list floor %.0f; want its own floor, %.0f", r.Key, i+1, m.ListFloor, m.Floor.PerSecond)
				}
			default:
				if m.ListFloor != list {
					t.Errorf("%s, round %d: got list floor %.0f; want the list row's, %.0f", r.Key, i+1, m.ListFloor, list)
				}
			}
		}
	}
	if cpu <= 0 && runtime.GOOS == "linux" {
		t.Errorf("got no processor time for any row; want the servers'")
	}
	sqlite, postgres, _ := strings.Cut(table, "\n### PostgreSQL ")
	load, rest, ok := strings.Cut(sqlite, "The shaped floor is ")
	shape, exports, ok2 := strings.Cut(rest, "| export |")
	if !ok || !ok2 {
		t.Fatalf("got no shaped floor's table before the exports in\n%s", sqlite)
	}
	checkTable(t, load+exports, rows, rep.Datasets)
	checkShape(t, shape, rep.Rows)
	if o.Postgres == "" {
		if rep.Postgres != nil || postgres != "" {
			t.Errorf("without -postgres: got a PostgreSQL section")
		}
	} else {
		// The main dataset's rows and servers; the scale set's and the exports stay on SQLite.
		pgRows := map[string]int{}
		for label, cells := range rows {
			if !strings.Contains(label, "120") && !strings.HasPrefix(label, "CSV") {
				pgRows[label] = cells
			}
		}
		checkTable(t, postgres, pgRows, rep.Datasets)
		if !strings.Contains(postgres, "fsync ") {
			t.Errorf("the PostgreSQL section does not name the server's settings: %q", postgres)
		}
		if n := benchDatabases(t, o.Postgres); n != 0 {
			t.Errorf("after the run: got %d bench_ databases; want 0", n)
		}
	}
	for _, want := range []string{"Machine: ", "cores", "go1.", "Go generator"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table does not say %q", want)
		}
	}
	// A second run finds the datasets in the cache.
	var logs []string
	o.Rounds, o.Postgres, o.Logf = 1, "", func(f string, a ...any) { logs = append(logs, f) }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := strings.Count(strings.Join(logs, "\n"), "cached"); got != 2 {
		t.Errorf("second run: got %d cached datasets; want 2 (%q)", got, logs)
	}
}

// checkShape checks the shaped floor's table: one row, by id's, with the
// headers the API answered it with, every figure a number.
func checkShape(t *testing.T, table string, rows []RowReport) {
	t.Helper()
	var shape []string
	for _, r := range rows {
		if r.Key == "by-id" {
			shape = r.Shape
		}
	}
	for _, h := range []string{"Api-Version", "Content-Type", "Etag", "X-Content-Type-Options", "X-Request-Id"} {
		if !slices.Contains(shape, h) {
			t.Errorf("by id's shape: got %q; want %s among them", shape, h)
		}
	}
	if slices.Contains(shape, "Date") {
		t.Errorf("by id's shape: got %q; want no Date (net/http writes it)", shape)
	}
	if !strings.Contains(table, strings.Join(shape, ", ")) {
		t.Errorf("the shaped floor's text does not name the headers %q:\n%s", shape, table)
	}
	var lines []string
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| what ") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "| GET /v1/meetings/{id} | ") {
		t.Fatalf("the shaped floor's table: got rows %q; want by id's only", lines)
	}
	cells := strings.Split(strings.Trim(lines[0], "| "), " | ")
	if len(cells) != 7 {
		t.Fatalf("the shaped floor's row: got %d cells; want 7 (%q)", len(cells), lines[0])
	}
	if got, want := cells[1], strconv.Itoa(len(shape)); got != want {
		t.Errorf("the shaped floor's row: headers: got %s; want %s", got, want)
	}
	for i, c := range cells[2:] {
		if !number.MatchString(c) && (c != "–" || i != 3) { // CPU/req: a short run may use less than a clock tick
			t.Errorf("the shaped floor's row: cell %d: got %q; want a number", i+3, c)
		}
	}
}

var number = regexp.MustCompile(`^[\d,]+(\.\d+)?( µs| ms| s| MB|×)?$`)

// checkTable checks that table has each row of rows (label: cells), with
// every figure a number and no non-2xx answers. Labels count the datasets'
// meetings and milestones as generated, without the demo's.
func checkTable(t *testing.T, table string, rows map[string]int, datasets []Dataset) {
	t.Helper()
	// The datasets hold the demo's meetings too: labels count every one.
	seen := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) < 3 || strings.HasPrefix(line, "|---") {
			continue
		}
		label := strings.TrimSpace(cells[0])
		label = regexp.MustCompile(`[\d,]+ (meetings|milestones)`).ReplaceAllStringFunc(label, func(s string) string {
			n, _ := strconv.Atoi(strings.ReplaceAll(strings.Fields(s)[0], ",", ""))
			what := strings.Fields(s)[1]
			for _, d := range datasets {
				switch {
				case what == "meetings" && n == d.AllMeets:
					return strconv.Itoa(d.Spec.Meetings) + " meetings"
				case what == "milestones" && n == d.AllMiles && d.Spec.Milestones > 0:
					return strconv.Itoa(d.Spec.Milestones) + " milestones"
				}
			}
			return s
		})
		want, ok := rows[label]
		if !ok {
			continue
		}
		seen[label] = true
		if len(cells) != want {
			t.Errorf("%s: got %d cells; want %d (%q)", label, len(cells), want, line)
			continue
		}
		for i, c := range cells[1:] {
			c = strings.TrimSpace(c)
			if label[:3] == "CSV" && i == 4 { // complete
				if c != "yes" {
					t.Errorf("%s: complete: got %q; want yes", label, c)
				}
				continue
			}
			if want == 11 && i >= 8 && c == "–" { // CPU/req: a short run may use less than a clock tick
				continue
			}
			if strings.HasPrefix(label, "writes") && i >= 5 { // at rest: stopped by then
				if c != "–" {
					t.Errorf("%s: cell %d: got %q; want –", label, i+1, c)
				}
				continue
			}
			if !number.MatchString(c) {
				t.Errorf("%s: cell %d: got %q; want a number", label, i+1, c)
			}
		}
		if want == 11 && strings.TrimSpace(cells[5]) != "0" {
			t.Errorf("%s: non-2xx: got %s; want 0", label, cells[5])
		}
	}
	for label := range rows {
		if !seen[label] {
			t.Errorf("the table has no row %q", label)
		}
	}
}

// benchDatabases counts the databases the bench made on the server.
func benchDatabases(t *testing.T, adminURL string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'bench\\_%'").Scan(&n); err != nil {
		t.Fatalf("count databases: %v", err)
	}
	return n
}

func TestGoLoad(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("If-None-Match") == `"x"`:
			w.WriteHeader(http.StatusNotModified)
		case r.Method == http.MethodPost && r.Header.Get("Authorization") == "Bearer t":
			w.WriteHeader(http.StatusCreated)
		case n.Add(1)%2 == 0:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name       string
		target     Target
		unexpected bool
	}{
		{"half 500", Target{URL: srv.URL}, true},
		{"304 wanted", Target{URL: srv.URL, Header: http.Header{"If-None-Match": {`"x"`}}, Want: http.StatusNotModified}, false},
		{"201", Target{Method: http.MethodPost, URL: srv.URL, Body: []byte(`{}`), Header: http.Header{"Authorization": {"Bearer t"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.target.Conns, tc.target.For = 4, 200*time.Millisecond
			r, err := GoLoad{}.Run(context.Background(), tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests == 0 || r.PerSecond <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Errors != 0 {
				t.Errorf("got %+v; want requests, a rate, 0 < p50 <= p99, no errors", r)
			}
			if got := r.Unexpected > 0; got != tc.unexpected {
				t.Errorf("unexpected answers: got %d; want some: %v", r.Unexpected, tc.unexpected)
			}
			if tc.unexpected && (r.Unexpected < r.Requests/3 || r.Unexpected > r.Requests*2/3+1) {
				t.Errorf("got %d unexpected of %d; want about half", r.Unexpected, r.Requests)
			}
		})
	}
}

const wrkOutput = `Running 10s test @ http://127.0.0.1:8080/v1/meetings?pageSize=50
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    98.42ms   45.12ms 430.55ms   71.02%
    Req/Sec   327.71     51.20   450.00     68.50%
  Latency Distribution
     50%   92.10ms
     75%  120.33ms
     90%  158.01ms
     99%  430.20ms
  6531 requests in 10.02s, 312.51MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    651.80
Transfer/sec:     31.19MB
`

func TestParseWrk(t *testing.T) {
	t.Parallel()
	got, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Requests: 6531, PerSecond: 651.80, P50: 92100 * time.Microsecond, P99: 430200 * time.Microsecond, Unexpected: 7, Errors: 5}
	if got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
	for _, bad := range []string{"", "wrk: command not found", strings.Replace(wrkOutput, "  Latency Distribution", "", 1)[:200]} {
		if _, err := parseWrk(bad); err == nil {
			t.Errorf("parseWrk(%.40q): got no error; want one", bad)
		}
	}
}

func TestWrkScript(t *testing.T) {
	t.Parallel()
	got := wrkScript(Target{Method: http.MethodPost, Body: []byte(`{"title":"a \"b\""}`),
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer x"}}})
	want := `wrk.method = "POST"
wrk.body = "{\"title\":\"a \\\"b\\\"\"}"
wrk.headers["Authorization"] = "Bearer x"
wrk.headers["Content-Type"] = "application/json"
`
	if got != want {
		t.Errorf("got\n%s; want\n%s", got, want)
	}
	conditional := wrkScript(Target{Header: http.Header{"If-None-Match": {`"x"`}}, Want: http.StatusNotModified})
	if !strings.Contains(conditional, "if status ~= 304 then unwanted = unwanted + 1 end") || !strings.Contains(conditional, "Unwanted responses") {
		t.Errorf("a row that wants 304: got\n%s; want a script counting other answers", conditional)
	}
	counted, err := parseWrk(wrkOutput + "Unwanted responses: 12\n")
	if err != nil || counted.Unexpected != 12 {
		t.Errorf("output with the script's count: got %d unexpected (%v); want 12", counted.Unexpected, err)
	}
}

// TestWrk runs the wrk path for real where wrk is installed.
func TestWrk(t *testing.T) {
	w, ok := FindWrk(t.TempDir())
	if !ok {
		t.Skip("wrk is not installed")
	}
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer srv.Close()
	r, err := w.Run(context.Background(), Target{URL: srv.URL, Conns: 4, Threads: 1, For: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.P99 < r.P50 || r.Unexpected != 0 {
		t.Errorf("got %+v; want requests, p50 <= p99, no unexpected answers", r)
	}
}

func TestRetarget(t *testing.T) {
	t.Parallel()
	cursor := func(v any) string {
		data, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(data)
	}
	deep := Dataset{DeepID: "deep-id", DeepStarts: time.Date(2043, 2, 4, 9, 0, 0, 0, time.UTC)}
	next := "http://h/v1/meetings?pageSize=50&cursor=" + cursor(map[string]any{"f": "fp", "v": []string{"2040-01-06T09:00:00Z"}, "i": "first"})
	got, ok := retarget(next, deep)
	want := "http://h/v1/meetings?pageSize=50&cursor=" + cursor(map[string]any{"f": "fp", "i": "deep-id", "v": []string{"2043-02-04T09:00:00Z"}})
	if !ok || got != want {
		t.Errorf("got %q, %v; want %q", got, ok, want)
	}
	for _, bad := range []string{"http://h/v1/meetings?pageSize=50", "http://h/v1/meetings?cursor=opaque!", "http://h/v1/meetings?cursor=" + cursor(map[string]any{"x": 1})} {
		if got, ok := retarget(bad, deep); ok {
			t.Errorf("retarget(%q): got %q; want no cursor", bad, got)
		}
	}
}

func TestStatCPU(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, stat string
		want       time.Duration
		ok         bool
	}{
		{"plain", "4242 (pioniers) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 1000 1 1", 3 * time.Second, true},
		{"a name with spaces and parentheses", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0", 30 * time.Millisecond, true},
		{"cut short", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 1", 0, false},
		{"no name", "7 x R", 0, false},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 a 2 0", 0, false},
	} {
		got, ok := statCPU([]byte(tc.stat))
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := cpuTime(os.Getpid()); !ok && runtime.GOOS == "linux" {
		t.Errorf("this process: got no processor time")
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v): got %v; want %v", tc.in, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d): got %q; want %q", n, got, want)
		}
	}
}

// TestReportPostgres renders a report with a PostgreSQL pass from given
// figures: its own section, after the SQLite tables, with the same columns,
// each ratio to the floor run of the SQLite row; and none without one.
func TestReportPostgres(t *testing.T) {
	t.Parallel()
	listFloor := Result{PerSecond: 20000, Requests: 200000, CPU: 5 * time.Second}
	sqlite := []RowReport{
		{Key: "list", What: "GET /v1/meetings?pageSize=50 (anonymous)", Conns: 64, Rounds: []Measure{
			{API: Result{PerSecond: 5000, P50: 10 * time.Millisecond, P99: 40 * time.Millisecond, Requests: 50000, CPU: 1500 * time.Millisecond},
				Floor: listFloor, ListFloor: 20000}}},
		// A round whose processor time was not read counts in no median of it.
		{Key: "large-first", What: "the same at 100,000 meetings, first page", Conns: 64, Rounds: []Measure{
			{API: Result{PerSecond: 4000}, Floor: Result{PerSecond: 20000}, ListFloor: 20000},
			{API: Result{PerSecond: 4000, Requests: 40000, CPU: 1600 * time.Millisecond}, Floor: Result{PerSecond: 20000}, ListFloor: 20000}}},
	}
	postgres := []RowReport{
		{Key: "list", What: "GET /v1/meetings?pageSize=50 (anonymous)", Conns: 64, Rounds: []Measure{
			{API: Result{PerSecond: 320, P50: 190 * time.Millisecond, P99: 430 * time.Millisecond}, Floor: listFloor, ListFloor: 20000}}},
		{Key: "post-16", What: "POST /v1/meetings, 16 connections (admin)", Conns: 16, Rounds: []Measure{
			{API: Result{PerSecond: 800, P50: 20 * time.Millisecond, P99: 60 * time.Millisecond, Unexpected: 2, Errors: 1, Requests: 8000, CPU: 20 * time.Second},
				Floor: Result{PerSecond: 40000}, ListFloor: 20000}}},
	}
	memory := func(what string, restAnon int64) []MemoryReport { // 0: not read at rest
		m := Memory{RSS: 40 << 20, Peak: 64 << 20, Anon: 10 << 20, File: 30 << 20, PeakAnon: 20 << 20}
		if restAnon > 0 {
			m.RestRSS, m.RestAnon = m.File+restAnon, restAnon
		}
		return []MemoryReport{{What: what, Memory: m}}
	}
	rep := &Report{Started: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), Load: "wrk", Opts: Options{Duration: 10 * time.Second, Rounds: 1},
		Rows: sqlite, Memory: memory("reads (10,012 meetings: list, by id, 304, feed)", 6<<20),
		Postgres: &PostgresReport{Version: "PostgreSQL 15.18", Settings: "fsync on, synchronous_commit on, shared_buffers 128MB",
			Rows: postgres, Memory: memory("writes (10,012 meetings, after the POST rows)", 0)}}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	before, section, ok := strings.Cut(out.String(), "\n### PostgreSQL 15.18, same machine\n")
	if !ok {
		t.Fatalf("got no PostgreSQL heading in\n%s", out.String())
	}
	header := "| what | conns | req/s | p50 | p99 | non-2xx | floor req/s | × floor | × list floor | CPU/req | floor CPU/req |"
	for _, tc := range []struct {
		name, in string
		want     []string
		not      []string
	}{
		{"SQLite", before, []string{
			header,
			"| GET /v1/meetings?pageSize=50 (anonymous) | 64 | 5,000 | 10.0 ms | 40.0 ms | 0 | 20,000 | 0.250× | 0.250× | 30.0 µs | 25.0 µs |",
			"| the same at 100,000 meetings, first page | 64 | 4,000 | 0.00 ms | 0.00 ms | 0 | 20,000 | 0.200× | 0.200× | 40.0 µs | – |",
			"| reads (10,012 meetings: list, by id, 304, feed) | 40.0 MB | 64.0 MB | 10.0 MB | 20.0 MB | 30.0 MB | 36.0 MB | 6.0 MB |",
			"At rest: 13.5s later, past its --idle-release (10s)",
			"| export | rows/s |",
		}, []string{"0.016×", "writes (10,012"}},
		{"PostgreSQL", section, []string{
			"(fsync on, synchronous_commit on, shared_buffers 128MB)",
			header,
			"| GET /v1/meetings?pageSize=50 (anonymous) | 64 | 320 | 190.0 ms | 430.0 ms | 0 | 20,000 | 0.016× | 0.016× | – | 25.0 µs |",
			"| POST /v1/meetings, 16 connections (admin) | 16 | 800 | 20.0 ms | 60.0 ms | 3 | 40,000 | 0.020× | 0.040× | 2.50 ms | – |",
			"| writes (10,012 meetings, after the POST rows) | 40.0 MB | 64.0 MB | 10.0 MB | 20.0 MB | 30.0 MB | – | – |",
			"CPU and memory: the API server's process only",
		}, []string{"100,000 meetings", "| export", "reads (10,012"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.in, w) {
				t.Errorf("%s part: got no %q in\n%s", tc.name, w, tc.in)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(tc.in, w) {
				t.Errorf("%s part: got %q; want it elsewhere:\n%s", tc.name, w, tc.in)
			}
		}
	}
	rep.Postgres = nil
	out.Reset()
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "PostgreSQL") {
		t.Errorf("without a PostgreSQL pass: got\n%s; want no PostgreSQL section", out.String())
	}
}

// TestFloorShaped starts the floor and asks both of its servers for a
// body: the bare one answers the bytes with their Content-Type only, the
// shaped one with the API's headers as well.
func TestFloorShaped(t *testing.T) {
	t.Parallel()
	body := Body{Data: []byte(`{"id":"x"}`), Header: http.Header{
		"Content-Type": {"application/json"}, "Content-Length": {"10"}, "Etag": {`"v1.abc"`}, "X-Frame-Options": {"DENY"}}}
	floor, err := startFloor(context.Background(), t.TempDir(), map[string]Body{"by-id": body})
	if err != nil {
		t.Fatal(err)
	}
	defer floor.Stop()
	for _, tc := range []struct {
		name, url string
		want      http.Header // nil values: the header absent
	}{
		{"bare", floor.URL, http.Header{"Content-Type": {"application/json"}, "Etag": nil, "X-Frame-Options": nil}},
		{"shaped", floor.Shaped, body.Header},
	} {
		for i := range 3 { // the same each time: no answer changes what the next one sends
			res, err := fetch(context.Background(), http.MethodGet, tc.url+"/by-id", nil, nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !bytes.Equal(res.Body.Data, body.Data) {
				t.Errorf("%s, answer %d: got body %q; want %q", tc.name, i+1, res.Body.Data, body.Data)
			}
			for k, v := range tc.want {
				if got := res.Header.Values(k); !slices.Equal(got, v) {
					t.Errorf("%s, answer %d: %s: got %q; want %q", tc.name, i+1, k, got, v)
				}
			}
		}
	}
}

// TestReportShape renders the shaped floor's table from given figures: by
// id's row, its ratios to the floor, the list's floor and the API's rate,
// and no table when no row ran the shaped floor.
func TestReportShape(t *testing.T) {
	t.Parallel()
	rows := []RowReport{
		{Key: "list", What: "GET /v1/meetings?pageSize=50 (anonymous)", Conns: 64, Rounds: []Measure{
			{API: Result{PerSecond: 20000}, Floor: Result{PerSecond: 22000}, ListFloor: 22000}}},
		{Key: "by-id", What: "GET /v1/meetings/{id}", Conns: 64, Shape: []string{"Api-Version", "Content-Type", "Etag"}, Rounds: []Measure{
			{API: Result{PerSecond: 30000}, Floor: Result{PerSecond: 40000}, ListFloor: 20000,
				Shaped: Result{PerSecond: 36000, Requests: 360000, CPU: 12 * time.Second}},
			{API: Result{PerSecond: 32000}, Floor: Result{PerSecond: 40000}, ListFloor: 25000,
				Shaped: Result{PerSecond: 32000, Requests: 320000, CPU: 10 * time.Second}}}},
	}
	rep := &Report{Started: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), Load: "wrk", Opts: Options{Duration: 10 * time.Second, Rounds: 2}, Rows: rows}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"with every response header the API sent but Date (Api-Version, Content-Type, Etag; the floor sends Content-Type and Content-Length too), on a net/http server with serve's default timeouts (header 5s, read 15s, write 1m0s, idle 2m0s)",
		"| what | headers | shaped floor req/s | × floor | × list floor | shaped floor CPU/req | API × shaped floor |",
		// The medians of 0.9 and 0.8, of 1.8 and 1.28, of 33.3 and 31.25 µs, of 0.833 and 1.0.
		"| GET /v1/meetings/{id} | 3 | 34,000 | 0.850× | 1.540× | 32.3 µs | 0.917× |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got no %q in\n%s", want, out.String())
		}
	}
	rep.Rows[1].Shape = nil
	out.Reset()
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "shaped") {
		t.Errorf("without a shaped floor's run: got\n%s; want no shaped floor's table", out.String())
	}
}

// TestPostgresNames checks what the PostgreSQL pass names and runs: a
// database per server, unique to the run and a plain identifier; its URL on
// the admin URL's server; the migrate-data command line that fills it.
func TestPostgresNames(t *testing.T) {
	t.Parallel()
	ident := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	seen := map[string]bool{}
	for range 50 {
		p := &Postgres{prefix: runPrefix()}
		for _, role := range []string{"reads", "writes-1", "writes-2"} {
			name := p.name(role)
			if !ident.MatchString(name) || !strings.HasPrefix(name, "bench_") {
				t.Errorf("name(%q): got %q; want bench_… as a plain identifier", role, name)
			}
			if seen[name] {
				t.Errorf("name(%q): got %q twice; want a name unique to the run", role, name)
			}
			seen[name] = true
		}
	}
	for _, tc := range []struct{ admin, want string }{
		{"postgres://pioniers@127.0.0.1:55432/pioniers_test?sslmode=disable", "postgres://pioniers@127.0.0.1:55432/bench_x_reads?sslmode=disable"},
		{"postgres://u:p%40ss@db/postgres?search_path=t_1&sslmode=require", "postgres://u:p%40ss@db/bench_x_reads?sslmode=require"},
		{"postgresql://db", "postgresql://db/bench_x_reads"},
	} {
		if got, err := databaseURL(tc.admin, "bench_x_reads"); err != nil || got != tc.want {
			t.Errorf("databaseURL(%q): got %q, %v; want %q", tc.admin, got, err, tc.want)
		}
	}
	got := strings.Join(migrateDataArgs("bin/pioniers", "/tmp/run/pg-reads/pioniers.db", "postgres://db/bench_x_reads"), " ")
	want := "bin/pioniers migrate-data --from sqlite:/tmp/run/pg-reads/pioniers.db --to postgres://db/bench_x_reads --log-level warn"
	if got != want {
		t.Errorf("migrate-data: got %q; want %q", got, want)
	}
	if _, err := OpenPostgres(context.Background(), "mysql://db/x"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("OpenPostgres(mysql://…): got %v; want an error asking for postgres://", err)
	}
}
