package notification

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// Options tune the outbox; zero values take the defaults.
type Options struct {
	Instance  string        // names this instance's lease; random when empty
	Poll      time.Duration // how often to look for changes: 1s
	Lease     time.Duration // how long a lease lasts unless renewed: 1m
	RetryBase time.Duration // first retry delay (before jitter): 30s
	RetryCap  time.Duration // longest retry delay: 30m
	// RetryFor is how long a message the mail server fails for now is
	// retried before it is given up: 24h.
	RetryFor time.Duration
	// MaxAge: changes older than this when read are not mailed about (an
	// outbox switched on late does not mail about last month): 72h.
	MaxAge time.Duration
	Batch  int // changes read at once: 100
	Clock  domain.Clock
	// Observer hears each message's outcome; nil: no one.
	Observer Observer
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Poll, time.Second)
	def(&o.Lease, time.Minute)
	def(&o.RetryBase, 30*time.Second)
	def(&o.RetryCap, 30*time.Minute)
	def(&o.RetryFor, 24*time.Hour)
	def(&o.MaxAge, 72*time.Hour)
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Instance == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		o.Instance = hex.EncodeToString(b)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Observer hears every message the outbox sends or fails to, such as for
// metrics. It is called on the outbox's goroutine: it must not block.
type Observer interface {
	Message(k Kind, s Status)
}

// Outbox mails what the change feed says happened to people, a change at a
// time and in feed order. When the mail server fails for now, the change's
// messages are retried with exponential backoff and full jitter, holding
// the later ones back (the server is the same for all); a message the
// server refuses for good, or that failed for RetryFor, is given up and the
// outbox moves on. A lease lets one instance at a time send.
//
// Never twice: each message is recorded under a unique key (the change, the
// kind, the person) as sending before it is handed to the server and as
// sent after; a message recorded as sent is never sent again, whatever the
// cursor says. Only a crash between the server's acceptance and that
// record can send one message a second time, with the same Message-ID, so
// that receiving systems can drop it.
type Outbox struct {
	queue  Queue
	mail   *Mailer
	sender Sender
	opt    Options
	log    *slog.Logger
	poller webhook.Poller
}

// NewOutbox returns an outbox writing messages with mail and handing them to sender.
func NewOutbox(queue Queue, mail *Mailer, sender Sender, opt Options, log *slog.Logger) *Outbox {
	return &Outbox{queue: queue, mail: mail, sender: sender, opt: opt.withDefaults(), log: log, poller: webhook.NewPoller()}
}

// Wake asks for a pass now rather than at the next poll.
func (o *Outbox) Wake() { o.poller.Wake() }

// Run works the outbox until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	o.poller.Run(ctx, o.opt.Poll, o.Pass, func(err error) { o.log.WarnContext(ctx, "notifications", "error", err.Error()) })
}

func (o *Outbox) now() time.Time { return domain.Timestamp(o.opt.Clock) }

func (o *Outbox) renew(ctx context.Context) (bool, error) {
	now := o.now()
	return o.queue.MailLease(ctx, o.opt.Instance, now, now.Add(o.opt.Lease))
}

// errLost stops a pass whose lease another instance took.
var errLost = errors.New("the outbox's lease is lost")

// Pass mails what the feed holds after the outbox's cursor, once: until the
// feed is exhausted, the mail server fails, or the lease is lost.
func (o *Outbox) Pass(ctx context.Context) error {
	ok, err := o.renew(ctx)
	if err != nil || !ok {
		return err
	}
	defer func() { _ = o.queue.MailRelease(context.WithoutCancel(ctx), o.opt.Instance) }()
	st, err := o.queue.MailState(ctx)
	if err != nil || st.NextAttemptAt.After(o.now()) {
		return err
	}
	save := func(next webhook.State) error {
		ok, err := o.queue.SetMailState(ctx, o.opt.Instance, next)
		if err == nil && !ok {
			err = errLost
		}
		st = next
		return err
	}
	for ctx.Err() == nil {
		records, err := o.queue.ChangesAfter(ctx, st.Cursor, o.opt.Batch)
		if err != nil {
			return err
		}
		for i, rec := range records {
			if ok, err := o.renew(ctx); err != nil || !ok {
				return err
			}
			msgs, err := o.plan(ctx, rec, records[i+1:])
			if err != nil {
				return fmt.Errorf("change %d: %w", rec.Seq, err)
			}
			if err := o.sendAll(ctx, msgs, st); err != nil {
				var later retryLater
				if !errors.As(err, &later) {
					return ignoreLost(err)
				}
				return o.failed(ctx, st, later, save)
			}
			if err := save(webhook.State{Cursor: rec.Seq}); err != nil {
				return ignoreLost(err)
			}
		}
		if len(records) < o.opt.Batch {
			return nil
		}
	}
	return ctx.Err()
}

func ignoreLost(err error) error {
	if errors.Is(err, errLost) {
		return nil
	}
	return err
}

// retryLater is a message the mail server failed for now.
type retryLater struct{ err error }

func (r retryLater) Error() string { return r.err.Error() }

// failed schedules the next attempt at the change after st's cursor.
func (o *Outbox) failed(ctx context.Context, st webhook.State, later retryLater, save func(webhook.State) error) error {
	now := o.now()
	st.Attempt++
	if st.FailingSince.IsZero() {
		st.FailingSince = now
	}
	st.NextAttemptAt = domain.Instant(now.Add(webhook.Backoff(st.Attempt, o.opt.RetryBase, o.opt.RetryCap)))
	o.log.WarnContext(ctx, "notification not sent; retrying", "attempt", st.Attempt, "next", st.NextAttemptAt, "error", later.Error())
	return ignoreLost(save(st))
}

// sendAll sends the messages of one change that are not sent yet. A
// message failing for now stops it (retryLater), unless the change has
// failed for RetryFor: then that message is given up.
func (o *Outbox) sendAll(ctx context.Context, msgs []Message, st webhook.State) error {
	giveUp := !st.FailingSince.IsZero() && o.now().Sub(st.FailingSince) >= o.opt.RetryFor
	for _, m := range msgs {
		// Renewed before each message: a send takes at most the SMTP
		// timeout (SMTP.Send enforces it on every command), less than a
		// lease, so no other instance starts on it.
		if ok, err := o.renew(ctx); err != nil || !ok {
			if err == nil {
				err = errLost
			}
			return err
		}
		rec, found, err := o.queue.MailRecord(ctx, m.Key)
		if err != nil {
			return err
		}
		if found && (rec.Status == Sent || rec.Status == Failed) {
			continue // never twice
		}
		if !found {
			rec = Record{Key: m.Key, MessageID: m.MessageID, Seq: m.Seq, Kind: m.Kind, PersonID: m.PersonID}
		}
		rec.Status, rec.Attempts, rec.Error, rec.At = Sending, rec.Attempts+1, "", o.now()
		if err := o.queue.PutMailRecord(ctx, rec); err != nil {
			return err
		}
		sendErr := o.send(ctx, m)
		rec.At = o.now()
		switch {
		case sendErr == nil:
			rec.Status = Sent
		case Permanent(sendErr) || giveUp:
			rec.Status, rec.Error = Failed, sendErr.Error()
		default:
			rec.Status, rec.Error = Retrying, sendErr.Error()
		}
		// Recorded even when ctx ended: the message may have gone.
		if err := o.queue.PutMailRecord(context.WithoutCancel(ctx), rec); err != nil {
			return err
		}
		o.observe(m.Kind, rec.Status)
		switch rec.Status {
		case Failed:
			o.log.WarnContext(ctx, "notification given up", "key", m.Key, "kind", m.Kind, "error", rec.Error)
		case Retrying:
			return retryLater{sendErr}
		}
	}
	return nil
}

func (o *Outbox) send(ctx context.Context, m Message) error {
	data, err := o.mail.Compose(m)
	if err != nil {
		return permanent{fmt.Errorf("compose: %w", err)}
	}
	return o.sender.Send(ctx, Envelope{From: o.mail.From.Email, To: m.To.Email, Data: data, Summary: m.summary()})
}

func (o *Outbox) observe(k Kind, s Status) {
	if o.opt.Observer != nil {
		o.opt.Observer.Message(k, s)
	}
}

// Message is one email to write and send.
type Message struct {
	Key, MessageID string
	Seq            int64
	Kind           Kind
	PersonID       string
	To             Address
	Lang           string
	Meeting        meeting.Meeting
	Submission     *meeting.Submission // for a decision
	Invitation     bool                // carries an iCalendar REQUEST or CANCEL
}

func (m Message) summary() string {
	return fmt.Sprintf("%s about %q to %s (%s)", m.Kind, m.Meeting.Title, m.To.Email, m.Lang)
}

// Address is a mailbox: a name and an email address.
type Address struct{ Name, Email string }

// movedFields are the meeting's fields that move it in time or place.
var movedFields = []string{"startsAt", "endsAt", "timeZone", "venue", "onlineUrl"}

// plan turns one stored change into the messages it calls for, as things
// stand now: a registration cancelled since, a meeting already started or a
// person who withdrew consent get none. later are the changes read after
// it: a change that a later one of the same resource and kind supersedes
// mails nothing, the later one does.
func (o *Outbox) plan(ctx context.Context, rec change.Record, later []change.Record) ([]Message, error) {
	if o.now().Sub(rec.At) > o.opt.MaxAge {
		return nil, nil
	}
	touches := func(fields ...string) bool {
		return slices.ContainsFunc(rec.Fields, func(f string) bool { return slices.Contains(fields, f) })
	}
	superseded := func(fields ...string) bool {
		return slices.ContainsFunc(later, func(r change.Record) bool {
			return r.Resource == rec.Resource && r.ResourceID == rec.ResourceID &&
				slices.ContainsFunc(r.Fields, func(f string) bool { return slices.Contains(fields, f) })
		})
	}
	switch {
	case rec.Resource == "registration" && (rec.Action == domain.ActionCreate || (rec.Action == domain.ActionUpdate && touches("status"))):
		if superseded("status") {
			return nil, nil
		}
		return o.planRegistration(ctx, rec)
	case rec.Resource == change.Meeting && rec.Action == domain.ActionUpdate:
		cancels := touches("status") && !superseded("status")
		moves := touches(movedFields...) && !superseded(movedFields...)
		if !cancels && !moves {
			return nil, nil
		}
		m, err := o.queue.GetMeeting(ctx, rec.ResourceID)
		switch {
		case err != nil:
			return nil, ignoreMissing(err)
		case m.Status == meeting.StatusCancelled:
			// Cancelled now: only the change that cancelled it says so
			// (a move before it is old news).
			if !cancels {
				return nil, nil
			}
			return o.planMeeting(ctx, rec, m, Cancelled)
		case moves && m.Status != meeting.StatusHeld:
			// Also when the same write changed the status otherwise
			// (planned to confirmed).
			return o.planMeeting(ctx, rec, m, Moved)
		}
	case rec.Resource == "submission" && rec.Action == domain.ActionUpdate && touches("status") && !superseded("status"):
		return o.planDecision(ctx, rec)
	}
	return nil, nil
}

// ignoreMissing drops a not found (deleted, erased since): nothing to mail.
func ignoreMissing(err error) error {
	if c := domain.ErrorCode(err); c == domain.CodeNotFound || c == domain.CodeGone {
		return nil
	}
	return err
}

func (o *Outbox) planRegistration(ctx context.Context, rec change.Record) ([]Message, error) {
	parents, err := o.queue.Parents(ctx, "registration", []string{rec.ResourceID})
	if err != nil || parents[rec.ResourceID] == "" {
		return nil, err
	}
	m, err := o.queue.GetMeeting(ctx, parents[rec.ResourceID])
	if err != nil || m.Status == meeting.StatusCancelled || m.Status == meeting.StatusHeld || !o.now().Before(m.StartsAt) {
		return nil, ignoreMissing(err)
	}
	regs, err := o.queue.Registrations(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(regs, func(r meeting.Registration) bool { return r.ID == rec.ResourceID })
	if i < 0 {
		return nil, nil
	}
	var kind Kind
	switch r := regs[i]; {
	case r.Status == meeting.Registered && rec.Action == domain.ActionCreate:
		kind = Registered
	case r.Status == meeting.Registered:
		kind = Promoted
	case r.Status == meeting.Waitlisted && rec.Action == domain.ActionCreate:
		kind = Waitlisted
	case r.Status == meeting.Waitlisted || r.Status == meeting.Cancelled:
		// Away from a place (back on the waitlist only by a capacity
		// drop): news to the person only when someone else did it.
		self, err := o.queue.AccountPerson(ctx, rec.Actor)
		if err != nil || self == r.PersonID {
			return nil, err
		}
		kind = Unregistered
		if r.Status == meeting.Waitlisted {
			kind = Demoted
		}
	default:
		return nil, nil
	}
	return o.messages(ctx, rec, kind, m, nil, []string{regs[i].PersonID}, kind != Waitlisted)
}

// planMeeting mails everyone on the meeting's list: an invitation (updated
// or cancelled) to those with a place, the news alone to the waitlist.
func (o *Outbox) planMeeting(ctx context.Context, rec change.Record, m meeting.Meeting, kind Kind) ([]Message, error) {
	if kind == Moved && !o.now().Before(m.EndsAt) {
		return nil, nil
	}
	regs, err := o.queue.Registrations(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, r := range regs {
		if r.Status == meeting.Cancelled {
			continue
		}
		msgs, err := o.messages(ctx, rec, kind, m, nil, []string{r.PersonID}, r.Status == meeting.Registered)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

func (o *Outbox) planDecision(ctx context.Context, rec change.Record) ([]Message, error) {
	parents, err := o.queue.Parents(ctx, "submission", []string{rec.ResourceID})
	if err != nil || parents[rec.ResourceID] == "" {
		return nil, err
	}
	sub, err := o.queue.GetSubmission(ctx, parents[rec.ResourceID], rec.ResourceID)
	if err != nil {
		return nil, ignoreMissing(err)
	}
	var kind Kind
	switch sub.Status {
	case meeting.Accepted:
		kind = Accepted
	case meeting.Rejected:
		kind = Rejected
	default:
		return nil, nil
	}
	m, err := o.queue.GetMeeting(ctx, sub.MeetingID)
	if err != nil {
		return nil, ignoreMissing(err)
	}
	people, err := o.queue.SubmissionPeople(ctx, sub)
	if err != nil {
		return nil, err
	}
	return o.messages(ctx, rec, kind, m, &sub, people, false)
}

// messages are the messages of kind for each of the people who may and can
// be emailed.
func (o *Outbox) messages(ctx context.Context, rec change.Record, kind Kind, m meeting.Meeting, sub *meeting.Submission, personIDs []string, invitation bool) ([]Message, error) {
	var out []Message
	for _, id := range personIDs {
		p, err := o.queue.GetPerson(ctx, id)
		if err := ignoreMissing(err); err != nil {
			return nil, err
		}
		if err != nil || !reachable(p) {
			continue
		}
		key := rec.ID + "/" + string(kind) + "/" + p.ID
		out = append(out, Message{Key: key, MessageID: o.mail.messageID(key), Seq: rec.Seq, Kind: kind, PersonID: p.ID,
			To: Address{Name: p.Name, Email: p.Email}, Lang: Language(p), Meeting: m, Submission: sub, Invitation: invitation})
	}
	return out, nil
}

// messageID is the Message-ID of the message with key: the same on every
// attempt, so that a receiver can drop a second copy.
func (ml *Mailer) messageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + ml.idDomain() + ">"
}
