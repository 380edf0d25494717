package store

import (
	"errors"
	"testing"
)

// TestHeldRows: every row read reaches flush once, in order, in batches of
// at most inChunk; the last batch is flushed before last returns; an error
// of flush stops the reader at its next hand-over and is the one returned,
// and one of the reader comes back as it is.
func TestHeldRows(t *testing.T) {
	t.Parallel()
	errFlush, errRead := errors.New("flush failed"), errors.New("read failed")
	tests := []struct {
		name      string
		rows      int
		failAt    int  // flush fails at this row; -1 never
		readErr   bool // the reader fails after its rows, before last
		want      int  // rows flushed
		wantErr   error
		wantReads int // at most this many rows read
	}{
		{"none", 0, -1, false, 0, nil, 0},
		{"fewer than a batch", 7, -1, false, 7, nil, 7},
		{"a batch exactly", inChunk, -1, false, inChunk, nil, inChunk},
		{"many batches", 4*inChunk + 3, -1, false, 4*inChunk + 3, nil, 4*inChunk + 3},
		{"reader fails", inChunk + 3, -1, true, inChunk, errRead, inChunk + 3},
		{"flush fails", 50 * inChunk, 3, false, 3, errFlush, 4 * inChunk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var flushed []int
			reads, lastDone := 0, false
			err := heldRows(func(hold func(*int) error, last func() error) error {
				for i := range tt.rows {
					reads++
					if err := hold(&i); err != nil {
						return err
					}
				}
				if tt.readErr {
					return errRead
				}
				err := last()
				lastDone = len(flushed) == tt.want // read after last: the flushes are over
				return err
			}, func(batch []int) error {
				if len(batch) == 0 || len(batch) > inChunk {
					t.Errorf("batch of %d rows; want 1 to %d", len(batch), inChunk)
				}
				for _, v := range batch {
					if len(flushed) == tt.failAt {
						return errFlush
					}
					flushed = append(flushed, v)
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v; want %v", err, tt.wantErr)
			}
			if len(flushed) != tt.want {
				t.Fatalf("got %d rows flushed; want %d", len(flushed), tt.want)
			}
			for i, v := range flushed {
				if v != i {
					t.Fatalf("row %d: got %d; want %d", i, v, i)
				}
			}
			if tt.wantErr == nil && !lastDone {
				t.Errorf("last returned before the last batch was flushed")
			}
			if reads > tt.wantReads {
				t.Errorf("got %d rows read; want at most %d", reads, tt.wantReads)
			}
		})
	}
}
