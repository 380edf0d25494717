package httpapi_test

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// TestUnsubscribeLink: the link in a notification (here written to the
// development folder) shows a confirmation on GET, withdraws the consent to
// be contacted on POST, one-click as RFC 8058 has mail programs send it and
// without signing in, and no mail follows; a tampered link is not found.
func TestUnsubscribeLink(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.MailDir = filepath.Join(t.TempDir(), "mail")
	env := apptest.New(t, cfg)
	if !strings.Contains(env.LogText(), "notifications are written to files") {
		t.Errorf("the start does not say where mail goes:\n%s", env.LogText())
	}
	if _, err := env.App.Organisations.Create(apptest.As(domain.System), apptest.Municipality("GM0606", "Schiedam")); err != nil {
		t.Fatal(err)
	}
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	body := apptest.Pioneer("Anne de Vries", "anne@example.org", "+31600000000", "GM0606")
	body["languages"] = []string{"en"}
	person := env.Post(t, admin, "/v1/people", body).ID
	if res := env.Do(t, "PUT", "/v1/people/"+person+"/consent", map[string]any{"publicProfile": false, "contact": true}, apptest.Bearer(admin)); res.StatusCode != 200 {
		t.Fatalf("consent: got %d: %s", res.StatusCode, res.Body)
	}
	register := func() {
		t.Helper()
		var m api.Meeting
		env.Do(t, "POST", "/v1/meetings", apptest.PlannedMeeting("Open lab", nil), apptest.Bearer(editor)).JSON(t, &m)
		if res := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/registrations", map[string]any{"person": person}, apptest.Bearer(editor)); res.StatusCode != 201 {
			t.Fatalf("register: got %d: %s", res.StatusCode, res.Body)
		}
		if err := env.App.Outbox.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	register()
	files, _ := filepath.Glob(filepath.Join(cfg.MailDir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("got %d mail files; want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	link := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
	path, ok := strings.CutPrefix(link, env.URL)
	if !ok || !strings.HasPrefix(path, "/unsubscribe?") || !strings.Contains(path, "lang=en") {
		t.Fatalf("List-Unsubscribe: got %q; want a link to /unsubscribe on %s in English", link, env.URL)
	}

	page := env.Do(t, "GET", path, nil, nil)
	if page.StatusCode != 200 || !strings.Contains(page.Body, `<form method="post"`) || !strings.Contains(page.Body, "Unsubscribe") ||
		page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("GET: got %d %v: %s; want the confirmation, not stored, no referrer", page.StatusCode, page.Header, page.Body)
	}
	consent := func() api.ConsentHistory {
		t.Helper()
		var h api.ConsentHistory
		env.Do(t, "GET", "/v1/people/"+person+"/consent", nil, apptest.Bearer(admin)).JSON(t, &h)
		return h
	}
	if !consent().Current.Contact {
		t.Fatal("GET withdrew the consent; only POST may")
	}

	for name, bad := range map[string]string{
		"tampered":     strings.Replace(path, "token=", "token=0", 1),
		"other":        "/unsubscribe?token=" + strings.Repeat("0", 36) + ".AAAA",
		"no token":     "/unsubscribe",
		"no signature": "/unsubscribe?token=" + person,
	} {
		if res := env.Do(t, "POST", bad, "List-Unsubscribe=One-Click", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); res.StatusCode != 404 {
			t.Errorf("%s link: got %d; want 404", name, res.StatusCode)
		}
	}
	if !consent().Current.Contact {
		t.Fatal("a bad link withdrew the consent")
	}

	done := env.Do(t, "POST", path, "List-Unsubscribe=One-Click", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if done.StatusCode != 200 || !strings.Contains(done.Body, "You are unsubscribed") {
		t.Fatalf("POST: got %d: %s; want the confirmation that it is done", done.StatusCode, done.Body)
	}
	h := consent()
	if h.Current.Contact || h.Current.RecordedBy == nil || *h.Current.RecordedBy != "unsubscribe-link" || len(h.Records) != 2 {
		t.Errorf("consent after unsubscribing: got %+v; want contact withdrawn by unsubscribe-link, in the history", h)
	}
	// Again: harmless, and nothing written (no history row, no new version).
	etag := env.Do(t, "GET", "/v1/people/"+person, nil, apptest.Bearer(admin)).Header.Get("ETag")
	if again := env.Do(t, "POST", path, "List-Unsubscribe=One-Click", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); again.StatusCode != 200 {
		t.Errorf("POST again: got %d; want 200", again.StatusCode)
	}
	if got := env.Do(t, "GET", "/v1/people/"+person, nil, apptest.Bearer(admin)).Header.Get("ETag"); etag == "" || got != etag {
		t.Errorf("POST again: ETag got %q; want %q, unchanged", got, etag)
	}
	if h := consent(); len(h.Records) != 2 {
		t.Errorf("POST again: got %d consent records; want still 2", len(h.Records))
	}

	register()
	if files, _ := filepath.Glob(filepath.Join(cfg.MailDir, "*.eml")); len(files) != 1 {
		t.Errorf("after unsubscribing: got %d mail files; want still 1", len(files))
	}
}
