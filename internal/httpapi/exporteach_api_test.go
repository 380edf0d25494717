package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// TestExportMeetingsCountRegistrations: the meetings export, which counts
// per batch of the meetings it streams, counts each meeting's registered
// and waitlisted people as the list's pages do.
func TestExportMeetingsCountRegistrations(t *testing.T) {
	t.Parallel()
	env := apptest.StartSeeded(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	ctx := apptest.As(domain.System)
	for i, capacity := range []int{1, 3, 2} {
		m := env.Post(t, admin, "/v1/meetings", apptest.PlannedMeeting(fmt.Sprintf("Counted %d", i), map[string]any{"capacity": capacity}))
		for j := range i + 2 {
			p := env.Post(t, admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Pioneer %d-%d", i, j), fmt.Sprintf("p%d-%d@example.org", i, j), "", "GM0606"))
			if _, err := env.App.Meetings.Register(ctx, m.ID, p.ID); err != nil {
				t.Fatalf("register: %v", err)
			}
		}
	}
	want := exJSON(t, env, "/v1/meetings?q=counted")
	if len(want) != 3 {
		t.Fatalf("JSON: %d meetings; want 3", len(want))
	}
	var registered, waitlisted int64
	for _, m := range want {
		r, _ := m["registeredCount"].(json.Number).Int64()
		w, _ := m["waitlistCount"].(json.Number).Int64()
		registered, waitlisted = registered+r, waitlisted+w
	}
	if registered != 6 || waitlisted != 3 {
		t.Fatalf("JSON: %v registered and %v waitlisted; want 6 and 3", registered, waitlisted)
	}
	exCompareNDJSON(t, "ndjson", exGet(t, env, "/v1/meetings/export?q=counted", "", "ndjson"), want)
	exCompareCSV(t, "csv", exGet(t, env, "/v1/meetings/export?q=counted", "", "csv"), want)
}
