package evaluation

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// computable lists the small cells (1 to minGroup-1 answers) that publish
// shows, or that follow from the count and the cells it shows: a left-out
// cell is computable when it is the only one left out, for every
// distribution of total answers over cells.
func computable(cells, total, minGroup int, publish func([]ValueCount, int) []ValueCount) []string {
	var out []string
	var walk func(prefix []int, left int)
	walk = func(prefix []int, left int) {
		if len(prefix) < cells-1 {
			for c := 0; c <= left; c++ {
				walk(append(prefix, c), left-c)
			}
			return
		}
		counts := append(append([]int{}, prefix...), left)
		dist := make([]ValueCount, cells)
		for i, c := range counts {
			dist[i] = ValueCount{Value: strconv.Itoa(i), Count: c}
		}
		shown := publish(dist, minGroup)
		rest, sum := len(dist)-len(shown), 0
		for _, c := range shown {
			sum += c.Count
			if c.Count >= 1 && c.Count < minGroup {
				out = append(out, fmt.Sprintf("%v shows %s: %d", counts, c.Value, c.Count))
			}
		}
		if left := total - sum; rest == 1 && left >= 1 && left < minGroup {
			out = append(out, fmt.Sprintf("%v shows %v: the one left out is %d", counts, shown, left))
		}
	}
	walk(nil, total)
	return out
}

// No small cell is shown or follows from the count and the cells shown, for
// any distribution of up to 9 answers over 2 to 4 values; the checker itself
// finds the leak of leaving out small cells alone.
func TestWithoutSmallCellsShowsNoSmallCell(t *testing.T) {
	onlySmall := func(cells []ValueCount, minGroup int) []ValueCount {
		var out []ValueCount
		for _, c := range cells {
			if c.Count >= minGroup {
				out = append(out, c)
			}
		}
		return out
	}
	if leaks := computable(2, 4, 3, onlySmall); len(leaks) == 0 {
		t.Fatalf("checker: got no leak from leaving out small cells alone; want some")
	}
	rule := func(cells []ValueCount, minGroup int) []ValueCount {
		shown, _ := withoutSmallCells(cells, minGroup)
		return shown
	}
	for cells := 2; cells <= 4; cells++ {
		for minGroup := 2; minGroup <= 4; minGroup++ {
			for total := minGroup; total <= 9; total++ {
				if leaks := computable(cells, total, minGroup, rule); len(leaks) > 0 {
					t.Errorf("%d cells, %d answers, minGroupSize %d: got %d small cells computable, e.g. %s; want none", cells, total, minGroup, len(leaks), leaks[0])
				}
			}
		}
	}
}

// For callers without full figures, no question type shows a cell below
// minGroupSize, nor a mean or median once a cell holding answers is left
// out; admins and analysts see every cell.
func TestTallyLeavesOutSmallCells(t *testing.T) {
	now := time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	e := Evaluation{ID: "e1", MinGroupSize: 3, Audience: audience(8), Published: true, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour),
		Questions: []Question{scaleQ, singleQ, multiQ, numberQ, textQ}}
	sent := responsesOf(
		Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data", "decisions"}, "officials": 10.0, "lessons": "a"},
		Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data"}, "officials": 10.0, "lessons": "b"},
		Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data"}, "officials": 10.0, "lessons": "c"},
		Answers{"satisfaction": 5.0, "format": "conference", "topics": []any{"participation"}, "officials": 3.0},
		Answers{"satisfaction": 5.0, "format": "conference", "topics": []any{"participation"}, "officials": 3.0},
		Answers{"satisfaction": 5.0, "format": "conference", "topics": []any{"participation"}, "officials": 3.0},
		Answers{"satisfaction": 1.0, "format": "knowledge session", "topics": []any{"publication"}, "officials": 7.0},
	)
	tests := []struct {
		key       string
		wantShown []string // values shown to others, in order
		wantStats bool
	}{
		// One answer on 1 goes with the empty points 2 and 3: three
		// cells share the one answer, so none can be computed.
		{"satisfaction", []string{"4", "5"}, false},
		// One answer alone would follow from the count: the smallest
		// shown cell (the first of equals) goes with it.
		{"format", []string{"conference"}, false},
		// One selection of decisions and one of publication: both go.
		{"topics", []string{"open data", "participation"}, false},
		{"officials", []string{"10"}, false},
		{"lessons", nil, false},
	}
	public := Tally(e, sent, now, false)
	full := Tally(e, sent, now, true)
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			q := byKey(t, public, tt.key)
			if q.Suppressed || q.Count != byKey(t, full, tt.key).Count {
				t.Errorf("got suppressed %v, count %d; want shown with the full count", q.Suppressed, q.Count)
			}
			var got []string
			for _, c := range q.Distribution {
				if c.Count < e.MinGroupSize {
					t.Errorf("cell %q: got count %d shown; want none below %d", c.Value, c.Count, e.MinGroupSize)
				}
				got = append(got, c.Value)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantShown) {
				t.Errorf("shown values: got %v; want %v", got, tt.wantShown)
			}
			if (q.Mean != nil || q.Median != nil) != tt.wantStats {
				t.Errorf("mean, median: got %v, %v; want shown %v", q.Mean, q.Median, tt.wantStats)
			}
			f := byKey(t, full, tt.key)
			if tt.key != "lessons" && (len(f.Distribution) <= len(q.Distribution)) {
				t.Errorf("full: got %d cells; want more than the %d shown to others", len(f.Distribution), len(q.Distribution))
			}
		})
	}
}

// Cells with no answer go like any small cell, but leave mean and median.
func TestTallyKeepsStatsWhenOnlyEmptyCellsGo(t *testing.T) {
	now := time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	e := Evaluation{ID: "e1", MinGroupSize: 2, Audience: audience(4), Published: true, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour),
		Questions: []Question{scaleQ}}
	r := Tally(e, responsesOf(Answers{"satisfaction": 2.0}, Answers{"satisfaction": 2.0}, Answers{"satisfaction": 3.0}, Answers{"satisfaction": 3.0}), now, false)
	q := byKey(t, r, "satisfaction")
	if got := fmt.Sprint(q.Distribution); got != "[{2 2} {3 2}]" {
		t.Errorf("distribution: got %s; want [{2 2} {3 2}]", got)
	}
	if q.Mean == nil || *q.Mean != 2.5 || q.Median == nil || *q.Median != 2.5 {
		t.Errorf("mean, median: got %v, %v; want 2.5, 2.5", q.Mean, q.Median)
	}
}
