package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Migration 0012 makes sequence numbers unique: of meetings that share one,
// the one entered first keeps it and the others lose only the number; and
// every report gets its first version in the history.
func TestMigrationKeepsMeetingsWithDuplicateSequences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openUnmigrated(t, storetest.DatabaseURL(t))
	if _, err := db.MigrateFS(ctx, migrationFiles(t, 11, nil)); err != nil {
		t.Fatalf("migrate to 0011: %v", err)
	}
	insert := `INSERT INTO meetings (id, sequence, title, topic, format, starts_at, ends_at, time_zone, status, version, created_at, updated_at)
VALUES (?, ?, ?, 'Open data', 'other', '2019-03-01 10:00:00', '2019-03-01 12:00:00', 'Europe/Amsterdam', 'held', 1, ?, ?)`
	for _, m := range []struct {
		id       string
		sequence any
		created  string
	}{
		{"m-b", 5, "2019-01-02 00:00:00"},
		{"m-a", 5, "2019-01-02 00:00:00"}, // entered at the same instant: the id decides
		{"m-c", 5, "2019-01-01 00:00:00"}, // entered first: keeps 5
		{"m-d", 6, "2019-01-03 00:00:00"},
		{"m-e", nil, "2019-01-04 00:00:00"},
	} {
		if err := db.Exec(ctx, insert, m.id, m.sequence, "Meeting "+m.id, m.created, m.created); err != nil {
			t.Fatalf("insert %s: %v", m.id, err)
		}
	}
	if err := db.Exec(ctx, `INSERT INTO meeting_reports (meeting_id, publication_id, url, published_on, language, created_at, updated_at)
VALUES ('m-c', 'p-c', 'https://example.org/c', '2019-03-10', 'nl', '2019-03-10 09:00:00', '2019-03-11 09:00:00')`); err != nil {
		t.Fatalf("insert report: %v", err)
	}
	if _, err := db.MigrateFS(ctx, migrationFiles(t, 12, nil)); err != nil {
		t.Fatalf("migrate to 0012: %v", err)
	}
	var rows []struct {
		ID       string
		Sequence *int
	}
	if err := db.Scan(ctx, &rows, "SELECT id, sequence FROM meetings ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		s := "-"
		if r.Sequence != nil {
			s = string(rune('0' + *r.Sequence))
		}
		got = append(got, r.ID+":"+s)
	}
	if want := []string{"m-a:-", "m-b:-", "m-c:5", "m-d:6", "m-e:-"}; !slices.Equal(got, want) {
		t.Errorf("meetings after the migration: got %v; want %v", got, want)
	}
	err := db.Exec(ctx, insert, "m-f", 6, "Another six", "2019-01-05 00:00:00", "2019-01-05 00:00:00")
	if err == nil {
		t.Errorf("a second meeting numbered 6: got no error; want the unique index to refuse it")
	}
	var versions []struct {
		MeetingID string
		Version   int
		URL       string
	}
	if err := db.Scan(ctx, &versions, "SELECT meeting_id, version, url FROM meeting_report_versions"); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || versions[0].MeetingID != "m-c" || versions[0].Version != 1 || versions[0].URL != "https://example.org/c" {
		t.Errorf("report history after the migration: got %+v; want the report as version 1", versions)
	}
}
