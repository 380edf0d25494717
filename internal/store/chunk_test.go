package store

import (
	"fmt"
	"slices"
	"testing"
)

// An IN list never holds more than inChunk values, and every value is asked
// for once, in order.
func TestInChunks(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, inChunk - 1, inChunk, inChunk + 1, 2*inChunk + 7} {
		values := make([]string, n)
		for i := range values {
			values[i] = fmt.Sprint(i)
		}
		var seen []string
		var sizes []int
		if err := inChunks(values, func(part []string) error {
			sizes = append(sizes, len(part))
			seen = append(seen, part...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seen, values) {
			t.Errorf("%d values: got %d back, in another order or with gaps; want each once, in order", n, len(seen))
		}
		if slices.ContainsFunc(sizes, func(s int) bool { return s == 0 || s > inChunk }) {
			t.Errorf("%d values: got parts of %v; want none empty or above %d", n, sizes, inChunk)
		}
		if want := (n + inChunk - 1) / inChunk; len(sizes) != want {
			t.Errorf("%d values: got %d parts; want %d", n, len(sizes), want)
		}
	}
}
