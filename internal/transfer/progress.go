package transfer

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress hears how a copy goes: the rows to copy, each table as it
// begins, rows as they are copied, other steps, and the end.
type Progress interface {
	Start(total int64)
	Table(name string, rows int64)
	Add(rows int64)
	Step(what string)
	Finish()
}

type silent struct{}

func (silent) Start(int64)         {}
func (silent) Table(string, int64) {}
func (silent) Add(int64)           {}
func (silent) Step(string)         {}
func (silent) Finish()             {}

// Bar draws a progress bar on w, a terminal.
func Bar(w io.Writer) Progress { return &bar{w: w} }

type bar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (b *bar) Start(total int64) {
	b.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("copying"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}

func (b *bar) Table(name string, _ int64) { b.bar.Describe(name) }
func (b *bar) Add(n int64)                { _ = b.bar.Add64(n) }
func (b *bar) Step(what string)           { b.bar.Describe(what) }
func (b *bar) Finish() {
	_ = b.bar.Finish()
	fmt.Fprintln(b.w)
}

// Lines writes plain progress lines on w, for logs and pipes: a line per
// table, and one every LineEvery rows within a large table.
func Lines(w io.Writer) Progress { return &lines{w: w} }

// LineEvery is how many rows pass between two progress lines within a table.
const LineEvery = 100_000

type lines struct {
	w                  io.Writer
	total, done        int64
	table              string
	tableRows, inTable int64
}

func (l *lines) Start(total int64) {
	l.total = total
	fmt.Fprintf(l.w, "copying %d rows\n", total)
}

func (l *lines) Table(name string, rows int64) {
	l.table, l.tableRows, l.inTable = name, rows, 0
	fmt.Fprintf(l.w, "%s: %d rows (%d of %d copied)\n", name, rows, l.done, l.total)
}

func (l *lines) Add(n int64) {
	before := l.inTable / LineEvery
	l.inTable += n
	l.done += n
	if l.inTable/LineEvery > before && l.inTable < l.tableRows {
		fmt.Fprintf(l.w, "%s: %d of %d rows\n", l.table, l.inTable, l.tableRows)
	}
}

func (l *lines) Step(what string) { fmt.Fprintf(l.w, "%s %d rows\n", what, l.done) }
func (l *lines) Finish()          { fmt.Fprintf(l.w, "copied %d rows\n", l.done) }
