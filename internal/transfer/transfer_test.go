package transfer_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/transfer"
)

// emptyDatabase creates a database of its own on TEST_DATABASE_URL's server
// and returns its URL; it skips the test without one.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("migrate-data copies into PostgreSQL: set TEST_DATABASE_URL, or run scripts/with-postgres go test ./internal/transfer/...")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "transfer_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	u.Path = "/" + name
	return u.String()
}

// sourceConfig is a service on a SQLite file of its own, whatever
// TEST_DATABASE_URL says, at a fixed public URL so that links read the same
// from the copy.
func sourceConfig(t *testing.T) app.Config {
	t.Helper()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = "sqlite:" + filepath.Join(cfg.DataDir, "pioniers.db")
	cfg.BcryptCost = bcrypt.MinCost
	cfg.RateLimit = 0
	cfg.SignInLimit = 1000
	cfg.PublicURL = "http://pioniers.test"
	cfg.WebhookAllowInsecure = true
	return cfg
}

// seededSource is a closed SQLite database with the demo data.
func seededSource(t *testing.T) string {
	t.Helper()
	cfg := sourceConfig(t)
	a, err := app.New(context.Background(), cfg, app.NewLogger(app.Config{LogLevel: "error"}))
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if _, err := a.Seed.Load(context.Background(), true); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return cfg.DatabaseURL
}

func count(t *testing.T, dsn, table string) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// A populated database moves to PostgreSQL, and the service on the copy
// answers every read exactly as the service on the original did.
func TestMovedDatabaseAnswersTheSame(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	cfg := sourceConfig(t)
	src := apptest.New(t, cfg)
	ctx := context.Background()
	if _, err := src.App.Seed.Load(ctx, true); err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	admin := src.User(t, "admin@example.org", domain.RoleAdmin, "")
	editor := src.User(t, "editor@example.org", domain.RoleEditor, "")
	member := src.User(t, "clerk@north.example", domain.RoleMember, "GM9901")
	analyst := src.User(t, "analyst@example.org", domain.RoleAnalyst, "")
	src.Post(t, admin, "/v1/api-clients", map[string]any{"name": "North portal", "organisation": "GM9901", "scopes": []string{"people:read"}})
	people := map[string]string{}
	for _, p := range []struct{ name, email string }{{"Sam Example", "sam@north.example"}, {"Robin Waiting", "robin@north.example"}, {"Kim Leaving", "kim@north.example"}} {
		people[p.name] = src.Post(t, admin, "/v1/people", apptest.Pioneer(p.name, p.email, "+31 6 1234 5678", "GM9901")).ID
	}
	if res := src.Do(t, "PUT", "/v1/people/"+people["Sam Example"]+"/consent", map[string]any{"publicProfile": true}, apptest.Bearer(admin)); res.StatusCode != 200 {
		t.Fatalf("consent: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
	meeting := src.Post(t, editor, "/v1/meetings", apptest.PlannedMeeting("Moving day", map[string]any{"capacity": 1})).ID
	for _, p := range []string{"Sam Example", "Robin Waiting", "Kim Leaving"} {
		src.Post(t, admin, "/v1/meetings/"+meeting+"/registrations", map[string]any{"person": people[p]})
	}
	if res := src.Do(t, "DELETE", "/v1/people/"+people["Kim Leaving"], nil, apptest.Headers(admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s); want 204", res.StatusCode, apptest.Short(res.Body))
	}
	src.Post(t, admin, "/v1/webhook-subscriptions", map[string]any{"url": "http://127.0.0.1:9/hook", "description": "moving"})
	var me struct {
		ID string `json:"id"`
	}
	src.Do(t, "GET", "/v1/me", nil, apptest.Bearer(editor)).JSON(t, &me)
	if res := src.Do(t, "POST", "/v1/users/"+me.ID+"/password-links", nil, apptest.Bearer(admin)); res.StatusCode != 201 {
		t.Fatalf("password link: got %d (%s); want 201", res.StatusCode, apptest.Short(res.Body))
	}
	var signIn struct {
		RefreshToken string `json:"refresh_token"`
	}
	src.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "analyst@example.org", "password": apptest.Password}, nil).JSON(t, &signIn)
	if signIn.RefreshToken == "" {
		t.Fatal("sign-in: got no refresh token")
	}
	idem := func() apptest.Response {
		return src.Do(t, "POST", "/v1/organisations", map[string]any{"code": "GM9950", "name": "Idempotent", "kind": "municipality", "networkRole": "member"},
			apptest.Headers(admin, "Idempotency-Key", "moving-key"))
	}
	if res := idem(); res.StatusCode != 201 {
		t.Fatalf("idempotent POST: got %d (%s); want 201", res.StatusCode, apptest.Short(res.Body))
	}

	// One delivery attempt (nobody listens at port 9) leaves a failed delivery queued for a retry.
	if err := src.App.Dispatcher.Pass(ctx); err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	callers := map[string]string{"admin": admin, "editor": editor, "member": member, "analyst": analyst, "anonymous": ""}
	before := crawl(t, src, callers)
	beforeReplay := idem()

	// Copied while the source service is open, as an operator would.
	rep, err := transfer.Run(ctx, cfg.DatabaseURL, to, transfer.Options{})
	if err != nil {
		t.Fatalf("migrate-data: %v", err)
	}
	for _, want := range []string{"users", "people", "registrations", "change_events", "change_sequence", "audit_events", "idempotency_keys",
		"webhook_subscriptions", "webhook_deliveries", "api_clients", "consent_records", "refresh_tokens", "password_links"} {
		i := slices.IndexFunc(rep.Tables, func(tr transfer.TableReport) bool { return tr.Name == want })
		if i < 0 || rep.Tables[i].Rows == 0 {
			t.Errorf("report: table %s copied with no rows (%+v); want rows", want, rep.Tables)
		}
	}

	moved := cfg
	moved.DatabaseURL = to
	dst := apptest.New(t, moved)
	after := crawl(t, dst, callers)
	if len(after) != len(before) {
		t.Errorf("reads: got %d on the copy; want %d as on the original", len(after), len(before))
	}
	for key, want := range before {
		got, ok := after[key]
		switch {
		case !ok:
			t.Errorf("%s: not read on the copy", key)
		case got != want:
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			from := max(0, i-80)
			t.Errorf("%s: the copy answers differently from byte %d:\n…%s\nwant\n…%s", key, i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
		}
	}
	// A retried POST with the same key replays the answer kept before the move.
	replay := dst.Do(t, "POST", "/v1/organisations", map[string]any{"code": "GM9950", "name": "Idempotent", "kind": "municipality", "networkRole": "member"},
		apptest.Headers(admin, "Idempotency-Key", "moving-key"))
	if got, want := describe(replay), describe(beforeReplay); got != want {
		t.Errorf("idempotent replay on the copy:\n%s\nwant\n%s", got, want)
	}
	// A refresh token issued before the move signs in after it.
	refresh := dst.Do(t, "POST", "/v1/auth/token", "grant_type=refresh_token&refresh_token="+url.QueryEscape(signIn.RefreshToken),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if refresh.StatusCode != http.StatusOK {
		t.Errorf("refresh on the copy: got %d (%s); want 200", refresh.StatusCode, apptest.Short(refresh.Body))
	}
	statuses := map[string]int{}
	for key, d := range before {
		who, _, _ := strings.Cut(key, " ")
		status, _, _ := strings.Cut(d, "\n")
		statuses[who+" "+status]++
	}
	t.Logf("compared %d reads: %v", len(before), statuses)
	if statuses["admin OK"] < 100 || statuses["anonymous OK"] < 50 {
		t.Errorf("reads: got %v; want at least 100 answered OK to the admin and 50 to anonymous", statuses)
	}
}

// ignoredHeaders differ between any two responses (Content-Length follows
// the body, which is compared).
var ignoredHeaders = []string{"Date", "X-Request-Id", "Content-Length"}

// readTime is the one value of a body that is the time of the read.
var readTime = regexp.MustCompile(`"exportedAt":"[^"]*"`)

// describe is a response as compared: status, headers but those that
// always differ, and body.
func describe(r apptest.Response) string {
	var b strings.Builder
	b.WriteString(http.StatusText(r.StatusCode) + "\n")
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		if !slices.Contains(ignoredHeaders, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k + ": " + strings.Join(r.Header[k], ", ") + "\n")
	}
	b.WriteString("\n" + readTime.ReplaceAllString(r.Body, `"exportedAt":"(the time of the read)"`))
	return b.String()
}

// starts are the reads crawled from: every list, export and feed.
var starts = []string{"/v1/organisations", "/v1/people", "/v1/meetings", "/v1/changes", "/v1/changes?pageSize=1000",
	"/v1/schedule-health", "/v1/feeds/meetings.ics", "/v1/webhook-subscriptions", "/v1/publications", "/v1/audit-events",
	"/v1/commitments", "/v1/milestones", "/v1/evaluations", "/v1/api-clients", "/v1/users", "/v1/me",
	"/v1/action-plans/2020/summary", "/v1/action-plans/2022/summary", "/v1/table-schemas/meeting", "/v1/table-schemas/audit-event"}

// exports are the collections read whole, in each format.
var exports = []string{"/v1/meetings/export", "/v1/publications/export", "/v1/audit-events/export", "/v1/commitments/export", "/v1/milestones/export"}

// below are the reads under one resource of a collection.
var below = map[string][]string{
	"/v1/organisations":         {"", "/people"},
	"/v1/people":                {"", "/consent", "/export"},
	"/v1/meetings":              {"", "/registrations", "/submissions", "/report"},
	"/v1/publications":          {""},
	"/v1/commitments":           {"", "/milestones", "/milestones/export?format=csv", "/summary"},
	"/v1/milestones":            {"", "/updates"},
	"/v1/evaluations":           {"", "/responses", "/responses/export?format=csv", "/results", "/results/export?format=csv"},
	"/v1/api-clients":           {""},
	"/v1/users":                 {""},
	"/v1/webhook-subscriptions": {"", "/deliveries"},
}

// crawl reads every start and export as every caller, then each resource
// the lists hold and the reads below it, the next pages (Link) and every
// API link in the answers; it returns each answer (described) by caller and
// path.
func crawl(t *testing.T, e *apptest.Env, callers map[string]string) map[string]string {
	t.Helper()
	const base = "http://pioniers.test"
	out := map[string]string{}
	for who, token := range callers {
		queue := slices.Clone(starts)
		for _, x := range exports {
			queue = append(queue, x+"?format=csv", x+"?format=ndjson")
		}
		seen := map[string]bool{}
		for len(queue) > 0 && len(seen) < 2000 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			res := e.Do(t, "GET", path, nil, apptest.Headers(token))
			out[who+" GET "+path] = describe(res)
			for _, l := range res.Header.Values("Link") {
				if target, _, ok := strings.Cut(strings.TrimPrefix(l, "<"), ">"); ok && strings.HasPrefix(target, "/v1/") {
					queue = append(queue, target)
				}
			}
			if !strings.Contains(res.Header.Get("Content-Type"), "json") {
				continue
			}
			var v any
			if json.Unmarshal([]byte(res.Body), &v) != nil {
				continue
			}
			for _, link := range links(v) {
				if rest, ok := strings.CutPrefix(link, base); ok && strings.HasPrefix(rest, "/v1/") && !strings.Contains(rest, "{") {
					queue = append(queue, rest)
				}
			}
			collection, _, _ := strings.Cut(path, "?")
			if subs, ok := below[collection]; ok {
				for _, id := range ids(v) {
					for _, sub := range subs {
						queue = append(queue, collection+"/"+id+sub)
					}
				}
			}
		}
		if len(seen) < len(starts) {
			t.Fatalf("crawl as %s: read %d paths; want at least %d", who, len(seen), len(starts))
		}
	}
	return out
}

// ids are the ids (or codes) of a list's items.
func ids(v any) []string {
	m, _ := v.(map[string]any)
	items, _ := m["items"].([]any)
	var out []string
	for _, it := range items {
		item, _ := it.(map[string]any)
		for _, k := range []string{"id", "code"} {
			if id, ok := item[k].(string); ok {
				out = append(out, url.PathEscape(id))
				break
			}
		}
	}
	return out
}

// links lists every string in v that looks like an absolute URL.
func links(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "http://") {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			out = append(out, links(e)...)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, links(x[k])...)
		}
	}
	return out
}

// A target that holds data is refused, and emptied with Force; the source
// file is never written.
func TestTargetWithDataIsRefusedUnlessForced(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	from := seededSource(t)
	file := strings.TrimPrefix(from, "sqlite:")
	hash := fileHash(t, file)
	ctx := context.Background()
	first, err := transfer.Run(ctx, from, to, transfer.Options{})
	if err != nil {
		t.Fatalf("first copy: %v", err)
	}
	if first.Emptied {
		t.Errorf("first copy: Emptied true; want false into an empty database")
	}
	_, err = transfer.Run(ctx, from, to, transfer.Options{})
	if err == nil || !strings.Contains(err.Error(), "holds data") || !strings.Contains(err.Error(), "organisations") {
		t.Fatalf("copy into a full target: got %v; want a refusal naming organisations", err)
	}
	again, err := transfer.Run(ctx, from, to, transfer.Options{Force: true})
	if err != nil {
		t.Fatalf("forced copy: %v", err)
	}
	if !again.Emptied || !slices.Equal(again.Tables, first.Tables) {
		t.Errorf("forced copy: got emptied %v, %+v; want emptied, %+v", again.Emptied, again.Tables, first.Tables)
	}
	if got := fileHash(t, file); got != hash {
		t.Errorf("source file: sha-256 %s after the copies; want %s, unchanged", got, hash)
	}
}

// cancelAfter cancels the copy once it has reported some rows copied.
type cancelAfter struct {
	adds   int
	cancel func()
}

func (c *cancelAfter) Start(int64)         {}
func (c *cancelAfter) Table(string, int64) {}
func (c *cancelAfter) Step(string)         {}
func (c *cancelAfter) Finish()             {}
func (c *cancelAfter) Add(int64) {
	if c.adds++; c.adds == 3 {
		c.cancel()
	}
}

// An interrupted copy leaves the target empty, and the same command run
// again completes it.
func TestInterruptedCopyRunsAgain(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	from := seededSource(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := transfer.Run(ctx, from, to, transfer.Options{Progress: &cancelAfter{cancel: cancel}})
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("interrupted copy: got %v; want it to say so and to run again", err)
	}
	if n := count(t, to, "organisations"); n != 0 {
		t.Errorf("after the interrupted copy: %d organisations; want 0 (nothing half-written)", n)
	}
	rep, err := transfer.Run(context.Background(), from, to, transfer.Options{})
	if err != nil {
		t.Fatalf("copy run again: %v", err)
	}
	if n := count(t, to, "organisations"); n == 0 || rep.Rows() == 0 {
		t.Errorf("copy run again: %d organisations, %d rows; want all", n, rep.Rows())
	}
}

// Rows the target stores differently from the source fail the copy, naming
// the table, and leave nothing behind.
func TestChecksumMismatchFailsNamingTheTable(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	from := seededSource(t)
	ctx := context.Background()
	db, err := store.Open(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || '!'; RETURN NEW; END $$`,
		`CREATE TRIGGER tamper BEFORE INSERT ON organisations FOR EACH ROW EXECUTE FUNCTION tamper()`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	_, err = transfer.Run(ctx, from, to, transfer.Options{})
	if err == nil || !strings.Contains(err.Error(), "table organisations") || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("copy into a tampering target: got %v; want a checksum failure naming organisations", err)
	}
	if n := count(t, to, "organisations"); n != 0 {
		t.Errorf("after the failed copy: %d organisations; want 0", n)
	}
}

// A source at another schema version than the binary's is refused before
// the target is touched.
func TestSourceAtAnotherSchemaVersionIsRefused(t *testing.T) {
	t.Parallel()
	from := seededSource(t)
	db, err := sql.Open("sqlite3", strings.TrimPrefix(from, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)"); err != nil {
		t.Fatal(err)
	}
	// The version left: migration numbers may have gaps (each branch takes its own).
	var previous int64
	if err := db.QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&previous); err != nil {
		t.Fatal(err)
	}
	db.Close()
	latest, err := store.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	// No server listens there: the refusal comes first.
	_, err = transfer.Run(context.Background(), from, "postgres://nobody@127.0.0.1:1/none", transfer.Options{})
	want := fmt.Sprintf("schema version %d; this pioniers copies version %d", previous, latest)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("copy of an older source: got %v; want an error with %q", err, want)
	}
}

// A table the target does not have stops the copy before anything is copied.
func TestUnknownTableStopsTheCopy(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	from := seededSource(t)
	db, err := sql.Open("sqlite3", strings.TrimPrefix(from, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (id TEXT PRIMARY KEY, organisation_id TEXT REFERENCES organisations (id))"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = transfer.Run(context.Background(), from, to, transfer.Options{})
	if err == nil || !strings.Contains(err.Error(), "table notes is in the source but not in the target") {
		t.Errorf("copy with an unknown table: got %v; want it named", err)
	}
	if n := count(t, to, "organisations"); n != 0 {
		t.Errorf("after the refused copy: %d organisations; want 0", n)
	}
}

// Copied while the service writes, the copy is one moment of the source:
// every write's change record, audit entry and sequence number are in it
// together or not at all, though the tables are read one after another and
// writes go through between them.
func TestCopyWhileWritingIsOneSnapshot(t *testing.T) {
	t.Parallel()
	to := emptyDatabase(t)
	cfg := sourceConfig(t)
	src := apptest.New(t, cfg)
	if _, err := src.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	w := &writesBetweenTables{t: t, src: src, admin: src.User(t, "admin@example.org", domain.RoleAdmin, "")}
	rep, err := transfer.Run(context.Background(), cfg.DatabaseURL, to, transfer.Options{Progress: w})
	if err != nil {
		t.Fatalf("copy while writing: %v", err)
	}
	if w.writes != len(rep.Tables) {
		t.Fatalf("writes during the copy: got %d; want one before each of %d tables", w.writes, len(rep.Tables))
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var last, maxSeq, changes, audits, written int64
	if err := conn.QueryRow(ctx, `SELECT (SELECT last FROM change_sequence), (SELECT MAX(seq) FROM change_events),
		(SELECT COUNT(*) FROM change_events), (SELECT COUNT(*) FROM audit_events),
		(SELECT COUNT(*) FROM organisations WHERE name = 'Written during the copy')`).Scan(&last, &maxSeq, &changes, &audits, &written); err != nil {
		t.Fatal(err)
	}
	if last != maxSeq || changes != audits || written != 0 {
		t.Errorf("copy: sequence at %d, last change %d, %d changes, %d audit entries, %d organisations written during the copy; "+
			"want the moment it began (sequence = last change, as many entries as changes, none written since)", last, maxSeq, changes, audits, written)
	}
}

// writesBetweenTables is a progress that writes through the service as
// each table begins.
type writesBetweenTables struct {
	t      *testing.T
	src    *apptest.Env
	admin  string
	writes int
}

func (w *writesBetweenTables) Table(string, int64) {
	w.writes++
	w.src.Post(w.t, w.admin, "/v1/organisations", map[string]any{"code": fmt.Sprintf("written-%d", w.writes), "name": "Written during the copy",
		"kind": "other", "networkRole": "member"})
}
func (w *writesBetweenTables) Start(int64) {}
func (w *writesBetweenTables) Add(int64)   {}
func (w *writesBetweenTables) Step(string) {}
func (w *writesBetweenTables) Finish()     {}
