package notification

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/calendar"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// Mailer writes messages: who they are from, the public URL their links
// start with, and the key that signs the unsubscribe links.
type Mailer struct {
	From      Address
	PublicURL string // such as https://api.example.org
	key       []byte
	clock     domain.Clock
}

// NewMailer returns a mailer; secret signs the unsubscribe links (as
// NewUnsubscriber checks them).
func NewMailer(from Address, publicURL string, secret []byte, clock domain.Clock) *Mailer {
	if clock == nil {
		clock = time.Now
	}
	return &Mailer{From: from, PublicURL: strings.TrimSuffix(publicURL, "/"), key: unsubscribeKey(secret), clock: clock}
}

// idDomain is the right-hand side of Message-IDs: the sender's domain.
func (ml *Mailer) idDomain() string {
	if _, d, ok := strings.Cut(ml.From.Email, "@"); ok && d != "" {
		return d
	}
	return "pioniers.invalid"
}

// UnsubscribeURL is the link that withdraws the person's consent to be
// contacted; its page speaks lang.
func (ml *Mailer) UnsubscribeURL(personID, lang string) string {
	return ml.PublicURL + UnsubscribePath + "?" + url.Values{"lang": {lang}, "token": {token(ml.key, personID)}}.Encode()
}

// Compose writes m as an RFC 5322 message: plain text and HTML, and for an
// invitation the meeting as iCalendar (iTIP REQUEST, or CANCEL when the
// meeting is cancelled) with the feed's UID and SEQUENCE.
func (ml *Mailer) Compose(m Message) ([]byte, error) {
	t := texts[m.Lang]
	l := calendar.Text[m.Lang]
	subject, intro := t.subject(m, l), t.intro(m, l)
	unsubscribe := ml.UnsubscribeURL(m.PersonID, m.Lang)
	page := ""
	if ml.PublicURL != "" {
		page = calendar.MeetingPage(ml.PublicURL, m.Lang, m.Meeting.ID)
	}
	details := meetingDetails(m.Meeting, l, t)

	var plain strings.Builder
	fmt.Fprintf(&plain, "%s %s,\n\n%s\n\n", t.greeting, m.To.Name, intro)
	for _, d := range details {
		fmt.Fprintf(&plain, "%s: %s\n", d[0], d[1])
	}
	if page != "" {
		fmt.Fprintf(&plain, "%s: %s\n", l.MoreInfo, page)
	}
	fmt.Fprintf(&plain, "\n-- \n%s\n%s\n%s: %s\n", l.Network, t.why, t.unsubscribe, unsubscribe)

	var html bytes.Buffer
	if err := htmlBody.Execute(&html, map[string]any{"Lang": m.Lang, "Subject": subject, "Greeting": t.greeting, "Name": m.To.Name,
		"Intro": intro, "Details": details, "Page": page, "MoreInfo": l.MoreInfo, "Network": l.Network, "Why": t.why,
		"Unsubscribe": unsubscribe, "UnsubscribeText": t.unsubscribe}); err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	h := textproto.MIMEHeader{}
	from := mail.Address{Name: ml.From.Name, Address: ml.From.Email}
	to := mail.Address{Name: m.To.Name, Address: m.To.Email}
	for _, kv := range [][2]string{
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", ml.clock().Format(time.RFC1123Z)},
		{"Message-ID", m.MessageID},
		{"MIME-Version", "1.0"},
		{"Content-Language", m.Lang},
		{"Auto-Submitted", "auto-generated"}, // RFC 3834: no auto-replies, please
		{"List-Unsubscribe", "<" + unsubscribe + ">"},
		{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}, // RFC 8058
		{"X-Pioniers-Notification", string(m.Kind)},
	} {
		h.Set(kv[0], kv[1])
	}
	mw := multipart.NewWriter(&buf)
	writeHeader(&buf, h, "multipart/alternative; boundary="+mw.Boundary())
	if err := part(mw, "text/plain; charset=utf-8", plain.String()); err != nil {
		return nil, err
	}
	if err := part(mw, "text/html; charset=utf-8", html.String()); err != nil {
		return nil, err
	}
	if m.Invitation {
		method := calendar.Request
		if m.Meeting.Status == meeting.StatusCancelled || m.Kind == Unregistered || m.Kind == Demoted {
			method = calendar.Cancel
		}
		ics := calendar.Invitation(m.Meeting, method, ml.PublicURL, m.Lang, calendar.Attendee(ml.From), calendar.Attendee(m.To))
		ph := textproto.MIMEHeader{}
		ph.Set("Content-Type", "text/calendar; charset=utf-8; method="+string(method))
		ph.Set("Content-Transfer-Encoding", "base64")
		w, err := mw.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if err := writeBase64(w, ics); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeHeader writes the message's header in a stable order.
func writeHeader(buf *bytes.Buffer, h textproto.MIMEHeader, contentType string) {
	for _, k := range []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Language", "Auto-Submitted",
		"List-Unsubscribe", "List-Unsubscribe-Post", "X-Pioniers-Notification"} {
		fmt.Fprintf(buf, "%s: %s\r\n", k, h.Get(k))
	}
	fmt.Fprintf(buf, "Content-Type: %s\r\n\r\n", contentType)
}

// part writes a text part, quoted-printable, with CRLF line ends.
func part(mw *multipart.Writer, contentType, body string) error {
	ph := textproto.MIMEHeader{}
	ph.Set("Content-Type", contentType)
	ph.Set("Content-Transfer-Encoding", "quoted-printable")
	w, err := mw.CreatePart(ph)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// writeBase64 writes b in base64, 76 characters a line.
func writeBase64(w interface{ Write([]byte) (int, error) }, b []byte) error {
	s := base64.StdEncoding.EncodeToString(b)
	for len(s) > 0 {
		n := min(len(s), 76)
		if _, err := w.Write([]byte(s[:n] + "\r\n")); err != nil {
			return err
		}
		s = s[n:]
	}
	return nil
}

// meetingDetails are the meeting's facts as label and value.
func meetingDetails(m meeting.Meeting, l calendar.Labels, t words) [][2]string {
	start, end := m.StartsAt.In(domain.Amsterdam), m.EndsAt.In(domain.Amsterdam)
	when := l.Date(start) + ", " + start.Format("15:04") + "–" + end.Format("15:04")
	if start.Format(time.DateOnly) != end.Format(time.DateOnly) {
		when = l.Date(start) + ", " + start.Format("15:04") + " – " + l.Date(end) + ", " + end.Format("15:04")
	}
	out := [][2]string{{t.meeting, m.Title}, {t.when, when}}
	if loc := calendar.Location(m); loc != "" {
		out = append(out, [2]string{t.where, loc})
	}
	if m.Venue != nil && m.OnlineURL != "" {
		out = append(out, [2]string{l.Online, m.OnlineURL})
	}
	if m.Status == meeting.StatusCancelled && m.CancellationReason != "" {
		out = append(out, [2]string{t.reason, m.CancellationReason})
	}
	return out
}

var htmlBody = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a">
<p>{{.Greeting}} {{.Name}},</p>
<p>{{.Intro}}</p>
<table role="presentation" style="border-collapse: collapse">
{{range .Details}}<tr><th style="text-align: left; padding-right: 1em; vertical-align: top">{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Page}}<p><a href="{{.Page}}">{{.MoreInfo}}</a></p>{{end}}
<hr>
<p style="font-size: smaller; color: #555">{{.Network}}<br>{{.Why}}<br><a href="{{.Unsubscribe}}">{{.UnsubscribeText}}</a></p>
</body></html>
`))
