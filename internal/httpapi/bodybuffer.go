package httpapi

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// bodyBuffer holds a response body that is rendered whole before it is
// sent (to tag it, to keep it in the cache), in chunks that are never
// copied as it grows: a calendar feed of megabytes costs its size once,
// not once more for every doubling and again for the cache.
//
// With a spillDir, a body that outgrows spillAt moves to an unlinked file
// there: the feed, rendered once a day and sent all day, then lives in the
// page cache, which the kernel may write out and reclaim, rather than on
// the heap, which the garbage collector doubles. When no file can be made
// or written, the body stays in memory; when a file that failed cannot be
// read back either, the body is lost, and finish says so.
type bodyBuffer struct {
	chunks   [][]byte
	n        int
	spillDir string
	spilled  *spilledBody // the whole body, once it moved to a file
	err      error        // a spilled body that could not be read back
}

const (
	// minChunk is the least a first chunk takes. A body written in one
	// piece, as the JSON encoder writes one, gets a first chunk of just its
	// size (a meeting is about 1 KB); one written in small pieces, chunks
	// that double from here.
	minChunk = 512
	maxChunk = 1 << 20
	// spillAt is the size beyond which a body with a spillDir moves to a
	// file: what the cache keeps in memory at most (maxCachedBody).
	spillAt = maxCachedBody
)

func (b *bodyBuffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.spilled == nil && b.spillDir != "" && b.n+len(p) > spillAt {
		b.spill()
	}
	if b.spilled != nil {
		b.n += len(p)
		if b.spilled.write(p) != nil {
			b.unspill()
		}
		return len(p), b.err
	}
	n := len(p)
	for len(p) > 0 {
		last := len(b.chunks) - 1
		if last < 0 || len(b.chunks[last]) == cap(b.chunks[last]) {
			size := min(max(len(p), minChunk), maxChunk)
			if last >= 0 {
				size = min(2*cap(b.chunks[last]), maxChunk)
			}
			b.chunks = append(b.chunks, make([]byte, 0, size))
			last++
		}
		k := min(len(p), cap(b.chunks[last])-len(b.chunks[last]))
		b.chunks[last] = append(b.chunks[last], p[:k]...)
		p = p[k:]
	}
	b.n += n
	return n, nil
}

// spill moves the body to a new unlinked file in spillDir; on failure it
// stays in memory, and no other file is tried.
func (b *bodyBuffer) spill() {
	dir := b.spillDir
	b.spillDir = ""
	f, err := os.CreateTemp(dir, "pioniers-body-*")
	if err != nil {
		return
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return // a file that outlived this process would be left behind
	}
	s := &spilledBody{f: f}
	s.refs.Store(1)
	for _, c := range b.chunks {
		if s.write(c) != nil {
			s.release()
			return
		}
	}
	b.chunks, b.spilled = nil, s
}

// unspill brings a body whose file failed (a full disk) back into memory.
func (b *bodyBuffer) unspill() {
	s := b.spilled
	b.spilled, b.n = nil, 0
	defer s.release()
	whole := make([]byte, s.n, s.n+int64(len(s.tail)))
	if _, err := s.f.ReadAt(whole, 0); err != nil {
		b.err = fmt.Errorf("read back a response body: %w", err)
		return
	}
	_, _ = b.Write(append(whole, s.tail...)) // into memory: never fails
}

// finish ends the writing: the body is whole, or the error says why not.
func (b *bodyBuffer) finish() error {
	b.seal()
	return b.err
}

// seal writes out what the spilled body still holds in memory.
func (b *bodyBuffer) seal() {
	if s := b.spilled; s != nil && len(s.tail) > 0 {
		if s.flush() != nil {
			b.unspill()
			return
		}
		s.tail = nil
	}
}

// Len is the body's length in bytes.
func (b *bodyBuffer) Len() int { return b.n }

// Bytes returns the body in one slice, joining the chunks (once) when
// there are several, or reading it back from its file.
func (b *bodyBuffer) Bytes() []byte {
	b.seal()
	if s := b.spilled; s != nil {
		whole := make([]byte, s.n)
		_, err := s.f.ReadAt(whole, 0)
		b.release()
		if err != nil {
			b.err = fmt.Errorf("read back a response body: %w", err)
			return nil
		}
		b.chunks, b.n = [][]byte{whole}, len(whole)
	}
	switch len(b.chunks) {
	case 0:
		return nil
	case 1:
		return b.chunks[0]
	}
	whole := slices.Concat(b.chunks...)
	b.chunks = [][]byte{whole}
	return whole
}

// WriteTo writes the body to w, chunk by chunk or from its file.
func (b *bodyBuffer) WriteTo(w io.Writer) (int64, error) {
	b.seal()
	if b.err != nil {
		return 0, b.err
	}
	if b.spilled != nil {
		return b.spilled.WriteTo(w)
	}
	return writeChunks(w, b.chunks)
}

// sum is the body's SHA-256.
func (b *bodyBuffer) sum() [sha256.Size]byte {
	h := sha256.New()
	_, _ = b.WriteTo(h) // a body that cannot be read fails where it is sent
	return [sha256.Size]byte(h.Sum(nil))
}

// keepable returns the body for a cache entry, which holds it from then
// on, and the bytes it takes. A body of up to a chunk's size is kept in one
// piece of its size: as it is when it was written in one piece, else
// copied (its chunks hold up to twice its size). A larger one is kept as it
// is, spare room included (copying it would hold it twice at once). A
// spilled body is returned as file, with a reference the entry must release.
func (b *bodyBuffer) keepable() (body [][]byte, file *spilledBody, held int) {
	b.seal()
	if s := b.spilled; s != nil {
		return nil, s.hold(), int(s.n)
	}
	body = b.chunks
	if b.n <= maxChunk && (len(b.chunks) != 1 || cap(b.chunks[0]) > b.n) {
		body = [][]byte{slices.Concat(b.chunks...)}
	}
	for _, c := range body {
		held += cap(c)
	}
	return body, nil, held
}

// release lets go of the body's file, if it has one; the buffer is empty
// after.
func (b *bodyBuffer) release() {
	if b.spilled != nil {
		b.spilled.release()
		b.spilled, b.n = nil, 0
	}
}

func writeChunks(w io.Writer, chunks [][]byte) (int64, error) {
	var written int64
	for _, c := range chunks {
		n, err := w.Write(c)
		written += int64(n)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// spilledBody is a body in an unlinked file, shared by the buffer that
// wrote it, the cache entry that keeps it and the requests it answers:
// the last of them to release it closes the file, which frees its space.
type spilledBody struct {
	f    *os.File
	n    int64  // bytes in f
	tail []byte // written, not yet in f
	refs atomic.Int32
}

// spillTail is how much a spilled body gathers before it writes to its
// file, and how much it sends at once.
const spillTail = 256 << 10

var spillBuffers = sync.Pool{New: func() any { b := make([]byte, spillTail); return &b }}

func (s *spilledBody) write(p []byte) error {
	if cap(s.tail) == 0 { // new, or sealed
		s.tail = make([]byte, 0, spillTail)
	}
	for len(p) > 0 {
		k := min(len(p), cap(s.tail)-len(s.tail))
		s.tail = append(s.tail, p[:k]...)
		p = p[k:]
		if len(s.tail) == cap(s.tail) {
			if err := s.flush(); err != nil {
				s.tail = append(s.tail, p...)
				return err
			}
		}
	}
	return nil
}

// flush writes the tail to the file; on failure, what was not written
// stays in the tail.
func (s *spilledBody) flush() error {
	n, err := s.f.Write(s.tail)
	s.n += int64(n)
	s.tail = append(s.tail[:0], s.tail[n:]...)
	return err
}

// WriteTo sends the file's bytes to w. Reads at offsets, so that any
// number of requests may send the same file at once.
func (s *spilledBody) WriteTo(w io.Writer) (int64, error) {
	buf := spillBuffers.Get().(*[]byte)
	defer spillBuffers.Put(buf)
	return io.CopyBuffer(onlyWriter{w}, io.NewSectionReader(s.f, 0, s.n), *buf)
}

// onlyWriter hides a ReaderFrom, which would copy through a buffer of its
// own, smaller one.
type onlyWriter struct{ io.Writer }

func (s *spilledBody) hold() *spilledBody {
	s.refs.Add(1)
	return s
}

func (s *spilledBody) release() {
	if s.refs.Add(-1) == 0 {
		s.f.Close()
	}
}
