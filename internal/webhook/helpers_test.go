package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// fixture is a real store with an admin who owns subscriptions, a feed the
// test writes, and a receiver.
type fixture struct {
	db    *store.DB
	subs  *webhook.Service
	feed  *feed
	admin context.Context
	user  account.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := apptest.Store(t)
	now := domain.Timestamp(time.Now)
	u := account.User{ID: uuid.Must(uuid.NewV7()).String(), Email: uuid.NewString() + "@example.org", PasswordHash: "-",
		Role: domain.RoleAdmin, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateUser(apptest.As(domain.System), u, domain.Change{Resource: "user", ResourceID: u.ID,
		Action: domain.ActionCreate, Actor: "system", Version: 1, At: now}); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, subs: webhook.NewService(db, webhook.Guard{AllowInsecure: true}, time.Now), feed: &feed{},
		admin: apptest.As(domain.Actor{Subject: u.ID, Role: domain.RoleAdmin}), user: u}
}

// options retry at once, so that a test need not wait for the backoff.
func fastRetries() webhook.Options {
	return webhook.Options{RetryBase: time.Millisecond, RetryCap: 2 * time.Millisecond, Source: "https://api.example.org/v1",
		Render: func(_ context.Context, ev change.Event) (json.RawMessage, error) {
			return json.Marshal(map[string]string{"id": ev.ResourceID})
		}}
}

func (f *fixture) dispatcher(t *testing.T, opt webhook.Options) *webhook.Dispatcher {
	t.Helper()
	return webhook.NewDispatcher(f.db, f.feed, f.subs, webhook.Guard{AllowInsecure: true}, opt, slog.New(slog.DiscardHandler))
}

func (f *fixture) subscribe(t *testing.T, url string, in webhook.Input) webhook.Subscription {
	t.Helper()
	in.URL, in.Enabled = url, true
	sub, err := f.subs.Create(f.admin, in)
	if err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	return sub
}

// until runs pass until done holds, failing after a few seconds.
func until(t *testing.T, d *webhook.Dispatcher, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("gave up waiting for the deliveries")
		}
		if err := d.Pass(context.Background()); err != nil {
			t.Fatalf("pass: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// feed is an in-test change feed; hidden events count for the position but
// are not seen.
type feed struct {
	mu     sync.Mutex
	events []change.Event
	hidden map[int64]bool
	actors []domain.Actor
}

// add appends an event after every other, numbered well past the store's own.
func (f *feed) add(resource, id string, typ change.Type) change.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	ev := change.Event{Seq: int64(1000 + len(f.events)), ID: uuid.Must(uuid.NewV7()).String(), Type: typ, Resource: resource,
		ResourceID: id, At: time.Now().UTC()}
	f.events = append(f.events, ev)
	return ev
}

func (f *feed) hide(seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hidden == nil {
		f.hidden = map[int64]bool{}
	}
	f.hidden[seq] = true
}

func (f *feed) Since(ctx context.Context, after int64, limit int) (change.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actors = append(f.actors, domain.ActorFrom(ctx))
	page := change.Page{Last: after}
	read := 0
	for _, ev := range f.events {
		if ev.Seq <= after {
			continue
		}
		if read == limit {
			page.More = true
			break
		}
		read++
		page.Last = ev.Seq
		if !f.hidden[ev.Seq] {
			page.Events = append(page.Events, ev)
		}
	}
	return page, nil
}

// delivery is one request the receiver took.
type delivery struct {
	header http.Header
	body   []byte
	event  map[string]any
}

// receiver answers status for the first fail requests, then 204; it
// records what it accepted.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	fail   int
	status int
	taken  []delivery
	tries  int
}

func newReceiver(t *testing.T, fail, status int) *receiver {
	r := &receiver{t: t, fail: fail, status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(r.status)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("delivery body %q: %v", body, err)
	}
	r.taken = append(r.taken, delivery{header: req.Header.Clone(), body: body, event: ev})
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setFailing(n, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail, r.status = n, status
}

func (r *receiver) accepted() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery{}, r.taken...)
}

func (r *receiver) tryCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries
}

func (r *receiver) count() int { return len(r.accepted()) }

// verify checks a delivery's signature the way the Standard Webhooks
// specification tells receivers to, with secret.
func verify(secret string, d delivery) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(d.header.Get("webhook-id") + "." + d.header.Get("webhook-timestamp") + "." + string(d.body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(d.header.Get("webhook-signature")) {
		version, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
