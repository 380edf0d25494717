package notification_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// inbox is a real SMTP server in this process that keeps what it receives,
// and fails on demand: for now (451), or for good for some recipients (550).
type inbox struct {
	addr     *net.TCPAddr
	mu       sync.Mutex
	received []received
	failing  int             // DATA commands still to fail with 451
	refused  map[string]bool // recipients refused with 550
	badLogin bool            // every login refused with 535
	badFrom  bool            // every sender refused with 553
}

type received struct {
	From string
	To   []string
	Data []byte
}

func newInbox(t *testing.T) *inbox {
	t.Helper()
	in := &inbox{refused: map[string]bool{}}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.addr = ln.Addr().(*net.TCPAddr)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return in
}

// take returns what arrived since the last take.
func (in *inbox) take() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := in.received
	in.received = nil
	return out
}

func (in *inbox) fail(n int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.failing = n
}

func (in *inbox) refuse(addr string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.refused[addr] = true
}

type session struct {
	in   *inbox
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if s.in.badFrom {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender not allowed"}
	}
	s.from = from
	return nil
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error {
		s.in.mu.Lock()
		defer s.in.mu.Unlock()
		if s.in.badLogin {
			return smtp.ErrAuthFailed
		}
		return nil
	}), nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if s.in.refused[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if s.in.failing > 0 {
		s.in.failing--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.in.received = append(s.in.received, received{From: s.from, To: s.to, Data: b})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parsed is a received message taken apart.
type parsed struct {
	Header   mail.Header
	Subject  string
	Plain    string
	HTML     string
	Calendar *ical.Calendar
	CalType  string // the calendar part's Content-Type
}

func parse(t *testing.T, r received) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("message: %v\n%s", err, r.Data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{Header: msg.Header, Subject: subject}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type: got %q (%v); want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = part
		switch part.Header.Get("Content-Transfer-Encoding") {
		case "quoted-printable":
			body = quotedprintable.NewReader(part)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		ct := part.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			p.Plain = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.HTML = string(b)
		case strings.HasPrefix(ct, "text/calendar"):
			p.CalType = ct
			if p.Calendar, err = ical.NewDecoder(bytes.NewReader(b)).Decode(); err != nil {
				t.Fatalf("invitation: %v\n%s", err, b)
			}
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	return p
}
