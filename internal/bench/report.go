package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/pioniersnetwerk/pioniers/internal/app"
)

// Machine is where a table was measured.
type Machine struct {
	CPU   string
	Cores int
	Go    string
	OS    string
}

// ThisMachine reads the CPU model and OS from /proc and /etc/os-release.
func ThisMachine() Machine {
	m := Machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`) + " " + runtime.GOARCH
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(data))
	}
	return m
}

func (m Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s, %s", m.CPU, m.Cores, m.Go, m.OS)
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	return median(v)
}

func ms(v float64) string { // v in seconds
	switch {
	case v >= 1:
		return fmt.Sprintf("%.2f s", v)
	case v >= 0.01:
		return fmt.Sprintf("%.1f ms", v*1e3)
	default:
		return fmt.Sprintf("%.2f ms", v*1e3)
	}
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// mbOrNone is mb, or a dash for a figure not read.
func mbOrNone(b int64) string {
	if b == 0 {
		return "–"
	}
	return mb(b)
}

// rate shows a slow row's fraction too: a feed may manage less than one a second.
func rate(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return count(int(v + 0.5))
}

// Write renders the report as markdown: the load table, the exports, the
// memory, and how it was measured.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	o := r.Opts
	fmt.Fprintf(&b, "## Benchmark %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s. Load: %s, %s per run, %s; each figure the median of the rounds, each ratio to the floor "+
		"(a bare echo v4 server answering the same bytes from memory) measured in the same round.\n\n", r.Machine, r.Load, o.Duration, plural(o.Rounds, "round"))
	writeLoad(&b, r.Rows)
	b.WriteString("\nnon-2xx: answers other than 2xx (the 304 row: other than 304) plus connection errors, summed over the rounds. " +
		"× list floor: to the list page's floor, run right before the row for by id (whose target compares with it), the row's own for the 304 (the list's 200), " +
		"the list row's for the others. CPU/req: the processor time (user and system) the server's process used during the run, per answer; " +
		"floor CPU/req: the floor's; times req/s, the cores each process had.\n\n")
	writeShape(&b, r.Rows)
	b.WriteString("| export | rows/s | time | sqlite3 -csv rows/s | × sqlite3 | complete | server peak RSS |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, e := range r.Exports {
		rs := e.Rounds
		complete := "yes"
		for _, x := range rs {
			if !x.Complete() {
				complete = fmt.Sprintf("**no**: %s of %s rows, status %d%s", count(x.Rows), count(x.Want), x.Status, cut(x.Err))
				break
			}
		}
		sqlite, ratio := "no sqlite3", "–"
		if len(rs) > 0 && rs[0].HaveSQLite {
			sr := medianOf(rs, func(x Export) float64 { return float64(x.SQLiteRows) / x.SQLiteTook.Seconds() })
			sqlite = rate(sr)
			ratio = fmt.Sprintf("%.3f×", medianOf(rs, func(x Export) float64 { return x.RowsPerSecond() })/sr)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", e.What,
			rate(medianOf(rs, func(x Export) float64 { return x.RowsPerSecond() })),
			ms(medianOf(rs, func(x Export) float64 { return x.Took.Seconds() })),
			sqlite, ratio, complete,
			mb(int64(medianOf(rs, func(x Export) float64 { return float64(x.ServerPeakAfter) }))))
	}
	b.WriteString("\n")
	writeMemory(&b, r.Memory)
	fmt.Fprintf(&b, "\nAnonymous: the heap, stacks and SQLite's caches. File-backed: pages of the binary mapped from the page cache (shared, clean, reclaimable); a kernel that keeps the file in large folios maps most of the binary at start. "+
		"After: right after the server's last run (the reads server's: the feed, then the exports on the scale server). At rest: %s later, past its --idle-release (%s); the writes servers have stopped by then.\n", restWait(r.Opts.idleRelease()), r.Opts.idleRelease())
	b.WriteString("\nDatasets (generated through internal/app, cached in bench/.data): ")
	for i, d := range r.Datasets {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s meetings and %s milestones (schema %s, generated in %s)", count(d.AllMeets), count(d.AllMiles), d.Schema, d.Took)
	}
	b.WriteString(".\n")
	if p := r.Postgres; p != nil {
		fmt.Fprintf(&b, "\n### %s, same machine\n\n", p.Version)
		fmt.Fprintf(&b, "The same rows with the API on PostgreSQL (%s): each server on a database of its own, filled from the same dataset by "+
			"`pioniers migrate-data`, started with the same flags. Each row runs right after its SQLite row, in the same round; "+
			"its floor figures are that row's.\n\n", p.Settings)
		writeLoad(&b, p.Rows)
		b.WriteString("\n")
		writeMemory(&b, p.Memory)
		b.WriteString("\nCPU and memory: the API server's process only, not PostgreSQL's.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLoad renders load rows as a table: the medians of the rounds.
func writeLoad(b *strings.Builder, rows []RowReport) {
	b.WriteString("| what | conns | req/s | p50 | p99 | non-2xx | floor req/s | × floor | × list floor | CPU/req | floor CPU/req |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, row := range rows {
		rs := row.Rounds
		bad := 0
		for _, m := range rs {
			bad += m.API.Unexpected + m.API.Errors
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %d | %s | %.3f× | %.3f× | %s | %s |\n", row.What, row.Conns,
			rate(medianOf(rs, func(m Measure) float64 { return m.API.PerSecond })),
			ms(medianOf(rs, func(m Measure) float64 { return m.API.P50.Seconds() })),
			ms(medianOf(rs, func(m Measure) float64 { return m.API.P99.Seconds() })),
			bad,
			rate(medianOf(rs, func(m Measure) float64 { return m.Floor.PerSecond })),
			medianOf(rs, func(m Measure) float64 { return m.API.PerSecond / m.Floor.PerSecond }),
			medianOf(rs, func(m Measure) float64 { return m.API.PerSecond / m.ListFloor }),
			cpuCost(rs, func(m Measure) Result { return m.API }),
			cpuCost(rs, func(m Measure) Result { return m.Floor }))
	}
}

// writeShape renders the rows that ran the shaped floor (see floor.go):
// how much of the gap to the floor is the answer's shape, how much the API's
// work per request.
func writeShape(b *strings.Builder, rows []RowReport) {
	var shaped []RowReport
	for _, row := range rows {
		if len(row.Shape) > 0 {
			shaped = append(shaped, row)
		}
	}
	if len(shaped) == 0 {
		return
	}
	srv := app.Defaults().HTTPServer(nil)
	fmt.Fprintf(b, "The shaped floor is the floor answering as the API does: with every response header the API sent but Date (%s; "+
		"the floor sends Content-Type and Content-Length too), on a net/http server with serve's default timeouts "+
		"(header %s, read %s, write %s, idle %s), run right after the floor. "+
		"What remains between it and the API is the API's own work per request: its middleware and response cache.\n\n",
		strings.Join(shaped[0].Shape, ", "), srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	b.WriteString("| what | headers | shaped floor req/s | × floor | × list floor | shaped floor CPU/req | API × shaped floor |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, row := range shaped {
		rs := row.Rounds
		fmt.Fprintf(b, "| %s | %d | %s | %.3f× | %.3f× | %s | %.3f× |\n", row.What, len(row.Shape),
			rate(medianOf(rs, func(m Measure) float64 { return m.Shaped.PerSecond })),
			medianOf(rs, func(m Measure) float64 { return m.Shaped.PerSecond / m.Floor.PerSecond }),
			medianOf(rs, func(m Measure) float64 { return m.Shaped.PerSecond / m.ListFloor }),
			cpuCost(rs, func(m Measure) Result { return m.Shaped }),
			medianOf(rs, func(m Measure) float64 { return m.API.PerSecond / m.Shaped.PerSecond }))
	}
	b.WriteString("\n")
}

// cpuCost is the median processor time per request of the rounds whose
// time was read, or a dash when none was: a round without it is no zero.
func cpuCost(rs []Measure, of func(Measure) Result) string {
	var v []float64
	for _, m := range rs {
		if c := of(m).CPUPerRequest(); c > 0 {
			v = append(v, c)
		}
	}
	switch c := median(v); {
	case len(v) == 0:
		return "–"
	case c < 1e-3:
		return fmt.Sprintf("%.1f µs", c*1e6)
	default:
		return ms(c)
	}
}

// writeMemory renders the servers' memory as a table.
func writeMemory(b *strings.Builder, servers []MemoryReport) {
	b.WriteString("| server | RSS after all runs | peak RSS (VmHWM) | anonymous after | anonymous peak (sampled) | file-backed after | RSS at rest | anonymous at rest |\n|---|---|---|---|---|---|---|---|\n")
	for _, m := range servers {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", m.What, mb(m.RSS), mb(m.Peak), mb(m.Anon), mb(m.PeakAnon), mb(m.File),
			mbOrNone(m.RestRSS), mbOrNone(m.RestAnon))
	}
}

func cut(err string) string {
	if err == "" {
		return ""
	}
	if len(err) > 80 {
		err = err[:80] + "…"
	}
	return ", " + err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
