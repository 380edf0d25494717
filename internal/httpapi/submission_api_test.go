package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// review is a conference with its call open, the fixture's users, and a
// reviewer who is one of the network's people.
type review struct {
	*apptest.Fixture
	conf              string
	public, private   string // people of GM9901 with and without a public profile
	reviewer          string // a person assigned as reviewer, and their token
	reviewerToken     string
	publicName        string
	privateName       string
	submissionsPrefix string
}

func startReview(t *testing.T) *review {
	t.Helper()
	f := apptest.StartDemo(t)
	r := &review{Fixture: f, publicName: "Pia Public", privateName: "Quinten Quiet"}
	r.public = f.Post(t, f.Admin, "/v1/people", apptest.Pioneer(r.publicName, "pia@north.example", "", "GM9901")).ID
	if res := f.Do(t, "PUT", "/v1/people/"+r.public+"/consent", map[string]any{"publicProfile": true}, apptest.Headers(f.Admin, "If-Match", "*")); res.StatusCode != 200 {
		t.Fatalf("consent: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	r.private = f.Post(t, f.Admin, "/v1/people", apptest.Pioneer(r.privateName, "quinten@north.example", "", "GM9901")).ID
	r.reviewer = f.Post(t, f.Admin, "/v1/people", apptest.Pioneer("Rita Reviewer", "rita@south.example", "", "GM9902")).ID
	r.reviewerToken = f.PersonUser(t, "rita@south.example", domain.RoleMember, "GM9902", r.reviewer)
	today := time.Now().UTC()
	r.conf = f.Post(t, f.Editor, "/v1/meetings", map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
			"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}).ID
	r.submissionsPrefix = "/v1/meetings/" + r.conf + "/submissions"
	return r
}

func (r *review) submission(t *testing.T, token, id string) (api.Submission, apptest.Response) {
	t.Helper()
	res := r.Do(t, "GET", r.submissionsPrefix+"/"+id, nil, apptest.Headers(token))
	var s api.Submission
	if res.StatusCode == 200 {
		res.JSON(t, &s)
	}
	return s, res
}

func (r *review) move(t *testing.T, token, id string, body map[string]any) apptest.Response {
	t.Helper()
	return r.Do(t, "POST", r.submissionsPrefix+"/"+id+"/transitions", body, apptest.Headers(token))
}

// A paper goes through the review: the member submits it with people and a
// free name as authors and edits it with If-Match while the call is open;
// an editor starts the review and assigns a reviewer, who scores it with an
// internal comment the member never sees; the decision is final until an
// editor reopens it with a reason; the accepted paper shows on the
// conference's public programme without the names of people who did not
// make their profile public.
func TestSubmissionReview(t *testing.T) {
	t.Parallel()
	r := startReview(t)
	res := r.Do(t, "POST", r.submissionsPrefix, map[string]any{"title": "Open agendas", "abstract": "What we learned.",
		"authors": []any{map[string]any{"person": r.public}, map[string]any{"person": r.private}, "Frank Free"}}, apptest.Headers(r.Member))
	if res.StatusCode != 201 || res.Header.Get("ETag") == "" {
		t.Fatalf("submit: got %d, ETag %q (%s); want 201 with an ETag", res.StatusCode, res.Header.Get("ETag"), apptest.Short(res.Body))
	}
	var sub api.Submission
	res.JSON(t, &sub)
	id, firstETag := sub.ID.String(), res.Header.Get("ETag")
	if got := strings.Join(sub.Authors, ", "); got != r.publicName+", "+r.privateName+", Frank Free" || len(sub.AuthorDetails) != 3 ||
		sub.AuthorDetails[1].Person == nil || sub.AuthorDetails[1].Person.ID.String() != r.private || sub.AuthorDetails[2].Person != nil {
		t.Errorf("authors: got %q and %+v; want the two people by id, then the free name", got, sub.AuthorDetails)
	}
	if sub.Status != "submitted" || sub.Revision != 1 || sub.Organisation == nil || sub.Organisation.Code != "GM9901" || sub.Reviews != nil {
		t.Errorf("got %s revision %d organisation %+v reviews %v; want submitted, 1, GM9901, none", sub.Status, sub.Revision, sub.Organisation, sub.Reviews)
	}

	// Reading one: the same callers as the list.
	for _, c := range []struct {
		name, token string
		want        int
	}{{"anonymous", "", 401}, {"the submitter", r.Member, 200}, {"another member", r.Member2, 404}, {"an editor", r.Editor, 200},
		{"the reviewer, before the assignment", r.reviewerToken, 404}} {
		if _, res := r.submission(t, c.token, id); res.StatusCode != c.want {
			t.Errorf("GET as %s: got %d; want %d (%s)", c.name, res.StatusCode, c.want, apptest.Short(res.Body))
		}
	}

	// Editing: If-Match, the submitter only.
	path := r.submissionsPrefix + "/" + id
	patch := map[string]any{"title": "Open agendas, opened"}
	if res := r.Do(t, "PATCH", path, patch, apptest.Headers(r.Member)); res.StatusCode != 428 {
		t.Errorf("PATCH without If-Match: got %d; want 428", res.StatusCode)
	}
	if res := r.Do(t, "PATCH", path, patch, apptest.Headers(r.Editor, "If-Match", "*")); res.StatusCode != 403 {
		t.Errorf("PATCH by an editor: got %d; want 403", res.StatusCode)
	}
	res = r.Do(t, "PATCH", path, patch, apptest.Headers(r.Member, "If-Match", firstETag))
	if res.StatusCode != 200 {
		t.Fatalf("PATCH: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
	res.JSON(t, &sub)
	if sub.Title != "Open agendas, opened" || sub.Revision != 2 || len(sub.Authors) != 3 {
		t.Errorf("after PATCH: got %q revision %d authors %q", sub.Title, sub.Revision, sub.Authors)
	}
	if res := r.Do(t, "PATCH", path, patch, apptest.Headers(r.Member, "If-Match", firstETag)); res.StatusCode != 412 {
		t.Errorf("PATCH with a stale ETag: got %d; want 412", res.StatusCode)
	}

	// The review starts; only editors start it, and reviews wait for it.
	if res := r.Do(t, "PUT", path+"/review", map[string]any{"score": 4}, apptest.Headers(r.Editor)); res.StatusCode != 409 {
		t.Errorf("review before the review starts: got %d; want 409", res.StatusCode)
	}
	if res := r.move(t, r.Member, id, map[string]any{"status": "under-review"}); res.StatusCode != 403 {
		t.Errorf("the submitter starts the review: got %d; want 403", res.StatusCode)
	}
	if res := r.move(t, r.Editor, id, map[string]any{"status": "under-review"}); res.StatusCode != 200 {
		t.Fatalf("start the review: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := r.Do(t, "PUT", "/v1/meetings/"+r.conf+"/reviewers/"+r.reviewer, nil, apptest.Headers(r.Editor)); res.StatusCode != 200 {
		t.Fatalf("assign the reviewer: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var reviewers api.ReviewerList
	r.Do(t, "GET", "/v1/meetings/"+r.conf+"/reviewers", nil, apptest.Headers(r.reviewerToken)).JSON(t, &reviewers)
	if len(reviewers.Items) != 1 || reviewers.Items[0].Person.ID.String() != r.reviewer {
		t.Errorf("reviewers: got %+v; want the one assigned", reviewers.Items)
	}
	const secret = "Weak method section; internal only."
	res = r.Do(t, "PUT", path+"/review", map[string]any{"score": 9}, apptest.Headers(r.reviewerToken))
	apptest.CheckInvalid(t, "a score off the scale", res, "score")
	if res := r.Do(t, "PUT", path+"/review", map[string]any{"score": 2, "comment": secret}, apptest.Headers(r.reviewerToken)); res.StatusCode != 200 {
		t.Fatalf("review: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := r.Do(t, "PUT", path+"/review", map[string]any{"score": 4, "comment": secret}, apptest.Headers(r.reviewerToken)); res.StatusCode != 200 {
		t.Fatalf("review again: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := r.Do(t, "PUT", path+"/review", map[string]any{"score": 5}, apptest.Headers(r.Editor)); res.StatusCode != 200 {
		t.Fatalf("the editor's review: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	got, _ := r.submission(t, r.reviewerToken, id)
	if got.Reviews == nil || len(*got.Reviews) != 2 || got.AverageScore == nil || *got.AverageScore != 4.5 {
		t.Errorf("as the reviewer: got reviews %+v average %v; want two, the reviewer's replaced, averaging 4.5", got.Reviews, got.AverageScore)
	}
	for _, c := range []struct{ name, token, path string }{{"the submitter", r.Member, path}, {"the submitter's list", r.Member, r.submissionsPrefix}} {
		res := r.Do(t, "GET", c.path, nil, apptest.Headers(c.token))
		if res.StatusCode != 200 || strings.Contains(res.Body, secret) || strings.Contains(res.Body, `"reviews"`) || strings.Contains(res.Body, "averageScore") {
			t.Errorf("%s: got %d with the reviews (%s); want 200 without", c.name, res.StatusCode, apptest.Short(res.Body))
		}
	}

	// Lists filter by status.
	for status, want := range map[string]int{"under-review": 1, "accepted": 0, "submitted": 0} {
		var list api.SubmissionList
		r.Do(t, "GET", r.submissionsPrefix+"?status="+status, nil, apptest.Headers(r.Editor)).JSON(t, &list)
		if len(list.Items) != want {
			t.Errorf("?status=%s: got %d; want %d", status, len(list.Items), want)
		}
	}
	apptest.CheckInvalid(t, "an unknown status", r.Do(t, "GET", r.submissionsPrefix+"?status=maybe", nil, apptest.Headers(r.Editor)), "status")

	// The decision is final until reopened with a reason.
	if res := r.Do(t, "PUT", path+"/decision", map[string]any{"decision": "rejected"}, apptest.Headers(r.Editor)); res.StatusCode != 200 {
		t.Fatalf("reject: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	res = r.move(t, r.Editor, id, map[string]any{"status": "accepted"})
	if p := apptest.CheckProblem(t, "flip the decision", res, 409); !strings.Contains(p.Detail, "reopen") {
		t.Errorf("flip the decision: got %q; want it to say how to reopen", p.Detail)
	}
	if res := r.move(t, r.Member, id, map[string]any{"status": "withdrawn"}); res.StatusCode != 409 {
		t.Errorf("withdraw after the decision: got %d; want 409", res.StatusCode)
	}
	apptest.CheckInvalid(t, "reopen without a reason", r.move(t, r.Editor, id, map[string]any{"status": "under-review"}), "reason")
	const why = "The second review came in late."
	if res := r.move(t, r.Editor, id, map[string]any{"status": "under-review", "reason": why}); res.StatusCode != 200 {
		t.Fatalf("reopen: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := r.move(t, r.Editor, id, map[string]any{"status": "accepted"}); res.StatusCode != 200 {
		t.Fatalf("accept: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	got, _ = r.submission(t, r.Member, id)
	var moves []string
	for _, h := range got.History {
		moves = append(moves, string(h.From)+">"+string(h.To)+":"+apptest.Deref(h.Reason))
	}
	want := "submitted>under-review:, under-review>rejected:, rejected>under-review:" + why + ", under-review>accepted:"
	if strings.Join(moves, ", ") != want || got.Status != "accepted" || got.DecidedAt == nil {
		t.Errorf("history: got %q, status %s decided %v; want %q, accepted", strings.Join(moves, ", "), got.Status, got.DecidedAt, want)
	}
	// created, edited, four moves; the reviews are records of their own
	if n := r.Changes(t, "submission", id); n != 6 {
		t.Errorf("change records: got %d; want 6", n)
	}

	// The public programme.
	res = r.Do(t, "GET", "/v1/meetings/"+r.conf, nil, nil)
	var m api.Meeting
	res.JSON(t, &m)
	if m.Programme == nil || len(*m.Programme) != 1 {
		t.Fatalf("programme: got %+v; want the accepted paper", m.Programme)
	}
	item := (*m.Programme)[0]
	if item.Title != "Open agendas, opened" || len(item.Authors) != 3 || apptest.Deref(item.Authors[0]) != r.publicName || item.Authors[1] != nil ||
		apptest.Deref(item.Authors[2]) != "Frank Free" || item.Organisation == nil || item.Organisation.Code != "GM9901" {
		t.Errorf("programme item: got %+v; want the title, the public name, null, the free name and GM9901", item)
	}
	if strings.Contains(res.Body, r.privateName) || strings.Contains(res.Body, r.private) || strings.Contains(res.Body, secret) {
		t.Errorf("the public meeting shows what is not public: %s", apptest.Short(res.Body))
	}

	// Erasure reaches an author who is a person.
	if res := r.Do(t, "DELETE", "/v1/people/"+r.public, nil, apptest.Headers(r.Admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	res = r.Do(t, "GET", "/v1/meetings/"+r.conf, nil, nil)
	if strings.Contains(res.Body, r.publicName) {
		t.Errorf("the programme after erasure still names %s: %s", r.publicName, apptest.Short(res.Body))
	}
	got, _ = r.submission(t, r.Editor, id)
	if len(got.AuthorDetails) != 3 || got.AuthorDetails[0].Person == nil || !got.AuthorDetails[0].Person.Erased || got.AuthorDetails[0].Name != nil {
		t.Errorf("authors after erasure: got %+v; want the first an erased person", got.AuthorDetails)
	}
}

// Every move the table of moves lacks is a 409 that says where the paper
// may go; the submitter withdraws until the decision.
func TestSubmissionMoves(t *testing.T) {
	t.Parallel()
	r := startReview(t)
	paper := map[string]any{"title": "Open agendas", "abstract": "What we learned.", "authors": []string{"A. Pioneer"}}
	tests := []struct {
		name  string
		setup []string // moves by an editor first
		token func() string
		to    string
		want  int
	}{
		{"withdraw a submitted paper", nil, func() string { return r.Member }, "withdrawn", 200},
		{"withdraw under review", []string{"under-review"}, func() string { return r.Member }, "withdrawn", 200},
		{"withdraw someone else's paper", nil, func() string { return r.Editor }, "withdrawn", 403},
		{"decide before the review", nil, func() string { return r.Editor }, "accepted", 409},
		{"back to submitted", []string{"under-review"}, func() string { return r.Editor }, "submitted", 409},
		{"stay where it is", []string{"under-review"}, func() string { return r.Editor }, "under-review", 409},
		{"revive a withdrawn paper", nil, func() string { return r.Editor }, "under-review", 409},
		{"an unknown status", nil, func() string { return r.Editor }, "maybe", 400},
	}
	for _, tt := range tests {
		id := r.Post(t, r.Member, r.submissionsPrefix, paper).ID
		if tt.name == "revive a withdrawn paper" {
			if res := r.move(t, r.Member, id, map[string]any{"status": "withdrawn"}); res.StatusCode != 200 {
				t.Fatalf("%s: withdraw: got %d", tt.name, res.StatusCode)
			}
		}
		for _, s := range tt.setup {
			if res := r.move(t, r.Editor, id, map[string]any{"status": s}); res.StatusCode != 200 {
				t.Fatalf("%s: move to %s: got %d (%s)", tt.name, s, res.StatusCode, apptest.Short(res.Body))
			}
		}
		res := r.move(t, tt.token(), id, map[string]any{"status": tt.to})
		if res.StatusCode != tt.want {
			t.Errorf("%s: got %d (%s); want %d", tt.name, res.StatusCode, apptest.Short(res.Body), tt.want)
		}
	}
}
