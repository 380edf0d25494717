package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// hookReceiver is a partner's endpoint that is down until up is called,
// then takes every delivery whose Standard Webhooks signature verifies.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	isUp   bool
	down   int // requests refused while down
	taken  []hookDelivery
}

type hookDelivery struct {
	id    string
	event map[string]any
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.isUp {
		r.down++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if !standardWebhookValid(r.secret, req.Header, body) {
		r.t.Errorf("delivery %s: the signature %q does not verify", req.Header.Get("webhook-id"), req.Header.Get("webhook-signature"))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil || req.Header.Get("Content-Type") != "application/cloudevents+json" {
		r.t.Errorf("delivery: %v, Content-Type %q; want a CloudEvents JSON document", err, req.Header.Get("Content-Type"))
	}
	r.taken = append(r.taken, hookDelivery{id: req.Header.Get("webhook-id"), event: ev})
	w.WriteHeader(http.StatusOK)
}

// subscribe subscribes the receiver as admin through env and keeps the
// secret, shown this once; it returns the subscription's id.
func (r *hookReceiver) subscribe(t *testing.T, env *apptest.Env, admin string) string {
	t.Helper()
	res := env.Do(t, http.MethodPost, "/v1/webhook-subscriptions", map[string]any{"url": r.srv.URL}, apptest.Bearer(admin))
	var sub struct{ ID, Secret string }
	res.JSON(t, &sub)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = sub.Secret
	return sub.ID
}

// upAfterRefusing comes up once it has refused n deliveries (or after a while).
func (r *hookReceiver) upAfterRefusing(n int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if refused, _ := r.state(); refused >= n {
			break
		}
	}
	r.up()
}

func (r *hookReceiver) up() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.isUp = true
}

func (r *hookReceiver) state() (refused int, taken []hookDelivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down, append([]hookDelivery{}, r.taken...)
}

// standardWebhookValid verifies a delivery as the Standard Webhooks
// specification tells receivers to.
func standardWebhookValid(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if v, b64, ok := strings.Cut(sig, ","); ok && v == "v1" {
			if got, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(got, want) {
				return true
			}
		}
	}
	return false
}

// webhookConfig retries at once and polls often, and lets deliveries reach
// the test's loopback receiver.
func webhookConfig(t *testing.T) app.Config {
	cfg := apptest.Config(t)
	cfg.WebhookAllowInsecure = true
	cfg.WebhookPoll = 10 * time.Millisecond
	cfg.WebhookRetryBase, cfg.WebhookRetryCap = time.Millisecond, 5*time.Millisecond
	cfg.RateLimit = 0
	cfg.DrainWait = 0 // apptest.Serve's shutdown need not wait for a load balancer
	return cfg
}

// writeSome makes changes of several resources, some resources more than once.
func writeSome(t *testing.T, env *apptest.Env, admin, prefix string, n int) {
	t.Helper()
	for i := range n {
		code := fmt.Sprintf("GM%s%02d", prefix, i)
		org := env.Post(t, admin, "/v1/organisations", municipalityBody(code, "Stad "+code))
		res := env.Do(t, http.MethodPatch, "/v1/organisations/"+org.ID, `{"website":"https://`+strings.ToLower(code)+`.example"}`,
			apptest.Headers(admin, "If-Match", org.ETag, "Content-Type", "application/merge-patch+json"))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("patch organisation: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
		}
		pub := env.Post(t, admin, "/v1/publications", map[string]any{"kind": "other", "title": "Lesson " + code,
			"url": "https://example.org/" + code, "publishedOn": "2020-05-02"})
		if i%2 == 0 {
			res := env.Do(t, http.MethodDelete, "/v1/publications/"+pub.ID, nil, apptest.Headers(admin, "If-Match", pub.ETag))
			if res.StatusCode != http.StatusNoContent {
				t.Fatalf("delete publication: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
			}
		}
	}
}

// checkDelivered compares what the receiver took with the feed as the
// subscription's owner reads it after cursor: every event, once, in order.
func checkDelivered(t *testing.T, env *apptest.Env, recv *hookReceiver, admin, cursor string) {
	t.Helper()
	want, _ := readChanges(t, env, admin, cursor)
	if len(want) == 0 {
		t.Fatal("the feed has no changes to compare with")
	}
	var taken []hookDelivery
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, taken = recv.state(); len(taken) >= len(want) || time.Now().After(deadline) {
			break
		}
	}
	if refused, _ := recv.state(); refused == 0 {
		t.Error("the receiver refused nothing; want it down for a while")
	}
	seen := map[string]bool{}
	for _, d := range taken {
		if seen[d.id] {
			t.Errorf("webhook-id %s delivered twice", d.id)
		}
		seen[d.id] = true
	}
	if len(taken) != len(want) {
		t.Fatalf("got %d deliveries; want %d, one per change in the owner's feed", len(taken), len(want))
	}
	var last float64
	for i, w := range want {
		d := taken[i]
		if d.id != w.ID || d.event["id"] != w.ID {
			t.Fatalf("delivery %d: got webhook-id %s (event %v); want %s (feed order)", i, d.id, d.event["id"], w.ID)
		}
		if typ := "nl.pioniersnetwerk." + w.Resource + "." + w.Type; d.event["type"] != typ || d.event["subject"] != w.ResourceID {
			t.Errorf("delivery %d: got %v %v; want %s %s", i, d.event["type"], d.event["subject"], typ, w.ResourceID)
		}
		if base := env.App.Config.BaseURL(); d.event["source"] != base+"/v1" || d.event["specversion"] != "1.0" {
			t.Errorf("delivery %d: got source %v, specversion %v; want %s/v1, 1.0", i, d.event["source"], d.event["specversion"], base)
		}
		if w.Type != "deleted" && d.event["dataref"] != w.Href {
			t.Errorf("delivery %d: got dataref %v; want %s", i, d.event["dataref"], w.Href)
		}
		if (d.event["data"] == nil) != (string(w.Data) == "null") {
			t.Errorf("delivery %d: got data %v; want like the feed's %s", i, d.event["data"], w.Data)
		}
		seq, err := strconv.ParseFloat(fmt.Sprint(d.event["sequence"]), 64)
		if err != nil || seq <= last {
			t.Errorf("delivery %d: sequence %v after %v; want it growing", i, d.event["sequence"], last)
		}
		last = seq
	}
}

// A partner's receiver is down for a while, then up: every change arrives,
// in order, signed, each webhook-id once.
func TestWebhookDeliveriesReachAReceiverThatWasDown(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, webhookConfig(t))
	apptest.Serve(t, env.App) // the dispatcher runs inside serve
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	_, cursor := readChanges(t, env, admin, "")
	recv := newHookReceiver(t)
	sub := recv.subscribe(t, env, admin)
	writeSome(t, env, admin, "81", 4)
	recv.upAfterRefusing(3)
	checkDelivered(t, env, recv, admin, cursor)
	log := env.Do(t, http.MethodGet, "/v1/webhook-subscriptions/"+sub+"/deliveries?pageSize=100", nil, apptest.Bearer(admin))
	if !strings.Contains(log.Body, `"statusCode":503`) || !strings.Contains(log.Body, `"nextAttemptAt"`) {
		t.Errorf("delivery log: got %s; want the refused attempts with their next attempt", apptest.Short(log.Body))
	}
}

// Two instances on one PostgreSQL database work the same subscription: the
// lease lets one at a time deliver, so no event is sent twice.
func TestWebhookTwoInstancesNeverSendTwice(t *testing.T) {
	t.Parallel()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("needs TEST_DATABASE_URL (PostgreSQL): scripts/with-postgres go test ./internal/httpapi -run Webhook")
	}
	cfg := webhookConfig(t)
	cfg.PublicURL = "https://api.example.org" // one service behind a load balancer
	one := apptest.New(t, cfg)
	two := apptest.New(t, cfg)
	apptest.Serve(t, one.App)
	apptest.Serve(t, two.App)
	admin := one.User(t, "admin@example.org", domain.RoleAdmin, "")
	_, cursor := readChanges(t, one, admin, "")
	recv := newHookReceiver(t)
	recv.subscribe(t, two, admin)
	var wg sync.WaitGroup
	wg.Go(func() { writeSome(t, one, admin, "71", 3) })
	wg.Go(func() { writeSome(t, two, admin, "72", 3) })
	wg.Wait()
	recv.upAfterRefusing(3)
	checkDelivered(t, one, recv, admin, cursor)
}

// A write wakes the dispatcher: its deliveries need not wait for the poll.
func TestWebhookDeliveryFollowsAWriteAtOnce(t *testing.T) {
	t.Parallel()
	cfg := webhookConfig(t)
	cfg.WebhookPoll = time.Hour
	env := apptest.New(t, cfg)
	apptest.Serve(t, env.App)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	recv := newHookReceiver(t)
	recv.up()
	recv.subscribe(t, env, admin)
	org := env.Post(t, admin, "/v1/organisations", municipalityBody("GM6101", "Wakker"))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, taken := recv.state(); len(taken) > 0 {
			if taken[0].event["subject"] != org.ID {
				t.Errorf("got %v; want the organisation %s", taken[0].event["subject"], org.ID)
			}
			return
		}
	}
	t.Fatal("nothing delivered within 5s of the write, with the poll an hour away")
}
