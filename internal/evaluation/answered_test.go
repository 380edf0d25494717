package evaluation_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// A member sees which evaluations its organisation answered, and when;
// answered=false lists the ones it still has to answer.
func TestEvaluationsAnsweredByTheCallersOrganisation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.create(t, input("First"))
	second := f.create(t, input("Second"))
	f.clock.Set(during.Add(time.Hour))
	t.Cleanup(func() { f.clock.Set(during) })
	f.respond(t, first, f.alpha, answers(4, ""))
	f.respond(t, second, f.beta, answers(3, ""))
	yes, no := true, false
	tests := []struct {
		name     string
		actor    domain.Actor
		answered *bool
		want     []string // title and whether answeredAt is set, newest first
		code     domain.Code
	}{
		{"member, all", memberOf(f.alpha), nil, []string{"Second:false", "First:true"}, ""},
		{"member, answered", memberOf(f.alpha), &yes, []string{"First:true"}, ""},
		{"member, still to answer", memberOf(f.alpha), &no, []string{"Second:false"}, ""},
		{"another member, still to answer", memberOf(f.beta), &no, []string{"First:false"}, ""},
		{"partner client of an organisation", partnerOf(f.gamma), &no, []string{"Second:false", "First:false"}, ""},
		{"editor: no organisation of its own", editor, nil, []string{"Second:false", "First:false"}, ""},
		{"editor asks answered", editor, &yes, nil, domain.CodeInvalid},
		{"anonymous asks answered", nobody, &no, nil, domain.CodeInvalid},
	}
	for _, tt := range tests {
		page, err := f.svc.List(apptest.As(tt.actor), evaluation.Filter{Answered: tt.answered, AnsweredBy: "forged-by-the-caller"})
		wantCode(t, tt.name, err, tt.code)
		if tt.code != "" {
			continue
		}
		got := []string{}
		for _, e := range page.Items {
			got = append(got, e.Title+":"+map[bool]string{true: "true", false: "false"}[!e.AnsweredAt.IsZero()])
			if !e.AnsweredAt.IsZero() && !e.AnsweredAt.Equal(during.Add(time.Hour)) {
				t.Errorf("%s: got answeredAt %v; want %v", tt.name, e.AnsweredAt, during.Add(time.Hour))
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
