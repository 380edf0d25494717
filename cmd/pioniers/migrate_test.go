package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// migrate says what it applied and where the schema stands: all of it on a
// new database, nothing on a second run.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	all, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range all {
		names = append(names, m.Name)
	}
	version := fmt.Sprintf("database is at schema version %d\n", all[len(all)-1].Version)
	args := []string{"migrate", "--data-dir", t.TempDir(), "--log-level", "error"}
	for _, want := range []string{
		"applied: " + strings.Join(names, ", ") + "\n" + version,
		"applied: none\n" + version,
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, strings.NewReader(""), &out); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if out.String() != want {
			t.Errorf("migrate: got %q; want %q", out.String(), want)
		}
	}
}
