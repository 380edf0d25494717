package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// readsBenchMeetings is how many meetings the read benchmarks list from:
// enough for full pages of every kind of meeting.
const readsBenchMeetings = 300

// readsBench is a service with the action plan, the demo data, a few
// hundred meetings of every format (some with registrations and a waitlist)
// and an admin's token.
type readsBench struct {
	env     *apptest.Env
	handler http.Handler
	admin   string
	meeting string // a knowledge session with registrations
}

func newReadsBench(b *testing.B) *readsBench {
	b.Helper()
	cfg := apptest.Config(b)
	cfg.RateLimit = 0
	cfg.SignInLimit = 1000
	env := apptest.New(b, cfg)
	ctx := apptest.As(domain.System)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		b.Fatalf("demo seed: %v", err)
	}
	rb := &readsBench{env: env, handler: env.App.Handler(), admin: env.User(b, "admin@example.org", domain.RoleAdmin, "")}
	var people []string
	for i := range 6 {
		people = append(people, env.Post(b, rb.admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Pioneer %d", i),
			fmt.Sprintf("p%d@example.org", i), "", "GM0606")).ID)
	}
	start := time.Date(2031, 1, 6, 12, 0, 0, 0, time.UTC)
	for i := range readsBenchMeetings {
		in := readsBenchInput(i, start.Add(time.Duration(i)*24*time.Hour))
		m, err := env.App.Meetings.Create(ctx, in)
		if err != nil {
			b.Fatalf("create meeting %d: %v", i, err)
		}
		if i%5 == 0 { // every fifth meeting has registrations, and a waitlist
			for _, p := range people {
				if _, err := env.App.Meetings.Register(ctx, m.ID, p); err != nil {
					b.Fatalf("register: %v", err)
				}
			}
			if rb.meeting == "" {
				rb.meeting = m.ID
			}
		}
	}
	return rb
}

// readsBenchInput is a meeting of the i-th format, with a venue, a guest
// chair and the details of its format.
func readsBenchInput(i int, at time.Time) meeting.Input {
	in := meeting.Input{Title: fmt.Sprintf("Bench meeting %d", i), Topic: "Open government", Description: "A meeting to measure reads.",
		Tags: []string{"bench", "open-data"}, StartsAt: at, EndsAt: at.Add(3 * time.Hour), GuestChair: "GM0606", Capacity: 4,
		Venue: &meeting.VenueInput{Name: "Town hall", Address: "Main street 1", City: "Wageningen", Host: "GM0344"}}
	switch i % 5 {
	case 0:
		in.Format = meeting.FormatKnowledgeSession
		in.Details = &meeting.DetailsInput{Format: in.Format, Experts: []meeting.Expert{{Name: "Ada Expert", Affiliation: "University"}, {Name: "Bo Expert"}}}
	case 1:
		in.Format = meeting.FormatLab
		in.Details = &meeting.DetailsInput{Format: in.Format, Case: "Open council decisions", CaseOwner: "GM0606"}
	case 2:
		in.Format = meeting.FormatConference
		in.Details = &meeting.DetailsInput{Format: in.Format, CallOpensOn: at.AddDate(0, -3, 0), CallClosesOn: at.AddDate(0, -1, 0)}
	case 3:
		in.Format = meeting.FormatResidents
		in.Details = &meeting.DetailsInput{Format: in.Format, TownHall: "Wageningen town hall"}
	default:
		in.Format = meeting.Format("other")
	}
	return in
}

func (rb *readsBench) serve(b *testing.B, req *http.Request, want int) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	rb.handler.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: got %d; want %d: %s", req.Method, req.URL, rec.Code, want, rec.Body)
	}
	return rec
}

// BenchmarkReadsGet measures anonymous reads of a page of each list and of
// one meeting through the whole stack.
func BenchmarkReadsGet(b *testing.B) {
	rb := newReadsBench(b)
	for _, path := range []string{
		"/v1/meetings?pageSize=50",
		"/v1/meetings/" + rb.meeting,
		"/v1/organisations?pageSize=50",
		"/v1/publications?pageSize=50",
		"/v1/milestones?pageSize=50",
		"/v1/evaluations?pageSize=50",
	} {
		b.Run(strings.Replace(path[len("/v1/"):], rb.meeting, "{id}", 1), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rb.serve(b, httptest.NewRequest(http.MethodGet, path, nil), http.StatusOK)
			}
		})
	}
	b.Run("people?pageSize=50 (admin)", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/v1/people?pageSize=50", nil)
			req.Header.Set("Authorization", "Bearer "+rb.admin)
			rb.serve(b, req, http.StatusOK)
		}
	})
}

// BenchmarkReadsCreateMeeting measures POST /v1/meetings of a confirmed
// meeting that names three organisations, as an admin.
func BenchmarkReadsCreateMeeting(b *testing.B) {
	rb := newReadsBench(b)
	body, err := json.Marshal(apptest.PlannedMeeting("Bench lab", map[string]any{"format": "open-government-lab",
		"details":    map[string]any{"format": "open-government-lab", "case": "Open council decisions", "caseOwner": "GM0606"},
		"venue":      map[string]any{"name": "Town hall", "city": "Wageningen", "hostOrganisation": "GM0344"},
		"guestChair": "GM0606", "status": "confirmed", "capacity": 40}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/meetings", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+rb.admin)
		req.Header.Set("Content-Type", "application/json")
		rb.serve(b, req, http.StatusCreated)
	}
}
