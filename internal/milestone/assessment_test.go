package milestone_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// invalidFields names the fields an invalid-input error names, sorted, or fails.
func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	apptest.CheckCode(t, "write", err, domain.CodeInvalid)
	return apptest.FieldNames(t, err)
}

// patch changes the commitment code as a merge patch would: set edits the
// commitment's whole input.
func patch(f *fixture, code string, set func(in *milestone.CommitmentInput)) (milestone.Commitment, error) {
	return f.svc.UpdateCommitment(apptest.As(editor), code, func(in milestone.CommitmentInput) (milestone.CommitmentInput, error) {
		set(&in)
		return in, nil
	}, domain.Precondition{Present: true, Any: true})
}

func yes() *bool { v := true; return &v }

func TestCommitmentDetailsAreChecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2019, 1, 1))
	f.commitment(t, "NL0037", 2018)
	f.commitment(t, "NL0032", 2018)
	day := func(y, m, d int) *time.Time { t := apptest.Date(y, time.Month(m), d); return &t }
	tests := []struct {
		name string
		in   milestone.DetailsInput
		want []string
	}{
		{"end before start", milestone.DetailsInput{StartDate: day(2020, 6, 30), EndDate: day(2018, 7, 1)}, []string{"endDate"}},
		{"months not YYYY-MM", milestone.DetailsInput{MilestonePeriod: &milestone.MonthSpan{From: "2018-13", Until: "June 2020"}},
			[]string{"milestonePeriod.from", "milestonePeriod.until"}},
		{"months the wrong way round", milestone.DetailsInput{MilestonePeriod: &milestone.MonthSpan{From: "2020-06", Until: "2018-01"}},
			[]string{"milestonePeriod.until"}},
		{"values off the IRM's scales", milestone.DetailsInput{IRM: &milestone.Assessment{OGPValues: []milestone.OGPValue{"openness"},
			PotentialImpact: "huge", Completion: "done", EarlyResults: "great"}},
			[]string{"irm.design.ogpValues[0]", "irm.design.potentialImpact", "irm.implementation.completion", "irm.implementation.earlyResults"}},
		{"starred without what the IRM stars for", milestone.DetailsInput{IRM: &milestone.Assessment{Verifiable: yes(),
			OGPValues: []milestone.OGPValue{milestone.ValueAccessToInformation}, PotentialImpact: milestone.ImpactMinor, Starred: yes()}},
			[]string{"irm.design.starred", "irm.design.starred"}},
		{"a recommendation without text, pointing at nothing", milestone.DetailsInput{IRM: &milestone.Assessment{
			Recommendations: []milestone.Recommendation{{Text: " ", Related: []string{"NL0032", "NL0099"}}}}},
			[]string{"irm.recommendations[0].relatedCommitments[1]", "irm.recommendations[0].text"}},
		{"related to itself and to what is not there", milestone.DetailsInput{Related: &[]string{"nl0037", "NL0032", "NL0099"}},
			[]string{"relatedCommitments[0]", "relatedCommitments[2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Details = tt.in })
			if got := invalidFields(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("fields: got %v; want %v", got, tt.want)
			}
		})
	}
	c, err := f.svc.GetCommitment(context.Background(), "NL0037")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 1 {
		t.Errorf("after refused writes: version %d; want 1", c.Version)
	}

	// What the IRM stars for, all there, is accepted.
	starred := milestone.Assessment{Verifiable: yes(), OGPValues: []milestone.OGPValue{milestone.ValueCivicParticipation},
		PotentialImpact: milestone.ImpactTransformative, Completion: milestone.CompletionSubstantial, Starred: yes()}
	c, err = patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Details.IRM = &starred })
	if err != nil || c.IRM.Starred == nil || !*c.IRM.Starred {
		t.Errorf("starred commitment: got %+v, %v; want it starred", c.IRM, err)
	}
}

// A link goes both ways: the other commitment shows it, gets a new version
// and leaves its own change record; unlinking from either side undoes both.
func TestRelatedCommitmentsLinkBothWays(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2019, 1, 1))
	f.commitment(t, "NL0037", 2018)
	nl1 := f.commitment(t, "NL0001", 2013)
	f.commitment(t, "NL0032", 2018)

	c, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Details.Related = &[]string{"NL0032", "nl0001", "NL0001"} })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := relatedCodes(c.Related), []string{"NL0001", "NL0032"}; !slices.Equal(got, want) {
		t.Errorf("NL0037 related: got %v; want %v", got, want)
	}
	other, err := f.svc.GetCommitment(context.Background(), "NL0001")
	if err != nil {
		t.Fatal(err)
	}
	if got := other.Related; len(got) != 1 || got[0].Code != "NL0037" || got[0].Title != "Commitment NL0037" {
		t.Errorf("NL0001 related: got %+v; want NL0037 with its title", got)
	}
	if other.Version != nl1.Version+1 {
		t.Errorf("NL0001 version: got %d; want %d", other.Version, nl1.Version+1)
	}
	changes, err := f.db.Changes(context.Background(), "commitment", "NL0001")
	if err != nil {
		t.Fatal(err)
	}
	if last := changes[len(changes)-1]; !slices.Equal(last.Fields, []string{"relatedCommitments"}) || last.Version != int(other.Version) || last.Actor != editor.Subject {
		t.Errorf("NL0001's change record: got %+v; want relatedCommitments at version %d by %s", last, other.Version, editor.Subject)
	}

	// Unlinking from the other side.
	if _, err := patch(f, "NL0001", func(in *milestone.CommitmentInput) { in.Details.Related = &[]string{} }); err != nil {
		t.Fatal(err)
	}
	c, err = f.svc.GetCommitment(context.Background(), "NL0037")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := relatedCodes(c.Related), []string{"NL0032"}; !slices.Equal(got, want) {
		t.Errorf("NL0037 related after NL0001 unlinked: got %v; want %v", got, want)
	}

	// A write that does not touch the links leaves the others' versions alone.
	before, _ := f.svc.GetCommitment(context.Background(), "NL0032")
	if _, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Title = "Pioneering Network" }); err != nil {
		t.Fatal(err)
	}
	after, _ := f.svc.GetCommitment(context.Background(), "NL0032")
	if after.Version != before.Version {
		t.Errorf("NL0032 version after an edit of NL0037's title: got %d; want %d", after.Version, before.Version)
	}
}

func relatedCodes(refs []milestone.CommitmentRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Code)
	}
	return out
}

// A PUT written before the details existed (nil details) keeps them; one
// that sends a detail replaces that detail only.
func TestReplaceKeepsTheDetailsItLeavesOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2019, 1, 1))
	f.commitment(t, "NL0037", 2018)
	start := apptest.Date(2018, 7, 1)
	c, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) {
		in.Details.StartDate = &start
		in.Details.IRM = &milestone.Assessment{PotentialImpact: milestone.ImpactMinor}
	})
	if err != nil {
		t.Fatal(err)
	}
	base := milestone.CommitmentInput{Code: "NL0037", Title: "Pioneering Network", Cycle: 2018}
	c, err = f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", base, domain.Precondition{Present: true, Version: c.Version})
	if err != nil {
		t.Fatal(err)
	}
	if !c.StartDate.Equal(start) || c.IRM.PotentialImpact != milestone.ImpactMinor || c.Title != "Pioneering Network" {
		t.Errorf("after a PUT without details: start %v, impact %q, title %q; want them kept and the title replaced", c.StartDate, c.IRM.PotentialImpact, c.Title)
	}
	with := base
	with.Details.IRM = &milestone.Assessment{}
	c, err = f.svc.ReplaceCommitment(apptest.As(editor), "NL0037", with, domain.Precondition{Present: true, Version: c.Version})
	if err != nil {
		t.Fatal(err)
	}
	if !c.StartDate.Equal(start) || c.IRM.PotentialImpact != "" {
		t.Errorf("after a PUT with an empty assessment: start %v, impact %q; want the start kept and the assessment cleared", c.StartDate, c.IRM.PotentialImpact)
	}
}

// asOf answers what the record said on a day, from the version history.
func TestCommitmentAsOf(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2019, 3, 1))
	f.commitment(t, "NL0037", 2018)
	f.clock.Set(apptest.Date(2019, 6, 1))
	if _, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) {
		in.Details.IRM = &milestone.Assessment{PotentialImpact: milestone.ImpactMinor}
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(apptest.Date(2020, 9, 1))
	if _, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Details.IRM.Completion = milestone.CompletionSubstantial }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		day        time.Time
		impact     milestone.PotentialImpact
		completion milestone.Completion
	}{
		{apptest.Date(2019, 3, 1), "", ""},
		{apptest.Date(2019, 12, 31), milestone.ImpactMinor, ""},
		{apptest.Date(2020, 9, 1), milestone.ImpactMinor, milestone.CompletionSubstantial},
	}
	for _, tt := range tests {
		c, err := f.svc.GetCommitmentAsOf(context.Background(), "NL0037", tt.day)
		if err != nil {
			t.Fatalf("as of %s: %v", tt.day.Format(time.DateOnly), err)
		}
		if c.IRM.PotentialImpact != tt.impact || c.IRM.Completion != tt.completion {
			t.Errorf("as of %s: impact %q, completion %q; want %q, %q", tt.day.Format(time.DateOnly), c.IRM.PotentialImpact, c.IRM.Completion, tt.impact, tt.completion)
		}
	}
	if _, err := f.svc.GetCommitmentAsOf(context.Background(), "NL0037", apptest.Date(2019, 2, 28)); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("as of the day before it was added: got %v; want not found", err)
	}
	if got := invalidFields(t, errOnly(f.svc.GetCommitmentAsOf(context.Background(), "NL0037", apptest.Date(2020, 9, 2)))); !slices.Equal(got, []string{"asOf"}) {
		t.Errorf("as of tomorrow: fields %v; want asOf", got)
	}
}

// A commitment written before the history began (none kept for it) that
// another links to stood, on the days before, without that link and with
// the milestones it had then.
func TestCommitmentWithoutHistoryAsOf(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2019, 3, 1))
	f.commitment(t, "NL0037", 2018)
	f.commitment(t, "NL0001", 2013)
	f.milestone(t, milestone.Input{Commitment: "NL0001", Code: "1.1", Title: "First", PlannedStart: apptest.Date(2019, 1, 1),
		PlannedEnd: apptest.Date(2019, 12, 31), Status: milestone.StatusInProgress})
	f.exec(t, "DELETE FROM commitment_history WHERE commitment = ?", "NL0001")
	f.clock.Set(apptest.Date(2019, 6, 1))
	f.milestone(t, milestone.Input{Commitment: "NL0001", Code: "1.2", Title: "Added later", PlannedStart: apptest.Date(2019, 6, 1),
		PlannedEnd: apptest.Date(2019, 12, 31), Status: milestone.StatusInProgress})

	before, err := f.svc.GetCommitmentAsOf(context.Background(), "NL0001", apptest.Date(2019, 5, 31))
	if err != nil {
		t.Fatal(err)
	}
	if before.MilestoneCount != 1 {
		t.Errorf("as of the day before the second milestone: got %d milestones; want 1", before.MilestoneCount)
	}

	if _, err := patch(f, "NL0037", func(in *milestone.CommitmentInput) { in.Details.Related = &[]string{"NL0001"} }); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		day  time.Time
		want []string
	}{
		{apptest.Date(2019, 5, 31), nil},
		{apptest.Date(2019, 6, 1), []string{"NL0037"}},
	} {
		c, err := f.svc.GetCommitmentAsOf(context.Background(), "NL0001", tt.day)
		if err != nil {
			t.Fatalf("as of %s: %v", tt.day.Format(time.DateOnly), err)
		}
		if got := relatedCodes(c.Related); !slices.Equal(got, tt.want) {
			t.Errorf("NL0001 as of %s: related %v; want %v", tt.day.Format(time.DateOnly), got, tt.want)
		}
	}
}

func errOnly[T any](_ T, err error) error { return err }

// The summary of a commitment the network carries out counts the
// civil-society organisations that are members on the day.
func TestSummaryCountsCivilSocietyOrganisations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2020, 1, 15))
	if _, err := f.svc.CreateCommitment(apptest.As(editor), milestone.CommitmentInput{Code: "NL0037", Title: "Pioneering Network", Cycle: 2018,
		Lead: &milestone.InstitutionInput{Name: "Municipality of Schiedam", Organisation: "GM0606"}}); err != nil {
		t.Fatal(err)
	}
	f.commitment(t, "NL0001", 2013)
	for _, o := range []organisation.Input{
		{Code: "open-state", Name: "Open State Foundation", Kind: organisation.KindCivilSociety, NetworkRole: organisation.RoleMember, JoinedOn: apptest.Date(2019, 1, 1)},
		{Code: "gone", Name: "Gone", Kind: organisation.KindCivilSociety, NetworkRole: organisation.RoleMember, JoinedOn: apptest.Date(2018, 1, 1), LeftOn: apptest.Date(2019, 6, 1)},
		{Code: "later", Name: "Later", Kind: organisation.KindCivilSociety, NetworkRole: organisation.RoleMember, JoinedOn: apptest.Date(2020, 1, 1)},
		{Code: "company", Name: "Company", Kind: organisation.KindCompany, NetworkRole: organisation.RoleMember, JoinedOn: apptest.Date(2018, 1, 1)},
	} {
		if _, err := f.orgs.Create(apptest.As(admin), o); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		asOf time.Time
		want int
	}{{time.Time{}, 2}, {apptest.Date(2019, 3, 1), 2}, {apptest.Date(2019, 12, 31), 1}, {apptest.Date(2018, 6, 1), 1}}
	for _, tt := range tests {
		sum, err := f.svc.CommitmentSummary(context.Background(), "NL0037", milestone.When{AsOf: tt.asOf})
		if err != nil {
			t.Fatal(err)
		}
		if sum.CivilSociety == nil || *sum.CivilSociety != tt.want {
			t.Errorf("as of %v: civil-society organisations %v; want %d", tt.asOf, sum.CivilSociety, tt.want)
		}
	}
	sum, err := f.svc.CommitmentSummary(context.Background(), "NL0001", milestone.When{})
	if err != nil || sum.CivilSociety != nil {
		t.Errorf("a commitment the network does not carry out: got %v, %v; want no count", sum.CivilSociety, err)
	}
}

// Analysts filter commitments by the IRM's assessment.
func TestListCommitmentsByAssessment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, apptest.Date(2021, 1, 1))
	no := false
	for code, irm := range map[string]milestone.Assessment{
		"NL0001": {PotentialImpact: milestone.ImpactMinor, OGPValues: []milestone.OGPValue{milestone.ValueAccessToInformation}, Starred: &no},
		"NL0002": {Verifiable: yes(), PotentialImpact: milestone.ImpactTransformative, Completion: milestone.CompletionComplete, Starred: yes(),
			OGPValues: []milestone.OGPValue{milestone.ValueCivicParticipation, milestone.ValuePublicAccountability}},
		"NL0003": {},
	} {
		f.commitment(t, code, 2013)
		if _, err := patch(f, code, func(in *milestone.CommitmentInput) { in.Details.IRM = &irm }); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		filter milestone.CommitmentFilter
		want   []string
	}{
		{"any", milestone.CommitmentFilter{}, []string{"NL0001", "NL0002", "NL0003"}},
		{"transformative", milestone.CommitmentFilter{PotentialImpact: milestone.ImpactTransformative}, []string{"NL0002"}},
		{"public accountability", milestone.CommitmentFilter{OGPValue: milestone.ValuePublicAccountability}, []string{"NL0002"}},
		{"access to information", milestone.CommitmentFilter{OGPValue: milestone.ValueAccessToInformation}, []string{"NL0001"}},
		{"starred", milestone.CommitmentFilter{Starred: yes()}, []string{"NL0002"}},
		{"not starred; pending review is neither", milestone.CommitmentFilter{Starred: &no}, []string{"NL0001"}},
	}
	for _, tt := range tests {
		page, err := f.svc.ListCommitments(context.Background(), tt.filter, 100, "")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, c := range page.Items {
			got = append(got, c.Code)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err := f.svc.ListCommitments(context.Background(), milestone.CommitmentFilter{PotentialImpact: "huge", OGPValue: "x"}, 20, "")
	if got := invalidFields(t, err); !slices.Equal(got, []string{"ogpValue", "potentialImpact"}) {
		t.Errorf("filters off the scales: fields %v; want potentialImpact, ogpValue", got)
	}
}
