package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// feedGet fetches the feed and parses it with go-ical, after checking the
// lines themselves: CRLF only, none longer than 75 octets.
func feedGet(t *testing.T, env *apptest.Env, query string) (*ical.Calendar, apptest.Response) {
	t.Helper()
	path := "/v1/feeds/meetings.ics"
	if query != "" {
		path += "?" + query
	}
	res := env.Do(t, http.MethodGet, path, nil, map[string]string{"Accept": "text/calendar"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d; want 200: %s", path, res.StatusCode, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type: got %q; want text/calendar; charset=utf-8", ct)
	}
	if !strings.HasSuffix(res.Body, "\r\n") {
		t.Errorf("the feed does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(res.Body, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets, longer than 75: %q", i+1, len(l), l)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(res.Body)).Decode()
	if err != nil {
		t.Fatalf("decode the feed: %v\n%s", err, res.Body)
	}
	return cal, res
}

func feedEvents(cal *ical.Calendar) map[string]ical.Event {
	out := map[string]ical.Event{}
	for _, e := range cal.Events() {
		uid, _ := e.Props.Text(ical.PropUID)
		out[uid] = e
	}
	return out
}

func feedText(t *testing.T, e ical.Event, name string) string {
	t.Helper()
	p := e.Props.Get(name)
	if p == nil {
		t.Fatalf("event has no %s", name)
	}
	v, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func feedSequence(t *testing.T, e ical.Event) int {
	t.Helper()
	n, err := e.Props.Get(ical.PropSequence).Int()
	if err != nil {
		t.Fatalf("SEQUENCE: %v", err)
	}
	return n
}

func TestFeedMeetings(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "feed-editor@example.org", domain.RoleEditor, "")
	year := time.Now().Year() + 1 // always ahead, in winter and in summer time

	winter := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Winter: open data, the council; and a \\ backslash", "topic": "Open data in the council",
		"description": "First line.\nSecond line, with a comma; and a semicolon. " + strings.Repeat("Lange tekst met ë, ï en € ", 8),
		"format":      "knowledge-session", "tags": []string{"open data", "raad"},
		"startsAt": fmt.Sprintf("%d-01-14T13:00:00Z", year), "endsAt": fmt.Sprintf("%d-01-14T16:30:00Z", year),
		"guestChair": "GM0606", "status": "confirmed",
		"venue": map[string]any{"name": "Stadskantoor", "address": "Stadserf 1", "city": "Schiedam", "hostOrganisation": "GM0606"},
	})
	summer := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Summer lab", "topic": "Requests under the Woo", "format": "open-government-lab",
		"details":  map[string]any{"format": "open-government-lab", "case": "Faster Woo requests", "caseOwner": "GM0344"},
		"startsAt": fmt.Sprintf("%d-07-08T12:00:00Z", year), "endsAt": fmt.Sprintf("%d-07-08T15:00:00Z", year),
		"guestChair": "GM0344", "venue": map[string]any{"name": "Stadhuis", "city": "Utrecht", "hostOrganisation": "GM0344"},
	})
	cancelled := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Cancelled session", "topic": "Anything", "format": "other",
		"startsAt": fmt.Sprintf("%d-03-11T13:00:00Z", year), "endsAt": fmt.Sprintf("%d-03-11T15:00:00Z", year),
		"status": "cancelled", "cancellationReason": "Too few registrations", "onlineUrl": "https://meet.example.org/pioniers",
	})
	held := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "A held meeting", "topic": "Looking back", "format": "knowledge-session",
		"startsAt": "2024-10-10T12:00:00Z", "endsAt": "2024-10-10T15:00:00Z", "guestChair": "GM0344", "status": "held",
		"venue": map[string]any{"name": "Stadhuis", "city": "Utrecht"},
	})
	if res := env.Do(t, http.MethodPut, "/v1/meetings/"+held.ID+"/report", map[string]any{
		"url": "https://www.open-government.nl/report-2024", "publishedOn": "2024-10-30"}, apptest.Bearer(editor)); res.StatusCode != http.StatusOK {
		t.Fatalf("PUT report: got %d: %s", res.StatusCode, res.Body)
	}
	uid := func(m apptest.Created) string { return m.ID + "@pioniers" }

	// The held meeting is more than twelve months back: only a feed from
	// before it has it.
	const all = "from=2020-01-01"
	cal, first := feedGet(t, env, all)

	t.Run("calendar", func(t *testing.T) {
		for name, want := range map[string]string{ical.PropVersion: "2.0", ical.PropCalendarScale: "GREGORIAN", ical.PropMethod: "PUBLISH"} {
			if got, _ := cal.Props.Text(name); got != want {
				t.Errorf("%s: got %q; want %q", name, got, want)
			}
		}
		for _, name := range []string{ical.PropProductID, "X-WR-CALNAME"} {
			if got, _ := cal.Props.Text(name); got == "" {
				t.Errorf("%s is missing", name)
			}
		}
		var tz *ical.Component
		for _, c := range cal.Children {
			if c.Name == ical.CompTimezone {
				tz = c
			}
		}
		if tz == nil {
			t.Fatal("no VTIMEZONE")
		}
		if id, _ := tz.Props.Text(ical.PropTimezoneID); id != "Europe/Amsterdam" {
			t.Errorf("TZID: got %q; want Europe/Amsterdam", id)
		}
		kinds := map[string]string{}
		for _, c := range tz.Children {
			rule := c.Props.Get(ical.PropRecurrenceRule)
			if rule == nil {
				t.Errorf("%s has no RRULE", c.Name)
				continue
			}
			if to := c.Props.Get(ical.PropTimezoneOffsetTo); to != nil {
				kinds[c.Name] = to.Value
			}
		}
		if kinds[ical.CompTimezoneStandard] != "+0100" || kinds[ical.CompTimezoneDaylight] != "+0200" {
			t.Errorf("VTIMEZONE offsets: got %v; want STANDARD +0100 and DAYLIGHT +0200", kinds)
		}
		if got := first.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin: got %q; want *", got)
		}
	})

	events := feedEvents(cal)
	t.Run("one event per meeting", func(t *testing.T) {
		if len(cal.Events()) != 4 {
			t.Fatalf("got %d events; want 4", len(cal.Events()))
		}
		for _, m := range []apptest.Created{winter, summer, cancelled, held} {
			if _, ok := events[uid(m)]; !ok {
				t.Errorf("no event with UID %s", uid(m))
			}
		}
	})

	t.Run("times in winter and summer", func(t *testing.T) {
		for _, c := range []struct {
			m                    apptest.Created
			local, utc, localEnd string
		}{
			{winter, fmt.Sprintf("%d0114T140000", year), fmt.Sprintf("%d-01-14T13:00:00Z", year), fmt.Sprintf("%d0114T173000", year)},
			{summer, fmt.Sprintf("%d0708T140000", year), fmt.Sprintf("%d-07-08T12:00:00Z", year), fmt.Sprintf("%d0708T170000", year)},
		} {
			e := events[uid(c.m)]
			start := e.Props.Get(ical.PropDateTimeStart)
			if start.Params.Get(ical.ParamTimezoneID) != "Europe/Amsterdam" || start.Value != c.local {
				t.Errorf("DTSTART: got %s;TZID=%s; want %s with TZID=Europe/Amsterdam", start.Value, start.Params.Get(ical.ParamTimezoneID), c.local)
			}
			at, err := e.DateTimeStart(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := at.UTC().Format(time.RFC3339); got != c.utc {
				t.Errorf("DTSTART in UTC: got %s; want %s", got, c.utc)
			}
			end := e.Props.Get(ical.PropDateTimeEnd)
			if end.Params.Get(ical.ParamTimezoneID) != "Europe/Amsterdam" || end.Value != c.localEnd {
				t.Errorf("DTEND: got %s;TZID=%s; want %s", end.Value, end.Params.Get(ical.ParamTimezoneID), c.localEnd)
			}
			stamp := e.Props.Get(ical.PropDateTimeStamp)
			if stamp == nil || !strings.HasSuffix(stamp.Value, "Z") {
				t.Errorf("DTSTAMP must be in UTC: %+v", stamp)
			}
		}
	})

	t.Run("status, location, url, description, categories", func(t *testing.T) {
		for m, want := range map[apptest.Created]string{winter: "CONFIRMED", summer: "TENTATIVE", cancelled: "CANCELLED", held: "CONFIRMED"} {
			if got := feedText(t, events[uid(m)], ical.PropStatus); got != want {
				t.Errorf("STATUS of %s: got %s; want %s", m.ID, got, want)
			}
		}
		w := events[uid(winter)]
		if got, want := feedText(t, w, ical.PropSummary), "Winter: open data, the council; and a \\ backslash"; got != want {
			t.Errorf("SUMMARY: got %q; want %q", got, want)
		}
		if got, want := feedText(t, w, ical.PropLocation), "Stadskantoor, Stadserf 1, Schiedam"; got != want {
			t.Errorf("LOCATION: got %q; want %q", got, want)
		}
		// The URL is a page for people (the embeddable schedule with this
		// meeting), not the JSON.
		page := env.URL + "/embed/meetings?lang=nl&meeting=" + winter.ID + "#meeting-" + winter.ID
		u, err := w.Props.URI(ical.PropURL)
		if err != nil || u.String() != page {
			t.Errorf("URL: got %v (%v); want %s", u, err, page)
		}
		if res := env.Do(t, http.MethodGet, strings.TrimPrefix(page, env.URL), nil, nil); res.StatusCode != http.StatusOK ||
			!strings.Contains(res.Body, `id="meeting-`+winter.ID+`"`) || !strings.Contains(res.Body, "First line.") {
			t.Errorf("GET the event's URL: got %d without the meeting's anchor and description:\n%s", res.StatusCode, res.Body)
		}
		desc := feedText(t, w, ical.PropDescription)
		for _, want := range []string{"Onderwerp: Open data in the council", "Vorm: Kennissessie", "Status: Bevestigd", "Gastvoorzitter: Municipality of Schiedam",
			"Meer informatie: " + page,
			"First line.\nSecond line, with a comma; and a semicolon. Lange tekst met ë, ï en €"} {
			if !strings.Contains(desc, want) {
				t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
			}
		}
		cats, err := w.Props.Get(ical.PropCategories).TextList()
		if err != nil || !slices.Equal(cats, []string{"open data", "raad"}) {
			t.Errorf("CATEGORIES: got %v (%v); want [open data raad]", cats, err)
		}
		if got := feedText(t, events[uid(cancelled)], ical.PropLocation); got != "https://meet.example.org/pioniers" {
			t.Errorf("LOCATION of an online meeting: got %q; want its link", got)
		}
		if d := feedText(t, events[uid(cancelled)], ical.PropDescription); !strings.Contains(d, "Too few registrations") {
			t.Errorf("DESCRIPTION of a cancelled meeting lacks the reason: %q", d)
		}
		if d := feedText(t, events[uid(held)], ical.PropDescription); !strings.Contains(d, "Verslag: https://www.open-government.nl/report-2024") {
			t.Errorf("DESCRIPTION of a meeting with a report lacks its URL: %q", d)
		}
	})

	t.Run("stable UID, SEQUENCE grows with every change, ETag follows", func(t *testing.T) {
		_, again := feedGet(t, env, all)
		if again.Body != first.Body || again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Fatalf("two fetches without a change differ")
		}
		etag := first.Header.Get("ETag")
		if res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics?"+all, nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified || res.Body != "" {
			t.Fatalf("If-None-Match with the current ETag: got %d; want 304 without a body", res.StatusCode)
		}
		seq0 := feedSequence(t, events[uid(summer)])

		patch := env.Do(t, http.MethodPatch, "/v1/meetings/"+summer.ID, `{"title":"Summer lab, moved indoors"}`,
			map[string]string{"Authorization": "Bearer " + editor, "Content-Type": "application/merge-patch+json", "If-Match": summer.ETag})
		if patch.StatusCode != http.StatusOK {
			t.Fatalf("PATCH: got %d: %s", patch.StatusCode, patch.Body)
		}
		cal2, res2 := feedGet(t, env, all)
		e2 := feedEvents(cal2)[uid(summer)]
		if e2.Props == nil {
			t.Fatalf("the changed meeting lost its UID %s", uid(summer))
		}
		if seq := feedSequence(t, e2); seq <= seq0 {
			t.Errorf("SEQUENCE after PATCH: got %d; want more than %d", seq, seq0)
		}
		if got := feedText(t, e2, ical.PropSummary); got != "Summer lab, moved indoors" {
			t.Errorf("SUMMARY after PATCH: got %q", got)
		}
		if res2.Header.Get("ETag") == etag {
			t.Errorf("the ETag did not change with the feed")
		}
		if res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics?"+all, nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusOK {
			t.Errorf("If-None-Match with an old ETag: got %d; want 200", res.StatusCode)
		}

		// A PUT (replace) counts too, and so does cancelling.
		seq1 := feedSequence(t, e2)
		put := env.Do(t, http.MethodPut, "/v1/meetings/"+summer.ID, map[string]any{
			"title": "Summer lab, moved indoors", "topic": "Requests under the Woo", "format": "open-government-lab",
			"details":  map[string]any{"format": "open-government-lab", "case": "Faster Woo requests", "caseOwner": "GM0344"},
			"startsAt": fmt.Sprintf("%d-07-08T12:00:00Z", year), "endsAt": fmt.Sprintf("%d-07-08T15:00:00Z", year),
			"guestChair": "GM0344", "status": "cancelled", "cancellationReason": "The venue is not available",
			"venue": map[string]any{"name": "Stadhuis", "city": "Utrecht", "hostOrganisation": "GM0344"},
		}, map[string]string{"Authorization": "Bearer " + editor, "If-Match": patch.Header.Get("ETag")})
		if put.StatusCode != http.StatusOK {
			t.Fatalf("PUT: got %d: %s", put.StatusCode, put.Body)
		}
		cal3, _ := feedGet(t, env, all)
		e3 := feedEvents(cal3)[uid(summer)]
		if seq := feedSequence(t, e3); seq <= seq1 {
			t.Errorf("SEQUENCE after PUT: got %d; want more than %d", seq, seq1)
		}
		if got := feedText(t, e3, ical.PropStatus); got != "CANCELLED" {
			t.Errorf("STATUS after cancelling: got %s; want CANCELLED", got)
		}
		if len(cal3.Events()) != 4 {
			t.Errorf("cancelled meetings stay in the feed: got %d events; want 4", len(cal3.Events()))
		}
	})

	t.Run("filters", func(t *testing.T) {
		for _, c := range []struct {
			query string
			want  []apptest.Created
		}{
			{"organisation=GM0606", []apptest.Created{winter}},
			{"guestChair=GM0344", []apptest.Created{summer}},
			{"guestChair=GM0344&" + all, []apptest.Created{summer, held}},
			{"status=cancelled", []apptest.Created{summer, cancelled}},
			{"format=knowledge-session&" + all, []apptest.Created{winter, held}},
			{"from=" + url.QueryEscape(fmt.Sprintf("%d-06-01", year)), []apptest.Created{summer}},
			{"to=2025-01-01", []apptest.Created{held}},
			{"q=backslash", []apptest.Created{winter}},
		} {
			cal, _ := feedGet(t, env, c.query)
			got := feedEvents(cal)
			if len(got) != len(c.want) {
				t.Errorf("%s: got %d events; want %d", c.query, len(got), len(c.want))
			}
			for _, m := range c.want {
				if _, ok := got[uid(m)]; !ok {
					t.Errorf("%s: no event for %s", c.query, m.ID)
				}
			}
		}
		res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics?organisation=GM9999&status=bogus", nil, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad filters: got %d; want 400", res.StatusCode)
		}
		if p := res.Problem(t); len(p.Params()) < 1 {
			t.Errorf("bad filters: want invalidParams, got %+v", p)
		}
	})

	t.Run("content negotiation and HEAD", func(t *testing.T) {
		if res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics", nil, map[string]string{"Accept": "application/json"}); res.StatusCode != http.StatusNotAcceptable {
			t.Errorf("Accept: application/json: got %d; want 406", res.StatusCode)
		}
		res := env.Do(t, http.MethodHead, "/v1/feeds/meetings.ics", nil, nil)
		if res.StatusCode != http.StatusOK || res.Body != "" || res.Header.Get("ETag") == "" {
			t.Errorf("HEAD: got %d, body %d bytes, ETag %q", res.StatusCode, len(res.Body), res.Header.Get("ETag"))
		}
	})
}

func TestFeedLanguages(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "feed-lang-editor@example.org", domain.RoleEditor, "")
	year := time.Now().Year() + 1
	closes := time.Date(year, 1, 8, 0, 0, 0, 0, time.UTC)
	conference := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Conference", "topic": "Open government", "format": "conference",
		"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
			"opensOn": apptest.Today().Format(time.DateOnly), "closesOn": closes.Format(time.DateOnly)}},
		"startsAt": fmt.Sprintf("%d-02-10T09:00:00Z", year), "endsAt": fmt.Sprintf("%d-02-10T16:00:00Z", year),
		"venue": map[string]any{"name": "Jaarbeurs", "city": "Utrecht"}, "onlineUrl": "https://meet.example.org/conference",
	})
	cancelled := env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Cancelled session", "topic": "Anything", "format": "other",
		"startsAt": fmt.Sprintf("%d-03-11T13:00:00Z", year), "endsAt": fmt.Sprintf("%d-03-11T15:00:00Z", year),
		"status": "cancelled", "cancellationReason": "Too few registrations", "onlineUrl": "https://meet.example.org/pioniers",
	})

	for _, c := range []struct {
		name, query, acceptLanguage string
		wantVary                    bool
		calName, cancelledSummary   string
		description                 []string
	}{
		{"Dutch by default", "", "", true, "Pioniersnetwerk Open Overheid", "Afgelast: Cancelled session",
			[]string{"Onderwerp: Open government", "Vorm: Congres", "Status: Gepland", fmt.Sprintf(" 8 januari %d\n", year), "Call for papers sluit op: ",
				"Online: https://meet.example.org/conference", "Meer informatie: " + env.URL + "/embed/meetings?lang=nl&meeting=" + conference.ID}},
		{"lang=en", "lang=en", "nl-NL", false, "Pioneering Network for an Open Government for Municipalities", "Cancelled: Cancelled session",
			[]string{"Topic: Open government", "Format: Conference", "Status: Planned", fmt.Sprintf("Call for papers closes on: %s, 8 January %d", closes.Weekday(), year),
				"Online: https://meet.example.org/conference", "More information: " + env.URL + "/embed/meetings?lang=en&meeting=" + conference.ID}},
		{"lang=nl over Accept-Language", "lang=nl", "en", false, "Pioniersnetwerk Open Overheid", "Afgelast: Cancelled session", []string{"Vorm: Congres"}},
		{"Accept-Language English", "", "en-GB,en;q=0.9", true, "Pioneering Network for an Open Government for Municipalities", "Cancelled: Cancelled session",
			[]string{"Format: Conference"}},
		{"Accept-Language prefers Dutch to English", "", "de-DE, en;q=0.4, nl;q=0.5", true, "Pioniersnetwerk Open Overheid", "Afgelast: Cancelled session",
			[]string{"Vorm: Congres"}},
		{"Accept-Language neither", "", "fr-FR", true, "Pioniersnetwerk Open Overheid", "Afgelast: Cancelled session", []string{"Vorm: Congres"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := "/v1/feeds/meetings.ics"
			if c.query != "" {
				path += "?" + c.query
			}
			headers := map[string]string{}
			if c.acceptLanguage != "" {
				headers["Accept-Language"] = c.acceptLanguage
			}
			res := env.Do(t, http.MethodGet, path, nil, headers)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("got %d; want 200: %s", res.StatusCode, res.Body)
			}
			if got := slices.Contains(res.Header.Values("Vary"), "Accept-Language"); got != c.wantVary {
				t.Errorf("Vary: got %v; want Accept-Language in it: %v", res.Header.Values("Vary"), c.wantVary)
			}
			cal, err := ical.NewDecoder(strings.NewReader(res.Body)).Decode()
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := cal.Props.Text("X-WR-CALNAME"); got != c.calName {
				t.Errorf("X-WR-CALNAME: got %q; want %q", got, c.calName)
			}
			events := feedEvents(cal)
			if got := feedText(t, events[cancelled.ID+"@pioniers"], ical.PropSummary); got != c.cancelledSummary {
				t.Errorf("SUMMARY of the cancelled meeting: got %q; want %q", got, c.cancelledSummary)
			}
			desc := feedText(t, events[conference.ID+"@pioniers"], ical.PropDescription)
			for _, want := range c.description {
				if !strings.Contains(desc, want) {
					t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
				}
			}
		})
	}

	if res := env.Do(t, http.MethodGet, "/v1/feeds/meetings.ics?lang=fr", nil, nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("lang=fr: got %d; want 400", res.StatusCode)
	} else if fields := res.Problem(t).Fields(); !slices.Equal(fields, []string{"lang"}) {
		t.Errorf("lang=fr: got invalidParams %v; want [lang]", fields)
	}
}

// Links in newsletters and social media carry tracking parameters, and
// jQuery adds _=<time> to defeat caches: a GET ignores them, and still
// refuses a parameter it does not know (a typo).
func TestTrackingParametersIgnored(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "tracking-editor@example.org", domain.RoleEditor, "")
	env.Post(t, editor, "/v1/meetings", apptest.PlannedMeeting("Tracked", nil))
	tracking := "utm_source=nieuwsbrief&utm_medium=email&UTM_Campaign=maart&fbclid=IwAR0x&gclid=Cj0K&mc_cid=abc&mc_eid=def&msclkid=m&_=1712345678901"

	for _, path := range []string{"/v1/feeds/meetings.ics", "/v1/meetings", "/v1/meetings?pageSize=1", "/v1/organisations?pageSize=2",
		"/embed/meetings?lang=en", "/embed/meetings.js"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		plain := env.Do(t, http.MethodGet, path, nil, nil)
		tracked := env.Do(t, http.MethodGet, path+sep+tracking, nil, nil)
		if plain.StatusCode != http.StatusOK || tracked.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d, with tracking parameters %d; want 200 both: %s", path, plain.StatusCode, tracked.StatusCode, tracked.Body)
			continue
		}
		if tracked.Body != plain.Body {
			t.Errorf("GET %s: the tracking parameters changed the body", path)
		}
	}

	for _, c := range []struct{ path, field string }{
		{"/v1/feeds/meetings.ics?organsation=GM0606", "organsation"},
		{"/v1/meetings?_=1&pagesize=5", "pagesize"},
		{"/v1/meetings?utm=x", "utm"},
	} {
		res := env.Do(t, http.MethodGet, c.path, nil, nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: got %d; want 400", c.path, res.StatusCode)
			continue
		}
		if fields := res.Problem(t).Fields(); !slices.Equal(fields, []string{c.field}) {
			t.Errorf("GET %s: got invalidParams %v; want [%s]", c.path, fields, c.field)
		}
	}

	// Only reads ignore them: a write is not a link someone clicked.
	res := env.Do(t, http.MethodPost, "/v1/meetings?utm_source=x", apptest.PlannedMeeting("Posted", nil), apptest.Bearer(editor))
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST with utm_source: got %d; want 400", res.StatusCode)
	}
}
