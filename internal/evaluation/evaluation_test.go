package evaluation

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

func num(f float64) *float64 { return &f }

// problems returns the invalid fields err carries, failing unless it is an
// invalid-input error.
func problems(t *testing.T, err error) []domain.FieldError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error; want invalid input")
	}
	var e *domain.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %T %v; want *domain.Error", err, err)
	}
	if e.Code != domain.CodeInvalid {
		t.Fatalf("got code %q (%v); want %q", e.Code, err, domain.CodeInvalid)
	}
	return e.Fields
}

func names(fields []domain.FieldError) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

// The questions of the interim evaluation, one of every kind.
var (
	scaleQ    = Question{Key: "satisfaction", Type: Scale, Text: "How useful are the meetings?", Min: num(1), Max: num(5)}
	singleQ   = Question{Key: "format", Type: SingleChoice, Text: "Which form helps most?", Options: []string{"lab", "knowledge session", "conference"}}
	multiQ    = Question{Key: "topics", Type: MultipleChoice, Text: "Which topics next?", Options: []string{"open data", "participation", "publication", "decisions"}, MinSelections: 1, MaxSelections: 3}
	multiAnyQ = Question{Key: "channels", Type: MultipleChoice, Text: "Which channels?", Options: []string{"mail", "site", "magazine"}}
	textQ     = Question{Key: "lessons", Type: Text, Text: "What did you learn?", MaxLength: 10}
	longTextQ = Question{Key: "notes", Type: Text, Text: "Anything else?"}
	numberQ   = Question{Key: "officials", Type: Number, Text: "How many officials took part?", Min: num(0), Max: num(1000)}
	freeNumQ  = Question{Key: "balance", Type: Number, Text: "Any number"}
)

// absent marks an answer that is not in the response at all.
type absentT struct{}

var absent = absentT{}

func TestCheckAnswerPerQuestionType(t *testing.T) {
	tests := []struct {
		name   string
		q      Question
		answer any    // absent: key left out
		want   string // part of the reason; "" when valid
	}{
		// scale 1..5
		{"scale: lowest point", scaleQ, 1.0, ""},
		{"scale: highest point", scaleQ, 5.0, ""},
		{"scale: middle", scaleQ, 3.0, ""},
		{"scale: string of a number", scaleQ, "4", "must be a number"},
		{"scale: boolean", scaleQ, true, "must be a number"},
		{"scale: list", scaleQ, []any{4.0}, "must be a number"},
		{"scale: fraction", scaleQ, 3.5, "whole number"},
		{"scale: below min", scaleQ, 0.0, "at least 1"},
		{"scale: above max", scaleQ, 6.0, "at most 5"},
		{"scale: far below min", scaleQ, -100.0, "at least 1"},

		// single choice
		{"single: an option", singleQ, "lab", ""},
		{"single: another option", singleQ, "knowledge session", ""},
		{"single: not an option", singleQ, "webinar", "one of the options"},
		{"single: options are case-sensitive", singleQ, "Lab", "one of the options"},
		{"single: empty string", singleQ, "", "one of the options"},
		{"single: a number, not a string", singleQ, 1.0, "one of the options"},
		{"single: a list, not a string", singleQ, []any{"lab"}, "one of the options"},

		// multiple choice, 1 to 3 of 4
		{"multiple: one option", multiQ, []any{"open data"}, ""},
		{"multiple: maxSelections options", multiQ, []any{"open data", "participation", "decisions"}, ""},
		{"multiple: a string, not a list", multiQ, "open data", "must be a list"},
		{"multiple: a number, not a list", multiQ, 2.0, "must be a list"},
		{"multiple: an object, not a list", multiQ, map[string]any{"open data": true}, "must be a list"},
		{"multiple: unknown option", multiQ, []any{"open data", "webinars"}, "only the options"},
		{"multiple: a number among the options", multiQ, []any{"open data", 1.0}, "only the options"},
		{"multiple: duplicate", multiQ, []any{"participation", "participation"}, "twice"},
		{"multiple: fewer than minSelections", multiQ, []any{}, "at least 1"},
		{"multiple: more than maxSelections", multiQ, []any{"open data", "participation", "publication", "decisions"}, "at most 3"},
		{"multiple: no maxSelections allows every option", multiAnyQ, []any{"mail", "site", "magazine"}, ""},
		{"multiple: no minSelections allows none", multiAnyQ, []any{}, ""},

		// text, at most 10 characters
		{"text: short", textQ, "open data", ""},
		{"text: exactly maxLength", textQ, "0123456789", ""},
		{"text: maxLength counts characters, not bytes", textQ, strings.Repeat("é", 10), ""},
		{"text: longer than maxLength", textQ, "0123456789a", "at most 10 characters"},
		{"text: longer than maxLength in characters", textQ, strings.Repeat("é", 11), "at most 10 characters"},
		{"text: a number, not a string", textQ, 5.0, "must be text"},
		{"text: a list, not a string", textQ, []any{"a"}, "must be text"},
		{"text: default maxLength reached", longTextQ, strings.Repeat("ж", DefaultMaxLength), ""},
		{"text: default maxLength exceeded", longTextQ, strings.Repeat("ж", DefaultMaxLength+1), "at most 2000 characters"},

		// number 0..1000
		{"number: min", numberQ, 0.0, ""},
		{"number: max", numberQ, 1000.0, ""},
		{"number: a fraction is a number", numberQ, 2.5, ""},
		{"number: string", numberQ, "3", "must be a number"},
		{"number: boolean", numberQ, false, "must be a number"},
		{"number: below min", numberQ, -1.0, "at least 0"},
		{"number: just above max", numberQ, 1000.5, "at most 1000"},
		{"number: without bounds takes anything", freeNumQ, -1e9, ""},

		// required and optional
		{"required: missing", withRequired(scaleQ), absent, "is required"},
		{"required: null", withRequired(scaleQ), nil, "is required"},
		{"required: given", withRequired(scaleQ), 2.0, ""},
		{"required text: missing", withRequired(textQ), absent, "is required"},
		{"required multiple: null", withRequired(multiQ), nil, "is required"},
		{"optional: missing", scaleQ, absent, ""},
		{"optional: null", singleQ, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := Answers{}
			if tt.answer != absent {
				answers[tt.q.Key] = tt.answer
			}
			err := Check([]Question{tt.q}, answers)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check(%v): got %v; want no error", tt.answer, err)
				}
				return
			}
			fields := problems(t, err)
			if got, want := names(fields), []string{"answers." + tt.q.Key}; !reflect.DeepEqual(got, want) {
				t.Fatalf("Check(%v) fields: got %v; want %v", tt.answer, got, want)
			}
			if !strings.Contains(fields[0].Reason, tt.want) {
				t.Errorf("Check(%v) reason: got %q; want it to contain %q", tt.answer, fields[0].Reason, tt.want)
			}
		})
	}
}

func withRequired(q Question) Question {
	q.Required = true
	return q
}

func TestCheckUnknownQuestionKey(t *testing.T) {
	qs := []Question{scaleQ, singleQ}
	err := Check(qs, Answers{"satisfaction": 4.0, "bogus": "x", "Format": "lab"})
	fields := problems(t, err)
	got := names(fields)
	sort.Strings(got)
	if want := []string{"answers.Format", "answers.bogus"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fields: got %v; want %v", got, want)
	}
	for _, f := range fields {
		if !strings.Contains(f.Reason, "not a question") {
			t.Errorf("reason of %s: got %q; want it to say it is not a question", f.Name, f.Reason)
		}
	}
}

// Every problem of a response comes back in one error, each named after its
// answer; valid answers are not named.
func TestCheckAnswersReportsEveryProblemAtOnce(t *testing.T) {
	qs := []Question{withRequired(scaleQ), singleQ, multiQ, textQ, withRequired(numberQ), longTextQ, freeNumQ}
	answers := Answers{
		"satisfaction": 7.0,                             // above max
		"format":       "webinar",                       // not an option
		"topics":       []any{"open data", "open data"}, // duplicate
		"lessons":      "far too long for ten",          // too long
		// officials: required, missing
		"notes":   "fine",  // valid
		"balance": 12.0,    // valid
		"extra":   "hello", // unknown
	}
	fields := problems(t, Check(qs, answers))
	got := names(fields)
	sort.Strings(got)
	want := []string{"answers.extra", "answers.format", "answers.lessons", "answers.officials", "answers.satisfaction", "answers.topics"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields: got %v; want %v", got, want)
	}
	for _, f := range fields {
		if strings.TrimSpace(f.Reason) == "" {
			t.Errorf("%s: got an empty reason; want one", f.Name)
		}
	}
	// A response that fixes every problem passes.
	answers = Answers{"satisfaction": 5.0, "format": "lab", "topics": []any{"open data"}, "lessons": "short", "officials": 3.0}
	if err := Check(qs, answers); err != nil {
		t.Errorf("fixed response: got %v; want no error", err)
	}
}

func TestCheckQuestions(t *testing.T) {
	valid := []Question{scaleQ, singleQ, multiQ, multiAnyQ, textQ, longTextQ, numberQ, freeNumQ}
	tests := []struct {
		name string
		qs   []Question
		want []string // problem names; nil when valid
	}{
		{"every kind, valid", valid, nil},
		{"no questions", nil, []string{"questions"}},
		{"duplicate key", []Question{scaleQ, {Key: "satisfaction", Type: Text, Text: "Again"}}, []string{"questions[1].key"}},
		{"key with capitals and spaces", []Question{{Key: "Bad Key", Type: Text, Text: "x"}}, []string{"questions[0].key"}},
		{"empty key", []Question{{Key: "", Type: Text, Text: "x"}}, []string{"questions[0].key"}},
		{"key with a double hyphen", []Question{{Key: "a--b", Type: Text, Text: "x"}}, []string{"questions[0].key"}},
		{"blank text", []Question{{Key: "a", Type: Text, Text: "  "}}, []string{"questions[0].text"}},
		{"unknown type", []Question{{Key: "a", Type: "date", Text: "x"}}, []string{"questions[0].type"}},
		{"scale without min", []Question{{Key: "a", Type: Scale, Text: "x", Max: num(5)}}, []string{"questions[0].max"}},
		{"scale without max", []Question{{Key: "a", Type: Scale, Text: "x", Min: num(1)}}, []string{"questions[0].max"}},
		{"scale without min and max", []Question{{Key: "a", Type: Scale, Text: "x"}}, []string{"questions[0].max"}},
		{"scale with a fractional bound", []Question{{Key: "a", Type: Scale, Text: "x", Min: num(0.5), Max: num(5)}}, []string{"questions[0].max"}},
		{"scale with min equal to max", []Question{{Key: "a", Type: Scale, Text: "x", Min: num(3), Max: num(3)}}, []string{"questions[0].max"}},
		{"scale with min above max", []Question{{Key: "a", Type: Scale, Text: "x", Min: num(5), Max: num(1)}}, []string{"questions[0].max"}},
		// Its results would list every point of the scale: a trillion.
		{"scale with an unbounded range", []Question{{Key: "a", Type: Scale, Text: "x", Min: num(0), Max: num(1e12)}}, []string{"questions[0].max"}},
		{"number with min above max", []Question{{Key: "a", Type: Number, Text: "x", Min: num(10), Max: num(1)}}, []string{"questions[0].max"}},
		{"number with min equal to max", []Question{{Key: "a", Type: Number, Text: "x", Min: num(1), Max: num(1)}}, nil},
		{"number with min only", []Question{{Key: "a", Type: Number, Text: "x", Min: num(1)}}, nil},
		{"single choice without options", []Question{{Key: "a", Type: SingleChoice, Text: "x"}}, []string{"questions[0].options"}},
		{"single choice with one option", []Question{{Key: "a", Type: SingleChoice, Text: "x", Options: []string{"yes"}}}, []string{"questions[0].options"}},
		{"multiple choice with one option", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"yes"}}}, []string{"questions[0].options"}},
		{"duplicate option", []Question{{Key: "a", Type: SingleChoice, Text: "x", Options: []string{"yes", "no", "yes"}}}, []string{"questions[0].options[2]"}},
		{"two options, the same", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"yes", "yes"}}}, []string{"questions[0].options[1]"}},
		{"maxSelections over the number of options", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"a", "b"}, MaxSelections: 3}}, []string{"questions[0].maxSelections"}},
		{"maxSelections equal to the number of options", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"a", "b"}, MaxSelections: 2}}, nil},
		{"minSelections over maxSelections", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"a", "b", "c"}, MinSelections: 3, MaxSelections: 2}}, []string{"questions[0].minSelections"}},
		// With no maxSelections the question could never be answered.
		{"minSelections over the number of options", []Question{{Key: "a", Type: MultipleChoice, Text: "x", Options: []string{"a", "b"}, MinSelections: 3}}, []string{"questions[0].minSelections"}},
		{"every problem at once", []Question{
			{Key: "Bad", Type: Scale, Text: ""},
			{Key: "c", Type: SingleChoice, Text: "x", Options: []string{"one"}},
			{Key: "c", Type: MultipleChoice, Text: "x", Options: []string{"a", "a"}, MaxSelections: 3},
		}, []string{"questions[0].key", "questions[0].text", "questions[0].max", "questions[1].options",
			"questions[2].key", "questions[2].options[1]", "questions[2].maxSelections"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p domain.Problems
			checkQuestions(tt.qs, &p)
			err := p.Err()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("checkQuestions: got %v; want no problem", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkQuestions: got no problem; want %v", tt.want)
			}
			got := names(problems(t, err))
			want := slices.Clone(tt.want)
			sort.Strings(got)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problems: got %v; want %v", got, want)
			}
		})
	}
}

func TestEvaluationStatusAt(t *testing.T) {
	opens := time.Date(2019, 9, 2, 7, 0, 0, 0, time.UTC)
	closes := time.Date(2019, 11, 1, 23, 0, 0, 0, time.UTC)
	published := Evaluation{Published: true, OpensAt: opens, ClosesAt: closes}
	unpublished := Evaluation{OpensAt: opens, ClosesAt: closes}
	tests := []struct {
		name string
		e    Evaluation
		now  time.Time
		want Status
	}{
		{"before it opens", published, opens.Add(-time.Second), Draft},
		{"the instant it opens", published, opens, Open},
		{"while open", published, opens.Add(24 * time.Hour), Open},
		{"just before it closes", published, closes.Add(-time.Nanosecond), Open},
		{"the instant it closes", published, closes, Closed},
		{"after it closed", published, closes.Add(time.Hour), Closed},
		{"unpublished within the window", unpublished, opens.Add(time.Hour), Draft},
		{"unpublished after the window", unpublished, closes.Add(time.Hour), Draft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.StatusAt(tt.now); got != tt.want {
				t.Errorf("StatusAt(%s): got %q; want %q", tt.now, got, tt.want)
			}
		})
	}
}

// median and mean are computed here, independently of the package.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func audience(n int) []organisation.Ref {
	out := make([]organisation.Ref, n)
	for i := range out {
		out[i] = organisation.Ref{ID: "org-" + strconv.Itoa(i), Code: "GM010" + strconv.Itoa(i)}
	}
	return out
}

func responsesOf(answers ...Answers) []Response {
	out := make([]Response, len(answers))
	for i, a := range answers {
		out[i] = Response{EvaluationID: "e1", Organisation: organisation.Ref{ID: "org-" + strconv.Itoa(i)}, Answers: a}
	}
	return out
}

func byKey(t *testing.T, r Results, key string) QuestionResult {
	t.Helper()
	for _, q := range r.Questions {
		if q.Question.Key == key {
			return q
		}
	}
	t.Fatalf("no result for question %q", key)
	return QuestionResult{}
}

func counts(d []ValueCount) map[string]int {
	out := map[string]int{}
	for _, v := range d {
		out[v.Value] = v.Count
	}
	return out
}

func values(d []ValueCount) []string {
	out := make([]string, len(d))
	for i, v := range d {
		out[i] = v.Value
	}
	return out
}

// Suppression happens at exactly minGroupSize-1 answers, not at minGroupSize,
// unless the caller sees everything.
func TestTallySuppressesSmallGroups(t *testing.T) {
	now := time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	for _, minGroup := range []int{1, 2, 3, 5} {
		e := Evaluation{ID: "e1", Published: true, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), MinGroupSize: minGroup,
			Audience: audience(10), Questions: []Question{scaleQ, singleQ, multiQ, numberQ, textQ}}
		all := make([]Answers, minGroup)
		for i := range all {
			all[i] = Answers{"satisfaction": float64(i%5 + 1), "format": "lab", "topics": []any{"open data"}, "officials": float64(i), "lessons": "ok"}
		}
		for _, tt := range []struct {
			answers  int
			full     bool
			suppress bool
		}{
			{minGroup - 1, false, true},
			{minGroup - 1, true, false},
			{minGroup, false, false},
			{minGroup, true, false},
		} {
			if tt.answers == 0 {
				continue // nothing to suppress or show
			}
			r := Tally(e, responsesOf(all[:tt.answers]...), now, tt.full)
			for _, q := range r.Questions {
				if q.Count != tt.answers {
					t.Errorf("minGroupSize %d, %d answers, full %v, %s: count got %d; want %d", minGroup, tt.answers, tt.full, q.Question.Key, q.Count, tt.answers)
				}
				if q.Suppressed != tt.suppress {
					t.Errorf("minGroupSize %d, %d answers, full %v, %s: suppressed got %v; want %v", minGroup, tt.answers, tt.full, q.Question.Key, q.Suppressed, tt.suppress)
				}
				if tt.suppress && (q.Distribution != nil || q.Mean != nil || q.Median != nil) {
					t.Errorf("minGroupSize %d, %s suppressed: got distribution %v, mean %v, median %v; want none", minGroup, q.Question.Key, q.Distribution, q.Mean, q.Median)
				}
				hasFigures := q.Question.Type != Text
				// Cells are left out one by one for others (cells_test.go).
				if !tt.suppress && tt.full && hasFigures && len(q.Distribution) == 0 {
					t.Errorf("minGroupSize %d, %d answers, full %v, %s shown: got no distribution; want one", minGroup, tt.answers, tt.full, q.Question.Key)
				}
			}
		}
	}
}

// A question is suppressed on its own count: an optional question that few
// answered is hidden while the others are shown.
func TestTallySuppressesPerQuestion(t *testing.T) {
	now := time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	e := Evaluation{ID: "e1", MinGroupSize: 3, Audience: audience(5), Published: true, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour),
		Questions: []Question{scaleQ, numberQ}}
	r := Tally(e, responsesOf(
		Answers{"satisfaction": 1.0, "officials": 2.0},
		Answers{"satisfaction": 2.0, "officials": nil},
		Answers{"satisfaction": 3.0, "officials": 4.0},
	), now, false)
	if q := byKey(t, r, "satisfaction"); q.Suppressed || q.Count != 3 {
		t.Errorf("satisfaction: got suppressed %v, count %d; want shown, 3", q.Suppressed, q.Count)
	}
	if q := byKey(t, r, "officials"); !q.Suppressed || q.Count != 2 {
		t.Errorf("officials: got suppressed %v, count %d; want suppressed, 2 (a null is no answer)", q.Suppressed, q.Count)
	}
}

func TestEvaluationTallyFigures(t *testing.T) {
	now := time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	e := Evaluation{ID: "e1", MinGroupSize: 3, Audience: audience(6), Published: true, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour),
		Questions: []Question{scaleQ, singleQ, multiQ, numberQ, textQ}}
	sent := []Answers{
		{"satisfaction": 1.0, "format": "lab", "topics": []any{"open data", "participation"}, "officials": 10.0, "lessons": "a"},
		{"satisfaction": 2.0, "format": "lab", "topics": []any{"participation"}, "officials": 9.0},
		{"satisfaction": 5.0, "format": "conference", "topics": []any{"participation", "decisions", "open data"}, "officials": 2.5, "lessons": "b"},
		{"satisfaction": 3.0, "topics": []any{"decisions"}, "officials": 9.0},
	}
	// Full figures: leaving out small cells is cells_test.go's.
	r := Tally(e, responsesOf(sent...), now, true)

	if r.EvaluationID != "e1" || r.Status != Open || r.AudienceSize != 6 || r.Responses != 4 || r.MinGroupSize != 3 {
		t.Errorf("header: got %+v; want e1, open, audience 6, 4 responses, minGroupSize 3", r)
	}
	if want := 4.0 / 6.0; math.Abs(r.ResponseRate-want) > 1e-12 {
		t.Errorf("response rate: got %v; want %v", r.ResponseRate, want)
	}

	// Expectations from what was sent.
	numbers := func(key string) []float64 {
		var out []float64
		for _, a := range sent {
			if v, ok := a[key].(float64); ok {
				out = append(out, v)
			}
		}
		return out
	}
	tally := func(key string) map[string]int {
		out := map[string]int{}
		for _, a := range sent {
			switch v := a[key].(type) {
			case string:
				out[v]++
			case float64:
				out[strconv.FormatFloat(v, 'f', -1, 64)]++
			case []any:
				for _, s := range v {
					out[s.(string)]++
				}
			}
		}
		return out
	}

	t.Run("scale", func(t *testing.T) {
		q := byKey(t, r, "satisfaction")
		xs := numbers("satisfaction")
		if q.Count != len(xs) {
			t.Errorf("count: got %d; want %d", q.Count, len(xs))
		}
		if q.Mean == nil || *q.Mean != mean(xs) {
			t.Errorf("mean: got %v; want %v", q.Mean, mean(xs))
		}
		// An even count: the median is the mean of the middle two.
		if q.Median == nil || *q.Median != median(xs) {
			t.Errorf("median: got %v; want %v", q.Median, median(xs))
		}
		if got, want := values(q.Distribution), []string{"1", "2", "3", "4", "5"}; !reflect.DeepEqual(got, want) {
			t.Errorf("distribution values: got %v; want every scale point in order %v", got, want)
		}
		want := tally("satisfaction")
		want["4"] = 0
		if got := counts(q.Distribution); !reflect.DeepEqual(got, want) {
			t.Errorf("distribution: got %v; want %v", got, want)
		}
	})
	t.Run("number", func(t *testing.T) {
		q := byKey(t, r, "officials")
		xs := numbers("officials")
		if q.Mean == nil || *q.Mean != mean(xs) {
			t.Errorf("mean: got %v; want %v", q.Mean, mean(xs))
		}
		if q.Median == nil || *q.Median != median(xs) {
			t.Errorf("median: got %v; want %v", q.Median, median(xs))
		}
		if got, want := values(q.Distribution), []string{"2.5", "9", "10"}; !reflect.DeepEqual(got, want) {
			t.Errorf("distribution values: got %v; want numerically ascending %v", got, want)
		}
		if got, want := counts(q.Distribution), tally("officials"); !reflect.DeepEqual(got, want) {
			t.Errorf("distribution: got %v; want %v", got, want)
		}
	})
	t.Run("single choice", func(t *testing.T) {
		q := byKey(t, r, "format")
		if q.Count != 3 {
			t.Errorf("count: got %d; want 3 (one left it out)", q.Count)
		}
		if got := values(q.Distribution); !reflect.DeepEqual(got, singleQ.Options) {
			t.Errorf("distribution values: got %v; want the options in order %v", got, singleQ.Options)
		}
		want := tally("format")
		want["knowledge session"] = 0
		if got := counts(q.Distribution); !reflect.DeepEqual(got, want) {
			t.Errorf("distribution: got %v; want %v", got, want)
		}
		if q.Mean != nil || q.Median != nil {
			t.Errorf("mean, median: got %v, %v; want none for a choice", q.Mean, q.Median)
		}
	})
	t.Run("multiple choice", func(t *testing.T) {
		q := byKey(t, r, "topics")
		if q.Count != 4 {
			t.Errorf("count: got %d; want 4 responses", q.Count)
		}
		want := tally("topics")
		want["publication"] = 0
		if got := counts(q.Distribution); !reflect.DeepEqual(got, want) {
			t.Errorf("option counts: got %v; want %v", got, want)
		}
		if got := values(q.Distribution); !reflect.DeepEqual(got, multiQ.Options) {
			t.Errorf("option order: got %v; want %v", got, multiQ.Options)
		}
	})
	t.Run("text", func(t *testing.T) {
		q := byKey(t, r, "lessons")
		if q.Count != 2 || q.Suppressed {
			t.Errorf("count, suppressed: got %d, %v; want 2, false (full figures)", q.Count, q.Suppressed)
		}
		if q.Distribution != nil || q.Mean != nil {
			t.Errorf("text: got distribution %v, mean %v; want none", q.Distribution, q.Mean)
		}
	})
}

func TestEvaluationTallyOddMedianAndEmptyAudience(t *testing.T) {
	now := time.Date(2019, 12, 1, 0, 0, 0, 0, time.UTC)
	e := Evaluation{ID: "e1", MinGroupSize: 1, Published: true, OpensAt: now.Add(-48 * time.Hour), ClosesAt: now.Add(-time.Hour),
		Audience: audience(3), Questions: []Question{scaleQ}}
	xs := []float64{5, 1, 4}
	answers := responsesOf(Answers{"satisfaction": xs[0]}, Answers{"satisfaction": xs[1]}, Answers{"satisfaction": xs[2]})
	r := Tally(e, answers, now, false)
	q := byKey(t, r, "satisfaction")
	if q.Median == nil || *q.Median != median(xs) {
		t.Errorf("median of %v: got %v; want %v", xs, q.Median, median(xs))
	}
	if r.Status != Closed {
		t.Errorf("status: got %q; want closed", r.Status)
	}
	// Responses from organisations outside the audience do not count.
	e.Audience = nil
	r = Tally(e, answers, now, false)
	if r.AudienceSize != 0 || r.Responses != 0 || r.ResponseRate != 0 || math.IsNaN(r.ResponseRate) {
		t.Errorf("empty audience: got size %d, %d responses, rate %v; want 0, 0, 0", r.AudienceSize, r.Responses, r.ResponseRate)
	}
	empty := Tally(Evaluation{ID: "e2", MinGroupSize: 3, Audience: audience(2), Questions: []Question{scaleQ}}, nil, now, true)
	if empty.ResponseRate != 0 || empty.Responses != 0 {
		t.Errorf("no responses: got rate %v, responses %d; want 0, 0", empty.ResponseRate, empty.Responses)
	}
	if q := byKey(t, empty, "satisfaction"); q.Count != 0 || q.Mean != nil || q.Median != nil {
		t.Errorf("no responses: got count %d, mean %v, median %v; want 0 and no figures", q.Count, q.Mean, q.Median)
	}
}

func TestEvaluationFreeTextHidden(t *testing.T) {
	qs := []Question{scaleQ, textQ, multiQ, longTextQ}
	in := Answers{"satisfaction": 4.0, "lessons": "secret", "topics": []any{"open data"}, "notes": nil}
	got := FreeTextHidden(qs, in)
	want := Answers{"satisfaction": 4.0, "topics": []any{"open data"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FreeTextHidden: got %v; want %v", got, want)
	}
	if _, ok := in["lessons"]; !ok {
		t.Errorf("FreeTextHidden changed its input: got %v", in)
	}
}
