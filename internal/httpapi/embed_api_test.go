package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

var embedURLAttr = regexp.MustCompile(`(?i)\b(src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)`)

// embedCheckPage checks what every embeddable page must be: HTML, framable
// by any site, strict otherwise, cookie-free, with nothing from elsewhere.
func embedCheckPage(t *testing.T, res apptest.Response, lang string) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		t.Errorf("Content-Type: got %q; want text/html; charset=utf-8", ct)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors *") || strings.Contains(csp, "'none'; frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy: got %q; want default-src 'none' and frame-ancestors *", csp)
	}
	if xfo := res.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("X-Frame-Options: got %q; want none, so that sites can frame the page", xfo)
	}
	if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("Set-Cookie: got %v; want no cookies", c)
	}
	// The inline stylesheet is the only thing the policy allows, by its hash.
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(res.Body)
	if style == nil {
		t.Fatalf("no <style> in the page")
	}
	sum := sha256.Sum256([]byte(style[1]))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src "+hash) {
		t.Errorf("Content-Security-Policy %q does not allow the page's stylesheet %s", csp, hash)
	}
	if !strings.Contains(res.Body, `<html lang="`+lang+`">`) {
		t.Errorf("want <html lang=%q>", lang)
	}
	// One inline script, the one that tells the embedding page the height,
	// allowed by its hash; nothing loaded from anywhere.
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(res.Body, -1)
	if len(script) != 1 || strings.Count(strings.ToLower(res.Body), "<script") != 1 {
		t.Fatalf("want exactly one inline <script>, got %d", strings.Count(strings.ToLower(res.Body), "<script"))
	}
	sum = sha256.Sum256([]byte(script[0][1]))
	if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "script-src "+hash) {
		t.Errorf("Content-Security-Policy %q does not allow the page's script %s", csp, hash)
	}
	if !strings.Contains(script[0][1], "postMessage") {
		t.Errorf("the inline script does not post the height")
	}
	for _, tag := range []string{"<script src", "<img", "<link", "<iframe", "<object", "<embed", "<form", "@import", "url("} {
		if strings.Contains(strings.ToLower(res.Body), tag) {
			t.Errorf("the page contains %s; it must load nothing", tag)
		}
	}
	// Only links (href, on <a>) may leave this server: the online meeting,
	// a report, and the webcal:// subscription; nothing is loaded from elsewhere.
	for _, m := range embedURLAttr.FindAllStringSubmatch(res.Body, -1) {
		u := m[2]
		relative := strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
		link := strings.EqualFold(m[1], "href") && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "webcal://"))
		if !relative && !link {
			t.Errorf("%s=%q points away from this server", m[1], u)
		}
	}
	for _, want := range []string{"<main>", "<h1>", "<title>"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func TestEmbedMeetings(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "embed-editor@example.org", domain.RoleEditor, "")
	year := time.Now().Year() + 1

	env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Winter session", "topic": "Open data in the council", "format": "knowledge-session",
		"startsAt": fmt.Sprintf("%d-01-14T13:00:00Z", year), "endsAt": fmt.Sprintf("%d-01-14T16:00:00Z", year),
		"guestChair": "GM0606", "status": "confirmed",
		"venue": map[string]any{"name": "Stadskantoor", "address": "Stadserf 1", "city": "Schiedam", "hostOrganisation": "GM0606"},
	})
	env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Summer lab <em>indoors</em> & more", "topic": "Requests under the Woo", "format": "open-government-lab",
		"details":  map[string]any{"format": "open-government-lab", "case": "Faster Woo requests", "caseOwner": "GM0344"},
		"startsAt": fmt.Sprintf("%d-07-08T12:00:00Z", year), "endsAt": fmt.Sprintf("%d-07-08T15:00:00Z", year),
		"guestChair": "GM0344", "venue": map[string]any{"name": "Stadhuis", "city": "Utrecht", "hostOrganisation": "GM0344"},
	})
	env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Cancelled session", "topic": "Anything", "format": "other",
		"startsAt": fmt.Sprintf("%d-03-11T13:00:00Z", year), "endsAt": fmt.Sprintf("%d-03-11T15:00:00Z", year),
		"status": "cancelled", "cancellationReason": "Too few registrations",
	})
	env.Post(t, editor, "/v1/meetings", map[string]any{
		"title": "Held long ago", "topic": "Looking back", "format": "knowledge-session",
		"startsAt": "2024-10-10T12:00:00Z", "endsAt": "2024-10-10T15:00:00Z", "guestChair": "GM0606", "status": "held",
		"venue": map[string]any{"name": "Stadhuis", "city": "Schiedam"},
	})
	get := func(t *testing.T, query string) apptest.Response {
		t.Helper()
		res := env.Do(t, http.MethodGet, "/embed/meetings"+query, nil, map[string]string{"Accept": "text/html"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /embed/meetings%s: got %d; want 200: %s", query, res.StatusCode, res.Body)
		}
		return res
	}
	inOrder := func(t *testing.T, body string, parts ...string) {
		t.Helper()
		at := 0
		for _, p := range parts {
			i := strings.Index(body[at:], p)
			if i < 0 {
				t.Errorf("the page lacks %q (after position %d):\n%s", p, at, body)
				return
			}
			at += i + len(p)
		}
	}

	t.Run("Dutch by default", func(t *testing.T) {
		res := get(t, "")
		embedCheckPage(t, res, "nl")
		inOrder(t, res.Body, "<h1>Komende bijeenkomsten</h1>", "<ul>", "<li id=\"meeting-",
			"<h2>Winter session</h2>", fmt.Sprintf(`<time datetime="%d-01-14T13:00:00Z">`, year), fmt.Sprintf("14 januari %d, 14:00</time>", year), "17:00</time>",
			"Stadskantoor, Stadserf 1, Schiedam", "Municipality of Schiedam", "Bevestigd",
			"<h2>Summer lab &lt;em&gt;indoors&lt;/em&gt; &amp; more</h2>", fmt.Sprintf(`<time datetime="%d-07-08T12:00:00Z">`, year), fmt.Sprintf("8 juli %d, 14:00</time>", year),
			"Open Overheid-lab", "Gepland", `href="webcal://`+strings.TrimPrefix(env.URL, "http://")+`/v1/feeds/meetings.ics?lang=nl"`,
			"Abonneer je op de agenda", `href="/v1/feeds/meetings.ics?lang=nl"`, "Download de agenda (.ics)")
		for _, absent := range []string{"Cancelled session", "Held long ago"} {
			if strings.Contains(res.Body, absent) {
				t.Errorf("the page shows %q; want only upcoming planned or confirmed meetings", absent)
			}
		}
	})

	t.Run("English", func(t *testing.T) {
		res := get(t, "?lang=en")
		embedCheckPage(t, res, "en")
		inOrder(t, res.Body, "<h1>Upcoming meetings</h1>", "<h2>Winter session</h2>", fmt.Sprintf("14 January %d, 14:00</time>", year),
			"Confirmed", fmt.Sprintf("8 July %d, 14:00</time>", year), "Open Government lab", "Planned", "Subscribe to the calendar", `href="/v1/feeds/meetings.ics?lang=en"`)
	})

	t.Run("organisation and limit", func(t *testing.T) {
		res := get(t, "?organisation=GM0344&lang=en")
		if strings.Contains(res.Body, "Winter session") || !strings.Contains(res.Body, "Summer lab") {
			t.Errorf("organisation=GM0344: want only the meeting Utrecht hosts or chairs:\n%s", res.Body)
		}
		if !strings.Contains(res.Body, `href="/v1/feeds/meetings.ics?lang=en&amp;organisation=GM0344"`) {
			t.Errorf("the calendar link does not keep the organisation")
		}
		var schiedam api.Organisation
		env.Do(t, http.MethodGet, "/v1/organisations/GM0606", nil, nil).JSON(t, &schiedam)
		res = get(t, "?organisation="+schiedam.ID.String())
		if !strings.Contains(res.Body, "Winter session") || strings.Contains(res.Body, "Summer lab") {
			t.Errorf("organisation by id: want only the meeting Schiedam hosts or chairs")
		}
		res = get(t, "?limit=1")
		if !strings.Contains(res.Body, "Winter session") || strings.Contains(res.Body, "Summer lab") {
			t.Errorf("limit=1: want only the first meeting")
		}
		for _, q := range []string{"?limit=0", "?limit=500", "?limit=many", "?lang=fr"} {
			if res := get(t, q); !strings.Contains(res.Body, "Winter session") {
				t.Errorf("%s: want the schedule anyway", q)
			}
		}
	})

	t.Run("no upcoming meetings", func(t *testing.T) {
		res := get(t, "?organisation=leoo")
		embedCheckPage(t, res, "nl")
		if !strings.Contains(res.Body, "Er zijn geen komende bijeenkomsten.") || strings.Contains(res.Body, "<ul>") {
			t.Errorf("want the Dutch empty message and no list:\n%s", res.Body)
		}
		res = get(t, "?organisation=leoo&lang=en")
		if !strings.Contains(res.Body, "There are no upcoming meetings.") {
			t.Errorf("want the English empty message")
		}
	})

	t.Run("unknown organisation", func(t *testing.T) {
		res := env.Do(t, http.MethodGet, "/embed/meetings?organisation=GM9999&lang=en", nil, nil)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "Unknown organisation: GM9999") {
			t.Errorf("got %d; want 400 with a message:\n%s", res.StatusCode, res.Body)
		}
		embedCheckPage(t, res, "en")
	})

	t.Run("online link, call for papers, one meeting's page", func(t *testing.T) {
		today := apptest.Today()
		hybrid := env.Post(t, editor, "/v1/meetings", map[string]any{
			"title": "Hybrid conference", "topic": "Open government", "format": "conference",
			"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
				"opensOn": today.Format(time.DateOnly), "closesOn": fmt.Sprintf("%d-01-08", year)}},
			"startsAt": fmt.Sprintf("%d-02-10T09:00:00Z", year), "endsAt": fmt.Sprintf("%d-02-10T16:00:00Z", year),
			"venue": map[string]any{"name": "Jaarbeurs", "city": "Utrecht"}, "onlineUrl": "https://meet.example.org/conference?a=1&b=2",
			"description": "A whole day about open government.",
		})
		online := env.Post(t, editor, "/v1/meetings", map[string]any{
			"title": "Online only", "topic": "Open data", "format": "other", "status": "cancelled", "cancellationReason": "Ill speaker",
			"startsAt": fmt.Sprintf("%d-01-20T09:00:00Z", year), "endsAt": fmt.Sprintf("%d-01-20T10:00:00Z", year),
			"onlineUrl": "https://meet.example.org/online",
		})
		res := get(t, "?limit=20")
		embedCheckPage(t, res, "nl")
		inOrder(t, res.Body, `<li id="meeting-`+hybrid.ID+`">`, "<dt>Locatie</dt><dd>Jaarbeurs, Utrecht</dd>",
			`<dt>Online</dt><dd><a class="online" href="https://meet.example.org/conference?a=1&amp;b=2"`,
			"<dt>Call for papers</dt><dd class=\"call\">open tot en met ", fmt.Sprintf("8 januari %d</dd>", year))
		if strings.Contains(res.Body, "Online only") {
			t.Errorf("the schedule shows the cancelled meeting")
		}

		// The page the feed's events link to: one meeting, whatever its status.
		res = get(t, "?lang=en&meeting="+online.ID)
		embedCheckPage(t, res, "en")
		inOrder(t, res.Body, "<h1>Meeting</h1>", `<li id="meeting-`+online.ID+`">`, "<h2>Online only</h2>",
			`<a class="online" href="https://meet.example.org/online"`, "Cancelled", "<dt>Reason</dt><dd>Ill speaker</dd>")
		if strings.Contains(res.Body, "<dt>Location</dt>") {
			t.Errorf("an online meeting shows a location row")
		}
		res = get(t, "?meeting="+hybrid.ID)
		inOrder(t, res.Body, "<h1>Bijeenkomst</h1>", "<h2>Hybrid conference</h2>", "A whole day about open government.")
		for _, id := range []string{"0190f1a2-0000-7000-8000-000000000000", "not-an-id"} {
			res := env.Do(t, http.MethodGet, "/embed/meetings?lang=en&meeting="+id, nil, nil)
			if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "This meeting does not exist") {
				t.Errorf("meeting=%s: got %d; want 404 with a message:\n%s", id, res.StatusCode, res.Body)
			}
			embedCheckPage(t, res, "en")
		}
	})

	t.Run("conditional GET and HEAD", func(t *testing.T) {
		res := get(t, "")
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if again := env.Do(t, http.MethodGet, "/embed/meetings", nil, map[string]string{"If-None-Match": etag}); again.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: got %d; want 304", again.StatusCode)
		}
		if head := env.Do(t, http.MethodHead, "/embed/meetings", nil, nil); head.StatusCode != http.StatusOK || head.Body != "" {
			t.Errorf("HEAD: got %d with %d bytes", head.StatusCode, len(head.Body))
		}
	})

	t.Run("the API itself is still not framable", func(t *testing.T) {
		res := env.Do(t, http.MethodGet, "/v1/meetings", nil, nil)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("/v1/meetings: CSP %q, X-Frame-Options %q", csp, res.Header.Get("X-Frame-Options"))
		}
	})
}

func TestEmbedScript(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	res := env.Do(t, http.MethodGet, "/embed/meetings.js", nil, map[string]string{"Origin": "https://www.schiedam.nl"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got %d; want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type: got %q; want text/javascript; charset=utf-8", ct)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin: got %q; want *", got)
	}
	if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("Set-Cookie: got %v", c)
	}
	for _, want := range []string{"customElements.define('pioniers-meetings'", "document.currentScript", "'/v1/meetings'",
		"timeZone: TIME_ZONE", "'Europe/Amsterdam'", "credentials: 'omit'", "nl-NL", "en-GB"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	// It talks to its own origin only: no absolute URL of anyone else.
	if strings.Contains(res.Body, "http://") || strings.Contains(res.Body, "https://") {
		t.Errorf("the script names an absolute URL")
	}
}
