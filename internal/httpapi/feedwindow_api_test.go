package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/httpapi"
)

// TestFeedWindow: without from and to the feed holds the meetings from
// twelve months back onward; from and to are inclusive days in Amsterdam.
func TestFeedWindow(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "feed-window-editor@example.org", domain.RoleEditor, "")
	today := apptest.Today() // a day in Amsterdam, at 00:00 UTC
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	// at is noon in Amsterdam (10:00 or 11:00 UTC) on day d.
	at := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, domain.Amsterdam)
	}
	post := func(title string, d time.Time) apptest.Created {
		return env.Post(t, editor, "/v1/meetings", apptest.PlannedMeeting(title, map[string]any{
			"startsAt": at(d).UTC().Format(time.RFC3339), "endsAt": at(d).Add(2 * time.Hour).UTC().Format(time.RFC3339)}))
	}
	yearBack := today.AddDate(-1, 0, 0)
	old := post("Long ago", time.Date(2020, 5, 4, 0, 0, 0, 0, time.UTC))
	before := post("The day before the window", yearBack.AddDate(0, 0, -1))
	first := post("The window's first day", yearBack)
	recent := post("Last month", today.AddDate(0, -1, 0))
	ahead := post("Next year", today.AddDate(1, 0, 0))

	for _, c := range []struct {
		query string
		want  []apptest.Created
	}{
		{"", []apptest.Created{first, recent, ahead}},
		{"lang=en", []apptest.Created{first, recent, ahead}},
		{"from=" + day(yearBack.AddDate(0, 0, -1)), []apptest.Created{before, first, recent, ahead}},
		{"from=2020-01-01", []apptest.Created{old, before, first, recent, ahead}},
		{"to=" + day(yearBack), []apptest.Created{old, before, first}},
		{"from=2020-05-04&to=2020-05-04", []apptest.Created{old}},
		{"from=2020-05-05&to=" + day(yearBack.AddDate(0, 0, -1)), []apptest.Created{before}},
		{"from=" + day(today) + "&to=" + day(today.AddDate(1, 0, -1)), nil},
	} {
		cal, _ := feedGet(t, env, c.query)
		got := feedEvents(cal)
		if len(got) != len(c.want) {
			t.Errorf("%q: got %d events; want %d", c.query, len(got), len(c.want))
		}
		for _, m := range c.want {
			if _, ok := got[m.ID+"@pioniers"]; !ok {
				t.Errorf("%q: no event for %s", c.query, m.ID)
			}
		}
	}

	for _, c := range []struct{ query, field string }{
		{"from=2020-13-01", "from"},
		{"to=yesterday", "to"},
		{"from=2021-01-01&to=2020-12-31", "to"},
		{"from=0001-01-01", "from"},
	} {
		res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics?"+c.query, nil, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d; want 400: %s", c.query, res.StatusCode, res.Body)
			continue
		}
		apptest.CheckProblem(t, c.query, res, http.StatusBadRequest)
		if fields := res.Problem(t).Fields(); !slices.Equal(fields, []string{c.field}) {
			t.Errorf("%s: got invalidParams %v; want [%s]", c.query, fields, c.field)
		}
	}
}

// TestFeedReadsPages: the feed reads the meetings a bounded page at a
// time, however many there are, and writes them all.
func TestFeedReadsPages(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.RateLimit = 0
	env := apptest.New(t, cfg)
	env.Seed(t)
	editor := env.User(t, "feed-pages-editor@example.org", domain.RoleEditor, "")
	const n = 2*domain.MaxPageSize + 17
	year := time.Now().Year() + 1
	for i := range n {
		start := time.Date(year, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		env.Post(t, editor, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Paged %d", i), map[string]any{
			"startsAt": start.Format(time.RFC3339), "endsAt": start.Add(time.Hour).Format(time.RFC3339)}))
	}
	query := "q=paged"
	cal, _ := feedGet(t, env, query)
	if got := len(cal.Events()); got != n {
		t.Errorf("got %d events; want %d", got, n)
	}
	pages := httpapi.FeedPages(query)
	if len(pages) < 3 {
		t.Errorf("the feed read %d pages (%v); want at least 3 for %d meetings", len(pages), pages, n)
	}
	total := 0
	for _, size := range pages {
		total += size
		if size > domain.MaxPageSize {
			t.Errorf("the feed read a page of %d meetings; want at most %d", size, domain.MaxPageSize)
		}
	}
	if total != n {
		t.Errorf("the pages held %d meetings; want %d", total, n)
	}
}
