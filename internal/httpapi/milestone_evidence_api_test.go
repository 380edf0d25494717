package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// evDemo is the demo's dated evidence as the API lists it, for computing
// what each day's evidence must be.
type evDemo struct {
	meetings    []api.Meeting
	editions    []api.Publication
	evaluations []api.Evaluation
	milestones  map[string]api.Milestone // NL0037's, by code, as recorded now
}

func startEvidenceDemo(t *testing.T) (*apptest.Env, evDemo) {
	t.Helper()
	env := apptest.StartSeeded(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	var d evDemo
	var meetings api.MeetingPage
	env.Do(t, http.MethodGet, "/v1/meetings?status=held&pageSize=100", nil, nil).JSON(t, &meetings)
	d.meetings = meetings.Items
	var pubs api.PublicationPage
	env.Do(t, http.MethodGet, "/v1/publications?kind=magazine-edition&pageSize=100", nil, nil).JSON(t, &pubs)
	d.editions = pubs.Items
	var evals api.EvaluationPage
	env.Do(t, http.MethodGet, "/v1/evaluations?pageSize=100", nil, apptest.Bearer(admin)).JSON(t, &evals)
	d.evaluations = evals.Items
	d.milestones = map[string]api.Milestone{}
	for _, m := range msList(t, env, "/v1/milestones?commitment=NL0037") {
		d.milestones[m.Code] = m
	}
	if len(d.meetings) == 0 || len(d.editions) == 0 || len(d.evaluations) == 0 {
		t.Fatalf("demo: %d held meetings, %d editions, %d evaluations; want some of each", len(d.meetings), len(d.editions), len(d.evaluations))
	}
	return env, d
}

// evidenceOn is what the rule of milestone code counts by the end of day,
// computed from the records themselves: their ids in order.
func (d evDemo) evidenceOn(t *testing.T, code string, day time.Time) []string {
	t.Helper()
	m := d.milestones[code]
	end := domain.EndOfDay(day)
	from := domain.DayStart(m.PlannedStart.Time)
	to := domain.EndOfDay(m.PlannedEnd.Time)
	type dated struct {
		at time.Time
		id string
	}
	var got []dated
	switch m.EvidenceRule {
	case api.EvidenceRuleHeldMeetingsWithReport:
		for _, mt := range d.meetings {
			if mt.Report != nil && !mt.StartsAt.Before(from) && !mt.StartsAt.After(to) && !mt.StartsAt.After(end) &&
				!mt.Report.PublishedOn.After(day) {
				got = append(got, dated{mt.StartsAt, mt.ID.String()})
			}
		}
	case api.EvidenceRuleMagazineEditions:
		for _, p := range d.editions {
			on := p.PublishedOn.Time
			if !on.Before(m.PlannedStart.Time) && !on.After(m.PlannedEnd.Time) && !on.After(day) {
				got = append(got, dated{on, p.ID.String()})
			}
		}
	case api.EvidenceRuleClosedEvaluation:
		for _, e := range d.evaluations {
			if e.Milestone != nil && *e.Milestone == m.ID && e.Published && !e.ClosesAt.After(end) {
				got = append(got, dated{e.ClosesAt, e.ID.String()})
			}
		}
	default:
		t.Fatalf("milestone %s: rule %s has no dated evidence", code, m.EvidenceRule)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].at.Before(got[j].at) })
	ids := []string{}
	for _, g := range got {
		ids = append(ids, g.id)
	}
	return ids
}

// countsFrom is the day a record counts from by its own dates: a meeting
// once held and reported, an edition when published, an evaluation when closed.
func (d evDemo) countsFrom(id string) string {
	for _, m := range d.meetings {
		if m.ID.String() == id && m.Report != nil {
			day := domain.Today(m.StartsAt)
			if m.Report.PublishedOn.After(day) {
				day = m.Report.PublishedOn.Time
			}
			return day.Format(time.DateOnly)
		}
	}
	for _, p := range d.editions {
		if p.ID.String() == id {
			return p.PublishedOn.String()
		}
	}
	for _, e := range d.evaluations {
		if e.ID.String() == id {
			return domain.Today(e.ClosesAt).Format(time.DateOnly)
		}
	}
	return "unknown"
}

func evMsIDs(m api.Milestone) []string {
	return append([]string{}, msEvidenceIDs(m)...)
}

// TestMilestonesByEvidenceDate: the demo's data is entered today, but its
// evidence is dated 2018-2020. By evidence date (evidenceOn) milestones
// 3.3-3.5 move through those years as the meetings, editions and the
// evaluation happened; by record date (asOf) the same days find nothing yet.
func TestMilestonesByEvidenceDate(t *testing.T) {
	t.Parallel()
	env, demo := startEvidenceDemo(t)
	today := apptest.Today().Format(time.DateOnly)
	days := []string{"2018-06-30", "2018-12-31", "2019-06-30", "2019-10-15", "2019-12-31", "2020-06-30", "2020-12-31"}
	counts := map[string][]int{}
	for _, day := range days {
		on, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		list := map[string]api.Milestone{}
		for _, m := range msList(t, env, "/v1/milestones?commitment=NL0037&evidenceOn="+day) {
			list[m.Code] = m
		}
		both := map[string]api.Milestone{}
		for _, m := range msList(t, env, "/v1/commitments/NL0037/milestones?asOf="+today+"&evidenceOn="+day) {
			both[m.Code] = m
		}
		for _, code := range []string{"3.3", "3.4", "3.5"} {
			want := demo.evidenceOn(t, code, on)
			counts[code] = append(counts[code], len(want))
			m := demo.milestones[code]
			wantProgress := min(100, len(want)*100/m.Target.Count)
			got := list[code]
			if !slices.Equal(evMsIDs(got), want) || got.Progress != wantProgress {
				t.Errorf("%s evidenceOn=%s: got evidence %v, %d%%; want %v, %d%%", code, day, evMsIDs(got), got.Progress, want, wantProgress)
			}
			wantComplete := len(want) >= m.Target.Count
			if (got.Completion == api.CompletionComplete) != wantComplete || (got.Status == api.MilestoneStatusCompleted) != wantComplete {
				t.Errorf("%s evidenceOn=%s: got %s, %s; want complete=%v", code, day, got.Status, got.Completion, wantComplete)
			}
			if wantOverdue := !wantComplete && on.After(m.PlannedEnd.Time); got.Overdue != wantOverdue {
				t.Errorf("%s evidenceOn=%s: got overdue=%v; want %v (judged on that day)", code, day, got.Overdue, wantOverdue)
			}
			for _, it := range apptest.Deref(got.Evidence).Items {
				from := demo.countsFrom(it.ID.String())
				if it.CountsFrom == nil || it.CountsFrom.After(on) || msDay(it.CountsFrom) != from || it.RecordedAt == nil {
					t.Errorf("%s evidenceOn=%s: item %s counts from %s, recorded %v; want from %s, by that day, with the time it was entered",
						code, day, it.Title, msDay(it.CountsFrom), it.RecordedAt, from)
				}
			}
			one := msGet(t, env, m.ID.String(), "?evidenceOn="+day)
			if !slices.Equal(evMsIDs(one), evMsIDs(got)) || one.Progress != got.Progress || one.Status != got.Status {
				t.Errorf("%s evidenceOn=%s: the milestone alone got %v %d%% %s; want as in the list", code, day, evMsIDs(one), one.Progress, one.Status)
			}
			if b := both[code]; !slices.Equal(evMsIDs(b), evMsIDs(got)) || b.Progress != got.Progress {
				t.Errorf("%s asOf=today&evidenceOn=%s: got %v %d%%; want as with evidenceOn alone (the record today)", code, day, evMsIDs(b), b.Progress)
			}
		}
		// Record time: nothing was entered by the end of that day.
		for _, path := range []string{"/v1/milestones?commitment=NL0037&asOf=" + day, "/v1/milestones?commitment=NL0037&asOf=" + day + "&evidenceOn=" + day} {
			if got := msList(t, env, path); len(got) != 0 {
				t.Errorf("GET %s: got %v; want none (the record had nothing yet)", path, msCodes(got))
			}
		}
	}
	for code, c := range counts {
		if c[0] >= c[len(c)-1] || !slices.IsSorted(c) {
			t.Errorf("%s: evidence counts by day %v; want them to grow through 2018-2020", code, c)
		}
	}

	// The export answers the same as the list.
	res := env.Do(t, http.MethodGet, "/v1/milestones/export?commitment=NL0037&evidenceOn=2019-12-31&format=ndjson", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export evidenceOn: got %d: %s", res.StatusCode, res.Body)
	}
	listed := msList(t, env, "/v1/milestones?commitment=NL0037&evidenceOn=2019-12-31")
	lines := strings.Split(strings.TrimSpace(res.Body), "\n")
	if len(lines) != len(listed) {
		t.Fatalf("export evidenceOn: got %d lines; want %d", len(lines), len(listed))
	}
	for i, line := range lines {
		var m api.Milestone
		apptest.Response{Body: line}.JSON(t, &m)
		if m.Code != listed[i].Code || m.Progress != listed[i].Progress || !slices.Equal(evMsIDs(m), evMsIDs(listed[i])) {
			t.Errorf("export line %d: got %s %d%%; want %s %d%%", i, m.Code, m.Progress, listed[i].Code, listed[i].Progress)
		}
	}
	var page api.MilestonePage
	env.Do(t, http.MethodGet, "/v1/milestones?evidenceOn=2019-12-31", nil, nil).JSON(t, &page)
	if msDay(page.EvidenceOn) != "2019-12-31" || page.AsOf != nil {
		t.Errorf("page: got asOf %q, evidenceOn %q; want none and 2019-12-31", msDay(page.AsOf), msDay(page.EvidenceOn))
	}
}

// TestSummaryByEvidenceDate: the summary for the end of 2019 by evidence
// date counts what the milestones show that day; by record date it is empty.
func TestSummaryByEvidenceDate(t *testing.T) {
	t.Parallel()
	env, _ := startEvidenceDemo(t)
	listed := msList(t, env, "/v1/milestones?commitment=NL0037&evidenceOn=2019-12-31")
	byCompletion := map[string]int{}
	byStatus := map[string]int{}
	overdue, started := 0, 0
	for _, m := range listed {
		byCompletion[string(m.Completion)]++
		byStatus[string(m.Status)]++
		if m.Overdue {
			overdue++
		}
		if m.Progress > 0 {
			started++
		}
	}
	if started == 0 {
		t.Fatalf("milestones evidenceOn=2019-12-31: none with progress; the demo's evidence is dated 2018-2020")
	}
	for _, path := range []string{"/v1/commitments/NL0037/summary?evidenceOn=2019-12-31", "/v1/action-plans/2018/summary?evidenceOn=2019-12-31"} {
		res := env.Do(t, http.MethodGet, path, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d: %s", path, res.StatusCode, res.Body)
		}
		var sum api.ProgressSummary
		res.JSON(t, &sum)
		if sum.Milestones != len(listed) || sum.Overdue != overdue || msDay(sum.EvidenceOn) != "2019-12-31" {
			t.Errorf("GET %s: got %d milestones, %d overdue, evidenceOn %q; want %d, %d, 2019-12-31", path, sum.Milestones, sum.Overdue, msDay(sum.EvidenceOn), len(listed), overdue)
		}
		for k, v := range byCompletion {
			if sum.ByCompletion[k] != v {
				t.Errorf("GET %s: byCompletion %v; want %v", path, sum.ByCompletion, byCompletion)
				break
			}
		}
		for k, v := range byStatus {
			if sum.ByStatus[k] != v {
				t.Errorf("GET %s: byStatus %v; want %v", path, sum.ByStatus, byStatus)
				break
			}
		}
	}
	var sum api.ProgressSummary
	env.Do(t, http.MethodGet, "/v1/commitments/NL0037/summary?asOf=2019-12-31", nil, nil).JSON(t, &sum)
	if sum.Milestones != 0 {
		t.Errorf("summary asOf=2019-12-31: got %d milestones; want 0 (recorded today)", sum.Milestones)
	}
}

// TestEvidenceOnInputAndCursors: evidenceOn is a past date, named when
// wrong; a cursor continues only the list it came from, on the same axis.
func TestEvidenceOnInputAndCursors(t *testing.T) {
	t.Parallel()
	env, demo := startEvidenceDemo(t)
	id := demo.milestones["3.3"].ID.String()
	tomorrow := apptest.Today().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, path := range []string{"/v1/milestones", "/v1/milestones/export", "/v1/commitments/NL0037/milestones", "/v1/commitments/NL0037/milestones/export",
		"/v1/milestones/" + id, "/v1/milestones/" + id + "/updates", "/v1/commitments/NL0037/summary", "/v1/action-plans/2018/summary"} {
		sep := "?"
		if strings.HasSuffix(path, "/export") {
			path += "?format=csv"
			sep = "&"
		}
		for _, value := range []string{tomorrow, "31-12-2019", "2019-02-29", "2019-12-31T00:00:00Z"} {
			res := env.Do(t, http.MethodGet, path+sep+"evidenceOn="+value, nil, nil)
			apptest.CheckInvalid(t, "GET "+path+" evidenceOn="+value, res, "evidenceOn")
		}
		res := env.Do(t, http.MethodGet, path+sep+"asOf="+tomorrow+"&evidenceOn="+tomorrow, nil, nil)
		if p := apptest.CheckProblem(t, "GET "+path+" both tomorrow", res, http.StatusBadRequest); !slices.Contains(p.Fields(), "asOf") || !slices.Contains(p.Fields(), "evidenceOn") {
			t.Errorf("GET %s both tomorrow: fields %v; want asOf and evidenceOn", path, p.Fields())
		}
	}

	first := func(query string) string {
		t.Helper()
		var page api.MilestonePage
		res := env.Do(t, http.MethodGet, "/v1/milestones?pageSize=2&"+query, nil, nil)
		res.JSON(t, &page)
		if res.StatusCode != http.StatusOK || page.NextCursor == nil {
			t.Fatalf("GET /v1/milestones?pageSize=2&%s: got %d, cursor %v; want 200 and a next page", query, res.StatusCode, page.NextCursor)
		}
		return *page.NextCursor
	}
	today := apptest.Today().Format(time.DateOnly)
	for _, tc := range []struct{ from, with string }{
		{"evidenceOn=2019-12-31", "evidenceOn=2020-12-31"},
		{"evidenceOn=2019-12-31", ""},
		{"", "evidenceOn=2019-12-31"},
		{"evidenceOn=2019-12-31&overdue=false", "evidenceOn=2019-12-31&overdue=true"},
		{"asOf=" + today, "asOf=" + today + "&evidenceOn=2019-12-31"},
		{"asOf=" + today + "&evidenceOn=2019-12-31", "asOf=" + today + "&evidenceOn=2020-12-31"},
	} {
		cursor := first(tc.from)
		res := env.Do(t, http.MethodGet, "/v1/milestones?pageSize=2&"+tc.with+"&cursor="+cursor, nil, nil)
		apptest.CheckInvalid(t, "cursor of "+tc.from+" with "+tc.with, res, "cursor")
	}
	for _, query := range []string{"evidenceOn=2019-12-31", "asOf=" + today + "&evidenceOn=2019-12-31", "evidenceOn=2019-12-31&completion=complete"} {
		paged := msList(t, env, "/v1/milestones?pageSize=2&"+query)
		whole := msList(t, env, "/v1/milestones?pageSize=100&"+query)
		if !slices.Equal(msCodes(paged), msCodes(whole)) || len(whole) == 0 {
			t.Errorf("%s: pages of 2 got %v; want %v", query, msCodes(paged), msCodes(whole))
		}
	}
}

// TestProgressUpdatesOnBothAxes: an update is about a day (date, valid time)
// and entered at another (recordedAt, record time); evidenceOn selects by
// the first, asOf by the second.
func TestProgressUpdatesOnBothAxes(t *testing.T) {
	t.Parallel()
	env, demo := startEvidenceDemo(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	path := "/v1/milestones/" + demo.milestones["3.4"].ID.String() + "/updates"
	today := apptest.Today().Format(time.DateOnly)
	yesterday := apptest.Today().AddDate(0, 0, -1).Format(time.DateOnly)
	for _, u := range []map[string]any{
		{"date": "2019-09-02", "note": "Questionnaire sent"},
		{"date": "2020-02-10", "note": "Results discussed"},
		{"date": today, "note": "Looked back"},
	} {
		env.Post(t, editor, path, u)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Looked back", "Results discussed", "Questionnaire sent"}},
		{"?evidenceOn=2019-12-31", []string{"Questionnaire sent"}},
		{"?evidenceOn=2020-12-31", []string{"Results discussed", "Questionnaire sent"}},
		{"?asOf=" + yesterday, nil},
		{"?asOf=" + today, []string{"Looked back", "Results discussed", "Questionnaire sent"}},
		{"?asOf=" + today + "&evidenceOn=2019-12-31", []string{"Questionnaire sent"}},
		{"?asOf=" + yesterday + "&evidenceOn=2019-12-31", nil},
	} {
		res := env.Do(t, http.MethodGet, path+tc.query, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET updates%s: got %d: %s", tc.query, res.StatusCode, res.Body)
		}
		var list api.ProgressUpdateList
		res.JSON(t, &list)
		var notes []string
		for _, u := range list.Items {
			notes = append(notes, u.Note)
		}
		if !slices.Equal(notes, tc.want) {
			t.Errorf("GET updates%s: got %v; want %v", tc.query, notes, tc.want)
		}
	}
	var list api.ProgressUpdateList
	env.Do(t, http.MethodGet, path+"?asOf="+today+"&evidenceOn=2019-12-31", nil, nil).JSON(t, &list)
	if msDay(list.AsOf) != today || msDay(list.EvidenceOn) != "2019-12-31" {
		t.Errorf("updates: got asOf %q, evidenceOn %q; want %s and 2019-12-31", msDay(list.AsOf), msDay(list.EvidenceOn), today)
	}
}
