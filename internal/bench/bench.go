// Package bench is the harness behind make bench: it generates datasets
// through the service's own code, serves them with the real binary next to a
// floor (a bare echo server answering the same bytes from memory), drives
// both with one load generator and reports each figure as a ratio to the
// floor measured in the same round.
package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Options are the bench's sizes and settings.
type Options struct {
	Bin        string // the server binary, bin/pioniers
	Repo       string // the module root
	Cache      string // where datasets are kept between runs
	Work       string // a run's scratch folder (server copies, floor bodies)
	Meetings   int    // the main dataset
	Large      int    // the scale dataset; 0 skips its rows
	Milestones int    // milestones for the export rows, in the export dataset
	Rounds     int
	Duration   time.Duration
	Conns      int // connections of the read rows (wrk -c)
	Threads    int // wrk -t
	Load       Load
	Logf       func(format string, args ...any)
	// Postgres is an admin URL to a PostgreSQL server whose user may CREATE
	// DATABASE: the main dataset's rows run on it too. Empty: SQLite only.
	Postgres string
	// IdleRelease is the servers' --idle-release, past which their memory
	// at rest is read; 0: serve's default.
	IdleRelease time.Duration
}

// serverFlags are the flags every API server of the run gets.
func (o Options) serverFlags() []string {
	return []string{"--idle-release", o.idleRelease().String()}
}

func (o Options) idleRelease() time.Duration { return cmp.Or(o.IdleRelease, defaultIdleRelease) }

// Body is a response the floor serves again. Header is the API's: every
// header but Date, which net/http writes by itself, and the hop-by-hop
// ones. The floor answers with its Content-Type, the shaped floor with all.
type Body struct {
	Data   []byte
	Header http.Header
}

// row is one load row of the table: the API's target and the floor route
// serving the same body.
type row struct {
	key, what string
	server    *Server
	floor     string // floor route
	target    Target
	signIn    bool // the target needs a fresh admin token
	writes    bool // the row runs on the writes server, fresh each round
	postgres  bool // the row runs on PostgreSQL too (-postgres)
	shaped    bool // the row runs the shaped floor too (see floor.go)
	// list, when set, is the list row's target: the row's "× list floor"
	// is to a run of the list's floor right before it. The list row's own
	// floor ran a minute earlier, and on a shared machine the rates move
	// by more in a minute than the margin of a target set against it.
	list *Target
}

// Measure is one row's figures in one round.
type Measure struct {
	API, Floor Result
	// Shaped is the shaped floor's run (see floor.go) of a row that asks
	// for one (by id), else zero.
	Shaped Result
	// ListFloor is the list page's floor in req/s: run right before the row
	// for a row with a list target (by id), the row's own floor where that
	// is the list page, else the list row's of the same round.
	ListFloor float64
}

// Export is one CSV download, against sqlite3 -csv on the same ordered query.
type Export struct {
	Rows, Want      int
	Took            time.Duration
	Status          int
	Err             string // a read error: the stream was cut
	SQLiteRows      int
	SQLiteTook      time.Duration
	HaveSQLite      bool
	ServerPeakAfter int64
}

// RowsPerSecond of the API's download.
func (e Export) RowsPerSecond() float64 { return float64(e.Rows) / e.Took.Seconds() }

// Complete reports whether every row arrived, with status 200 and no cut.
func (e Export) Complete() bool { return e.Status == http.StatusOK && e.Err == "" && e.Rows == e.Want }

// exportRow is a CSV export and the table and order sqlite3 reads to match it.
type exportRow struct {
	key, what, path, table, order string
	want                          int
}

// Report is everything a run measured.
type Report struct {
	Started  time.Time
	Machine  Machine
	Load     string
	Opts     Options
	Datasets []Dataset
	Rows     []RowReport
	Exports  []ExportReport
	Memory   []MemoryReport
	Postgres *PostgresReport // nil without -postgres
}

// PostgresReport is the PostgreSQL pass: the main dataset's rows with the
// API on PostgreSQL, in the same rounds as the SQLite rows and against the
// same floor runs.
type PostgresReport struct {
	Version  string // PostgreSQL 15.8 (Debian …)
	Settings string // the settings that decide what a commit costs
	Rows     []RowReport
	Memory   []MemoryReport // the API servers'
}

// RowReport is a load row over every round.
type RowReport struct {
	Key, What string
	Conns     int
	Rounds    []Measure
	Shape     []string // the names of the headers the shaped floor answered with, if it ran
}

// ExportReport is an export row over every round.
type ExportReport struct {
	Key, What string
	Rounds    []Export
}

// MemoryReport is a server's memory after every run.
type MemoryReport struct {
	What string
	Memory
	srv *Server // to read again at rest; nil for a writes server, stopped by then
}

// Run runs the bench and returns what it measured.
func Run(ctx context.Context, o Options) (*Report, error) {
	logf := o.Logf
	rep := &Report{Started: time.Now(), Machine: ThisMachine(), Load: o.Load.Name(), Opts: o}
	small, err := EnsureDataset(ctx, o.Cache, o.Repo, Spec{Meetings: o.Meetings, Milestones: o.Milestones * boolInt(o.Large == 0)}, logf)
	if err != nil {
		return nil, err
	}
	rep.Datasets = append(rep.Datasets, small)
	exportSet := small
	var large Dataset
	if o.Large > 0 {
		if large, err = EnsureDataset(ctx, o.Cache, o.Repo, Spec{Meetings: o.Large, Milestones: o.Milestones}, logf); err != nil {
			return nil, err
		}
		rep.Datasets = append(rep.Datasets, large)
		exportSet = large
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}

	reads, err := startServer(ctx, o.Bin, small, filepath.Join(o.Work, "reads"), o.serverFlags()...)
	if err != nil {
		return nil, err
	}
	defer reads.Stop()
	// The PostgreSQL pass serves the same dataset from databases of its own,
	// filled from the same SQLite file; they are dropped at the end.
	var pg *Postgres
	var pgReads *Server
	if o.Postgres != "" {
		if pg, err = OpenPostgres(ctx, o.Postgres); err != nil {
			return nil, err
		}
		defer func() {
			if err := pg.Close(ctx); err != nil {
				logf("postgres: %v", err)
			}
		}()
		if pgReads, err = pg.serve(ctx, o.Bin, small, filepath.Join(o.Work, "pg-reads"), "reads", o.serverFlags()...); err != nil {
			return nil, err
		}
		defer pgReads.Stop()
		rep.Postgres = &PostgresReport{Version: pg.Version, Settings: pg.Settings}
	}
	var scale *Server
	if o.Large > 0 {
		if scale, err = startServer(ctx, o.Bin, large, filepath.Join(o.Work, "large"), o.serverFlags()...); err != nil {
			return nil, err
		}
		defer scale.Stop()
	}
	// Writes go to their own copy, started again each round, so that the
	// meetings they add change neither the reads nor the next round.
	writes := func(round int) (*Server, error) {
		return startServer(ctx, o.Bin, small, filepath.Join(o.Work, fmt.Sprintf("writes-%d", round)), o.serverFlags()...)
	}

	w, err := writes(0)
	if err != nil {
		return nil, err
	}
	rows, bodies, err := prepare(ctx, o, reads, scale, w, large)
	w.Remove()
	if err != nil {
		return nil, err
	}
	var pgRows []row
	pgAt := map[string]int{} // a row's key: its index in pgRows
	if pg != nil {
		if pgRows, err = postgresRows(ctx, rows, bodies, pgReads, logf); err != nil {
			return nil, err
		}
		for i, r := range pgRows {
			pgAt[r.key] = i
			rep.Postgres.Rows = append(rep.Postgres.Rows, RowReport{Key: r.key, What: r.what, Conns: r.target.Conns})
		}
	}
	floor, err := startFloor(ctx, o.Work, bodies)
	if err != nil {
		return nil, err
	}
	defer floor.Stop()

	exports := []exportRow{{"export-meetings", fmt.Sprintf("CSV export of %s meetings", count(exportSet.AllMeets)),
		"/v1/meetings/export?format=csv", "meetings", "starts_at, id", exportSet.AllMeets}}
	if exportSet.Spec.Milestones > 0 {
		exports = append(exports, exportRow{"export-milestones", fmt.Sprintf("CSV export of %s milestones", count(exportSet.AllMiles)),
			"/v1/milestones/export?format=csv", "milestones", "commitment, code_key, id", exportSet.AllMiles})
	}
	exportServer := reads
	if scale != nil {
		exportServer = scale
	}
	for _, r := range rows {
		rr := RowReport{Key: r.key, What: r.what, Conns: r.target.Conns}
		if r.shaped {
			rr.Shape = slices.Sorted(maps.Keys(bodies[r.floor].Header))
		}
		rep.Rows = append(rep.Rows, rr)
	}
	for _, e := range exports {
		rep.Exports = append(rep.Exports, ExportReport{Key: e.key, What: e.what})
	}

	readsWhat := fmt.Sprintf("reads (%s meetings: list, by id, 304, feed)", count(small.AllMeets))
	writesWhat := fmt.Sprintf("writes (%s meetings, after the POST rows)", count(small.AllMeets))
	var pgMemory []MemoryReport
	lastWrites := -1 // the last row on the writes server
	for i, r := range rows {
		if r.writes {
			lastWrites = i
		}
	}
	for round := 1; round <= o.Rounds; round++ {
		logf("round %d of %d", round, o.Rounds)
		w, err := writes(round)
		if err != nil {
			return nil, err
		}
		var pw *Server // PostgreSQL's writes server
		if pg != nil {
			if pw, err = pg.serve(ctx, o.Bin, small, filepath.Join(o.Work, fmt.Sprintf("pg-writes-%d", round)), fmt.Sprintf("writes-%d", round), o.serverFlags()...); err != nil {
				w.Stop()
				return nil, err
			}
		}
		stop := func() {
			w.Stop()
			if pw != nil {
				pw.Stop()
			}
		}
		// A writes server's memory is read right after its last row of the
		// last round, before it has time to go to rest.
		afterWrites := func(i int, s *Server, to *[]MemoryReport) error {
			if round != o.Rounds || i != lastWrites || s == nil {
				return nil
			}
			mem, err := s.Memory()
			if err != nil {
				return err
			}
			*to = append(*to, MemoryReport{What: writesWhat, Memory: mem})
			return nil
		}
		var listFloor float64
		for i, r := range rows {
			if r.writes {
				r.server = w
			}
			m, err := measure(ctx, o, r, floor, listFloor)
			if err == nil {
				err = afterWrites(i, w, &rep.Memory)
			}
			if err != nil {
				stop()
				return nil, fmt.Errorf("%s: %w", r.key, err)
			}
			if r.key == "list" {
				listFloor = m.Floor.PerSecond
			}
			rep.Rows[i].Rounds = append(rep.Rows[i].Rounds, m)
			logMeasure(logf, r.key, m)
			j, ok := pgAt[r.key]
			if !ok {
				continue
			}
			// Right after the SQLite row, against the same floor run.
			p := pgRows[j]
			if p.writes {
				p.server = pw
			}
			pm := Measure{Floor: m.Floor, ListFloor: m.ListFloor}
			if pm.API, err = runAPI(ctx, o, p); err == nil {
				err = afterWrites(i, pw, &pgMemory)
			}
			if err != nil {
				stop()
				return nil, fmt.Errorf("%s on PostgreSQL: %w", r.key, err)
			}
			rep.Postgres.Rows[j].Rounds = append(rep.Postgres.Rows[j].Rounds, pm)
			logMeasure(logf, "  postgres", pm)
		}
		w.Remove()
		if pw != nil {
			pw.Remove()
		}
		for i, e := range exports {
			x, err := download(ctx, exportServer, e.path, e.want)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.key, err)
			}
			x.SQLiteRows, x.SQLiteTook, x.HaveSQLite, err = sqliteCSV(ctx, filepath.Join(exportServer.Dir, "pioniers.db"), e.table, e.order)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.key, err)
			}
			if mem, err := exportServer.Memory(); err == nil {
				x.ServerPeakAfter = mem.Peak
			}
			rep.Exports[i].Rounds = append(rep.Exports[i].Rounds, x)
			logf("  %-14s %9.0f rows/s (%d of %d rows, status %d %s)  sqlite3 %d rows in %s", e.key, x.RowsPerSecond(), x.Rows, x.Want, x.Status,
				x.Err, x.SQLiteRows, x.SQLiteTook.Round(time.Millisecond))
		}
	}
	for _, s := range []struct {
		what string
		srv  *Server
		to   *[]MemoryReport
	}{{readsWhat, reads, &rep.Memory}, {fmt.Sprintf("scale (%s meetings: pages, exports)", count(large.AllMeets)), scale, &rep.Memory}, {readsWhat, pgReads, &pgMemory}} {
		if s.srv == nil {
			continue
		}
		mem, err := s.srv.Memory()
		if err != nil {
			return nil, err
		}
		*s.to = append(*s.to, MemoryReport{What: s.what, Memory: mem, srv: s.srv})
	}
	// Then what the same servers hold at rest, once they gave back what the
	// runs left free (the writes servers are gone by now).
	logf("memory at rest: waiting %s", restWait(o.idleRelease()))
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(restWait(o.idleRelease())):
	}
	for _, m := range [][]MemoryReport{rep.Memory, pgMemory} {
		for i := range m {
			if m[i].srv == nil {
				continue
			}
			rest, err := m[i].srv.Memory()
			if err != nil {
				return nil, err
			}
			m[i].RestRSS, m[i].RestAnon = rest.RSS, rest.Anon
		}
	}
	// The reads server first: the figure.
	for _, m := range [][]MemoryReport{rep.Memory, pgMemory} {
		slices.SortStableFunc(m, func(a, b MemoryReport) int { return boolInt(b.What[:5] == "reads") - boolInt(a.What[:5] == "reads") })
	}
	if rep.Postgres != nil {
		rep.Postgres.Memory = pgMemory
	}
	return rep, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// prepare fetches each row's response from the API (what the floor will
// serve) and builds the targets.
func prepare(ctx context.Context, o Options, reads, scale, writes *Server, large Dataset) ([]row, map[string]Body, error) {
	bodies := map[string]Body{}
	target := func(url string, conns int) Target {
		return Target{URL: url, Conns: conns, Threads: o.Threads, For: o.Duration}
	}
	list := reads.URL + "/v1/meetings?pageSize=50"
	res, err := fetch(ctx, http.MethodGet, list, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	bodies["list"] = res.Body
	etag := res.Header.Get("ETag")
	if etag == "" {
		return nil, nil, errors.New("the list answers no ETag")
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(res.Body.Data, &page); err != nil || len(page.Items) == 0 {
		return nil, nil, fmt.Errorf("the list has no items: %v", err)
	}
	byID := reads.URL + "/v1/meetings/" + page.Items[len(page.Items)/2].ID
	if res, err = fetch(ctx, http.MethodGet, byID, nil, nil); err != nil {
		return nil, nil, err
	}
	bodies["by-id"] = res.Body
	ics := reads.URL + "/v1/feeds/meetings.ics"
	if res, err = fetch(ctx, http.MethodGet, ics, nil, nil); err != nil {
		return nil, nil, err
	}
	bodies["ics"] = res.Body
	token, err := signIn(ctx, writes.URL)
	if err != nil {
		return nil, nil, err
	}
	post := writes.URL + "/v1/meetings"
	if res, err = fetch(ctx, http.MethodPost, post, PostBody, http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}); err != nil {
		return nil, nil, err
	}
	bodies["post"] = res.Body

	lt := target(list, o.Conns)
	rows := []row{{key: "list", what: "GET /v1/meetings?pageSize=50 (anonymous)", server: reads, floor: "list", target: lt, postgres: true}}
	if scale != nil {
		first := scale.URL + "/v1/meetings?pageSize=50"
		res, err := fetch(ctx, http.MethodGet, first, nil, nil)
		if err != nil {
			return nil, nil, err
		}
		bodies["large-first"] = res.Body
		deep, how, err := deepPage(ctx, first, res.Header.Get("Link"), large)
		if err != nil {
			return nil, nil, err
		}
		if res, err = fetch(ctx, http.MethodGet, deep, nil, nil); err != nil {
			return nil, nil, err
		}
		bodies["large-deep"] = res.Body
		rows = append(rows,
			row{key: "large-first", what: fmt.Sprintf("the same at %s meetings, first page", count(large.AllMeets)), server: scale, floor: "large-first", target: target(first, o.Conns)},
			row{key: "large-deep", what: fmt.Sprintf("the same at %s meetings, deep page (%s)", count(large.AllMeets), how), server: scale, floor: "large-deep", target: target(deep, o.Conns)})
	}
	nm := lt
	nm.Header, nm.Want = http.Header{"If-None-Match": {etag}}, http.StatusNotModified
	p16, p64 := target(post, 16), target(post, 64)
	for _, p := range []*Target{&p16, &p64} {
		p.Method, p.Body, p.Header = http.MethodPost, PostBody, http.Header{"Content-Type": {"application/json"}}
	}
	rows = append(rows,
		row{key: "by-id", what: "GET /v1/meetings/{id}", server: reads, floor: "by-id", target: target(byID, o.Conns), postgres: true, list: &lt, shaped: true},
		row{key: "not-modified", what: "conditional GET → 304, list (floor: the list's 200)", server: reads, floor: "list", target: nm, postgres: true},
		row{key: "post-16", what: "POST /v1/meetings, 16 connections (admin)", server: writes, floor: "post", target: p16, signIn: true, writes: true, postgres: true},
		row{key: "post-64", what: "POST /v1/meetings, 64 connections (admin)", server: writes, floor: "post", target: p64, signIn: true, writes: true, postgres: true},
		row{key: "ics", what: "GET /v1/feeds/meetings.ics", server: reads, floor: "ics", target: target(ics, feedConns), postgres: true},
	)
	return rows, bodies, nil
}

// feedConns is the feed row's concurrency: a feed of every meeting is a
// download of megabytes, which calendar clients fetch a few at a time; at 64
// at once each answer takes longer than the server's write timeout.
const feedConns = 4

// PostBody is the meeting every POST row plans: a knowledge session with a
// host and a guest chair, so that the write resolves organisations.
var PostBody = []byte(`{"title":"Benchmark meeting","topic":"Open data","format":"knowledge-session",` +
	`"details":{"format":"knowledge-session","experts":[{"name":"An Expert","affiliation":"University"}]},` +
	`"startsAt":"2031-03-14T13:00:00Z","endsAt":"2031-03-14T16:00:00Z","capacity":40,` +
	`"venue":{"name":"Town hall","city":"Example","hostOrganisation":"GM9901"},"guestChair":"GM9901","tags":["bench"]}`)

// measure runs a row against the floor (and the shaped floor, for a row
// that asks), then against the API. Its list floor is listFloor, the list
// row's of the round, unless the row runs one of its own (row.list) or its
// floor is the list's.
func measure(ctx context.Context, o Options, r row, floor *Floor, listFloor float64) (Measure, error) {
	m := Measure{ListFloor: listFloor}
	// A floor that answered anything but 2xx measured something else.
	onFloor := func(what, url string, t Target) (Result, error) {
		t.URL, t.Want = url, 0
		res, err := runOn(ctx, o.Load, t, floor.cmd.Process.Pid)
		if bad := res.Unexpected + res.Errors; err == nil && bad > 0 {
			err = fmt.Errorf("%d answers not 2xx", bad)
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", what, err)
		}
		return res, nil
	}
	if r.list != nil {
		lf, err := onFloor("list floor", floor.URL+"/list", *r.list)
		if err != nil {
			return m, err
		}
		m.ListFloor = lf.PerSecond
	}
	var err error
	if m.Floor, err = onFloor("floor", floor.URL+"/"+r.floor, r.target); err != nil {
		return m, err
	}
	if r.floor == "list" {
		m.ListFloor = m.Floor.PerSecond
	}
	if r.shaped {
		if m.Shaped, err = onFloor("shaped floor", floor.Shaped+"/"+r.floor, r.target); err != nil {
			return m, err
		}
	}
	m.API, err = runAPI(ctx, o, r)
	return m, err
}

// runOn runs t with load against the process pid serves and notes the
// processor time pid used meanwhile: what its answers cost it in that run.
func runOn(ctx context.Context, load Load, t Target, pid int) (Result, error) {
	before, ok := cpuTime(pid)
	res, err := load.Run(ctx, t)
	if after, ok2 := cpuTime(pid); ok && ok2 && err == nil {
		res.CPU = after - before
	}
	return res, err
}

// runAPI runs a row against its server.
func runAPI(ctx context.Context, o Options, r row) (Result, error) {
	t := r.target
	t.URL = r.server.URL + t.URL[len(serverPrefix(t.URL)):]
	if r.signIn {
		token, err := signIn(ctx, r.server.URL)
		if err != nil {
			return Result{}, err
		}
		t.Header = t.Header.Clone()
		t.Header.Set("Authorization", "Bearer "+token)
	}
	return runOn(ctx, o.Load, t, r.server.cmd.Process.Pid)
}

func logMeasure(logf func(string, ...any), key string, m Measure) {
	logf("  %-14s %9.1f req/s  p99 %-8s floor %9.0f req/s  %.3f×  unexpected %d", key, m.API.PerSecond,
		m.API.P99.Round(10*time.Microsecond), m.Floor.PerSecond, m.API.PerSecond/m.Floor.PerSecond, m.API.Unexpected+m.API.Errors)
	if m.Shaped.PerSecond > 0 {
		logf("  %-14s shaped floor %9.0f req/s  API %.3f× it", "", m.Shaped.PerSecond, m.API.PerSecond/m.Shaped.PerSecond)
	}
}

// postgresRows are the rows that run on PostgreSQL too, pointed at its
// reads server (the writes rows get each round's server). The conditional
// GET sends PostgreSQL's own validator; an answer of another size than the
// floor's (SQLite's) is logged.
func postgresRows(ctx context.Context, rows []row, bodies map[string]Body, reads *Server, logf func(string, ...any)) ([]row, error) {
	var pg []row
	for _, r := range rows {
		if !r.postgres {
			continue
		}
		r.server = reads
		if r.target.Method == "" || r.target.Method == http.MethodGet {
			res, err := fetch(ctx, http.MethodGet, reads.URL+r.target.URL[len(serverPrefix(r.target.URL)):], nil, nil)
			if err != nil {
				return nil, fmt.Errorf("%s on PostgreSQL: %w", r.key, err)
			}
			if r.target.Want == http.StatusNotModified {
				if res.Header.Get("ETag") == "" {
					return nil, fmt.Errorf("%s on PostgreSQL: the list answers no ETag", r.key)
				}
				r.target.Header = r.target.Header.Clone()
				r.target.Header.Set("If-None-Match", res.Header.Get("ETag"))
			} else if got, want := len(res.Body.Data), len(bodies[r.floor].Data); got != want {
				logf("note: %s answers %d bytes on PostgreSQL, %d on SQLite (the floor's)", r.key, got, want)
			}
		}
		pg = append(pg, r)
	}
	return pg, nil
}

var origin = regexp.MustCompile(`^https?://[^/]+`)

func serverPrefix(url string) string { return origin.FindString(url) }

type response struct {
	Body   Body
	Header http.Header
}

// fetch sends one request and wants a 2xx answer.
func fetch(ctx context.Context, method, url string, body []byte, header http.Header) (response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if header != nil {
		req.Header = header
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if res.StatusCode/100 != 2 {
		return response{}, fmt.Errorf("%s %s: status %d: %.400s", method, url, res.StatusCode, data)
	}
	kept := res.Header.Clone()
	for _, k := range []string{"Date", "Connection", "Keep-Alive", "Transfer-Encoding"} {
		kept.Del(k)
	}
	return response{Body: Body{Data: data, Header: kept}, Header: res.Header}, nil
}

func signIn(ctx context.Context, base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": AdminEmail, "password": AdminPassword})
	res, err := fetch(ctx, http.MethodPost, base+"/v1/auth/token", body, http.Header{"Content-Type": {"application/json"}})
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(res.Body.Data, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("sign in: no token in %.200s", res.Body.Data)
	}
	return tok.AccessToken, nil
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="?next"?`)

// deepPage returns a page 90% down the large list: the first page's cursor
// pointed at the dataset's deep row when the cursor is the keyset's
// base64url JSON ({"f","v","i"}), else the page the next links reach
// after a bounded walk.
func deepPage(ctx context.Context, first, link string, d Dataset) (string, string, error) {
	m := nextLink.FindStringSubmatch(link)
	if m == nil {
		return "", "", fmt.Errorf("the first page links no next page (Link: %q)", link)
	}
	next := m[1]
	if next[0] == '/' {
		next = serverPrefix(first) + next
	}
	if u, ok := retarget(next, d); ok {
		if _, err := fetch(ctx, http.MethodGet, u, nil, nil); err == nil {
			return u, "cursor at 90%", nil
		}
	}
	const walk = 400
	for i := 1; i < walk; i++ {
		res, err := fetch(ctx, http.MethodGet, next, nil, nil)
		if err != nil {
			return "", "", err
		}
		m := nextLink.FindStringSubmatch(res.Header.Get("Link"))
		if m == nil {
			return next, fmt.Sprintf("last page, %d pages in", i+1), nil
		}
		next = m[1]
		if next[0] == '/' {
			next = serverPrefix(first) + next
		}
	}
	return next, fmt.Sprintf("%d pages in by next links", walk), nil
}

var cursorParam = regexp.MustCompile(`([?&]cursor=)([^&]+)`)

// retarget points the cursor in url at the dataset's deep row.
func retarget(url string, d Dataset) (string, bool) {
	m := cursorParam.FindStringSubmatchIndex(url)
	if m == nil || d.DeepID == "" {
		return "", false
	}
	data, err := base64.RawURLEncoding.DecodeString(url[m[4]:m[5]])
	if err != nil {
		return "", false
	}
	var c map[string]any
	if json.Unmarshal(data, &c) != nil {
		return "", false
	}
	if v, ok := c["v"].([]any); !ok || len(v) != 1 {
		return "", false
	}
	if _, ok := c["i"].(string); !ok {
		return "", false
	}
	c["v"] = []any{d.DeepStarts.UTC().Format(time.RFC3339Nano)}
	c["i"] = d.DeepID
	data, err = json.Marshal(c)
	if err != nil {
		return "", false
	}
	return url[:m[4]] + base64.RawURLEncoding.EncodeToString(data) + url[m[5]:], true
}

// download reads a whole CSV export and counts its records.
func download(ctx context.Context, s *Server, path string, want int) (Export, error) {
	x := Export{Want: want}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return x, err
	}
	req.Header.Set("Accept", "text/csv")
	start := time.Now()
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return x, fmt.Errorf("GET %s: %w", path, err)
	}
	defer res.Body.Close()
	x.Status = res.StatusCode
	r := csv.NewReader(res.Body)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			x.Err = err.Error()
			break
		}
		n++
	}
	x.Took = time.Since(start)
	x.Rows = max(n-1, 0) // the header row
	// A trailer an export sets when it fails midway also marks it cut.
	for k, v := range res.Trailer {
		if len(v) > 0 && v[0] != "" {
			x.Err += fmt.Sprintf(" trailer %s: %s", k, v[0])
		}
	}
	return x, nil
}

// sqliteCSV times sqlite3 -csv on the same table in the export's order,
// reading the run's copy of the database; have is false without sqlite3.
func sqliteCSV(ctx context.Context, db, table, order string) (rows int, took time.Duration, have bool, err error) {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		return 0, 0, false, nil
	}
	cmd := exec.CommandContext(ctx, bin, "-readonly", "-csv", "-header", db, "SELECT * FROM "+table+" ORDER BY "+order)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, true, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, true, fmt.Errorf("sqlite3: %w", err)
	}
	r := csv.NewReader(out)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.LazyQuotes = true
	n := 0
	for {
		if _, err := r.Read(); err != nil {
			break
		}
		n++
	}
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return 0, 0, true, fmt.Errorf("sqlite3: %w: %s", err, stderr.String())
	}
	return max(n-1, 0), time.Since(start), true, nil
}

// count writes n with thousands separators.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
