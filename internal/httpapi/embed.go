package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// The embeddable schedule: /embed/meetings is an HTML page for an iframe,
// rendered here so it works without JavaScript; /embed/meetings.js defines
// the custom element <pioniers-meetings>, which reads the public JSON. Both
// are served from the binary, set no cookies and load nothing from elsewhere.

const (
	embedPagePath   = "/embed/meetings"
	embedScriptPath = "/embed/meetings.js"
	embedLimit      = 5  // meetings shown by default
	embedMaxLimit   = 20 // at most
)

//go:embed embed/meetings.html embed/meetings.css embed/meetings.js
var embedFiles embed.FS

var (
	embedCSS      = mustReadEmbed("embed/meetings.css")
	embedScript   = []byte(mustReadEmbed("embed/meetings.js"))
	embedTemplate = template.Must(template.ParseFS(embedFiles, "embed/meetings.html"))

	// embedPageCSP lets any site frame the page and allows nothing but its
	// own inline stylesheet, pinned by hash.
	embedPageCSP = "default-src 'none'; style-src '" + cspHash(embedCSS) + "'; base-uri 'none'; form-action 'none'; frame-ancestors *"
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

// embedLabels are the page's words in Dutch and English.
type embedLabels struct {
	Title, Network, Subscribe, Empty, Online, UnknownOrganisation string
	Topic, Format, Location, GuestChair, Status                   string // the labels of a meeting's fields
	Formats                                                       map[meeting.Format]string
	Statuses                                                      map[meeting.Status]string
	Days                                                          [7]string
	Months                                                        [12]string
	afterDay                                                      string // "donderdag 14", "Thursday, 14"
}

var embedText = map[string]embedLabels{
	"nl": {
		Title: "Komende bijeenkomsten", Network: "Pioniersnetwerk Open Overheid",
		Topic: "Onderwerp", Format: "Vorm", Location: "Locatie", GuestChair: "Gastvoorzitter", Status: "Status",
		Empty:               "Er zijn geen komende bijeenkomsten.",
		Subscribe:           "Zet de bijeenkomsten in je agenda (iCalendar)",
		UnknownOrganisation: "Onbekende organisatie: ",
		Online:              "Online",
		Formats: map[meeting.Format]string{meeting.FormatKnowledgeSession: "Kennissessie", meeting.FormatLab: "Open Overheid-lab",
			meeting.FormatConference: "Congres", meeting.FormatResidents: "Inwonersbijeenkomst", meeting.FormatOther: "Bijeenkomst"},
		Statuses: map[meeting.Status]string{meeting.StatusPlanned: "Gepland", meeting.StatusConfirmed: "Bevestigd"},
		afterDay: " ",
		Days:     [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		Months: [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
			"oktober", "november", "december"},
	},
	"en": {
		Title: "Upcoming meetings", Network: "Pioneering Network for an Open Government for Municipalities",
		Topic: "Topic", Format: "Format", Location: "Location", GuestChair: "Guest chair", Status: "Status",
		Empty:               "There are no upcoming meetings.",
		Subscribe:           "Add the meetings to your calendar (iCalendar)",
		UnknownOrganisation: "Unknown organisation: ",
		Online:              "Online",
		Formats: map[meeting.Format]string{meeting.FormatKnowledgeSession: "Knowledge session", meeting.FormatLab: "Open Government lab",
			meeting.FormatConference: "Conference", meeting.FormatResidents: "Residents' meeting", meeting.FormatOther: "Meeting"},
		Statuses: map[meeting.Status]string{meeting.StatusPlanned: "Planned", meeting.StatusConfirmed: "Confirmed"},
		afterDay: ", ",
		Days:     [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
	},
}

// date is a day in Amsterdam the way people there write it.
func (l embedLabels) date(t time.Time) string {
	t = t.In(domain.Amsterdam)
	return l.Days[t.Weekday()] + l.afterDay + strconv.Itoa(t.Day()) + " " + l.Months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

type embedMeeting struct {
	Title, Topic, Format, Location, GuestChair string
	Status, StatusText                         string
	Start, End                                 string // RFC 3339 in UTC, for <time datetime>
	StartText, EndText                         string
}

type embedPage struct {
	Lang     string
	T        embedLabels
	CSS      template.CSS
	Meetings []embedMeeting
	Error    string
	Feed     string
}

// embedParams reads the page's query: organisation (id or code), lang (nl
// or en) and limit (1 to 20). Values it does not understand fall back to the
// defaults, so a pasted snippet with a typo still shows the schedule.
func embedParams(q url.Values) (org, lang string, limit int) {
	org = strings.TrimSpace(q.Get("organisation"))
	lang = "nl"
	if strings.HasPrefix(strings.ToLower(q.Get("lang")), "en") {
		lang = "en"
	}
	limit = embedLimit
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = min(max(n, 1), embedMaxLimit)
	}
	return org, lang, limit
}

// serveEmbedPage serves GET /embed/meetings.
func (s *Server) serveEmbedPage(c echo.Context) error {
	org, lang, limit := embedParams(c.QueryParams())
	page := embedPage{Lang: lang, T: embedText[lang], CSS: template.CSS(embedCSS), Feed: basePath + "/feeds/meetings.ics"}
	if org != "" {
		page.Feed += "?" + url.Values{"organisation": {org}}.Encode()
	}
	status := http.StatusOK
	items, err := s.meetings.Upcoming(c.Request().Context(), org, limit)
	var derr *domain.Error
	switch {
	case errors.As(err, &derr) && derr.Code == domain.CodeInvalid:
		status = http.StatusBadRequest
		page.Error = page.T.UnknownOrganisation + org
		page.Feed = basePath + "/feeds/meetings.ics"
	case err != nil:
		return err
	}
	for _, m := range items {
		page.Meetings = append(page.Meetings, page.T.meeting(m))
	}
	var buf bytes.Buffer
	if err := embedTemplate.Execute(&buf, page); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func (l embedLabels) meeting(m meeting.Meeting) embedMeeting {
	out := embedMeeting{Title: m.Title, Topic: m.Topic, Format: l.Formats[m.Format], Status: string(m.Status),
		StatusText: l.Statuses[m.Status], Start: m.StartsAt.UTC().Format(time.RFC3339), End: m.EndsAt.UTC().Format(time.RFC3339)}
	start, end := m.StartsAt.In(domain.Amsterdam), m.EndsAt.In(domain.Amsterdam)
	out.StartText = l.date(start) + ", " + start.Format("15:04")
	out.EndText = end.Format("15:04")
	if start.Format(time.DateOnly) != end.Format(time.DateOnly) {
		out.EndText = l.date(end) + ", " + out.EndText
	}
	switch {
	case m.Venue != nil:
		out.Location = venueLine(*m.Venue)
	case m.OnlineURL != "":
		out.Location = l.Online
	}
	if m.GuestChair != nil {
		out.GuestChair = m.GuestChair.Name
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
