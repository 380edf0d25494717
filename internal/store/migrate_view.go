package store

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
)

// sqlView shows goose the migrations as it reads them, leaving the files
// themselves untouched (a shipped migration never changes): a file in the
// plain format, the one 0001-0010 shipped in, gets the "-- +goose Up" that
// goose requires, and in every file {{timestamp}} becomes the dialect's
// timestamp type. The lines between a line {{postgres}} and a line {{end}}
// are PostgreSQL's alone: SQLite sees none of them. A file that carries
// goose annotations of its own is otherwise passed through as written.
type sqlView struct {
	files     fs.FS
	timestamp string // TIMESTAMP or TIMESTAMPTZ
	postgres  bool
}

func (v sqlView) Open(name string) (fs.File, error) {
	f, err := v.files.Open(name)
	if err != nil || path.Ext(name) != ".sql" {
		return f, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	lines, err := v.dialectLines(string(data))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	sql := strings.ReplaceAll(lines, "{{timestamp}}", v.timestamp)
	if !gooseAnnotated(sql) {
		sql = "-- +goose Up\n" + sql
	}
	return &viewFile{Reader: bytes.NewReader([]byte(sql)), info: viewInfo{info, int64(len(sql))}}, nil
}

// dialectLines is sql with the {{postgres}} blocks kept for PostgreSQL and
// left out for SQLite, without their marker lines. A block left open, or an
// {{end}} without one, is an error: SQLite would otherwise lose the rest of
// the file and record the migration as applied all the same.
func (v sqlView) dialectLines(sql string) (string, error) {
	var b strings.Builder
	inBlock := false
	for line := range strings.Lines(sql) {
		switch strings.TrimSpace(line) {
		case "{{postgres}}":
			if inBlock {
				return "", errors.New("{{postgres}} inside a {{postgres}} block")
			}
			inBlock = true
			continue
		case "{{end}}":
			if !inBlock {
				return "", errors.New("{{end}} without {{postgres}}")
			}
			inBlock = false
			continue
		}
		if !inBlock || v.postgres {
			b.WriteString(line)
		}
	}
	if inBlock {
		return "", errors.New("{{postgres}} without {{end}}")
	}
	return b.String(), nil
}

// gooseAnnotated reports whether sql has a line goose reads as an
// annotation: a comment that mentions +goose.
func gooseAnnotated(sql string) bool {
	for line := range strings.Lines(sql) {
		if strings.HasPrefix(strings.TrimSpace(line), "--") && strings.Contains(line, "+goose") {
			return true
		}
	}
	return false
}

type viewFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *viewFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *viewFile) Close() error               { return nil }

// viewInfo is the file's own, with the size of what the view shows.
type viewInfo struct {
	fs.FileInfo
	size int64
}

func (i viewInfo) Size() int64 { return i.size }
