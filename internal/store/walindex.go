package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// sqliteDriver is the database/sql driver gorm's SQLite dialector registers.
const sqliteDriver = "sqlite3"

// walIndex reads SQLite's WAL index header (sqlite.org/walformat.html) from
// memory, as SQLite's own readers do: the -shm file is mapped once, so that
// telling whether anything committed costs no system call (two per read
// were a tenth of a cached read by id).
//
// The mapping is safe only while the file keeps its size and name. SQLite
// truncates the -shm file when a connection opens it with no other
// connection on the database in any process, and deletes it when the last
// one closes. So the index holds a connection of its own (pin) from before
// it maps the file until after it unmaps it: with it open, neither happens.
//
// The file stays open too: closing any descriptor of a file drops every
// lock this process holds on it (POSIX), SQLite's own included.
type walIndex struct {
	path, dsn string // the -shm file; the database the pin opens

	mu     sync.RWMutex // header reads share it; open and close take it whole
	failed bool         // opening failed: Version reads the statement instead
	pinDB  *sql.DB
	pin    *sql.Conn
	file   *os.File
	data   []byte // the mapping: the first page of the file
}

// header copies the WAL index header into hdr and reports whether it is
// whole: both copies alike and initialised. It maps the file on first use.
func (w *walIndex) header(ctx context.Context, hdr *walHeader) bool {
	if w == nil {
		return false
	}
	w.mu.RLock()
	if w.data == nil && !w.failed {
		w.mu.RUnlock()
		w.open(ctx)
		w.mu.RLock()
	}
	defer w.mu.RUnlock()
	if w.data == nil {
		return false
	}
	copy(hdr[:], w.data[:len(hdr)])
	return [48]byte(hdr[:48]) == [48]byte(hdr[48:]) && hdr[12] == 1
}

// backlog is how many frames of the log are not yet copied back into the
// database file: mxFrame of the index header less nBackfill of the
// checkpoint information after it, both in native byte order
// (sqlite.org/walformat.html). ok is false when the index cannot be read.
func (w *walIndex) backlog(ctx context.Context) (frames int64, ok bool) {
	var hdr walHeader
	if !w.header(ctx, &hdr) {
		return 0, false
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if len(w.data) < walBackfillOffset+4 {
		return 0, false
	}
	mx := int64(binary.NativeEndian.Uint32(hdr[16:20]))
	backfilled := int64(binary.NativeEndian.Uint32(w.data[walBackfillOffset:]))
	if backfilled > mx { // read while the log started over
		return mx, true
	}
	return mx - backfilled, true
}

// walBackfillOffset is where nBackfill sits in the index: right after the
// two copies of its header.
const walBackfillOffset = 96

// open pins the database and maps the index; on failure it marks the index
// failed, and Version reads the number from the table every time.
func (w *walIndex) open(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.data != nil || w.failed {
		return
	}
	// Not the request's cancellation: one client going away must not leave
	// every later request without the mapping.
	if err := w.mapFile(context.WithoutCancel(ctx)); err != nil {
		w.failed = true
		_ = w.release(false) // the file stays open until close: see walIndex
	}
}

func (w *walIndex) mapFile(ctx context.Context) error {
	pinDB, err := sql.Open(sqliteDriver, w.dsn)
	if err != nil {
		return err
	}
	w.pinDB = pinDB
	if w.pin, err = pinDB.Conn(ctx); err != nil {
		return err
	}
	// A read transaction maps the index into the pin's SQLite, which from
	// then on holds its shared lock on the file until the pin closes.
	var n int
	if err := w.pin.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		return err
	}
	if w.file, err = os.Open(w.path); err != nil {
		return err
	}
	size := os.Getpagesize()
	if st, err := w.file.Stat(); err != nil || st.Size() < int64(size) {
		return fmt.Errorf("wal index %s: shorter than a page", w.path)
	}
	w.data, err = syscall.Mmap(int(w.file.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	return err
}

// close unmaps the index and lets the file go; call it after the other
// connections closed.
func (w *walIndex) close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failed = true // nothing maps it again
	return w.release(true)
}

// release undoes what mapFile did, in reverse, the file too when all is
// set; the caller holds mu.
func (w *walIndex) release(all bool) error {
	var errs []error
	if w.data != nil {
		errs = append(errs, syscall.Munmap(w.data))
		w.data = nil
	}
	if w.pin != nil {
		errs = append(errs, w.pin.Close())
		w.pin = nil
	}
	if w.pinDB != nil {
		errs = append(errs, w.pinDB.Close())
		w.pinDB = nil
	}
	// After the pin: see walIndex.
	if w.file != nil && all {
		errs = append(errs, w.file.Close())
		w.file = nil
	}
	return errors.Join(errs...)
}
