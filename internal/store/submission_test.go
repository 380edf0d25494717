package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Papers submitted before the review (migration 0011) keep their status and
// their authors as free names; a decided one has the move that decided it,
// and every one can be written with If-Match at version 1.
func TestMigrationKeepsSubmissionsBeforeTheReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openUnmigrated(t, storetest.DatabaseURL(t))
	if _, err := db.MigrateFS(ctx, migrationFiles(t, 10, nil)); err != nil {
		t.Fatalf("migrate to 0010: %v", err)
	}
	must := func(sql string, args ...any) {
		t.Helper()
		if err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	must(`INSERT INTO meetings (id, title, topic, format, details, starts_at, ends_at, time_zone, status, version, created_at, updated_at)
		VALUES ('m1', 'Conferentie', 'Open', 'conference', '{"format":"conference","callOpensOn":"2020-01-01","callClosesOn":"2020-02-01"}',
		'2020-03-01 10:00:00', '2020-03-01 16:00:00', 'Europe/Amsterdam', 'held', 1, '2019-12-01 10:00:00', '2019-12-01 10:00:00')`)
	rows := []struct{ id, authors, status, decided string }{
		{"s1", `["Jan de Vries","An Jansen"]`, "accepted", "2020-02-10 09:00:00"},
		{"s2", `["Piet"]`, "rejected", "2020-02-11 09:00:00"},
		{"s3", `["Kees"]`, "submitted", ""},
	}
	for i, r := range rows {
		var decided any
		if r.decided != "" {
			decided = r.decided
		}
		must(`INSERT INTO submissions (id, meeting_id, title, abstract, authors, status, submitted_by, submitted_at, decided_at)
			VALUES (?, 'm1', 'Paper', 'About it', ?, ?, 'user-1', ?, ?)`, r.id, r.authors, r.status, "2020-01-1"+string(rune('0'+i))+" 12:00:00", decided)
	}
	if _, err := db.MigrateFS(ctx, migrationFiles(t, 0, nil)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	subs, err := db.Submissions(ctx, "m1", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 3 {
		t.Fatalf("got %d submissions; want 3", len(subs))
	}
	want := map[string]struct {
		status  meeting.SubmissionStatus
		authors []meeting.Author
		history int
	}{
		"s1": {meeting.Accepted, []meeting.Author{{Name: "Jan de Vries"}, {Name: "An Jansen"}}, 1},
		"s2": {meeting.Rejected, []meeting.Author{{Name: "Piet"}}, 1},
		"s3": {meeting.Submitted, []meeting.Author{{Name: "Kees"}}, 0},
	}
	for _, s := range subs {
		w := want[s.ID]
		if s.Status != w.status || !slices.Equal(s.Authors, w.authors) || len(s.History) != w.history || s.Version != 1 || s.UpdatedAt.IsZero() {
			t.Errorf("%s: got %s %+v history %+v version %d updated %v; want %s %+v with %d moves, version 1",
				s.ID, s.Status, s.Authors, s.History, s.Version, s.UpdatedAt, w.status, w.authors, w.history)
		}
		if w.history == 1 && (s.History[0].From != meeting.Submitted || s.History[0].To != w.status || !s.History[0].At.Equal(s.DecidedAt)) {
			t.Errorf("%s: got move %+v; want submitted to %s at the decision", s.ID, s.History[0], w.status)
		}
	}
	accepted, err := db.Submissions(ctx, "m1", meeting.Accepted)
	if err != nil || len(accepted) != 1 || accepted[0].ID != "s1" {
		t.Errorf("accepted: got %+v, %v; want s1", accepted, err)
	}
	m, err := db.GetMeeting(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Programme) != 1 || m.Programme[0].SubmissionID != "s1" || len(m.Programme[0].Authors) != 2 {
		t.Errorf("programme: got %+v; want the accepted paper with its two authors", m.Programme)
	}
}
