package evaluation_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
)

// A member lists the evaluations its organisation answered (answered=true)
// and the ones it still has to answer (false).
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
		want     []string // titles, newest first
		code     domain.Code
	}{
		{"member, all", memberOf(f.alpha), nil, []string{"Second", "First"}, ""},
		{"member, answered", memberOf(f.alpha), &yes, []string{"First"}, ""},
		{"member, still to answer", memberOf(f.alpha), &no, []string{"Second"}, ""},
		{"another member, still to answer", memberOf(f.beta), &no, []string{"First"}, ""},
		{"another member, answered", memberOf(f.beta), &yes, []string{"Second"}, ""},
		{"partner client of an organisation", partnerOf(f.gamma), &no, []string{"Second", "First"}, ""},
		{"editor, without the filter", editor, nil, []string{"Second", "First"}, ""},
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
			got = append(got, e.Title)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
