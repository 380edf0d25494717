package httpapi

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBodyBuffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pieces []int // sizes of the writes
	}{
		{"empty", nil},
		{"one byte", []int{1}},
		{"the first chunk exactly", []int{firstChunk}},
		{"one past the first chunk", []int{firstChunk, 1}},
		{"a list page in small writes", slices.Repeat([]int{97}, 520)},
		{"a write larger than any chunk", []int{3*maxChunk + 5}},
		{"a feed in mixed writes", slices.Repeat([]int{1, 700, 40_000}, 120)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(len(tt.pieces))))
			var b bodyBuffer
			var want []byte
			for _, n := range tt.pieces {
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(rng.IntN(256))
				}
				if got, err := b.Write(p); got != n || err != nil {
					t.Fatalf("Write(%d bytes): got %d, %v; want %d, nil", n, got, err, n)
				}
				want = append(want, p...)
			}
			if b.Len() != len(want) {
				t.Errorf("Len: got %d; want %d", b.Len(), len(want))
			}
			for i, c := range b.chunks {
				if cap(c) > maxChunk {
					t.Errorf("chunk %d: got capacity %d; want at most %d", i, cap(c), maxChunk)
				}
			}
			if got := b.sum(); got != sha256.Sum256(want) {
				t.Errorf("sum: got %x; want the SHA-256 of the body", got)
			}
			kept, held := b.keepable()
			if got := slices.Concat(kept...); !bytes.Equal(got, want) {
				t.Errorf("keepable: got %d bytes; want the %d written", len(got), len(want))
			}
			if capacity := heldBytes(kept); held != capacity || held < len(want) {
				t.Errorf("keepable: got %d bytes held; want the %d its chunks hold, at least the %d written", held, capacity, len(want))
			}
			var out bytes.Buffer
			if n, err := b.WriteTo(&out); n != int64(len(want)) || err != nil || !bytes.Equal(out.Bytes(), want) {
				t.Errorf("WriteTo: got %d bytes, %v; want the %d written", n, err, len(want))
			}
			if got := b.Bytes(); !bytes.Equal(got, want) || len(b.chunks) > 1 {
				t.Errorf("Bytes: got %d bytes in %d chunks after; want the %d written, in one", len(got), len(b.chunks), len(want))
			}
		})
	}
}

func heldBytes(chunks [][]byte) int {
	n := 0
	for _, c := range chunks {
		n += cap(c)
	}
	return n
}
