// Command pioniers-bench is make bench: it measures bin/pioniers against a
// floor server in the same rounds and writes the table (see internal/bench
// and docs/development.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/bench"
)

func main() {
	bench.MaybeFloor()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pioniers-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pioniers-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := bench.Options{}
	var out, gen string
	fs.StringVar(&o.Bin, "bin", "bin/pioniers", "the server binary to measure")
	fs.StringVar(&o.Repo, "repo", ".", "the module root (its migrations key the cached datasets)")
	fs.StringVar(&o.Cache, "data", "bench/.data", "where generated datasets are kept between runs")
	fs.IntVar(&o.Meetings, "meetings", 10_000, "meetings of the main dataset (list, by id, 304, POST, feed)")
	fs.IntVar(&o.Large, "large", 100_000, "meetings of the scale dataset (first and deep page, exports); 0 skips it. 1000000 is the issue's size: generating it takes about 20 minutes, once")
	fs.IntVar(&o.Milestones, "milestones", 100_000, "milestones for the export rows, in the scale dataset (the main one with -large 0)")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds; each figure is the median")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each load run lasts")
	fs.IntVar(&o.Conns, "connections", 64, "connections of the read rows (the POST rows use 16 and 64)")
	fs.IntVar(&o.Threads, "threads", 2, "wrk threads")
	fs.StringVar(&gen, "load", "auto", "load generator: auto (wrk when installed, else go), wrk or go")
	fs.StringVar(&out, "out", "", "also write the table to this file")
	fs.StringVar(&o.Postgres, "postgres", "", "an admin URL (postgres://…) to a PostgreSQL server whose user may CREATE DATABASE: the main dataset's rows run on it too, each server on a database of its own, dropped at the end (make bench-postgres). Empty: SQLite only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected %q", fs.Arg(0))
	}
	if o.Rounds < 1 || o.Meetings < 1 || o.Large < 0 || o.Milestones < 0 || o.Conns < 1 {
		return fmt.Errorf("rounds, meetings and connections must be at least 1; large and milestones at least 0")
	}
	// Server copies and floor bodies go next to the cache, on the same disk.
	if err := os.MkdirAll(o.Cache, 0o755); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	work, err := os.MkdirTemp(o.Cache, "run-")
	if err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	defer os.RemoveAll(work)
	o.Work = work
	wrk, haveWrk := bench.FindWrk(work)
	switch {
	case gen == "wrk" && !haveWrk:
		return fmt.Errorf("-load wrk: wrk is not on PATH")
	case gen == "wrk" || (gen == "auto" && haveWrk):
		o.Load = wrk
	case gen == "go" || gen == "auto":
		o.Load = bench.GoLoad{}
	default:
		return fmt.Errorf("-load: %q is not auto, wrk or go", gen)
	}
	o.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if err := rep.Write(stdout); err != nil {
		return err
	}
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("results folder: %w", err)
		}
		f, err := os.Create(out)
		if err != nil {
			return fmt.Errorf("results: %w", err)
		}
		if err := rep.Write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
