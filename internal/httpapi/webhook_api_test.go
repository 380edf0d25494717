package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// hookURL is a public address (TEST-NET-3) that passes the SSRF guard
// without a DNS lookup; nothing is delivered to it in these tests.
const hookURL = "https://203.0.113.10/hooks"

// webhookSubscription creates a subscription as the admin and returns its id.
func (m *matrixFixture) webhookSubscription(t *testing.T) string {
	t.Helper()
	return m.Post(t, m.Admin, "/v1/webhook-subscriptions", map[string]any{"url": hookURL}).ID
}

// webhookDelivery logs a delivery attempt of subscription, as the
// dispatcher would, and returns its id.
func webhookDelivery(t *testing.T, env *apptest.Env, subscription string) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	if err := env.App.DB.LogDelivery(context.Background(), webhook.Delivery{ID: id, SubscriptionID: subscription, EventID: uuid.NewString(),
		Seq: 1, EventType: "nl.pioniersnetwerk.meeting.created", Attempt: 1, StatusCode: 500, AttemptedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestWebhookSubscriptionLifeCycle(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	res := f.Do(t, http.MethodPost, "/v1/webhook-subscriptions", map[string]any{"url": hookURL,
		"eventTypes": []string{"nl.pioniersnetwerk.meeting.*"}, "filters": map[string]any{"resourceIds": []string{"m1"}}, "description": "Portal"},
		apptest.Bearer(f.Admin))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: got %d; want 201 (%s)", res.StatusCode, res.Body)
	}
	var created api.WebhookSubscription
	res.JSON(t, &created)
	secret := apptest.Deref(created.Secret)
	if !strings.HasPrefix(secret, "whsec_") || !created.Enabled || created.Revision != 1 || created.OwnerKind != api.WebhookOwnerUser {
		t.Errorf("created: got %+v; want enabled, revision 1, owned by a user, with a whsec_ secret", created)
	}
	path := "/v1/webhook-subscriptions/" + created.ID.String()
	if loc := res.Header.Get("Location"); loc != path {
		t.Errorf("got Location %q; want %s", loc, path)
	}
	get := f.Do(t, http.MethodGet, path, nil, apptest.Bearer(f.Admin))
	if get.StatusCode != http.StatusOK || strings.Contains(get.Body, secret) || strings.Contains(get.Body, `"secret"`) {
		t.Errorf("get: got %d %s; want 200 without the secret", get.StatusCode, apptest.Short(get.Body))
	}
	list := f.Do(t, http.MethodGet, "/v1/webhook-subscriptions", nil, apptest.Bearer(f.Admin))
	if list.StatusCode != http.StatusOK || strings.Contains(list.Body, secret) || !strings.Contains(list.Body, created.ID.String()) {
		t.Errorf("list: got %d %s; want 200 with the subscription, without the secret", list.StatusCode, apptest.Short(list.Body))
	}
	patch := func(body, ifMatch string) apptest.Response {
		h := apptest.Headers(f.Admin, "Content-Type", "application/merge-patch+json")
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return f.Do(t, http.MethodPatch, path, body, h)
	}
	if res := patch(`{"enabled":false}`, ""); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("patch without If-Match: got %d; want 428", res.StatusCode)
	}
	res = patch(`{"enabled":false,"eventTypes":null,"filters":null}`, get.Header.Get("ETag"))
	var patched api.WebhookSubscription
	res.JSON(t, &patched)
	if res.StatusCode != http.StatusOK || patched.Enabled || apptest.Deref(patched.DisabledReason) == "" || len(patched.EventTypes) != 0 ||
		patched.Filters.ResourceIds != nil || patched.Revision != 2 || apptest.Deref(patched.Description) != "Portal" {
		t.Errorf("patch: got %d %+v; want disabled with a reason, every type, no filters, revision 2", res.StatusCode, patched)
	}
	if res := patch(`{"description":"x"}`, get.Header.Get("ETag")); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("patch at an old ETag: got %d; want 412", res.StatusCode)
	}
	apptest.CheckInvalid(t, "patch to loopback", patch(`{"url":"https://127.0.0.1/"}`, "*"), "url")
	res = f.Do(t, http.MethodPost, path+"/secret-rotations", map[string]any{"overlapSeconds": 3600}, apptest.Bearer(f.Admin))
	var rotated api.WebhookSubscription
	res.JSON(t, &rotated)
	if res.StatusCode != http.StatusOK || apptest.Deref(rotated.Secret) == secret || !strings.HasPrefix(apptest.Deref(rotated.Secret), "whsec_") ||
		rotated.PreviousSecretExpiresAt == nil || time.Until(*rotated.PreviousSecretExpiresAt) > time.Hour+time.Minute {
		t.Errorf("rotate: got %d %+v; want a new secret and the old one for an hour", res.StatusCode, rotated)
	}
	apptest.CheckInvalid(t, "rotate with two days' overlap",
		f.Do(t, http.MethodPost, path+"/secret-rotations", map[string]any{"overlapSeconds": 172800}, apptest.Bearer(f.Admin)), "overlapSeconds")
	delivery := webhookDelivery(t, f.Env, created.ID.String())
	res = f.Do(t, http.MethodGet, path+"/deliveries", nil, apptest.Bearer(f.Admin))
	var log api.WebhookDeliveryPage
	res.JSON(t, &log)
	if res.StatusCode != http.StatusOK || len(log.Items) != 1 || log.Items[0].ID.String() != delivery || apptest.Deref(log.Items[0].StatusCode) != 500 {
		t.Errorf("deliveries: got %d %s; want the logged attempt", res.StatusCode, apptest.Short(res.Body))
	}
	res = f.Do(t, http.MethodPost, path+"/deliveries/"+delivery+"/redeliveries", nil, apptest.Bearer(f.Admin))
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("redeliver: got %d; want 202 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	res = f.Do(t, http.MethodPost, path+"/deliveries/"+uuid.NewString()+"/redeliveries", nil, apptest.Bearer(f.Admin))
	apptest.CheckProblem(t, "redeliver an unknown delivery", res, http.StatusNotFound)
	res = f.Do(t, http.MethodDelete, path, nil, apptest.Headers(f.Admin, "If-Match", "*"))
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("delete: got %d; want 204", res.StatusCode)
	}
	apptest.CheckProblem(t, "get after delete", f.Do(t, http.MethodGet, path, nil, apptest.Bearer(f.Admin)), http.StatusNotFound)
}

// TestWebhookURLsThatReachInsideAreRefused: the SSRF guard at subscription time.
func TestWebhookURLsThatReachInsideAreRefused(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	for _, url := range []string{"https://127.0.0.1/in", "https://10.0.0.8/in", "https://169.254.169.254/latest/meta-data",
		"https://[::1]/in", "https://[::ffff:10.0.0.1]/in", "https://localhost/in", "http://203.0.113.10/in", "https://100.64.0.1/in"} {
		res := f.Do(t, http.MethodPost, "/v1/webhook-subscriptions", map[string]any{"url": url}, apptest.Bearer(f.Admin))
		apptest.CheckInvalid(t, url, res, "url")
	}
}

// TestWebhookLocalTestingFlag allows http and loopback with --webhook-allow-insecure.
func TestWebhookLocalTestingFlag(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.WebhookAllowInsecure = true
	env := apptest.New(t, cfg)
	admin := env.User(t, "admin@example.org", "admin", "")
	res := env.Do(t, http.MethodPost, "/v1/webhook-subscriptions", map[string]any{"url": "http://127.0.0.1:9/in"}, apptest.Bearer(admin))
	if res.StatusCode != http.StatusCreated {
		t.Errorf("insecure: got %d; want 201 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
}

func TestWebhookSubscriptionsAreNotForEveryone(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	sub := f.Post(t, f.Admin, "/v1/webhook-subscriptions", map[string]any{"url": hookURL}).ID
	partner := f.ClientToken(t, "Portal", "GM9901")
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"editor", f.Editor, http.StatusForbidden},
		{"member", f.Member, http.StatusForbidden},
		{"analyst", f.Analyst, http.StatusForbidden},
		{"partner without webhooks:manage", partner, http.StatusForbidden},
	} {
		for _, req := range []struct{ method, path string }{
			{http.MethodGet, "/v1/webhook-subscriptions"},
			{http.MethodGet, "/v1/webhook-subscriptions/" + sub},
			{http.MethodGet, "/v1/webhook-subscriptions/" + sub + "/deliveries"},
		} {
			res := f.Do(t, req.method, req.path, nil, apptest.Headers(tc.token))
			apptest.CheckProblem(t, tc.name+" "+req.method+" "+req.path, res, tc.want)
		}
	}
}
