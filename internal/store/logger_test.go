package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// TestSlowQueryLog: a statement's text is built only for a statement that
// is logged, and a logged statement never carries its values.
func TestSlowQueryLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ran     time.Duration
		wantLog bool
	}{
		{"fast statement", 0, false},
		{"slow statement", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			l := gormLogger(slog.New(slog.NewTextHandler(&out, nil)), slowQuery)
			var filter gorm.ParamsFilter = l // GORM would log every value without it
			sql, vars := filter.ParamsFilter(context.Background(), "SELECT * FROM people WHERE email = ?", "jan@example.org")
			if len(vars) != 0 {
				t.Errorf("got values %v to log; want none", vars)
			}
			built := false
			l.Trace(context.Background(), time.Now().Add(-tt.ran), func() (string, int64) {
				built = true
				return sql, 1
			}, nil)
			if built != tt.wantLog {
				t.Errorf("statement text built: got %v; want %v", built, tt.wantLog)
			}
			if got := strings.Contains(out.String(), "SELECT * FROM people"); got != tt.wantLog {
				t.Errorf("statement logged: got %v; want %v: %s", got, tt.wantLog, out.String())
			}
			if strings.Contains(out.String(), "jan@example.org") {
				t.Errorf("got a value in the log: %s", out.String())
			}
		})
	}
}

// TestSlowStatementLogCoversEveryStatement: the statements the store runs
// without GORM (the meeting insert, the change record, the group commit's
// transaction control, reads by id, the data version, an export's rows, the
// checkpoint) are in the slow-statement log as GORM's are: with their text,
// never their values, once each, and only when slow.
func TestSlowStatementLogCoversEveryStatement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		slow    time.Duration
		wantLog bool
	}{
		{"every statement slow", time.Nanosecond, true},
		{"a threshold no statement reaches", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, logs := openStatementLogged(t, tt.slow)
			values := rawStatements(t, db)
			got := map[string]int{}
			for _, s := range logs.statements(t) {
				got[s]++
			}
			for _, want := range []string{insertMeeting.sqlite, nextSeq, insertChange, insertAudit, "BEGIN IMMEDIATE",
				"SAVEPOINT group_write", "RELEASE group_write", "COMMIT", organisationBy["code"], meetingByID, versionQuery,
				"PRAGMA wal_checkpoint(TRUNCATE)"} {
				if (got[want] > 0) != tt.wantLog {
					t.Errorf("statement logged %d times; want logged %v: %s", got[want], tt.wantLog, want)
				}
			}
			exports := 0
			for s, n := range got {
				if strings.Contains(s, meetingExportSelect) {
					exports += n
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tt.wantLog]; exports != want {
				t.Errorf("export statement logged %d times; want %d", exports, want)
			}
			for _, v := range values {
				if strings.Contains(logs.buf.String(), v) {
					t.Errorf("got the bound value %q in the log; want none", v)
				}
			}
		})
	}
}

// TestSteppedStatementLoggedOnce: a statement whose rows are stepped
// through after GORM sent it (on SQLite the work is done then) is logged
// once: by GORM when sending it was slow, else once its rows are read when
// it was slow by then, not counting the time its caller spent on the rows.
func TestSteppedStatementLoggedOnce(t *testing.T) {
	t.Parallel()
	const raw = "SELECT code, COUNT(*) FROM organisations WHERE code IN ? GROUP BY code"
	tests := []struct {
		name      string
		raw       bool
		sending   time.Duration // how long sending it took
		ran, away time.Duration // until its rows were closed, and of that in its caller
		wantLog   bool
	}{
		{"slow as its rows were read", false, 0, time.Hour, 0, true},
		{"raw, slow as its rows were read", true, 0, time.Hour, 0, true},
		{"slow when sent: GORM logged it", false, time.Hour, time.Hour, 0, false},
		{"slow only for its caller", false, 0, time.Hour, time.Hour, false},
		{"fast", false, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, logs := openStatementLogged(t, 30*time.Minute) // what the cases make slow, and no real statement
			tx, text := db.read.Model(&organisationRow{}).Where("code = ?", "GEHEIM77").Order("code"), "SELECT * FROM `organisations` WHERE code = ? ORDER BY code"
			if tt.raw {
				tx, text = db.read.Raw(raw, []string{"GEHEIM77", "GEHEIM78"}), raw
			}
			st := rowsOf(tx, map[bool]string{true: raw}[tt.raw])
			rows, err := st.rows()
			if err != nil {
				t.Fatal(err)
			}
			_ = rows.Close()
			st.begin = time.Now().Add(-tt.ran)
			st.sent, st.away = st.begin.Add(tt.sending), tt.away
			st.done(0, nil)
			got := logs.statements(t)
			if wantN := map[bool]int{true: 1}[tt.wantLog]; len(got) != wantN || (wantN == 1 && got[0] != text) {
				t.Errorf("logged %q; want %d of %q", got, wantN, text)
			}
			if strings.Contains(logs.buf.String(), "GEHEIM") {
				t.Errorf("got a bound value in the log: %s", logs.buf.String())
			}
		})
	}
}

// TestSlowStatementLogCostsNoAllocation: a statement run without GORM that
// is not slow costs the log no allocation (not parallel: AllocsPerRun
// counts every goroutine's).
func TestSlowStatementLogCostsNoAllocation(t *testing.T) {
	db, _ := openStatementLogged(t, slowQuery)
	ctx := context.Background()
	sqlDB, err := db.read.DB()
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := sqlDB.Prepare(versionQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var res sql.Result = driver.RowsAffected(1)
	var last int64
	tests := []struct {
		name         string
		bare, logged func()
	}{
		{"exec", func() {}, func() {
			db.slow.Trace(ctx, time.Now(), func() (string, int64) { return insertAudit, affected(res) }, nil)
		}},
		{"one row", func() { _ = stmt.QueryRowContext(ctx).Scan(&last) }, func() {
			_ = db.slow.row(ctx, time.Now(), versionQuery, stmt.QueryRowContext(ctx)).Scan(&last)
		}},
		{"rows", func() {
			if rows, err := db.read.Table("change_sequence").Select("last").Rows(); err == nil {
				for rows.Next() {
				}
				_ = rows.Close()
			}
		}, func() {
			st := rowsOf(db.read.Table("change_sequence").Select("last"), "")
			if rows, err := st.rows(); err == nil {
				for rows.Next() {
				}
				_ = rows.Close()
			}
			st.done(1, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bare, logged := testing.AllocsPerRun(200, tt.bare), testing.AllocsPerRun(200, tt.logged)
			if logged != bare {
				t.Errorf("allocations: got %v logged; want %v, as without the log", logged, bare)
			}
		})
	}
}

// statementLog is a JSON log of statements.
type statementLog struct{ buf bytes.Buffer }

func (l *statementLog) Write(p []byte) (int, error) { return l.buf.Write(p) }

// statements are the statements logged, in order.
func (l *statementLog) statements(t *testing.T) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(l.buf.String()) {
		var rec struct {
			Msg   string
			Trace struct{ SQL string }
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "SQL executed" {
			out = append(out, rec.Trace.SQL)
		}
	}
	return out
}

// openStatementLogged opens a migrated SQLite file whose statements slower
// than slow are logged to the returned log, read after the work is done
// (slog's handler orders the writes).
func openStatementLogged(t *testing.T, slow time.Duration) (*DB, *statementLog) {
	t.Helper()
	ctx := context.Background()
	logs := &statementLog{}
	db, err := openPool(ctx, filepath.Join(t.TempDir(), "pioniers.db"), slog.New(slog.NewJSONHandler(logs, nil)), Pool{}, slow)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db, logs
}

// rawStatements runs every kind of statement the store runs without GORM,
// and returns the values it bound.
func rawStatements(t *testing.T, db *DB) []string {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC)
	change := func(resource, id string) domain.Change {
		return domain.Change{Resource: resource, ResourceID: id, Action: domain.ActionCreate, Actor: "slowlog-actor", Version: 1, At: now}
	}
	o := organisation.Organisation{ID: uuid.NewString(), Code: "GEHEIM77", Name: "Gemeente Geheimstad", Kind: organisation.KindMunicipality,
		NetworkRole: organisation.RoleMember, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateOrganisation(ctx, o, change("organisation", o.ID)); err != nil {
		t.Fatalf("create organisation: %v", err)
	}
	if _, err := db.GetOrganisation(ctx, o.Code); err != nil {
		t.Fatalf("read organisation: %v", err)
	}
	m := meeting.Meeting{ID: uuid.NewString(), Title: "Vertrouwelijk overleg", Topic: "Geheimhouding", Format: meeting.FormatLab,
		StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateMeeting(ctx, m, change("meeting", m.ID)); err != nil {
		t.Fatalf("create meeting: %v", err)
	}
	if _, err := db.GetMeeting(ctx, m.ID); err != nil {
		t.Fatalf("read meeting: %v", err)
	}
	if _, err := db.Version(ctx); err != nil {
		t.Fatalf("data version: %v", err)
	}
	exported := 0
	if err := db.EachMeeting(ctx, meeting.Query{}, func(meeting.Meeting) error { exported++; return nil }); err != nil || exported != 1 {
		t.Fatalf("export: got %d meetings, %v; want 1", exported, err)
	}
	sharedWrite(t, db)
	if _, err := db.checkpoint(ctx); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	return []string{o.ID, o.Code, o.Name, m.ID, m.Title, m.Topic, "slowlog-actor"}
}

// sharedWrite runs a write that joins another's transaction, in a
// savepoint of its own (see groupCommit).
func sharedWrite(t *testing.T, db *DB) {
	t.Helper()
	second := make(chan error, 1)
	err := db.InTx(context.Background(), func(context.Context) error {
		go func() { second <- db.InTx(context.Background(), func(context.Context) error { return nil }) }()
		for waiting := 0; waiting == 0; runtime.Gosched() { // until the second waits for its turn
			db.group.mu.Lock()
			waiting = db.group.waiting
			db.group.mu.Unlock()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second write: %v", err)
	}
}
