package domain_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestItems(t *testing.T) {
	pages := map[string]domain.Page[int]{"": {Items: []int{1, 2}, Next: "b"}, "b": {Items: []int{3}, Next: "c"}, "c": {Items: []int{4}}}
	boom := errors.New("database gone")
	tests := []struct {
		name     string
		failAt   string // the cursor whose page fails
		stopAt   int    // the item after which the reader stops; 0 reads on
		want     []int
		wantErr  error
		wantRead []string
	}{
		{"every item of every page", "", 0, []int{1, 2, 3, 4}, nil, []string{"", "b", "c"}},
		{"stops when the reader does, reading no further page", "", 2, []int{1, 2}, nil, []string{""}},
		{"an error ends it", "b", 0, []int{1, 2}, boom, []string{"", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var read []string
			list := func(cursor string) (domain.Page[int], error) {
				read = append(read, cursor)
				if tt.failAt != "" && cursor == tt.failAt {
					return domain.Page[int]{}, boom
				}
				return pages[cursor], nil
			}
			var got []int
			var err error
			for item, e := range domain.Items(list) {
				if e != nil {
					err = e
					break
				}
				got = append(got, item)
				if item == tt.stopAt {
					break
				}
			}
			if !slices.Equal(got, tt.want) || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("got %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
			if !slices.Equal(read, tt.wantRead) {
				t.Errorf("got pages read %q; want %q", read, tt.wantRead)
			}
		})
	}
}
