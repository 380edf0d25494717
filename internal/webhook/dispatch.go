package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Feed reads the change feed as the actor in ctx may see it.
type Feed interface {
	Since(ctx context.Context, after int64, limit int) (change.Page, error)
}

// State is where a subscription's queue stands.
type State struct {
	Cursor        int64     // the feed position last delivered or skipped
	Attempt       int       // failed attempts at the event after Cursor
	FailingSince  time.Time // the first of those failures; zero when none
	NextAttemptAt time.Time // when to try again; zero: now
}

// Queue is what the dispatcher needs from storage. Every change to a
// subscription's state is a compare-and-set on its lease, so an instance
// whose lease ran out changes nothing.
type Queue interface {
	// DueSubscriptions returns the ids of subscriptions with work at now:
	// enabled and not waiting for a retry, or with a redelivery requested;
	// not leased by another instance.
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]string, error)
	// Lease takes or renews the subscription's lease for owner until until,
	// unless another owner holds one that has not run out at now.
	Lease(ctx context.Context, id, owner string, now, until time.Time) (bool, error)
	Release(ctx context.Context, id, owner string) error
	DeliveryState(ctx context.Context, id string) (State, error)
	// SetState writes st while owner holds the lease; false when it does not.
	SetState(ctx context.Context, id, owner string, st State) (bool, error)
	LogDelivery(ctx context.Context, d Delivery) error
	Redeliveries(ctx context.Context, subscriptionID string) ([]Redelivery, error)
	RedeliveryDone(ctx context.Context, id string) error
	// WebhookOwner is the actor a subscription's owner acts as now; not
	// found when the account is gone, disabled or revoked.
	WebhookOwner(ctx context.Context, subject string, client bool) (domain.Actor, error)
	GetSubscription(ctx context.Context, id string) (Subscription, error)
}

// Options tune the dispatcher; zero values take the defaults.
type Options struct {
	Instance  string        // names this instance's leases; random when empty
	Poll      time.Duration // how often to look for work: 1s
	Lease     time.Duration // how long a lease lasts unless renewed: 1m
	Timeout   time.Duration // one delivery: 10s
	RetryBase time.Duration // first retry delay (before jitter): 10s
	RetryCap  time.Duration // longest retry delay: 1h
	// RetryFor is how long an event is retried before the subscription is
	// disabled: 24h at the least.
	RetryFor time.Duration
	Batch    int // events read from the feed at once: 50
	// Source is the CloudEvents source, the API's public URL and /v1.
	Source string
	// Render is an event's data: the resource as the subscription's owner
	// may see it, or null for a tombstone.
	Render func(ctx context.Context, ev change.Event) (json.RawMessage, error)
	Clock  domain.Clock
	// Observer hears each delivery's outcome; nil: no one.
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
	def(&o.Timeout, 10*time.Second)
	def(&o.RetryBase, 10*time.Second)
	def(&o.RetryCap, time.Hour)
	def(&o.RetryFor, 24*time.Hour)
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Instance == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		o.Instance = hex.EncodeToString(b)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Render == nil {
		o.Render = func(context.Context, change.Event) (json.RawMessage, error) { return json.RawMessage("null"), nil }
	}
	return o
}

// Dispatcher delivers each enabled subscription's events, one at a time and
// in feed order, so in order per resource. A failed delivery is retried with
// exponential backoff and full jitter, and blocks the subscription's later
// events until it succeeds (head of line); when it has failed for RetryFor
// the subscription is disabled with a reason, keeping its cursor. A lease
// lets one instance at a time work a subscription.
type Dispatcher struct {
	queue  Queue
	feed   Feed
	subs   *Service
	client *http.Client
	opt    Options
	log    *slog.Logger
	poller Poller
}

// NewDispatcher returns a dispatcher reading feed, sending through guard.
func NewDispatcher(queue Queue, feed Feed, subs *Service, guard Guard, opt Options, log *slog.Logger) *Dispatcher {
	opt = opt.withDefaults()
	return &Dispatcher{queue: queue, feed: feed, subs: subs, client: guard.Client(opt.Timeout), opt: opt, log: log,
		poller: NewPoller()}
}

// Wake asks for a pass now rather than at the next poll.
func (d *Dispatcher) Wake() { d.poller.Wake() }

// Run works the queues until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.poller.Run(ctx, d.opt.Poll, d.Pass, func(err error) { d.log.WarnContext(ctx, "webhook dispatch", "error", err.Error()) })
}

// Poller runs a pass every poll, or at once when woken: the loop of the
// webhook dispatcher and of the mail outbox, which both read the change
// feed after commit.
type Poller struct{ wake chan struct{} }

// NewPoller returns a poller that is not woken.
func NewPoller() Poller { return Poller{wake: make(chan struct{}, 1)} }

// Wake asks for a pass now rather than at the next poll; wakes while a pass
// runs make one more pass.
func (p Poller) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run calls pass at once and then every poll or wake until ctx ends; a
// pass's error goes to failed, unless ctx has ended.
func (p Poller) Run(ctx context.Context, poll time.Duration, pass func(context.Context) error, failed func(error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := pass(ctx); err != nil && ctx.Err() == nil {
			failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.wake:
		}
	}
}

// dueBatch bounds the subscriptions one pass takes on.
const dueBatch = 100

// Pass works every subscription that has work now, once.
func (d *Dispatcher) Pass(ctx context.Context) error {
	ids, err := d.queue.DueSubscriptions(ctx, d.now(), dueBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if err := d.work(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("subscription %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func (d *Dispatcher) now() time.Time { return domain.Timestamp(d.opt.Clock) }

// renew takes or extends the lease; false when another instance holds it.
func (d *Dispatcher) renew(ctx context.Context, id string) (bool, error) {
	now := d.now()
	return d.queue.Lease(ctx, id, d.opt.Instance, now, now.Add(d.opt.Lease))
}

// work delivers what one subscription has due, under its lease.
func (d *Dispatcher) work(ctx context.Context, id string) error {
	ok, err := d.renew(ctx, id)
	if err != nil || !ok {
		return err
	}
	defer func() { _ = d.queue.Release(context.WithoutCancel(ctx), id, d.opt.Instance) }()
	sub, err := d.queue.GetSubscription(ctx, id)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	owner, err := d.queue.WebhookOwner(ctx, sub.Owner, sub.OwnerClient)
	if err == nil {
		err = manager(owner)
	}
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeNotFound || c == domain.CodeForbidden {
			return d.subs.disable(ctx, id, "the owner may no longer manage webhook subscriptions (account removed, disabled or revoked, or scope withdrawn)")
		}
		return err
	}
	// Events are read, rendered and filtered as the owner may see them.
	octx := domain.WithActor(ctx, owner)
	if err := d.redeliver(octx, sub); err != nil {
		return err
	}
	if !sub.Enabled {
		return nil
	}
	return d.drain(octx, sub)
}

// drain delivers the subscription's events after its cursor until the feed
// is exhausted, a delivery fails, or the lease is lost.
func (d *Dispatcher) drain(ctx context.Context, sub Subscription) error {
	st, err := d.queue.DeliveryState(ctx, sub.ID)
	if err != nil {
		return err
	}
	if st.NextAttemptAt.After(d.now()) {
		return nil
	}
	saved := st
	save := func() (bool, error) {
		if st == saved {
			return true, nil
		}
		ok, err := d.queue.SetState(ctx, sub.ID, d.opt.Instance, st)
		saved = st
		return ok, err
	}
	for ctx.Err() == nil {
		from := st.Cursor
		page, err := d.feed.Since(ctx, st.Cursor, d.opt.Batch)
		if err != nil {
			return err
		}
		for _, ev := range page.Events {
			if !sub.Wants(ev) {
				st = State{Cursor: ev.Seq}
				continue
			}
			// Renewing before each delivery keeps the lease ours for its
			// whole length: a delivery takes at most Timeout, less than a lease.
			if ok, err := d.renew(ctx, sub.ID); err != nil || !ok {
				return err
			}
			// The skipped events' position is kept before the send, so
			// that a retry starts from this event.
			if ok, err := save(); err != nil || !ok {
				return err
			}
			del := d.send(ctx, sub, ev, st.Attempt+1, false)
			if !del.Succeeded() {
				return d.failed(ctx, sub, st, del)
			}
			if err := d.queue.LogDelivery(ctx, del); err != nil {
				return err
			}
			d.observe(del, Delivered)
			// Kept at once: a crash now resends this event at most.
			st = State{Cursor: ev.Seq}
			if ok, err := save(); err != nil || !ok {
				return err
			}
		}
		if page.Last > st.Cursor {
			st = State{Cursor: page.Last} // changes the owner may not see
		}
		if ok, err := save(); err != nil || !ok {
			return err
		}
		if !page.More || st.Cursor <= from {
			return nil
		}
	}
	return ctx.Err()
}

// failed schedules the next attempt at the event of del, or disables the
// subscription once it has failed for RetryFor.
func (d *Dispatcher) failed(ctx context.Context, sub Subscription, st State, del Delivery) error {
	now := d.now()
	st.Attempt++
	if st.FailingSince.IsZero() {
		st.FailingSince = del.AttemptedAt
	}
	giveUp := now.Sub(st.FailingSince) >= d.opt.RetryFor
	if !giveUp {
		// Kept to the microsecond, as every stored instant (domain.Instant).
		st.NextAttemptAt = domain.Instant(now.Add(d.backoff(st.Attempt)))
		del.NextAttemptAt = st.NextAttemptAt
	}
	if err := d.queue.LogDelivery(ctx, del); err != nil {
		return err
	}
	if ok, err := d.queue.SetState(ctx, sub.ID, d.opt.Instance, st); err != nil || !ok {
		return err
	}
	outcome := Retrying
	if giveUp {
		outcome = Disabled
	}
	d.observe(del, outcome)
	if giveUp {
		reason := fmt.Sprintf("deliveries failed for %s since %s (last: %s)", d.opt.RetryFor, st.FailingSince.Format(time.RFC3339), failure(del))
		d.log.WarnContext(ctx, "webhook subscription disabled", "subscription", sub.ID, "reason", reason)
		return d.subs.disable(ctx, sub.ID, reason)
	}
	return nil
}

func failure(d Delivery) string {
	if d.Error != "" {
		return d.Error
	}
	return "status " + strconv.Itoa(d.StatusCode)
}

// backoff is the delay before retry attempt n (the first failure is 1).
func (d *Dispatcher) backoff(n int) time.Duration { return Backoff(n, d.opt.RetryBase, d.opt.RetryCap) }

// Backoff is the delay before retry attempt n (the first failure is 1):
// exponential from base, capped at ceiling, with full jitter so that
// receivers coming back up are not hit by every sender at once. The mail
// outbox retries by it too.
func Backoff(n int, base, ceiling time.Duration) time.Duration {
	if n < 40 {
		if exp := base << (n - 1); exp > 0 && exp < ceiling {
			ceiling = exp
		}
	}
	j, err := rand.Int(rand.Reader, big.NewInt(int64(ceiling)+1))
	if err != nil {
		return ceiling
	}
	return time.Duration(j.Int64())
}

// redeliver sends the redeliveries requested for sub, once each.
func (d *Dispatcher) redeliver(ctx context.Context, sub Subscription) error {
	reqs, err := d.queue.Redeliveries(ctx, sub.ID)
	if err != nil || len(reqs) == 0 {
		return err
	}
	for _, r := range reqs {
		if ok, err := d.renew(ctx, sub.ID); err != nil || !ok {
			return err
		}
		page, err := d.feed.Since(ctx, r.Seq-1, 1)
		if err != nil {
			return err
		}
		del := Delivery{SubscriptionID: sub.ID, EventID: r.EventID, Seq: r.Seq, Attempt: 1, Redelivery: true,
			AttemptedAt: d.now(), Error: "the event is no longer in the feed as the owner may see it"}
		// One stored change may stand for several events (derived updates
		// share its position): send the one asked for.
		for _, ev := range page.Events {
			if ev.Seq == r.Seq && ev.ID == r.EventID {
				del = d.send(ctx, sub, ev, 1, true)
				break
			}
		}
		if err := d.queue.LogDelivery(ctx, del); err != nil {
			return err
		}
		if del.Succeeded() {
			d.observe(del, Delivered)
		} else {
			d.observe(del, Failed)
		}
		if err := d.queue.RedeliveryDone(ctx, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// maxResponse bounds how much of a receiver's answer is read.
const maxResponse = 64 << 10

// send delivers ev to sub once and says how it went.
func (d *Dispatcher) send(ctx context.Context, sub Subscription, ev change.Event, attempt int, redelivery bool) Delivery {
	start := time.Now()
	del := Delivery{SubscriptionID: sub.ID, EventID: ev.ID, Seq: ev.Seq, EventType: EventType(ev), Attempt: attempt,
		Redelivery: redelivery, AttemptedAt: d.now()}
	finish := func(status int, err error) Delivery {
		del.StatusCode, del.Duration = status, time.Since(start)
		if err != nil {
			del.Error = err.Error()
		} else if !del.Succeeded() {
			del.Error = "the receiver answered " + strconv.Itoa(status)
			if status >= 300 && status < 400 {
				del.Error += " (redirects are not followed)"
			}
		}
		return del
	}
	body, err := d.event(ctx, ev)
	if err != nil {
		return finish(0, err)
	}
	at := d.opt.Clock()
	sig, err := Sign(sub.Secrets(at), ev.ID, at, body)
	if err != nil {
		return finish(0, err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return finish(0, fmt.Errorf("request: %w", err))
	}
	req.Header.Set("Content-Type", "application/cloudevents+json")
	req.Header.Set("User-Agent", "pioniers-webhooks/1")
	req.Header.Set("webhook-id", ev.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := d.client.Do(req)
	if err != nil {
		return finish(0, errors.Unwrap(err)) // without the method and URL, which the log shows
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponse))
	_ = res.Body.Close()
	return finish(res.StatusCode, nil)
}

// event is ev as a CloudEvents 1.0 structured JSON document, after the NL
// GOV CloudEvents profile.
func (d *Dispatcher) event(ctx context.Context, ev change.Event) ([]byte, error) {
	data, err := d.opt.Render(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("render %s %s: %w", ev.Resource, ev.ResourceID, err)
	}
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	doc := map[string]any{
		"specversion":     "1.0",
		"id":              ev.ID,
		"source":          d.opt.Source,
		"type":            EventType(ev),
		"subject":         ev.ResourceID,
		"time":            ev.At.UTC().Format(time.RFC3339Nano),
		"datacontenttype": "application/json",
		"sequence":        strconv.FormatInt(ev.Seq, 10),
		"data":            data,
	}
	if path, ok := change.Collections[ev.Resource]; ok && ev.Type != change.Deleted {
		doc["dataref"] = d.opt.Source + "/" + path + "/" + ev.ResourceID
	}
	return json.Marshal(doc)
}
