package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

func TestRobustIfMatch(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	get := e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil)
	var o map[string]any
	get.JSON(t, &o)
	id := o["id"].(string)
	etag := get.Header.Get("ETag")
	body := map[string]any{"code": "GM9902", "name": "Renamed", "kind": "municipality", "networkRole": "member", "joinedOn": o["joinedOn"]}
	before := e.Changes(t, "organisation", id)
	tests := []struct {
		ifMatch string
		want    int
	}{
		{"", 428},
		{"garbage", 412},
		{`W/` + etag, 412}, // weak tags never match If-Match (RFC 9110 13.1.1)
		{`"v0"`, 412},
		{`"v-1"`, 412},
		{`"v2"`, 412},
		{`"v99999999999999999999"`, 412},
		{`"v1`, 412},
		{`v1`, 412},
		{strings.Repeat(`"v9", `, 200) + `"v8"`, 412},
	}
	for _, tt := range tests {
		h := apptest.Headers(e.Admin)
		if tt.ifMatch != "" {
			h["If-Match"] = tt.ifMatch
		}
		apptest.CheckProblem(t, "PUT with If-Match "+apptest.Short(tt.ifMatch), e.Do(t, "PUT", "/v1/organisations/GM9902", body, h), tt.want)
		apptest.CheckProblem(t, "DELETE with If-Match "+apptest.Short(tt.ifMatch), e.Do(t, "DELETE", "/v1/organisations/GM9902", nil, h), tt.want)
	}
	if got := e.Changes(t, "organisation", id); got != before {
		t.Errorf("after refused writes: %d change records; want %d", got, before)
	}
	var now map[string]any
	e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil).JSON(t, &now)
	if now["name"] != o["name"] {
		t.Errorf("after refused writes: name %v; want %v", now["name"], o["name"])
	}

	// RFC 9110 13.1.1: If-Match is a list; it holds when any listed strong
	// tag matches. The parser keeps only the last tag of the list.
	t.Run("If-Match list with the current tag first", func(t *testing.T) {
		res := e.Do(t, "PUT", "/v1/organisations/GM9902", body, apptest.Headers(e.Admin, "If-Match", etag+`, "v99"`))
		if res.StatusCode != 200 {
			t.Errorf("PUT with If-Match %s, \"v99\" on a resource at %s: got %d; want 200 (%s)", etag, etag, res.StatusCode, apptest.Short(res.Body))
		}
	})
	res := e.Do(t, "PUT", "/v1/organisations/GM9902", body, apptest.Headers(e.Admin, "If-Match", "*"))
	if res.StatusCode != 200 {
		t.Errorf("PUT with If-Match *: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
}

func TestRobustConcurrentWrites(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	const n = 8
	var wg sync.WaitGroup
	statuses := func(run func(i int) int) []int {
		out := make([]int, n)
		for i := range out {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				out[i] = run(i)
			}(i)
		}
		wg.Wait()
		slices.Sort(out)
		return out
	}
	count := func(list []int, status int) int {
		c := 0
		for _, s := range list {
			if s == status {
				c++
			}
		}
		return c
	}

	// The same If-Match from n writers: exactly one wins, the others get 412.
	get := e.Do(t, "GET", "/v1/organisations/GM9902", nil, nil)
	var o map[string]any
	get.JSON(t, &o)
	id, etag := o["id"].(string), get.Header.Get("ETag")
	before := e.Changes(t, "organisation", id)
	got := statuses(func(i int) int {
		body := map[string]any{"code": "GM9902", "name": fmt.Sprint("Name ", i), "kind": "municipality", "networkRole": "member", "joinedOn": o["joinedOn"]}
		return e.Do(t, "PUT", "/v1/organisations/GM9902", body, apptest.Headers(e.Admin, "If-Match", etag)).StatusCode
	})
	if count(got, 200) != 1 || count(got, 412) != n-1 {
		t.Errorf("%d concurrent PUTs with If-Match %s: got %v; want one 200 and %d 412", n, etag, got, n-1)
	}
	if c := e.Changes(t, "organisation", id); c != before+1 {
		t.Errorf("after the concurrent PUTs: %d change records; want %d", c, before+1)
	}

	m := e.Do(t, "GET", "/v1/meetings/"+e.Planned, nil, nil)
	got = statuses(func(i int) int {
		return e.Do(t, "PATCH", "/v1/meetings/"+e.Planned, fmt.Sprintf(`{"title":"T%d"}`, i),
			apptest.Headers(e.Admin, "If-Match", m.Header.Get("ETag"), "Content-Type", "application/merge-patch+json")).StatusCode
	})
	if count(got, 200) != 1 || count(got, 412) != n-1 {
		t.Errorf("%d concurrent PATCHes of a meeting with one If-Match: got %v; want one 200 and %d 412", n, got, n-1)
	}

	// n creates with the same unique code: one 201, the others 409.
	got = statuses(func(i int) int {
		return e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-race", "name": fmt.Sprint("Race ", i), "kind": "other", "networkRole": "member"}, apptest.Headers(e.Admin)).StatusCode
	})
	if count(got, 201) != 1 || count(got, 409) != n-1 {
		t.Errorf("%d concurrent creates with one code: got %v; want one 201 and %d 409", n, got, n-1)
	}

	// n people for one seat: one registered, the rest waitlisted in order.
	people := make([]string, n)
	for i := range people {
		people[i] = e.Post(t, e.Admin, "/v1/people", map[string]any{"name": fmt.Sprint("Racer ", i), "memberships": []any{}}).ID
	}
	got = statuses(func(i int) int {
		return e.Do(t, "POST", "/v1/meetings/"+e.Planned+"/registrations", map[string]any{"person": people[i]}, apptest.Headers(e.Admin)).StatusCode
	})
	if count(got, 201) != n {
		t.Errorf("%d concurrent registrations: got %v; want %d 201", n, got, n)
	}
	var regs api.RegistrationList
	e.Do(t, "GET", "/v1/meetings/"+e.Planned+"/registrations", nil, apptest.Headers(e.Admin)).JSON(t, &regs)
	registered, positions := 0, []int{}
	for _, r := range regs.Items {
		if r.Status == "registered" {
			registered++
		} else {
			positions = append(positions, apptest.Deref(r.WaitlistPosition))
		}
	}
	slices.Sort(positions)
	if registered != 1 || !slices.Equal(positions, []int{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("registrations for capacity 1: %d registered, waitlist positions %v; want 1 and 1…7", registered, positions)
	}

	// The same person n times at once: one registration.
	other := e.Post(t, e.Admin, "/v1/meetings", apptest.PlannedMeeting("Second race", nil)).ID
	got = statuses(func(int) int {
		return e.Do(t, "POST", "/v1/meetings/"+other+"/registrations", map[string]any{"person": people[0]}, apptest.Headers(e.Admin)).StatusCode
	})
	if count(got, 201) != 1 || count(got, 409) != n-1 {
		t.Errorf("%d concurrent registrations of one person: got %v; want one 201 and %d 409", n, got, n-1)
	}

	// One Idempotency-Key n times at once: one organisation; the others wait
	// for the first and are its replays (201).
	got = statuses(func(int) int {
		return e.Do(t, "POST", "/v1/organisations", map[string]any{"code": "rb-idem-race", "name": "x", "kind": "other", "networkRole": "member"},
			apptest.Headers(e.Admin, "Idempotency-Key", "rb-race-key")).StatusCode
	})
	if count(got, 201) != n {
		t.Errorf("%d concurrent POSTs with one Idempotency-Key: got %v; want only 201 (the first and its replays)", n, got)
	}
	var list api.OrganisationPage
	e.Do(t, "GET", "/v1/organisations?q=rb-idem-race", nil, nil).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Errorf("after concurrent POSTs with one Idempotency-Key: %d organisations; want 1", len(list.Items))
	}
}

func TestRobustIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	body := map[string]any{"kind": "other", "title": "Idempotent", "url": "https://example.org/idem", "publishedOn": "2020-01-01"}
	first := e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Editor, "Idempotency-Key", "rb-key"))
	again := e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Editor, "Idempotency-Key", "rb-key"))
	if first.StatusCode != 201 || again.StatusCode != 201 || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") || again.Body != first.Body {
		t.Errorf("replay: got %d then %d (replayed %q, Location %q vs %q); want the same 201 replayed", first.StatusCode, again.StatusCode,
			again.Header.Get("Idempotent-Replayed"), again.Header.Get("Location"), first.Header.Get("Location"))
	}
	changed := map[string]any{"kind": "other", "title": "Other", "url": "https://example.org/idem", "publishedOn": "2020-01-01"}
	apptest.CheckProblem(t, "same key, other body", e.Do(t, "POST", "/v1/publications", changed, apptest.Headers(e.Editor, "Idempotency-Key", "rb-key")), 422)
	apptest.CheckProblem(t, "same key, other endpoint", e.Do(t, "POST", "/v1/people", map[string]any{"name": "x", "memberships": []any{}}, apptest.Headers(e.Editor, "Idempotency-Key", "rb-key")), 422)
	if res := e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Admin, "Idempotency-Key", "rb-key")); res.StatusCode != 201 || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("same key, other user: got %d (replayed %q); want a fresh 201: keys are per caller", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
	apptest.CheckInvalid(t, "256-character key", e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Editor, "Idempotency-Key", strings.Repeat("k", 256))), "Idempotency-Key")
	if res := e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Editor, "Idempotency-Key", strings.Repeat("k", 255))); res.StatusCode != 201 {
		t.Errorf("255-character key: got %d; want 201 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	// A refused request is kept too: the retry gets the same 400, not a 201.
	bad := map[string]any{"kind": "other", "title": "", "url": "x", "publishedOn": "2020-01-01"}
	apptest.CheckInvalid(t, "first bad request with a key", e.Do(t, "POST", "/v1/publications", bad, apptest.Headers(e.Editor, "Idempotency-Key", "rb-bad")), "title")
	apptest.CheckInvalid(t, "its retry", e.Do(t, "POST", "/v1/publications", bad, apptest.Headers(e.Editor, "Idempotency-Key", "rb-bad")), "title")
	if res := e.Do(t, "POST", "/v1/auth/token", map[string]any{"email": "editor@example.org", "password": apptest.Password}, apptest.Headers("", "Idempotency-Key", "rb-token")); res.StatusCode != 200 {
		t.Errorf("token with Idempotency-Key: got %d; want 200", res.StatusCode)
	}

	// An Idempotency-Key is an ASCII string (it is a Structured Field
	// string in the IETF draft). Bytes that are not UTF-8 reach the
	// idempotency_keys table as they are: PostgreSQL refuses them (500),
	// SQLite stores them.
	t.Run("Idempotency-Key that is not UTF-8", func(t *testing.T) {
		res := e.Do(t, "POST", "/v1/publications", body, apptest.Headers(e.Editor, "Idempotency-Key", "rb-\xff\xfe"))
		apptest.CheckInvalid(t, "POST with Idempotency-Key rb-\\xff\\xfe", res, "Idempotency-Key")
	})
}

func TestRobustMergePatch(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	mpath := "/v1/meetings/" + e.Planned
	h := apptest.Headers(e.Admin, "If-Match", "*", "Content-Type", "application/merge-patch+json")
	revision := func() float64 {
		var m map[string]any
		e.Do(t, "GET", mpath, nil, nil).JSON(t, &m)
		return m["revision"].(float64)
	}
	start := revision()
	for _, tt := range []struct{ patch, field string }{
		{`{"title":null}`, "title"},
		{`{"topic":null}`, "topic"},
		{`{"format":null}`, "format"},
		{`{"startsAt":null}`, "startsAt"},
		{`{"status":null}`, "status"},
		{`{"timeZone":null}`, "timeZone"},
		{`{"title":""}`, "title"},
		{`{"title":123}`, "title"},
		{`{"venue":[]}`, "venue"},
		{`{"venue":"x"}`, "venue"},
		{`{"venue":{"city":"Schiedam"}}`, "venue.name"},
		{`{"venue":{"name":"v","extra":1}}`, "venue.extra"},
		{`{"details":[]}`, "details"},
		{`{"details":{"format":"other"}}`, "details"},
		{`{"tags":[null]}`, "tags[0]"},
		{`{"capacity":0}`, "capacity"},
		{`{"endsAt":"2030-03-14T12:00:00Z"}`, "endsAt"},
		{`{"status":"confirmed"}`, "guestChair"},
		{`{"extra":1}`, "extra"},
		{`[]`, "body"},
		{`null`, "body"},
		{`"x"`, "body"},
	} {
		apptest.CheckInvalid(t, "PATCH meeting "+tt.patch, e.Do(t, "PATCH", mpath, tt.patch, h), tt.field)
	}
	if got := revision(); got != start {
		t.Errorf("after refused patches the meeting's revision is %v; want %v", got, start)
	}
	res := e.Do(t, "PATCH", mpath, `{"capacity":null,"description":"d","tags":["a","A"," a "]}`, h)
	var m map[string]any
	res.JSON(t, &m)
	if res.StatusCode != 200 || m["capacity"] != nil || fmt.Sprint(m["tags"]) != "[a]" {
		t.Errorf("PATCH capacity null and tags: got %d capacity %v tags %v; want 200, no capacity, tags [a]", res.StatusCode, m["capacity"], m["tags"])
	}
	if res := e.Do(t, "PATCH", mpath, `{}`, h); res.StatusCode != 200 {
		t.Errorf("empty merge patch: got %d; want 200", res.StatusCode)
	}
	for _, tt := range []struct{ path, patch, field string }{
		{"/v1/milestones/" + e.Milestone, `{"title":null}`, "title"},
		{"/v1/milestones/" + e.Milestone, `{"code":null}`, "code"},
		{"/v1/milestones/" + e.Milestone, `{"target":{"count":"x"}}`, "target.count"},
		{"/v1/milestones/" + e.Milestone, `{"target":{"junk":1}}`, "target.junk"},
		{"/v1/milestones/" + e.Milestone, `{"commitment":"NL9999"}`, "commitment"},
		{"/v1/milestones/" + e.Milestone, `{"progress":101}`, "progress"},
		{"/v1/milestones/" + e.Milestone, `{"plannedEnd":"2017-01-01"}`, "plannedEnd"},
		{"/v1/evaluations/" + e.Evaluation, `{"title":null}`, "title"},
		{"/v1/evaluations/" + e.Evaluation, `{"opensAt":null}`, "opensAt"},
		{"/v1/evaluations/" + e.Evaluation, `{"audience":["nope"]}`, "audience[0]"},
		{"/v1/evaluations/" + e.Evaluation, `{"milestone":"00000000-0000-0000-0000-000000000000"}`, "milestone"},
		{"/v1/evaluations/" + e.Evaluation, `{"questions":[{"key":"a","type":"text","text":"t","junk":1}]}`, "questions[0].junk"},
	} {
		apptest.CheckInvalid(t, "PATCH "+tt.path+" "+tt.patch, e.Do(t, "PATCH", tt.path, tt.patch, h), tt.field)
	}
	// Questions are frozen once responses exist: 409, not a silent change.
	apptest.CheckProblem(t, "PATCH questions of an answered evaluation", e.Do(t, "PATCH", "/v1/evaluations/"+e.Evaluation,
		`{"questions":[{"key":"a","type":"text","text":"t"}]}`, h), 409)
}
