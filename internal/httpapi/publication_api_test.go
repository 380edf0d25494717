package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// A write that changes nothing keeps the version and records no change.
func TestWriteThatChangesNothingKeepsTheVersion(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	body := map[string]any{"kind": "lessons-learned", "title": "Lessons", "url": "https://example.org/lessons", "publishedOn": "2020-05-01"}
	res := env.Do(t, "POST", "/v1/publications", body, apptest.Bearer(editor))
	var p api.Publication
	res.JSON(t, &p)
	h := apptest.Bearer(editor)
	h["If-Match"] = res.Header.Get("ETag")
	again := env.Do(t, "PUT", "/v1/publications/"+p.ID.String(), body, h)
	if again.StatusCode != 200 || !strings.HasPrefix(again.Header.Get("ETag"), `"v1.`) {
		t.Errorf("identical PUT: got %d with ETag %q; want 200 and version 1 kept", again.StatusCode, again.Header.Get("ETag"))
	}
	changes, err := env.App.DB.Changes(context.Background(), "publication", p.ID.String())
	if err != nil || len(changes) != 1 {
		t.Errorf("change records: got %d (%v); want only the create", len(changes), err)
	}
}
