package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/audit"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/publication"
)

// The CSV row as 1.1.0 made it, through JSON and a map: the column plan must
// give the very same cells.

func oldCSVRow(v any, cols []string) ([]string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("export row: %w", err)
	}
	flat := map[string]string{}
	oldFlatten(obj, "", flat)
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = neutralise(flat[c])
	}
	return row, nil
}

func oldFlatten(obj map[string]any, prefix string, out map[string]string) {
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			// Both the object as JSON (for a column such as a oneOf's) and its fields.
			data, _ := json.Marshal(x)
			out[prefix+k] = string(data)
			oldFlatten(x, prefix+k+".", out)
		case nil:
			out[prefix+k] = ""
		case string:
			out[prefix+k] = x
		case bool:
			out[prefix+k] = strconv.FormatBool(x)
		case float64:
			out[prefix+k] = strconv.FormatFloat(x, 'f', -1, 64)
		case []any:
			if strs, ok := oldAllStrings(x); ok {
				out[prefix+k] = strings.Join(strs, "; ")
				continue
			}
			data, _ := json.Marshal(x)
			out[prefix+k] = string(data)
		default:
			data, _ := json.Marshal(x)
			out[prefix+k] = string(data)
		}
	}
}

func oldAllStrings(list []any) ([]string, bool) {
	out := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// TestCSVRowSameCells: the column plan gives the cells the map did, for
// the exported types and for awkward values.
func TestCSVRowSameCells(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	id := "0190d3e0-0000-7000-8000-000000000001"
	org := organisation.Ref{ID: id, Code: "GM0606", Name: "Schiedam <&> \"quoted\""}
	var values []any
	for _, text := range csvAwkward {
		mt, err := toAPIMeeting(meeting.Meeting{ID: id, Sequence: 1, Title: text, Topic: text, Description: text, Tags: []string{text, "b"},
			Format: meeting.FormatKnowledgeSession, Details: &meeting.Details{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: text, Affiliation: "Uni"}}},
			StartsAt: now, EndsAt: now.Add(time.Hour), TimeZone: meeting.TimeZone, Venue: &meeting.Venue{Name: text, City: "Schiedam", Host: org},
			GuestChair: &org, Capacity: 50, Status: meeting.StatusHeld, Version: 3, CreatedAt: now, UpdatedAt: now,
			RegistrationOpensAt: now.Add(-48*time.Hour + 123456789), RegistrationClosesAt: now.Add(-time.Hour)}, now)
		if err != nil {
			t.Fatal(err)
		}
		lab, err := toAPIMeeting(meeting.Meeting{ID: id, Title: text, Format: meeting.FormatLab, Details: &meeting.Details{Format: meeting.FormatLab, Case: text},
			StartsAt: now, EndsAt: now, Status: meeting.StatusPlanned, CreatedAt: now, UpdatedAt: now}, now)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := toAPIMilestone(milestone.Milestone{ID: id, Commitment: "NL0037", Code: "1.1", Title: text, VerifiableResult: text,
			PlannedStart: now, PlannedEnd: now.AddDate(0, 1, 0), ActualStart: now, Target: &milestone.Target{Count: 2, Unit: text},
			Rule: milestone.RuleMagazineEditions, Progress: -3, Status: milestone.StatusInProgress, Completion: milestone.CompletionLimited,
			Version: 2, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		cm, err := toAPICommitment(milestone.Commitment{Code: "NL0037", Title: text, Cycle: 5, ActionPlan: text, PolicyAreas: []string{text, ""},
			Lead: &milestone.Institution{Name: text, Organisation: &org}, Support: []milestone.Institution{{Name: text}}, Status: text,
			MilestoneCount: 3, Version: 1, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := toAPIPublication(publication.Publication{ID: id, Kind: publication.KindMagazineEdition, Title: text, URL: "https://example.org/" + text,
			PublishedOn: now, Summary: text, Language: "nl", Licence: text, Meetings: []string{id}, Topics: []string{text}, Version: 1,
			CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := toAPIAuditEvent(audit.Entry{ID: id, At: now, Actor: audit.Actor{Kind: audit.ActorKind("user"), ID: text}, Resource: text,
			ResourceID: text, Action: domain.ActionCreate, Fields: []string{text}, RequestID: text})
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, ms, &ms, cm, pub, ev, api.PseudonymisedResponse{Respondent: text, Answers: map[string]any{"q": text}, SubmittedAt: now},
			resultRow{Question: text, Value: text, Mean: ptr(2.5)}, struct {
				N  json.Number `json:"count"`
				F  float32     `json:"small"`
				B  []byte      `json:"tags"`
				ID string      `json:"id,omitempty"`
			}{"12", 0.1, []byte(text), text})
		values = append(values, mt, lab, map[string]any{"id": text, "title": text, "count": -2.5, "big": 1e21, "small": 1e-7, "int": 12345678901234,
			"flag": true, "none": nil, "tags": []string{text, text}, "empty": []string{}, "mixed": []any{"a", 1.5, nil},
			"nested": map[string]any{"deep": map[string]any{"value": text, "list": []any{map[string]any{"z": 1, "a": text}}}, "n": 3},
			"object": map[string]any{"b": text, "a": 2}})
	}
	ct := testContract(t)
	var cols []string
	for _, schema := range []string{"Milestone", "Commitment", "Publication", "AuditEvent", "Meeting"} {
		cols = append(cols, ct.columns(schema).names()...)
	}
	cols = append(cols, resultColumns.names()...)
	cols = append(cols, "respondent", "answers", "answers.q", "submittedAt", "id", "title", "count", "big", "small", "int", "flag", "none", "tags", "empty", "mixed",
		"nested", "nested.deep", "nested.deep.value", "nested.deep.list", "nested.n", "object", "object.a", "missing", "missing.deep")
	for i, v := range values {
		got, err := csvRow(v, cols)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		want, err := oldCSVRow(v, cols)
		if err != nil {
			t.Fatal(err)
		}
		for j := range cols {
			if got[j] != want[j] {
				t.Errorf("value %d, column %s: got %q; want %q", i, cols[j], got[j], want[j])
			}
		}
	}
}

var csvAwkward = []string{"", "plain", "=SUM(A1)", "-2.5", "+31 10", "@x", "\t=1", "\r=1", "a,b;c\"d", "line\nbreak\r\nand\rcr",
	"<b>&amp;</b>", "\u2028\u2029", "bad \xff utf-8", "emoji 😀 and ë", "back\\slash/", "ctl \x01\x1f\x7f", "\b\f", "1e3", "-Inf", "NaN"}

func testContract(t *testing.T) *contract {
	t.Helper()
	doc, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return newContract(doc.spec, basePath)
}

// FuzzCSVRowSame: any string, in a field and in a list, gives the cells it did.
func FuzzCSVRowSame(f *testing.F) {
	for _, s := range csvAwkward {
		f.Add(s)
	}
	cols := []string{"name", "list", "obj", "obj.name"}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string]any{"name": s, "list": []string{s, s}, "obj": map[string]any{"name": s, s: s}}
		got, err := csvRow(v, cols)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := oldCSVRow(v, cols)
		if !slices.Equal(got, want) {
			t.Fatalf("csvRow(%q): got %q; want %q", s, got, want)
		}
	})
}
