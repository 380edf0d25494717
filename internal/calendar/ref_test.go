package calendar

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// The feed as 1.1.0 wrote it, whole in memory: the streaming writer must
// give the very same bytes.

func oldWriteCalendar(items []meeting.Meeting, origin, lang string) []byte {
	l := Text[lang]
	var w oldICSWriter
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + ProductID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.line("NAME:" + oldEscapeText(l.Network))
	w.line("X-WR-CALNAME:" + oldEscapeText(l.Network))
	w.line("X-WR-CALDESC:" + oldEscapeText(l.CalendarDescription))
	w.line("X-WR-TIMEZONE:" + meeting.TimeZone)
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
	w.line("X-PUBLISHED-TTL:PT6H")
	for _, line := range vtimezoneAmsterdam {
		w.line(line)
	}
	for _, m := range items {
		oldWriteEvent(&w, m, origin, lang)
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func oldWriteEvent(w *oldICSWriter, m meeting.Meeting, origin, lang string) {
	l := Text[lang]
	w.line("BEGIN:VEVENT")
	w.line("UID:" + m.ID + "@" + UIDDomain)
	w.line("DTSTAMP:" + oldUTCStamp(m.UpdatedAt))
	w.line("CREATED:" + oldUTCStamp(m.CreatedAt))
	w.line("LAST-MODIFIED:" + oldUTCStamp(m.UpdatedAt))
	w.line("SEQUENCE:" + strconv.Itoa(max(int(m.Version)-1, 0)))
	w.line("DTSTART;TZID=" + meeting.TimeZone + ":" + oldLocalStamp(m.StartsAt))
	w.line("DTEND;TZID=" + meeting.TimeZone + ":" + oldLocalStamp(m.EndsAt))
	summary := m.Title
	if m.Status == meeting.StatusCancelled {
		summary = l.CancelledPrefix + summary
	}
	w.line("SUMMARY:" + oldEscapeText(summary))
	page := ""
	if origin != "" {
		page = MeetingPage(origin, lang, m.ID)
	}
	w.line("DESCRIPTION:" + oldEscapeText(l.Description(m, page)))
	if loc := Location(m); loc != "" {
		w.line("LOCATION:" + oldEscapeText(loc))
	}
	if page != "" {
		w.line("URL;VALUE=URI:" + page)
	}
	w.line("STATUS:" + EventStatus(m.Status))
	w.line("CLASS:PUBLIC")
	if m.Status == meeting.StatusCancelled {
		w.line("TRANSP:TRANSPARENT")
	} else {
		w.line("TRANSP:OPAQUE")
	}
	if len(m.Tags) > 0 {
		tags := make([]string, len(m.Tags))
		for i, t := range m.Tags {
			tags[i] = oldEscapeText(t)
		}
		w.line("CATEGORIES:" + strings.Join(tags, ","))
	}
	w.line("END:VEVENT")
}

func oldUTCStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func oldLocalStamp(t time.Time) string { return t.In(domain.Amsterdam).Format("20060102T150405") }

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11): backslash,
// semicolon, comma and newlines; other control characters are dropped.
func oldEscapeText(s string) string {
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

// oldICSWriter writes content lines ending in CRLF, folded so that no line is
// longer than 75 octets (RFC 5545 section 3.1), never inside a UTF-8 sequence.
type oldICSWriter struct{ buf bytes.Buffer }

func (w *oldICSWriter) line(s string) {
	limit := FoldAt
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = FoldAt - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// TestFeedSameBytes: the streaming writer gives the bytes the 1.1.0 writer
// gave, for meetings with every field, awkward text and both languages.
func TestFeedSameBytes(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 3, 28, 0, 30, 0, 0, time.UTC) // the night summer time begins
	awkward := []string{"", "plain", "a, b; c\\d", "one\ntwo\r\nthree\rfour", "bell\a tab\t del\x7f", "bad \xff\xfe utf-8",
		strings.Repeat("€ë", 60), strings.Repeat("x", 74) + "€", "  spaced  "}
	var items []meeting.Meeting
	for i, text := range awkward {
		m := meeting.Meeting{ID: fmt.Sprintf("0190d3e0-0000-7000-8000-%012d", i), Title: text + " title", Topic: text,
			Description: text, Format: meeting.FormatOther, StartsAt: start.AddDate(0, i, i), EndsAt: start.AddDate(0, i, i).Add(90 * time.Minute),
			Status:             []meeting.Status{meeting.StatusPlanned, meeting.StatusConfirmed, meeting.StatusHeld, meeting.StatusCancelled}[i%4],
			CancellationReason: text, Version: domain.Version(i), Sequence: i % 3, Example: i%2 == 0, Tags: []string{text, "b,c"}[:i%3],
			CreatedAt: start.Add(-time.Hour * time.Duration(i)), UpdatedAt: start.Add(time.Minute * time.Duration(i)), OnlineURL: "https://meet.example.org/" + strconv.Itoa(i)}
		switch i % 5 {
		case 0:
			m.Format, m.Details = meeting.FormatKnowledgeSession, &meeting.Details{Format: meeting.FormatKnowledgeSession,
				Experts: []meeting.Expert{{Name: text + "expert", Affiliation: text}, {Name: "B"}}}
		case 1:
			m.Format, m.Details = meeting.FormatLab, &meeting.Details{Format: meeting.FormatLab, Case: text}
		case 2:
			m.Format, m.Details = meeting.FormatConference, &meeting.Details{Format: meeting.FormatConference, CallClosesOn: start}
		case 3:
			m.Format, m.Details = meeting.FormatResidents, &meeting.Details{Format: meeting.FormatResidents, TownHall: text}
		}
		if i%2 == 1 {
			m.Venue = &meeting.Venue{Name: text + "venue", Address: text, City: "Schiedam", Host: organisation.Ref{ID: "o", Code: "GM0606", Name: text + "host"}}
			m.GuestChair = &organisation.Ref{ID: "g", Code: "GM0344", Name: text + "chair"}
			m.Report = &meeting.Report{URL: "https://example.org/" + strconv.Itoa(i)}
		}
		items = append(items, m)
	}
	for _, lang := range []string{"nl", "en"} {
		for _, origin := range []string{"", "https://example.org"} {
			for _, n := range []int{0, 1, len(items)} {
				got, want := Write(items[:n], origin, lang), oldWriteCalendar(items[:n], origin, lang)
				if !bytes.Equal(got, want) {
					t.Errorf("%s, origin %q, %d meetings: the bytes differ:\ngot  %q\nwant %q", lang, origin, n, got, want)
				}
			}
		}
	}
	for _, s := range awkward {
		if got, want := EscapeText(s), oldEscapeText(s); got != want {
			t.Errorf("EscapeText(%q): got %q; want %q", s, got, want)
		}
	}
}
