package httpapi_test

import (
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// An organisation cannot leave the network before a meeting it chairs as
// guest chair: PATCH and PUT of leftOn answer 409 naming the meeting; a date
// after it, or a chaired meeting that is cancelled, is fine.
func TestLeftOnBeforeChairedMeetingRefused(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	chaired := f.Post(t, f.Admin, "/v1/meetings", apptest.PlannedMeeting("Chaired by South", map[string]any{"guestChair": "GM9902"})).ID
	patch := func(leftOn any) apptest.Response {
		return f.Do(t, "PATCH", "/v1/organisations/GM9902", map[string]any{"leftOn": leftOn},
			apptest.Headers(f.Admin, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	}
	for _, leftOn := range []string{"2030-01-01", "2030-03-14"} { // the meeting is on 2030-03-14
		res := patch(leftOn)
		p := apptest.CheckProblem(t, "PATCH leftOn "+leftOn, res, 409)
		if !strings.Contains(p.Detail, chaired) || !strings.Contains(p.Detail, "Chaired by South") {
			t.Errorf("PATCH leftOn %s: got detail %q; want it to name meeting %s and its title", leftOn, p.Detail, chaired)
		}
		if got := p.Fields(); len(got) != 1 || got[0] != "leftOn" {
			t.Errorf("PATCH leftOn %s: got invalidParams %v; want leftOn", leftOn, got)
		}
	}
	var org map[string]any
	f.Do(t, "GET", "/v1/organisations/GM9902", nil, nil).JSON(t, &org)
	if _, left := org["leftOn"]; left {
		t.Errorf("after the refusals: got leftOn %v; want none", org["leftOn"])
	}
	org["leftOn"] = "2029-12-31"
	for _, k := range []string{"id", "version", "createdAt", "updatedAt", "active", "example", "links", "_links"} {
		delete(org, k)
	}
	res := f.Do(t, "PUT", "/v1/organisations/GM9902", org, apptest.Headers(f.Admin, "If-Match", "*"))
	apptest.CheckProblem(t, "PUT leftOn 2029-12-31", res, 409)

	if res := patch("2030-03-15"); res.StatusCode != 200 {
		t.Errorf("PATCH leftOn after the meeting: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
	if res := patch(nil); res.StatusCode != 200 {
		t.Fatalf("PATCH leftOn null: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
	cancel := f.Do(t, "PATCH", "/v1/meetings/"+chaired, map[string]any{"status": "cancelled", "cancellationReason": "no quorum"},
		apptest.Headers(f.Admin, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	if cancel.StatusCode != 200 {
		t.Fatalf("cancel the meeting: got %d (%s); want 200", cancel.StatusCode, apptest.Short(cancel.Body))
	}
	if res := patch("2030-01-01"); res.StatusCode != 200 {
		t.Errorf("PATCH leftOn before a cancelled chaired meeting: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
}
