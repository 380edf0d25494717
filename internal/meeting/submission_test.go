package meeting_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

func paper() meeting.SubmissionInput {
	return meeting.SubmissionInput{Title: "Open raadsinformatie", Abstract: "Hoe Schiedam raadsstukken opent.", Authors: []meeting.AuthorInput{{Name: "A. Auteur"}}}
}

func TestCallForPapersWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Cleanup(func() { e.clock.Set(start) })
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	tests := []struct {
		name string
		now  time.Time
		want domain.Code
	}{
		{"the evening before it opens", apptest.AmsterdamTime(2024, 6, 30, 23, 30), domain.CodeConflict},
		{"just after midnight on opensOn (still the day before in UTC)", apptest.AmsterdamTime(2024, 7, 1, 0, 30), ""},
		{"noon on opensOn", apptest.AmsterdamTime(2024, 7, 1, 12, 0), ""},
		{"noon on closesOn", apptest.AmsterdamTime(2024, 8, 31, 12, 0), ""},
		{"late on closesOn", apptest.AmsterdamTime(2024, 8, 31, 23, 30), ""},
		{"just after midnight the day after (still closesOn in UTC)", apptest.AmsterdamTime(2024, 9, 1, 0, 30), domain.CodeConflict},
		{"a week later", apptest.AmsterdamTime(2024, 9, 8, 12, 0), domain.CodeConflict},
	}
	for _, tt := range tests {
		e.clock.Set(tt.now)
		_, err := e.meetings.Submit(apptest.As(partner), conf.ID, paper())
		apptest.CheckCode(t, tt.name, err, tt.want)
	}

	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	sess := e.mustCreate(t, session(apptest.AmsterdamTime(2024, 9, 12, 14, 0)))
	_, err := e.meetings.Submit(apptest.As(partner), sess.ID, paper())
	apptest.CheckCode(t, "a knowledge session", err, domain.CodeConflict)
	in := conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31))
	in.Status, in.CancellationReason = meeting.StatusCancelled, "geen zaal"
	cancelled := e.mustCreate(t, in)
	_, err = e.meetings.Submit(apptest.As(partner), cancelled.ID, paper())
	apptest.CheckCode(t, "a cancelled conference", err, domain.CodeConflict)
	_, err = e.meetings.Submit(apptest.As(partner), "01900000-0000-7000-8000-000000000000", paper())
	apptest.CheckCode(t, "unknown meeting", err, domain.CodeNotFound)
	_, err = e.meetings.Submit(apptest.As(anonymous), conf.ID, paper())
	apptest.CheckCode(t, "anonymous", err, domain.CodeUnauthenticated)
}

func TestSubmissionValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	tests := []struct {
		name string
		in   meeting.SubmissionInput
		want []string
	}{
		{"empty", meeting.SubmissionInput{}, []string{"abstract", "authors", "title"}},
		{"blank", meeting.SubmissionInput{Title: " ", Abstract: "\n", Authors: []meeting.AuthorInput{}}, []string{"abstract", "authors", "title"}},
		{"a blank author", meeting.SubmissionInput{Title: "T", Abstract: "A", Authors: []meeting.AuthorInput{{Name: "A. Auteur"}, {Name: "  "}}}, []string{"authors[1]"}},
		{"unknown organisation", meeting.SubmissionInput{Title: "T", Abstract: "A", Authors: []meeting.AuthorInput{{Name: "X"}}, Organisation: "GM9999"}, []string{"organisation"}},
		{"all at once", meeting.SubmissionInput{Authors: []meeting.AuthorInput{{}}, Organisation: "nobody"}, []string{"abstract", "authors[0]", "organisation", "title"}},
	}
	for _, tt := range tests {
		_, err := e.meetings.Submit(apptest.As(partner), conf.ID, tt.in)
		apptest.CheckCode(t, tt.name, err, domain.CodeInvalid)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got fields %v; want %v", tt.name, got, tt.want)
		}
	}
	utrechtPartner := domain.Actor{Subject: "pc_utrecht", Role: domain.RolePartner, OrganisationID: e.org(t, "GM0344").ID, Client: true}
	sub, err := e.meetings.Submit(apptest.As(utrechtPartner), conf.ID, meeting.SubmissionInput{Title: " Titel ", Abstract: " Samenvatting ",
		Authors: []meeting.AuthorInput{{Name: " A. Auteur "}, {Name: "B. Auteur"}}, Organisation: "gm0344"})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := e.meetings.Submissions(apptest.As(editor), conf.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 {
		t.Fatalf("got %d submissions; want 1", len(subs))
	}
	got := subs[0]
	if got.ID != sub.ID || got.Title != "Titel" || got.Abstract != "Samenvatting" || !slices.Equal(got.Authors, []meeting.Author{{Name: "A. Auteur"}, {Name: "B. Auteur"}}) ||
		got.Organisation == nil || got.Organisation.Code != "GM0344" || got.Status != meeting.Submitted || got.SubmittedBy != utrechtPartner.Subject ||
		!got.SubmittedAt.Equal(apptest.AmsterdamTime(2024, 7, 15, 12, 0)) || !got.DecidedAt.IsZero() {
		t.Errorf("got %+v", got)
	}
}

func TestSubmissionsVisibilityAndDecisions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	schiedam, utrecht := e.org(t, "GM0606"), e.org(t, "GM0344")
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	t.Cleanup(func() { e.clock.Set(start) })
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	submit := func(a domain.Actor, title, org string) meeting.Submission {
		t.Helper()
		in := paper()
		in.Title, in.Organisation = title, org
		s, err := e.meetings.Submit(apptest.As(a), conf.ID, in)
		if err != nil {
			t.Fatalf("submit %s: %v", title, err)
		}
		return s
	}
	byPartner := submit(partner, "Van een partner", "")
	byMember := submit(member(schiedam.ID), "Van Schiedam", "") // its own organisation by default
	byAnalyst := submit(analyst, "Van een analist", "")
	byUtrecht := submit(member(utrecht.ID), "Over Utrecht", "")
	if byMember.Organisation == nil || byMember.Organisation.ID != schiedam.ID {
		t.Errorf("member's submission: got organisation %+v; want %s", byMember.Organisation, schiedam.Code)
	}
	if byPartner.Organisation != nil {
		t.Errorf("partner's submission: got organisation %+v; want none", byPartner.Organisation)
	}
	tests := []struct {
		name  string
		actor domain.Actor
		want  []string
	}{
		{"admin", admin, []string{byPartner.ID, byMember.ID, byAnalyst.ID, byUtrecht.ID}},
		{"editor", editor, []string{byPartner.ID, byMember.ID, byAnalyst.ID, byUtrecht.ID}},
		{"the partner who sent it", partner, []string{byPartner.ID}},
		{"another member of Schiedam", domain.Actor{Subject: "member-2", Role: domain.RoleMember, OrganisationID: schiedam.ID}, []string{byMember.ID}},
		{"a member of Utrecht", member(utrecht.ID), []string{byUtrecht.ID}},
		{"the analyst who sent it", analyst, []string{byAnalyst.ID}},
		{"another analyst", domain.Actor{Subject: "analyst-2", Role: domain.RoleAnalyst, OrganisationID: utrecht.ID}, []string{}},
	}
	for _, tt := range tests {
		subs, err := e.meetings.Submissions(apptest.As(tt.actor), conf.ID, "")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := []string{}
		for _, s := range subs {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	_, err := e.meetings.Submissions(apptest.As(anonymous), conf.ID, "")
	apptest.CheckCode(t, "anonymous", err, domain.CodeUnauthenticated)
	_, err = e.meetings.Submissions(apptest.As(editor), "01900000-0000-7000-8000-000000000000", "")
	apptest.CheckCode(t, "unknown meeting", err, domain.CodeNotFound)

	e.clock.Set(apptest.AmsterdamTime(2024, 9, 2, 10, 0))
	for _, id := range []string{byPartner.ID, byMember.ID} {
		if _, err := e.meetings.Move(apptest.As(editor), conf.ID, id, meeting.UnderReview, "", domain.Precondition{}); err != nil {
			t.Fatalf("start the review: %v", err)
		}
	}
	decisions := []struct {
		name     string
		actor    domain.Actor
		meeting  string
		sub      string
		decision meeting.SubmissionStatus
		want     domain.Code
	}{
		{"accept", editor, conf.ID, byPartner.ID, meeting.Accepted, ""},
		{"reject", admin, conf.ID, byMember.ID, meeting.Rejected, ""},

		{"back to submitted", editor, conf.ID, byAnalyst.ID, meeting.Submitted, domain.CodeInvalid},
		{"the same decision again", editor, conf.ID, byPartner.ID, meeting.Accepted, ""},
		{"flip a decision", editor, conf.ID, byMember.ID, meeting.Accepted, domain.CodeConflict},
		{"unknown decision", editor, conf.ID, byAnalyst.ID, "maybe", domain.CodeInvalid},
		{"unknown submission", editor, conf.ID, "01900000-0000-7000-8000-000000000000", meeting.Accepted, domain.CodeNotFound},
		{"through another meeting", editor, "01900000-0000-7000-8000-000000000000", byAnalyst.ID, meeting.Accepted, domain.CodeNotFound},
		{"by the member of its organisation", member(utrecht.ID), conf.ID, byUtrecht.ID, meeting.Accepted, domain.CodeForbidden},
		{"by its author", analyst, conf.ID, byAnalyst.ID, meeting.Accepted, domain.CodeForbidden},
	}
	for _, d := range decisions {
		got, err := e.meetings.Decide(apptest.As(d.actor), d.meeting, d.sub, d.decision)
		apptest.CheckCode(t, d.name, err, d.want)
		if d.want == "" && (got.Status != d.decision || !got.DecidedAt.Equal(apptest.AmsterdamTime(2024, 9, 2, 10, 0))) {
			t.Errorf("%s: got %s decided %v; want %s at %v", d.name, got.Status, got.DecidedAt, d.decision, apptest.AmsterdamTime(2024, 9, 2, 10, 0))
		}
	}
	subs, err := e.meetings.Submissions(apptest.As(editor), conf.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]meeting.SubmissionStatus{byPartner.ID: meeting.Accepted, byMember.ID: meeting.Rejected, byAnalyst.ID: meeting.Submitted, byUtrecht.ID: meeting.Submitted}
	for _, s := range subs {
		decided := s.Status == meeting.Accepted || s.Status == meeting.Rejected
		if s.Status != want[s.ID] || decided == s.DecidedAt.IsZero() {
			t.Errorf("%s: got %s decided %v; want %s", s.Title, s.Status, s.DecidedAt, want[s.ID])
		}
	}
	cs, err := e.db.Changes(context.Background(), "submission", byPartner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[2].Actor != editor.Subject || !slices.Equal(cs[2].Fields, []string{"status"}) || cs[2].Version != 3 {
		t.Errorf("got changes %+v; want the submission, the review's start and the editor's decision", cs)
	}

	// A paper just sent is decided in one call, as in 1.2: the review starts
	// and ends, both moves in its history.
	got, err := e.meetings.Decide(apptest.As(editor), conf.ID, byAnalyst.ID, meeting.Rejected)
	if err != nil {
		t.Fatalf("decide a paper just sent: %v", err)
	}
	var moves []meeting.SubmissionStatus
	for _, tr := range got.History {
		moves = append(moves, tr.To)
	}
	if got.Status != meeting.Rejected || !slices.Equal(moves, []meeting.SubmissionStatus{meeting.UnderReview, meeting.Rejected}) {
		t.Errorf("decide a paper just sent: got %s through %v; want rejected through [under-review rejected]", got.Status, moves)
	}
}
