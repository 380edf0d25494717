package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// The table of moves is the whole review: every pair of statuses is a move
// of the table (by the party it names) or a conflict.
func TestMovesTable(t *testing.T) {
	t.Parallel()
	want := map[string]meeting.Party{
		"submitted>under-review": meeting.PartyEditor,
		"under-review>accepted":  meeting.PartyEditor,
		"under-review>rejected":  meeting.PartyEditor,
		"submitted>withdrawn":    meeting.PartySubmitter,
		"under-review>withdrawn": meeting.PartySubmitter,
		"accepted>under-review":  meeting.PartyEditor,
		"rejected>under-review":  meeting.PartyEditor,
	}
	for _, from := range meeting.SubmissionStatuses {
		for _, to := range meeting.SubmissionStatuses {
			key := string(from) + ">" + string(to)
			mv, ok := meeting.FindMove(from, to)
			party, wanted := want[key]
			if ok != wanted || mv.By != party {
				t.Errorf("%s: got %v by %q; want %v by %q", key, ok, mv.By, wanted, party)
			}
			if reopen := from == meeting.Accepted || from == meeting.Rejected; ok && mv.Reason != reopen {
				t.Errorf("%s: got reason %v; want %v (only a reopened decision needs one)", key, mv.Reason, reopen)
			}
		}
	}
}

// Each move, made by each kind of caller from each status, through the
// service: allowed by the table for its party, 403 for the other, 409 for
// a move the table lacks.
func TestMoveByParty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	// paths lead a new paper to each status by editors' and the submitter's moves.
	paths := map[meeting.SubmissionStatus][]meeting.SubmissionStatus{
		meeting.Submitted:   nil,
		meeting.UnderReview: {meeting.UnderReview},
		meeting.Accepted:    {meeting.UnderReview, meeting.Accepted},
		meeting.Rejected:    {meeting.UnderReview, meeting.Rejected},
		meeting.Withdrawn:   {meeting.Withdrawn},
	}
	actors := map[string]domain.Actor{"editor": editor, "submitter": partner, "stranger": analyst}
	for _, from := range meeting.SubmissionStatuses {
		for _, to := range meeting.SubmissionStatuses {
			for name, actor := range actors {
				sub, err := e.meetings.Submit(apptest.As(partner), conf.ID, paper())
				if err != nil {
					t.Fatal(err)
				}
				for _, step := range paths[from] {
					by := editor
					if step == meeting.Withdrawn {
						by = partner
					}
					if _, err := e.meetings.Move(apptest.As(by), conf.ID, sub.ID, step, "reason", domain.Precondition{}); err != nil {
						t.Fatalf("lead to %s: %v", from, err)
					}
				}
				mv, ok := meeting.FindMove(from, to)
				var want domain.Code
				switch {
				case name == "stranger":
					want = domain.CodeNotFound // a stranger does not see the paper
				case !ok:
					want = domain.CodeConflict
				case string(mv.By) != name:
					want = domain.CodeForbidden
				}
				label := fmt.Sprintf("%s moves %s to %s", name, from, to)
				got, err := e.meetings.Move(apptest.As(actor), conf.ID, sub.ID, to, "because", domain.Precondition{})
				apptest.CheckCode(t, label, err, want)
				if want == "" && (got.Status != to || len(got.History) != len(paths[from])+1 || got.History[len(got.History)-1].Reason != "because") {
					t.Errorf("%s: got %s with history %+v", label, got.Status, got.History)
				}
				if want == domain.CodeConflict {
					var de *domain.Error
					if !errors.As(err, &de) || !slices.ContainsFunc(de.Fields, func(f domain.FieldError) bool { return f.Name == "status" }) {
						t.Errorf("%s: got %v; want a conflict naming status", label, err)
					}
				}
			}
		}
	}
}

// A reopened decision needs a reason; the decision is stamped and cleared
// as the paper moves; the mail that follows a decision finds it as a change
// of status.
func TestReopenNeedsAReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	sub, err := e.meetings.Submit(apptest.As(partner), conf.ID, paper())
	if err != nil {
		t.Fatal(err)
	}
	ctx := apptest.As(editor)
	if _, err := e.meetings.Move(ctx, conf.ID, sub.ID, meeting.UnderReview, "", domain.Precondition{}); err != nil {
		t.Fatal(err)
	}
	decided, err := e.meetings.Decide(ctx, conf.ID, sub.ID, meeting.Accepted)
	if err != nil || decided.DecidedAt.IsZero() {
		t.Fatalf("decide: got %v decided at %v", err, decided.DecidedAt)
	}
	for _, reason := range []string{"", "   "} {
		_, err := e.meetings.Move(ctx, conf.ID, sub.ID, meeting.UnderReview, reason, domain.Precondition{})
		apptest.CheckCode(t, fmt.Sprintf("reopen with %q", reason), err, domain.CodeInvalid)
		if got := apptest.FieldNames(t, err); !slices.Equal(got, []string{"reason"}) {
			t.Errorf("reopen with %q: got fields %v; want reason", reason, got)
		}
	}
	_, err = e.meetings.Move(ctx, conf.ID, sub.ID, meeting.UnderReview, "x", apptest.IfVersion(1))
	apptest.CheckCode(t, "reopen with a stale If-Match", err, domain.CodePreconditionFailed)
	reopened, err := e.meetings.Move(ctx, conf.ID, sub.ID, meeting.UnderReview, " late review ", apptest.IfVersion(decided.Version))
	if err != nil {
		t.Fatal(err)
	}
	if !reopened.DecidedAt.IsZero() || reopened.History[2].Reason != "late review" || reopened.History[2].Actor != editor.Subject {
		t.Errorf("reopened: got decided %v history %+v; want undecided, the reason kept", reopened.DecidedAt, reopened.History)
	}
	cs, err := e.db.Changes(context.Background(), "submission", sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	statuses := 0
	for _, c := range cs {
		if slices.Equal(c.Fields, []string{"status"}) {
			statuses++
		}
	}
	if len(cs) != 4 || statuses != 3 {
		t.Errorf("got changes %+v; want the creation and three changes of status", cs)
	}
}

// Reviews: editors and assigned reviewers score papers under review, never
// their own; the score is on the scale; others see no reviews.
func TestReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(apptest.AmsterdamTime(2024, 7, 15, 12, 0))
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	schiedam := e.org(t, "GM0606")
	rita := e.person(t, "Rita Reviewer", "GM0606")
	ritaUser := domain.Actor{Subject: "rita", Role: domain.RoleMember, OrganisationID: schiedam.ID, PersonID: rita.ID}
	in := paper()
	in.Authors = append(in.Authors, meeting.AuthorInput{PersonID: rita.ID})
	own, err := e.meetings.Submit(apptest.As(editor), conf.ID, in) // who may see Rita's profile
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.meetings.Submit(apptest.As(partner), conf.ID, paper())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{own.ID, other.ID} {
		if _, err := e.meetings.Move(apptest.As(editor), conf.ID, id, meeting.UnderReview, "", domain.Precondition{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.meetings.PutReview(apptest.As(ritaUser), conf.ID, other.ID, 4, "")
	apptest.CheckCode(t, "before the assignment", err, domain.CodeForbidden)
	if _, err := e.meetings.AssignReviewer(apptest.As(editor), conf.ID, rita.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.meetings.AssignReviewer(apptest.As(ritaUser), conf.ID, rita.ID)
	apptest.CheckCode(t, "a reviewer assigns", err, domain.CodeForbidden)
	tests := []struct {
		name  string
		actor domain.Actor
		sub   string
		score int
		want  domain.Code
	}{
		{"the reviewer", ritaUser, other.ID, 4, ""},
		{"the reviewer on a paper of their own", ritaUser, own.ID, 4, domain.CodeForbidden},
		{"an editor", editor, other.ID, 1, ""},
		{"below the scale", editor, other.ID, meeting.MinScore - 1, domain.CodeInvalid},
		{"above the scale", editor, other.ID, meeting.MaxScore + 1, domain.CodeInvalid},
		{"the submitter", partner, other.ID, 5, domain.CodeForbidden},
		{"a stranger", analyst, other.ID, 5, domain.CodeForbidden},
	}
	for _, tt := range tests {
		_, err := e.meetings.PutReview(apptest.As(tt.actor), conf.ID, tt.sub, tt.score, "internal")
		apptest.CheckCode(t, tt.name, err, tt.want)
	}
	for name, c := range map[string]struct {
		actor   domain.Actor
		reviews bool
	}{"editor": {editor, true}, "reviewer": {ritaUser, true}, "submitter": {partner, false}} {
		got, err := e.meetings.Submission(apptest.As(c.actor), conf.ID, other.ID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Reviewed != c.reviews || (c.reviews && len(got.Reviews) != 2) || (!c.reviews && got.Reviews != nil) {
			t.Errorf("%s: got reviewed %v with %d reviews; want reviewed %v", name, got.Reviewed, len(got.Reviews), c.reviews)
		}
	}
	// Rita is an author of own: as its reviewer she still never sees its
	// reviews, in the list or by id.
	if _, err := e.meetings.PutReview(apptest.As(admin), conf.ID, own.ID, 2, "internal about Rita's paper"); err != nil {
		t.Fatal(err)
	}
	if got, err := e.meetings.Submission(apptest.As(ritaUser), conf.ID, own.ID); err != nil || got.Reviewed || got.Reviews != nil {
		t.Errorf("the reviewer's own paper by id: got reviewed %v with %d reviews, %v; want none", got.Reviewed, len(got.Reviews), err)
	}
	list, err := e.meetings.Submissions(apptest.As(ritaUser), conf.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range list {
		if own := sub.ID == own.ID; own == sub.Reviewed || (own && sub.Reviews != nil) {
			t.Errorf("the reviewer's list, %s: got reviewed %v with %d reviews; want reviews only of others' papers", sub.Title, sub.Reviewed, len(sub.Reviews))
		}
	}
	if err := e.meetings.RemoveReviewer(apptest.As(editor), conf.ID, rita.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.meetings.Submission(apptest.As(ritaUser), conf.ID, other.ID)
	apptest.CheckCode(t, "after the assignment ends", err, domain.CodeNotFound)
	err = e.meetings.RemoveReviewer(apptest.As(editor), conf.ID, rita.ID)
	apptest.CheckCode(t, "remove twice", err, domain.CodeNotFound)
}

// The submitter edits a paper while the call is open and the paper is
// neither decided nor withdrawn; nobody else does.
func TestUpdateSubmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	open, closed := apptest.AmsterdamTime(2024, 7, 15, 12, 0), apptest.AmsterdamTime(2024, 9, 1, 12, 0)
	e.clock.Set(open)
	t.Cleanup(func() { e.clock.Set(start) })
	conf := e.mustCreate(t, conference(apptest.AmsterdamTime(2024, 9, 12, 14, 0), apptest.Date(2024, 7, 1), apptest.Date(2024, 8, 31)))
	retitle := func(in meeting.SubmissionInput) (meeting.SubmissionInput, error) {
		in.Title = "Nieuwe titel"
		return in, nil
	}
	tests := []struct {
		name  string
		moves []meeting.SubmissionStatus
		actor domain.Actor
		now   time.Time
		want  domain.Code
	}{
		{"the submitter", nil, partner, open, ""},
		{"the submitter, under review", []meeting.SubmissionStatus{meeting.UnderReview}, partner, open, ""},
		{"an editor", nil, editor, open, domain.CodeForbidden},
		{"a stranger", nil, analyst, open, domain.CodeNotFound},
		{"after the call closed", nil, partner, closed, domain.CodeConflict},
		{"accepted", []meeting.SubmissionStatus{meeting.UnderReview, meeting.Accepted}, partner, open, domain.CodeConflict},
	}
	for _, tt := range tests {
		e.clock.Set(open)
		sub, err := e.meetings.Submit(apptest.As(partner), conf.ID, paper())
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range tt.moves {
			if sub, err = e.meetings.Move(apptest.As(editor), conf.ID, sub.ID, to, "", domain.Precondition{}); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Set(tt.now)
		got, err := e.meetings.UpdateSubmission(apptest.As(tt.actor), conf.ID, sub.ID, retitle, apptest.IfVersion(sub.Version))
		apptest.CheckCode(t, tt.name, err, tt.want)
		if tt.want == "" && (got.Title != "Nieuwe titel" || got.Version != sub.Version+1 || got.Status != sub.Status) {
			t.Errorf("%s: got %q version %d status %s", tt.name, got.Title, got.Version, got.Status)
		}
	}
}
