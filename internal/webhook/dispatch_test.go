package webhook_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

func TestDispatcherDeliversEveryEventInOrderOnceTheReceiverIsUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 5, http.StatusServiceUnavailable) // down for the first five tries
	sub := f.subscribe(t, recv.srv.URL, webhook.Input{})
	var want []change.Event
	for i := range 6 {
		want = append(want, f.feed.add("meeting", "m"+strconv.Itoa(i%2), change.Updated))
	}
	d := f.dispatcher(t, fastRetries())
	until(t, d, func() bool { return recv.count() >= len(want) })
	got := recv.accepted()
	if len(got) != len(want) {
		t.Fatalf("got %d deliveries; want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i, del := range got {
		id := del.header.Get("webhook-id")
		if id != want[i].ID {
			t.Errorf("delivery %d: got webhook-id %s; want %s (feed order)", i, id, want[i].ID)
		}
		if seen[id] {
			t.Errorf("webhook-id %s accepted twice", id)
		}
		seen[id] = true
		if !verify(sub.Secret, del) {
			t.Errorf("delivery %d: signature %q does not verify", i, del.header.Get("webhook-signature"))
		}
		if ct := del.header.Get("Content-Type"); ct != "application/cloudevents+json" {
			t.Errorf("got Content-Type %q; want application/cloudevents+json", ct)
		}
		ev := del.event
		wantFields := map[string]any{"specversion": "1.0", "id": want[i].ID, "source": "https://api.example.org/v1",
			"type": "nl.pioniersnetwerk.meeting.updated", "subject": want[i].ResourceID, "datacontenttype": "application/json",
			"dataref": "https://api.example.org/v1/meetings/" + want[i].ResourceID, "sequence": strconv.FormatInt(want[i].Seq, 10)}
		for k, v := range wantFields {
			if ev[k] != v {
				t.Errorf("delivery %d: got %s %v; want %v", i, k, ev[k], v)
			}
		}
		if data, _ := ev["data"].(map[string]any); data["id"] != want[i].ResourceID {
			t.Errorf("delivery %d: got data %v; want the rendered resource", i, ev["data"])
		}
	}
	// The log keeps every attempt: five failures with their next attempt, then successes.
	page, err := f.subs.Deliveries(f.admin, sub.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var failed, ok int
	for _, d := range page.Items {
		switch {
		case d.Succeeded():
			ok++
		case d.StatusCode == http.StatusServiceUnavailable && !d.NextAttemptAt.IsZero() && d.EventID == want[0].ID:
			failed++
		default:
			t.Errorf("unexpected log entry %+v", d)
		}
	}
	if failed != 5 || ok != len(want) {
		t.Errorf("got %d failed and %d successful attempts logged; want 5 and %d", failed, ok, len(want))
	}
	// The feed was read as the subscription's owner.
	for _, a := range f.feed.actors {
		if a.Subject != f.user.ID || a.Role != domain.RoleAdmin {
			t.Fatalf("feed read as %+v; want the owner %s", a, f.user.ID)
		}
	}
}

func TestDispatcherRetriesWithBackoffBlockingLaterEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 1, http.StatusInternalServerError)
	f.subscribe(t, recv.srv.URL, webhook.Input{})
	f.feed.add("meeting", "a", change.Created)
	f.feed.add("meeting", "b", change.Created)
	opt := fastRetries()
	opt.RetryBase, opt.RetryCap = time.Hour, time.Hour
	d := f.dispatcher(t, opt)
	for range 3 {
		if err := d.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// The first event failed; its retry lies up to an hour ahead (jitter may
	// make it due at once, rarely), and the second waits behind it.
	if recv.tryCount() > 2 {
		t.Errorf("got %d tries; want the failed event to wait for its backoff", recv.tryCount())
	}
	if got := recv.accepted(); len(got) == 1 {
		t.Errorf("got the second event delivered past the failed first one")
	}
}

func TestDispatcherDisablesAfterRetriesRunOutAndResumesWhenEnabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 1<<30, http.StatusFound) // a redirect is a failure too
	sub := f.subscribe(t, recv.srv.URL, webhook.Input{})
	first := f.feed.add("publication", "p1", change.Created)
	opt := fastRetries()
	opt.RetryFor = 30 * time.Millisecond
	d := f.dispatcher(t, opt)
	until(t, d, func() bool {
		cur, err := f.subs.Get(f.admin, sub.ID)
		return err == nil && !cur.Enabled
	})
	cur, _ := f.subs.Get(f.admin, sub.ID)
	if cur.DisabledReason == "" || cur.DisabledAt.IsZero() {
		t.Errorf("got disabledReason %q at %v; want why and when", cur.DisabledReason, cur.DisabledAt)
	}
	if recv.count() != 0 {
		t.Fatalf("got %d accepted; want none", recv.count())
	}
	// While disabled nothing is sent; enabled again it resumes where it
	// stopped, the failed event first.
	f.feed.add("publication", "p2", change.Created)
	tries := recv.tryCount()
	_ = d.Pass(context.Background())
	if recv.tryCount() != tries {
		t.Errorf("a disabled subscription was sent %d requests", recv.tryCount()-tries)
	}
	recv.setFailing(0, 0)
	if _, err := f.subs.Update(f.admin, sub.ID, func(in webhook.Input) (webhook.Input, error) { in.Enabled = true; return in, nil },
		apptest.IfVersion(cur.Version)); err != nil {
		t.Fatal(err)
	}
	until(t, d, func() bool { return recv.count() == 2 })
	if got := recv.accepted()[0].header.Get("webhook-id"); got != first.ID {
		t.Errorf("got %s first after enabling; want the event that failed, %s", got, first.ID)
	}
	if cur, _ := f.subs.Get(f.admin, sub.ID); !cur.Enabled || cur.DisabledReason != "" {
		t.Errorf("got enabled %v, reason %q; want enabled without a reason", cur.Enabled, cur.DisabledReason)
	}
}

func TestDispatcherFiltersAndSkipsWhatTheOwnerCannotSee(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 0, 0)
	f.subscribe(t, recv.srv.URL, webhook.Input{EventTypes: []string{"nl.pioniersnetwerk.meeting.*", "nl.pioniersnetwerk.person.redacted"}})
	only := newReceiver(t, 0, 0)
	f.subscribe(t, only.srv.URL, webhook.Input{Filters: webhook.Filters{ResourceIDs: []string{"m2"}}})
	f.feed.add("meeting", "m1", change.Created)
	f.feed.add("organisation", "o1", change.Updated)
	hidden := f.feed.add("meeting", "m9", change.Created)
	f.feed.hide(hidden.Seq)
	f.feed.add("person", "p1", change.Updated)
	f.feed.add("person", "p1", change.Redacted)
	f.feed.add("meeting", "m2", change.Deleted)
	d := f.dispatcher(t, fastRetries())
	until(t, d, func() bool { return recv.count() == 3 && only.count() == 1 })
	if err := d.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, del := range recv.accepted() {
		types = append(types, del.event["type"].(string)+" "+del.event["subject"].(string))
	}
	want := []string{"nl.pioniersnetwerk.meeting.created m1", "nl.pioniersnetwerk.person.redacted p1", "nl.pioniersnetwerk.meeting.deleted m2"}
	if len(types) != len(want) {
		t.Fatalf("got %v; want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Errorf("delivery %d: got %s; want %s", i, types[i], want[i])
		}
	}
	if del := recv.accepted()[2]; del.event["dataref"] != nil {
		t.Errorf("a deletion got dataref %v; want none", del.event["dataref"])
	}
	if got := only.accepted()[0].event["subject"]; got != "m2" {
		t.Errorf("filtered subscription got %v; want m2 only", got)
	}
}

func TestDispatcherRedeliversWithoutMovingTheCursor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 0, 0)
	sub := f.subscribe(t, recv.srv.URL, webhook.Input{})
	ev := f.feed.add("meeting", "m1", change.Created)
	d := f.dispatcher(t, fastRetries())
	until(t, d, func() bool { return recv.count() == 1 })
	log, err := f.subs.Deliveries(f.admin, sub.ID, 10, "")
	if err != nil || len(log.Items) != 1 {
		t.Fatalf("got log %+v, %v; want one delivery", log.Items, err)
	}
	if _, err := f.subs.Redeliver(f.admin, sub.ID, log.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	next := f.feed.add("meeting", "m2", change.Created)
	until(t, d, func() bool { return recv.count() == 3 })
	got := recv.accepted()
	for i, want := range []string{ev.ID, ev.ID, next.ID} {
		if id := got[i].header.Get("webhook-id"); id != want {
			t.Errorf("delivery %d: got webhook-id %s; want %s", i, id, want)
		}
	}
	log, _ = f.subs.Deliveries(f.admin, sub.ID, 10, "")
	var redelivered int
	for _, d := range log.Items {
		if d.Redelivery && d.EventID == ev.ID && d.Succeeded() {
			redelivered++
		}
	}
	if redelivered != 1 {
		t.Errorf("got %d redeliveries logged; want 1", redelivered)
	}
}

func TestDispatcherDisablesWhenTheOwnerIsGone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 0, 0)
	partner := apptest.As(domain.Actor{Subject: "pc_gone", Role: domain.RolePartner, Client: true, Scopes: []string{domain.ScopeWebhooksManage}})
	sub, err := f.subs.Create(partner, webhook.Input{URL: recv.srv.URL, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	f.feed.add("meeting", "m1", change.Created)
	until(t, f.dispatcher(t, fastRetries()), func() bool {
		cur, err := f.subs.Get(f.admin, sub.ID)
		return err == nil && !cur.Enabled
	})
	if recv.count() != 0 {
		t.Errorf("got %d deliveries for an owner that does not exist; want none", recv.count())
	}
}

// TestDispatchersNeverSendOneEventTwice runs instances side by side on one
// database: the lease lets one at a time work a subscription.
func TestDispatchersNeverSendOneEventTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 3, http.StatusBadGateway)
	f.subscribe(t, recv.srv.URL, webhook.Input{})
	const events = 30
	for i := range events {
		f.feed.add("milestone", "ms"+strconv.Itoa(i%3), change.Updated)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 3 {
		opt := fastRetries()
		opt.Instance = "instance-" + strconv.Itoa(i)
		d := f.dispatcher(t, opt)
		wg.Go(func() {
			for ctx.Err() == nil && recv.count() < events {
				_ = d.Pass(ctx)
			}
		})
	}
	wg.Wait()
	got := recv.accepted()
	if len(got) != events {
		t.Fatalf("got %d deliveries; want %d", len(got), events)
	}
	for i, del := range got {
		if want := f.feed.events[i].ID; del.header.Get("webhook-id") != want {
			t.Fatalf("delivery %d: got webhook-id %s; want %s (each once, in order)", i, del.header.Get("webhook-id"), want)
		}
	}
}

// TestDispatcherChecksTheAddressAtDelivery: a URL that passed when the
// subscription was written but reaches inside when it is delivered to (DNS
// changed) is refused on the address dialled, and the receiver sees nothing.
func TestDispatcherChecksTheAddressAtDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	recv := newReceiver(t, 0, 0)
	port := recv.srv.Listener.Addr().(*net.TCPAddr).Port
	// Written past the local-testing guard; delivered with the strict one,
	// as if the host had since come to resolve to loopback.
	sub := f.subscribe(t, "http://localhost:"+strconv.Itoa(port)+"/in", webhook.Input{})
	f.feed.add("meeting", "m1", change.Created)
	strict := webhook.NewDispatcher(f.db, f.feed, f.subs, webhook.Guard{}, fastRetries(), slog.New(slog.DiscardHandler))
	if err := strict.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := recv.tryCount(); n != 0 {
		t.Fatalf("got %d requests at the loopback receiver; want none", n)
	}
	log, err := f.subs.Deliveries(f.admin, sub.ID, 10, "")
	if err != nil || len(log.Items) != 1 {
		t.Fatalf("got log %+v, %v; want one failed attempt", log.Items, err)
	}
	if d := log.Items[0]; d.Succeeded() || !strings.Contains(d.Error, "not allowed for webhooks") || d.NextAttemptAt.IsZero() {
		t.Errorf("got %+v; want a refused attempt with a retry scheduled", d)
	}
}
