package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// auditPage reads one page of the audit log as the admin, failing unless it is 200.
func auditPage(t *testing.T, f *apptest.Fixture, query url.Values) api.AuditEventPage {
	t.Helper()
	res := f.Do(t, "GET", "/v1/audit-events?"+query.Encode(), nil, apptest.Bearer(f.Admin))
	if res.StatusCode != 200 {
		t.Fatalf("GET /v1/audit-events?%s: got %d (%s); want 200", query.Encode(), res.StatusCode, apptest.Short(res.Body))
	}
	var page api.AuditEventPage
	res.JSON(t, &page)
	return page
}

// Only admins read the audit log: anonymous callers are asked to sign in,
// every other role is refused.
func TestAuditLogIsForAdmins(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	partner := f.ClientToken(t, "Portal", "GM9901")
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"anonymous", "", 401},
		{"editor", f.Editor, 403},
		{"member", f.Member, 403},
		{"analyst", f.Analyst, 403},
		{"partner", partner, 403},
		{"admin", f.Admin, 200},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "csv", "ndjson"} {
			res := f.Do(t, "GET", "/v1/audit-events?format="+format, nil, apptest.Headers(tt.token))
			if res.StatusCode != tt.want {
				t.Errorf("%s, %s: got %d; want %d (%s)", tt.name, format, res.StatusCode, tt.want, apptest.Short(res.Body))
			}
			if tt.want != 200 {
				apptest.CheckProblem(t, tt.name+", "+format, res, tt.want)
			}
		}
	}
}

// A write leaves an entry naming who did what to which resource, the names
// of the fields it changed and the X-Request-ID of the request it came in.
func TestAuditLogRecordsTheWrite(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	res := f.Do(t, "POST", "/v1/organisations", map[string]any{"code": "GM7701", "name": "Auditdorp", "kind": "municipality",
		"networkRole": "lead"}, apptest.Headers(f.Admin, "X-Request-ID", "audit-test-request-1"))
	if res.StatusCode != 201 {
		t.Fatalf("create organisation: got %d (%s); want 201", res.StatusCode, apptest.Short(res.Body))
	}
	var org api.Organisation
	res.JSON(t, &org)

	page := auditPage(t, f, url.Values{"resource": {"organisation"}, "resourceId": {org.ID.String()}})
	if len(page.Items) != 1 {
		t.Fatalf("entries of the new organisation: got %d; want 1: %+v", len(page.Items), page.Items)
	}
	e := page.Items[0]
	if e.RequestID != "audit-test-request-1" || e.Action != "create" || e.Actor.Kind != api.AuditActorUser || e.Actor.ID == "" ||
		!slices.Contains(e.ChangedFields, "code") || !slices.Contains(e.ChangedFields, "name") {
		t.Errorf("entry: got %+v; want a create by a user, naming code and name, from request audit-test-request-1", e)
	}
	if d := time.Since(e.OccurredAt); d < 0 || d > time.Minute {
		t.Errorf("occurredAt: got %s; want just now", e.OccurredAt)
	}

	// The same actor's entries, found by the actor filter, include it.
	mine := auditPage(t, f, url.Values{"actor": {e.Actor.ID}, "pageSize": {"100"}})
	if !slices.ContainsFunc(mine.Items, func(x api.AuditEvent) bool { return x.ID == e.ID }) {
		t.Errorf("actor=%s: got %d entries without %s; want it among them", e.Actor.ID, len(mine.Items), e.ID)
	}
	for _, x := range mine.Items {
		if x.Actor.ID != e.Actor.ID {
			t.Errorf("actor=%s: got an entry of %+v", e.Actor.ID, x.Actor)
		}
	}
	// The seed wrote as the system.
	sys := auditPage(t, f, url.Values{"actor": {"system"}, "pageSize": {"1"}})
	if len(sys.Items) != 1 || sys.Items[0].Actor.Kind != api.AuditActorSystem {
		t.Errorf("actor=system: got %+v; want one entry of kind system", sys.Items)
	}
}

// Pages run newest first without gaps or repeats, the cursor keeps the
// filters, and the period filter is from inclusive, to exclusive.
func TestAuditLogPagesAndPeriods(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	all := auditPage(t, f, url.Values{"pageSize": {"100"}, "resource": {"meeting"}})
	if len(all.Items) < 5 {
		t.Fatalf("meeting entries: got %d; want at least 5 from the demo data", len(all.Items))
	}
	var paged []api.AuditEvent
	q := url.Values{"pageSize": {"2"}, "resource": {"meeting"}}
	for range 100 {
		res := f.Do(t, "GET", "/v1/audit-events?"+q.Encode(), nil, apptest.Bearer(f.Admin))
		var page api.AuditEventPage
		res.JSON(t, &page)
		paged = append(paged, page.Items...)
		if page.NextCursor == nil {
			break
		}
		if !strings.Contains(res.Header.Get("Link"), `rel="next"`) {
			t.Errorf("Link: got %q; want a next link", res.Header.Get("Link"))
		}
		q.Set("cursor", *page.NextCursor)
	}
	ids := func(es []api.AuditEvent) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID.String())
		}
		return out
	}
	if !slices.Equal(ids(paged), ids(all.Items)) {
		t.Errorf("paged by 2: got %v; want %v", ids(paged), ids(all.Items))
	}
	for i := 1; i < len(paged); i++ {
		if paged[i].OccurredAt.After(paged[i-1].OccurredAt) {
			t.Errorf("entry %d at %s after entry %d at %s; want newest first", i, paged[i].OccurredAt, i-1, paged[i-1].OccurredAt)
		}
	}
	// A cursor made for other filters is refused.
	q.Set("resource", "person")
	apptest.CheckInvalid(t, "cursor of other filters", f.Do(t, "GET", "/v1/audit-events?"+q.Encode(), nil, apptest.Bearer(f.Admin)), "cursor")

	at := all.Items[0].OccurredAt.UTC().Format(time.RFC3339Nano)
	from := auditPage(t, f, url.Values{"pageSize": {"100"}, "resource": {"meeting"}, "from": {at}})
	to := auditPage(t, f, url.Values{"pageSize": {"100"}, "resource": {"meeting"}, "to": {at}})
	if len(from.Items)+len(to.Items) != len(all.Items) || len(from.Items) == 0 || from.Items[0].ID != all.Items[0].ID {
		t.Errorf("from=%s: %d entries, to=%s: %d entries; want them to split the %d, the newest in from", at, len(from.Items), at, len(to.Items), len(all.Items))
	}
	for _, tt := range []struct{ query, param string }{
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"},
		{"pageSize=0", "pageSize"},
		{"cursor=bm90IGEgY3Vyc29y", "cursor"},
	} {
		apptest.CheckInvalid(t, tt.query, f.Do(t, "GET", "/v1/audit-events?"+tt.query, nil, apptest.Bearer(f.Admin)), tt.param)
	}
}

// Erasing a person leaves the person's entries in the log, and nothing in
// the whole log, in any format, holds their name, email or phone.
func TestAuditLogOutlivesErasure(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	p := f.Post(t, f.Admin, "/v1/people", apptest.Pioneer("Quinten Auditson", "quinten.auditson@north.example", "+31 6 12345678", "GM9901"))
	res := f.Do(t, "PATCH", "/v1/people/"+p.ID, map[string]any{"position": "Griffier"},
		apptest.Headers(f.Admin, "If-Match", p.ETag, "Content-Type", "application/merge-patch+json"))
	if res.StatusCode != 200 {
		t.Fatalf("patch person: got %d (%s); want 200", res.StatusCode, apptest.Short(res.Body))
	}
	if res := f.Do(t, "DELETE", "/v1/people/"+p.ID, nil, apptest.Headers(f.Admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s); want 204", res.StatusCode, apptest.Short(res.Body))
	}
	page := auditPage(t, f, url.Values{"resource": {"person"}, "resourceId": {p.ID}})
	var actions []string
	for _, e := range page.Items {
		actions = append(actions, e.Action)
	}
	if len(actions) < 3 || actions[len(actions)-1] != "create" || actions[1] != "update" || !slices.Contains(page.Items[1].ChangedFields, "position") {
		t.Errorf("entries after erasure: got %v (%+v); want the erasure, the update of position and the create, newest first", actions, page.Items)
	}
	personal := []string{"Quinten", "Auditson", "quinten.auditson", "12345678", "Griffier"}
	for _, format := range []string{"json", "csv", "ndjson"} {
		res := f.Do(t, "GET", "/v1/audit-events?pageSize=100&format="+format, nil, apptest.Bearer(f.Admin))
		if res.StatusCode != 200 || !strings.Contains(res.Body, p.ID) {
			t.Fatalf("%s export: got %d, with the person's id: %v; want 200 with it", format, res.StatusCode, strings.Contains(res.Body, p.ID))
		}
		for _, s := range personal {
			if strings.Contains(res.Body, s) {
				t.Errorf("%s export holds %q; want no personal values in the audit log", format, s)
			}
		}
	}
}

// CSV and NDJSON hold the same entries as the pages, with the columns of
// the JSON and the negotiated content type, like every other export.
func TestAuditLogExports(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	var want []string
	for q := (url.Values{"pageSize": {"100"}}); ; {
		page := auditPage(t, f, q)
		for _, e := range page.Items {
			want = append(want, e.ID.String())
		}
		if page.NextCursor == nil {
			break
		}
		q.Set("cursor", *page.NextCursor)
	}

	res := f.Do(t, "GET", "/v1/audit-events", nil, apptest.Headers(f.Admin, "Accept", "application/x-ndjson"))
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "application/x-ndjson") {
		t.Fatalf("NDJSON: got %d, %s; want 200, application/x-ndjson", res.StatusCode, ct)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(res.Body), "\n") {
		var e api.AuditEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("NDJSON line %q: %v", line, err)
		}
		got = append(got, e.ID.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("NDJSON: got %d entries; want the %d of the pages, in their order", len(got), len(want))
	}

	res = f.Do(t, "GET", "/v1/audit-events?format=csv", nil, apptest.Bearer(f.Admin))
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("CSV: got %d, %s; want 200, text/csv", res.StatusCode, ct)
	}
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	wantHeader := []string{"id", "action", "actor.id", "actor.kind", "changedFields", "occurredAt", "requestId", "resource", "resourceId"}
	if !slices.Equal(records[0], wantHeader) {
		t.Errorf("CSV header: got %v; want %v", records[0], wantHeader)
	}
	if len(records)-1 != len(want) || records[1][0] != want[0] {
		t.Errorf("CSV: got %d rows; want %d, starting with %s", len(records)-1, len(want), want[0])
	}
}
