package milestone

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// OGPValue is an OGP value the IRM finds a commitment relevant to.
type OGPValue string

const (
	ValueAccessToInformation  OGPValue = "access-to-information"
	ValueCivicParticipation   OGPValue = "civic-participation"
	ValuePublicAccountability OGPValue = "public-accountability"
	// ValueTechnology is "technology and innovation for transparency and accountability".
	ValueTechnology OGPValue = "technology-and-innovation"
)

var ogpValues = []OGPValue{ValueAccessToInformation, ValueCivicParticipation, ValuePublicAccountability, ValueTechnology}

// PotentialImpact is the IRM's scale of what a commitment could change if
// fully implemented.
type PotentialImpact string

const (
	ImpactNone           PotentialImpact = "none"
	ImpactMinor          PotentialImpact = "minor"
	ImpactModerate       PotentialImpact = "moderate"
	ImpactTransformative PotentialImpact = "transformative"
)

var impacts = []PotentialImpact{ImpactNone, ImpactMinor, ImpactModerate, ImpactTransformative}

// EarlyResults is the IRM's "did it open government?" scale.
type EarlyResults string

const (
	ResultsWorsened     EarlyResults = "worsened"
	ResultsDidNotChange EarlyResults = "did-not-change"
	ResultsMarginal     EarlyResults = "marginal"
	ResultsMajor        EarlyResults = "major"
	ResultsOutstanding  EarlyResults = "outstanding"
)

var earlyResults = []EarlyResults{ResultsWorsened, ResultsDidNotChange, ResultsMarginal, ResultsMajor, ResultsOutstanding}

// MonthSpan is a span of whole months, such as 2018-01 to 2020-06: the IRM
// gives a commitment's milestone period to the month, no finer.
type MonthSpan struct {
	From  string // YYYY-MM; empty when unknown
	Until string
}

// Description is the action plan's own account of a commitment.
type Description struct {
	SocialIssue  string // which social issue it addresses
	Action       string // what the action is
	Contribution string // how it contributes to remedying the issue
	Relevance    string // why it is relevant to OGP values, as the plan says
}

// Recommendation is one of the IRM's recommendations; Related names the
// commitments it points at, by code.
type Recommendation struct {
	Text    string
	Related []string
}

// Assessment is the IRM's assessment of a commitment. An empty value, or
// nil, is one the IRM has not given (yet): "pending IRM review".
type Assessment struct {
	Report             string // the IRM report, such as "Netherlands Design Report 2018-2020"
	Verifiable         *bool
	OGPValues          []OGPValue
	PotentialImpact    PotentialImpact
	Starred            *bool
	DesignNote         string // the IRM's reasons for its design assessment, in its words
	Completion         Completion
	EarlyResults       EarlyResults
	ImplementationNote string
	Recommendations    []Recommendation
}

// CommitmentRef names a commitment.
type CommitmentRef struct {
	Code  string
	Title string
}

// Details are what the action plan and the IRM say of a commitment beyond
// its title and institutions.
type Details struct {
	StartDate       time.Time // zero when unknown
	EndDate         time.Time
	MilestonePeriod MonthSpan
	Description     Description
	IRM             Assessment
	// Related are the commitments linked to this one, in code order. A link
	// goes both ways: linking A to B shows A among B's related commitments.
	Related []CommitmentRef
}

// DetailsInput is what a caller may set of the details; a nil field keeps
// the current value, so that a PUT written before these fields existed
// leaves them as they are.
type DetailsInput struct {
	StartDate       *time.Time // zero: none
	EndDate         *time.Time
	MilestonePeriod *MonthSpan
	Description     *Description
	IRM             *Assessment
	Related         *[]string // codes
}

// AllDetails is d as input that sets every field.
func (d Details) AllDetails() DetailsInput {
	related := make([]string, len(d.Related))
	for i, r := range d.Related {
		related[i] = r.Code
	}
	irm := d.IRM
	return DetailsInput{StartDate: &d.StartDate, EndDate: &d.EndDate, MilestonePeriod: &d.MilestonePeriod,
		Description: &d.Description, IRM: &irm, Related: &related}
}

// CommitmentHistory is what the service needs of storage beyond the
// commitments themselves.
type CommitmentHistory interface {
	// CommitmentAsOf returns the commitment as it stood at the instant.
	CommitmentAsOf(ctx context.Context, code string, at time.Time) (Commitment, error)
	// CountActiveOrganisations counts organisations of kind that are members on day.
	CountActiveOrganisations(ctx context.Context, kind organisation.Kind, day time.Time) (int, error)
}

var month = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// buildDetails checks in and sets what it names on c; codes of related
// commitments must exist.
func (s *Service) buildDetails(ctx context.Context, c *Commitment, in DetailsInput, p *domain.Problems) error {
	if in.StartDate != nil {
		c.StartDate = domain.Day(*in.StartDate)
	}
	if in.EndDate != nil {
		c.EndDate = domain.Day(*in.EndDate)
	}
	if !c.StartDate.IsZero() && !c.EndDate.IsZero() && c.EndDate.Before(c.StartDate) {
		p.Add("endDate", "must not be before startDate")
	}
	if in.MilestonePeriod != nil {
		span := MonthSpan{From: strings.TrimSpace(in.MilestonePeriod.From), Until: strings.TrimSpace(in.MilestonePeriod.Until)}
		for _, f := range []struct{ name, value string }{{"milestonePeriod.from", span.From}, {"milestonePeriod.until", span.Until}} {
			if f.value != "" && !month.MatchString(f.value) {
				p.Add(f.name, "must be a month as YYYY-MM, such as 2018-01")
			}
		}
		if span.From != "" && span.Until != "" && span.Until < span.From {
			p.Add("milestonePeriod.until", "must not be before milestonePeriod.from")
		}
		c.MilestonePeriod = span
	}
	if in.Description != nil {
		d := *in.Description
		c.Description = Description{SocialIssue: strings.TrimSpace(d.SocialIssue), Action: strings.TrimSpace(d.Action),
			Contribution: strings.TrimSpace(d.Contribution), Relevance: strings.TrimSpace(d.Relevance)}
	}
	known := commitmentLookup{s: s, code: c.Code, found: map[string]CommitmentRef{}}
	if in.IRM != nil {
		irm, err := checkAssessment(ctx, *in.IRM, &known, p)
		if err != nil {
			return err
		}
		c.IRM = irm
	}
	if in.Related != nil {
		c.Related = nil
		for i, code := range *in.Related {
			code = strings.ToUpper(strings.TrimSpace(code))
			ref, ok, err := known.find(ctx, code, fmt.Sprintf("relatedCommitments[%d]", i), p)
			if err != nil {
				return err
			}
			if ok && !slices.ContainsFunc(c.Related, func(r CommitmentRef) bool { return r.Code == code }) {
				c.Related = append(c.Related, ref)
			}
		}
		slices.SortFunc(c.Related, func(a, b CommitmentRef) int { return strings.Compare(a.Code, b.Code) })
	}
	return nil
}

// checkAssessment checks the IRM's values against its scales and rules.
func checkAssessment(ctx context.Context, in Assessment, known *commitmentLookup, p *domain.Problems) (Assessment, error) {
	out := Assessment{Report: strings.TrimSpace(in.Report), Verifiable: in.Verifiable, PotentialImpact: in.PotentialImpact,
		Starred: in.Starred, DesignNote: strings.TrimSpace(in.DesignNote), Completion: in.Completion, EarlyResults: in.EarlyResults,
		ImplementationNote: strings.TrimSpace(in.ImplementationNote)}
	for i, v := range in.OGPValues {
		switch {
		case !slices.Contains(ogpValues, v):
			p.Add(fmt.Sprintf("irm.design.ogpValues[%d]", i), "must be one of "+domain.OneOf(ogpValues))
		case !slices.Contains(out.OGPValues, v):
			out.OGPValues = append(out.OGPValues, v)
		}
	}
	if out.PotentialImpact != "" && !slices.Contains(impacts, out.PotentialImpact) {
		p.Add("irm.design.potentialImpact", "must be one of "+domain.OneOf(impacts))
	}
	if out.Completion != "" && !slices.Contains(completions, out.Completion) {
		p.Add("irm.implementation.completion", "must be one of "+domain.OneOf(completions))
	}
	if out.EarlyResults != "" && !slices.Contains(earlyResults, out.EarlyResults) {
		p.Add("irm.implementation.earlyResults", "must be one of "+domain.OneOf(earlyResults))
	}
	// The IRM stars a commitment only when it is verifiable, relevant to an
	// OGP value, of transformative potential impact and substantially or
	// fully implemented.
	if out.Starred != nil && *out.Starred {
		if out.Verifiable == nil || !*out.Verifiable {
			p.Add("irm.design.starred", "a starred commitment must be verifiable")
		}
		if len(out.OGPValues) == 0 {
			p.Add("irm.design.starred", "a starred commitment must be relevant to an OGP value")
		}
		if out.PotentialImpact != ImpactTransformative {
			p.Add("irm.design.starred", "a starred commitment must have transformative potential impact")
		}
		if out.Completion != CompletionSubstantial && out.Completion != CompletionComplete {
			p.Add("irm.design.starred", "a starred commitment must be substantially or fully implemented")
		}
	}
	for i, r := range in.Recommendations {
		field := fmt.Sprintf("irm.recommendations[%d]", i)
		rec := Recommendation{Text: strings.TrimSpace(r.Text)}
		if rec.Text == "" {
			p.Add(field+".text", "must not be empty")
		}
		for j, code := range r.Related {
			code = strings.ToUpper(strings.TrimSpace(code))
			_, ok, err := known.find(ctx, code, fmt.Sprintf("%s.relatedCommitments[%d]", field, j), p)
			if err != nil {
				return Assessment{}, err
			}
			if ok && !slices.Contains(rec.Related, code) {
				rec.Related = append(rec.Related, code)
			}
		}
		out.Recommendations = append(out.Recommendations, rec)
	}
	return out, nil
}

// commitmentLookup finds the commitments a write names, each once; a
// commitment cannot name itself.
type commitmentLookup struct {
	s     *Service
	code  string
	found map[string]CommitmentRef
}

func (l *commitmentLookup) find(ctx context.Context, code, field string, p *domain.Problems) (CommitmentRef, bool, error) {
	if ref, ok := l.found[code]; ok {
		return ref, true, nil
	}
	if code == l.code {
		p.Add(field, "must name another commitment, not this one")
		return CommitmentRef{}, false, nil
	}
	c, err := l.s.store.GetCommitment(ctx, code)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		p.Add(field, fmt.Sprintf("no commitment %q", code))
		return CommitmentRef{}, false, nil
	case err != nil:
		return CommitmentRef{}, false, err
	}
	ref := CommitmentRef{Code: c.Code, Title: c.Title}
	l.found[code] = ref
	return ref, true, nil
}

// detailChanges names the details that differ.
func detailChanges(a, b Details, f *domain.Diff) {
	f.Add(!a.StartDate.Equal(b.StartDate), "startDate")
	f.Add(!a.EndDate.Equal(b.EndDate), "endDate")
	f.Add(a.MilestonePeriod != b.MilestonePeriod, "milestonePeriod")
	f.Add(a.Description != b.Description, "description")
	f.Add(!sameAssessment(a.IRM, b.IRM), "irm")
	f.Add(!slices.Equal(relatedCodes(a.Related), relatedCodes(b.Related)), "relatedCommitments")
}

func sameAssessment(a, b Assessment) bool {
	sameBool := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Report == b.Report && sameBool(a.Verifiable, b.Verifiable) && slices.Equal(a.OGPValues, b.OGPValues) &&
		a.PotentialImpact == b.PotentialImpact && sameBool(a.Starred, b.Starred) && a.DesignNote == b.DesignNote &&
		a.Completion == b.Completion && a.EarlyResults == b.EarlyResults && a.ImplementationNote == b.ImplementationNote &&
		slices.EqualFunc(a.Recommendations, b.Recommendations, func(x, y Recommendation) bool {
			return x.Text == y.Text && slices.Equal(x.Related, y.Related)
		})
}

func relatedCodes(refs []CommitmentRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Code
	}
	return out
}

// relinked lists the commitments a write links to or unlinks from c, in
// code order: their related commitments change with it.
func relinked(before, after []CommitmentRef) []string {
	was, is := relatedCodes(before), relatedCodes(after)
	var out []string
	for _, c := range was {
		if !slices.Contains(is, c) {
			out = append(out, c)
		}
	}
	for _, c := range is {
		if !slices.Contains(was, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// touchRelated gives each commitment a write linked to or unlinked from a
// new version and its own change record, in the write's transaction: its
// representation (its related commitments) changed, so its entity tag and
// the change feed must say so.
func (s *Service) touchRelated(ctx context.Context, codes []string, at time.Time) error {
	actor := domain.ActorFrom(ctx).Subject
	for _, code := range codes {
		cur, err := s.store.GetCommitment(ctx, code)
		if err != nil {
			return err
		}
		next := cur.Revised(cur.Version+1, at)
		if err := s.store.UpdateCommitment(ctx, next, domain.Change{Resource: "commitment", ResourceID: code,
			Action: domain.ActionUpdate, Actor: actor, Fields: []string{"relatedCommitments"}, Version: int(next.Version), At: at}); err != nil {
			return err
		}
	}
	return nil
}

// takesPart reports whether the network carries the commitment out: its
// lead or a supporting institution is an organisation of the record.
func (c Commitment) takesPart() bool {
	if c.Lead != nil && c.Lead.Organisation != nil {
		return true
	}
	return slices.ContainsFunc(c.Support, func(i Institution) bool { return i.Organisation != nil })
}

// civilSociety counts the civil-society organisations taking part in a
// commitment the network carries out on day; nil for any other commitment,
// whose participants the record does not hold.
func (s *Service) civilSociety(ctx context.Context, c Commitment, day time.Time) (*int, error) {
	if !c.takesPart() {
		return nil, nil
	}
	n, err := s.store.CountActiveOrganisations(ctx, organisation.KindCivilSociety, day)
	if err != nil {
		return nil, err
	}
	return &n, nil
}
