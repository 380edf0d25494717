package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// updatedItem is what updatedSince looks at in any list's items.
type updatedItem struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"` // commitments have no id
	UpdatedAt time.Time `json:"updatedAt"`
}

func (i updatedItem) key() string {
	if i.ID == "" {
		return i.Code
	}
	return i.ID
}

// updatedList reads every page of path with query as the admin, pageSize at a
// time, and fails unless each answer is 200.
func updatedList(t *testing.T, f *apptest.Fixture, path string, query url.Values, pageSize int) []updatedItem {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("pageSize", fmt.Sprint(pageSize))
	var out []updatedItem
	for range 1000 {
		res := f.Do(t, "GET", path+"?"+q.Encode(), nil, apptest.Bearer(f.Admin))
		if res.StatusCode != 200 {
			t.Fatalf("GET %s?%s: got %d (%s); want 200", path, q.Encode(), res.StatusCode, apptest.Short(res.Body))
		}
		var page struct {
			Items      []updatedItem `json:"items"`
			NextCursor *string       `json:"nextCursor"`
		}
		res.JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		q.Set("cursor", *page.NextCursor)
	}
	t.Fatalf("GET %s: more than 1000 pages", path)
	return nil
}

func keys(items []updatedItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.key()
	}
	return slices.Sorted(slices.Values(out))
}

// Every top-level list whose items carry updatedAt answers updatedSince:
// the items updated at or after the instant (inclusive: the instant of the
// last item seen finds it again), combined with the other filters and kept
// by the cursor across pages, and in the exports where the list has them.
func TestListsUpdatedSince(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	n := 0
	next := func() int { n++; return n }
	tests := []struct {
		path   string
		create func() string // creates an item, returns the key of its list item
		filter url.Values    // another filter the new items match
		export bool
	}{
		{"/v1/organisations", func() string {
			return f.Post(t, f.Admin, "/v1/organisations", map[string]any{"code": fmt.Sprintf("GM75%02d", next()), "name": "Since",
				"kind": "municipality", "networkRole": "member"}).ID
		}, url.Values{"kind": {"municipality"}}, false},
		{"/v1/people", func() string {
			i := next()
			return f.Post(t, f.Admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Since Person %d", i), fmt.Sprintf("since%d@north.example", i), "", "GM9901")).ID
		}, url.Values{"organisation": {"GM9901"}}, false},
		{"/v1/meetings", func() string {
			return f.Post(t, f.Admin, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Since meeting %d", next()), nil)).ID
		}, url.Values{"status": {"planned"}}, true},
		{"/v1/publications", func() string {
			return f.Post(t, f.Admin, "/v1/publications", map[string]any{"kind": "other", "title": "Since",
				"url": fmt.Sprintf("https://example.org/since/%d", next()), "publishedOn": "2020-05-02"}).ID
		}, url.Values{"kind": {"other"}}, true},
		{"/v1/commitments", func() string {
			code := fmt.Sprintf("NL85%02d", next())
			f.Post(t, f.Admin, "/v1/commitments", map[string]any{"code": code, "title": "Since", "cycle": 2018})
			return code
		}, url.Values{"cycle": {"2018"}}, true},
		{"/v1/milestones", func() string {
			return f.Post(t, f.Admin, "/v1/milestones", map[string]any{"commitment": "NL0037", "code": fmt.Sprintf("9.%d", next()), "title": "Since"}).ID
		}, url.Values{"commitment": {"NL0037"}}, true},
		{"/v1/evaluations", func() string { return f.Post(t, f.Admin, "/v1/evaluations", evBody("Since", false)).ID },
			url.Values{"status": {"draft"}}, false},
	}
	for _, tt := range tests {
		first, second := tt.create(), tt.create()
		all := updatedList(t, f, tt.path, nil, 100)
		at := map[string]time.Time{}
		for _, it := range all {
			at[it.key()] = it.UpdatedAt
		}
		since := at[first]
		if since.IsZero() || at[second].Before(since) {
			t.Fatalf("%s: got updatedAt %v and %v of the new items; want both, in order", tt.path, since, at[second])
		}
		var want []updatedItem
		for _, it := range all {
			if !it.UpdatedAt.Before(since) {
				want = append(want, it)
			}
		}
		if len(want) == len(all) {
			t.Fatalf("%s: all %d items updated at or after %s; want older ones too, or the test proves nothing", tt.path, len(all), since)
		}
		query := url.Values{"updatedSince": {since.Format(time.RFC3339Nano)}}
		for _, size := range []int{1, 100} {
			if got := updatedList(t, f, tt.path, query, size); !slices.Equal(keys(got), keys(want)) {
				t.Errorf("%s?updatedSince=%s, pages of %d: got %v; want %v", tt.path, since.Format(time.RFC3339Nano), size, keys(got), keys(want))
			}
		}
		// A microsecond later, the first is no longer in; the second still is.
		later := url.Values{"updatedSince": {since.Add(time.Microsecond).Format(time.RFC3339Nano)}}
		if got := keys(updatedList(t, f, tt.path, later, 100)); slices.Contains(got, first) || !slices.Contains(got, second) {
			t.Errorf("%s?updatedSince=%s: got %v; want %s but not %s", tt.path, since.Add(time.Microsecond), got, second, first)
		}
		// Combined with another filter, and in a time zone other than UTC.
		combined := url.Values{"updatedSince": {since.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)}}
		for k, v := range tt.filter {
			combined[k] = v
		}
		if got := keys(updatedList(t, f, tt.path, combined, 1)); !slices.Contains(got, first) || !slices.Contains(got, second) ||
			len(got) > len(want) {
			t.Errorf("%s?%s: got %v; want %s and %s among at most %d", tt.path, combined.Encode(), got, first, second, len(want))
		}
		if tt.export {
			res := f.Do(t, "GET", tt.path+"?format=ndjson&"+query.Encode(), nil, apptest.Bearer(f.Admin))
			var got []updatedItem
			for _, line := range strings.Split(strings.TrimSpace(res.Body), "\n") {
				var it updatedItem
				if err := json.Unmarshal([]byte(line), &it); err != nil {
					t.Fatalf("%s NDJSON: %v in %q", tt.path, err, apptest.Short(res.Body))
				}
				got = append(got, it)
			}
			if !slices.Equal(keys(got), keys(want)) {
				t.Errorf("%s NDJSON, updatedSince: got %v; want %v", tt.path, keys(got), keys(want))
			}
		}
		if tt.path == "/v1/milestones" {
			// As of today, from the history: the same items.
			asOf := url.Values{"updatedSince": query["updatedSince"], "asOf": {apptest.Today().Format(time.DateOnly)}}
			if got := updatedList(t, f, tt.path, asOf, 1); !slices.Equal(keys(got), keys(want)) {
				t.Errorf("%s?%s: got %v; want %v", tt.path, asOf.Encode(), keys(got), keys(want))
			}
		}
		for _, bad := range []string{"yesterday", "2026-01-31", "2026-13-01T00:00:00Z"} {
			apptest.CheckInvalid(t, tt.path+"?updatedSince="+bad, f.Do(t, "GET", tt.path+"?updatedSince="+url.QueryEscape(bad), nil, apptest.Bearer(f.Admin)), "updatedSince")
		}
	}
}

// A cursor keeps updatedSince: the same cursor with another instant is refused.
func TestUpdatedSinceCursor(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	res := f.Do(t, "GET", "/v1/organisations?pageSize=1&updatedSince=2000-01-01T00:00:00Z", nil, apptest.Bearer(f.Admin))
	var page struct{ NextCursor *string }
	res.JSON(t, &page)
	if page.NextCursor == nil {
		t.Fatalf("first page: got no next cursor (%s); want one", apptest.Short(res.Body))
	}
	res = f.Do(t, "GET", "/v1/organisations?pageSize=1&updatedSince=2001-01-01T00:00:00Z&cursor="+*page.NextCursor, nil, apptest.Bearer(f.Admin))
	apptest.CheckInvalid(t, "cursor with another updatedSince", res, "cursor")
}
