//go:build reliability

package reliability

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestReliabilityInstances runs two server processes on one database (a
// private PostgreSQL in CI, where several instances are the point; a shared
// SQLite file otherwise) as an operator runs them behind a load balancer:
// both start at once on an empty database, then writes go through both.
func TestReliabilityInstances(t *testing.T) {
	sharedKeys(t)
	bin, dataDir, dbURL := build(t), t.TempDir(), apptest.DatabaseURL(t)
	extra := []string{"--rate-limit", "0", "--drain-wait", "0s", "--webhook-allow-insecure", "--webhook-poll", "100ms"}
	a := &server{t: t, bin: bin, dataDir: dataDir, dbURL: dbURL, extra: extra}
	b := &server{t: t, bin: bin, dataDir: dataDir, dbURL: dbURL, extra: extra}
	t.Cleanup(func() {
		for _, s := range []*server{a, b} {
			if s.cmd != nil {
				s.kill()
			}
		}
	})

	// Both apply the migrations of an empty database at the same moment.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*server{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.startErr()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d started with the other: %v", i, err)
		}
	}
	a.run("seed")
	a.run("user", "create", "--email", "admin@example.org", "--role", "admin", "--password-stdin")
	token := a.token()
	auth := map[string]string{"Authorization": "Bearer " + token}
	ctx := context.Background()
	c := &http.Client{Timeout: 10 * time.Second}
	send := func(s *server, method, path string, body any, header map[string]string, want int) reply {
		t.Helper()
		h := map[string]string{}
		for k, v := range auth {
			h[k] = v
		}
		for k, v := range header {
			h[k] = v
		}
		res, err := call(ctx, c, method, s.base+path, body, h)
		if err != nil || res.status != want {
			t.Fatalf("%s %s on %s: got %d (%v); want %d: %s", method, path, s.base, res.status, err, want, res.body)
		}
		return res
	}

	t.Run("a token from one is honoured by the other", func(t *testing.T) {
		send(b, "GET", "/v1/me", nil, nil, http.StatusOK)
	})

	t.Run("If-Match conflicts across instances", func(t *testing.T) {
		m := send(a, "POST", "/v1/meetings", apptest.PlannedMeeting("across", nil), nil, http.StatusCreated)
		first := m.header.Get("ETag")
		path := "/v1/meetings/" + m.id()
		if got := send(b, "GET", path, nil, nil, http.StatusOK).header.Get("ETag"); got != first {
			t.Errorf("ETag on the other instance: got %s; want %s", got, first)
		}
		send(b, "PATCH", path, map[string]any{"title": "across, renamed on b"}, map[string]string{"If-Match": first}, http.StatusOK)
		send(a, "PATCH", path, map[string]any{"title": "across, lost update on a"}, map[string]string{"If-Match": first}, http.StatusPreconditionFailed)
		var got struct{ Title string }
		if err := json.Unmarshal(send(a, "GET", path, nil, nil, http.StatusOK).body, &got); err != nil || got.Title != "across, renamed on b" {
			t.Errorf("title on a after b's update: got %q (%v); want b's", got.Title, err)
		}
	})

	t.Run("an Idempotency-Key used on one is honoured on the other", func(t *testing.T) {
		body := map[string]any{"kind": "other", "title": "once across", "url": "https://example.org/once", "publishedOn": "2020-01-01"}
		key := map[string]string{"Idempotency-Key": "across-instances-1"}
		first := send(a, "POST", "/v1/publications", body, key, http.StatusCreated)
		again := send(b, "POST", "/v1/publications", body, key, http.StatusCreated)
		if again.id() != first.id() || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay on b: id %q, replayed %q; want %q, true", again.id(), again.header.Get("Idempotent-Replayed"), first.id())
		}
		body["title"] = "another body under the same key"
		if res, err := call(ctx, c, "POST", b.base+"/v1/publications", body, mergeHeaders(auth, key)); err != nil || res.status < 400 || res.status >= 500 {
			t.Errorf("same key, other body, on b: got %d (%v); want a 4xx: %s", res.status, err, res.body)
		}
	})

	t.Run("a write acknowledged by one is read at once on the other", func(t *testing.T) {
		m := send(a, "POST", "/v1/meetings", apptest.PlannedMeeting("fresh", nil), nil, http.StatusCreated)
		path := "/v1/meetings/" + m.id()
		etag := m.header.Get("ETag")
		for i := range 40 {
			writer, reader := a, b
			if i%2 == 1 {
				writer, reader = b, a
			}
			// Read anonymously first, so that a cache on the reader holds the old one.
			if _, err := call(ctx, c, "GET", reader.base+path, nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := call(ctx, c, "GET", reader.base+"/v1/meetings?pageSize=100", nil, nil); err != nil {
				t.Fatal(err)
			}
			title := fmt.Sprintf("fresh %d", i)
			etag = send(writer, "PATCH", path, map[string]any{"title": title}, map[string]string{"If-Match": etag}, http.StatusOK).header.Get("ETag")
			res, err := call(ctx, c, "GET", reader.base+path, nil, nil)
			var got struct{ Title string }
			if err != nil || json.Unmarshal(res.body, &got) != nil || got.Title != title {
				t.Fatalf("round %d: anonymous read on %s after the write on %s: title %q (%d, %v); want %q", i, reader.base, writer.base, got.Title, res.status, err, title)
			}
			var page struct{ Items []struct{ ID, Title string } }
			res, err = call(ctx, c, "GET", reader.base+"/v1/meetings?pageSize=100", nil, nil)
			if err != nil || json.Unmarshal(res.body, &page) != nil {
				t.Fatalf("round %d: list on %s: %d, %v", i, reader.base, res.status, err)
			}
			for _, item := range page.Items {
				if item.ID == m.id() && item.Title != title {
					t.Fatalf("round %d: list on %s after the write on %s: title %q; want %q", i, reader.base, writer.base, item.Title, title)
				}
			}
		}
	})

	t.Run("every event is delivered once, in order", func(t *testing.T) {
		hook := newHookReceiver()
		receiver := httptest.NewServer(hook)
		defer receiver.Close()
		send(a, "POST", "/v1/webhook-subscriptions", map[string]any{"url": receiver.URL, "eventTypes": []string{"nl.pioniersnetwerk.organisation.*"}}, nil, http.StatusCreated)
		const writes = 40
		var wg sync.WaitGroup
		for _, s := range []*server{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range writes / 2 {
					code := fmt.Sprintf("inst-%s-%d", s.base[len(s.base)-5:], i)
					if res, err := call(ctx, c, "POST", s.base+"/v1/organisations", map[string]any{"code": code, "name": code, "kind": "other", "networkRole": "member"}, auth); err != nil || res.status != http.StatusCreated {
						t.Errorf("create %s: %d, %v: %s", code, res.status, err, res.body)
					}
				}
			}()
		}
		wg.Wait()
		if err := hook.await(writes, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // a duplicate would arrive by now
		if err := hook.check(writes); err != nil {
			t.Error(err)
		}
	})
}

// sharedKeys gives every process of the test the same signing and pseudonym
// keys, as operators give their instances (docs/operators.md).
func sharedKeys(t *testing.T) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PIONIERS_JWT_KEYS", path)
	t.Setenv("PIONIERS_PSEUDONYM_KEY", "a-pseudonym-key-for-the-instances-test-0123456789")
}

func mergeHeaders(hs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// hookReceiver records webhook deliveries as they arrive.
type hookReceiver struct {
	mu       sync.Mutex
	ids      map[string]int // webhook-id -> deliveries
	order    []int64        // CloudEvents sequence, in arrival order
	subjects map[string]bool
}

func newHookReceiver() *hookReceiver {
	return &hookReceiver{ids: map[string]int{}, subjects: map[string]bool{}}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev struct {
		Type     string `json:"type"`
		Subject  string `json:"subject"`
		Sequence string `json:"sequence"`
	}
	_ = json.Unmarshal(body, &ev)
	var seq int64
	_, _ = fmt.Sscan(ev.Sequence, &seq)
	h.mu.Lock()
	h.ids[r.Header.Get("webhook-id")]++
	h.order = append(h.order, seq)
	if ev.Type == "nl.pioniersnetwerk.organisation.created" {
		h.subjects[ev.Subject] = true
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// await waits until n distinct resources were announced as created.
func (h *hookReceiver) await(n int, within time.Duration) error {
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		h.mu.Lock()
		got := len(h.subjects)
		h.mu.Unlock()
		if got >= n {
			return nil
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Errorf("webhooks: %d of %d creations delivered after %v", len(h.subjects), n, within)
}

// check finds no delivery twice and the sequence rising in arrival order.
func (h *hookReceiver) check(n int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, times := range h.ids {
		if times > 1 || id == "" {
			return fmt.Errorf("webhook-id %q delivered %d times; want once", id, times)
		}
	}
	for i := 1; i < len(h.order); i++ {
		if h.order[i] <= h.order[i-1] {
			return fmt.Errorf("delivery %d has sequence %d after %d; want rising", i, h.order[i], h.order[i-1])
		}
	}
	if len(h.subjects) != n {
		return fmt.Errorf("%d resources announced as created; want %d", len(h.subjects), n)
	}
	return nil
}
