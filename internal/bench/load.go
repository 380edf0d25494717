package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Target is what one load run sends, over and over.
type Target struct {
	Method  string // GET when empty
	URL     string
	Body    []byte
	Header  http.Header
	Conns   int
	Threads int // wrk's -t; the Go generator ignores it
	For     time.Duration
	// Want is the status every answer should have; others are counted as
	// unexpected. 0: any 2xx.
	Want int
}

// Result is what one load run measured.
type Result struct {
	Requests   int
	PerSecond  float64
	P50, P99   time.Duration
	Unexpected int // answers outside 2xx (or other than Target.Want)
	Errors     int // connection and read errors
	// CPU is the processor time the serving process used during the run,
	// read by the bench around it (see runOn); 0 where it could not be read.
	CPU time.Duration
}

// CPUPerRequest is the processor time the server spent on each answer, in
// seconds; 0 when it was not read.
func (r Result) CPUPerRequest() float64 {
	if r.CPU <= 0 || r.Requests == 0 {
		return 0
	}
	return r.CPU.Seconds() / float64(r.Requests)
}

// Load drives a target and measures it.
type Load interface {
	Run(ctx context.Context, t Target) (Result, error)
	Name() string
}

// GoLoad is the load generator in the repository: Conns keep-alive
// connections, each sending its next request when the last answer is read.
type GoLoad struct{}

// Name says which generator measured a table.
func (GoLoad) Name() string { return "Go generator (internal/bench)" }

// Run sends requests on t.Conns connections for t.For.
func (GoLoad) Run(ctx context.Context, t Target) (Result, error) {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        t.Conns,
		MaxIdleConnsPerHost: t.Conns,
		MaxConnsPerHost:     t.Conns,
		DisableCompression:  true, // as wrk: no Accept-Encoding
		IdleConnTimeout:     time.Minute,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	method := cmpOr(t.Method, http.MethodGet)
	// No request starts after the deadline, and those under way finish and
	// count: a response slower than the run (a large feed under load) is
	// measured, not dropped.
	deadline := time.Now().Add(t.For)
	type worker struct {
		lat        []time.Duration
		unexpected int
		errors     int
	}
	workers := make([]worker, t.Conns)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req, err := http.NewRequestWithContext(ctx, method, t.URL, bytes.NewReader(t.Body))
				if err != nil {
					w.errors++
					return
				}
				req.Header = t.Header.Clone()
				if req.Header == nil {
					req.Header = http.Header{}
				}
				sent := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if ctx.Err() != nil {
					return // the bench is ending: neither counted nor timed
				}
				if err != nil {
					w.errors++
					continue
				}
				w.lat = append(w.lat, time.Since(sent))
				if !wanted(res.StatusCode, t.Want) {
					w.unexpected++
				}
			}
		}(&workers[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	var r Result
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		r.Unexpected += w.unexpected
		r.Errors += w.errors
	}
	r.Requests = len(all)
	r.PerSecond = float64(r.Requests) / elapsed.Seconds()
	slices.Sort(all)
	r.P50, r.P99 = percentile(all, 0.50), percentile(all, 0.99)
	if r.Requests == 0 {
		return r, fmt.Errorf("%s %s: no answer in %s (%d errors)", method, t.URL, t.For, r.Errors)
	}
	return r, nil
}

func wanted(status, want int) bool {
	if want == 0 {
		return status >= 200 && status < 300
	}
	return status == want
}

// percentile of sorted samples, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Wrk runs wrk (https://github.com/wg/wrk) with --latency and a Lua script
// that sets the method, body and headers.
type Wrk struct {
	Path string // the wrk binary
	Dir  string // where its scripts are written
}

// FindWrk returns wrk when it is on PATH.
func FindWrk(dir string) (Wrk, bool) {
	path, err := exec.LookPath("wrk")
	return Wrk{Path: path, Dir: dir}, err == nil
}

// Name says which generator measured a table.
func (w Wrk) Name() string { return "wrk" }

// Run runs wrk -tN -cN -dN --latency -s script URL.
func (w Wrk) Run(ctx context.Context, t Target) (Result, error) {
	script, err := os.CreateTemp(w.Dir, "wrk-*.lua")
	if err != nil {
		return Result{}, fmt.Errorf("wrk script: %w", err)
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString(wrkScript(t)); err != nil {
		return Result{}, fmt.Errorf("wrk script: %w", err)
	}
	if err := script.Close(); err != nil {
		return Result{}, fmt.Errorf("wrk script: %w", err)
	}
	threads := max(1, min(t.Threads, t.Conns))
	secs := max(1, int(t.For.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, w.Path, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(t.Conns),
		"-d"+strconv.Itoa(secs)+"s", "--timeout", "120s", "--latency", "-s", filepath.Clean(script.Name()), t.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Result{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(string(out))
}

// wrkScript sets what every request sends.
func wrkScript(t Target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", cmpOr(t.Method, http.MethodGet))
	if len(t.Body) > 0 {
		fmt.Fprintf(&b, "wrk.body = %q\n", t.Body)
	}
	names := make([]string, 0, len(t.Header))
	for k := range t.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&b, "wrk.headers[%q] = %q\n", k, t.Header.Get(k))
	}
	if t.Want != 0 {
		// wrk's own count misses answers below 400 other than the one
		// wanted (a 200 where a 304 should be): each thread counts them, and
		// done adds them up.
		fmt.Fprintf(&b, `local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unwanted = 0 end
function response(status, headers, body) if status ~= %d then unwanted = unwanted + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("unwanted") end
  io.write(string.format("Unwanted responses: %%d\n", n))
end
`, t.Want)
	}
	return b.String()
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkPercent  = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkUnwanted = regexp.MustCompile(`Unwanted responses: (\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk --latency output: unexpected answers are those outside
// 2xx and 3xx, or, when the script counted them, those other than wanted.
func parseWrk(out string) (Result, error) {
	var r Result
	m := wrkRequests.FindStringSubmatch(out)
	rate := wrkRate.FindStringSubmatch(out)
	if m == nil || rate == nil {
		return r, fmt.Errorf("wrk: unexpected output: %s", out)
	}
	r.Requests, _ = strconv.Atoi(m[1])
	r.PerSecond, _ = strconv.ParseFloat(rate[1], 64)
	for _, p := range wrkPercent.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}[p[3]]
		d := time.Duration(v * float64(unit))
		if p[1] == "50" {
			r.P50 = d
		} else {
			r.P99 = d
		}
	}
	if n := wrkNon2xx.FindStringSubmatch(out); n != nil {
		r.Unexpected, _ = strconv.Atoi(n[1])
	}
	if n := wrkUnwanted.FindStringSubmatch(out); n != nil {
		r.Unexpected, _ = strconv.Atoi(n[1]) // counted against Target.Want by the script
	}
	if s := wrkSocket.FindStringSubmatch(out); s != nil {
		for _, v := range s[1:] {
			n, _ := strconv.Atoi(v)
			r.Errors += n
		}
	}
	if r.P50 == 0 || r.P99 == 0 {
		return r, fmt.Errorf("wrk: no latency distribution in output (run with --latency): %s", out)
	}
	return r, nil
}
