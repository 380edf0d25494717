package evaluation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

const secret = "a test secret of at least 32 bytes!!"

// The interim evaluation's window, and a moment inside it.
var (
	opens  = time.Date(2019, 9, 2, 7, 0, 0, 0, time.UTC)
	closes = time.Date(2019, 11, 1, 22, 59, 59, 0, time.UTC) // 23:59:59 in Amsterdam
	during = time.Date(2019, 10, 1, 12, 0, 0, 0, time.UTC)
	after  = time.Date(2019, 11, 2, 9, 0, 0, 0, time.UTC)
)

var (
	admin   = domain.Actor{Subject: "admin-1", Role: domain.RoleAdmin}
	editor  = domain.Actor{Subject: "editor-1", Role: domain.RoleEditor}
	analyst = domain.Actor{Subject: "analyst-1", Role: domain.RoleAnalyst}
	nobody  = domain.Actor{}
)

func memberOf(o organisation.Organisation) domain.Actor {
	return domain.Actor{Subject: "member-" + o.Code, Role: domain.RoleMember, OrganisationID: o.ID}
}

func partnerOf(o organisation.Organisation) domain.Actor {
	return domain.Actor{Subject: "pc_" + o.Code, Role: domain.RolePartner, OrganisationID: o.ID}
}

// fixture is a fresh, migrated database (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set) with five member municipalities, a province, and
// the services on one clock the test sets.
type fixture struct {
	db    *store.DB
	clock *apptest.Clock
	orgs  *organisation.Service
	svc   *evaluation.Service
	ms    *milestone.Service
	// five municipalities, members since 2018
	alpha, beta, gamma, delta, epsilon organisation.Organisation
	province                           organisation.Organisation
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := apptest.Store(t)
	c := apptest.NewClock(during)
	orgs := organisation.NewService(db, c.Now)
	f := &fixture{db: db, clock: c, orgs: orgs,
		svc: evaluation.NewService(db, orgs, c.Now, []byte(secret)),
		ms:  milestone.NewService(db, db, orgs, c.Now)}
	f.alpha = f.org(t, "GM0101", "Municipality of Alpha", organisation.KindMunicipality, apptest.Date(2018, 1, 1), time.Time{})
	f.beta = f.org(t, "GM0102", "Municipality of Beta", organisation.KindMunicipality, apptest.Date(2018, 1, 1), time.Time{})
	f.gamma = f.org(t, "GM0103", "Municipality of Gamma", organisation.KindMunicipality, apptest.Date(2018, 1, 1), time.Time{})
	f.delta = f.org(t, "GM0104", "Municipality of Delta", organisation.KindMunicipality, apptest.Date(2018, 1, 1), time.Time{})
	f.epsilon = f.org(t, "GM0105", "Municipality of Epsilon", organisation.KindMunicipality, apptest.Date(2018, 1, 1), time.Time{})
	f.province = f.org(t, "zeeland", "Province of Zeeland", organisation.KindProvince, apptest.Date(2018, 1, 1), time.Time{})
	return f
}

func (f *fixture) org(t *testing.T, code, name string, kind organisation.Kind, joined, left time.Time) organisation.Organisation {
	t.Helper()
	o, err := f.orgs.Create(apptest.As(domain.System), organisation.Input{Code: code, Name: name, Kind: kind,
		NetworkRole: organisation.RoleMember, JoinedOn: joined, LeftOn: left})
	if err != nil {
		t.Fatalf("create organisation %s: %v", code, err)
	}
	return o
}

// questions returns the interim evaluation's questions, freshly allocated.
func questions() []evaluation.Question {
	one, five, zero, thousand := 1.0, 5.0, 0.0, 1000.0
	return []evaluation.Question{
		{Key: "satisfaction", Type: evaluation.Scale, Text: "How useful are the meetings?", Required: true, Min: &one, Max: &five,
			Labels: map[string]string{"1": "not useful", "5": "very useful"}},
		{Key: "format", Type: evaluation.SingleChoice, Text: "Which form of meeting helps most?", Options: []string{"lab", "knowledge session", "conference"}},
		{Key: "topics", Type: evaluation.MultipleChoice, Text: "Which topics next?", Options: []string{"open data", "participation", "publication"}, MinSelections: 1, MaxSelections: 2},
		{Key: "officials", Type: evaluation.Number, Text: "How many officials took part?", Min: &zero, Max: &thousand},
		{Key: "lessons", Type: evaluation.Text, Text: "What did your municipality learn?", MaxLength: 500},
	}
}

// input is a published evaluation open in the interim window.
func input(title string, audience ...string) evaluation.Input {
	return evaluation.Input{Title: title, Description: "Among the participating municipalities.", OpensAt: opens, ClosesAt: closes,
		Published: true, Audience: audience, MinGroupSize: 3, Questions: questions()}
}

func (f *fixture) create(t *testing.T, in evaluation.Input) evaluation.Evaluation {
	t.Helper()
	e, err := f.svc.Create(apptest.As(editor), in)
	if err != nil {
		t.Fatalf("create evaluation %q: %v", in.Title, err)
	}
	return e
}

func answers(satisfaction float64, lessons string) evaluation.Answers {
	a := evaluation.Answers{"satisfaction": satisfaction, "format": "lab", "topics": []any{"open data"}, "officials": 4.0}
	if lessons != "" {
		a["lessons"] = lessons
	}
	return a
}

func (f *fixture) respond(t *testing.T, e evaluation.Evaluation, o organisation.Organisation, a evaluation.Answers) evaluation.Response {
	t.Helper()
	r, err := f.svc.PutResponse(apptest.As(memberOf(o)), e.ID, o.Code, a)
	if err != nil {
		t.Fatalf("response of %s: %v", o.Code, err)
	}
	return r
}

// stored returns the stored responses by organisation code, read straight from the store.
func (f *fixture) stored(t *testing.T, evaluationID string) map[string][]evaluation.Response {
	t.Helper()
	all, err := f.db.Responses(context.Background(), evaluationID)
	if err != nil {
		t.Fatalf("responses: %v", err)
	}
	out := map[string][]evaluation.Response{}
	for _, r := range all {
		out[r.Organisation.Code] = append(out[r.Organisation.Code], r)
	}
	return out
}

// wantCode reports an error without the code want and lets the test go on,
// unlike apptest.CheckCode, so that a table reports every wrong cell.
func wantCode(t *testing.T, what string, err error, want domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != want {
		t.Errorf("%s: got %q (%v); want %q", what, got, err, want)
	}
}

// 20 members submit for the same organisation at once, and 20 more for four
// organisations: every call succeeds and each organisation has exactly one
// response, holding answers it sent; a later write wins.
func TestConcurrentResponsesKeepOnePerOrganisation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	orgs := []organisation.Organisation{f.alpha, f.beta, f.gamma, f.delta}
	codes := []string{f.alpha.Code, f.beta.Code, f.gamma.Code, f.delta.Code}

	run := func(t *testing.T, e evaluation.Evaluation, orgOf func(i int) organisation.Organisation) {
		t.Helper()
		start := make(chan struct{})
		errs := make([]error, 20)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				o := orgOf(i)
				_, errs[i] = f.svc.PutResponse(apptest.As(memberOf(o)), e.ID, o.Code,
					evaluation.Answers{"satisfaction": float64(i%5 + 1), "topics": []any{"open data"}, "officials": float64(i)})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("submission %d: got error %v; want none", i, err)
			}
		}
	}

	t.Run("one organisation", func(t *testing.T) {
		e := f.create(t, input("Concurrent, one organisation", codes...))
		run(t, e, func(int) organisation.Organisation { return f.alpha })
		got := f.stored(t, e.ID)
		if n := len(got[f.alpha.Code]); n != 1 || len(got) != 1 {
			t.Fatalf("stored responses: got %d for %s, %d organisations; want exactly 1", n, f.alpha.Code, len(got))
		}
		officials := got[f.alpha.Code][0].Answers["officials"].(float64)
		if officials < 0 || officials > 19 || officials != math.Trunc(officials) {
			t.Errorf("stored answer: got officials %v; want one of the submitted 0..19", officials)
		}
		if want := float64(int(officials)%5 + 1); got[f.alpha.Code][0].Answers["satisfaction"] != want {
			t.Errorf("stored answers mix submissions: got %v; want satisfaction %v with officials %v", got[f.alpha.Code][0].Answers, want, officials)
		}
		if cur, err := f.svc.Get(apptest.As(editor), e.ID); err != nil || cur.ResponseCount != 1 {
			t.Errorf("response count: got %d (%v); want 1", cur.ResponseCount, err)
		}
		// The last write wins.
		f.clock.Set(during.Add(time.Hour))
		f.respond(t, e, f.alpha, evaluation.Answers{"satisfaction": 2.0, "officials": 99.0, "topics": []any{"publication"}})
		got = f.stored(t, e.ID)
		if n := len(got[f.alpha.Code]); n != 1 {
			t.Fatalf("after a later write: got %d responses; want 1", n)
		}
		if r := got[f.alpha.Code][0]; r.Answers["officials"] != 99.0 || r.Answers["satisfaction"] != 2.0 {
			t.Errorf("after a later write: got %v; want its answers", r.Answers)
		}
		if r := got[f.alpha.Code][0]; !r.SubmittedAt.Equal(during) || !r.UpdatedAt.Equal(during.Add(time.Hour)) {
			t.Errorf("times: got submitted %s, updated %s; want submitted %s (first), updated %s (last)", r.SubmittedAt, r.UpdatedAt, during, during.Add(time.Hour))
		}
	})

	t.Run("four organisations", func(t *testing.T) {
		f.clock.Set(during)
		e := f.create(t, input("Concurrent, four organisations", codes...))
		run(t, e, func(i int) organisation.Organisation { return orgs[i%4] })
		got := f.stored(t, e.ID)
		if len(got) != 4 {
			t.Errorf("organisations with a response: got %d; want 4", len(got))
		}
		for j, o := range orgs {
			rs := got[o.Code]
			if len(rs) != 1 {
				t.Errorf("%s: got %d responses; want 1", o.Code, len(rs))
				continue
			}
			officials := int(rs[0].Answers["officials"].(float64))
			if officials%4 != j {
				t.Errorf("%s: got the answers of submission %d; want one of its own", o.Code, officials)
			}
		}
		if cur, err := f.svc.Get(apptest.As(editor), e.ID); err != nil || cur.ResponseCount != 4 {
			t.Errorf("response count: got %d (%v); want 4", cur.ResponseCount, err)
		}
	})
}

// Responses are taken only while the evaluation is open; the system may
// record those of a closed one (imports), never of a draft.
func TestResponsesOnlyWhileOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	unpublished := input("Not yet published", f.alpha.Code)
	unpublished.Published = false
	drafts := f.create(t, unpublished)
	published := f.create(t, input("Published", f.alpha.Code))
	member := memberOf(f.alpha)

	tests := []struct {
		name  string
		e     evaluation.Evaluation
		now   time.Time
		actor domain.Actor
		want  domain.Code
	}{
		{"member, open", published, during, member, ""},
		{"member, the instant it opens", published, opens, member, ""},
		{"member, before it opens", published, opens.Add(-time.Minute), member, domain.CodeConflict},
		{"member, the instant it closes", published, closes, member, domain.CodeConflict},
		{"member, closed", published, after, member, domain.CodeConflict},
		// A member cannot see an unpublished evaluation at all.
		{"member, unpublished", drafts, during, member, domain.CodeNotFound},
		{"system, closed (import)", published, after, domain.System, ""},
		{"system, before it opens", published, opens.Add(-time.Minute), domain.System, domain.CodeConflict},
		{"system, unpublished", drafts, during, domain.System, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(tt.now)
			before := f.stored(t, tt.e.ID)[f.alpha.Code]
			_, err := f.svc.PutResponse(apptest.As(tt.actor), tt.e.ID, f.alpha.Code, answers(3, tt.name))
			wantCode(t, "PutResponse", err, tt.want)
			if tt.want == "" {
				return
			}
			now := f.stored(t, tt.e.ID)[f.alpha.Code]
			if len(before) != len(now) || (len(now) == 1 && now[0].Answers["lessons"] == tt.name) {
				t.Errorf("refused response was stored: got %v", now)
			}
		})
	}
	// The response taken while open is kept after closing, and readable.
	f.clock.Set(after.Add(time.Hour))
	r, err := f.svc.GetResponse(apptest.As(member), published.ID, f.alpha.Code)
	if err != nil {
		t.Fatalf("GetResponse after closing: %v", err)
	}
	if r.Answers["lessons"] != "system, closed (import)" {
		t.Errorf("stored response: got %v; want the system's import, the last accepted", r.Answers)
	}
}

// An invalid response is refused with every problem, and nothing of it is
// stored, not even over an earlier valid one.
func TestInvalidResponseStoresNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Validation", f.alpha.Code))
	first := f.respond(t, e, f.alpha, answers(4, "first"))

	bad := evaluation.Answers{"satisfaction": 9.0, "format": "webinar", "topics": []any{}, "officials": "many", "lessons": strings.Repeat("x", 501), "extra": true}
	_, err := f.svc.PutResponse(apptest.As(memberOf(f.alpha)), e.ID, f.alpha.Code, bad)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("invalid response: got %v; want invalid-input", err)
	}
	var got []string
	for _, fe := range de.Fields {
		got = append(got, fe.Name)
	}
	slices.Sort(got)
	want := []string{"answers.extra", "answers.format", "answers.lessons", "answers.officials", "answers.satisfaction", "answers.topics"}
	if !slices.Equal(got, want) {
		t.Errorf("invalid fields: got %v; want %v", got, want)
	}
	r, err := f.svc.GetResponse(apptest.As(domain.System), e.ID, f.alpha.Code)
	if err != nil {
		t.Fatal(err)
	}
	if r.Answers["lessons"] != first.Answers["lessons"] || r.Answers["satisfaction"] != 4.0 {
		t.Errorf("after an invalid response: got %v; want the earlier answers unchanged", r.Answers)
	}
	// Nothing stored for an organisation that had not answered.
	_, err = f.svc.PutResponse(apptest.As(memberOf(f.beta)), e.ID, f.beta.Code, bad)
	wantCode(t, "invalid first response", err, domain.CodeForbidden) // beta is not in the audience
	e2 := f.create(t, input("Validation 2", f.alpha.Code, f.beta.Code))
	_, err = f.svc.PutResponse(apptest.As(memberOf(f.beta)), e2.ID, f.beta.Code, bad)
	wantCode(t, "invalid first response", err, domain.CodeInvalid)
	if got := f.stored(t, e2.ID); len(got) != 0 {
		t.Errorf("after an invalid first response: got %v stored; want nothing", got)
	}
}

// What PUT returns is what is stored, also when it replaces an earlier response.
func TestPutResponseReturnsTheStoredResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Round trip", f.alpha.Code))
	f.respond(t, e, f.alpha, answers(2, "first"))
	f.clock.Set(during.Add(24 * time.Hour))
	put := f.respond(t, e, f.alpha, answers(5, "second"))
	got, err := f.svc.GetResponse(apptest.As(memberOf(f.alpha)), e.ID, f.alpha.Code)
	if err != nil {
		t.Fatal(err)
	}
	if !put.SubmittedAt.Equal(got.SubmittedAt) || !put.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("PUT returned submitted %s, updated %s; stored are submitted %s, updated %s; want the same",
			put.SubmittedAt, put.UpdatedAt, got.SubmittedAt, got.UpdatedAt)
	}
	if !got.SubmittedAt.Equal(during) {
		t.Errorf("submittedAt: got %s; want the first submission %s", got.SubmittedAt, during)
	}
	if got.Answers["lessons"] != "second" {
		t.Errorf("answers: got %v; want the second", got.Answers)
	}
}

// Once any response exists the questions are fixed (409 naming questions)
// while every other field may change; an evaluation with responses is kept.
func TestEvaluationQuestionsFixedOnceAnswered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Fixed questions", f.alpha.Code, f.beta.Code))

	// Before any response the questions may change.
	changed := input("Fixed questions", f.alpha.Code, f.beta.Code)
	changed.Questions = changed.Questions[:4]
	e, err := f.svc.Replace(apptest.As(editor), e.ID, changed, domain.Precondition{Present: true, Version: e.Version})
	if err != nil {
		t.Fatalf("replace questions before any response: %v", err)
	}
	if len(e.Questions) != 4 {
		t.Fatalf("questions: got %d; want 4", len(e.Questions))
	}
	f.respond(t, e, f.alpha, evaluation.Answers{"satisfaction": 3.0})

	t.Run("changing the questions", func(t *testing.T) {
		in := input("Fixed questions", f.alpha.Code, f.beta.Code) // five questions again
		_, err := f.svc.Replace(apptest.As(editor), e.ID, in, domain.Precondition{Present: true, Any: true})
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeConflict {
			t.Fatalf("replace questions: got %v; want conflict", err)
		}
		if len(de.Fields) != 1 || de.Fields[0].Name != "questions" {
			t.Errorf("conflict fields: got %+v; want [questions]", de.Fields)
		}
		_, err = f.svc.Update(apptest.As(editor), e.ID, func(in evaluation.Input) (evaluation.Input, error) {
			in.Questions = slices.Clone(in.Questions)
			in.Questions[0].Text = "Reworded"
			return in, nil
		}, domain.Precondition{Present: true, Any: true})
		wantCode(t, "reword a question", err, domain.CodeConflict)
	})

	t.Run("other fields by update", func(t *testing.T) {
		got, err := f.svc.Update(apptest.As(editor), e.ID, func(in evaluation.Input) (evaluation.Input, error) {
			in.Title = "Renamed"
			in.ClosesAt = closes.Add(7 * 24 * time.Hour)
			return in, nil
		}, domain.Precondition{Present: true, Any: true})
		if err != nil {
			t.Fatalf("update title and closesAt: %v", err)
		}
		if got.Title != "Renamed" || !got.ClosesAt.Equal(closes.Add(7*24*time.Hour)) {
			t.Errorf("after update: got %q closing %s; want Renamed closing a week later", got.Title, got.ClosesAt)
		}
	})

	// A full replacement that sends the same questions (as any client does)
	// and changes only the title is not a change of the questions.
	t.Run("other fields by replace, same questions", func(t *testing.T) {
		in := changed
		in.Questions = questions()[:4]
		in.Title = "Renamed again"
		got, err := f.svc.Replace(apptest.As(editor), e.ID, in, domain.Precondition{Present: true, Any: true})
		if err != nil {
			t.Fatalf("replace with the same questions: got %v; want no error", err)
		}
		if got.Title != "Renamed again" {
			t.Errorf("title: got %q; want Renamed again", got.Title)
		}
	})

	t.Run("delete", func(t *testing.T) {
		err := f.svc.Delete(apptest.As(editor), e.ID, domain.Precondition{Present: true, Any: true})
		wantCode(t, "delete with responses", err, domain.CodeConflict)
		if _, err := f.svc.Get(apptest.As(editor), e.ID); err != nil {
			t.Errorf("after refused delete: got %v; want the evaluation kept", err)
		}
		unanswered := f.create(t, input("Nobody answered", f.alpha.Code))
		if err := f.svc.Delete(apptest.As(editor), unanswered.ID, domain.Precondition{Present: true, Version: unanswered.Version}); err != nil {
			t.Fatalf("delete without responses: %v", err)
		}
		_, err = f.svc.Get(apptest.As(editor), unanswered.ID)
		wantCode(t, "get deleted", err, domain.CodeNotFound)
	})
}

// Figures resting on minGroupSize-1 answers are suppressed for anonymous
// callers, members, partners and editors and shown to admins and analysts;
// at minGroupSize they are shown to everyone.
func TestResultsSuppressionByRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Suppression", f.alpha.Code, f.beta.Code, f.gamma.Code, f.delta.Code))
	f.respond(t, e, f.alpha, answers(2, "a"))
	f.respond(t, e, f.beta, answers(5, "b"))

	roles := []struct {
		name  string
		actor domain.Actor
		full  bool
	}{
		{"anonymous", nobody, false},
		{"member", memberOf(f.alpha), false},
		{"member of another organisation", memberOf(f.epsilon), false},
		{"partner", partnerOf(f.alpha), false},
		{"editor", editor, false},
		{"admin", admin, true},
		{"analyst", analyst, true},
	}
	check := func(t *testing.T, responses int, wantSuppressed func(full bool) bool) {
		t.Helper()
		for _, role := range roles {
			r, err := f.svc.Results(apptest.As(role.actor), e.ID)
			if err != nil {
				t.Fatalf("%s: results: %v", role.name, err)
			}
			if r.Responses != responses || r.AudienceSize != 4 || r.ResponseRate != float64(responses)/4 {
				t.Errorf("%s: got %d responses of %d, rate %v; want %d of 4", role.name, r.Responses, r.AudienceSize, r.ResponseRate, responses)
			}
			for _, q := range r.Questions {
				want := wantSuppressed(role.full)
				if q.Suppressed != want {
					t.Errorf("%s, %s at %d answers: suppressed got %v; want %v", role.name, q.Question.Key, q.Count, q.Suppressed, want)
				}
				if q.Count != responses {
					t.Errorf("%s, %s: count got %d; want %d", role.name, q.Question.Key, q.Count, responses)
				}
				if want && (q.Distribution != nil || q.Mean != nil || q.Median != nil) {
					t.Errorf("%s, %s suppressed: got figures %v %v %v; want none", role.name, q.Question.Key, q.Distribution, q.Mean, q.Median)
				}
				// Three different scale answers: each cell holds one, so
				// only admins and analysts see cells, mean and median.
				if !want && !role.full && q.Question.Type == evaluation.Scale {
					if len(q.Distribution) != 0 || q.Mean != nil || q.Median != nil {
						t.Errorf("%s, %s shown: got mean %v, median %v, distribution %v; want no cell of one answer, no mean, no median", role.name, q.Question.Key, q.Mean, q.Median, q.Distribution)
					}
				}
				if !want && role.full && q.Question.Type == evaluation.Scale {
					if q.Mean == nil || q.Median == nil || q.Distribution == nil {
						t.Errorf("%s, %s shown: got mean %v, median %v, distribution %v; want all", role.name, q.Question.Key, q.Mean, q.Median, q.Distribution)
					}
				}
			}
		}
	}
	t.Run("minGroupSize-1", func(t *testing.T) {
		check(t, 2, func(full bool) bool { return !full })
		r, _ := f.svc.Results(apptest.As(analyst), e.ID)
		for _, q := range r.Questions {
			if q.Question.Key == "satisfaction" && (q.Mean == nil || *q.Mean != 3.5 || *q.Median != 3.5) {
				t.Errorf("analyst: satisfaction mean, median: got %v, %v; want 3.5, 3.5 (of 2 and 5)", q.Mean, q.Median)
			}
		}
	})
	t.Run("minGroupSize", func(t *testing.T) {
		f.respond(t, e, f.gamma, answers(4, "c"))
		check(t, 3, func(bool) bool { return false })
	})
}

// A pseudonym is the same for an organisation throughout one evaluation, also
// after it answers again, and differs in another evaluation; nothing in the
// output names the organisation; free text only for admins and analysts.
func TestPseudonymisedResponses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	orgs := []organisation.Organisation{f.alpha, f.beta, f.gamma}
	codes := []string{f.alpha.Code, f.beta.Code, f.gamma.Code}
	first := f.create(t, input("First", codes...))
	second := f.create(t, input("Second", codes...))
	for i, o := range orgs {
		f.respond(t, first, o, answers(float64(i+2), "lesson of the first "+fmt.Sprint(i)))
		f.respond(t, second, o, answers(float64(i+1), "lesson of the second "+fmt.Sprint(i)))
	}
	pseudonyms := func(t *testing.T, a domain.Actor, e evaluation.Evaluation) map[string]evaluation.PseudonymisedResponse {
		t.Helper()
		_, rs, err := f.svc.Pseudonymised(apptest.As(a), e.ID)
		if err != nil {
			t.Fatalf("pseudonymised: %v", err)
		}
		out := map[string]evaluation.PseudonymisedResponse{}
		for _, r := range rs {
			out[r.Respondent] = r
		}
		if len(out) != len(rs) || len(rs) != 3 {
			t.Fatalf("pseudonyms: got %d distinct of %d responses; want 3 distinct", len(out), len(rs))
		}
		return out
	}
	// respondentOf finds an organisation's pseudonym by its unique answer.
	respondentOf := func(t *testing.T, ps map[string]evaluation.PseudonymisedResponse, lesson string) string {
		t.Helper()
		for p, r := range ps {
			if r.Answers["lessons"] == lesson {
				return p
			}
		}
		t.Fatalf("no response with lesson %q", lesson)
		return ""
	}

	a1 := pseudonyms(t, analyst, first)
	a2 := pseudonyms(t, admin, first)
	alphaFirst := respondentOf(t, a1, "lesson of the first 0")
	if p := respondentOf(t, a2, "lesson of the first 0"); p != alphaFirst {
		t.Errorf("same evaluation, another call: got %q; want %q", p, alphaFirst)
	}
	// Answering again keeps the pseudonym.
	f.clock.Set(during.Add(time.Hour))
	f.respond(t, first, f.alpha, answers(1, "answered again"))
	if p := respondentOf(t, pseudonyms(t, analyst, first), "answered again"); p != alphaFirst {
		t.Errorf("after answering again: got %q; want %q", p, alphaFirst)
	}
	// Another evaluation: other pseudonyms, for every organisation.
	s := pseudonyms(t, analyst, second)
	for p := range s {
		if _, ok := a1[p]; ok {
			t.Errorf("pseudonym %q appears in both evaluations; want different pseudonyms per evaluation", p)
		}
	}
	if p := respondentOf(t, s, "lesson of the second 0"); p == alphaFirst {
		t.Errorf("same organisation in two evaluations: got %q twice; want different", p)
	}
	// A service with another secret gives other pseudonyms.
	other := evaluation.NewService(f.db, f.orgs, f.clock.Now, []byte("another secret, also 32 bytes long!"))
	if other.Pseudonym(first.ID, f.alpha.ID) == f.svc.Pseudonym(first.ID, f.alpha.ID) {
		t.Errorf("pseudonym does not depend on the secret")
	}

	t.Run("no organisation in the output", func(t *testing.T) {
		for _, a := range []domain.Actor{admin, analyst, editor} {
			_, rs, err := f.svc.Pseudonymised(apptest.As(a), first.ID)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(rs)
			for _, o := range orgs {
				for _, s := range []string{o.ID, o.Code, o.Name} {
					if strings.Contains(string(data), s) {
						t.Errorf("%s: output carries %q of %s: %s", a.Role, s, o.Code, data)
					}
				}
			}
		}
	})

	t.Run("free text", func(t *testing.T) {
		for _, tt := range []struct {
			actor    domain.Actor
			freeText bool
		}{{admin, true}, {analyst, true}, {editor, false}} {
			_, rs, err := f.svc.Pseudonymised(apptest.As(tt.actor), first.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				_, has := r.Answers["lessons"]
				if has != tt.freeText {
					t.Errorf("%s: free text present %v; want %v (%v)", tt.actor.Role, has, tt.freeText, r.Answers)
				}
				if r.Answers["satisfaction"] == nil {
					t.Errorf("%s: got %v; want the scale answer kept", tt.actor.Role, r.Answers)
				}
			}
		}
	})
}

// Who may do what, at the service.
func TestEvaluationServiceAuthorization(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	unpublished := input("Draft", f.alpha.Code, f.beta.Code)
	unpublished.Published = false
	draft := f.create(t, unpublished)
	open := f.create(t, input("Open", f.alpha.Code, f.beta.Code))
	f.respond(t, open, f.beta, answers(3, "beta"))

	roles := []struct {
		name  string
		actor domain.Actor
	}{
		{"anonymous", nobody},
		{"admin", admin},
		{"editor", editor},
		{"member", memberOf(f.alpha)},
		{"member of another organisation", memberOf(f.beta)},
		{"analyst", analyst},
		{"partner", partnerOf(f.alpha)},
	}
	const (
		ok     = domain.Code("")
		unauth = domain.CodeUnauthenticated
		forbid = domain.CodeForbidden
		none   = domain.CodeNotFound
	)
	ops := []struct {
		name string
		do   func(ctx context.Context) error
		want []domain.Code // per role, in the order above
	}{
		{"get draft", func(ctx context.Context) error { _, err := f.svc.Get(ctx, draft.ID); return err },
			[]domain.Code{none, ok, ok, none, none, none, none}},
		{"create", func(ctx context.Context) error { _, err := f.svc.Create(ctx, input("New", f.alpha.Code)); return err },
			[]domain.Code{unauth, ok, ok, forbid, forbid, forbid, forbid}},
		{"replace", func(ctx context.Context) error {
			_, err := f.svc.Replace(ctx, draft.ID, unpublished, domain.Precondition{Present: true, Any: true})
			return err
		}, []domain.Code{unauth, ok, ok, forbid, forbid, forbid, forbid}},
		{"update", func(ctx context.Context) error {
			_, err := f.svc.Update(ctx, draft.ID, func(in evaluation.Input) (evaluation.Input, error) { return in, nil }, domain.Precondition{Present: true, Any: true})
			return err
		}, []domain.Code{unauth, ok, ok, forbid, forbid, forbid, forbid}},
		{"delete", func(ctx context.Context) error {
			e, err := f.svc.Create(apptest.As(editor), input("To delete", f.alpha.Code))
			if err != nil {
				return err
			}
			return f.svc.Delete(ctx, e.ID, domain.Precondition{Present: true, Any: true})
		}, []domain.Code{unauth, ok, ok, forbid, forbid, forbid, forbid}},
		{"put response for alpha", func(ctx context.Context) error {
			_, err := f.svc.PutResponse(ctx, open.ID, f.alpha.Code, answers(4, ""))
			return err
		}, []domain.Code{unauth, forbid, forbid, ok, forbid, forbid, forbid}},
		// A named response is for its organisation and admins; editors read them pseudonymised.
		{"get response of beta", func(ctx context.Context) error { _, err := f.svc.GetResponse(ctx, open.ID, f.beta.Code); return err },
			[]domain.Code{unauth, ok, forbid, forbid, ok, forbid, forbid}},
		{"pseudonymised", func(ctx context.Context) error { _, _, err := f.svc.Pseudonymised(ctx, open.ID); return err },
			[]domain.Code{unauth, ok, ok, forbid, forbid, ok, forbid}},
		{"results", func(ctx context.Context) error { _, err := f.svc.Results(ctx, open.ID); return err },
			[]domain.Code{ok, ok, ok, ok, ok, ok, ok}},
		{"results of a draft", func(ctx context.Context) error { _, err := f.svc.Results(ctx, draft.ID); return err },
			[]domain.Code{none, ok, ok, none, none, none, none}},
	}
	for _, op := range ops {
		for i, role := range roles {
			t.Run(op.name+"/"+role.name, func(t *testing.T) {
				wantCode(t, op.name, op.do(apptest.As(role.actor)), op.want[i])
			})
		}
	}
	t.Run("list", func(t *testing.T) {
		for _, role := range roles {
			page, err := f.svc.List(apptest.As(role.actor), evaluation.Filter{})
			if err != nil {
				t.Fatalf("%s: %v", role.name, err)
			}
			sawDraft := slices.ContainsFunc(page.Items, func(e evaluation.Evaluation) bool { return e.ID == draft.ID })
			if want := role.actor.Is(domain.RoleAdmin, domain.RoleEditor); sawDraft != want {
				t.Errorf("%s: list shows the draft %v; want %v", role.name, sawDraft, want)
			}
			if !slices.ContainsFunc(page.Items, func(e evaluation.Evaluation) bool { return e.ID == open.ID }) {
				t.Errorf("%s: list lacks the open evaluation", role.name)
			}
		}
	})
	t.Run("member answers only in the audience", func(t *testing.T) {
		_, err := f.svc.PutResponse(apptest.As(memberOf(f.epsilon)), open.ID, f.epsilon.Code, answers(3, ""))
		wantCode(t, "member outside the audience", err, forbid)
		_, err = f.svc.PutResponse(apptest.As(memberOf(f.alpha)), open.ID, f.epsilon.Code, answers(3, ""))
		wantCode(t, "member for another organisation", err, forbid)
		_, err = f.svc.PutResponse(apptest.As(domain.System), open.ID, f.epsilon.Code, answers(3, ""))
		wantCode(t, "system outside the audience", err, forbid)
		_, err = f.svc.PutResponse(apptest.As(memberOf(f.alpha)), open.ID, "GM0999", answers(3, ""))
		wantCode(t, "unknown organisation", err, none)
		_, err = f.svc.PutResponse(apptest.As(memberOf(f.alpha)), "0190a0d4-0000-7000-8000-000000000000", f.alpha.Code, answers(3, ""))
		wantCode(t, "unknown evaluation", err, none)
	})
}

// The default audience is every municipality that is an active member on the
// (Amsterdam) day the evaluation opens; the response rate is responses over it.
func TestDefaultAudienceAndResponseRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// 2019-09-01 22:30 UTC is 00:30 on 2 September in Amsterdam.
	opensAt := time.Date(2019, 9, 1, 22, 30, 0, 0, time.UTC)
	joinsThatDay := f.org(t, "GM0201", "Joins on the day", organisation.KindMunicipality, apptest.Date(2019, 9, 2), time.Time{})
	joinsLater := f.org(t, "GM0202", "Joins the day after", organisation.KindMunicipality, apptest.Date(2019, 9, 3), time.Time{})
	leftThatDay := f.org(t, "GM0203", "Left on the day", organisation.KindMunicipality, apptest.Date(2018, 1, 1), apptest.Date(2019, 9, 2))
	leavesLater := f.org(t, "GM0204", "Leaves the day after", organisation.KindMunicipality, apptest.Date(2018, 1, 1), apptest.Date(2019, 9, 3))
	leftBefore := f.org(t, "GM0205", "Left before", organisation.KindMunicipality, apptest.Date(2018, 1, 1), apptest.Date(2019, 1, 1))
	noDate := f.org(t, "GM0206", "Join date unknown", organisation.KindMunicipality, time.Time{}, time.Time{})
	centre := f.org(t, "centre", "Knowledge centre", organisation.KindKnowledgeCentre, apptest.Date(2018, 1, 1), time.Time{})

	in := input("Default audience")
	in.OpensAt = opensAt
	e := f.create(t, in)
	var got []string
	for _, o := range e.Audience {
		got = append(got, o.Code)
	}
	slices.Sort(got)
	want := []string{f.alpha.Code, f.beta.Code, f.gamma.Code, f.delta.Code, f.epsilon.Code, joinsThatDay.Code, leavesLater.Code, noDate.Code}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("default audience: got %v; want %v (not %s, %s, %s, %s, %s)", got, want,
			joinsLater.Code, leftThatDay.Code, leftBefore.Code, f.province.Code, centre.Code)
	}
	// Read back from the store, the same audience.
	stored, err := f.svc.Get(apptest.As(editor), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Audience) != len(want) {
		t.Errorf("stored audience: got %d organisations; want %d", len(stored.Audience), len(want))
	}

	f.respond(t, e, f.alpha, answers(3, ""))
	f.respond(t, e, noDate, answers(4, ""))
	f.respond(t, e, joinsThatDay, answers(5, ""))
	r, err := f.svc.Results(apptest.As(nobody), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.AudienceSize != len(want) || r.Responses != 3 || r.ResponseRate != 3/float64(len(want)) {
		t.Errorf("results: got %d of %d, rate %v; want 3 of %d, rate %v", r.Responses, r.AudienceSize, r.ResponseRate, len(want), 3/float64(len(want)))
	}
	// Members outside the audience may not answer.
	_, err = f.svc.PutResponse(apptest.As(memberOf(joinsLater)), e.ID, joinsLater.Code, answers(3, ""))
	wantCode(t, "member that joined after the evaluation opened", err, domain.CodeForbidden)

	// An explicit audience, by id or code, counted once.
	in = input("Explicit audience", f.alpha.ID, f.alpha.Code, "gm0102", f.province.Code)
	e = f.create(t, in)
	if len(e.Audience) != 3 {
		t.Errorf("explicit audience: got %+v; want alpha, beta and the province, once each", e.Audience)
	}
	_, err = f.svc.Create(apptest.As(editor), input("Unknown audience", f.alpha.Code, "GM9999"))
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Name != "audience[1]" {
		t.Errorf("unknown organisation in the audience: got %v; want invalid audience[1]", err)
	}
}

// The response rate is the responding part of the audience, never more
// than 1: responses of organisations taken out of the audience later do not
// count toward it (or the audience cannot drop them).
func TestResponseRateStaysWithinTheAudience(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Shrinking audience", f.alpha.Code, f.beta.Code, f.gamma.Code))
	f.respond(t, e, f.alpha, answers(3, ""))
	f.respond(t, e, f.beta, answers(4, ""))
	_, err := f.svc.Update(apptest.As(editor), e.ID, func(in evaluation.Input) (evaluation.Input, error) {
		in.Audience = []string{f.gamma.Code}
		return in, nil
	}, domain.Precondition{Present: true, Any: true})
	if err != nil {
		wantCode(t, "drop respondents from the audience", err, domain.CodeConflict)
		return
	}
	r, err := f.svc.Results(apptest.As(analyst), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ResponseRate < 0 || r.ResponseRate > 1 {
		t.Errorf("response rate: got %v (%d responses, audience %d); want between 0 and 1", r.ResponseRate, r.Responses, r.AudienceSize)
	}
}

// Closing an evaluation linked to a milestone under the closed-evaluation
// rule completes it; before it closes it does not count.
func TestClosedEvaluationIsMilestoneEvidence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.clock.Set(apptest.Date(2019, 1, 1))
	if _, err := f.ms.CreateCommitment(apptest.As(editor), milestone.CommitmentInput{Code: "NL0037", Title: "Pioneers network", Cycle: 2018}); err != nil {
		t.Fatal(err)
	}
	m, err := f.ms.Create(apptest.As(editor), milestone.Input{Commitment: "NL0037", Code: "3.4", Title: "Interim evaluation",
		PlannedStart: apptest.Date(2019, 9, 1), PlannedEnd: apptest.Date(2019, 11, 1), Target: &milestone.Target{Count: 1, Unit: "evaluation"},
		Rule: milestone.RuleClosedEvaluations})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.ms.Create(apptest.As(editor), milestone.Input{Commitment: "NL0037", Code: "3.6", Title: "Final evaluation",
		PlannedStart: apptest.Date(2020, 1, 1), PlannedEnd: apptest.Date(2020, 7, 1), Target: &milestone.Target{Count: 1, Unit: "evaluation"},
		Rule: milestone.RuleClosedEvaluations})
	if err != nil {
		t.Fatal(err)
	}
	in := input("Interim evaluation", f.alpha.Code, f.beta.Code)
	in.MilestoneID = m.ID
	e := f.create(t, in)
	draft := input("Unpublished, linked", f.alpha.Code)
	draft.MilestoneID, draft.Published = other.ID, false
	f.create(t, draft)

	evidence := func(t *testing.T, id string, asOf time.Time) milestone.Milestone {
		t.Helper()
		got, err := f.ms.Get(apptest.As(nobody), id, milestone.When{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	f.clock.Set(during)
	f.respond(t, e, f.alpha, answers(4, ""))
	if got := evidence(t, m.ID, time.Time{}); got.Completion == milestone.CompletionComplete || got.Evidence == nil || len(got.Evidence.Items) != 0 {
		t.Errorf("while open: got completion %q, evidence %+v; want no evidence yet", got.Completion, got.Evidence)
	}
	f.clock.Set(closes.Add(-time.Second))
	if got := evidence(t, m.ID, time.Time{}); len(got.Evidence.Items) != 0 {
		t.Errorf("a second before it closes: got %+v; want no evidence", got.Evidence.Items)
	}
	f.clock.Set(closes)
	got := evidence(t, m.ID, time.Time{})
	if got.Completion != milestone.CompletionComplete || got.Status != milestone.StatusCompleted || got.Progress != 100 {
		t.Errorf("once closed: got completion %q, status %q, progress %d; want complete, completed, 100", got.Completion, got.Status, got.Progress)
	}
	if got.Evidence == nil || len(got.Evidence.Items) != 1 {
		t.Fatalf("once closed: got evidence %+v; want the evaluation", got.Evidence)
	}
	if it := got.Evidence.Items[0]; it.Kind != "evaluation" || it.ID != e.ID || it.Title != e.Title || !it.On.Equal(apptest.Date(2019, 11, 1)) {
		t.Errorf("evidence item: got %+v; want evaluation %s %q on 2019-11-01", it, e.ID, e.Title)
	}
	// As it stood before closing, it did not count.
	if got := evidence(t, m.ID, apptest.Date(2019, 10, 15)); len(got.Evidence.Items) != 0 {
		t.Errorf("as of 2019-10-15: got %+v; want no evidence", got.Evidence.Items)
	}
	// An unpublished evaluation does not count, even past its window.
	if got := evidence(t, other.ID, time.Time{}); len(got.Evidence.Items) != 0 {
		t.Errorf("unpublished evaluation: got %+v; want no evidence", got.Evidence.Items)
	}
	// Evaluations are listed by milestone.
	page, err := f.svc.List(apptest.As(nobody), evaluation.Filter{MilestoneID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != e.ID {
		t.Errorf("evaluations of 3.4: got %d; want the interim evaluation", len(page.Items))
	}
	// A milestone that does not exist is refused.
	in.MilestoneID = "0190a0d4-0000-7000-8000-000000000000"
	_, err = f.svc.Create(apptest.As(editor), in)
	wantCode(t, "unknown milestone", err, domain.CodeInvalid)
}

// A response and a change of the questions racing each other: either the
// response is refused (its answers no longer match) or the change is (409);
// never do both succeed, leaving answers to questions that no longer exist.
func TestEvaluationQuestionsFixedUnderConcurrentResponses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 40 {
		title := fmt.Sprint("Race ", i)
		e := f.create(t, input(title, f.alpha.Code))
		fewer := input(title, f.alpha.Code)
		fewer.Questions = questions()[:2] // drops "lessons", which the response answers
		start := make(chan struct{})
		var wg sync.WaitGroup
		var errReplace, errPut error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, errReplace = f.svc.Replace(apptest.As(editor), e.ID, fewer, domain.Precondition{Present: true, Any: true})
		}()
		go func() {
			defer wg.Done()
			<-start
			_, errPut = f.svc.PutResponse(apptest.As(memberOf(f.alpha)), e.ID, f.alpha.Code, answers(3, "answers a question that may go"))
		}()
		close(start)
		wg.Wait()
		if errReplace == nil && errPut == nil {
			cur, _ := f.svc.Get(apptest.As(editor), e.ID)
			t.Fatalf("round %d: both the response and the change of the questions succeeded; the stored response answers %q, which is no longer among the %d questions",
				i, "lessons", len(cur.Questions))
		}
		for _, err := range []error{errReplace, errPut} {
			if code := domain.ErrorCode(err); err != nil && code != domain.CodeConflict && code != domain.CodeInvalid {
				t.Errorf("round %d: got %v; want success, conflict or invalid input", i, err)
			}
		}
	}
}

// The status filter agrees with each evaluation's status, at the boundaries
// too; drafts are listed for editors only; paging returns each evaluation
// once even when all were created at the same instant.
func TestEvaluationListByStatusAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	unpublished := input("Unpublished", f.alpha.Code)
	unpublished.Published = false
	future := input("Opens later", f.alpha.Code)
	future.OpensAt, future.ClosesAt = during.Add(time.Hour), during.Add(48*time.Hour)
	past := input("Closed", f.alpha.Code)
	past.OpensAt, past.ClosesAt = during.Add(-48*time.Hour), during.Add(-time.Hour)
	closingNow := input("Closes now", f.alpha.Code)
	closingNow.OpensAt, closingNow.ClosesAt = during.Add(-48*time.Hour), during
	openingNow := input("Opens now", f.alpha.Code)
	openingNow.OpensAt, openingNow.ClosesAt = during, during.Add(48*time.Hour)
	byTitle := map[string]evaluation.Evaluation{}
	for _, in := range []evaluation.Input{unpublished, future, past, closingNow, openingNow, input("Open", f.alpha.Code)} {
		e := f.create(t, in)
		byTitle[e.Title] = e
	}
	for _, tt := range []struct {
		actor  domain.Actor
		status evaluation.Status
		want   []string
	}{
		{editor, evaluation.Draft, []string{"Opens later", "Unpublished"}},
		{editor, evaluation.Open, []string{"Open", "Opens now"}},
		{editor, evaluation.Closed, []string{"Closed", "Closes now"}},
		{nobody, evaluation.Draft, []string{"Opens later"}},
		{nobody, evaluation.Open, []string{"Open", "Opens now"}},
		{memberOf(f.alpha), evaluation.Closed, []string{"Closed", "Closes now"}},
	} {
		page, err := f.svc.List(apptest.As(tt.actor), evaluation.Filter{Status: tt.status})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range page.Items {
			got = append(got, e.Title)
			if s := e.StatusAt(during); s != tt.status {
				t.Errorf("%s listed as %s: its status is %s", e.Title, tt.status, s)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q by %q: got %v; want %v", tt.status, tt.actor.Role, got, tt.want)
		}
	}
	_, err := f.svc.List(apptest.As(editor), evaluation.Filter{Status: "archived"})
	wantCode(t, "unknown status", err, domain.CodeInvalid)

	for i := range 25 {
		f.create(t, input(fmt.Sprint("Same instant ", i), f.alpha.Code))
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := f.svc.List(apptest.As(editor), evaluation.Filter{PageSize: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			if seen[e.ID] {
				t.Errorf("%s listed twice", e.Title)
			}
			seen[e.ID] = true
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(seen) != 31 {
		t.Errorf("paged through %d evaluations; want 31", len(seen))
	}
}

// Every write checks in one order: If-Match, then the rules (an answered
// evaluation keeps its questions and stays), so a stale write hears only that
// it is stale.
func TestWriteOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	answered := f.create(t, input("Answered", f.alpha.Code, f.beta.Code))
	f.respond(t, answered, f.alpha, evaluation.Answers{"satisfaction": 3.0})
	answered, err := f.svc.Get(apptest.As(editor), answered.ID)
	if err != nil {
		t.Fatal(err)
	}
	fresh := f.create(t, input("Fresh", f.alpha.Code))
	invalid := input("", "GM9999")
	otherQuestions := input("Answered", f.alpha.Code, f.beta.Code)
	otherQuestions.Questions = otherQuestions.Questions[:2]
	stale := func(e evaluation.Evaluation) domain.Precondition { return apptest.IfVersion(e.Version + 1) }
	current := func(e evaluation.Evaluation) domain.Precondition { return apptest.IfVersion(e.Version) }
	tests := []struct {
		name       string
		target     evaluation.Evaluation
		in         evaluation.Input
		pre        func(evaluation.Evaluation) domain.Precondition
		wantUpdate domain.Code
		wantDelete domain.Code
	}{
		{"stale, invalid body", fresh, invalid, stale, domain.CodePreconditionFailed, domain.CodePreconditionFailed},
		{"no If-Match, invalid body", fresh, invalid, func(evaluation.Evaluation) domain.Precondition { return domain.Precondition{} },
			domain.CodePreconditionNeeded, domain.CodePreconditionNeeded},
		{"current, invalid body", fresh, invalid, current, domain.CodeInvalid, ""},
		{"answered, stale", answered, otherQuestions, stale, domain.CodePreconditionFailed, domain.CodePreconditionFailed},
		{"answered, current", answered, otherQuestions, current, domain.CodeConflict, domain.CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Replace(apptest.As(editor), tt.target.ID, tt.in, tt.pre(tt.target))
			wantCode(t, "Replace", err, tt.wantUpdate)
			if tt.wantDelete == "" {
				return // a delete that would succeed is tested below
			}
			err = f.svc.Delete(apptest.As(editor), tt.target.ID, tt.pre(tt.target))
			wantCode(t, "Delete", err, tt.wantDelete)
			got, err := f.svc.Get(apptest.As(editor), tt.target.ID)
			if err != nil || got.Version != tt.target.Version {
				t.Errorf("after the refused writes: got version %d, %v; want %d", got.Version, err, tt.target.Version)
			}
		})
	}
}

// A delete's change record keeps its instant as every stored instant is
// kept: UTC, to the microsecond.
func TestDeleteRecordsTheStoredInstant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("To delete", f.alpha.Code))
	at := time.Date(2019, 10, 2, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	f.clock.Set(at)
	if err := f.svc.Delete(apptest.As(editor), e.ID, apptest.IfVersion(e.Version)); err != nil {
		t.Fatal(err)
	}
	cs, err := f.db.Changes(context.Background(), "evaluation", e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.UTC().Truncate(time.Microsecond); len(cs) != 2 || cs[1].Action != domain.ActionDelete || !cs[1].At.Equal(want) {
		t.Errorf("changes: got %+v; want the delete at %v", cs, want)
	}
}
