package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/calendar"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// The embeddable schedule: /embed/meetings is an HTML page for an iframe,
// rendered here so it works without JavaScript (a small inline script only
// tells the embedding page its height); /embed/meetings.js defines
// the custom element <pioniers-meetings>, which reads the public JSON. Both
// are served from the binary, set no cookies and load nothing from elsewhere.

const (
	embedPagePath   = calendar.MeetingPagePath
	embedScriptPath = "/embed/meetings.js"
	embedLimit      = 5  // meetings shown by default
	embedMaxLimit   = 20 // at most
)

//go:embed embed/meetings.html embed/meetings.css embed/meetings.js embed/frame.js
var embedFiles embed.FS

var (
	embedCSS         = mustReadEmbed("embed/meetings.css")
	embedFrameScript = mustReadEmbed("embed/frame.js")
	embedScript      = []byte(mustReadEmbed("embed/meetings.js"))
	embedTemplate    = template.Must(template.ParseFS(embedFiles, "embed/meetings.html"))

	// embedPageCSP lets any site frame the page and allows nothing but its
	// own inline stylesheet and the script that tells the embedding page
	// its height, both pinned by hash.
	embedPageCSP = "default-src 'none'; style-src '" + cspHash(embedCSS) + "'; script-src '" + cspHash(embedFrameScript) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)

func mustReadEmbed(name string) string {
	b, err := embedFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// embedLabels are the words of the embeddable schedule: the calendar's,
// and the page's own, in Dutch and English.
type embedLabels struct {
	calendar.Labels
	Title, Subscribe, Download, Empty, UnknownOrganisation, UnknownMeeting string
	Meeting                                                                string // the heading of one meeting's page
	Location, CallForPapers, Reason, ReportLink                            string // the labels of a meeting's fields
	callUntil                                                              string // "open until <date>"
}

var embedText = map[string]embedLabels{
	"nl": {
		Labels: calendar.Text["nl"],
		Title:  "Komende bijeenkomsten", Meeting: "Bijeenkomst",
		Location: "Locatie", CallForPapers: "Call for papers", Reason: "Reden", ReportLink: "Lees het verslag",
		Empty:               "Er zijn geen komende bijeenkomsten.",
		Subscribe:           "Abonneer je op de agenda (webcal)",
		Download:            "Download de agenda (.ics)",
		UnknownOrganisation: "Onbekende organisatie: ",
		UnknownMeeting:      "Deze bijeenkomst bestaat niet (meer).",
		callUntil:           "open tot en met ",
	},
	"en": {
		Labels: calendar.Text["en"],
		Title:  "Upcoming meetings", Meeting: "Meeting",
		Location: "Location", CallForPapers: "Call for papers", Reason: "Reason", ReportLink: "Read the report",
		Empty:               "There are no upcoming meetings.",
		Subscribe:           "Subscribe to the calendar (webcal)",
		Download:            "Download the calendar (.ics)",
		UnknownOrganisation: "Unknown organisation: ",
		UnknownMeeting:      "This meeting does not exist (any more).",
		callUntil:           "open until ",
	},
}

type embedMeeting struct {
	ID, Title, Topic, Format, Location, GuestChair string
	Online                                         string // the link to join online, http(s) only
	CallCloses                                     string // "open until ..." while the call for papers is open
	Status, StatusText, Reason                     string
	Start, End                                     string // RFC 3339 in UTC, for <time datetime>
	StartText, EndText                             string
	Description, Report                            string // on one meeting's page only
}

type embedPage struct {
	Lang     string
	T        embedLabels
	CSS      template.CSS
	Script   template.JS
	Heading  string
	Meetings []embedMeeting
	Error    string
	Feed     string       // the .ics download, on this server
	Webcal   template.URL // the same feed as a webcal:// subscription
}

// embedParams reads the page's query: organisation (id or code), lang (nl
// or en), limit (1 to 20) and meeting (an id: that meeting's page). Values
// it does not understand fall back to the defaults, so a pasted snippet
// with a typo still shows the schedule.
func embedParams(q url.Values) (org, lang string, limit int, id string) {
	org = strings.TrimSpace(q.Get("organisation"))
	lang = "nl"
	if strings.HasPrefix(strings.ToLower(q.Get("lang")), "en") {
		lang = "en"
	}
	limit = embedLimit
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = min(max(n, 1), embedMaxLimit)
	}
	return org, lang, limit, strings.TrimSpace(q.Get("meeting"))
}

// feedLinks are the page's links to the calendar feed in its language: a
// download on this server and a webcal:// subscription at the public URL.
func feedLinks(publicURL, org, lang string) (string, template.URL) {
	q := url.Values{"lang": {lang}}
	if org != "" {
		q.Set("organisation", org)
	}
	path := basePath + "/feeds/meetings.ics?" + q.Encode()
	webcal := publicURL + path
	for _, scheme := range []string{"https://", "http://"} {
		webcal = strings.Replace(webcal, scheme, "webcal://", 1)
	}
	// publicURL is the operator's own http(s) URL, checked at start-up.
	return path, template.URL(webcal) //nolint:gosec
}

// serveEmbedPage serves GET /embed/meetings: the upcoming meetings, or
// with ?meeting= one meeting whatever its status.
func (s *Server) serveEmbedPage(c echo.Context) error {
	org, lang, limit, id := embedParams(c.QueryParams())
	ctx := c.Request().Context()
	page := embedPage{Lang: lang, T: embedText[lang], CSS: template.CSS(embedCSS), Script: template.JS(embedFrameScript)}
	page.Heading = page.T.Title
	status := http.StatusOK
	var items []meeting.Meeting
	var err error
	if id != "" {
		org = ""
		page.Heading = page.T.Meeting
		var m meeting.Meeting
		if uuidPattern.MatchString(id) {
			m, err = s.meetings.Get(ctx, id)
		} else {
			err = domain.Errorf(domain.CodeNotFound, "no meeting %q", id)
		}
		items = []meeting.Meeting{m}
		if domain.ErrorCode(err) == domain.CodeNotFound {
			status, page.Error, err, items = http.StatusNotFound, page.T.UnknownMeeting, nil, nil
		}
	} else {
		items, err = s.meetings.Upcoming(ctx, org, limit)
		if domain.ErrorCode(err) == domain.CodeInvalid {
			status, page.Error, err = http.StatusBadRequest, page.T.UnknownOrganisation+org, nil
			org = ""
		}
	}
	if err != nil {
		return err
	}
	page.Feed, page.Webcal = feedLinks(s.publicURL, org, lang)
	today := domain.Today(s.now())
	for _, m := range items {
		em := page.T.meeting(m, today)
		if id != "" {
			em.Description = m.Description
			if m.Report != nil && !m.Report.Retracted() { // a retracted report is not the meeting's
				em.Report = m.Report.URL
			}
		}
		page.Meetings = append(page.Meetings, em)
	}
	var buf bytes.Buffer
	if err := embedTemplate.Execute(&buf, page); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func (l embedLabels) meeting(m meeting.Meeting, today time.Time) embedMeeting {
	out := embedMeeting{ID: m.ID, Title: m.Title, Topic: m.Topic, Format: l.Formats[m.Format], Status: string(m.Status),
		StatusText: l.Statuses[m.Status], Start: m.StartsAt.UTC().Format(time.RFC3339), End: m.EndsAt.UTC().Format(time.RFC3339),
		Online: m.OnlineURL}
	if m.Status == meeting.StatusCancelled {
		out.Reason = m.CancellationReason
	}
	start, end := m.StartsAt.In(domain.Amsterdam), m.EndsAt.In(domain.Amsterdam)
	out.StartText = l.Date(start) + ", " + start.Format("15:04")
	out.EndText = end.Format("15:04")
	if start.Format(time.DateOnly) != end.Format(time.DateOnly) {
		out.EndText = l.Date(end) + ", " + out.EndText
	}
	if m.Venue != nil {
		out.Location = calendar.VenueLine(*m.Venue)
	}
	if m.GuestChair != nil {
		out.GuestChair = m.GuestChair.Name
	}
	if m.CallOpen(today) {
		out.CallCloses = l.callUntil + l.Day(m.Details.CallClosesOn)
	}
	return out
}

// serveEmbedScript serves GET /embed/meetings.js.
func serveEmbedScript(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", embedScript)
}
