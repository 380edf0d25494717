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
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	MaybeFloor() // the harness starts this test binary as its floor
	os.Exit(m.Run())
}

// TestHarness runs the whole bench on tiny datasets against the real binary
// and checks the table: every row, every figure a number. It asserts no
// speed: figures on a shared machine prove nothing.
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
		Load: GoLoad{}, Logf: t.Logf}
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

	number := regexp.MustCompile(`^[\d,]+(\.\d+)?( ms| s| MB|×)?$`)
	rows := map[string]int{ // a row's label, and how many cells it has
		"GET /v1/meetings?pageSize=50 (anonymous)":            9,
		"the same at 120 meetings, first page":                9,
		"the same at 120 meetings, deep page (cursor at 90%)": 9,
		"GET /v1/meetings/{id}":                               9,
		"conditional GET → 304, list (floor: the list's 200)": 9,
		"POST /v1/meetings, 16 connections (admin)":           9,
		"POST /v1/meetings, 64 connections (admin)":           9,
		"GET /v1/feeds/meetings.ics":                          9,
		"CSV export of 120 meetings":                          7,
		"CSV export of 40 milestones":                         7,
		"reads (30 meetings: list, by id, 304, feed)":         6,
		"scale (120 meetings: pages, exports)":                6,
		"writes (30 meetings, after the POST rows)":           6,
	}
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
			for _, d := range rep.Datasets {
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
			if !number.MatchString(c) {
				t.Errorf("%s: cell %d: got %q; want a number", label, i+1, c)
			}
		}
		if want == 9 && strings.TrimSpace(cells[5]) != "0" {
			t.Errorf("%s: non-2xx: got %s; want 0", label, cells[5])
		}
	}
	for label := range rows {
		if !seen[label] {
			t.Errorf("the table has no row %q", label)
		}
	}
	for _, want := range []string{"Machine: ", "cores", "go1.", "Go generator"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table does not say %q", want)
		}
	}
	// A second run finds the datasets in the cache.
	var logs []string
	o.Rounds, o.Logf = 1, func(f string, a ...any) { logs = append(logs, f) }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := strings.Count(strings.Join(logs, "\n"), "cached"); got != 2 {
		t.Errorf("second run: got %d cached datasets; want 2 (%q)", got, logs)
	}
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
