package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// The person export says when it was made (exportedAt), so no two are the
// same: it is not stored, carries no ETag, and If-None-Match never gets 304.
func TestPersonExportIsNotCached(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	path := "/v1/people/" + f.Person + "/export"
	first := f.Do(t, "GET", path, nil, apptest.Bearer(f.Admin))
	if first.StatusCode != http.StatusOK {
		t.Fatalf("export: got %d; want 200 (%s)", first.StatusCode, apptest.Short(first.Body))
	}
	if got := first.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q; want no-store", got)
	}
	if got := first.Header.Get("ETag"); got != "" {
		t.Errorf("ETag: got %q; want none", got)
	}
	for _, tag := range []string{"*", first.Header.Get("ETag"), `"anything"`} {
		if tag == "" {
			continue
		}
		h := apptest.Headers(f.Admin, "If-None-Match", tag)
		if res := f.Do(t, "GET", path, nil, h); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"exportedAt"`) {
			t.Errorf("If-None-Match %s: got %d; want 200 with a fresh export", tag, res.StatusCode)
		}
	}
	// Other reads keep their validators.
	if res := f.Do(t, "GET", "/v1/people/"+f.Person, nil, apptest.Bearer(f.Admin)); res.Header.Get("ETag") == "" {
		t.Errorf("a person's profile lost its ETag")
	}
}
