package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// TestEachMeetingReadsAsGetMeeting: an export reads every meeting as the
// read by id does, with or without a report, a retraction, a sequence
// number, details and a registration window (on SQLite the export selects
// the meeting's columns as one JSON array, the report's as another).
func TestEachMeetingReadsAsGetMeeting(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	opens, closes := at.Add(-72*time.Hour+123456789), at.Add(-time.Hour)
	host, chair := auditAt(t, db, "0344", "tester", now), auditAt(t, db, "q\"1", "tester", now) // a quote: not plain JSON
	tests := []struct {
		name   string
		change func(m *meeting.Meeting)
		report *meeting.Report
	}{
		{"plain", func(*meeting.Meeting) {}, nil},
		{"escapes", func(m *meeting.Meeting) { // text that SQLite's JSON escapes (see rowArray)
			m.Description = "line\nbreak\ttab \\ back \"quoted\" \x01 <&> café 😀 \u2028"
			m.Tags = []string{"a\"b", "ü"}
			m.OnlineURL = "https://example.org/?a=1&b=\"2\""
		}, nil},
		{"details and window", func(m *meeting.Meeting) {
			m.Sequence = 7
			m.Format = meeting.FormatKnowledgeSession
			m.Details = &meeting.Details{Format: meeting.FormatKnowledgeSession, Experts: []meeting.Expert{{Name: "Zoë \"Z\" Expert", Affiliation: "Uni"}}}
			m.RegistrationOpensAt, m.RegistrationClosesAt = opens, closes
		}, nil},
		{"organisations", func(m *meeting.Meeting) {
			m.Format = meeting.FormatLab
			m.Details = &meeting.Details{Format: meeting.FormatLab, Case: "A case", CaseOwner: organisation.Ref{ID: host}}
			m.Venue = &meeting.Venue{Name: "Stadhuis", City: "Utrecht", Host: organisation.Ref{ID: host}}
			m.GuestChair = &organisation.Ref{ID: chair}
		}, nil},
		{"report", func(*meeting.Meeting) {}, &meeting.Report{PublicationID: "pub-1", URL: "https://example.org/r", PublishedOn: at.Add(48 * time.Hour).Truncate(24 * time.Hour),
			Summary: "Summary, \"quoted\"", Language: "nl", Licence: "CC-BY-4.0", Version: 1, CreatedAt: now.Add(time.Microsecond), UpdatedAt: now.Add(time.Second)}},
		{"retracted report", func(*meeting.Meeting) {}, &meeting.Report{PublicationID: "pub-2", URL: "https://example.org/s", PublishedOn: at.Truncate(24 * time.Hour),
			Language: "en", Version: 1, RetractedAt: now.Add(time.Minute), RetractionReason: "wrong", CreatedAt: now, UpdatedAt: now.Add(time.Minute)}},
	}
	want := map[string]meeting.Meeting{}
	for i, tt := range tests {
		m := meeting.Meeting{ID: newID(), Title: tt.name, Topic: "Exports", Format: meeting.FormatLab, StartsAt: at.Add(time.Duration(i) * time.Hour),
			EndsAt: at.Add(time.Duration(i+1) * time.Hour), TimeZone: meeting.TimeZone, Status: meeting.StatusPlanned, Version: 1, CreatedAt: now, UpdatedAt: now}
		tt.change(&m)
		if err := db.CreateMeeting(ctx, m, change("meeting", m.ID, domain.ActionCreate, 1)); err != nil {
			t.Fatal(err)
		}
		if tt.report != nil {
			m.Report, m.Version = tt.report, 2
			if err := db.PutReport(ctx, m, change("meeting", m.ID, domain.ActionUpdate, 2)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.GetMeeting(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.GuestChair != nil && (got.GuestChair.Name != "Gemeente q\"1" || got.Venue.Host.Code != "0344" || got.Details.CaseOwner.Name != "Gemeente 0344") {
			t.Fatalf("%s: organisations %+v, %+v, %+v; want them read", tt.name, got.GuestChair, got.Venue.Host, got.Details.CaseOwner)
		}
		if (got.Report != nil) != (tt.report != nil) {
			t.Fatalf("%s: report %+v; want one: %v", tt.name, got.Report, tt.report != nil)
		}
		want[m.ID] = got
	}
	n := 0
	if err := db.EachMeeting(ctx, meeting.Query{}, func(m meeting.Meeting) error {
		n++
		if w, ok := want[m.ID]; !ok || !reflect.DeepEqual(m, w) {
			t.Errorf("exported %+v\nwant %+v", m, w)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(tests) {
		t.Errorf("exported %d meetings; want %d", n, len(tests))
	}
}
