package seed

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// monthSpanData, descriptionData and assessmentData are a commitment's
// details in the API's shape (CommitmentInput), so that the seed reads as
// the contract documents them.
type monthSpanData struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

type descriptionData struct {
	SocialIssue  string `json:"socialIssue"`
	Action       string `json:"action"`
	Contribution string `json:"contribution"`
	Relevance    string `json:"relevance"`
}

type assessmentData struct {
	Report string `json:"report"`
	Design struct {
		Verifiable      *bool    `json:"verifiable"`
		OGPValues       []string `json:"ogpValues"`
		PotentialImpact string   `json:"potentialImpact"`
		Starred         *bool    `json:"starred"`
		Note            string   `json:"note"`
	} `json:"design"`
	Implementation struct {
		Completion   string `json:"completion"`
		EarlyResults string `json:"earlyResults"`
		Note         string `json:"note"`
	} `json:"implementation"`
	Recommendations []struct {
		Text    string   `json:"text"`
		Related []string `json:"relatedCommitments"`
	} `json:"recommendations"`
}

// details is the commitment's details as input that sets each one the seed
// gives; none when it gives none.
func (c commitmentData) details() (milestone.DetailsInput, error) {
	var in milestone.DetailsInput
	for _, d := range []struct {
		value string
		to    **time.Time
	}{{c.StartDate, &in.StartDate}, {c.EndDate, &in.EndDate}} {
		if d.value == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, d.value)
		if err != nil {
			return milestone.DetailsInput{}, fmt.Errorf("date %q: %w", d.value, err)
		}
		*d.to = &day
	}
	if m := c.MilestonePeriod; m != nil {
		in.MilestonePeriod = &milestone.MonthSpan{From: m.From, Until: m.Until}
	}
	if d := c.Description; d != nil {
		in.Description = &milestone.Description{SocialIssue: d.SocialIssue, Action: d.Action, Contribution: d.Contribution, Relevance: d.Relevance}
	}
	if a := c.IRM; a != nil {
		irm := milestone.Assessment{Report: a.Report, Verifiable: a.Design.Verifiable, PotentialImpact: milestone.PotentialImpact(a.Design.PotentialImpact),
			Starred: a.Design.Starred, DesignNote: a.Design.Note, Completion: milestone.Completion(a.Implementation.Completion),
			EarlyResults: milestone.EarlyResults(a.Implementation.EarlyResults), ImplementationNote: a.Implementation.Note}
		for _, v := range a.Design.OGPValues {
			irm.OGPValues = append(irm.OGPValues, milestone.OGPValue(v))
		}
		for _, r := range a.Recommendations {
			irm.Recommendations = append(irm.Recommendations, milestone.Recommendation{Text: r.Text, Related: r.Related})
		}
		in.IRM = &irm
	}
	if c.Related != nil {
		in.Related = &c.Related
	}
	return in, nil
}

// detail gives a commitment that exists without any details (one added
// before they existed, by 1.2 or earlier) the seed's; one with details,
// edited or not, is left as it is.
func (l *Loader) detail(ctx context.Context, cur milestone.Commitment, in milestone.DetailsInput) (bool, error) {
	if in == (milestone.DetailsInput{}) || !reflect.ValueOf(cur.Details).IsZero() {
		return false, nil
	}
	_, err := l.milestones.UpdateCommitment(ctx, cur.Code, func(all milestone.CommitmentInput) (milestone.CommitmentInput, error) {
		all.Details = in
		return all, nil
	}, domain.Precondition{Present: true, Version: cur.Version})
	return err == nil, err
}
