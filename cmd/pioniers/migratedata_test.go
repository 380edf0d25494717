package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// migrate-data refuses what it cannot copy before it touches anything.
func TestMigrateDataRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"migrate-data", "--data-dir", dir}, "name the PostgreSQL database to fill with --to"},
		{"a SQLite target", []string{"migrate-data", "--data-dir", dir, "--to", filepath.Join(dir, "copy.db")}, "the target must be a PostgreSQL database"},
		{"a PostgreSQL source", []string{"migrate-data", "--from", "postgres://db/pioniers", "--to", "postgres://db/other"}, "to copy a PostgreSQL database use pg_dump"},
		{"no source file", []string{"migrate-data", "--from", "sqlite:" + filepath.Join(dir, "missing.db"), "--to", "postgres://db/pioniers"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), append(tt.args, "--log-level", "error"), strings.NewReader(""), &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate-data", "-h"}, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"pioniers migrate-data: ", "Example:\n  pioniers migrate-data --from sqlite:", "-from", "-to", "-force", "-data-dir"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("help: got %q; want it to contain %q", out.String(), w)
		}
	}
}

// The command copies the data folder's database, with progress lines when
// its output is no terminal, refuses to copy twice, and copies again with --force.
func TestMigrateDataCopies(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("migrate-data copies into PostgreSQL: set TEST_DATABASE_URL, or run scripts/with-postgres go test ./cmd/pioniers/...")
	}
	dir := t.TempDir()
	base := []string{"--data-dir", dir, "--log-level", "error"}
	to := storetest.DatabaseURL(t)
	steps := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{args: []string{"seed", "--demo"}, want: []string{"seed: "}},
		{args: []string{"migrate-data", "--to", to}, want: []string{"copying ", "organisations: ", "verifying ", " tables at schema version ", "row count and checksum match"}},
		{args: []string{"migrate-data", "--to", to}, wantErr: "the target holds data: "},
		{args: []string{"migrate-data", "--to", to, "--force"}, want: []string{"the target's earlier data was removed (--force)", "checksum match"}},
	}
	for _, s := range steps {
		var out bytes.Buffer
		err := run(context.Background(), append(s.args, base...), strings.NewReader(""), &out)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Fatalf("%v: got %v; want an error with %q", s.args, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v (output %q)", s.args, err, out.String())
		}
		for _, w := range s.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: got %q; want it to contain %q", s.args, out.String(), w)
			}
		}
		// The summary counts the tables the progress lines named.
		if m := tablesCopied.FindStringSubmatch(out.String()); m != nil {
			if lines := len(tableLine.FindAllString(out.String(), -1)); strconv.Itoa(lines) != m[1] {
				t.Errorf("%v: the summary says %s tables; the progress named %d", s.args, m[1], lines)
			}
		}
	}
}

var (
	tablesCopied = regexp.MustCompile(` rows in (\d+) tables at schema version `)
	tableLine    = regexp.MustCompile(`(?m)^[a-z_]+: \d+ rows \(`)
)
