package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/pipeline"
)

// Exports: list endpoints that analysts use answer JSON pages, or the whole
// filtered result as CSV or NDJSON, streamed row by row through a pipe so
// that memory stays the same however long the list.

const (
	formatJSON   = "json"
	formatCSV    = "csv"
	formatNDJSON = "ndjson"
)

// batchSize is how many rows an export reads at a time: the largest page
// the services serve.
const batchSize = domain.MaxPageSize

// acceptKey carries the request's Accept, for the table schemas' choice of
// media type.
type acceptKey struct{}

// responseHeaderKey carries the response's header map, so that an export can
// link its schema before the strict handler writes the status line.
type responseHeaderKey struct{}

// negotiate picks the representation: the format parameter when given,
// otherwise the best of the Accept header, otherwise JSON.
func negotiate(accept string, formats []string) string {
	for _, f := range formats {
		if f == formatCSV || f == formatNDJSON || f == formatJSON {
			return f
		}
	}
	best, bestQ := formatJSON, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		var f string
		switch mt {
		case "text/csv":
			f = formatCSV
		case "application/x-ndjson":
			f = formatNDJSON
		case "application/json", "*/*", "application/*":
			f = formatJSON
		case "text/*":
			f = formatCSV
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	return best
}

// isExport reports whether a request asks for a streamed export, so that
// nothing buffers it.
func isExport(r *http.Request) bool {
	f := negotiate(r.Header.Get("Accept"), r.URL.Query()["format"])
	return f == formatCSV || f == formatNDJSON
}

// columns lists a schema's fields as CSV columns, nested objects as dotted
// names: the CSV has the same fields as the JSON. The same table gives the
// export's header and its Table Schema, so the two cannot drift.
func (ct *contract) columns(schema string) table {
	t := table{name: kebab(schema)}
	ref := ct.spec.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		return t
	}
	t.cols = schemaColumns(ref.Value, "")
	return t
}

func schemaColumns(s *openapi3.Schema, prefix string) []column {
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { // id first, then alphabetical
		if (names[i] == "id") != (names[j] == "id") {
			return names[i] == "id"
		}
		return names[i] < names[j]
	})
	var out []column
	for _, name := range names {
		p := s.Properties[name].Value
		if p != nil && len(p.OneOf) > 0 {
			// A oneOf gets the columns of all its alternatives.
			merged := &openapi3.Schema{Properties: openapi3.Schemas{}}
			for _, alt := range p.OneOf {
				if alt.Value != nil {
					for k, v := range alt.Value.Properties {
						merged.Properties[k] = v
					}
				}
			}
			out = append(out, schemaColumns(merged, prefix+name+".")...)
			continue
		}
		if p != nil && p.Type != nil && p.Type.Is("object") && len(p.Properties) > 0 {
			out = append(out, schemaColumns(p, prefix+name+".")...)
			continue
		}
		out = append(out, schemaColumn(prefix+name, p))
	}
	return out
}

// stream runs each in a goroutine and returns the rows it emits, encoded as
// format, as a reader. It waits for the first row, or the end: an error
// before anything was sent is returned, so the caller can still answer with
// a problem instead of an empty 200. Closing the request's context stops
// the producer, and so does a client that stops reading (see exportBody).
// The response links the table's schema (rel="describedby"), and a CSV
// follows the request's bom and delimiter parameters.
//
// The rows go out through one buffered writer; a CSV row is laid out by a
// plan of the columns made once per export, not per row.
func stream[T, A any](ctx context.Context, format string, t table, rs rows[T, A]) (io.Reader, error) {
	opts := csvOptionsOf(ctx)
	pr, pw := io.Pipe()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	first := make(chan error, 1)
	var once sync.Once
	started := func() { once.Do(func() { first <- nil }) }
	go func() {
		defer stop()
		bw := bufio.NewWriterSize(pw, exportBufferSize)
		var n int64
		// Each row is mapped into the same value, which the encoders read
		// through a pointer: no row is boxed on its way, as an any would be.
		var row A
		write := func(encode func(v any) error) func(T) error {
			return func(item T) error {
				var err error
				if row, err = rs.toAPI(item); err != nil {
					return err
				}
				// Before the row is written: a row larger than the buffer
				// goes into the pipe, which nobody reads until started.
				started()
				if err := encode(&row); err != nil {
					return err
				}
				n++
				return nil
			}
		}
		err := ended(func() (err error) {
			switch format {
			case formatCSV:
				enc := newCSVEncoder(bw, t, opts)
				err = pipelined(rs.each, write(enc.encode))
				if err == nil {
					started()
					err = enc.end() // an empty result still has its header row
				} else {
					enc.w.Flush()
				}
			default:
				je := json.NewEncoder(bw) // Encode writes what Marshal does, and a newline
				err = pipelined(rs.each, write(je.Encode))
			}
			return err
		})
		// The rows made before an error go out too, then the error ends
		// the stream.
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if exportHook != nil {
			exportHook(ctx, n, err)
		}
		once.Do(func() { first <- err })
		pw.CloseWithError(err)
	}()
	if err := <-first; err != nil {
		stop()
		pr.Close()
		return nil, err
	}
	if h, ok := ctx.Value(responseHeaderKey{}).(http.Header); ok {
		h.Add("Link", t.link())
	}
	return exportBody{pr}, nil
}

// pipeBatch is how many rows pass from an export's reader to its encoder
// at a time.
const pipeBatch = 256

// pipelined runs each, which reads the rows, and consume, which encodes
// them, at the same time (see pipeline.Run), in batches of pipeBatch rows:
// reading a row from the database and encoding one cost about the same, so
// that an export takes about as long as the slower of the two rather than
// both, in the memory of a few batches however long the export. The first
// row goes on its own, so that the response starts with it however sparse
// the rows. The rows each emitted before an error are consumed too; an
// error of consume stops each at its next batch, and is the one returned.
func pipelined[T any](each func(emit func(T) error) error, consume func(T) error) error {
	return pipeline.Run(each, func(batch []T) error {
		for _, v := range batch {
			if err := consume(v); err != nil {
				return err
			}
		}
		return nil
	}, pipeline.BatchSize(pipeBatch), pipeline.FirstAlone())
}

// exportHook, when set (by tests), learns how each export ended: the rows
// it produced and the error that stopped it.
var exportHook func(ctx context.Context, rows int64, err error)

const (
	// exportBufferSize is how much of an export is written at a time.
	exportBufferSize = 64 << 10
	// exportStall is how long an export waits for a client that reads
	// nothing before it gives up; every write has this long, however long
	// the whole export takes.
	exportStall = time.Minute
)

// streamDeadlines frees an export from the server's timeouts, which would
// cut a long one short with status 200 already sent: the read timeout (the
// request is read whole, and net/http ends the request's context when it
// passes) is lifted as soon as the request is in, and every write gets
// exportStall from the moment it starts, however long the whole export
// takes. A client that reads nothing for that long is given up on; the
// failed write ends the request's context, and with it the export's query.
//
// An export that fails after its status line is logged here (the error
// boundary answers only what has not started), unless its client went away.
func streamDeadlines(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r, res := c.Request(), c.Response()
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !isExport(r) {
				return next(c)
			}
			rc := http.NewResponseController(res.Writer)
			_ = rc.SetReadDeadline(time.Time{}) // not every writer has deadlines
			orig := res.Writer
			res.Writer = deadlineWriter{ResponseWriter: orig, rc: rc}
			defer func() { res.Writer = orig }()
			err := next(c)
			if err != nil && res.Committed {
				ctx := r.Context()
				var p *exportPanic
				switch {
				case errors.As(err, &p):
					log.ErrorContext(ctx, "panic", "cause", fmt.Sprint(p.value), "stack", string(p.stack), "path", r.URL.Path)
				case ctx.Err() == nil:
					log.ErrorContext(ctx, "export cut short", "error", err.Error(), "path", r.URL.Path, "bytes", res.Size)
				}
				// Failed halfway, after the status line: the response ends
				// without its last chunk, so that the client sees it is cut
				// short instead of taking it as whole.
				panic(http.ErrAbortHandler)
			}
			return err
		}
	}
}

// ended runs export and returns its error; a panic of it (a bug in a
// mapping or an encoder) would end the process, as no recover of the
// server's is on an export's goroutine: it ends the export instead, as an
// error does, and streamDeadlines or the error boundary logs it.
func ended(export func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &exportPanic{value: v, stack: debug.Stack()}
		}
	}()
	return export()
}

// exportPanic is a panic of an export's goroutine, ended as an error.
type exportPanic struct {
	value any
	stack []byte
}

func (p *exportPanic) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// deadlineWriter gives every write exportStall.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(exportStall))
	return w.ResponseWriter.Write(p)
}

// FlushError flushes what the writer holds; one that cannot (a HEAD's) has
// nothing to flush.
func (w deadlineWriter) FlushError() error {
	if err := w.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

func (w deadlineWriter) Flush() { _ = w.FlushError() }

func (w deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// exportBody is an export on its way to the client: a write that fails
// (the client went away, or read nothing for exportStall) closes the pipe,
// which stops the producer and its query.
type exportBody struct{ pr *io.PipeReader }

func (b exportBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

func (b exportBody) Close() error { return b.pr.Close() }

// WriteTo is what io.Copy in the generated response uses: the export goes
// out a buffer at a time, each flushed to the client.
func (b exportBody) WriteTo(w io.Writer) (int64, error) {
	var rc *http.ResponseController
	if rw, ok := w.(http.ResponseWriter); ok {
		rc = http.NewResponseController(rw)
	}
	buf := make([]byte, exportBufferSize)
	var total int64
	for {
		n, rerr := b.pr.Read(buf)
		if n > 0 {
			m, err := w.Write(buf[:n])
			total += int64(m)
			if err == nil && rc != nil {
				if ferr := rc.Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
					err = ferr
				}
			}
			if err != nil {
				b.pr.CloseWithError(err)
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// rows are what an export writes: each reads the items, and toAPI maps
// each to the contract's type, on the encoder's goroutine, off the one that
// reads them.
type rows[T, A any] struct {
	each  func(emit func(T) error) error
	toAPI func(T) (A, error)
}

// eachItem is the items each passes: each is a service's Each, which reads
// them from one query.
func eachItem[T, A any](each func(fn func(T) error) error, toAPI func(T) (A, error)) rows[T, A] {
	return rows[T, A]{each, toAPI}
}

// everyPage is every item of a keyset-paged list, page after page.
func everyPage[T, A any](list func(cursor string) (domain.Page[T], error), toAPI func(T) (A, error)) rows[T, A] {
	return rows[T, A]{func(emit func(T) error) error {
		for item, err := range domain.Items(list) {
			if err != nil {
				return err
			}
			if err := emit(item); err != nil {
				return err
			}
		}
		return nil
	}, toAPI}
}

// apiRows is rows that each emits already as the contract's type.
func apiRows[A any](each func(emit func(A) error) error) rows[A, A] {
	return rows[A, A]{each, func(a A) (A, error) { return a, nil }}
}

// csvRow flattens one JSON object into the columns.
func csvRow(v any, cols []string) ([]string, error) {
	var buf bytes.Buffer
	e := newCSVEncoder(bufio.NewWriter(&buf), table{cols: columnsNamed(cols)}, csvOptions{comma: ','})
	if err := e.layout(v); err != nil {
		return nil, err
	}
	return slices.Clone(e.row), nil
}

func columnsNamed(names []string) []column {
	cols := make([]column, len(names))
	for i, n := range names {
		cols[i] = column{name: n}
	}
	return cols
}

// neutralise keeps a spreadsheet from running a cell as a formula (OWASP
// CSV injection): a leading = + - @ tab or carriage return gets a quote.
func neutralise(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s // a number, such as -2.5, is no formula
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// legacyExports routes a list request that asks for CSV or NDJSON the 1.1.0
// way (Accept: text/csv, or format=csv|ndjson on the list) to the list's own
// export operation, before routing and validation, so that it is answered
// by the same code as before while the list itself declares JSON only. The
// answer says it is deprecated and links to the export operation. The lists
// are those the contract has a CSV export operation for, at the list's
// path plus /export.
func (ct *contract) legacyExports(basePath string) echo.MiddlewareFunc {
	var lists [][]string
	for path, item := range ct.spec.Paths.Map() {
		list, ok := strings.CutSuffix(path, exportSuffix)
		if listItem := ct.spec.Paths.Value(list); !ok || item.Get == nil || listItem == nil || listItem.Get == nil {
			continue
		}
		// Only exports of CSV, not a person's data export (GET /people/{person}/export).
		if res := item.Get.Responses.Status(http.StatusOK); res != nil && res.Value != nil && res.Value.Content.Get("text/csv") != nil {
			lists = append(lists, strings.Split(basePath+list, "/"))
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) ||
				!slices.ContainsFunc(lists, func(l []string) bool { return matchesPath(l, r.URL.Path) }) {
				return next(c)
			}
			if !isExport(r) {
				if slices.Contains(r.URL.Query()["format"], formatJSON) {
					// format=json decides over Accept, as in 1.1.0.
					r.Header.Set("Accept", "application/json")
				}
				return next(c)
			}
			if len(r.URL.Query()["format"]) == 0 && !acceptable(r.Header.Get("Accept"), []string{exportMediaTypes[negotiate(r.Header.Get("Accept"), nil)]}) {
				return next(c) // such as text/csv;q=0: the list answers 406
			}
			query := r.URL.Query()
			format := negotiate(r.Header.Get("Accept"), query["format"])
			// The list's format key also filters meetings by their format;
			// the export operation calls that filter meetingFormat. Export
			// formats stay as sent, so that the export operation refuses two.
			var formats []string
			for _, v := range query["format"] {
				if v == formatJSON || v == formatCSV || v == formatNDJSON {
					formats = append(formats, v)
				} else {
					query.Add("meetingFormat", v)
				}
			}
			if len(formats) == 0 {
				formats = []string{format}
			}
			query["format"] = formats
			// An export is the whole result: paging does not apply.
			query.Del("pageSize")
			query.Del("cursor")
			r.URL.RawQuery = query.Encode()
			r.URL.Path += exportSuffix
			if r.URL.RawPath != "" {
				r.URL.RawPath += exportSuffix
			}
			// The format decides, whatever else Accept names, as in 1.1.0.
			r.Header.Set("Accept", exportMediaTypes[format])
			h := c.Response().Header()
			h.Set("Deprecation", deprecatedSince)
			h.Add("Link", fmt.Sprintf(`<%s?%s>; rel="successor-version"`, r.URL.EscapedPath(), r.URL.RawQuery))
			return next(c)
		}
	}
}

const exportSuffix = "/export"

// deprecatedSince is when lists stopped declaring CSV and NDJSON (RFC 9745:
// @ and seconds since the epoch): 2026-12-05T00:00:00Z.
const deprecatedSince = "@1796428800"

var exportMediaTypes = map[string]string{formatCSV: "text/csv", formatNDJSON: "application/x-ndjson"}

// matchesPath reports whether path has the segments of a contract path
// template, where {name} stands for any one non-empty segment.
func matchesPath(template []string, path string) bool {
	segs := strings.Split(path, "/")
	if len(segs) != len(template) {
		return false
	}
	for i, t := range template {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if t != segs[i] {
			return false
		}
	}
	return true
}
