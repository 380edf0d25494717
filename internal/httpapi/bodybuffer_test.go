package httpapi

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func TestBodyBuffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pieces   []int // sizes of the writes
		firstCap int   // the first chunk's capacity, in memory
	}{
		{"empty", nil, 0},
		{"one byte", []int{1}, minChunk},
		{"the least first chunk exactly", []int{minChunk}, minChunk},
		{"one past the least first chunk", []int{minChunk, 1}, minChunk},
		{"a small first write, then a large one", []int{1, 5000}, minChunk},
		{"a meeting in one write, then more", []int{1100, 1, 1100}, 1100},
		{"a list page in small writes", slices.Repeat([]int{97}, 520), minChunk},
		{"spillAt exactly", []int{spillAt}, maxChunk},
		{"one past spillAt", []int{spillAt, 1}, maxChunk},
		{"a write larger than any chunk", []int{3*maxChunk + 5}, maxChunk},
		{"a feed in mixed writes", slices.Repeat([]int{1, 700, 40_000}, 120), minChunk},
	}
	for _, tt := range tests {
		for _, spills := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/spillDir=%t", tt.name, spills), func(t *testing.T) {
				t.Parallel()
				var b bodyBuffer
				var dir string
				if spills {
					dir = t.TempDir()
					b.spillDir = dir
				}
				want := writeRandom(t, &b, tt.pieces)
				if b.spilled == nil && firstCap(b.chunks) != tt.firstCap {
					t.Errorf("first chunk: got capacity %d; want %d", firstCap(b.chunks), tt.firstCap)
				}
				if got, wantSpilled := b.spilled != nil, spills && len(want) > spillAt; got != wantSpilled {
					t.Errorf("spilled: got %t; want %t", got, wantSpilled)
				}
				if left, _ := os.ReadDir(dir); spills && len(left) > 0 {
					t.Errorf("spill dir: got %d entries; want none (the file is unlinked)", len(left))
				}
				checkBody(t, &b, want)
				if spills { // Bytes brings a spilled body back into memory
					b := bodyBuffer{spillDir: dir}
					want := writeRandom(t, &b, tt.pieces)
					if got := b.Bytes(); !bytes.Equal(got, want) || b.spilled != nil || b.Len() != len(want) {
						t.Errorf("Bytes: got %d bytes, spilled %t, Len %d; want the %d written, in memory", len(got), b.spilled != nil, b.Len(), len(want))
					}
				}
			})
		}
	}
}

// A spilled body whose file fails to take more (a full disk) goes back
// into memory whole; one whose file cannot be made stays there.
func TestBodyBufferSpillFails(t *testing.T) {
	t.Parallel()
	t.Run("the file stops taking writes", func(t *testing.T) {
		t.Parallel()
		b := bodyBuffer{spillDir: t.TempDir()}
		want := writeRandom(t, &b, []int{spillAt + 1, 3 * spillTail})
		if b.spilled == nil {
			t.Fatal("spilled: got false; want true")
		}
		// The same file, open for reading only: writes fail, reads do not.
		readOnly, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", b.spilled.f.Fd()))
		if err != nil {
			t.Skipf("reopen the spilled file: %v", err)
		}
		b.spilled.f.Close()
		b.spilled.f = readOnly
		want = append(want, writeRandom(t, &b, []int{spillTail, 5})...)
		if b.spilled != nil {
			t.Fatal("spilled: got true after the file failed; want the body back in memory")
		}
		checkBody(t, &b, want)
	})
	t.Run("the file can neither take nor give back", func(t *testing.T) {
		t.Parallel()
		b := bodyBuffer{spillDir: t.TempDir()}
		writeRandom(t, &b, []int{spillAt + 1})
		b.spilled.f.Close()
		if _, err := b.Write(make([]byte, spillTail)); err == nil {
			t.Error("Write: got no error; want the body lost")
		}
		if err := b.finish(); err == nil {
			t.Error("finish: got no error; want the body lost")
		}
		if n, err := b.WriteTo(io.Discard); n != 0 || err == nil {
			t.Errorf("WriteTo: got %d bytes, %v; want none and an error", n, err)
		}
	})
	t.Run("no file can be made", func(t *testing.T) {
		t.Parallel()
		b := bodyBuffer{spillDir: t.TempDir() + "/missing"}
		want := writeRandom(t, &b, []int{spillAt, spillAt})
		if b.spilled != nil {
			t.Fatal("spilled: got true; want the body in memory")
		}
		checkBody(t, &b, want)
	})
}

// writeRandom writes pieces of random bytes of the given sizes to b and
// returns what it wrote.
func writeRandom(t *testing.T, b *bodyBuffer, pieces []int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(len(pieces))))
	var want []byte
	for _, n := range pieces {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.IntN(256))
		}
		if got, err := b.Write(p); got != n || err != nil {
			t.Fatalf("Write(%d bytes): got %d, %v; want %d, nil", n, got, err, n)
		}
		want = append(want, p...)
	}
	return want
}

// checkBody checks every way of reading b against want, and that a
// spilled body's file is closed once the buffer and the kept body let go.
func checkBody(t *testing.T, b *bodyBuffer, want []byte) {
	t.Helper()
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
	var out bytes.Buffer
	if n, err := b.WriteTo(&out); n != int64(len(want)) || err != nil || !bytes.Equal(out.Bytes(), want) {
		t.Errorf("WriteTo: got %d bytes, %v; want the %d written", n, err, len(want))
	}
	kept, file, held := b.keepable()
	if file != nil {
		var got bytes.Buffer
		if _, err := file.WriteTo(&got); err != nil || !bytes.Equal(got.Bytes(), want) || held != len(want) {
			t.Errorf("keepable: got a file of %d bytes (%v), %d held; want the %d written", got.Len(), err, held, len(want))
		}
		b.release()
		if _, err := file.WriteTo(io.Discard); err != nil {
			t.Errorf("kept file after the buffer let go: got %v; want it still open", err)
		}
		file.release()
		if _, err := file.f.Stat(); err == nil {
			t.Error("kept file after both let go: got open; want closed")
		}
		return
	}
	if got := slices.Concat(kept...); !bytes.Equal(got, want) {
		t.Errorf("keepable: got %d bytes; want the %d written", len(got), len(want))
	}
	if capacity := heldBytes(kept); held != capacity || held < len(want) {
		t.Errorf("keepable: got %d bytes held; want the %d its chunks hold, at least the %d written", held, capacity, len(want))
	}
	if got := b.Bytes(); !bytes.Equal(got, want) || len(b.chunks) > 1 {
		t.Errorf("Bytes: got %d bytes in %d chunks after; want the %d written, in one", len(got), len(b.chunks), len(want))
	}
}

func firstCap(chunks [][]byte) int {
	if len(chunks) == 0 {
		return 0
	}
	return cap(chunks[0])
}

func heldBytes(chunks [][]byte) int {
	n := 0
	for _, c := range chunks {
		n += cap(c)
	}
	return n
}
