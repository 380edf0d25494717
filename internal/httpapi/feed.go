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
	feedName      = "Pioniersnetwerk Open Overheid"
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
	body := writeCalendar(page.Items, s.publicURL)
	return feedResponse{body: body}, nil
}

// feedResponse is the 200 of the feed. The generated response type says
// text/calendar without a charset; RFC 5545 section 8.1 allows charset and
// clients guess less with it.
type feedResponse struct{ body []byte }

func (r feedResponse) VisitGetMeetingsFeedResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(http.StatusOK)
	_, err := io.Copy(w, bytes.NewReader(r.body))
	return err
}

// writeCalendar renders the meetings as one VCALENDAR. origin is the
// configured public URL the meetings' URLs start with, such as
// https://example.org; "" leaves the URLs out.
func writeCalendar(items []meeting.Meeting, origin string) []byte {
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + feedProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.line("NAME:" + escapeText(feedName))
	w.line("X-WR-CALNAME:" + escapeText(feedName))
	w.line("X-WR-CALDESC:" + escapeText("Meetings of the Pioneering Network for an Open Government for Municipalities"))
	w.line("X-WR-TIMEZONE:" + meeting.TimeZone)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	w.line("X-PUBLISHED-TTL:PT6H")
	for _, l := range vtimezoneAmsterdam {
		w.line(l)
	}
	for _, m := range items {
		writeEvent(&w, m, origin)
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func writeEvent(w *icsWriter, m meeting.Meeting, origin string) {
	w.line("BEGIN:VEVENT")
	w.line("UID:" + m.ID + "@" + feedUIDDomain)
	w.line("DTSTAMP:" + utcStamp(m.UpdatedAt))
	w.line("CREATED:" + utcStamp(m.CreatedAt))
	w.line("LAST-MODIFIED:" + utcStamp(m.UpdatedAt))
	w.line("SEQUENCE:" + strconv.Itoa(max(int(m.Version)-1, 0)))
	w.line("DTSTART;TZID=" + meeting.TimeZone + ":" + localStamp(m.StartsAt))
	w.line("DTEND;TZID=" + meeting.TimeZone + ":" + localStamp(m.EndsAt))
	w.line("SUMMARY:" + escapeText(m.Title))
	w.line("DESCRIPTION:" + escapeText(eventDescription(m)))
	if loc := eventLocation(m); loc != "" {
		w.line("LOCATION:" + escapeText(loc))
	}
	if origin != "" {
		w.line("URL;VALUE=URI:" + origin + basePath + "/meetings/" + m.ID)
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

var formatNames = map[meeting.Format]string{
	meeting.FormatKnowledgeSession: "knowledge session",
	meeting.FormatLab:              "Open Government lab",
	meeting.FormatConference:       "conference",
	meeting.FormatResidents:        "residents' meeting",
	meeting.FormatOther:            "other",
}

// eventDescription is the meeting in a few lines of plain text.
func eventDescription(m meeting.Meeting) string {
	var lines []string
	add := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			lines = append(lines, label+": "+value)
		}
	}
	if m.Status == meeting.StatusCancelled {
		reason := "cancelled"
		if m.CancellationReason != "" {
			reason += ": " + m.CancellationReason
		}
		lines = append(lines, "This meeting is "+reason+".")
	}
	add("Topic", m.Topic)
	add("Format", formatNames[m.Format])
	if m.GuestChair != nil {
		add("Guest chair", m.GuestChair.Name)
	}
	if m.Venue != nil && m.Venue.Host.Name != "" {
		add("Host", m.Venue.Host.Name)
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
			add("Experts", strings.Join(experts, ", "))
		case meeting.FormatLab:
			add("Case", m.Details.Case)
		case meeting.FormatResidents:
			add("Town hall", m.Details.TownHall)
		case meeting.FormatConference:
			if !m.Details.CallClosesOn.IsZero() {
				add("Call for papers closes on", m.Details.CallClosesOn.Format(time.DateOnly))
			}
		}
	}
	if m.Venue != nil && m.OnlineURL != "" {
		add("Online", m.OnlineURL)
	}
	if m.Sequence > 0 {
		add("Meeting in the series", strconv.Itoa(m.Sequence))
	}
	if m.Report != nil {
		add("Report", m.Report.URL)
	}
	if m.Example {
		lines = append(lines, "Example data for demonstrations; not a real meeting of the network.")
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
