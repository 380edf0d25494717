package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/transfer"
)

// migrateData runs "pioniers migrate-data": a progress bar on a terminal,
// plain lines otherwise, and a summary.
func migrateData(ctx context.Context, cfg app.Config, o options, stdout io.Writer) error {
	if o.to == "" {
		return errors.New("migrate-data: name the PostgreSQL database to fill with --to postgres://…")
	}
	progress := transfer.Lines(stdout)
	f, ok := stdout.(*os.File)
	tty := ok && term.IsTerminal(int(f.Fd()))
	if tty {
		progress = transfer.Bar(f)
	}
	rep, err := app.MigrateData(ctx, cfg, o.from, o.to, transfer.Options{Force: o.force, Progress: progress})
	if err != nil {
		if tty {
			fmt.Fprintln(f) // the error begins a line of its own, not the bar's
		}
		return fmt.Errorf("migrate-data: %w", err)
	}
	if rep.Emptied {
		fmt.Fprintln(stdout, "the target's earlier data was removed (--force)")
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables at schema version %d into %s; every table's row count and checksum match\n",
		rep.Rows(), len(rep.Tables), rep.SchemaVersion, transfer.Redacted(o.to))
	return nil
}
