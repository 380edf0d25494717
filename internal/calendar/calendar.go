// Package calendar writes meetings as iCalendar (RFC 5545): the public
// feed (METHOD:PUBLISH) and the invitations the notifications carry
// (iTIP, RFC 5546: METHOD:REQUEST and CANCEL). Both write an event the same
// way, so a calendar client that has both sees one event: the same UID and
// SEQUENCE.
package calendar

import (
	"bufio"
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

const (
	ProductID = "-//Pioniersnetwerk Open Overheid//Pioniers API//EN"
	UIDDomain = "pioniers"
	// MeetingPagePath is the embeddable page about the meetings; the
	// events point to one meeting on it.
	MeetingPagePath = "/embed/meetings"
)

// Method is what an iCalendar object asks of its receiver (RFC 5546).
type Method string

const (
	Publish Method = "PUBLISH" // the feed: read only
	Request Method = "REQUEST" // an invitation, or its update (a higher SEQUENCE)
	Cancel  Method = "CANCEL"  // the event is cancelled
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

// UID is the meeting's event UID, in the feed and in every invitation.
func UID(m meeting.Meeting) string { return m.ID + "@" + UIDDomain }

// Sequence is the meeting's revision as iCalendar counts it, from 0.
func Sequence(m meeting.Meeting) int { return max(int(m.Version)-1, 0) }

// MeetingPage is the web page about one meeting: the embeddable page with
// just that meeting, at its anchor. publicURL is such as https://example.org.
func MeetingPage(publicURL, lang, id string) string {
	return publicURL + MeetingPagePath + "?" + url.Values{"lang": {lang}, "meeting": {id}}.Encode() + "#meeting-" + id
}

// Write renders the meetings as one published VCALENDAR, its own texts in
// lang (nl or en). origin is the configured public URL the meetings' web
// pages start with, such as https://example.org; "" leaves the URLs out.
func Write(items []meeting.Meeting, origin, lang string) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Begin(lang)
	for i := range items {
		w.Event(&items[i], origin, lang)
	}
	w.End()
	_ = w.Flush() // a bytes.Buffer does not fail
	return buf.Bytes()
}

// Attendee is who an invitation is for.
type Attendee struct {
	Name, Email string
}

// Invitation is an iTIP message about one meeting (method Request or
// Cancel), from organizer to the attendee, in lang. The event is the
// feed's, with the organizer and attendee iTIP asks for.
func Invitation(m meeting.Meeting, method Method, origin, lang string, organizer, attendee Attendee) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + ProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + string(method))
	for _, line := range vtimezoneAmsterdam {
		w.line(line)
	}
	w.event(&m, origin, lang, func() {
		w.address("ORGANIZER", "", organizer)
		partstat := ";PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
		if method == Cancel {
			partstat = ""
		}
		w.address("ATTENDEE", ";ROLE=REQ-PARTICIPANT"+partstat, attendee)
	})
	w.End()
	_ = w.Flush()
	return buf.Bytes()
}

// address writes a CAL-ADDRESS property: a mailto URI with the name as CN.
func (w *Writer) address(name, params string, a Attendee) {
	w.start(name + params)
	if a.Name != "" {
		w.raw(";CN=\"")
		w.raw(paramText(a.Name))
		w.raw("\"")
	}
	w.raw(":mailto:")
	w.raw(a.Email)
	w.finish()
}

// paramText is s as a quoted parameter value: no double quotes or control
// characters (RFC 5545 section 3.1).
func paramText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Begin writes the published calendar's head: its properties and the time zone.
func (w *Writer) Begin(lang string) {
	l := Text[lang]
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + ProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + string(Publish))
	w.text("NAME:", l.Network)
	w.text("X-WR-CALNAME:", l.Network)
	w.text("X-WR-CALDESC:", l.CalendarDescription)
	w.line("X-WR-TIMEZONE:" + meeting.TimeZone)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	w.line("X-PUBLISHED-TTL:PT6H")
	for _, line := range vtimezoneAmsterdam {
		w.line(line)
	}
}

// End closes the calendar.
func (w *Writer) End() { w.line("END:VCALENDAR") }

// Event writes one meeting as a VEVENT.
func (w *Writer) Event(m *meeting.Meeting, origin, lang string) { w.event(m, origin, lang, nil) }

// event writes m; extra, when set, adds properties at the end.
func (w *Writer) event(m *meeting.Meeting, origin, lang string, extra func()) {
	l := Text[lang]
	w.line("BEGIN:VEVENT")
	w.start("UID:")
	w.raw(m.ID)
	w.raw("@" + UIDDomain)
	w.finish()
	w.utc("DTSTAMP:", m.UpdatedAt)
	w.utc("CREATED:", m.CreatedAt)
	w.utc("LAST-MODIFIED:", m.UpdatedAt)
	w.start("SEQUENCE:")
	w.cur = strconv.AppendInt(w.cur, int64(Sequence(*m)), 10)
	w.finish()
	w.local("DTSTART;TZID="+meeting.TimeZone+":", m.StartsAt)
	w.local("DTEND;TZID="+meeting.TimeZone+":", m.EndsAt)
	w.start("SUMMARY:")
	if m.Status == meeting.StatusCancelled {
		w.escaped(l.CancelledPrefix)
	}
	w.escaped(m.Title)
	w.finish()
	page := ""
	if origin != "" {
		page = MeetingPage(origin, lang, m.ID)
	}
	w.text("DESCRIPTION:", l.Description(*m, page))
	if loc := Location(*m); loc != "" {
		w.text("LOCATION:", loc)
	}
	if page != "" {
		w.start("URL;VALUE=URI:")
		w.raw(page)
		w.finish()
	}
	w.line("STATUS:" + EventStatus(m.Status))
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
	if extra != nil {
		extra()
	}
	w.line("END:VEVENT")
}

// EventStatus is the event's STATUS for a meeting's status.
func EventStatus(s meeting.Status) string {
	switch s {
	case meeting.StatusCancelled:
		return "CANCELLED"
	case meeting.StatusConfirmed, meeting.StatusHeld:
		return "CONFIRMED"
	default:
		return "TENTATIVE"
	}
}

// Description is the meeting in a few lines of plain text; page is its web
// page ("" for none).
func (l Labels) Description(m meeting.Meeting, page string) string {
	var lines []string
	add := func(label, value string) {
		if value = strings.TrimSpace(value); value != "" {
			lines = append(lines, label+": "+value)
		}
	}
	if m.Status == meeting.StatusCancelled {
		line := l.Cancelled
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
		add(l.Host, m.Venue.Host.Name)
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
			add(l.Experts, strings.Join(experts, ", "))
		case meeting.FormatLab:
			add(l.LabCase, m.Details.Case)
		case meeting.FormatResidents:
			add(l.TownHall, m.Details.TownHall)
		case meeting.FormatConference:
			if !m.Details.CallClosesOn.IsZero() {
				add(l.CallCloses, l.Day(m.Details.CallClosesOn))
			}
		}
	}
	if m.Venue != nil && m.OnlineURL != "" {
		add(l.Online, m.OnlineURL)
	}
	if m.Sequence > 0 {
		add(l.Series, strconv.Itoa(m.Sequence))
	}
	if m.Report != nil && !m.Report.Retracted() { // a retracted report is not the meeting's
		add(l.Report, m.Report.URL)
	}
	add(l.MoreInfo, page)
	if m.Example {
		lines = append(lines, l.Example)
	}
	text := strings.Join(lines, "\n")
	if m.Description != "" {
		text += "\n\n" + m.Description
	}
	return text
}

// Location is the venue (name, address, city), or else the online link.
func Location(m meeting.Meeting) string {
	if m.Venue != nil {
		return VenueLine(*m.Venue)
	}
	return m.OnlineURL
}

// VenueLine is a venue on one line: name, address, city.
func VenueLine(v meeting.Venue) string {
	var parts []string
	for _, p := range []string{v.Name, v.Address, v.City} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// EscapeText escapes a TEXT value (RFC 5545 section 3.3.11): backslash,
// semicolon, comma and newlines; other control characters are dropped.
func EscapeText(s string) string { return string(appendEscaped(nil, s)) }

// appendEscaped appends s to b escaped as EscapeText says; CRLF is one
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

// Writer writes content lines ending in CRLF, folded so that no line is
// longer than 75 octets (RFC 5545 section 3.1), never inside a UTF-8
// sequence. A line is built in cur (start, raw, escaped, finish), so that
// writing a feed allocates little; the first write error is kept.
type Writer struct {
	w   *bufio.Writer
	cur []byte
	err error
}

// NewWriter returns a writer to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 32<<10), cur: make([]byte, 0, 1024)}
}

// FoldAt is the longest content line, in octets.
const FoldAt = 75

func (w *Writer) start(name string)   { w.cur = append(w.cur[:0], name...) }
func (w *Writer) raw(s string)        { w.cur = append(w.cur, s...) }
func (w *Writer) escaped(s string)    { w.cur = appendEscaped(w.cur, s) }
func (w *Writer) text(name, v string) { w.start(name); w.escaped(v); w.finish() }
func (w *Writer) line(s string)       { w.start(s); w.finish() }

// Line writes s as one content line, folded.
func (w *Writer) Line(s string) { w.line(s) }

func (w *Writer) utc(name string, t time.Time) {
	w.start(name)
	w.cur = t.UTC().AppendFormat(w.cur, "20060102T150405Z")
	w.finish()
}

func (w *Writer) local(name string, t time.Time) {
	w.start(name)
	w.cur = t.In(domain.Amsterdam).AppendFormat(w.cur, "20060102T150405")
	w.finish()
}

// finish writes the line in cur, folded.
func (w *Writer) finish() {
	s := w.cur
	limit := FoldAt
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.write(s[:cut])
		w.write([]byte("\r\n "))
		s = s[cut:]
		limit = FoldAt - 1 // the leading space counts
	}
	w.write(s)
	w.write([]byte("\r\n"))
}

func (w *Writer) write(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// Err is the first write error, if any.
func (w *Writer) Err() error { return w.err }

// Flush writes what is buffered; it returns the first error.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}
