package notification

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Envelope is one message on its way: sender, recipient, the message, and a
// line about it for logs (no text of it).
type Envelope struct {
	From, To string
	Data     []byte
	Summary  string
}

// Sender hands a message to the mail system.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// TLS modes of an SMTP connection.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must be offered (port 587)
	TLSImplicit = "tls"      // TLS from the start (port 465)
	TLSNone     = "none"     // no TLS: a relay on the same host or a test server only
)

// SMTP sends through a mail server, a connection per message (the outbox
// sends few, and a connection kept open dies between them).
type SMTP struct {
	Host, Username, Password string
	Port                     int
	TLS                      string // TLSStartTLS, TLSImplicit or TLSNone
	Timeout                  time.Duration
	// TLSConfig, when set, replaces the default (the host's name, the
	// system's roots); tests trust their own server with it.
	TLSConfig *tls.Config
}

// permanent is a failure that trying again will not mend.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// refused marks the server's answer to this message (RCPT or DATA). A
// 5xx to the greeting, AUTH or MAIL is about the server or the
// configuration, not the message: it is tried again like a server down.
type refused struct{ error }

func (r refused) Unwrap() error { return r.error }

// Permanent reports whether err is a refusal for good: the mail server
// answered the message's recipient or content with a 5xx code (such as an
// unknown mailbox), or the message could not be written at all. A 5xx to
// the login (bad credentials) or the sender is not: fixing the
// configuration mends it for every message.
func Permanent(err error) bool {
	var p permanent
	if errors.As(err, &p) {
		return true
	}
	var r refused
	var se *smtp.SMTPError
	return errors.As(err, &r) && errors.As(r.error, &se) && se.Code >= 500 && se.Code < 600
}

func (s SMTP) addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// String names the server for the log at start, without the password.
func (s SMTP) String() string {
	return fmt.Sprintf("smtp://%s (tls %s)", s.addr(), s.TLS)
}

// Send delivers e to the server: MAIL, RCPT, DATA, QUIT, all within the
// timeout (less than the outbox's lease, so no other instance sends the
// message meanwhile).
func (s SMTP) Send(ctx context.Context, e Envelope) (err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return err
	}
	// go-smtp sets its own deadline (minutes) before each command, so a
	// deadline on the connection does not hold: closing it when ctx ends
	// does, whatever the client is waiting for.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer func() {
		stop()
		if err == nil {
			return
		}
		// The command timeouts and ctx's deadline fall together: name the
		// deadline whichever came first.
		if deadline, _ := ctx.Deadline(); ctx.Err() != nil || !time.Now().Before(deadline) {
			cause := context.Cause(ctx)
			if cause == nil {
				cause = context.DeadlineExceeded
			}
			err = fmt.Errorf("%w: %w", cause, err)
		}
	}()
	cfg := s.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	var c *smtp.Client
	switch s.TLS {
	case TLSImplicit:
		c = smtp.NewClient(tls.Client(conn, cfg))
	case TLSNone:
		c = smtp.NewClient(conn)
	default:
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			_ = conn.Close()
			return err
		}
	}
	c.CommandTimeout, c.SubmissionTimeout = timeout, timeout
	defer func() { _ = c.Close() }()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	var opts *smtp.MailOptions
	if !ascii(e.From) || !ascii(e.To) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(e.From, opts); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := c.Rcpt(e.To, nil); err != nil {
		return refused{fmt.Errorf("rcpt to: %w", err)}
	}
	w, err := c.Data()
	if err != nil {
		return refused{fmt.Errorf("data: %w", err)}
	}
	if _, err := w.Write(e.Data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return refused{fmt.Errorf("data: %w", err)}
	}
	_ = c.Quit()
	return nil
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Dir writes each message as an .eml file in a folder and logs where, in
// place of sending: for development, where no mail should leave.
type Dir struct {
	Path string
	Log  *slog.Logger
}

// String names the folder for the log at start.
func (d Dir) String() string { return d.Path }

// Send writes e to a file named by the time and the message.
func (d Dir) Send(ctx context.Context, e Envelope) error {
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return err
	}
	sum := sha256.Sum256(e.Data)
	name := filepath.Join(d.Path, time.Now().UTC().Format("20060102T150405.000000")+"-"+hex.EncodeToString(sum[:4])+".eml")
	if err := os.WriteFile(name, e.Data, 0o640); err != nil {
		return err
	}
	if d.Log != nil {
		d.Log.InfoContext(ctx, "mail written, not sent", "mail", e.Summary, "file", name)
	}
	return nil
}
