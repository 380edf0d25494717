package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// The iCalendar feed of the meeting schedule (RFC 5545), written by hand:
// a calendar, one time zone and one event per meeting is all it takes.

const (
	feedProductID = "-//Pioniersnetwerk Open Overheid//Pioniers API//EN"
	feedUIDDomain = "pioniers"
)

// vtimezoneAmsterdam is Europe/Amsterdam since the EU's current rules
// (summer time from the last Sunday of March, 02:00, to the last Sunday of
// October, 03:00), which cover every meeting of the network.
var vtimezoneAmsterdam = []string{
	"BEGIN:VTIMEZONE",
	"TZID:" + meeting.TimeZone,
	"X-LIC-LOCATION:" + meeting.TimeZone,
	"BEGIN:DAYLIGHT",
	"TZOFFSETFROM:+0100",
	"TZOFFSETTO:+0200",
	"TZNAME:CEST",
	"DTSTART:19810329T020000",
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
	"END:DAYLIGHT",
	"BEGIN:STANDARD",
	"TZOFFSETFROM:+0200",
	"TZOFFSETTO:+0100",
	"TZNAME:CET",
	"DTSTART:19961027T030000",
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	"END:STANDARD",
	"END:VTIMEZONE",
}

// GetMeetingsFeed serves GET /feeds/meetings.ics: every meeting that
// matches the filters of GET /meetings, cancelled ones included, no paging.
func (s *Server) GetMeetingsFeed(ctx context.Context, req api.GetMeetingsFeedRequestObject) (api.GetMeetingsFeedResponseObject, error) {
	p := req.Params
	lr, err := meetingListRequest(p.From, p.To, p.Status, p.Format, p.Organisation, p.GuestChair, p.Q)
	if err != nil {
		return nil, err
	}
	lr.All = true
	page, err := s.meetings.List(ctx, lr)
	if err != nil {
		return nil, err
	}
	lang, vary := feedLang(p.Lang, p.AcceptLanguage)
	body := writeCalendar(page.Items, s.publicURL, lang)
	return feedResponse{body: body, varyLanguage: vary}, nil
}

// feedLang is the feed's language: lang when given, else the first of
// Dutch and English that Accept-Language prefers, else Dutch (as the
// embeddable schedule). vary says that Accept-Language chose it.
func feedLang(lang *api.GetMeetingsFeedParamsLang, acceptLanguage *string) (string, bool) {
	if lang != nil {
		return string(*lang), false
	}
	if acceptLanguage == nil {
		return "nl", true
	}
	best, bestQ := "nl", 0.0
	for _, part := range strings.Split(*acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary != "nl" && primary != "en" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best, true
}

// feedResponse is the 200 of the feed. The generated response type says
// text/calendar without a charset; RFC 5545 section 8.1 allows charset and
// clients guess less with it.
type feedResponse struct {
	body         []byte
	varyLanguage bool // the language came from Accept-Language
}

func (r feedResponse) VisitGetMeetingsFeedResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	if r.varyLanguage {
		w.Header().Add("Vary", "Accept-Language")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(http.StatusOK)
	_, err := io.Copy(w, bytes.NewReader(r.body))
	return err
}

// writeCalendar renders the meetings as one VCALENDAR, its own texts in
// lang (nl or en). origin is the configured public URL the meetings' web
// pages start with, such as https://example.org; "" leaves the URLs out.
func writeCalendar(items []meeting.Meeting, origin, lang string) []byte {
	l := embedText[lang]
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + feedProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.line("NAME:" + escapeText(l.Network))
	w.line("X-WR-CALNAME:" + escapeText(l.Network))
	w.line("X-WR-CALDESC:" + escapeText(l.calendarDescription))
	w.line("X-WR-TIMEZONE:" + meeting.TimeZone)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	w.line("X-PUBLISHED-TTL:PT6H")
	for _, line := range vtimezoneAmsterdam {
		w.line(line)
	}
	for _, m := range items {
		writeEvent(&w, m, origin, lang)
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func writeEvent(w *icsWriter, m meeting.Meeting, origin, lang string) {
	l := embedText[lang]
	w.line("BEGIN:VEVENT")
	w.line("UID:" + m.ID + "@" + feedUIDDomain)
	w.line("DTSTAMP:" + utcStamp(m.UpdatedAt))
	w.line("CREATED:" + utcStamp(m.CreatedAt))
	w.line("LAST-MODIFIED:" + utcStamp(m.UpdatedAt))
	w.line("SEQUENCE:" + strconv.Itoa(max(int(m.Version)-1, 0)))
	w.line("DTSTART;TZID=" + meeting.TimeZone + ":" + localStamp(m.StartsAt))
	w.line("DTEND;TZID=" + meeting.TimeZone + ":" + localStamp(m.EndsAt))
	summary := m.Title
	if m.Status == meeting.StatusCancelled {
		summary = l.cancelledPrefix + summary
	}
	w.line("SUMMARY:" + escapeText(summary))
	page := ""
	if origin != "" {
		page = meetingPageURL(origin, lang, m.ID)
	}
	w.line("DESCRIPTION:" + escapeText(l.eventDescription(m, page)))
	if loc := eventLocation(m); loc != "" {
		w.line("LOCATION:" + escapeText(loc))
	}
	if page != "" {
		w.line("URL;VALUE=URI:" + page)
	}
	w.line("STATUS:" + eventStatus(m.Status))
	w.line("CLASS:PUBLIC")
	if m.Status == meeting.StatusCancelled {
		w.line("TRANSP:TRANSPARENT")
	} else {
		w.line("TRANSP:OPAQUE")
	}
	if len(m.Tags) > 0 {
		tags := make([]string, len(m.Tags))
		for i, t := range m.Tags {
			tags[i] = escapeText(t)
		}
		w.line("CATEGORIES:" + strings.Join(tags, ","))
	}
	w.line("END:VEVENT")
}

func eventStatus(s meeting.Status) string {
	switch s {
	case meeting.StatusCancelled:
		return "CANCELLED"
	case meeting.StatusConfirmed, meeting.StatusHeld:
		return "CONFIRMED"
	default:
		return "TENTATIVE"
	}
}

// eventDescription is the meeting in a few lines of plain text; page is
// its web page ("" for none).
func (l embedLabels) eventDescription(m meeting.Meeting, page string) string {
	var lines []string
	add := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			lines = append(lines, label+": "+value)
		}
	}
	if m.Status == meeting.StatusCancelled {
		line := l.cancelled
		if m.CancellationReason != "" {
			line += ": " + m.CancellationReason
		}
		lines = append(lines, line+".")
	}
	add(l.Topic, m.Topic)
	add(l.Format, l.Formats[m.Format])
	add(l.Status, l.Statuses[m.Status])
	if m.GuestChair != nil {
		add(l.GuestChair, m.GuestChair.Name)
	}
	if m.Venue != nil && m.Venue.Host.Name != "" {
		add(l.host, m.Venue.Host.Name)
	}
	if m.Details != nil {
		switch m.Details.Format {
		case meeting.FormatKnowledgeSession:
			experts := make([]string, 0, len(m.Details.Experts))
			for _, e := range m.Details.Experts {
				if e.Affiliation != "" {
					experts = append(experts, e.Name+" ("+e.Affiliation+")")
				} else {
					experts = append(experts, e.Name)
				}
			}
			add(l.experts, strings.Join(experts, ", "))
		case meeting.FormatLab:
			add(l.labCase, m.Details.Case)
		case meeting.FormatResidents:
			add(l.townHall, m.Details.TownHall)
		case meeting.FormatConference:
			if !m.Details.CallClosesOn.IsZero() {
				add(l.callCloses, l.day(m.Details.CallClosesOn))
			}
		}
	}
	if m.Venue != nil && m.OnlineURL != "" {
		add(l.Online, m.OnlineURL)
	}
	if m.Sequence > 0 {
		add(l.series, strconv.Itoa(m.Sequence))
	}
	if m.Report != nil {
		add(l.Report, m.Report.URL)
	}
	add(l.moreInfo, page)
	if m.Example {
		lines = append(lines, l.example)
	}
	text := strings.Join(lines, "\n")
	if m.Description != "" {
		text += "\n\n" + m.Description
	}
	return text
}

// eventLocation is the venue (name, address, city), or else the online link.
func eventLocation(m meeting.Meeting) string {
	if m.Venue != nil {
		return venueLine(*m.Venue)
	}
	return m.OnlineURL
}

// venueLine is a venue on one line: name, address, city.
func venueLine(v meeting.Venue) string {
	var parts []string
	for _, p := range []string{v.Name, v.Address, v.City} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func utcStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func localStamp(t time.Time) string { return t.In(domain.Amsterdam).Format("20060102T150405") }

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11): backslash,
// semicolon, comma and newlines; other control characters are dropped.
func escapeText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// not allowed in TEXT
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsWriter writes content lines ending in CRLF, folded so that no line is
// longer than 75 octets (RFC 5545 section 3.1), never inside a UTF-8 sequence.
type icsWriter struct{ buf bytes.Buffer }

const foldAt = 75

func (w *icsWriter) line(s string) {
	limit := foldAt
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = foldAt - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
