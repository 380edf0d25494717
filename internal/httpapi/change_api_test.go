package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// changeItem is an item of GET /v1/changes as a client reads it.
type changeItem struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Resource      string          `json:"resource"`
	ResourceID    string          `json:"resourceId"`
	ChangedFields []string        `json:"changedFields"`
	Href          string          `json:"href"`
	Data          json.RawMessage `json:"data"`
}

type changePage struct {
	Items  []changeItem `json:"items"`
	Cursor string       `json:"cursor"`
}

// readChanges reads the feed as token's caller from cursor to its end.
func readChanges(t *testing.T, env *apptest.Env, token, cursor string) ([]changeItem, string) {
	t.Helper()
	var all []changeItem
	for range 10000 {
		path := "/v1/changes?pageSize=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := env.Do(t, http.MethodGet, path, nil, apptest.Headers(token))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got %d; want 200 (%s)", path, res.StatusCode, apptest.Short(res.Body))
		}
		var page changePage
		res.JSON(t, &page)
		if page.Cursor == "" {
			t.Fatalf("GET %s: got no cursor; want one on every page", path)
		}
		all = append(all, page.Items...)
		cursor = page.Cursor
		if res.Header.Get("Link") == "" {
			return all, cursor
		}
	}
	t.Fatal("the feed did not end")
	return nil, ""
}

// The feed shows organisations and meetings as they are now, in commit
// order, with absolute links, and a poller gets 304 until something changes.
func TestChangeFeedShowsCreatesUpdatesAndDeletes(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	org := env.Post(t, admin, "/v1/organisations", municipalityBody("GM9901", "Noordstad"))
	meeting := env.Post(t, admin, "/v1/meetings", apptest.PlannedMeeting("Feed meeting", nil))
	res := env.Do(t, http.MethodDelete, "/v1/meetings/"+meeting.ID, nil, apptest.Headers(admin, "If-Match", meeting.ETag))
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete meeting: got %d; want 204 (%s)", res.StatusCode, res.Body)
	}

	items, cursor := readChanges(t, env, "", "")
	var got []string
	for _, it := range items {
		if it.Resource == "organisation" || it.Resource == "meeting" {
			got = append(got, it.Resource+" "+it.Type+" "+it.ResourceID)
		}
	}
	want := []string{"organisation created " + org.ID, "meeting deleted " + meeting.ID, "meeting deleted " + meeting.ID}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("feed:\ngot  %q\nwant %q", got, want)
	}
	for _, it := range items {
		if it.ResourceID == org.ID {
			if wantHref := env.URL + "/v1/organisations/" + org.ID; it.Href != wantHref {
				t.Errorf("href: got %q; want %q", it.Href, wantHref)
			}
			byID := env.Do(t, http.MethodGet, "/v1/organisations/"+org.ID, nil, nil)
			if !jsonEqual(t, it.Data, []byte(byID.Body)) {
				t.Errorf("data: got %s; want what GET by id gives: %s", it.Data, byID.Body)
			}
		}
		if it.Type == "deleted" && string(it.Data) != "null" {
			t.Errorf("tombstone data: got %s; want null", it.Data)
		}
	}

	// Polling at the end: an empty page with the same cursor, Retry-After and 304 on the ETag.
	first := env.Do(t, http.MethodGet, "/v1/changes?cursor="+cursor, nil, nil)
	var page changePage
	first.JSON(t, &page)
	if first.StatusCode != http.StatusOK || len(page.Items) != 0 || page.Cursor != cursor || first.Header.Get("Retry-After") == "" {
		t.Fatalf("poll at the end: got %d, %d items, cursor %q, Retry-After %q; want 200, none, %q and a Retry-After",
			first.StatusCode, len(page.Items), page.Cursor, first.Header.Get("Retry-After"), cursor)
	}
	etag := first.Header.Get("ETag")
	again := env.Do(t, http.MethodGet, "/v1/changes?cursor="+cursor, nil, apptest.Headers("", "If-None-Match", etag))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("poll with If-None-Match: got %d; want 304", again.StatusCode)
	}
	env.Post(t, admin, "/v1/organisations", municipalityBody("GM9902", "Zuidstad"))
	after := env.Do(t, http.MethodGet, "/v1/changes?cursor="+cursor, nil, apptest.Headers("", "If-None-Match", etag))
	after.JSON(t, &page)
	if after.StatusCode != http.StatusOK || len(page.Items) != 1 || page.Items[0].Type != "created" {
		t.Errorf("poll after a write: got %d with %d items; want 200 with the new organisation", after.StatusCode, len(page.Items))
	}
	if after.Header.Get("Retry-After") != "" {
		t.Errorf("Retry-After on a page with items: got %q; want none", after.Header.Get("Retry-After"))
	}
}

// A malformed cursor is refused by name.
func TestChangeFeedRefusesAMalformedCursor(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	for _, cursor := range []string{"abc", "c2VxOi0x", "c2VxOng", "eyJpZCI6MX0"} {
		res := env.Do(t, http.MethodGet, "/v1/changes?cursor="+cursor, nil, nil)
		apptest.CheckInvalid(t, "cursor "+cursor, res, "cursor")
	}
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("decode %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

// municipalityBody is the POST body of a member municipality.
func municipalityBody(code, name string) map[string]any {
	return map[string]any{"code": code, "name": name, "kind": "municipality", "networkRole": "member", "joinedOn": "2018-01-01"}
}
