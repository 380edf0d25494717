package httpapi

import (
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// TestToAPIDetailsMatchesGenerated checks that the details encoded once
// are byte for byte what the generated From… methods (encode, merge,
// encode again) make of them.
func TestToAPIDetailsMatchesGenerated(t *testing.T) {
	t.Parallel()
	odd := "<b>&amp;</b> \u2028 \"quoted\" \\ é 💡 \x7f"
	day := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   meeting.Details
	}{
		{"experts", meeting.Details{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: odd, Affiliation: odd}, {Name: "B"}}}},
		{"no experts", meeting.Details{Format: meeting.FormatKnowledgeSession}},
		{"lab with owner", meeting.Details{Format: meeting.FormatLab, Case: odd, CaseOwner: organisation.Ref{ID: "x", Code: "GM0606"}}},
		{"lab without owner", meeting.Details{Format: meeting.FormatLab, Case: ""}},
		{"conference", meeting.Details{Format: meeting.FormatConference, CallOpensOn: day, CallClosesOn: day.AddDate(0, 1, 0)}},
		{"residents open", meeting.Details{Format: meeting.FormatResidents, TownHall: odd, OpenToResidents: true}},
		{"residents closed", meeting.Details{Format: meeting.FormatResidents, TownHall: "Hall"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := toAPIDetails(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			gotJSON, err := got.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			want := generatedDetails(t, tt.in)
			if string(gotJSON) != want {
				t.Errorf("got %s; want %s", gotJSON, want)
			}
		})
	}
}

// generatedDetails is d through the generated From… method of its format.
func generatedDetails(t *testing.T, d meeting.Details) string {
	t.Helper()
	var v any
	out, err := toAPIDetails(d)
	if err != nil {
		t.Fatal(err)
	}
	switch d.Format {
	case meeting.FormatKnowledgeSession:
		x, _ := out.AsKnowledgeSessionDetails()
		v, err = x, out.FromKnowledgeSessionDetails(x)
	case meeting.FormatLab:
		x, _ := out.AsOpenGovernmentLabDetails()
		v, err = x, out.FromOpenGovernmentLabDetails(x)
	case meeting.FormatConference:
		x, _ := out.AsConferenceDetails()
		v, err = x, out.FromConferenceDetails(x)
	case meeting.FormatResidents:
		x, _ := out.AsResidentsMeetingDetails()
		v, err = x, out.FromResidentsMeetingDetails(x)
	}
	if err != nil || v == nil {
		t.Fatalf("generated %s: %v", d.Format, err)
	}
	b, err := out.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
