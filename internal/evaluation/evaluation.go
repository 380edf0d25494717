// Package evaluation holds the network's surveys, such as the interim
// evaluation among participating municipalities: typed questions, one
// response per organisation, validated answers, pseudonymised raw data and
// results that suppress small groups.
package evaluation

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// QuestionType is the kind of answer a question takes.
type QuestionType string

const (
	Scale          QuestionType = "scale"
	SingleChoice   QuestionType = "single-choice"
	MultipleChoice QuestionType = "multiple-choice"
	Text           QuestionType = "text"
	Number         QuestionType = "number"
)

var questionTypes = []QuestionType{Scale, SingleChoice, MultipleChoice, Text, Number}

// MaxScalePoints bounds a scale, whose results list every point, and
// MaxScaleValue its ends.
const (
	MaxScalePoints = 101
	MaxScaleValue  = 1000000
)

// DefaultMaxLength is the longest text answer when a question sets none.
const DefaultMaxLength = 2000

// Question is one question of an evaluation.
type Question struct {
	Key           string
	Type          QuestionType
	Text          string
	Required      bool
	Min, Max      *float64
	Labels        map[string]string
	Options       []string
	MinSelections int
	MaxSelections int // 0: as many as there are options
	MaxLength     int // 0: DefaultMaxLength
}

// Status follows from publication and the window.
type Status string

const (
	Draft  Status = "draft"
	Open   Status = "open"
	Closed Status = "closed"
)

var statuses = []Status{Draft, Open, Closed}

// Evaluation is a survey among member organisations.
type Evaluation struct {
	ID            string
	Title         string
	Description   string
	MilestoneID   string
	OpensAt       time.Time
	ClosesAt      time.Time
	Published     bool
	Audience      []organisation.Ref
	MinGroupSize  int
	Questions     []Question
	ResponseCount int
	Example       bool
	Version       domain.Version
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RecordID, RecordVersion and Revised let the write path store an evaluation.
func (e Evaluation) RecordID() string              { return e.ID }
func (e Evaluation) RecordVersion() domain.Version { return e.Version }
func (e Evaluation) Revised(v domain.Version, at time.Time) Evaluation {
	e.Version, e.UpdatedAt = v, at
	return e
}

// StatusAt is the evaluation's status at instant now.
func (e Evaluation) StatusAt(now time.Time) Status {
	switch {
	case !e.Published || now.Before(e.OpensAt):
		return Draft
	case now.Before(e.ClosesAt):
		return Open
	default:
		return Closed
	}
}

// InAudience reports whether organisation id is asked to respond.
func (e Evaluation) InAudience(id string) bool {
	return slices.ContainsFunc(e.Audience, func(o organisation.Ref) bool { return o.ID == id })
}

// Answers are a response's answers by question key, as decoded from JSON:
// float64 for numbers, string, or []any of strings.
type Answers map[string]any

// Response is one organisation's answers.
type Response struct {
	EvaluationID string
	Organisation organisation.Ref
	Answers      Answers
	SubmittedAt  time.Time
	UpdatedAt    time.Time
}

var questionKey = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// checkQuestions reports every problem with the question definitions.
func checkQuestions(qs []Question, p *domain.Problems) {
	if len(qs) == 0 {
		p.Add("questions", "ask at least one question")
	}
	seen := map[string]bool{}
	for i, q := range qs {
		f := fmt.Sprintf("questions[%d]", i)
		switch {
		case !questionKey.MatchString(q.Key):
			p.Add(f+".key", "must be lowercase letters and digits with single hyphens")
		case seen[q.Key]:
			p.Add(f+".key", fmt.Sprintf("%q is used by another question", q.Key))
		}
		seen[q.Key] = true
		if strings.TrimSpace(q.Text) == "" {
			p.Add(f+".text", "must not be empty")
		}
		switch q.Type {
		case Scale:
			if q.Min == nil || q.Max == nil || *q.Min != math.Trunc(*q.Min) || *q.Max != math.Trunc(*q.Max) || *q.Min >= *q.Max {
				p.Add(f+".max", "a scale needs whole-number min and max, min below max")
			} else if math.Abs(*q.Min) > MaxScaleValue || math.Abs(*q.Max) > MaxScaleValue {
				p.Add(f+".max", fmt.Sprintf("a scale's points lie between -%d and %d", MaxScaleValue, MaxScaleValue))
			} else if *q.Max-*q.Min > MaxScalePoints-1 {
				p.Add(f+".max", fmt.Sprintf("a scale has at most %d points; use a number question for more", MaxScalePoints))
			}
		case Number:
			if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
				p.Add(f+".max", "must not be below min")
			}
		case SingleChoice, MultipleChoice:
			if len(q.Options) < 2 {
				p.Add(f+".options", "offer at least two options")
			}
			for j, o := range q.Options {
				if slices.Index(q.Options, o) != j {
					p.Add(fmt.Sprintf("%s.options[%d]", f, j), "appears twice")
				}
			}
			if q.Type == MultipleChoice {
				if q.MaxSelections != 0 && q.MaxSelections > len(q.Options) {
					p.Add(f+".maxSelections", "must not exceed the number of options")
				}
				if q.MaxSelections != 0 && q.MinSelections > q.MaxSelections {
					p.Add(f+".minSelections", "must not exceed maxSelections")
				} else if q.MinSelections > len(q.Options) {
					p.Add(f+".minSelections", "must not exceed the number of options")
				}
			}
		case Text:
		default:
			p.Add(f+".type", "must be one of "+domain.OneOf(questionTypes))
		}
	}
}

// Check validates answers against the questions and reports every problem
// at once, each named answers.<key>.
func Check(qs []Question, answers Answers) error {
	var p domain.Problems
	byKey := map[string]Question{}
	for _, q := range qs {
		byKey[q.Key] = q
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := byKey[k]; !ok {
			p.Add("answers."+k, "is not a question of this evaluation")
		}
	}
	for _, q := range qs {
		name := "answers." + q.Key
		v, given := answers[q.Key]
		if !given || v == nil {
			if q.Required {
				p.Add(name, "is required")
			}
			continue
		}
		if reason := checkAnswer(q, v); reason != "" {
			p.Add(name, reason)
		}
	}
	return p.Err()
}

func checkAnswer(q Question, v any) string {
	switch q.Type {
	case Scale, Number:
		n, ok := v.(float64)
		if !ok {
			return "must be a number"
		}
		if q.Type == Scale && n != math.Trunc(n) {
			return "must be a whole number on the scale"
		}
		if q.Min != nil && n < *q.Min {
			return "must be at least " + formatNumber(*q.Min)
		}
		if q.Max != nil && n > *q.Max {
			return "must be at most " + formatNumber(*q.Max)
		}
	case SingleChoice:
		s, ok := v.(string)
		if !ok || !slices.Contains(q.Options, s) {
			return "must be one of the options: " + domain.OneOf(q.Options)
		}
	case MultipleChoice:
		list, ok := v.([]any)
		if !ok {
			return "must be a list of options"
		}
		seen := map[string]bool{}
		for _, item := range list {
			s, ok := item.(string)
			if !ok || !slices.Contains(q.Options, s) {
				return "must hold only the options: " + strings.Join(q.Options, ", ")
			}
			if seen[s] {
				return fmt.Sprintf("names %q twice", s)
			}
			seen[s] = true
		}
		if len(list) < q.MinSelections {
			return fmt.Sprintf("choose at least %d", q.MinSelections)
		}
		if q.MaxSelections > 0 && len(list) > q.MaxSelections {
			return fmt.Sprintf("choose at most %d", q.MaxSelections)
		}
	case Text:
		s, ok := v.(string)
		if !ok {
			return "must be text"
		}
		limit := q.MaxLength
		if limit == 0 {
			limit = DefaultMaxLength
		}
		if utf8.RuneCountInString(s) > limit {
			return fmt.Sprintf("must be at most %d characters", limit)
		}
	}
	return ""
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ValueCount is how often a value was given.
type ValueCount struct {
	Value string
	Count int
}

// QuestionResult is the tally of one question.
type QuestionResult struct {
	Question     Question
	Count        int
	Suppressed   bool
	Distribution []ValueCount
	Mean, Median *float64
}

// Results are the tallied responses.
type Results struct {
	EvaluationID string
	Status       Status
	AudienceSize int
	Responses    int
	ResponseRate float64
	MinGroupSize int
	Questions    []QuestionResult
}

// Tally computes the results; unless full, figures resting on fewer than
// minGroupSize answers are suppressed: whole questions, and single cells of
// a distribution (see withoutSmallCells).
func Tally(e Evaluation, responses []Response, now time.Time, full bool) Results {
	responses = slices.DeleteFunc(slices.Clone(responses), func(r Response) bool { return !e.InAudience(r.Organisation.ID) })
	r := Results{EvaluationID: e.ID, Status: e.StatusAt(now), AudienceSize: len(e.Audience), Responses: len(responses), MinGroupSize: e.MinGroupSize}
	if r.AudienceSize > 0 {
		r.ResponseRate = float64(r.Responses) / float64(r.AudienceSize)
	}
	for _, q := range e.Questions {
		qr := QuestionResult{Question: q}
		counts := map[string]int{}
		var numbers []float64
		for _, resp := range responses {
			v, ok := resp.Answers[q.Key]
			if !ok || v == nil {
				continue
			}
			qr.Count++
			switch x := v.(type) {
			case float64:
				numbers = append(numbers, x)
				counts[formatNumber(x)]++
			case string:
				if q.Type != Text {
					counts[x]++
				}
			case []any:
				for _, item := range x {
					if s, ok := item.(string); ok {
						counts[s]++
					}
				}
			}
		}
		if !full && qr.Count < e.MinGroupSize {
			qr.Suppressed = true
			r.Questions = append(r.Questions, qr)
			continue
		}
		qr.Distribution = distribution(q, counts)
		hidden := false
		if !full {
			qr.Distribution, hidden = withoutSmallCells(qr.Distribution, e.MinGroupSize)
		}
		// With cells left out, a mean or median would let them be solved for.
		if len(numbers) > 0 && !hidden {
			mean, median := stats(numbers)
			qr.Mean, qr.Median = &mean, &median
		}
		r.Questions = append(r.Questions, qr)
	}
	return r
}

// distribution lists counts in the question's own order: options as
// defined, scale points from min to max, numbers ascending.
func distribution(q Question, counts map[string]int) []ValueCount {
	var values []string
	switch q.Type {
	case SingleChoice, MultipleChoice:
		values = q.Options
	case Scale:
		for i := 0; i <= int(*q.Max-*q.Min); i++ {
			values = append(values, formatNumber(*q.Min+float64(i)))
		}
	case Number:
		for v := range counts {
			values = append(values, v)
		}
		sort.Slice(values, func(i, j int) bool {
			a, _ := strconv.ParseFloat(values[i], 64)
			b, _ := strconv.ParseFloat(values[j], 64)
			return a < b
		})
	default:
		return nil
	}
	out := make([]ValueCount, len(values))
	for i, v := range values {
		out[i] = ValueCount{Value: v, Count: counts[v]}
	}
	return out
}

// withoutSmallCells leaves out every cell below minGroup, and reports
// whether any left out holds an answer. The count is shown, so the left-out
// cells' total can be computed: when that pins them (a single cell, or every
// one at minGroup-1) the smallest shown cell goes too.
func withoutSmallCells(cells []ValueCount, minGroup int) ([]ValueCount, bool) {
	if minGroup <= 1 || cells == nil {
		return cells, false
	}
	hide := make([]bool, len(cells))
	n, total := 0, 0
	for i, c := range cells {
		if c.Count < minGroup {
			hide[i], n, total = true, n+1, total+c.Count
		}
	}
	if total > 0 && (n == 1 || total == n*(minGroup-1)) {
		smallest := -1
		for i, c := range cells {
			if !hide[i] && (smallest < 0 || c.Count < cells[smallest].Count) {
				smallest = i
			}
		}
		if smallest >= 0 {
			hide[smallest] = true
		}
	}
	shown := make([]ValueCount, 0, len(cells))
	for i, c := range cells {
		if !hide[i] {
			shown = append(shown, c)
		}
	}
	return shown, total > 0
}

func stats(xs []float64) (mean, median float64) {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	// A running mean, and halves before adding: no sum of large answers overflows.
	for i, x := range sorted {
		n := float64(i + 1)
		mean += x/n - mean/n
	}
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		median = sorted[mid]
	} else {
		median = sorted[mid-1]/2 + sorted[mid]/2
	}
	return mean, median
}

// FreeTextHidden returns the answers without text answers.
func FreeTextHidden(qs []Question, a Answers) Answers {
	out := Answers{}
	for _, q := range qs {
		if v, ok := a[q.Key]; ok && q.Type != Text {
			out[q.Key] = v
		}
	}
	return out
}
