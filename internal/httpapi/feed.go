package httpapi

import (
	"bufio"
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

// GetMeetingsFeed serves GET /feeds/meetings.ics: the meetings that match
// the filters of GET /meetings, cancelled ones included, no paging. Without
// from and to it holds what calendar clients expect: the meetings from
// twelve months back onward. The meetings come from the store a page at a
// time and are written as they come, so the feed never holds them all.
func (s *Server) GetMeetingsFeed(ctx context.Context, req api.GetMeetingsFeedRequestObject) (api.GetMeetingsFeedResponseObject, error) {
	p := req.Params
	lr, err := meetingListRequest(p.From, p.To, p.Status, p.Format, p.Organisation, p.GuestChair, p.Q)
	if err != nil {
		return nil, err
	}
	if p.From == nil && p.To == nil {
		lr.Filter.From = feedWindowStart(s.now())
	}
	if !lr.Filter.From.IsZero() && !lr.Filter.To.IsZero() && !lr.Filter.To.After(lr.Filter.From) {
		return nil, (domain.Problems{{Name: "to", Reason: "must not be before from"}}).Err()
	}
	lr.PageSize = feedPageSize
	list := func(cursor string) (domain.Page[meeting.Meeting], error) {
		lr.Cursor = cursor
		page, err := s.meetings.List(ctx, lr)
		if err == nil && feedPageHook != nil {
			feedPageHook(ctx, len(page.Items))
		}
		return page, err
	}
	// The first page is read here, so that a failure is a problem and not
	// a calendar cut short.
	first, err := list("")
	if err != nil {
		return nil, err
	}
	lang, vary := feedLang(p.Lang, p.AcceptLanguage)
	return feedResponse{first: first, next: list, origin: s.publicURL, lang: lang, varyLanguage: vary}, nil
}

// feedPageSize is how many meetings the feed reads at a time: the largest
// page the service serves.
const feedPageSize = domain.MaxPageSize

// feedPageHook, when set (by tests), sees the size of every page the feed reads.
var feedPageHook func(ctx context.Context, n int)

// feedWindowStart is where the feed starts without from and to: the start
// of the day twelve months back, in Amsterdam. It moves once a day, so the
// feed stays the same between writes all day long.
func feedWindowStart(now time.Time) time.Time {
	y, m, d := now.In(domain.Amsterdam).Date()
	return time.Date(y-1, m, d, 0, 0, 0, 0, domain.Amsterdam).UTC()
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
// clients guess less with it. It writes the calendar as the pages come.
type feedResponse struct {
	first        domain.Page[meeting.Meeting]
	next         func(cursor string) (domain.Page[meeting.Meeting], error)
	origin, lang string
	varyLanguage bool // the language came from Accept-Language
}

func (r feedResponse) VisitGetMeetingsFeedResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	if r.varyLanguage {
		w.Header().Add("Vary", "Accept-Language")
	}
	w.WriteHeader(http.StatusOK)
	cw := newICSWriter(w)
	cw.begin(r.lang)
	for page := r.first; ; {
		for i := range page.Items {
			cw.event(&page.Items[i], r.origin, r.lang)
		}
		if page.Next == "" {
			break
		}
		var err error
		if page, err = r.next(page.Next); err != nil {
			return err
		}
		if cw.err != nil {
			return cw.err
		}
	}
	cw.end()
	return cw.flush()
}

// writeCalendar renders the meetings as one VCALENDAR, its own texts in
// lang (nl or en). origin is the configured public URL the meetings' web
// pages start with, such as https://example.org; "" leaves the URLs out.
func writeCalendar(items []meeting.Meeting, origin, lang string) []byte {
	var buf bytes.Buffer
	w := newICSWriter(&buf)
	w.begin(lang)
	for i := range items {
		w.event(&items[i], origin, lang)
	}
	w.end()
	_ = w.flush() // a bytes.Buffer does not fail
	return buf.Bytes()
}

// begin writes the calendar's head: its properties and the time zone.
func (w *icsWriter) begin(lang string) {
	l := embedText[lang]
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + feedProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.text("NAME:", l.Network)
	w.text("X-WR-CALNAME:", l.Network)
	w.text("X-WR-CALDESC:", l.calendarDescription)
	w.line("X-WR-TIMEZONE:" + meeting.TimeZone)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	w.line("X-PUBLISHED-TTL:PT6H")
	for _, line := range vtimezoneAmsterdam {
		w.line(line)
	}
}

func (w *icsWriter) end() { w.line("END:VCALENDAR") }

// event writes one meeting as a VEVENT.
func (w *icsWriter) event(m *meeting.Meeting, origin, lang string) {
	l := embedText[lang]
	w.line("BEGIN:VEVENT")
	w.start("UID:")
	w.raw(m.ID)
	w.raw("@" + feedUIDDomain)
	w.finish()
	w.utc("DTSTAMP:", m.UpdatedAt)
	w.utc("CREATED:", m.CreatedAt)
	w.utc("LAST-MODIFIED:", m.UpdatedAt)
	w.start("SEQUENCE:")
	w.cur = strconv.AppendInt(w.cur, int64(max(int(m.Version)-1, 0)), 10)
	w.finish()
	w.local("DTSTART;TZID="+meeting.TimeZone+":", m.StartsAt)
	w.local("DTEND;TZID="+meeting.TimeZone+":", m.EndsAt)
	w.start("SUMMARY:")
	if m.Status == meeting.StatusCancelled {
		w.escaped(l.cancelledPrefix)
	}
	w.escaped(m.Title)
	w.finish()
	page := ""
	if origin != "" {
		page = meetingPageURL(origin, lang, m.ID)
	}
	w.text("DESCRIPTION:", l.eventDescription(*m, page))
	if loc := eventLocation(*m); loc != "" {
		w.text("LOCATION:", loc)
	}
	if page != "" {
		w.start("URL;VALUE=URI:")
		w.raw(page)
		w.finish()
	}
	w.line("STATUS:" + eventStatus(m.Status))
	w.line("CLASS:PUBLIC")
	if m.Status == meeting.StatusCancelled {
		w.line("TRANSP:TRANSPARENT")
	} else {
		w.line("TRANSP:OPAQUE")
	}
	if len(m.Tags) > 0 {
		w.start("CATEGORIES:")
		for i, t := range m.Tags {
			if i > 0 {
				w.raw(",")
			}
			w.escaped(t)
		}
		w.finish()
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
	if m.Report != nil && !m.Report.Retracted() { // a retracted report is not the meeting's
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

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11): backslash,
// semicolon, comma and newlines; other control characters are dropped.
func escapeText(s string) string { return string(appendEscaped(nil, s)) }

// appendEscaped appends s to b escaped as escapeText says; CRLF is one
// newline.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '\\' && c != ';' && c != ',' && c != 0x7f {
			b = append(b, c)
			i++
			continue
		}
		switch {
		case c == '\\':
			b = append(b, `\\`...)
		case c == ';':
			b = append(b, `\;`...)
		case c == ',':
			b = append(b, `\,`...)
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b = append(b, `\n`...)
			i++
		case c == '\n' || c == '\r':
			b = append(b, `\n`...)
		case c == '\t':
			b = append(b, c)
		case c < 0x20 || c == 0x7f:
			// not allowed in TEXT
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // an invalid byte becomes U+FFFD
			i += size
			continue
		}
		i++
	}
	return b
}

// icsWriter writes content lines ending in CRLF, folded so that no line is
// longer than 75 octets (RFC 5545 section 3.1), never inside a UTF-8
// sequence. A line is built in cur (start, raw, escaped, finish), so that
// writing a feed allocates little; the first write error is kept in err.
type icsWriter struct {
	w   *bufio.Writer
	cur []byte
	err error
}

func newICSWriter(w io.Writer) *icsWriter {
	return &icsWriter{w: bufio.NewWriterSize(w, 32<<10), cur: make([]byte, 0, 1024)}
}

const foldAt = 75

func (w *icsWriter) start(name string)   { w.cur = append(w.cur[:0], name...) }
func (w *icsWriter) raw(s string)        { w.cur = append(w.cur, s...) }
func (w *icsWriter) escaped(s string)    { w.cur = appendEscaped(w.cur, s) }
func (w *icsWriter) text(name, v string) { w.start(name); w.escaped(v); w.finish() }
func (w *icsWriter) line(s string)       { w.start(s); w.finish() }

func (w *icsWriter) utc(name string, t time.Time) {
	w.start(name)
	w.cur = t.UTC().AppendFormat(w.cur, "20060102T150405Z")
	w.finish()
}

func (w *icsWriter) local(name string, t time.Time) {
	w.start(name)
	w.cur = t.In(domain.Amsterdam).AppendFormat(w.cur, "20060102T150405")
	w.finish()
}

// finish writes the line in cur, folded.
func (w *icsWriter) finish() {
	s := w.cur
	limit := foldAt
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.write(s[:cut])
		w.write([]byte("\r\n "))
		s = s[cut:]
		limit = foldAt - 1 // the leading space counts
	}
	w.write(s)
	w.write([]byte("\r\n"))
}

func (w *icsWriter) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

func (w *icsWriter) flush() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}
