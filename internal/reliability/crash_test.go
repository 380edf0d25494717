//go:build reliability

package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// written is a write the server acknowledged: a resource it answered 2xx
// for, with the field that must read back and the ETag of that version.
type written struct {
	kind    string // "record": GET path answers it; "item": a list at path holds it
	path    string
	id      string
	field   string
	want    string
	etag    string
	pending string // an update of field sent but not answered when the server died
	checked bool   // read back since it was last acknowledged
}

// unanswered is a POST with an Idempotency-Key that got no answer.
type unanswered struct {
	key, path, name string
	body            map[string]any
}

// crashLoad is the state the writers share over the cycles.
type crashLoad struct {
	base, token string
	milestone   string // a seeded milestone, for progress updates
	meeting     string // a meeting without a seat limit, for registrations
	killed      atomic.Bool
	createsOnly bool // no renames: every acknowledged write is a record that stays as created
	mu          sync.Mutex
	writes      []*written
	lost        []unanswered
	failures    []string
	seq         atomic.Int64
}

func (l *crashLoad) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, fmt.Sprintf(format, args...))
}

func (l *crashLoad) remember(w *written) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes = append(l.writes, w)
}

// send is one write; ok is false when the server gave no answer (it was
// killed) or a wrong one, and the writer stops.
func (l *crashLoad) send(c *http.Client, method, path string, body map[string]any, header map[string]string, want int) (reply, bool) {
	h := map[string]string{"Authorization": "Bearer " + l.token}
	for k, v := range header {
		h[k] = v
	}
	res, err := call(context.Background(), c, method, l.base+path, body, h)
	if err != nil {
		if !l.killed.Load() {
			l.fail("%s %s: %v before the kill", method, path, err)
		} else if key := header["Idempotency-Key"]; key != "" {
			l.mu.Lock()
			l.lost = append(l.lost, unanswered{key: key, path: path, name: nameOf(body), body: body})
			l.mu.Unlock()
		}
		return res, false
	}
	if res.status != want {
		l.fail("%s %s: got %d; want %d: %s", method, path, res.status, want, res.body)
		return res, false
	}
	return res, true
}

// writer writes until the server dies: it creates records of every kind,
// some with an Idempotency-Key, registers people and renames what it
// created, with If-Match.
func (l *crashLoad) writer(c *http.Client) {
	var mine []*written // organisations this writer created, renamed only by it
	for i := 0; ; i++ {
		n := l.seq.Add(1)
		name := fmt.Sprintf("crash-%d", n)
		var header map[string]string
		if n%2 == 0 {
			header = map[string]string{"Idempotency-Key": "key-" + name}
		}
		var (
			path string
			body map[string]any
		)
		switch i % 6 {
		case 0:
			path, body = "/v1/organisations", map[string]any{"code": name, "name": name, "kind": "other", "networkRole": "member"}
		case 1:
			path, body = "/v1/people", map[string]any{"name": name, "memberships": []any{}}
		case 2:
			path, body = "/v1/meetings", apptest.PlannedMeeting(name, nil)
		case 3:
			path, body = "/v1/publications", map[string]any{"kind": "other", "title": name, "url": "https://example.org/" + name, "publishedOn": "2020-01-01"}
		case 4:
			path, body = "/v1/milestones/"+l.milestone+"/updates", map[string]any{"date": "2020-01-01", "note": name}
		case 5:
			if len(mine) == 0 || l.createsOnly {
				continue
			}
			w := mine[rand.IntN(len(mine))]
			w.pending = name
			res, ok := l.send(c, http.MethodPatch, w.path, map[string]any{"name": name}, map[string]string{"If-Match": w.etag}, http.StatusOK)
			if !ok {
				return
			}
			w.want, w.etag, w.pending, w.checked = name, res.header.Get("ETag"), "", false
			continue
		}
		res, ok := l.send(c, http.MethodPost, path, body, header, http.StatusCreated)
		if !ok {
			return
		}
		w := created(path, name, res)
		if w.id == "" {
			l.fail("POST %s: no id in %s", path, res.body)
			return
		}
		l.remember(w)
		switch i % 6 {
		case 0:
			mine = append(mine, w)
		case 1:
			// Register the new person: a write that depends on the last.
			reg, ok := l.send(c, http.MethodPost, "/v1/meetings/"+l.meeting+"/registrations", map[string]any{"person": w.id}, nil, http.StatusCreated)
			if !ok {
				return
			}
			l.remember(&written{kind: "item", path: "/v1/meetings/" + l.meeting + "/registrations", id: reg.id(), field: "person", want: w.id})
		}
	}
}

// created is the write a 201 to POST path acknowledged, named name: a
// record to GET, or an item of the list at path for progress updates.
func created(path, name string, res reply) *written {
	w := &written{kind: "record", path: path + "/" + res.id(), id: res.id(), field: "name", want: name, etag: res.header.Get("ETag")}
	switch {
	case strings.HasSuffix(path, "/updates"):
		w.kind, w.path, w.field = "item", path, "note"
	case path == "/v1/meetings" || path == "/v1/publications":
		w.field = "title"
	}
	return w
}

// nameOf is the unique name a writer gave a record in its body.
func nameOf(body map[string]any) string {
	for _, f := range []string{"name", "title", "note"} {
		if v, ok := body[f].(string); ok {
			return v
		}
	}
	return ""
}

// TestReliabilityCrash kills the real server with SIGKILL at a random moment
// under concurrent writes, 20 times, and checks after every restart that
// each acknowledged write is there as acknowledged (or as a later write that
// was in flight left it), that unanswered Idempotency-Key requests can be
// retried and create once, and at the end that the database is consistent.
func TestReliabilityCrash(t *testing.T) {
	const (
		cycles  = 20
		writers = 6
	)
	s := newServer(t, "--rate-limit", "0", "--drain-wait", "0s", "--token-ttl", "1h")
	s.start()
	l := &crashLoad{base: s.base, token: s.token()}
	setup := &http.Client{}
	l.milestone = firstMilestone(t, s.base)
	meeting, ok := l.send(setup, "POST", "/v1/meetings", apptest.PlannedMeeting("crash registrations", nil), nil, http.StatusCreated)
	if !ok {
		t.Fatal(l.failures)
	}
	l.meeting = meeting.id()

	var checked, retried int
	for cycle := range cycles {
		l.killed.Store(false)
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &http.Client{Transport: &http.Transport{}}
				defer c.CloseIdleConnections()
				l.writer(c)
			}()
		}
		time.Sleep(time.Duration(200+rand.IntN(1800)) * time.Millisecond)
		l.killed.Store(true)
		s.kill()
		wg.Wait()
		if len(l.failures) > 0 {
			t.Fatalf("cycle %d: %s", cycle, strings.Join(l.failures, "\n"))
		}
		s.start()
		l.base = s.base
		retried += l.retry(t, setup)
		checked += l.check(t, setup, cycle == cycles-1)
		if t.Failed() {
			t.FailNow()
		}
	}
	s.kill()
	consistent(t, s.dbURL)
	t.Logf("%d cycles: %d acknowledged writes, %d read-backs, %d unanswered Idempotency-Key requests retried", cycles, len(l.writes), checked, retried)
	if len(l.writes) < cycles*10 || retried == 0 {
		t.Errorf("load too light to prove anything: %d writes, %d retries", len(l.writes), retried)
	}
}

// retry sends every unanswered Idempotency-Key request again, twice: the
// first answers 201, having created it now or before the crash; the second
// replays that. Both name the same record, which exists.
func (l *crashLoad) retry(t *testing.T, c *http.Client) int {
	t.Helper()
	n := len(l.lost)
	for _, u := range l.lost {
		h := map[string]string{"Authorization": "Bearer " + l.token, "Idempotency-Key": u.key}
		first, err1 := call(context.Background(), c, "POST", l.base+u.path, u.body, h)
		again, err2 := call(context.Background(), c, "POST", l.base+u.path, u.body, h)
		if err1 != nil || err2 != nil || first.status != http.StatusCreated || again.status != http.StatusCreated {
			t.Errorf("retry %s %s after the crash: got %d, %d (%v, %v); want 201 twice: %s", u.path, u.key, first.status, again.status, err1, err2, first.body)
			continue
		}
		if again.header.Get("Idempotent-Replayed") != "true" || first.id() == "" || first.id() != again.id() {
			t.Errorf("retry %s %s: ids %q then %q, replayed %q; want one record, replayed", u.path, u.key, first.id(), again.id(), again.header.Get("Idempotent-Replayed"))
			continue
		}
		l.writes = append(l.writes, created(u.path, u.name, first))
	}
	l.lost = nil
	return n
}

// check reads back the writes acknowledged since the last check, or all of
// them; it returns how many it checked.
func (l *crashLoad) check(t *testing.T, c *http.Client, all bool) int {
	t.Helper()
	lists := map[string][]map[string]any{}
	n := 0
	for _, w := range l.writes {
		if w.checked && !all {
			continue
		}
		n++
		var got map[string]any
		if w.kind == "record" {
			res, err := call(context.Background(), c, "GET", l.base+w.path, nil, map[string]string{"Authorization": "Bearer " + l.token})
			if err != nil || res.status != http.StatusOK || json.Unmarshal(res.body, &got) != nil {
				t.Errorf("acknowledged %s: got %d (%v); want 200: %s", w.path, res.status, err, res.body)
				continue
			}
			if got[w.field] == w.want && res.header.Get("ETag") != w.etag {
				t.Errorf("acknowledged %s: ETag %s; want %s", w.path, res.header.Get("ETag"), w.etag)
			}
			if w.pending != "" && got[w.field] == w.pending {
				w.etag = res.header.Get("ETag")
			}
		} else {
			items, ok := lists[w.path]
			if !ok {
				var page struct {
					Items []map[string]any `json:"items"`
				}
				res, err := call(context.Background(), c, "GET", l.base+w.path, nil, map[string]string{"Authorization": "Bearer " + l.token})
				if err != nil || res.status != http.StatusOK || json.Unmarshal(res.body, &page) != nil {
					t.Fatalf("list %s: got %d (%v): %s", w.path, res.status, err, res.body)
				}
				items, lists[w.path] = page.Items, page.Items
			}
			if i := slices.IndexFunc(items, func(m map[string]any) bool { return m["id"] == w.id }); i >= 0 {
				got = items[i]
			} else {
				t.Errorf("acknowledged %s in %s: missing", w.id, w.path)
				continue
			}
		}
		if ref, ok := got[w.field].(map[string]any); ok {
			got[w.field] = ref["id"] // a reference to another record
		}
		if v := got[w.field]; v != w.want && (w.pending == "" || v != w.pending) {
			t.Errorf("acknowledged %s: %s %v; want %q", w.path, w.field, v, w.want)
		}
		if w.pending != "" && got[w.field] == w.pending {
			w.want = w.pending // the update in flight committed
		}
		w.pending, w.checked = "", true
	}
	return n
}

// consistent opens the database the server left and checks it: SQLite's
// integrity check, no record referring to one that is missing, and no
// record created twice (every name the writers used is unique).
func consistent(t *testing.T, url string) {
	t.Helper()
	var dialect gorm.Dialector
	if strings.HasPrefix(url, "postgres") {
		dialect = postgres.Open(url)
	} else {
		dialect = sqlite.Open(url)
	}
	db, err := gorm.Open(dialect, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("open the database after the last kill: %v", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	if !strings.HasPrefix(url, "postgres") {
		var result []string
		if err := db.Raw("PRAGMA integrity_check").Scan(&result).Error; err != nil || !slices.Equal(result, []string{"ok"}) {
			t.Errorf("integrity_check: got %v, %v; want ok", result, err)
		}
	}
	for label, q := range map[string]string{
		"registrations of missing meetings or people": `SELECT count(*) FROM registrations r LEFT JOIN meetings m ON m.id = r.meeting_id LEFT JOIN people p ON p.id = r.person_id WHERE m.id IS NULL OR p.id IS NULL`,
		"progress updates of missing milestones":      `SELECT count(*) FROM milestone_updates u LEFT JOIN milestones m ON m.id = u.milestone_id WHERE m.id IS NULL`,
		"organisations created twice":                 `SELECT count(*) FROM (SELECT code FROM organisations WHERE code LIKE 'crash-%' GROUP BY code HAVING count(*) > 1) d`,
		"people created twice":                        `SELECT count(*) FROM (SELECT name FROM people WHERE name LIKE 'crash-%' GROUP BY name HAVING count(*) > 1) d`,
		"meetings created twice":                      `SELECT count(*) FROM (SELECT title FROM meetings WHERE title LIKE 'crash-%' GROUP BY title HAVING count(*) > 1) d`,
		"publications created twice":                  `SELECT count(*) FROM (SELECT title FROM publications WHERE title LIKE 'crash-%' GROUP BY title HAVING count(*) > 1) d`,
		"progress updates created twice":              `SELECT count(*) FROM (SELECT note FROM milestone_updates WHERE note LIKE 'crash-%' GROUP BY note HAVING count(*) > 1) d`,
	} {
		var n int
		if err := db.Raw(q).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s: got %d (%v); want 0", label, n, err)
		}
	}
}

// firstMilestone is a seeded milestone's id, for progress updates.
func firstMilestone(t *testing.T, base string) string {
	t.Helper()
	var ms struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if res, err := call(context.Background(), http.DefaultClient, "GET", base+"/v1/milestones?pageSize=1", nil, nil); err != nil || json.Unmarshal(res.body, &ms) != nil || len(ms.Items) == 0 {
		t.Fatalf("seeded milestones: %v, %s", err, res.body)
	}
	return ms.Items[0].ID
}
