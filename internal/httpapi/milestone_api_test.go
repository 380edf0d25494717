package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// msEvidenceIDs lists the ids of m's evidence.
func msEvidenceIDs(m api.Milestone) []string {
	if m.Evidence == nil {
		return nil
	}
	var ids []string
	for _, it := range m.Evidence.Items {
		ids = append(ids, it.ID.String())
	}
	return ids
}

// msList follows nextCursor through every page of path (which has a query).
func msList(t *testing.T, env *apptest.Env, path string) []api.Milestone {
	t.Helper()
	var all []api.Milestone
	next := path
	for pages := 0; ; pages++ {
		if pages > 500 {
			t.Fatalf("GET %s: more than 500 pages", path)
		}
		res := env.Do(t, http.MethodGet, next, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d; want 200: %s", next, res.StatusCode, res.Body)
		}
		var page api.MilestonePage
		res.JSON(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("cursor", apptest.Deref(page.NextCursor))
		u.RawQuery = q.Encode()
		next = u.String()
	}
}

// msByCode finds a milestone of NL0037 by its code.
func msByCode(t *testing.T, env *apptest.Env, code string) api.Milestone {
	t.Helper()
	for _, m := range msList(t, env, "/v1/milestones?commitment=NL0037&pageSize=100") {
		if m.Code == code {
			got := msGet(t, env, m.ID.String(), "")
			return got
		}
	}
	t.Fatalf("no milestone NL0037 %s", code)
	return api.Milestone{}
}

func msGet(t *testing.T, env *apptest.Env, id, query string) api.Milestone {
	t.Helper()
	res := env.Do(t, http.MethodGet, "/v1/milestones/"+id+query, nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET milestone %s%s: got %d; want 200: %s", id, query, res.StatusCode, res.Body)
	}
	var m api.Milestone
	res.JSON(t, &m)
	return m
}

func msCodes(ms []api.Milestone) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Code
	}
	return out
}

// msHeldMeeting plans a held meeting through the API and returns its id.
func msHeldMeeting(t *testing.T, env *apptest.Env, token, title string, startsAt time.Time) string {
	t.Helper()
	res := env.Do(t, http.MethodPost, "/v1/meetings", map[string]any{"title": title, "topic": "Open government", "format": "other",
		"startsAt": startsAt.UTC().Format(time.RFC3339), "endsAt": startsAt.Add(2 * time.Hour).UTC().Format(time.RFC3339),
		"venue": map[string]any{"name": "Stadskantoor"}, "guestChair": "GM0606", "status": "held"}, apptest.Bearer(token))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/meetings %q: got %d; want 201: %s", title, res.StatusCode, res.Body)
	}
	var m api.Meeting
	res.JSON(t, &m)
	return m.ID.String()
}

func msReport(t *testing.T, env *apptest.Env, token, meetingID string, publishedOn time.Time) apptest.Response {
	t.Helper()
	return env.Do(t, http.MethodPut, "/v1/meetings/"+meetingID+"/report", map[string]any{
		"url": "https://www.open-government.nl/reports/" + meetingID, "publishedOn": publishedOn.Format(time.DateOnly)}, apptest.Bearer(token))
}

func msAms(y int, m time.Month, d, hour, min int) time.Time {
	return time.Date(y, m, d, hour, min, 0, 0, domain.Amsterdam)
}

// TestMilestoneEvidenceOverHTTP: an editor holds meetings and records their
// reports through the API; 3.3's progress, status, completion and evidence
// follow at once. Magazine editions count for 3.5, other publications not.
func TestMilestoneEvidenceOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	analyst := env.User(t, "analyst@example.org", domain.RoleAnalyst, "")

	// The window of 3.3 (1 October 2018 to 1 July 2020) is long past: until
	// eight meetings count it is delayed and overdue.
	check := func(t *testing.T, counted []string) {
		t.Helper()
		got := msByCode(t, env, "3.3")
		n := len(counted)
		wantProgress := map[int]int{0: 0, 1: 12, 2: 25, 3: 37, 4: 50, 5: 62, 6: 75, 7: 87}[n]
		wantStatus, wantCompletion, wantOverdue := "delayed", "not-started", true
		switch {
		case n >= 8:
			wantProgress, wantStatus, wantCompletion, wantOverdue = 100, "completed", "complete", false
		case n >= 4:
			wantCompletion = "substantial"
		case n >= 1:
			wantCompletion = "limited"
		}
		if got.Progress != wantProgress || string(got.Status) != wantStatus || string(got.Completion) != wantCompletion || got.Overdue != wantOverdue {
			t.Errorf("3.3: got %d%% %s %s overdue=%v; want %d%% %s %s overdue=%v", got.Progress, got.Status, got.Completion, got.Overdue,
				wantProgress, wantStatus, wantCompletion, wantOverdue)
		}
		if got.Evidence == nil {
			t.Fatalf("3.3 has no evidence block: %+v", got)
		}
		if got.Evidence.Rule != "held-meetings-with-report" || got.Evidence.Count != n {
			t.Errorf("evidence: got rule %s count %d; want held-meetings-with-report and %d", got.Evidence.Rule, got.Evidence.Count, n)
		}
		if ids := msEvidenceIDs(got); !slices.Equal(ids, counted) {
			t.Errorf("evidence items: got %v; want %v", ids, counted)
		}
		for _, it := range got.Evidence.Items {
			if it.Kind != "meeting" || it.Title == "" || it.On == nil {
				t.Errorf("evidence item %+v: want a meeting with title and date", it)
			}
		}
	}
	var counted []string
	check(t, counted)

	first := msHeldMeeting(t, env, editor, "Open by design", msAms(2018, 10, 11, 14, 0))
	t.Run("held without report", func(t *testing.T) { check(t, counted) })
	t.Run("an analyst may not record the report", func(t *testing.T) {
		if res := msReport(t, env, analyst, first, apptest.Date(2018, 10, 25)); res.StatusCode != http.StatusForbidden {
			t.Errorf("PUT report as analyst: got %d; want 403", res.StatusCode)
		}
		check(t, counted)
	})
	t.Run("the report makes it count", func(t *testing.T) {
		m33 := msByCode(t, env, "3.3")
		before := env.Do(t, http.MethodGet, "/v1/milestones/"+m33.ID.String(), nil, nil).Header.Get("ETag")
		if res := msReport(t, env, editor, first, apptest.Date(2018, 10, 25)); res.StatusCode != http.StatusOK {
			t.Fatalf("PUT report: got %d; want 200: %s", res.StatusCode, res.Body)
		}
		counted = append(counted, first)
		check(t, counted)
		// The milestone itself did not change, its progress did: a cached copy is stale.
		res := env.Do(t, http.MethodGet, "/v1/milestones/"+m33.ID.String(), nil, map[string]string{"If-None-Match": before})
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") == before {
			t.Errorf("GET 3.3 with the ETag from before the report: got %d with ETag %q; want 200 with a new tag", res.StatusCode, res.Header.Get("ETag"))
		}
	})
	t.Run("a cancelled meeting does not count", func(t *testing.T) {
		res := env.Do(t, http.MethodPost, "/v1/meetings", map[string]any{"title": "Called off", "topic": "t", "format": "other",
			"startsAt": "2019-01-10T13:00:00Z", "endsAt": "2019-01-10T15:00:00Z", "status": "cancelled", "cancellationReason": "storm"}, apptest.Bearer(editor))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST cancelled meeting: got %d: %s", res.StatusCode, res.Body)
		}
		var m api.Meeting
		res.JSON(t, &m)
		if res := msReport(t, env, editor, m.ID.String(), apptest.Date(2019, 1, 20)); res.StatusCode != http.StatusConflict {
			t.Errorf("report of a cancelled meeting: got %d; want 409", res.StatusCode)
		}
		check(t, counted)
	})
	t.Run("meetings outside the window do not count", func(t *testing.T) {
		for _, at := range []time.Time{msAms(2018, 9, 30, 20, 0), msAms(2020, 7, 2, 10, 0)} {
			id := msHeldMeeting(t, env, editor, "Outside "+at.Format(time.DateOnly), at)
			if res := msReport(t, env, editor, id, domain.Today(at)); res.StatusCode != http.StatusOK {
				t.Fatalf("PUT report: got %d: %s", res.StatusCode, res.Body)
			}
		}
		check(t, counted)
	})
	t.Run("eight complete it", func(t *testing.T) {
		for i := 1; i < 8; i++ {
			at := msAms(2018, 10, 11, 14, 0).AddDate(0, 2*i, 0) // up to December 2019
			id := msHeldMeeting(t, env, editor, fmt.Sprintf("Meeting %d", i+1), at)
			if res := msReport(t, env, editor, id, domain.Today(at)); res.StatusCode != http.StatusOK {
				t.Fatalf("PUT report: got %d: %s", res.StatusCode, res.Body)
			}
			counted = append(counted, id)
			if i == 3 {
				check(t, counted) // half way: substantial
			}
		}
		check(t, counted)
	})
	t.Run("a ninth does not push past 100%", func(t *testing.T) {
		at := msAms(2020, 6, 20, 14, 0)
		id := msHeldMeeting(t, env, editor, "Ninth", at)
		if res := msReport(t, env, editor, id, domain.Today(at)); res.StatusCode != http.StatusOK {
			t.Fatalf("PUT report: got %d: %s", res.StatusCode, res.Body)
		}
		counted = append(counted, id)
		check(t, counted)
	})

	t.Run("magazine editions count for 3.5", func(t *testing.T) {
		publish := func(kind, title, on string) string {
			t.Helper()
			res := env.Do(t, http.MethodPost, "/v1/publications", map[string]any{"kind": kind, "title": title,
				"url": "https://example.org/" + strings.ReplaceAll(title, " ", "-"), "publishedOn": on}, apptest.Bearer(editor))
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("POST publication: got %d: %s", res.StatusCode, res.Body)
			}
			var p api.Publication
			res.JSON(t, &p)
			return p.ID.String()
		}
		publish("lessons-learned", "Lessons", "2019-06-01")
		publish("other", "Other", "2019-06-02")
		if got := msByCode(t, env, "3.5"); len(msEvidenceIDs(got)) != 0 || got.Progress != 0 {
			t.Errorf("3.5 with other kinds only: got %d%% and %v; want nothing counted", got.Progress, msEvidenceIDs(got))
		}
		one := publish("magazine-edition", "Edition 1", "2019-06-20")
		got := msByCode(t, env, "3.5")
		if !slices.Equal(msEvidenceIDs(got), []string{one}) || got.Progress != 50 || got.Completion != "substantial" {
			t.Errorf("3.5 with one edition: got %d%% %s %v; want 50%% substantial [%s]", got.Progress, got.Completion, msEvidenceIDs(got), one)
		}
		if got.Evidence != nil && len(got.Evidence.Items) == 1 && (got.Evidence.Items[0].Kind != "publication" || apptest.Deref(got.Evidence.Items[0].On).String() != "2019-06-20") {
			t.Errorf("3.5 evidence item: got %+v; want the publication of 2019-06-20", got.Evidence.Items[0])
		}
		two := publish("magazine-edition", "Edition 2", "2020-06-18")
		got = msByCode(t, env, "3.5")
		if !slices.Equal(msEvidenceIDs(got), []string{one, two}) || got.Progress != 100 || got.Status != "completed" || got.Overdue {
			t.Errorf("3.5 with two editions: got %d%% %s overdue=%v %v; want 100%% completed", got.Progress, got.Status, got.Overdue, msEvidenceIDs(got))
		}
	})
}

// TestMilestoneDemoEvidence: the demo's eight meetings with reports and two
// editions complete 3.3 and 3.5, and the responses list what counted.
func TestMilestoneDemoEvidence(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var meetings api.MeetingPage
	env.Do(t, http.MethodGet, "/v1/meetings?status=held&pageSize=100", nil, nil).JSON(t, &meetings)
	var held []string
	for _, m := range meetings.Items {
		held = append(held, m.ID.String())
	}
	var pubs api.PublicationPage
	env.Do(t, http.MethodGet, "/v1/publications?kind=magazine-edition", nil, nil).JSON(t, &pubs)
	var editions []string
	for i := len(pubs.Items) - 1; i >= 0; i-- { // newest first; evidence oldest first
		editions = append(editions, pubs.Items[i].ID.String())
	}
	for _, tc := range []struct {
		code string
		want []string
	}{
		{"3.3", held},
		{"3.5", editions},
	} {
		got := msByCode(t, env, tc.code)
		if len(tc.want) == 0 || !slices.Equal(msEvidenceIDs(got), tc.want) {
			t.Errorf("%s evidence: got %v; want %v", tc.code, msEvidenceIDs(got), tc.want)
		}
		if got.Progress != 100 || got.Status != "completed" || got.Completion != "complete" || got.Overdue {
			t.Errorf("%s: got %d%% %s %s overdue=%v; want complete", tc.code, got.Progress, got.Status, got.Completion, got.Overdue)
		}
	}
}

// TestMilestoneAsOfOverHTTP: the history starts when the data was recorded
// (today); earlier days answer an empty list and 404, the future is invalid.
func TestMilestoneAsOfOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	today := apptest.Today().Format(time.DateOnly)
	yesterday := apptest.Today().AddDate(0, 0, -1).Format(time.DateOnly)
	tomorrow := apptest.Today().AddDate(0, 0, 1).Format(time.DateOnly)
	now := msList(t, env, "/v1/milestones?commitment=NL0037")
	if got := msCodes(now); !slices.Equal(got, []string{"3.1", "3.2", "3.3", "3.4", "3.5"}) {
		t.Fatalf("NL0037 milestones: got %v; want 3.1-3.5", got)
	}
	m31 := now[0]

	for _, path := range []string{"/v1/milestones?asOf=" + yesterday, "/v1/milestones?asOf=2019-12-31", "/v1/commitments/NL0037/milestones?asOf=" + yesterday} {
		res := env.Do(t, http.MethodGet, path, nil, nil)
		var page api.MilestonePage
		res.JSON(t, &page)
		if res.StatusCode != http.StatusOK || len(page.Items) != 0 {
			t.Errorf("GET %s: got %d with %d items; want 200 and none (nothing was recorded yet)", path, res.StatusCode, len(page.Items))
		}
	}
	if res := env.Do(t, http.MethodGet, "/v1/milestones/"+m31.ID.String()+"?asOf="+yesterday, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET milestone asOf yesterday: got %d; want 404", res.StatusCode)
	} else {
		res.Problem(t)
	}

	// A change today: asOf today answers the latest version.
	res := env.Do(t, http.MethodPatch, "/v1/milestones/"+m31.ID.String(), `{"title":"Plans, letters and topics"}`,
		map[string]string{"Authorization": "Bearer " + editor, "Content-Type": "application/merge-patch+json", "If-Match": `"v1"`})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: got %d; want 200: %s", res.StatusCode, res.Body)
	}
	page := msList(t, env, "/v1/milestones?commitment=NL0037&asOf="+today)
	if got := msCodes(page); !slices.Equal(got, []string{"3.1", "3.2", "3.3", "3.4", "3.5"}) {
		t.Errorf("asOf today: got %v; want 3.1-3.5", got)
	}
	var pageAsOf api.MilestonePage
	env.Do(t, http.MethodGet, "/v1/milestones?asOf="+today, nil, nil).JSON(t, &pageAsOf)
	if apptest.Deref(pageAsOf.AsOf).String() != today {
		t.Errorf("asOf in the page: got %q; want %s", pageAsOf.AsOf, today)
	}
	if got := msGet(t, env, m31.ID.String(), "?asOf="+today); got.Title != "Plans, letters and topics" || got.Revision != 2 {
		t.Errorf("GET asOf today: got %q revision %d; want the patched title at revision 2", got.Title, got.Revision)
	}

	for _, path := range []string{"/v1/milestones?asOf=" + tomorrow, "/v1/milestones/" + m31.ID.String() + "?asOf=" + tomorrow,
		"/v1/commitments/NL0037/summary?asOf=" + tomorrow, "/v1/milestones?asOf=31-12-2019"} {
		res := env.Do(t, http.MethodGet, path, nil, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: got %d; want 400", path, res.StatusCode)
			continue
		}
		if p := res.Problem(t); !slices.Contains(p.Fields(), "asOf") {
			t.Errorf("GET %s: invalid params %v; want asOf", path, p.Fields())
		}
	}

	// Deleted today: gone now and at the end of today, absent before.
	if res := env.Do(t, http.MethodDelete, "/v1/milestones/"+m31.ID.String(), nil, map[string]string{"Authorization": "Bearer " + editor, "If-Match": `"v2"`}); res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: got %d; want 204: %s", res.StatusCode, res.Body)
	}
	for _, q := range []string{"", "?asOf=" + today, "?asOf=" + yesterday} {
		if res := env.Do(t, http.MethodGet, "/v1/milestones/"+m31.ID.String()+q, nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET deleted milestone%s: got %d; want 404", q, res.StatusCode)
		}
	}
	if got := msCodes(msList(t, env, "/v1/milestones?commitment=NL0037&asOf="+today)); !slices.Equal(got, []string{"3.2", "3.3", "3.4", "3.5"}) {
		t.Errorf("asOf today after the deletion: got %v; want 3.2-3.5", got)
	}
	var sum api.ProgressSummary
	env.Do(t, http.MethodGet, "/v1/commitments/NL0037/summary?asOf="+yesterday, nil, nil).JSON(t, &sum)
	if sum.Milestones != 0 {
		t.Errorf("summary asOf yesterday: got %d milestones; want 0", sum.Milestones)
	}
}

func msCommitments(t *testing.T, env *apptest.Env, query string) []api.Commitment {
	t.Helper()
	var all []api.Commitment
	path := "/v1/commitments?pageSize=7" + query
	for next := path; ; {
		res := env.Do(t, http.MethodGet, next, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d: %s", next, res.StatusCode, res.Body)
		}
		var page api.CommitmentPage
		res.JSON(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		next = path + "&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// TestCommitmentsOverHTTP: the seed's 38 commitments, NL0037's institutions,
// and who may write.
func TestCommitmentsOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	all := msCommitments(t, env, "")
	var codes []string
	cycles := map[int][]string{}
	for _, c := range all {
		codes = append(codes, c.Code)
		cycles[c.Cycle] = append(cycles[c.Cycle], c.Code)
		if c.Title == "" || len(c.PolicyAreas) == 0 {
			t.Errorf("%s: got title %q and policy areas %v; want both", c.Code, c.Title, c.PolicyAreas)
		}
	}
	var want []string
	for i := 1; i <= 38; i++ {
		want = append(want, fmt.Sprintf("NL%04d", i))
	}
	if !slices.Equal(codes, want) {
		t.Errorf("commitments: got %v; want NL0001-NL0038 in order", codes)
	}
	var years []int
	for y := range cycles {
		years = append(years, y)
	}
	sort.Ints(years)
	if !slices.Equal(years, []int{2013, 2016, 2018}) {
		t.Errorf("cycles: got %v; want 2013, 2016, 2018", years)
	}
	for _, y := range years {
		var got []string
		for _, c := range msCommitments(t, env, fmt.Sprintf("&cycle=%d", y)) {
			got = append(got, c.Code)
		}
		if !slices.Equal(got, cycles[y]) {
			t.Errorf("cycle=%d: got %v; want %v", y, got, cycles[y])
		}
	}

	res := env.Do(t, http.MethodGet, "/v1/commitments/nl0037", nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET NL0037: got %d: %s", res.StatusCode, res.Body)
	}
	var c api.Commitment
	res.JSON(t, &c)
	if c.Cycle != 2018 || apptest.Deref(c.ActionPlan) != "2018-2020" || c.MilestoneCount != 5 || !strings.Contains(c.Title, "Pioneering Network") {
		t.Errorf("NL0037: got %+v; want the 2018-2020 Pioneering Network with 5 milestones", c)
	}
	if c.LeadInstitution == nil || c.LeadInstitution.Organisation == nil || c.LeadInstitution.Organisation.Code != "GM0606" {
		t.Errorf("NL0037 lead: got %+v; want GM0606", c.LeadInstitution)
	}
	var support []string
	for _, s := range c.SupportInstitutions {
		if s.Organisation != nil {
			support = append(support, s.Organisation.Code)
		}
	}
	if !slices.Equal(support, []string{"GM0344", "leoo"}) {
		t.Errorf("NL0037 support: got %v; want GM0344 and leoo", support)
	}
	if res := env.Do(t, http.MethodGet, "/v1/commitments/NL0099", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET NL0099: got %d; want 404", res.StatusCode)
	}

	body := map[string]any{"code": "NL0039", "title": "Open municipalities", "cycle": 2020, "actionPlan": "2020-2022",
		"policyAreas": []string{"Subnational"}, "leadInstitution": map[string]any{"name": "Schiedam", "organisation": "GM0606"}}
	tokens := map[string]string{
		"member":  env.User(t, "member@example.org", domain.RoleMember, "GM0606"),
		"analyst": env.User(t, "analyst@example.org", domain.RoleAnalyst, ""),
		"partner": env.ClientToken(t, "Partner portal", ""),
	}
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	for _, role := range []string{"member", "analyst", "partner", ""} {
		h := map[string]string{}
		want := http.StatusUnauthorized
		if role != "" {
			h, want = apptest.Bearer(tokens[role]), http.StatusForbidden
		}
		if res := env.Do(t, http.MethodPost, "/v1/commitments", body, h); res.StatusCode != want {
			t.Errorf("POST as %q: got %d; want %d", role, res.StatusCode, want)
		}
		h["If-Match"] = "*"
		if res := env.Do(t, http.MethodPut, "/v1/commitments/NL0037", map[string]any{"code": "NL0037", "title": "x", "cycle": 2018}, h); res.StatusCode != want {
			t.Errorf("PUT as %q: got %d; want %d", role, res.StatusCode, want)
		}
		if role != "" { // everyone reads
			if res := env.Do(t, http.MethodGet, "/v1/commitments/NL0037", nil, apptest.Bearer(tokens[role])); res.StatusCode != http.StatusOK {
				t.Errorf("GET as %q: got %d; want 200", role, res.StatusCode)
			}
		}
	}
	created := env.Do(t, http.MethodPost, "/v1/commitments", body, apptest.Bearer(editor))
	if created.StatusCode != http.StatusCreated || created.Header.Get("Location") != "/v1/commitments/NL0039" || created.Header.Get("ETag") == "" {
		t.Fatalf("POST as editor: got %d Location %q ETag %q; want 201 with both: %s", created.StatusCode,
			created.Header.Get("Location"), created.Header.Get("ETag"), created.Body)
	}
	if res := env.Do(t, http.MethodPost, "/v1/commitments", body, apptest.Bearer(editor)); res.StatusCode != http.StatusConflict {
		t.Errorf("POST the same code again: got %d; want 409", res.StatusCode)
	}

	// Edit with the ETag that GET answered.
	get := env.Do(t, http.MethodGet, "/v1/commitments/NL0039", nil, nil)
	etag := get.Header.Get("ETag")
	edit := map[string]any{"code": "NL0039", "title": "Open municipalities, renewed", "cycle": 2020, "status": "active"}
	withMatch := func(tag string) map[string]string {
		h := apptest.Bearer(editor)
		if tag != "" {
			h["If-Match"] = tag
		}
		return h
	}
	if res := env.Do(t, http.MethodPut, "/v1/commitments/NL0039", edit, withMatch("")); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match: got %d; want 428", res.StatusCode)
	}
	if res := env.Do(t, http.MethodPut, "/v1/commitments/NL0039", edit, withMatch(`"v7"`)); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale If-Match: got %d; want 412", res.StatusCode)
	}
	put := env.Do(t, http.MethodPut, "/v1/commitments/NL0039", edit, withMatch(etag))
	if put.StatusCode != http.StatusOK {
		t.Errorf("PUT with the ETag of GET (%s): got %d; want 200: %s", etag, put.StatusCode, put.Body)
		put = env.Do(t, http.MethodPut, "/v1/commitments/NL0039", edit, withMatch(created.Header.Get("ETag")))
		if put.StatusCode != http.StatusOK {
			t.Fatalf("PUT with the ETag of POST: got %d; want 200: %s", put.StatusCode, put.Body)
		}
	}
	if put.Header.Get("ETag") == "" || put.Header.Get("ETag") == created.Header.Get("ETag") {
		t.Errorf("ETag after PUT: got %q; want a new tag", put.Header.Get("ETag"))
	}
	var after api.Commitment
	env.Do(t, http.MethodGet, "/v1/commitments/NL0039", nil, nil).JSON(t, &after)
	if after.Title != "Open municipalities, renewed" || after.LeadInstitution != nil || apptest.Deref(after.Status) != "active" {
		t.Errorf("after PUT: got %+v; want every field replaced", after)
	}
	if res := env.Do(t, http.MethodPut, "/v1/commitments/NL0039", map[string]any{"code": "NL0040", "title": "x", "cycle": 2020}, withMatch("*")); res.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT changing the code: got %d; want 400", res.StatusCode)
	}
}

// TestMilestoneWritesOverHTTP: create, read, replace, patch and delete with
// ETags; only editors and admins write.
func TestMilestoneWritesOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	analyst := env.User(t, "analyst@example.org", domain.RoleAnalyst, "")
	body := map[string]any{"commitment": "NL0037", "code": "3.6", "title": "Final conference", "plannedStart": "2020-09-01",
		"plannedEnd": "2020-12-01", "progress": 40, "status": "in-progress", "completion": "limited"}
	if res := env.Do(t, http.MethodPost, "/v1/milestones", body, nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST anonymous: got %d; want 401", res.StatusCode)
	}
	if res := env.Do(t, http.MethodPost, "/v1/milestones", body, apptest.Bearer(analyst)); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST as analyst: got %d; want 403", res.StatusCode)
	}
	res := env.Do(t, http.MethodPost, "/v1/milestones", body, apptest.Bearer(editor))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST as editor: got %d: %s", res.StatusCode, res.Body)
	}
	var m api.Milestone
	res.JSON(t, &m)
	if res.Header.Get("Location") != "/v1/milestones/"+m.ID.String() || m.Progress != 40 || m.Status != "in-progress" || !m.Overdue || m.Revision != 1 {
		t.Errorf("created: got %+v at %q; want the hand-set progress, overdue since December 2020", m, res.Header.Get("Location"))
	}
	if res := env.Do(t, http.MethodPost, "/v1/milestones", body, apptest.Bearer(editor)); res.StatusCode != http.StatusConflict {
		t.Errorf("POST the same code: got %d; want 409", res.StatusCode)
	}
	bad := map[string]any{"commitment": "NL0099", "code": "3.7", "title": "x", "plannedStart": "2020-09-01", "plannedEnd": "2020-01-01"}
	if res := env.Do(t, http.MethodPost, "/v1/milestones", bad, apptest.Bearer(editor)); res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST invalid: got %d; want 400", res.StatusCode)
	} else if f := res.Problem(t).Fields(); !slices.Contains(f, "commitment") || !slices.Contains(f, "plannedEnd") {
		t.Errorf("POST invalid: fields %v; want commitment and plannedEnd", f)
	}

	// The ETag of GET is what If-Match takes.
	get := env.Do(t, http.MethodGet, "/v1/milestones/"+m.ID.String(), nil, nil)
	etag := get.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("GET: no ETag")
	}
	if res := env.Do(t, http.MethodGet, "/v1/milestones/"+m.ID.String(), nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET If-None-Match: got %d; want 304", res.StatusCode)
	}
	headers := func(tag string) map[string]string {
		h := apptest.Bearer(editor)
		h["If-Match"] = tag
		return h
	}
	body["title"] = "Final conference and report"
	res = env.Do(t, http.MethodPut, "/v1/milestones/"+m.ID.String(), body, headers(etag))
	if res.StatusCode != http.StatusOK {
		t.Errorf("PUT with the ETag of GET (%s): got %d; want 200: %s", etag, res.StatusCode, res.Body)
		res = env.Do(t, http.MethodPut, "/v1/milestones/"+m.ID.String(), body, headers(`"v1"`))
	}
	if res.Header.Get("ETag") == "" || res.Header.Get("ETag") == etag {
		t.Errorf("ETag of the PUT response: got %q; want a new tag", res.Header.Get("ETag"))
	}
	m = api.Milestone{}
	res.JSON(t, &m)
	if m.Title != "Final conference and report" || m.Revision != 2 {
		t.Errorf("after PUT: got %q revision %d; want the new title at revision 2", m.Title, m.Revision)
	}
	if res := env.Do(t, http.MethodPut, "/v1/milestones/"+m.ID.String(), body, headers(`"v1"`)); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale tag: got %d; want 412", res.StatusCode)
	}
	patch := func(doc string) apptest.Response {
		h := headers("*")
		h["Content-Type"] = "application/merge-patch+json"
		return env.Do(t, http.MethodPatch, "/v1/milestones/"+m.ID.String(), doc, h)
	}
	res = patch(`{"plannedEnd": null, "progress": 70}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: got %d: %s", res.StatusCode, res.Body)
	}
	m = api.Milestone{}
	res.JSON(t, &m)
	if m.PlannedEnd != nil || m.Progress != 70 || m.Overdue || m.Title != "Final conference and report" || apptest.Deref(m.PlannedStart).String() != "2020-09-01" {
		t.Errorf("after PATCH: got %+v; want no end, 70%%, not overdue, the rest kept", m)
	}
	if res := patch(`{"progress": 101}`); res.StatusCode != http.StatusBadRequest {
		t.Errorf("PATCH progress 101: got %d; want 400", res.StatusCode)
	}
	if res := env.Do(t, http.MethodDelete, "/v1/milestones/"+m.ID.String(), nil, apptest.Bearer(editor)); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("DELETE without If-Match: got %d; want 428", res.StatusCode)
	}
	if res := env.Do(t, http.MethodDelete, "/v1/milestones/"+m.ID.String(), nil, headers("*")); res.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE: got %d; want 204", res.StatusCode)
	}
	if res := env.Do(t, http.MethodGet, "/v1/milestones/"+m.ID.String(), nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET after DELETE: got %d; want 404", res.StatusCode)
	}
}

// TestMilestoneFiltersOverHTTP: every filter and sort of the list, paging
// with a derived status, and the summaries computed from the same data.
func TestMilestoneFiltersOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	today := apptest.Today()
	day := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	// Seeded 3.1 and 3.2 (hand-set, not started, long past: overdue); 3.3,
	// 3.4 and 3.5 under rules without evidence (delayed, overdue).
	for _, in := range []map[string]any{
		{"code": "3.6", "title": "Regional days", "plannedEnd": day(30), "status": "in-progress", "completion": "limited", "progress": 30},
		{"code": "3.7", "title": "Handbook", "plannedEnd": day(60), "status": "completed", "completion": "complete", "progress": 100},
		{"code": "3.8", "title": "Dropped idea", "status": "cancelled"},
		{"code": "3.9", "title": "Open council data", "plannedEnd": day(-1), "status": "in-progress", "completion": "substantial"},
		{"code": "3.10", "title": "Café-gesprekken met inwoners", "plannedEnd": day(10), "status": "not-started", "completion": "not-started"},
	} {
		in["commitment"] = "NL0037"
		if res := env.Do(t, http.MethodPost, "/v1/milestones", in, apptest.Bearer(editor)); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %v: got %d: %s", in["code"], res.StatusCode, res.Body)
		}
	}
	if res := env.Do(t, http.MethodPost, "/v1/milestones", map[string]any{"commitment": "NL0020", "code": "1.1", "title": "Other plan",
		"plannedEnd": day(5), "status": "in-progress"}, apptest.Bearer(editor)); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST NL0020 1.1: got %d: %s", res.StatusCode, res.Body)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"commitment=NL0037", []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10"}},
		{"commitment=NL0020", []string{"1.1"}},
		{"commitment=NL0001", nil},
		{"commitment=NL0037&status=delayed", []string{"3.3", "3.4", "3.5"}},
		{"commitment=NL0037&status=not-started", []string{"3.1", "3.2", "3.10"}},
		{"status=in-progress", []string{"1.1", "3.6", "3.9"}},
		{"commitment=NL0037&completion=not-started", []string{"3.3", "3.4", "3.5", "3.10"}},
		{"completion=complete", []string{"3.7"}},
		{"commitment=NL0037&overdue=true", []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.9"}},
		{"commitment=NL0037&overdue=false", []string{"3.6", "3.7", "3.8", "3.10"}},
		{"dueBefore=2019-01-01", []string{"3.1", "3.2"}},
		{"dueAfter=" + day(0), []string{"1.1", "3.6", "3.7", "3.10"}},
		{"dueAfter=" + day(0) + "&dueBefore=" + day(30), []string{"1.1", "3.10"}},
		{"q=caf%C3%A9", []string{"3.10"}},
		{"q=COUNCIL", []string{"3.9"}},
		{"q=meetings&status=delayed", []string{"3.3"}},
		{"commitment=NL0037&sort=plannedEnd&overdue=false", []string{"3.10", "3.6", "3.7", "3.8"}},
		{"commitment=NL0037&sort=-plannedEnd&dueBefore=2020-01-01", []string{"3.4", "3.2", "3.1"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for _, size := range []string{"100", "2"} {
				got := msCodes(msList(t, env, "/v1/milestones?pageSize="+size+"&"+tc.query))
				if !slices.Equal(got, tc.want) {
					t.Errorf("pages of %s: got %v; want %v", size, got, tc.want)
				}
			}
		})
	}
	for _, q := range []string{"status=done", "completion=partial", "overdue=maybe", "dueBefore=tomorrow", "sort=title", "pageSize=101", "cursor=garbage"} {
		if res := env.Do(t, http.MethodGet, "/v1/milestones?"+q, nil, nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET ?%s: got %d; want 400", q, res.StatusCode)
		}
	}

	t.Run("the commitment's own list", func(t *testing.T) {
		got := msCodes(msList(t, env, "/v1/commitments/NL0037/milestones?pageSize=3"))
		if want := []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10"}; !slices.Equal(got, want) {
			t.Errorf("got %v; want %v", got, want)
		}
		if res := env.Do(t, http.MethodGet, "/v1/commitments/NL0099/milestones", nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("unknown commitment: got %d; want 404", res.StatusCode)
		}
	})

	t.Run("summaries", func(t *testing.T) {
		// What the summary should say, counted from the list itself.
		expect := func(ms []api.Milestone) api.ProgressSummary {
			s := api.ProgressSummary{Milestones: len(ms), ByStatus: map[string]int{}, ByCompletion: map[string]int{}}
			complete := 0
			for _, m := range ms {
				s.ByStatus[string(m.Status)]++
				s.ByCompletion[string(m.Completion)]++
				if m.Completion == "complete" {
					complete++
				}
				if m.Overdue {
					s.Overdue++
				}
				open := m.Status != "completed" && m.Status != "cancelled"
				if open && msDay(m.PlannedEnd) >= day(0) && (s.NextDue == nil || msDay(m.PlannedEnd) < msDay(s.NextDue.PlannedEnd)) {
					s.NextDue = &m
				}
			}
			if len(ms) > 0 {
				s.ShareComplete = float64(complete) / float64(len(ms))
			}
			return s
		}
		compare := func(t *testing.T, path string, want api.ProgressSummary) {
			t.Helper()
			res := env.Do(t, http.MethodGet, path, nil, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: got %d: %s", path, res.StatusCode, res.Body)
			}
			var got api.ProgressSummary
			res.JSON(t, &got)
			if got.Milestones != want.Milestones || got.Overdue != want.Overdue || fmt.Sprint(got.ByStatus) != fmt.Sprint(want.ByStatus) ||
				fmt.Sprint(got.ByCompletion) != fmt.Sprint(want.ByCompletion) {
				t.Errorf("GET %s: got %d milestones, %d overdue, %v, %v; want %d, %d, %v, %v", path, got.Milestones, got.Overdue,
					got.ByStatus, got.ByCompletion, want.Milestones, want.Overdue, want.ByStatus, want.ByCompletion)
			}
			if d := got.ShareComplete - want.ShareComplete; d > 1e-6 || d < -1e-6 {
				t.Errorf("GET %s: shareComplete %v; want %v", path, got.ShareComplete, want.ShareComplete)
			}
			if (got.NextDue == nil) != (want.NextDue == nil) || (got.NextDue != nil && got.NextDue.ID != want.NextDue.ID) {
				t.Errorf("GET %s: nextDue %+v; want %+v", path, got.NextDue, want.NextDue)
			}
		}
		nl0037 := msList(t, env, "/v1/milestones?commitment=NL0037&pageSize=100")
		want := expect(nl0037)
		if want.NextDue == nil || want.NextDue.Code != "3.10" || want.Milestones != 10 {
			t.Fatalf("the test's data: next due %+v of %d; want 3.10 of 10", want.NextDue, want.Milestones)
		}
		compare(t, "/v1/commitments/NL0037/summary", want)
		compare(t, "/v1/commitments/NL0037/summary?asOf="+day(0), want)
		compare(t, "/v1/action-plans/2018/summary", want) // NL0037 is the only 2018 commitment with milestones
		compare(t, "/v1/action-plans/2018/summary?asOf="+day(0), want)
		nl0020 := expect(msList(t, env, "/v1/milestones?commitment=NL0020"))
		compare(t, "/v1/action-plans/2016/summary", nl0020)
		compare(t, "/v1/action-plans/2016/summary?asOf="+day(0), nl0020)
		compare(t, "/v1/action-plans/2013/summary", expect(nil))
		if res := env.Do(t, http.MethodGet, "/v1/commitments/NL0099/summary", nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("summary of NL0099: got %d; want 404", res.StatusCode)
		}
	})
}

// TestMilestonePagingWithDerivedStatus: status follows from evidence and the
// day, so the store cannot filter it; pages must still hold each match once.
func TestMilestonePagingWithDerivedStatus(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	today := apptest.Today()
	var delayed []string
	for i := 1; i <= 23; i++ {
		in := map[string]any{"commitment": "NL0001", "code": fmt.Sprintf("1.%d", i), "title": fmt.Sprintf("Edition %d", i),
			"target": map[string]any{"count": 1, "unit": "edition"}, "evidenceRule": "magazine-editions", "status": "delayed"}
		if i%4 == 1 {
			in["plannedStart"], in["plannedEnd"] = "2010-01-01", "2010-12-31" // long past, nothing published then
			delayed = append(delayed, in["code"].(string))
		} else {
			in["plannedStart"], in["plannedEnd"] = today.AddDate(1, 0, 0).Format(time.DateOnly), today.AddDate(2, 0, 0).Format(time.DateOnly)
		}
		if res := env.Do(t, http.MethodPost, "/v1/milestones", in, apptest.Bearer(editor)); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST: got %d: %s", res.StatusCode, res.Body)
		}
	}
	for _, size := range []int{1, 2, 5, 100} {
		got := msList(t, env, fmt.Sprintf("/v1/milestones?commitment=NL0001&status=delayed&pageSize=%d", size))
		if !slices.Equal(msCodes(got), delayed) {
			t.Errorf("pages of %d: got %v; want %v", size, msCodes(got), delayed)
		}
		notStarted := msList(t, env, fmt.Sprintf("/v1/milestones?commitment=NL0001&status=not-started&pageSize=%d", size))
		if len(notStarted)+len(delayed) != 23 {
			t.Errorf("pages of %d: %d not started and %d delayed; want 23 in all", size, len(notStarted), len(delayed))
		}
	}
}

// TestMilestoneUpdatesOverHTTP: editors post dated progress updates, not in
// the future; everyone reads them, newest first.
func TestMilestoneUpdatesOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	analyst := env.User(t, "analyst@example.org", domain.RoleAnalyst, "")
	member := env.User(t, "member@example.org", domain.RoleMember, "GM0606")
	m := msByCode(t, env, "3.4")
	path := "/v1/milestones/" + m.ID.String() + "/updates"
	today := apptest.Today()
	update := func(date, note string) map[string]any {
		return map[string]any{"date": date, "note": note, "evidenceUrl": "https://example.org/" + strings.ReplaceAll(note, " ", "-")}
	}
	for _, tc := range []struct {
		headers map[string]string
		want    int
	}{
		{nil, http.StatusUnauthorized},
		{apptest.Bearer(analyst), http.StatusForbidden},
		{apptest.Bearer(member), http.StatusForbidden},
	} {
		if res := env.Do(t, http.MethodPost, path, update("2019-10-01", "x"), tc.headers); res.StatusCode != tc.want {
			t.Errorf("POST: got %d; want %d", res.StatusCode, tc.want)
		}
	}
	if res := env.Do(t, http.MethodPost, path, update(today.AddDate(0, 0, 1).Format(time.DateOnly), "Tomorrow"), apptest.Bearer(editor)); res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST dated tomorrow: got %d; want 400", res.StatusCode)
	} else if f := res.Problem(t).Fields(); !slices.Equal(f, []string{"date"}) {
		t.Errorf("POST dated tomorrow: fields %v; want [date]", f)
	}
	for _, u := range []map[string]any{
		update("2019-09-02", "Questionnaire sent"),
		update(today.Format(time.DateOnly), "Results discussed"),
		update("2019-11-01", "Evaluation closed"),
	} {
		res := env.Do(t, http.MethodPost, path, u, apptest.Bearer(editor))
		if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != path {
			t.Fatalf("POST %v: got %d with Location %q; want 201 at %s: %s", u["note"], res.StatusCode, res.Header.Get("Location"), path, res.Body)
		}
	}
	res := env.Do(t, http.MethodGet, path, nil, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET updates: got %d: %s", res.StatusCode, res.Body)
	}
	var list api.ProgressUpdateList
	res.JSON(t, &list)
	var notes []string
	for _, u := range list.Items {
		notes = append(notes, u.Note)
		if u.Milestone != m.ID || u.Author == "" || !strings.HasPrefix(apptest.Deref(u.EvidenceURL), "https://example.org/") {
			t.Errorf("update %+v: want the milestone, an author and the evidence URL", u)
		}
	}
	if want := []string{"Results discussed", "Evaluation closed", "Questionnaire sent"}; !slices.Equal(notes, want) {
		t.Errorf("updates: got %v; want newest first %v", notes, want)
	}
	if res := env.Do(t, http.MethodGet, "/v1/milestones/0190d3e0-0000-7000-8000-000000000000/updates", nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("updates of an unknown milestone: got %d; want 404", res.StatusCode)
	}
}

// msDay is d as the API writes it, "" for none.
func msDay(d *openapi_types.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}
