package notification_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/notification"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// world is the service sending through an in-process SMTP server, with an
// editor and people who did and did not consent to be contacted.
type world struct {
	env    *apptest.Env
	inbox  *inbox
	editor string
	admin  string
	org    string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	in := newInbox(t)
	cfg := apptest.Config(t)
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = "127.0.0.1", in.addr.Port, notification.TLSNone
	cfg.SignInLimit = 1000 // every user signs in from the same address
	cfg.MailFrom = "Pioniersnetwerk <bijeenkomsten@pioniers.example>"
	env := apptest.New(t, cfg)
	if env.App.Outbox == nil {
		t.Fatal("mail is configured but the app has no outbox")
	}
	w := &world{env: env, inbox: in, editor: env.User(t, "editor@example.org", domain.RoleEditor, "")}
	w.admin = env.User(t, "admin@example.org", domain.RoleAdmin, "")
	if _, err := env.App.Organisations.Create(apptest.As(domain.System), apptest.Municipality("GM0606", "Schiedam")); err != nil {
		t.Fatal(err)
	}
	w.org = "GM0606"
	return w
}

// person creates a person with languages and the contact consent given or not.
func (w *world) person(t *testing.T, name, email string, languages []string, contact bool) string {
	t.Helper()
	body := apptest.Pioneer(name, email, "", w.org)
	delete(body, "phone")
	body["languages"] = languages
	id := w.env.Post(t, w.admin, "/v1/people", body).ID
	res := w.env.Do(t, "PUT", "/v1/people/"+id+"/consent", map[string]any{"publicProfile": false, "contact": contact}, apptest.Bearer(w.admin))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("consent: got %d: %s", res.StatusCode, res.Body)
	}
	return id
}

func (w *world) do(t *testing.T, method, path string, body any, want int) apptest.Response {
	t.Helper()
	headers := apptest.Bearer(w.editor)
	if method == "PATCH" {
		headers = apptest.Headers(w.editor, "If-Match", "*", "Content-Type", "application/merge-patch+json")
	}
	res := w.env.Do(t, method, path, body, headers)
	if res.StatusCode != want {
		t.Fatalf("%s %s: got %d; want %d: %s", method, path, res.StatusCode, want, res.Body)
	}
	return res
}

// pass runs the app's outbox once and returns what arrived.
func (w *world) pass(t *testing.T) []parsed {
	t.Helper()
	if err := w.env.App.Outbox.Pass(context.Background()); err != nil {
		t.Fatalf("outbox: %v", err)
	}
	var out []parsed
	for _, r := range w.inbox.take() {
		out = append(out, parse(t, r))
	}
	return out
}

// feedEvent is the meeting's event in the public calendar feed.
func (w *world) feedEvent(t *testing.T, id string) ical.Event {
	t.Helper()
	res := w.env.Do(t, "GET", "/v1/feeds/meetings.ics?from=2020-01-01", nil, nil)
	cal, err := ical.NewDecoder(strings.NewReader(res.Body)).Decode()
	if err != nil {
		t.Fatalf("feed: %v", err)
	}
	for _, ev := range cal.Events() {
		if uid, _ := ev.Props.Text(ical.PropUID); uid == id+"@pioniers" {
			return ev
		}
	}
	t.Fatalf("the feed has no event for meeting %s", id)
	return ical.Event{}
}

// want is what one message should be.
type want struct {
	to, kind, lang, subject string
	method                  string // the invitation's METHOD; "" for none
}

// check compares the messages with wants (in any order) and, for
// invitations, the event with the feed's.
func (w *world) check(t *testing.T, step string, got []parsed, meetingID string, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		var summary []string
		for _, p := range got {
			summary = append(summary, p.Header.Get("To")+" "+p.Header.Get("X-Pioniers-Notification"))
		}
		t.Fatalf("%s: got %d messages %v; want %d", step, len(got), summary, len(wants))
	}
	for _, wt := range wants {
		i := slices.IndexFunc(got, func(p parsed) bool { return strings.Contains(p.Header.Get("To"), wt.to) })
		if i < 0 {
			t.Errorf("%s: no message to %s", step, wt.to)
			continue
		}
		p := got[i]
		h := p.Header
		for name, value := range map[string]string{"X-Pioniers-Notification": wt.kind, "Content-Language": wt.lang,
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "Auto-Submitted": "auto-generated"} {
			if h.Get(name) != value {
				t.Errorf("%s, to %s: %s: got %q; want %q", step, wt.to, name, h.Get(name), value)
			}
		}
		if !strings.HasPrefix(p.Subject, wt.subject) {
			t.Errorf("%s, to %s: Subject: got %q; want it to start with %q", step, wt.to, p.Subject, wt.subject)
		}
		if !strings.Contains(h.Get("From"), "bijeenkomsten@pioniers.example") || !strings.HasSuffix(h.Get("Message-ID"), "@pioniers.example>") {
			t.Errorf("%s, to %s: From %q, Message-ID %q", step, wt.to, h.Get("From"), h.Get("Message-ID"))
		}
		unsubscribe := strings.Trim(h.Get("List-Unsubscribe"), "<>")
		if !strings.HasPrefix(unsubscribe, w.env.URL+"/unsubscribe?") || !strings.Contains(p.Plain, unsubscribe) ||
			!strings.Contains(p.HTML, strings.ReplaceAll(unsubscribe, "&", "&amp;")) {
			t.Errorf("%s, to %s: the unsubscribe link %q is not in the header, the text and the HTML", step, wt.to, unsubscribe)
		}
		if p.Plain == "" || !strings.Contains(p.HTML, "<html lang=\""+wt.lang+"\"") {
			t.Errorf("%s, to %s: want plain text and HTML in %s", step, wt.to, wt.lang)
		}
		if wt.method == "" {
			if p.Calendar != nil {
				t.Errorf("%s, to %s: got an invitation; want none", step, wt.to)
			}
			continue
		}
		if p.Calendar == nil {
			t.Errorf("%s, to %s: no invitation; want METHOD:%s", step, wt.to, wt.method)
			continue
		}
		if m, _ := p.Calendar.Props.Text(ical.PropMethod); m != wt.method || !strings.Contains(p.CalType, "method="+wt.method) {
			t.Errorf("%s, to %s: METHOD %q (part %q); want %s", step, wt.to, m, p.CalType, wt.method)
		}
		events := p.Calendar.Events()
		if len(events) != 1 {
			t.Fatalf("%s, to %s: %d events; want 1", step, wt.to, len(events))
		}
		feed := w.feedEvent(t, meetingID)
		for _, prop := range []string{ical.PropUID, ical.PropSequence, ical.PropDateTimeStart, ical.PropStatus} {
			got, want := events[0].Props.Get(prop), feed.Props.Get(prop)
			if got == nil || want == nil || got.Value != want.Value {
				t.Errorf("%s, to %s: %s: got %q; want the feed's %q", step, wt.to, prop, got, want)
			}
		}
		if a := events[0].Props.Get(ical.PropAttendee); a == nil || !strings.EqualFold(a.Value, "mailto:"+wt.to) {
			t.Errorf("%s, to %s: ATTENDEE %v", step, wt.to, a)
		}
	}
}

// TestNotifications follows a meeting's life and a paper's decision, and
// checks each message: who gets it, its kind, language, headers and
// invitation (against the public feed), and that nobody without consent
// gets any.
func TestNotifications(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	anne := w.person(t, "Anne de Vries", "anne@example.org", []string{"nl", "en"}, true)
	bob := w.person(t, "Bob Smith", "bob@example.org", []string{"de", "en-GB", "nl"}, true)
	carla := w.person(t, "Carla Jansen", "carla@example.org", []string{"en"}, false)

	m := w.do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("Open lab", map[string]any{"capacity": 1}), http.StatusCreated)
	var meeting api.Meeting
	m.JSON(t, &meeting)
	id := meeting.ID.String()
	var regs []string
	for _, p := range []string{anne, bob, carla} {
		var r api.Registration
		w.do(t, "POST", "/v1/meetings/"+id+"/registrations", map[string]any{"person": p}, http.StatusCreated).JSON(t, &r)
		regs = append(regs, r.ID.String())
	}
	w.check(t, "registered", w.pass(t), id,
		want{to: "anne@example.org", kind: "registered", lang: "nl", subject: "Aangemeld: Open lab", method: "REQUEST"},
		want{to: "bob@example.org", kind: "waitlisted", lang: "en", subject: "On the waitlist: Open lab"})

	w.do(t, "DELETE", "/v1/meetings/"+id+"/registrations/"+regs[0], nil, http.StatusNoContent)
	w.check(t, "promoted", w.pass(t), id,
		want{to: "anne@example.org", kind: "unregistered", lang: "nl", subject: "Afgemeld: Open lab", method: "CANCEL"},
		want{to: "bob@example.org", kind: "promoted", lang: "en", subject: "You have a place: Open lab", method: "REQUEST"})

	w.do(t, "PATCH", "/v1/meetings/"+id, map[string]any{"startsAt": "2030-03-21T13:00:00Z", "endsAt": "2030-03-21T16:00:00Z"}, http.StatusOK)
	w.check(t, "moved", w.pass(t), id,
		want{to: "bob@example.org", kind: "moved", lang: "en", subject: "Changed: Open lab", method: "REQUEST"})

	// A change that moves nothing mails nobody.
	w.do(t, "PATCH", "/v1/meetings/"+id, map[string]any{"description": "Bring a laptop."}, http.StatusOK)
	w.check(t, "described", w.pass(t), id)

	// Confirmed and moved in one write: the move is mailed all the same.
	w.do(t, "PATCH", "/v1/meetings/"+id, map[string]any{"status": "confirmed", "guestChair": w.org, "onlineUrl": "https://meet.example.org/open-lab",
		"startsAt": "2030-03-28T13:00:00Z", "endsAt": "2030-03-28T16:00:00Z"}, http.StatusOK)
	w.check(t, "confirmed and moved", w.pass(t), id,
		want{to: "bob@example.org", kind: "moved", lang: "en", subject: "Changed: Open lab", method: "REQUEST"})

	w.do(t, "PATCH", "/v1/meetings/"+id, map[string]any{"status": "cancelled", "cancellationReason": "Too few places"}, http.StatusOK)
	got := w.pass(t)
	w.check(t, "cancelled", got, id,
		want{to: "bob@example.org", kind: "cancelled", lang: "en", subject: "Cancelled: Open lab", method: "CANCEL"})
	if !strings.Contains(got[0].Plain, "Too few places") {
		t.Errorf("cancelled: the reason is not in the text:\n%s", got[0].Plain)
	}

	// A paper decided: mail for the person whose account submitted it.
	author := w.person(t, "Dirk Auteur", "dirk@example.org", []string{}, true)
	dirk := w.env.PersonUser(t, "dirk@example.org", domain.RoleAnalyst, "", author)
	today := time.Now().UTC()
	conf := w.do(t, "POST", "/v1/meetings", map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
			"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}, http.StatusCreated)
	var c api.Meeting
	conf.JSON(t, &c)
	sub := w.env.Post(t, dirk, "/v1/meetings/"+c.ID.String()+"/submissions",
		map[string]any{"title": "Open agendas", "abstract": "What we learned.", "authors": []string{"Dirk Auteur"}})
	w.check(t, "submitted", w.pass(t), c.ID.String())
	w.do(t, "PUT", "/v1/meetings/"+c.ID.String()+"/submissions/"+sub.ID+"/decision", map[string]any{"decision": "accepted"}, http.StatusOK)
	got = w.pass(t)
	w.check(t, "accepted", got, c.ID.String(),
		want{to: "dirk@example.org", kind: "accepted", lang: "nl", subject: "Paper geaccepteerd: Open agendas"})

	// Nothing twice: another pass, and one from the start of the feed (as
	// after a crash before the cursor was kept), send nothing.
	w.check(t, "again", w.pass(t), id)
	rewind(t, w, 0)
	w.check(t, "rewound", w.pass(t), id)
	if got := w.env.Do(t, "GET", "/metrics", nil, nil); got.StatusCode == http.StatusOK && strings.Contains(got.Body, "carla") {
		t.Error("metrics name a person")
	}
}

// TestPlaceTaken: whoever loses a place to someone else's write (a capacity
// drop, a cancellation by an editor) is told, with a cancellation for the
// calendar; a person who cancels their own registration is not.
func TestPlaceTaken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	anne := w.person(t, "Anne de Vries", "anne@example.org", []string{"nl"}, true)
	annesAccount := w.env.PersonUser(t, "anne@example.org", domain.RoleAnalyst, "", anne)
	bob := w.person(t, "Bob Smith", "bob@example.org", []string{"en"}, true)
	var m api.Meeting
	w.do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("Open lab", map[string]any{"capacity": 2}), http.StatusCreated).JSON(t, &m)
	id := m.ID.String()
	var regs []string
	for _, p := range []string{anne, bob} {
		var r api.Registration
		w.do(t, "POST", "/v1/meetings/"+id+"/registrations", map[string]any{"person": p}, http.StatusCreated).JSON(t, &r)
		regs = append(regs, r.ID.String())
	}
	w.check(t, "registered", w.pass(t), id,
		want{to: "anne@example.org", kind: "registered", lang: "nl", subject: "Aangemeld: Open lab", method: "REQUEST"},
		want{to: "bob@example.org", kind: "registered", lang: "en", subject: "Registered: Open lab", method: "REQUEST"})

	w.do(t, "PATCH", "/v1/meetings/"+id+"?overflow=waitlist", map[string]any{"capacity": 1}, http.StatusOK)
	w.check(t, "capacity dropped", w.pass(t), id,
		want{to: "bob@example.org", kind: "demoted", lang: "en", subject: "Back on the waitlist: Open lab", method: "CANCEL"})

	// Anne cancels herself: no mail to her; Bob takes her place.
	if res := w.env.Do(t, "DELETE", "/v1/meetings/"+id+"/registrations/"+regs[0], nil, apptest.Bearer(annesAccount)); res.StatusCode != http.StatusNoContent {
		t.Fatalf("cancel own registration: got %d: %s", res.StatusCode, res.Body)
	}
	w.check(t, "cancelled by herself", w.pass(t), id,
		want{to: "bob@example.org", kind: "promoted", lang: "en", subject: "You have a place: Open lab", method: "REQUEST"})
}

// rewind sets the outbox's cursor, as a crash before it was kept would leave it.
func rewind(t *testing.T, w *world, cursor int64) {
	t.Helper()
	ctx := context.Background()
	db := w.env.App.DB
	if ok, err := db.MailLease(ctx, "test", time.Now(), time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if ok, err := db.SetMailState(ctx, "test", webhook.State{Cursor: cursor}); err != nil || !ok {
		t.Fatalf("set state: %v %v", ok, err)
	}
	if err := db.MailRelease(ctx, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestNotificationRetries: a mail server failing for now holds the message
// back and it is tried again later, with backoff; one refusing an address
// for good gives that message up and goes on; a restarted outbox (another
// instance on the same database) sends nothing twice.
func TestNotificationRetries(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	anne := w.person(t, "Anne de Vries", "anne@example.org", []string{}, true)
	gone := w.person(t, "Geen Adres", "gone@example.org", []string{}, true)
	w.inbox.refuse("gone@example.org")
	var meeting api.Meeting
	w.do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("Open lab", nil), http.StatusCreated).JSON(t, &meeting)
	id := meeting.ID.String()
	w.inbox.fail(2)
	w.do(t, "POST", "/v1/meetings/"+id+"/registrations", map[string]any{"person": anne}, http.StatusCreated)

	clock := apptest.NewClock(time.Now())
	var logs bytes.Buffer
	outbox := func(instance string) *notification.Outbox {
		mailer := notification.NewMailer(notification.Address{Email: "bijeenkomsten@pioniers.example"}, w.env.URL, []byte(strings.Repeat("k", 32)), clock.Now)
		sender := notification.SMTP{Host: "127.0.0.1", Port: w.inbox.addr.Port, TLS: notification.TLSNone}
		return notification.NewOutbox(w.env.App.DB, mailer, sender, notification.Options{Instance: instance, Clock: clock.Now,
			RetryBase: time.Minute, RetryCap: time.Minute}, slog.New(slog.NewTextHandler(&logs, nil)))
	}
	first := outbox("first")
	ctx := context.Background()
	for attempt := 1; attempt <= 2; attempt++ {
		if err := first.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.inbox.take(); len(got) != 0 {
			t.Fatalf("attempt %d: got %d messages while the server fails; want 0", attempt, len(got))
		}
		st, err := w.env.App.DB.MailState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Attempt != attempt || st.NextAttemptAt.IsZero() || st.NextAttemptAt.After(clock.Now().Add(time.Minute)) {
			t.Fatalf("attempt %d: state %+v; want attempt %d, the next within the minute", attempt, st, attempt)
		}
		// Before the next attempt is due, a pass does nothing.
		if err := first.Pass(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute + time.Second)
	}
	if err := first.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.inbox.take(); len(got) != 1 || !slices.Contains(got[0].To, "anne@example.org") {
		t.Fatalf("after the server recovers: got %d messages; want 1 to anne", len(got))
	}
	records, err := w.env.App.DB.MailSent(ctx, anne)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || records[0].Status != notification.Sent || records[0].Attempts != 3 {
		t.Errorf("record: got %+v; want one sent after 3 attempts", records)
	}

	// Refused for good: given up, and the queue goes on.
	w.do(t, "POST", "/v1/meetings/"+id+"/registrations", map[string]any{"person": gone}, http.StatusCreated)
	if err := first.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	refused, err := w.env.App.DB.MailSent(ctx, gone)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || refused[0].Status != notification.Failed || !strings.Contains(refused[0].Error, "550") {
		t.Errorf("refused: got %+v; want one failed with the server's 550", refused)
	}
	if st, _ := w.env.App.DB.MailState(ctx); st.Attempt != 0 || !st.NextAttemptAt.IsZero() {
		t.Errorf("after a refusal: state %+v; want no retry pending", st)
	}

	// A restart: another instance, from the start of the feed.
	rewind(t, w, 0)
	if err := outbox("second").Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.inbox.take(); len(got) != 0 {
		t.Errorf("after a restart: got %d messages; want none sent twice", len(got))
	}
	// One instance at a time: while another holds the lease, a pass sends
	// nothing; once it is released, the pass sends.
	bea := w.person(t, "Bea Bakker", "bea@example.org", []string{}, true)
	w.do(t, "POST", "/v1/meetings/"+id+"/registrations", map[string]any{"person": bea}, http.StatusCreated)
	if ok, err := w.env.App.DB.MailLease(ctx, "other", clock.Now(), clock.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	if err := first.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.inbox.take(); len(got) != 0 {
		t.Errorf("while another instance holds the lease: got %d messages; want 0", len(got))
	}
	if err := w.env.App.DB.MailRelease(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if err := first.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.inbox.take(); len(got) != 1 || !slices.Contains(got[0].To, "bea@example.org") {
		t.Errorf("after the lease is released: got %d messages; want 1 to bea", len(got))
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("the log does not say the message is retried:\n%s", logs.String())
	}
}
