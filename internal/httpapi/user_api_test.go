package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// signIn signs in with email and password and returns the whole grant.
func signIn(t *testing.T, env *apptest.Env, email, password string) api.AccessToken {
	t.Helper()
	res := env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": email, "password": password}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: got %d; want 200 (%s)", email, res.StatusCode, apptest.Short(res.Body))
	}
	var tok api.AccessToken
	res.JSON(t, &tok)
	return tok
}

// refresh exchanges a refresh token through the OAuth form.
func refresh(t *testing.T, env *apptest.Env, token string) apptest.Response {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}.Encode()
	return env.Do(t, "POST", "/v1/auth/token", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// userID is the id of the account with email, as an admin reads it.
func userID(t *testing.T, env *apptest.Env, admin, email string) (id, etag string) {
	t.Helper()
	res := env.Do(t, "GET", "/v1/users?pageSize=100", nil, apptest.Bearer(admin))
	var page api.UserPage
	res.JSON(t, &page)
	for _, u := range page.Items {
		if string(u.Email) == email {
			got := env.Do(t, "GET", "/v1/users/"+u.ID.String(), nil, apptest.Bearer(admin))
			return u.ID.String(), got.Header.Get("ETag")
		}
	}
	t.Fatalf("no user %s in %s", email, apptest.Short(res.Body))
	return "", ""
}

// unexpired fails unless the access token's exp is still ahead.
func unexpired(t *testing.T, token string) {
	t.Helper()
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil {
		t.Fatalf("parse token: %v", err)
	}
	if c.ExpiresAt == nil || !c.ExpiresAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("token expires at %v; want it valid for a while yet", c.ExpiresAt)
	}
}

func patchUser(t *testing.T, env *apptest.Env, admin, id, etag, body string) apptest.Response {
	t.Helper()
	return env.Do(t, "PATCH", "/v1/users/"+id, body, apptest.Headers(admin, "If-Match", etag, "Content-Type", "application/merge-patch+json"))
}

// Access ends on the very next request when an admin disables, deletes,
// demotes or moves an account, or erases its person: the token, still
// unexpired, gets 401 on reads and writes alike.
func TestRevocationOnTheNextRequest(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	tests := []struct {
		name   string
		revoke func(t *testing.T, id, etag, person string) apptest.Response
		want   int // the revoking request's status
	}{
		{"disabled", func(t *testing.T, id, etag, _ string) apptest.Response {
			return patchUser(t, f.Env, f.Admin, id, etag, `{"disabled":true,"disabledReason":"left the municipality"}`)
		}, 200},
		{"deleted", func(t *testing.T, id, etag, _ string) apptest.Response {
			return f.Do(t, "DELETE", "/v1/users/"+id, nil, apptest.Headers(f.Admin, "If-Match", etag))
		}, 204},
		{"demoted", func(t *testing.T, id, etag, _ string) apptest.Response {
			return patchUser(t, f.Env, f.Admin, id, etag, `{"role":"analyst"}`)
		}, 200},
		{"moved", func(t *testing.T, id, etag, _ string) apptest.Response {
			return patchUser(t, f.Env, f.Admin, id, etag, `{"organisation":"GM9902"}`)
		}, 200},
		{"person erased", func(t *testing.T, _, _, person string) apptest.Response {
			return f.Do(t, "DELETE", "/v1/people/"+person, nil, apptest.Headers(f.Admin, "If-Match", "*"))
		}, 204},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := fmt.Sprintf("revoked%d@north.example", i)
			person := f.Post(t, f.Admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Revoked %d", i), email, "", "GM9901")).ID
			token := f.PersonUser(t, email, domain.RoleMember, "GM9901", person)
			if res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(token)); res.StatusCode != 200 {
				t.Fatalf("GET /v1/me before: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
			}
			id, etag := userID(t, f.Env, f.Admin, email)
			if res := tt.revoke(t, id, etag, person); res.StatusCode != tt.want {
				t.Fatalf("revoke: got %d; want %d (%s)", res.StatusCode, tt.want, apptest.Short(res.Body))
			}
			unexpired(t, token)
			for _, req := range []struct{ method, path string }{{"GET", "/v1/me"}, {"GET", "/v1/people/" + f.Person}, {"POST", "/v1/people"}} {
				var body any
				if req.method == "POST" {
					body = apptest.Pioneer("After", fmt.Sprintf("after%d@north.example", i), "", "GM9901")
				}
				res := f.Do(t, req.method, req.path, body, apptest.Bearer(token))
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s right after: got %d; want 401 (%s)", req.method, req.path, res.StatusCode, apptest.Short(res.Body))
				}
				if h := res.Header.Get("WWW-Authenticate"); !strings.Contains(h, "invalid_token") {
					t.Errorf("%s %s: WWW-Authenticate %q; want invalid_token", req.method, req.path, h)
				}
			}
		})
	}
}

// An account changed while the request that changed it did not end access
// (a new reason on a disabled account, an unchanged role) keeps what it had;
// and an enabled account signs in again with a fresh token.
func TestRevocationIsNoWiderThanTheChange(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	token := f.User(t, "keeps@example.org", domain.RoleEditor, "")
	id, etag := userID(t, f.Env, f.Admin, "keeps@example.org")
	res := patchUser(t, f.Env, f.Admin, id, etag, `{"role":"editor"}`)
	if res.StatusCode != 200 {
		t.Fatalf("no-op patch: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(token)); res.StatusCode != 200 {
		t.Errorf("after a patch that changes nothing: got %d; want 200", res.StatusCode)
	}
	res = patchUser(t, f.Env, f.Admin, id, res.Header.Get("ETag"), `{"disabled":true}`)
	if res.StatusCode != 200 {
		t.Fatalf("disable: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := f.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "keeps@example.org", "password": apptest.Password}, nil); res.StatusCode != 401 {
		t.Errorf("sign in while disabled: got %d; want 401", res.StatusCode)
	}
	res = patchUser(t, f.Env, f.Admin, id, res.Header.Get("ETag"), `{"disabled":false}`)
	if res.StatusCode != 200 {
		t.Fatalf("enable: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	if res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(token)); res.StatusCode != 401 {
		t.Errorf("token from before the disable, after enabling: got %d; want 401", res.StatusCode)
	}
	fresh := f.Token(t, "keeps@example.org", apptest.Password)
	if res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(fresh)); res.StatusCode != 200 {
		t.Errorf("fresh token after enabling: got %d; want 200", res.StatusCode)
	}
}

// A change made on one instance reaches another within --access-refresh.
func TestRevocationReachesOtherInstances(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.AccessRefresh = 50 * time.Millisecond
	one := apptest.New(t, cfg)
	cfg.PublicURL = ""
	two := apptest.New(t, cfg)
	admin := one.User(t, "admin@example.org", domain.RoleAdmin, "")
	token := one.User(t, "editor@example.org", domain.RoleEditor, "")
	if res := two.Do(t, "GET", "/v1/me", nil, apptest.Bearer(token)); res.StatusCode != 200 {
		t.Fatalf("on the other instance before: got %d; want 200", res.StatusCode)
	}
	id, etag := userID(t, one, admin, "editor@example.org")
	if res := patchUser(t, one, admin, id, etag, `{"disabled":true}`); res.StatusCode != 200 {
		t.Fatalf("disable: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		res := two.Do(t, "GET", "/v1/me", nil, apptest.Bearer(token))
		if res.StatusCode == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("other instance 2 s after the disable: got %d; want 401 within the 50 ms refresh", res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	f.User(t, "browser@example.org", domain.RoleEditor, "")

	first := signIn(t, f.Env, "browser@example.org", apptest.Password)
	if first.RefreshToken == nil || *first.RefreshToken == "" || apptest.Deref(first.RefreshExpiresIn) != 14*24*3600 {
		t.Fatalf("sign-in: got refresh token %v expiring in %v; want one for 14 days", first.RefreshToken, first.RefreshExpiresIn)
	}
	res := refresh(t, f.Env, *first.RefreshToken)
	if res.StatusCode != 200 {
		t.Fatalf("refresh: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var second api.AccessToken
	res.JSON(t, &second)
	if second.RefreshToken == nil || *second.RefreshToken == *first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh: got %+v; want a new access token and a new refresh token", second)
	}
	if res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(second.AccessToken)); res.StatusCode != 200 {
		t.Errorf("refreshed access token: got %d; want 200", res.StatusCode)
	}

	// The spent token again: the family ends, the thief's and the owner's.
	if res := refresh(t, f.Env, *first.RefreshToken); res.StatusCode != 401 {
		t.Errorf("reuse of a spent refresh token: got %d; want 401", res.StatusCode)
	}
	if res := refresh(t, f.Env, *second.RefreshToken); res.StatusCode != 401 {
		t.Errorf("the family's newest token after reuse: got %d; want 401", res.StatusCode)
	}

	// Another sign-in is another family, untouched.
	other := signIn(t, f.Env, "browser@example.org", apptest.Password)
	res = refresh(t, f.Env, *other.RefreshToken)
	if res.StatusCode != 200 {
		t.Fatalf("other family: got %d; want 200", res.StatusCode)
	}
	var third api.AccessToken
	res.JSON(t, &third)

	// Sign-out ends it; any token, known or not, answers 204.
	for _, tok := range []string{*third.RefreshToken, "no-such-token", *third.RefreshToken} {
		if res := f.Do(t, "POST", "/v1/auth/revocations", map[string]string{"refreshToken": tok}, nil); res.StatusCode != 204 {
			t.Errorf("sign-out with %q: got %d; want 204", apptest.Short(tok), res.StatusCode)
		}
	}
	if res := refresh(t, f.Env, *third.RefreshToken); res.StatusCode != 401 {
		t.Errorf("refresh after sign-out: got %d; want 401", res.StatusCode)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 300)} {
		res := refresh(t, f.Env, bad)
		apptest.CheckNever5xx(t, "refresh "+apptest.Short(bad), res)
		if res.StatusCode != 401 && res.StatusCode != 400 {
			t.Errorf("refresh with %q: got %d; want 400 or 401", apptest.Short(bad), res.StatusCode)
		}
	}
}

func TestRefreshEndsWithTheAccount(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	f.User(t, "disabled@example.org", domain.RoleEditor, "")
	f.User(t, "deleted@example.org", domain.RoleEditor, "")
	tests := []struct {
		email, body string // body: the merge patch, or "" to delete
	}{
		{"disabled@example.org", `{"disabled":true}`},
		{"deleted@example.org", ""},
	}
	for _, tt := range tests {
		grant := signIn(t, f.Env, tt.email, apptest.Password)
		id, etag := userID(t, f.Env, f.Admin, tt.email)
		var res apptest.Response
		if tt.body == "" {
			res = f.Do(t, "DELETE", "/v1/users/"+id, nil, apptest.Headers(f.Admin, "If-Match", etag))
		} else {
			res = patchUser(t, f.Env, f.Admin, id, etag, tt.body)
		}
		if res.StatusCode >= 300 {
			t.Fatalf("%s: change: got %d (%s)", tt.email, res.StatusCode, apptest.Short(res.Body))
		}
		if res := refresh(t, f.Env, *grant.RefreshToken); res.StatusCode != 401 {
			t.Errorf("%s: refresh afterwards: got %d; want 401 (%s)", tt.email, res.StatusCode, apptest.Short(res.Body))
		}
	}
}

func TestChangeMyPassword(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	f.User(t, "changer@example.org", domain.RoleEditor, "")
	here := signIn(t, f.Env, "changer@example.org", apptest.Password)
	elsewhere := signIn(t, f.Env, "changer@example.org", apptest.Password)
	const next = "a completely new passphrase"
	tests := []struct {
		name    string
		body    map[string]string
		want    int
		field   string
		current string // the password that works afterwards
	}{
		{"wrong current password", map[string]string{"currentPassword": "not my password", "newPassword": next}, 400, "currentPassword", apptest.Password},
		{"too short", map[string]string{"currentPassword": apptest.Password, "newPassword": "short"}, 400, "newPassword", apptest.Password},
		{"right", map[string]string{"currentPassword": apptest.Password, "newPassword": next}, 204, "", next},
	}
	for _, tt := range tests {
		res := f.Do(t, "PUT", "/v1/me/password", tt.body, apptest.Bearer(here.AccessToken))
		if res.StatusCode != tt.want {
			t.Fatalf("%s: got %d; want %d (%s)", tt.name, res.StatusCode, tt.want, apptest.Short(res.Body))
		}
		if tt.field != "" {
			if got := res.Problem(t).Fields(); !slices.Equal(got, []string{tt.field}) {
				t.Errorf("%s: invalid fields %v; want [%s]", tt.name, got, tt.field)
			}
		}
		signIn(t, f.Env, "changer@example.org", tt.current)
	}
	if res := refresh(t, f.Env, *elsewhere.RefreshToken); res.StatusCode != 401 {
		t.Errorf("the other sign-in's refresh after the change: got %d; want 401", res.StatusCode)
	}
	if res := refresh(t, f.Env, *here.RefreshToken); res.StatusCode != 200 {
		t.Errorf("this sign-in's refresh after the change: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	client := f.ClientToken(t, "Portal", "GM9901")
	if res := f.Do(t, "PUT", "/v1/me/password", map[string]string{"currentPassword": "x", "newPassword": next}, apptest.Bearer(client)); res.StatusCode != 403 {
		t.Errorf("an API client: got %d; want 403", res.StatusCode)
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	member := f.PersonUser(t, "me@north.example", domain.RoleMember, "GM9901", f.Person)
	client := f.ClientToken(t, "North portal", "GM9901")
	tests := []struct {
		name, token string
		check       func(t *testing.T, me api.Me)
	}{
		{"member with a person", member, func(t *testing.T, me api.Me) {
			if me.Kind != api.MeKindUser || me.Role != "member" || apptest.Deref(me.Email) != "me@north.example" ||
				me.Organisation == nil || me.Organisation.Code != "GM9901" || me.Person == nil || me.Person.String() != f.Person || me.Scopes != nil {
				t.Errorf("got %+v; want the member of GM9901 with its person and email, no scopes", me)
			}
		}},
		{"admin without organisation", f.Admin, func(t *testing.T, me api.Me) {
			if me.Kind != api.MeKindUser || me.Role != "admin" || me.Organisation != nil || me.Person != nil {
				t.Errorf("got %+v; want an admin with no organisation or person", me)
			}
		}},
		{"API client", client, func(t *testing.T, me api.Me) {
			if me.Kind != api.MeKindAPIClient || me.Role != "partner" || !strings.HasPrefix(me.ID, "pc_") || me.Email != nil ||
				apptest.Deref(me.Name) != "North portal" || me.Organisation == nil || me.Organisation.Code != "GM9901" || me.Scopes == nil {
				t.Errorf("got %+v; want the partner client of GM9901 with its name and scopes, no email", me)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.Do(t, "GET", "/v1/me", nil, apptest.Bearer(tt.token))
			if res.StatusCode != 200 {
				t.Fatalf("got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
			}
			var me api.Me
			res.JSON(t, &me)
			tt.check(t, me)
		})
	}
	if res := f.Do(t, "GET", "/v1/me", nil, nil); res.StatusCode != 401 {
		t.Errorf("anonymous: got %d; want 401", res.StatusCode)
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)

	// With a password: signs in at once; never a hash in the answer.
	res := f.Do(t, "POST", "/v1/users", map[string]any{"email": "New.Editor@Example.org", "role": "editor", "password": apptest.Password}, apptest.Bearer(f.Admin))
	if res.StatusCode != 201 || res.Header.Get("Location") == "" || !strings.HasPrefix(res.Header.Get("ETag"), `"v1`) {
		t.Fatalf("create: got %d, Location %q, ETag %q (%s)", res.StatusCode, res.Header.Get("Location"), res.Header.Get("ETag"), apptest.Short(res.Body))
	}
	if strings.Contains(res.Body, "$2a$") || strings.Contains(strings.ToLower(res.Body), "hash") || strings.Contains(res.Body, "passwordLink") {
		t.Errorf("create with a password: body %s; want no hash and no link", res.Body)
	}
	signIn(t, f.Env, "new.editor@example.org", apptest.Password)

	// Without: a one-time link, whose token travels in a body.
	res = f.Do(t, "POST", "/v1/users", map[string]any{"email": "member@north.example", "role": "member", "organisation": "GM9901", "person": f.Person}, apptest.Bearer(f.Admin))
	if res.StatusCode != 201 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create without a password: got %d, Cache-Control %q (%s)", res.StatusCode, res.Header.Get("Cache-Control"), apptest.Short(res.Body))
	}
	var created api.UserCreated
	res.JSON(t, &created)
	if created.PasswordLink == nil || !strings.HasPrefix(created.PasswordLink.URL, f.URL+"/set-password#token=") ||
		created.PasswordLink.ExpiresAt.Before(time.Now().Add(24*time.Hour)) {
		t.Fatalf("create without a password: link %+v; want one at the public URL, valid for days", created.PasswordLink)
	}
	if created.Organisation == nil || created.Organisation.Code != "GM9901" || created.Person == nil || created.Status != api.UserStatusActive || created.Revision != 1 {
		t.Errorf("created: got %+v", created)
	}
	if res := f.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "member@north.example", "password": apptest.Password}, nil); res.StatusCode != 401 {
		t.Errorf("sign in before the link is used: got %d; want 401", res.StatusCode)
	}
	token := strings.TrimPrefix(created.PasswordLink.URL, f.URL+"/set-password#token=")
	use := map[string]string{"token": token, "password": apptest.Password}
	if res := f.Do(t, "POST", "/v1/auth/passwords", use, nil); res.StatusCode != 204 {
		t.Fatalf("use the link: got %d; want 204 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	signIn(t, f.Env, "member@north.example", apptest.Password)
	if res := f.Do(t, "POST", "/v1/auth/passwords", use, nil); res.StatusCode != 401 {
		t.Errorf("use the link twice: got %d; want 401", res.StatusCode)
	}

	// A reset link replaces the earlier one.
	id := created.ID.String()
	older := f.Do(t, "POST", "/v1/users/"+id+"/password-links", nil, apptest.Bearer(f.Admin))
	newer := f.Do(t, "POST", "/v1/users/"+id+"/password-links", nil, apptest.Bearer(f.Admin))
	var oldLink, newLink api.PasswordLink
	older.JSON(t, &oldLink)
	newer.JSON(t, &newLink)
	tokenOf := func(l api.PasswordLink) string { return l.URL[strings.Index(l.URL, "#token=")+len("#token="):] }
	if res := f.Do(t, "POST", "/v1/auth/passwords", map[string]string{"token": tokenOf(oldLink), "password": "another long password"}, nil); res.StatusCode != 401 {
		t.Errorf("the earlier reset link: got %d; want 401", res.StatusCode)
	}
	if res := f.Do(t, "POST", "/v1/auth/passwords", map[string]string{"token": tokenOf(newLink), "password": "another long password"}, nil); res.StatusCode != 204 {
		t.Errorf("the newer reset link: got %d; want 204", res.StatusCode)
	}

	// List and filters.
	list := func(query string) []string {
		t.Helper()
		res := f.Do(t, "GET", "/v1/users?"+query, nil, apptest.Bearer(f.Admin))
		if res.StatusCode != 200 {
			t.Fatalf("list %s: got %d (%s)", query, res.StatusCode, apptest.Short(res.Body))
		}
		var page api.UserPage
		res.JSON(t, &page)
		var emails []string
		for _, u := range page.Items {
			emails = append(emails, string(u.Email))
		}
		return emails
	}
	if got := list("organisation=GM9901"); !slices.Equal(got, []string{"clerk@north.example", "member@north.example"}) {
		t.Errorf("organisation=GM9901: got %v", got)
	}
	if got := list("role=analyst"); !slices.Equal(got, []string{"analyst@example.org"}) {
		t.Errorf("role=analyst: got %v", got)
	}
	if got := list("pageSize=2"); len(got) != 2 || !slices.IsSorted(got) {
		t.Errorf("pageSize=2: got %v; want two, by email", got)
	}

	// PATCH needs If-Match; 412 on a stale one; disabled shows in the list.
	cur := f.Do(t, "GET", "/v1/users/"+id, nil, apptest.Bearer(f.Admin))
	if res := f.Do(t, "PATCH", "/v1/users/"+id, `{"disabled":true}`, apptest.Headers(f.Admin, "Content-Type", "application/merge-patch+json")); res.StatusCode != 428 {
		t.Errorf("PATCH without If-Match: got %d; want 428", res.StatusCode)
	}
	res = patchUser(t, f.Env, f.Admin, id, cur.Header.Get("ETag"), `{"disabled":true,"disabledReason":"on leave"}`)
	var u api.User
	res.JSON(t, &u)
	if res.StatusCode != 200 || u.Status != api.UserStatusDisabled || apptest.Deref(u.DisabledReason) != "on leave" || u.DisabledAt == nil {
		t.Fatalf("disable: got %d %+v", res.StatusCode, u)
	}
	if res := patchUser(t, f.Env, f.Admin, id, cur.Header.Get("ETag"), `{"disabled":false}`); res.StatusCode != 412 {
		t.Errorf("PATCH with a stale ETag: got %d; want 412", res.StatusCode)
	}
	if got := list("status=disabled"); !slices.Equal(got, []string{"member@north.example"}) {
		t.Errorf("status=disabled: got %v", got)
	}
	if n := f.Changes(t, "user", id); n < 3 {
		t.Errorf("change records of the user: got %d; want create, password and disable", n)
	}

	// An admin cannot lock themselves out.
	self, selfTag := userID(t, f.Env, f.Admin, "admin@example.org")
	if res := patchUser(t, f.Env, f.Admin, self, selfTag, `{"disabled":true}`); res.StatusCode != 409 {
		t.Errorf("disable oneself: got %d; want 409", res.StatusCode)
	}
	if res := f.Do(t, "DELETE", "/v1/users/"+self, nil, apptest.Headers(f.Admin, "If-Match", selfTag)); res.StatusCode != 409 {
		t.Errorf("delete oneself: got %d; want 409", res.StatusCode)
	}

	// DELETE, then 404.
	res = f.Do(t, "GET", "/v1/users/"+id, nil, apptest.Bearer(f.Admin))
	if res := f.Do(t, "DELETE", "/v1/users/"+id, nil, apptest.Headers(f.Admin, "If-Match", res.Header.Get("ETag"))); res.StatusCode != 204 {
		t.Fatalf("delete: got %d", res.StatusCode)
	}
	if res := f.Do(t, "GET", "/v1/users/"+id, nil, apptest.Bearer(f.Admin)); res.StatusCode != 404 {
		t.Errorf("GET after delete: got %d; want 404", res.StatusCode)
	}
}

// Invalid input is 400 naming every bad field at once.
func TestUserValidation(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	creates := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"bad email", map[string]any{"email": "nobody", "role": "editor", "password": apptest.Password}, []string{"email"}},
		{"partner role", map[string]any{"email": "p@example.org", "role": "partner", "password": apptest.Password}, []string{"role"}},
		{"short password", map[string]any{"email": "s@example.org", "role": "editor", "password": "short"}, []string{"password"}},
		{"member without organisation", map[string]any{"email": "m@example.org", "role": "member"}, []string{"organisation"}},
		{"unknown organisation", map[string]any{"email": "o@example.org", "role": "member", "organisation": "GM0000"}, []string{"organisation"}},
		{"unknown person", map[string]any{"email": "q@example.org", "role": "editor", "person": "0190d3e0-0000-7000-8000-00000000abcd"}, []string{"person"}},
		{"everything at once", map[string]any{"email": "x", "role": "member", "password": "short"}, []string{"email", "organisation", "password"}},
		{"taken email", map[string]any{"email": "editor@example.org", "role": "editor"}, []string{"email"}},
	}
	for _, tt := range creates {
		res := f.Do(t, "POST", "/v1/users", tt.body, apptest.Bearer(f.Admin))
		if res.StatusCode != 400 && res.StatusCode != 409 {
			t.Errorf("%s: got %d; want 400 (%s)", tt.name, res.StatusCode, apptest.Short(res.Body))
			continue
		}
		got := res.Problem(t).Fields()
		slices.Sort(got)
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: invalid fields %v; want %v", tt.name, got, tt.fields)
		}
	}
	id, etag := userID(t, f.Env, f.Admin, "clerk@north.example")
	patches := []struct {
		name, body string
		fields     []string
	}{
		{"member loses organisation", `{"organisation":null}`, []string{"organisation"}},
		{"unknown role", `{"role":"root"}`, []string{"role"}},
		{"unknown organisation", `{"organisation":"GM0000"}`, []string{"organisation"}},
		{"reason without disabling", `{"disabledReason":"because"}`, []string{"disabledReason"}},
		{"server-owned field", `{"email":"other@example.org"}`, []string{"email"}},
	}
	for _, tt := range patches {
		res := patchUser(t, f.Env, f.Admin, id, etag, tt.body)
		if res.StatusCode != 400 {
			t.Errorf("%s: got %d; want 400 (%s)", tt.name, res.StatusCode, apptest.Short(res.Body))
			continue
		}
		if got := res.Problem(t).Fields(); !slices.Equal(got, tt.fields) {
			t.Errorf("%s: invalid fields %v; want %v", tt.name, got, tt.fields)
		}
	}
	if res := f.Do(t, "POST", "/v1/auth/passwords", map[string]string{"token": "made-up", "password": "short"}, nil); res.StatusCode != 400 {
		t.Errorf("set-password with a short password: got %d; want 400", res.StatusCode)
	}
}

// The client credentials grant hands out the scopes asked for, among those
// granted; any other is invalid_scope.
func TestClientScopes(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	cl, secret, err := f.App.Accounts.CreateClient(apptest.As(domain.System), account.NewClient{Name: "Scoped portal", Organisation: "GM9901"})
	if err != nil {
		t.Fatal(err)
	}
	form := func(scope string) apptest.Response {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl.ClientID}, "client_secret": {secret}}
		if scope != "" {
			v.Set("scope", scope)
		}
		return f.Do(t, "POST", "/v1/auth/token", v.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	res := form("")
	if res.StatusCode != 200 {
		t.Fatalf("no scope asked: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	var tok api.AccessToken
	res.JSON(t, &tok)
	if tok.Scope == nil || tok.RefreshToken != nil {
		t.Errorf("client token: got scope %v, refresh %v; want the granted scopes and no refresh token", tok.Scope, tok.RefreshToken)
	}
	res = form(domain.ScopePeopleRead + " not-a-scope")
	if res.StatusCode != 400 {
		t.Fatalf("ungranted scope: got %d; want 400 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	p := res.Problem(t)
	if !strings.HasPrefix(p.Detail, "invalid_scope") || !slices.Equal(p.Fields(), []string{"scope"}) {
		t.Errorf("ungranted scope: got %q %v; want invalid_scope naming scope", p.Detail, p.Fields())
	}
}

// A new user's set-password link is a secret: it is never kept for a
// replay, and a retried create is 409, not a second link.
func TestCreateUserIsNeverReplayed(t *testing.T) {
	t.Parallel()
	f := apptest.StartDemo(t)
	body := map[string]any{"email": "retry@example.org", "role": "editor"}
	h := apptest.Headers(f.Admin, "Idempotency-Key", "create-retry")
	if res := f.Do(t, "POST", "/v1/users", body, h); res.StatusCode != 201 {
		t.Fatalf("create: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	res := f.Do(t, "POST", "/v1/users", body, h)
	if res.StatusCode != 409 || res.Header.Get("Idempotent-Replayed") != "" || strings.Contains(res.Body, "token=") {
		t.Errorf("retry: got %d, Idempotent-Replayed %q (%s); want 409 without the link", res.StatusCode, res.Header.Get("Idempotent-Replayed"), apptest.Short(res.Body))
	}
}

// Guessing one's current password is limited like sign-in, per caller.
func TestChangeMyPasswordIsRateLimited(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.SignInLimit = 12 // two sign-ins below, then ten guesses
	env := apptest.New(t, cfg)
	guesser := env.User(t, "guesser@example.org", domain.RoleEditor, "")
	other := env.User(t, "other@example.org", domain.RoleEditor, "")
	body := map[string]string{"currentPassword": "a wrong guess", "newPassword": "a completely new passphrase"}
	var last apptest.Response
	for i := 0; i < 15; i++ {
		last = env.Do(t, "PUT", "/v1/me/password", body, apptest.Bearer(guesser))
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
		if last.StatusCode != http.StatusBadRequest {
			t.Fatalf("guess %d: got %d; want 400 (%s)", i+1, last.StatusCode, apptest.Short(last.Body))
		}
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("15 guesses: last got %d, Retry-After %q; want 429 with Retry-After", last.StatusCode, last.Header.Get("Retry-After"))
	}
	if res := env.Do(t, "PUT", "/v1/me/password", body, apptest.Bearer(other)); res.StatusCode != http.StatusBadRequest {
		t.Errorf("another caller meanwhile: got %d; want 400 (its own budget)", res.StatusCode)
	}
}
