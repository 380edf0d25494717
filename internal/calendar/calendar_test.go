package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// foldedLine is one content line as the feed writes it.
func foldedLine(s string) string {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.line(s)
	_ = w.Flush()
	return buf.String()
}

func TestICSFolding(t *testing.T) {
	for _, value := range []string{
		"",
		strings.Repeat("a", 74),
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		strings.Repeat("a", 300),
		strings.Repeat("€", 100),       // three octets each
		"x" + strings.Repeat("ë", 100), // two octets each, off by one
		strings.Repeat("a", 73) + "€€€",
	} {
		out := foldedLine("DESCRIPTION:" + value)
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("no CRLF at the end: %q", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for i, l := range lines {
			if len(l) > 75 {
				t.Errorf("line %d is %d octets: %q", i, len(l), l)
			}
			if !utf8.ValidString(l) {
				t.Errorf("line %d splits a character: %q", i, l)
			}
			if i > 0 && !strings.HasPrefix(l, " ") {
				t.Errorf("continuation line %d does not start with a space: %q", i, l)
			}
		}
		// Unfolding (RFC 5545 section 3.1) gives the line back.
		if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != "DESCRIPTION:"+value {
			t.Errorf("unfolded: got %q; want %q", got, "DESCRIPTION:"+value)
		}
	}
}

func TestICSEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:             `plain`,
		`a, b; c\d`:         `a\, b\; c\\d`,
		"one\ntwo\r\nthree": `one\ntwo\nthree`,
		"bell\a and tab\t":  "bell and tab\t",
	} {
		if got := EscapeText(in); got != want {
			t.Errorf("EscapeText(%q): got %q; want %q", in, got, want)
		}
	}
}

func TestICSStatusAndSequence(t *testing.T) {
	start := time.Date(2027, 1, 14, 13, 0, 0, 0, time.UTC)
	m := meeting.Meeting{ID: "id", Title: "T", Topic: "Topic", Format: meeting.FormatOther, StartsAt: start,
		EndsAt: start.Add(time.Hour), Status: meeting.StatusPlanned, Version: 3, UpdatedAt: start, CreatedAt: start}
	out := string(Write([]meeting.Meeting{m}, "https://example.org", "en"))
	out = strings.ReplaceAll(out, "\r\n ", "") // unfolded
	for _, want := range []string{"SEQUENCE:2\r\n", "STATUS:TENTATIVE\r\n", "DTSTART;TZID=Europe/Amsterdam:20270114T140000\r\n",
		"DTEND;TZID=Europe/Amsterdam:20270114T150000\r\n", "UID:id@pioniers\r\n", "URL;VALUE=URI:https://example.org/embed/meetings?lang=en&meeting=id#meeting-id\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("feed lacks %q:\n%s", want, out)
		}
	}
	for status, want := range map[meeting.Status]string{meeting.StatusPlanned: "TENTATIVE", meeting.StatusConfirmed: "CONFIRMED",
		meeting.StatusHeld: "CONFIRMED", meeting.StatusCancelled: "CANCELLED"} {
		if got := EventStatus(status); got != want {
			t.Errorf("EventStatus(%s): got %s; want %s", status, got, want)
		}
	}
}
