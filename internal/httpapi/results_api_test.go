package httpapi_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// checkNoSmallCells fails on a shown cell below minGroupSize, a lone left-out
// cell of a scale or choice whose count follows from the total, and a mean
// or median beside left-out answers.
func checkNoSmallCells(t *testing.T, who string, r api.EvaluationResults, options map[string]int) {
	t.Helper()
	for _, q := range r.Questions {
		if q.Suppressed {
			continue
		}
		shown := 0
		for _, c := range apptest.Deref(q.Distribution) {
			if c.Count < r.MinGroupSize {
				t.Errorf("%s, %s: got cell %q of %d shown; want none below %d", who, q.Key, c.Value, c.Count, r.MinGroupSize)
			}
			shown += c.Count
		}
		if q.Type == api.Text || q.Type == api.MultipleChoice || shown == q.Count {
			continue
		}
		if q.Mean != nil || q.Median != nil {
			t.Errorf("%s, %s: got mean %v, median %v beside %d left-out answers; want none", who, q.Key, q.Mean, q.Median, q.Count-shown)
		}
		if n, ok := options[q.Key]; ok && n-len(apptest.Deref(q.Distribution)) < 2 {
			t.Errorf("%s, %s: got one cell left out of %d; want two at least (the count gives it away)", who, q.Key, n)
		}
	}
}

// Anonymous callers and others without full figures see no cell below
// minGroupSize of the demo's closed evaluation; analysts still see them all.
func TestDemoResultsHideSmallCells(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	path := "/v1/evaluations/" + f.Evaluation + "/results"
	var full api.EvaluationResults
	f.Do(t, "GET", path, nil, apptest.Headers(f.Analyst)).JSON(t, &full)
	small := 0
	for _, q := range full.Questions {
		for _, c := range apptest.Deref(q.Distribution) {
			if c.Count > 0 && c.Count < full.MinGroupSize {
				small++
			}
		}
	}
	if small == 0 {
		t.Fatalf("demo: got no small cell for the analyst; want some, or this test proves nothing")
	}
	for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"member", f.Member}, {"editor", f.Editor}} {
		res := f.Do(t, "GET", path, nil, apptest.Headers(who.token))
		if res.StatusCode != 200 {
			t.Fatalf("%s: got %d (%s); want 200", who.name, res.StatusCode, res.Body)
		}
		var r api.EvaluationResults
		res.JSON(t, &r)
		checkNoSmallCells(t, who.name, r, nil)
	}
}

// Every question type, anonymously: small cells go, with a second cell when
// one alone would follow from the count; mean and median go with them.
func TestResultsHideSmallCellsEveryType(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	ev, _ := e.create(t, evBody("Small cells", true, "GM0606", "GM0344", "GM0999", "leoo"))
	for _, a := range []struct {
		org string
		ans evaluation.Answers
	}{
		{"GM0606", evaluation.Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data"}, "officials": 3.0, "lessons": "x"}},
		{"GM0344", evaluation.Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data", "publication"}, "officials": 3.0, "lessons": "y"}},
		{"GM0999", evaluation.Answers{"satisfaction": 4.0, "format": "lab", "topics": []any{"open data"}, "officials": 3.0, "lessons": "z"}},
		{"leoo", evaluation.Answers{"satisfaction": 1.0, "format": "conference", "topics": []any{"participation"}, "officials": 8.0, "lessons": "w"}},
	} {
		e.answer(t, ev.ID.String(), a.org, a.ans)
	}
	var r api.EvaluationResults
	e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results", nil, nil).JSON(t, &r)
	checkNoSmallCells(t, "anonymous", r, map[string]int{"satisfaction": 5, "format": 3})
	for _, q := range r.Questions {
		if q.Suppressed || q.Count != 4 && q.Key != "lessons" {
			t.Errorf("%s: got suppressed %v, count %d; want shown, 4", q.Key, q.Suppressed, q.Count)
		}
	}
	var full api.EvaluationResults
	e.Do(t, "GET", "/v1/evaluations/"+ev.ID.String()+"/results", nil, apptest.Headers(e.analyst)).JSON(t, &full)
	for _, q := range full.Questions {
		if q.Key == "satisfaction" && (len(apptest.Deref(q.Distribution)) != 5 || q.Mean == nil) {
			t.Errorf("analyst, satisfaction: got %v, mean %v; want all 5 points and a mean", apptest.Deref(q.Distribution), q.Mean)
		}
	}
}
