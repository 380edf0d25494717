package httpapi_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// signInStatus is the status of a client-credentials sign-in.
func signInStatus(t *testing.T, e *apptest.Env, clientID, secret string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}.Encode()
	return e.Do(t, "POST", "/v1/auth/token", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}).StatusCode
}

// noSecrets fails when a response shows a secret's hash, or names one.
func noSecrets(t *testing.T, label string, res apptest.Response, hashes ...string) {
	t.Helper()
	if strings.Contains(strings.ToLower(res.Body), "hash") {
		t.Errorf("%s: the body names a hash: %s", label, apptest.Short(res.Body))
	}
	for _, h := range hashes {
		if h != "" && strings.Contains(res.Body, h) {
			t.Errorf("%s: the body shows a secret's hash", label)
		}
	}
}

func TestAPIClients(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	admin := apptest.Headers(f.Admin)

	// Create: the secret is shown once, never stored in a cache.
	res := f.Do(t, "POST", "/v1/api-clients", map[string]any{"name": " North portal ", "organisation": "gm9901",
		"scopes": []string{"registrations:write", "people:read", "people:read"}}, admin)
	if res.StatusCode != 201 {
		t.Fatalf("create: got %d; want 201 (%s)", res.StatusCode, res.Body)
	}
	var created api.APIClientWithSecret
	res.JSON(t, &created)
	if res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(res.Header.Get("ETag"), `"v1`) ||
		res.Header.Get("Location") != "/v1/api-clients/"+created.ID.String() {
		t.Errorf("create headers: got Cache-Control %q, ETag %q, Location %q", res.Header.Get("Cache-Control"), res.Header.Get("ETag"), res.Header.Get("Location"))
	}
	if created.Name != "North portal" || !strings.HasPrefix(created.ClientID, "pc_") || len(created.ClientSecret) < 32 ||
		created.Status != "active" || created.Revision != 1 || created.OrganisationID == nil ||
		!slices.Equal(created.Scopes, []api.APIClientScope{"people:read", "registrations:write"}) {
		t.Errorf("created: got %+v", created)
	}
	stored, err := f.App.Accounts.GetClient(apptest.As(domain.System), created.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "create", res, stored.SecretHash)
	if got := signInStatus(t, f.Env, created.ClientID, created.ClientSecret); got != 200 {
		t.Errorf("sign in with the new secret: got %d; want 200", got)
	}

	invalid := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown scope", map[string]any{"name": "X", "scopes": []string{"people:write"}}, "scopes[0]"},
		{"people:read unbound", map[string]any{"name": "X", "scopes": []string{"people:read"}}, "scopes[0]"},
		{"unknown organisation", map[string]any{"name": "X", "organisation": "GM0000"}, "organisation"},
		{"no name", map[string]any{"organisation": "GM9901"}, "name"},
		{"a secret of one's own", map[string]any{"name": "X", "clientSecret": "mine"}, "clientSecret"},
	}
	for _, tt := range invalid {
		apptest.CheckInvalid(t, "create, "+tt.name, f.Do(t, "POST", "/v1/api-clients", tt.body, admin), tt.field)
	}
	other := f.Post(t, f.Admin, "/v1/api-clients", map[string]any{"name": "South portal", "organisation": "GM9902"})

	// Read: admins any, a client itself only.
	self := f.SecretToken(t, created.ClientID, created.ClientSecret)
	for _, tt := range []struct {
		name, token, ref string
		want             int
	}{
		{"admin by client id", f.Admin, created.ClientID, 200},
		{"admin by id", f.Admin, created.ID.String(), 200},
		{"itself", self, created.ClientID, 200},
		{"another client", self, other.ID, 404},
		{"member", f.Member, created.ClientID, 403},
		{"anonymous", "", created.ClientID, 401},
		{"unknown", f.Admin, "pc_nobody", 404},
	} {
		res := f.Do(t, "GET", "/v1/api-clients/"+tt.ref, nil, apptest.Headers(tt.token))
		if res.StatusCode != tt.want {
			t.Errorf("get, %s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, apptest.Short(res.Body))
		}
		noSecrets(t, "get, "+tt.name, res, stored.SecretHash)
	}
	list := func(token, query string) []string {
		t.Helper()
		res := f.Do(t, "GET", "/v1/api-clients"+query, nil, apptest.Headers(token))
		if res.StatusCode != 200 {
			t.Fatalf("list %s: got %d (%s)", query, res.StatusCode, apptest.Short(res.Body))
		}
		noSecrets(t, "list", res, stored.SecretHash)
		var page api.APIClientPage
		res.JSON(t, &page)
		out := []string{}
		for _, c := range page.Items {
			out = append(out, c.ID.String())
		}
		return out
	}
	if got := list(f.Admin, "?organisation=GM9902"); !slices.Equal(got, []string{other.ID}) {
		t.Errorf("list by organisation: got %v; want [%s]", got, other.ID)
	}
	if got := list(self, ""); !slices.Equal(got, []string{created.ID.String()}) {
		t.Errorf("a client lists: got %v; want only itself", got)
	}

	// Change: merge patch, If-Match, scopes replaced as a whole.
	patch := func(ref, body, ifMatch string) apptest.Response {
		return f.Do(t, "PATCH", "/v1/api-clients/"+ref, body, apptest.Headers(f.Admin, "Content-Type", "application/merge-patch+json", "If-Match", ifMatch))
	}
	apptest.CheckProblem(t, "patch without If-Match", f.Do(t, "PATCH", "/v1/api-clients/"+created.ClientID, `{"name":"N"}`,
		apptest.Headers(f.Admin, "Content-Type", "application/merge-patch+json")), 428)
	apptest.CheckProblem(t, "patch, stale If-Match", patch(created.ClientID, `{"name":"N"}`, `"v9"`), 412)
	apptest.CheckInvalid(t, "patch the secret", patch(created.ClientID, `{"clientSecret":"mine"}`, `"v1"`), "clientSecret")
	apptest.CheckProblem(t, "patch by the client itself", f.Do(t, "PATCH", "/v1/api-clients/"+created.ClientID, `{"name":"Mine"}`,
		apptest.Headers(self, "Content-Type", "application/merge-patch+json", "If-Match", "*")), 403)
	res = patch(created.ClientID, `{"name":"North portal 2","scopes":["webhooks:manage"],"organisation":null}`, `"v1"`)
	if res.StatusCode != 200 {
		t.Fatalf("patch: got %d (%s)", res.StatusCode, res.Body)
	}
	var patched api.APIClient
	res.JSON(t, &patched)
	if patched.Name != "North portal 2" || patched.OrganisationID != nil || patched.Revision != 2 || !strings.HasPrefix(res.Header.Get("ETag"), `"v2`) ||
		!slices.Equal(patched.Scopes, []api.APIClientScope{"webhooks:manage"}) {
		t.Errorf("patched: got %+v, ETag %s", patched, res.Header.Get("ETag"))
	}

	// The patch moved the client and narrowed its scopes: its earlier token is refused.
	apptest.CheckProblem(t, "the token from before the patch", f.Do(t, "GET", "/v1/api-clients/"+created.ClientID, nil, apptest.Headers(self)), 401)
	self = f.SecretToken(t, created.ClientID, created.ClientSecret)

	// Revoke: sign-in refused, the record kept.
	apptest.CheckProblem(t, "revoke by the client itself", f.Do(t, "DELETE", "/v1/api-clients/"+created.ClientID, nil, apptest.Headers(self, "If-Match", "*")), 403)
	apptest.CheckProblem(t, "revoke without If-Match", f.Do(t, "DELETE", "/v1/api-clients/"+created.ClientID, nil, admin), 428)
	if res := f.Do(t, "DELETE", "/v1/api-clients/"+created.ClientID, nil, apptest.Headers(f.Admin, "If-Match", `"v2"`)); res.StatusCode != 204 {
		t.Fatalf("revoke: got %d (%s)", res.StatusCode, res.Body)
	}
	if got := signInStatus(t, f.Env, created.ClientID, created.ClientSecret); got != 401 {
		t.Errorf("sign in after revocation: got %d; want 401", got)
	}
	var revoked api.APIClient
	f.Do(t, "GET", "/v1/api-clients/"+created.ClientID, nil, admin).JSON(t, &revoked)
	if revoked.Status != "revoked" || revoked.RevokedAt == nil || revoked.Revision != 3 {
		t.Errorf("revoked: got %+v", revoked)
	}
	if got := list(f.Admin, "?status=revoked"); !slices.Equal(got, []string{created.ID.String()}) {
		t.Errorf("list revoked: got %v; want [%s]", got, created.ID)
	}
	apptest.CheckProblem(t, "patch a revoked client", patch(created.ClientID, `{"name":"Back"}`, "*"), 409)
	apptest.CheckProblem(t, "rotate a revoked client", f.Do(t, "POST", "/v1/api-clients/"+created.ClientID+"/secret-rotations", nil, admin), 409)
	if got := f.Changes(t, "client", created.ID.String()); got != 3 {
		t.Errorf("change records: got %d; want 3 (create, change, revoke)", got)
	}
}

func TestAPIClientSecretRotation(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	cl, token := f.ScopedClient(t, "Rotating portal", "GM9901")
	var first struct{ secret string }
	// The fixture keeps no secret: rotate once without overlap to learn one.
	rotate := func(token, ref, body string) (apptest.Response, api.APIClientWithSecret) {
		t.Helper()
		h := apptest.Headers(token)
		var b any
		if body != "" {
			b = body
			h["Content-Type"] = "application/json"
		}
		res := f.Do(t, "POST", "/v1/api-clients/"+ref+"/secret-rotations", b, h)
		var out api.APIClientWithSecret
		if res.StatusCode == 200 {
			res.JSON(t, &out)
		}
		return res, out
	}
	res, r0 := rotate(f.Admin, cl.ClientID, `{"overlapSeconds":0}`)
	if res.StatusCode != 200 || r0.ClientSecret == "" || r0.PreviousSecretExpiresAt != nil || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate without overlap: got %d, %+v, Cache-Control %q", res.StatusCode, r0, res.Header.Get("Cache-Control"))
	}
	first.secret = r0.ClientSecret
	apptest.CheckInvalid(t, "overlap beyond 7 days", func() apptest.Response { r, _ := rotate(f.Admin, cl.ClientID, `{"overlapSeconds":604801}`); return r }(), "overlapSeconds")
	other, _ := f.ScopedClient(t, "Other portal", "")
	if r, _ := rotate(token, other.ClientID, ""); r.StatusCode != 404 {
		t.Errorf("rotate another client's secret: got %d; want 404", r.StatusCode)
	}
	if r, _ := rotate(f.Member, cl.ClientID, ""); r.StatusCode != 403 {
		t.Errorf("rotate as a member: got %d; want 403", r.StatusCode)
	}

	// The client rotates its own secret with a one-second overlap: both
	// secrets sign in until it ends, then only the new one.
	res, r1 := rotate(token, cl.ClientID, `{"overlapSeconds":1}`)
	if res.StatusCode != 200 || r1.ClientSecret == first.secret || r1.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotate: got %d, %+v", res.StatusCode, r1)
	}
	if old, next := signInStatus(t, f.Env, cl.ClientID, first.secret), signInStatus(t, f.Env, cl.ClientID, r1.ClientSecret); old != 200 || next != 200 {
		t.Errorf("within the overlap: got old %d, new %d; want 200, 200", old, next)
	}
	time.Sleep(time.Until(*r1.PreviousSecretExpiresAt) + 50*time.Millisecond)
	if old, next := signInStatus(t, f.Env, cl.ClientID, first.secret), signInStatus(t, f.Env, cl.ClientID, r1.ClientSecret); old != 401 || next != 200 {
		t.Errorf("after the overlap: got old %d, new %d; want 401, 200", old, next)
	}
	// The default overlap is a day.
	res, r2 := rotate(f.Admin, cl.ClientID, "")
	if res.StatusCode != 200 || r2.PreviousSecretExpiresAt == nil || (r2.PreviousSecretExpiresAt.Sub(r2.UpdatedAt)-24*time.Hour).Abs() > time.Second {
		t.Errorf("default overlap: got %d, expires %v after %v; want a day", res.StatusCode, r2.PreviousSecretExpiresAt, r2.UpdatedAt)
	}
	if got := signInStatus(t, f.Env, cl.ClientID, r1.ClientSecret); got != 200 {
		t.Errorf("the replaced secret within the default overlap: got %d; want 200", got)
	}
	// Tokens issued before a rotation stay valid.
	if got := f.Do(t, "GET", "/v1/api-clients/"+cl.ClientID, nil, apptest.Headers(token)).StatusCode; got != 200 {
		t.Errorf("a token from before the rotations: got %d; want 200", got)
	}
}

// A client token without a scope the operation names is refused before
// anything else, as RFC 6750 says; people and scoped clients pass.
func TestScopeEnforcement(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	_, plain := f.ScopedClient(t, "Plain portal", "GM9901")
	_, people := f.ScopedClient(t, "People portal", "GM9901", "people:read")
	_, writer := f.ScopedClient(t, "Registering portal", "GM9901", "registrations:write", "people:read")
	regs := "/v1/meetings/" + f.Planned + "/registrations"
	for _, tt := range []struct {
		name, token, method, path string
		body                      any
	}{
		{"register without the scope", plain, "POST", regs, map[string]any{"person": f.Person}},
		{"register with another scope", people, "POST", regs, map[string]any{"person": f.Person}},
		{"register with an invalid body", plain, "POST", regs, map[string]any{"person": 7}},
		{"list registrations", people, "GET", regs, nil},
		{"cancel a registration", plain, "DELETE", regs + "/00000000-0000-7000-8000-000000000000", nil},
	} {
		res := f.Do(t, tt.method, tt.path, tt.body, apptest.Headers(tt.token))
		p := apptest.CheckProblem(t, tt.name, res, 403)
		if got := res.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) || !strings.Contains(got, `scope="registrations:write"`) {
			t.Errorf("%s: WWW-Authenticate %q; want insufficient_scope naming registrations:write", tt.name, got)
		}
		if !strings.Contains(p.Detail, "registrations:write") {
			t.Errorf("%s: detail %q; want the missing scope named", tt.name, p.Detail)
		}
	}
	// Roles are not scopes: a member's token passes to the domain's rules.
	if res := f.Do(t, "GET", regs, nil, apptest.Headers(f.Member)); res.StatusCode != 200 || res.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("member lists registrations: got %d, WWW-Authenticate %q; want 200 and none", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	if res := f.Do(t, "GET", regs, nil, apptest.Headers(writer)); res.StatusCode != 200 {
		t.Errorf("client with the scope lists registrations: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	// An operation whose requirement is empty needs no scope.
	if res := f.Do(t, "GET", "/v1/organisations", nil, apptest.Headers(plain)); res.StatusCode != 200 {
		t.Errorf("public read by a plain client: got %d; want 200", res.StatusCode)
	}
}

// What the scopes unlock, through the API.
func TestPartnerCapabilities(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	_, plain := f.ScopedClient(t, "Plain portal", "GM9901")
	_, people := f.ScopedClient(t, "People portal", "GM9901", "people:read")
	_, south := f.ScopedClient(t, "South portal", "GM9902", "people:read", "registrations:write")
	_, writer := f.ScopedClient(t, "Registering portal", "GM9901", "registrations:write", "people:read")

	// people:read: the organisation's people who made no profile public,
	// as public profiles: no email, phone or consent.
	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"without people:read", plain, 404},
		{"another organisation's client", south, 404},
		{"with people:read", people, 200},
	} {
		res := f.Do(t, "GET", "/v1/people/"+f.Person, nil, apptest.Headers(tt.token))
		if res.StatusCode != tt.want {
			t.Errorf("get person %s: got %d; want %d", tt.name, res.StatusCode, tt.want)
		}
		if strings.Contains(res.Body, "sam@north.example") || strings.Contains(res.Body, `"consent"`) {
			t.Errorf("get person %s: shows contact data or consent: %s", tt.name, res.Body)
		}
	}
	var page api.PersonPage
	f.Do(t, "GET", "/v1/organisations/GM9901/people", nil, apptest.Headers(people)).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID.String() != f.Person || page.Items[0].Email != nil {
		t.Errorf("list GM9901's people with people:read: got %+v; want Sam Example without email", page.Items)
	}
	if res := f.Do(t, "GET", "/v1/people/"+f.Person+"/consent", nil, apptest.Headers(people)); res.StatusCode != 403 {
		t.Errorf("consent with people:read: got %d; want 403", res.StatusCode)
	}

	// registrations:write: its organisation's people, listed and cancelled.
	meeting := f.Post(t, f.Admin, "/v1/meetings", apptest.PlannedMeeting("Partner meeting", map[string]any{"capacity": 10})).ID
	regs := "/v1/meetings/" + meeting + "/registrations"
	apptest.CheckProblem(t, "register another organisation's person", f.Do(t, "POST", regs, map[string]any{"person": f.Person}, apptest.Headers(south)), 400)
	reg := f.Post(t, writer, regs, map[string]any{"person": f.Person}).ID
	var list api.RegistrationList
	f.Do(t, "GET", regs, nil, apptest.Headers(writer)).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID.String() != reg {
		t.Errorf("list as the registering client: got %+v; want its registration", list.Items)
	}
	f.Do(t, "GET", regs, nil, apptest.Headers(south)).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("list as another organisation's client: got %d registrations; want none", len(list.Items))
	}
	apptest.CheckProblem(t, "cancel as another organisation's client", f.Do(t, "DELETE", regs+"/"+reg, nil, apptest.Headers(south)), 403)
	if res := f.Do(t, "DELETE", regs+"/"+reg, nil, apptest.Headers(writer)); res.StatusCode != 204 {
		t.Errorf("cancel as the registering client: got %d; want 204 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
}

// Today an analyst posted a paper in GM9902's name and got 201 (issue 15).
func TestSubmissionInAnOrganisationsName(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	unbound := f.ClientToken(t, "Unbound portal", "")
	bound := f.ClientToken(t, "North portal", "GM9901")
	conf := f.Post(t, f.Editor, "/v1/meetings", (&matrixFixture{}).conferenceBody()).ID
	paper := func(org string) map[string]any {
		b := paperBody()
		delete(b, "organisation")
		if org != "" {
			b["organisation"] = org
		}
		return b
	}
	for _, tt := range []struct {
		name, token, org string
		want             int
	}{
		{"analyst for GM9902", f.Analyst, "GM9902", 403},
		{"analyst in its own name", f.Analyst, "", 201},
		{"unbound partner for GM9901", unbound, "GM9901", 403},
		{"unbound partner in its own name", unbound, "", 201},
		{"bound partner for its own organisation", bound, "GM9901", 201},
		{"bound partner for another", bound, "GM9902", 403},
		{"member for another organisation", f.Member, "GM9902", 403},
		{"member for its own", f.Member, "", 201},
		{"editor for anyone", f.Editor, "GM9902", 201},
		{"admin for anyone", f.Admin, "GM9901", 201},
	} {
		res := f.Do(t, "POST", "/v1/meetings/"+conf+"/submissions", paper(tt.org), apptest.Headers(tt.token))
		if res.StatusCode != tt.want {
			t.Errorf("%s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, apptest.Short(res.Body))
		}
	}
}
