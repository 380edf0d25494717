package httpapi

import (
	"crypto/sha256"
	"io"
	"slices"
)

// bodyBuffer holds a response body that is rendered whole before it is
// sent (to tag it, to keep it in the cache), in chunks that are never
// copied as it grows: a calendar feed of megabytes costs its size once,
// not once more for every doubling and again for the cache.
type bodyBuffer struct {
	chunks [][]byte
	n      int
}

const (
	firstChunk = 4 << 10
	maxChunk   = 1 << 20
)

func (b *bodyBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		last := len(b.chunks) - 1
		if last < 0 || len(b.chunks[last]) == cap(b.chunks[last]) {
			size := firstChunk
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

// Len is the body's length in bytes.
func (b *bodyBuffer) Len() int { return b.n }

// Bytes returns the body in one slice, joining the chunks (once) when
// there are several.
func (b *bodyBuffer) Bytes() []byte {
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

// WriteTo writes the body to w, chunk by chunk.
func (b *bodyBuffer) WriteTo(w io.Writer) (int64, error) {
	return writeChunks(w, b.chunks)
}

// sum is the body's SHA-256.
func (b *bodyBuffer) sum() [sha256.Size]byte {
	h := sha256.New()
	for _, c := range b.chunks {
		h.Write(c)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

// keepable returns the body for a cache entry, which holds it from then
// on, and the bytes it takes: up to a chunk's size copied to its exact
// size (its chunks hold up to twice that), a larger one as it is, spare
// room included (copying it would hold it twice at once).
func (b *bodyBuffer) keepable() (body [][]byte, held int) {
	body = b.chunks
	if b.n <= maxChunk {
		body = [][]byte{slices.Concat(b.chunks...)}
	}
	for _, c := range body {
		held += cap(c)
	}
	return body, held
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
