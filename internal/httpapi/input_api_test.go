package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

func TestValidationNamesEveryBadField(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", "admin", "")
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		fields []string
	}{
		{"query parameters", "GET", "/v1/organisations?pageSize=101&kind=village&active=perhaps&colour=red", nil,
			[]string{"pageSize", "kind", "active", "colour"}},
		{"body", "POST", "/v1/organisations", map[string]any{"name": "", "kind": "village", "networkRole": "lead", "website": "not a url", "joinedOn": "2019-13-01", "extra": 1},
			[]string{"code", "name", "kind", "website", "joinedOn", "extra"}},
		{"domain rules", "POST", "/v1/organisations", map[string]any{"code": "schiedam", "name": "Schiedam", "kind": "municipality", "networkRole": "lead", "joinedOn": "2020-01-01", "leftOn": "2019-01-01"},
			[]string{"code", "leftOn"}},
		{"malformed JSON", "POST", "/v1/organisations", `{"code": `, []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := apptest.Bearer(admin)
			headers["Content-Type"] = "application/json"
			res := env.Do(t, tt.method, tt.path, tt.body, headers)
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status: got %d; want 400 (%s)", res.StatusCode, res.Body)
			}
			got := res.Problem(t).Fields()
			for _, f := range tt.fields {
				if !slices.Contains(got, f) {
					t.Errorf("invalidParams: got %v; want it to name %s", got, f)
				}
			}
		})
	}
}

// Text a database cannot store or search is refused up front, naming the
// field, on SQLite and PostgreSQL alike.
func TestTextThatNoDatabaseTakes(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	tests := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"NUL in a query", "GET", "/v1/organisations?q=a%00b", nil, "q"},
		{"bytes that are not UTF-8 in a query", "GET", "/v1/people?q=%ff%fe", nil, "q"},
		{"NUL in a path", "GET", "/v1/organisations/GM%000606", nil, "organisation"},
		{"NUL in a body", "POST", "/v1/organisations", map[string]any{"code": "nul", "name": "a\x00b", "kind": "other", "networkRole": "member"}, "name"},
		{"NUL deep in a body", "POST", "/v1/people", map[string]any{"name": "P", "memberships": []any{map[string]any{"organisation": "GM\x000606", "role": "pioneer"}}}, "memberships[0].organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, tt.method, tt.path, tt.body, apptest.Bearer(admin))
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status: got %d; want 400 (%s)", res.StatusCode, res.Body)
			}
			if got := res.Problem(t).Fields(); !slices.Contains(got, tt.field) {
				t.Errorf("invalidParams: got %v; want %s", got, tt.field)
			}
		})
	}
}

func TestRobustQueryParameters(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	page := e.Do(t, "GET", "/v1/organisations?pageSize=1", nil, nil)
	var first api.OrganisationPage
	page.JSON(t, &first)
	if first.NextCursor == nil {
		t.Fatalf("organisations page 1: no nextCursor (%s)", page.Body)
	}
	tests := []struct{ path, field string }{
		{"/v1/organisations?pageSize=0", "pageSize"},
		{"/v1/organisations?pageSize=-1", "pageSize"},
		{"/v1/organisations?pageSize=abc", "pageSize"},
		{"/v1/organisations?pageSize=101", "pageSize"},
		{"/v1/organisations?pageSize=1e2", "pageSize"},
		{"/v1/organisations?pageSize=99999999999999999999", "pageSize"},
		{"/v1/organisations?pageSize=", "pageSize"},
		{"/v1/people?cursor=garbage", "cursor"},
		{"/v1/people?cursor=" + strings.Repeat("A", 1025), "cursor"},
		{"/v1/people?cursor=%00", "cursor"},
		{"/v1/people?cursor=eyJmIjoiIiwidiI6W10sImkiOiIifQ", "cursor"},
		{"/v1/people?cursor=" + *first.NextCursor, "cursor"},                                     // from another list
		{"/v1/organisations?pageSize=1&kind=municipality&cursor=" + *first.NextCursor, "cursor"}, // other filters
		{"/v1/meetings?colour=red", "colour"},
		{"/v1/milestones?q=" + strings.Repeat("x", 201), "q"},
		{"/v1/milestones?q=", "q"},
		{"/v1/organisations?sort=-", "sort"},
		{"/v1/organisations?sort=name,name", "sort"},
		{"/v1/organisations?active=perhaps", "active"},
		{"/v1/organisations?kind=village", "kind"},
		{"/v1/meetings?from=2019-02-29", "from"},
		{"/v1/meetings?from=2019-01-01T00:00:00", "from"},
		{"/v1/meetings?to=garbage", "to"},
		{"/v1/meetings?format=csv&from=garbage", "from"}, // an export answers a problem before streaming
		{"/v1/meetings?format=conference&format=other", "format"},
		{"/v1/meetings?guestChair=nope", "guestChair"},
		{"/v1/meetings?organisation=00000000-0000-0000-0000-000000000000", "organisation"},
		{"/v1/milestones?asOf=9999-12-31", "asOf"},
		{"/v1/milestones?asOf=2019-02-29", "asOf"},
		{"/v1/publications?format=xml", "format"},
		{"/v1/publications?meeting=garbage", "meeting"},
		{"/v1/commitments?cycle=2018.5", "cycle"},
		{"/v1/commitments?policyArea=%00", "policyArea"},
		{"/v1/evaluations?milestone=garbage", "milestone"},
		{"/v1/schedule-health?from=2020-01-01&to=2019-01-01", "to"},
		{"/v1/people?organisation=nope", "organisation"},
		{"/v1/people?q=%ff%fe", "q"},
		{"/v1/organisations/GM9901/people?role=nope", "role"},
		{"/v1/action-plans/abc/summary", "cycle"},
		{"/v1/action-plans/99999999999999999999/summary", "cycle"},
		{"/v1/meetings/not-a-uuid", "meeting"},
		{"/v1/meetings/a%2Fb", "meeting"},
		{"/v1/organisations/" + strings.Repeat("x", 65), "organisation"},
		{"/v1/feeds/meetings.ics?format=csv", "format"},
		{"/v1/auth/token?x=1", "x"},
	}
	for _, tt := range tests {
		method := "GET"
		if strings.HasPrefix(tt.path, "/v1/auth/token") {
			method = "POST"
		}
		res := e.Do(t, method, tt.path, nil, apptest.Headers(e.Admin))
		apptest.CheckInvalid(t, method+" "+apptest.Short(tt.path), res, tt.field)
	}

	// Text that is odd but valid searches and answers 200.
	for _, q := range []string{"%F0%9F%98%80", "%25", "_", "%5C", "%E2%80%AE", "e%CC%81"} {
		res := e.Do(t, "GET", "/v1/organisations?q="+q, nil, nil)
		if res.StatusCode != 200 {
			t.Errorf("GET /v1/organisations?q=%s: got %d; want 200 (%s)", q, res.StatusCode, apptest.Short(res.Body))
		}
	}

	// A repeated single-valued key is invalid input like any other: 400
	// invalid-input naming the key in invalidParams.
	for _, path := range []string{"/v1/organisations?pageSize=5&pageSize=6", "/v1/milestones?format=csv&format=ndjson", "/v1/feeds/meetings.ics?format=conference&format=other"} {
		t.Run("repeated key "+path, func(t *testing.T) {
			res := e.Do(t, "GET", path, nil, nil)
			key := strings.Split(strings.Split(path, "?")[1], "=")[0]
			apptest.CheckInvalid(t, "GET "+path, res, key)
		})
	}
}

func TestRobustDates(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, d := range []string{"9999-12-31", "2020-02-29", "1900-01-01"} {
		res := e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-date", "name": "x", "kind": "other", "networkRole": "member", "joinedOn": d}, apptest.Headers(e.Admin))
		var o api.Organisation
		res.JSON(t, &o)
		if res.StatusCode != 201 || o.JoinedOn == nil || o.JoinedOn.String() != d {
			t.Errorf("joinedOn %s: got %d with %q; want 201 with the date kept", d, res.StatusCode, o.JoinedOn)
		}
		e.Do(t, "DELETE", "/v1/organisations/"+o.ID.String(), nil, apptest.Headers(e.Admin, "If-Match", "*"))
	}
	for _, tt := range []struct{ name, startsAt, field string }{
		{"no zone", "2030-03-14T13:00:00", "startsAt"},
		{"offset +25:00", "2030-03-14T13:00:00+25:00", "startsAt"},
		{"space", "2030-03-14 13:00:00Z", "startsAt"},
		{"29 February 2030", "2030-02-29T13:00:00Z", "startsAt"},
		{"hour 24", "2030-03-14T24:00:00Z", "startsAt"},
		{"date only", "2030-03-14", "startsAt"},
	} {
		apptest.CheckInvalid(t, "meeting startsAt "+tt.name, e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb dates", map[string]any{"startsAt": tt.startsAt}), apptest.Headers(e.Admin)), tt.field)
	}
	res := e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb offsets", map[string]any{"startsAt": "2030-03-14T14:00:00.123456789+01:00", "endsAt": "2030-03-14T13:30:00-02:30"}), apptest.Headers(e.Admin))
	var m struct{ StartsAt, EndsAt string } // as text: the wire form is what is tested
	res.JSON(t, &m)
	if res.StatusCode != 201 || m.StartsAt != "2030-03-14T13:00:00.123456Z" || m.EndsAt != "2030-03-14T16:00:00Z" {
		t.Errorf("odd offsets: got %d %s–%s; want 201 2030-03-14T13:00:00.123456Z–2030-03-14T16:00:00Z", res.StatusCode, m.StartsAt, m.EndsAt)
	}
}

// Go's zero time is 0001-01-01, and the handlers use it for "not given": a
// date of 0001-01-01 that the contract accepts is dropped without a word,
// or refused with a misleading "is required".
func TestRobustFirstOfJanuaryYearOne(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	t.Run("joinedOn and leftOn", func(t *testing.T) {
		for _, field := range []string{"joinedOn", "leftOn"} {
			body := map[string]any{"code": "rb-year-one", "name": "x", "kind": "other", "networkRole": "member", field: "0001-01-01"}
			res := e.Do(t, "POST", "/v1/organisations", body, apptest.Headers(e.Admin))
			var o map[string]any
			_ = json.Unmarshal([]byte(res.Body), &o)
			if res.StatusCode == 400 {
				continue
			}
			if o[field] != "0001-01-01" {
				t.Errorf("POST organisation with %s 0001-01-01: got %d with %s %v; want the date kept, or 400 naming %s", field, res.StatusCode, field, o[field], field)
			}
			if id, ok := o["id"].(string); ok {
				e.Do(t, "DELETE", "/v1/organisations/"+id, nil, apptest.Headers(e.Admin, "If-Match", "*"))
			}
		}
	})
	t.Run("membership from", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/people", map[string]any{"name": "Year One", "memberships": []any{map[string]any{"organisation": "GM9902", "role": "pioneer", "from": "0001-01-01"}}}, apptest.Headers(e.Admin))
		var p struct {
			Memberships []map[string]any `json:"memberships"`
		}
		_ = json.Unmarshal([]byte(res.Body), &p)
		if res.StatusCode != 400 && (len(p.Memberships) != 1 || p.Memberships[0]["from"] != "0001-01-01") {
			t.Errorf("membership from 0001-01-01: got %d with %v; want the date kept, or 400 naming memberships[0].from", res.StatusCode, p.Memberships)
		}
	})
	t.Run("plannedStart", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/milestones", map[string]any{"commitment": "NL0037", "code": "9.1", "title": "Year one", "plannedStart": "0001-01-01"}, apptest.Headers(e.Editor))
		var ms map[string]any
		_ = json.Unmarshal([]byte(res.Body), &ms)
		if res.StatusCode != 400 && ms["plannedStart"] != "0001-01-01" {
			t.Errorf("milestone plannedStart 0001-01-01: got %d with plannedStart %v; want the date kept, or 400", res.StatusCode, ms["plannedStart"])
		}
	})
	t.Run("asOf", func(t *testing.T) {
		// A day long before the data was entered finds nothing (README);
		// 0001-01-01 instead answers today's data, without asOf.
		var page struct {
			AsOf  string `json:"asOf"`
			Items []any  `json:"items"`
		}
		control := e.Do(t, "GET", "/v1/milestones?commitment=NL0037&asOf=1900-01-01", nil, nil)
		control.JSON(t, &page)
		if control.StatusCode != 200 || page.AsOf != "1900-01-01" || len(page.Items) != 0 {
			t.Fatalf("control: GET /v1/milestones?asOf=1900-01-01 got %d with asOf %q and %d milestones; want 200, asOf 1900-01-01, none", control.StatusCode, page.AsOf, len(page.Items))
		}
		page.AsOf, page.Items = "", nil
		res := e.Do(t, "GET", "/v1/milestones?commitment=NL0037&asOf=0001-01-01", nil, nil)
		res.JSON(t, &page)
		if res.StatusCode != 400 && (page.AsOf != "0001-01-01" || len(page.Items) != 0) {
			t.Errorf("GET /v1/milestones?asOf=0001-01-01: got %d with asOf %q and %d milestones; want asOf 0001-01-01 and none (as for 1900-01-01), or 400", res.StatusCode, page.AsOf, len(page.Items))
		}
		res = e.Do(t, "GET", "/v1/milestones/"+e.Milestone+"?asOf=0001-01-01", nil, nil)
		if res.StatusCode != 404 && res.StatusCode != 400 {
			t.Errorf("GET a milestone asOf 0001-01-01: got %d; want 404 (it did not exist then) or 400", res.StatusCode)
		}
	})
	t.Run("schedule-health from", func(t *testing.T) {
		var h api.ScheduleHealth
		if e.Do(t, "GET", "/v1/schedule-health?from=1900-01-01&to=2020-12-31", nil, nil).JSON(t, &h); h.From.String() != "1900-01-01" {
			t.Fatalf("control: schedule-health from=1900-01-01 answered from %q", h.From)
		}
		res := e.Do(t, "GET", "/v1/schedule-health?from=0001-01-01&to=2020-12-31", nil, nil)
		res.JSON(t, &h)
		if res.StatusCode != 400 && h.From.String() != "0001-01-01" {
			t.Errorf("GET /v1/schedule-health?from=0001-01-01: got %d with from %q; want from 0001-01-01 (not the default), or 400", res.StatusCode, h.From)
		}
	})
	t.Run("reason of a required date", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/publications", map[string]any{"kind": "other", "title": "x", "url": "https://example.org", "publishedOn": "0001-01-01"}, apptest.Headers(e.Editor))
		if res.StatusCode == 400 {
			for _, f := range res.Problem(t).Params() {
				if f.Name == "publishedOn" && f.Reason == "is required" {
					t.Errorf("publishedOn 0001-01-01: the reason is %q though it was given (%s)", f.Reason, apptest.Short(res.Body))
				}
			}
		}
	})
}

// An instant whose UTC year is beyond 9999 (9999-12-31T22:00:00-05:00) passes
// the contract and the rules and is stored; encoding the response then fails
// (500). The row stays: SQLite reads it back as 0001-01-01, and on
// PostgreSQL every list that meets it answers 500 from then on.
func TestRobustInstantBeyondYear9999(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	t.Run("meeting", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb far future", map[string]any{"startsAt": "9999-12-31T22:00:00-05:00", "endsAt": "9999-12-31T23:00:00-05:00"}), apptest.Headers(e.Admin))
		apptest.CheckInvalid(t, "POST meeting starting 9999-12-31T22:00:00-05:00", res, "startsAt")
		page, err := e.App.Meetings.List(apptest.As(domain.System), meeting.ListRequest{Filter: meeting.Filter{Q: "rb far future"}, PageSize: 10})
		if err != nil {
			t.Fatalf("list meetings: %v", err)
		}
		if len(page.Items) != 0 {
			t.Errorf("after the failed POST the meeting was stored anyway (startsAt read back as %s)", page.Items[0].StartsAt.Format(time.RFC3339))
		}
		apptest.CheckNever5xx(t, "GET /v1/meetings afterwards", e.Do(t, "GET", "/v1/meetings?pageSize=100", nil, nil))
	})
	t.Run("evaluation", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/evaluations", map[string]any{"title": "rb far future", "opensAt": "2020-01-01T00:00:00Z", "closesAt": "9999-12-31T23:00:00-05:00",
			"questions": []any{map[string]any{"key": "n", "type": "number", "text": "n"}}}, apptest.Headers(e.Editor))
		apptest.CheckInvalid(t, "POST evaluation closing 9999-12-31T23:00:00-05:00", res, "closesAt")
		page, err := e.App.Evaluations.List(apptest.As(domain.System), evaluation.Filter{WithDrafts: true, PageSize: 100, Now: time.Now()})
		if err != nil {
			t.Fatalf("list evaluations: %v", err)
		}
		for _, ev := range page.Items {
			if ev.Title == "rb far future" {
				t.Errorf("after the failed POST the evaluation was stored anyway (closesAt read back as %s)", ev.ClosesAt.Format(time.RFC3339))
			}
		}
		apptest.CheckNever5xx(t, "GET /v1/evaluations afterwards", e.Do(t, "GET", "/v1/evaluations", nil, apptest.Headers(e.Editor)))
	})
}

func TestRobustNumbers(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, tt := range []struct {
		extra map[string]any
		field string
	}{
		{map[string]any{"capacity": 100001}, "capacity"},
		{map[string]any{"capacity": 0}, "capacity"},
		{map[string]any{"capacity": -1}, "capacity"},
		{map[string]any{"capacity": 1.5}, "capacity"},
		{map[string]any{"capacity": "10"}, "capacity"},
		{map[string]any{"sequence": 0}, "sequence"},
		{map[string]any{"sequence": true}, "sequence"},
	} {
		apptest.CheckInvalid(t, fmt.Sprintf("POST meeting %v", tt.extra), e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb numbers", tt.extra), apptest.Headers(e.Admin)), tt.field)
	}
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"target": map[string]any{"count": 1000001, "unit": "x"}}, "target.count"},
		{map[string]any{"progress": 101}, "progress"},
		{map[string]any{"progress": -1}, "progress"},
	} {
		body := map[string]any{"commitment": "NL0037", "code": "8.1", "title": "M"}
		for k, v := range tt.body {
			body[k] = v
		}
		apptest.CheckInvalid(t, fmt.Sprintf("POST milestone %v", tt.body), e.Do(t, "POST", "/v1/milestones", body, apptest.Headers(e.Editor)), tt.field)
	}

	// sequence has no maximum in the contract; the column is a 32-bit
	// INTEGER on PostgreSQL, which refuses 2^31 (500).
	for _, seq := range []int64{2147483647, 2147483648, 9223372036854775807} {
		t.Run(fmt.Sprint("sequence ", seq), func(t *testing.T) {
			res := e.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("rb sequence", map[string]any{"sequence": seq}), apptest.Headers(e.Admin))
			apptest.CheckNever5xx(t, fmt.Sprint("POST meeting with sequence ", seq), res)
			if res.StatusCode >= 400 && res.StatusCode < 500 {
				apptest.CheckInvalid(t, fmt.Sprint("POST meeting with sequence ", seq), res, "sequence")
			}
		})
	}
}

// A whole number written with a fraction or an exponent is refused alike
// by POST and by PATCH (a merge patch is bound from a decoded value, where
// 5.0 and 5 would look the same), at any depth.
func TestWholeNumbersAlikeInPostAndPatch(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	meeting := e.Post(t, e.Admin, "/v1/meetings", apptest.PlannedMeeting("rb whole numbers", nil))
	milestone := e.Post(t, e.Editor, "/v1/milestones", map[string]any{"commitment": "NL0037", "code": "8.2", "title": "M"})
	post := func(extra map[string]any) string {
		body, err := json.Marshal(apptest.PlannedMeeting("rb whole numbers", extra))
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	for _, tt := range []struct {
		name, method, path, etag, body, field string
	}{
		{"POST 5.0", "POST", "/v1/meetings", "", strings.Replace(post(map[string]any{"capacity": 5}), `"capacity":5`, `"capacity":5.0`, 1), "capacity"},
		{"POST 1e1", "POST", "/v1/meetings", "", strings.Replace(post(map[string]any{"capacity": 5}), `"capacity":5`, `"capacity":1e1`, 1), "capacity"},
		{"PATCH 5.0", "PATCH", "/v1/meetings/" + meeting.ID, meeting.ETag, `{"capacity":5.0}`, "capacity"},
		{"PATCH 1E1", "PATCH", "/v1/meetings/" + meeting.ID, meeting.ETag, `{"capacity":1E1}`, "capacity"},
		{"PATCH nested 2.0", "PATCH", "/v1/milestones/" + milestone.ID, milestone.ETag, `{"target":{"count":2.0,"unit":"editions"}}`, "target.count"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.Headers(e.Admin)
			h["Content-Type"] = "application/json"
			if tt.method == "PATCH" {
				h["Content-Type"], h["If-Match"] = "application/merge-patch+json", tt.etag
			}
			apptest.CheckInvalid(t, tt.name, e.Do(t, tt.method, tt.path, tt.body, h), tt.field)
		})
	}
}

func TestRobustCursorTampering(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	e.Post(t, e.Admin, "/v1/people", map[string]any{"name": "Second person", "memberships": []any{}})
	lists := []string{"/v1/organisations?pageSize=1", "/v1/organisations?pageSize=1&sort=joinedOn", "/v1/people?pageSize=1", "/v1/meetings?pageSize=1",
		"/v1/publications?pageSize=1", "/v1/milestones?pageSize=1&sort=plannedEnd", "/v1/commitments?pageSize=1"}
	for _, list := range lists {
		res := e.Do(t, "GET", list, nil, apptest.Headers(e.Admin))
		var page struct {
			NextCursor string `json:"nextCursor"`
		}
		res.JSON(t, &page)
		if page.NextCursor == "" {
			t.Fatalf("GET %s: no nextCursor (%s)", list, apptest.Short(res.Body))
		}
		raw, err := base64.RawURLEncoding.DecodeString(page.NextCursor)
		if err != nil {
			t.Fatalf("cursor of %s is not base64url: %v", list, err)
		}
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("cursor of %s: %v", list, err)
		}
		try := func(t *testing.T, label string, mutate func(c map[string]any), want []int) {
			t.Helper()
			cc := map[string]any{}
			for k, v := range c {
				cc[k] = v
			}
			mutate(cc)
			b, _ := json.Marshal(cc)
			res := e.Do(t, "GET", list+"&cursor="+base64.RawURLEncoding.EncodeToString(b), nil, apptest.Headers(e.Admin))
			if !slices.Contains(want, res.StatusCode) {
				t.Errorf("GET %s with a cursor %s %s: got %d; want one of %v (%s)", list, label, b, res.StatusCode, want, apptest.Short(res.Body))
			}
			if res.StatusCode >= 400 && res.StatusCode < 500 {
				apptest.CheckInvalid(t, list+" cursor "+label, res, "cursor")
			}
		}
		values, _ := c["v"].([]any)
		try(t, "without f", func(c map[string]any) { delete(c, "f") }, []int{400})
		try(t, "with another f", func(c map[string]any) { c["f"] = "AAAAAAAAAAAA" }, []int{400})
		try(t, "with an empty i", func(c map[string]any) { c["i"] = "" }, []int{400})
		try(t, "with a number for i", func(c map[string]any) { c["i"] = 7 }, []int{400})
		try(t, "with one value too many", func(c map[string]any) { c["v"] = append(append([]any{}, values...), "x") }, []int{400})
		try(t, "with v an object", func(c map[string]any) { c["v"] = map[string]any{} }, []int{400})
		try(t, "with an unknown i", func(c map[string]any) { c["i"] = "zzzzzzzz-not-an-id" }, []int{200})
		if len(values) > 0 {
			try(t, "with a number value", func(c map[string]any) { c["v"] = []any{1} }, []int{400})
			try(t, "with a null value", func(c map[string]any) { c["v"] = []any{nil} }, []int{400})
			try(t, "with a far value", func(c map[string]any) { c["v"] = []any{"9999-12-31T23:59:59.999999999Z"} }, []int{200, 400})
			try(t, "with a year-zero value", func(c map[string]any) { c["v"] = []any{"0000-01-01T00:00:00Z"} }, []int{200, 400})
		}
		// The query's cursor is checked for NUL, but not what it decodes to:
		// PostgreSQL refuses NUL in text (500), SQLite compares it.
		t.Run("NUL inside the cursor of "+list, func(t *testing.T) {
			try(t, "with NUL in i", func(c map[string]any) { c["i"] = "a\u0000b" }, []int{400})
			if len(values) > 0 {
				try(t, "with NUL in a value", func(c map[string]any) { c["v"] = []any{"a\u0000"} }, []int{400})
			}
		})
	}
}
