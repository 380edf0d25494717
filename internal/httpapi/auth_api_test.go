package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

func TestTokenVerification(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	env := apptest.New(t, cfg)
	env.Seed(t)
	valid := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	key, err := auth.LoadKey(filepath.Join(cfg.DataDir, "jwt-signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	admin := domain.Actor{Subject: "someone", Role: domain.RoleAdmin}
	issue := func(t *testing.T, k auth.Key, iss, aud string, now time.Time) string {
		t.Helper()
		tokens, err := auth.NewTokens([]auth.Key{k}, iss, aud, 15*time.Minute, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		tok, err := tokens.Issue(admin)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	forged := auth.Key{ID: key.ID, Private: otherPriv} // claims the real key id
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": cfg.JWTIssuer, "aud": cfg.JWTAudience, "sub": "x", "role": "admin", "exp": time.Now().Add(time.Hour).Unix()})
	noneToken, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", valid, http.StatusOK},
		{"expired", issue(t, key, cfg.JWTIssuer, cfg.JWTAudience, time.Now().Add(-time.Hour)), http.StatusUnauthorized},
		{"wrong signature", issue(t, forged, cfg.JWTIssuer, cfg.JWTAudience, time.Now()), http.StatusUnauthorized},
		{"alg none", noneToken, http.StatusUnauthorized},
		{"wrong audience", issue(t, key, cfg.JWTIssuer, "someone-else", time.Now()), http.StatusUnauthorized},
		{"wrong issuer", issue(t, key, "someone-else", cfg.JWTAudience, time.Now()), http.StatusUnauthorized},
		{"garbage", "not.a.token", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A valid admin token may read the organisation; an invalid token is refused even on a public read.
			res := env.Do(t, "GET", "/v1/organisations/GM0606", nil, apptest.Bearer(tt.token))
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if tt.want == http.StatusUnauthorized {
				if got := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") || !strings.Contains(got, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate: got %q; want a Bearer invalid_token challenge", got)
				}
				res.Problem(t)
			}
		})
	}
}

func TestAnonymousWriteIsChallenged(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	res := env.Do(t, "DELETE", "/v1/organisations/GM0606", nil, map[string]string{"If-Match": `"v1"`})
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status: got %d; want 401", res.StatusCode)
	}
	if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="pioniers"` {
		t.Errorf("WWW-Authenticate: got %q; want Bearer realm=\"pioniers\"", got)
	}
}

func TestPasswordSignIn(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.User(t, "Editor@Example.org", domain.RoleEditor, "")
	tests := []struct {
		name     string
		email    string
		password string
		want     int
	}{
		{"right", "editor@example.org", apptest.Password, 200},
		{"email in other case", "EDITOR@example.org", apptest.Password, 200},
		{"wrong password", "editor@example.org", "wrong password!!", 401},
		{"unknown email", "nobody@example.org", apptest.Password, 401},
		{"not an email", "nobody", apptest.Password, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": tt.email, "password": tt.password}, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if tt.want == 200 {
				var tok api.AccessToken
				res.JSON(t, &tok)
				if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
					t.Errorf("token: got %+v; want a Bearer token for 900 s", tok)
				}
				if res.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("Cache-Control: got %q; want no-store", res.Header.Get("Cache-Control"))
				}
			}
		})
	}
	wrong := env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "editor@example.org", "password": "wrong password!!"}, nil).Problem(t)
	unknown := env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": "nobody@example.org", "password": "wrong password!!"}, nil).Problem(t)
	if wrong.Detail != unknown.Detail {
		t.Errorf("details differ, telling which emails exist: %q and %q", wrong.Detail, unknown.Detail)
	}
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	cl, secret, err := env.App.Accounts.CreateClient(apptest.As(domain.System), account.NewClient{Name: "Partner portal"})
	if err != nil {
		t.Fatal(err)
	}
	form := func(id, secret string) string {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	}
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	res := env.Do(t, "POST", "/v1/auth/token", form(cl.ClientID, secret), formHeader)
	if res.StatusCode != 200 {
		t.Fatalf("client credentials in the form: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	req, _ := http.NewRequest("POST", env.URL+"/v1/auth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cl.ClientID, secret)
	basic, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	basic.Body.Close()
	if basic.StatusCode != 200 {
		t.Errorf("client credentials as HTTP Basic: got %d; want 200", basic.StatusCode)
	}
	if res := env.Do(t, "POST", "/v1/auth/token", form(cl.ClientID, "wrong"), formHeader); res.StatusCode != 401 {
		t.Errorf("wrong secret: got %d; want 401", res.StatusCode)
	}
	if res := env.Do(t, "POST", "/v1/auth/token", url.Values{"grant_type": {"password"}}.Encode(), formHeader); res.StatusCode != 400 {
		t.Errorf("unsupported grant: got %d; want 400", res.StatusCode)
	}
	// A partner reads public data but may not change it.
	var tok api.AccessToken
	res.JSON(t, &tok)
	if got := env.Do(t, "GET", "/v1/organisations", nil, apptest.Bearer(tok.AccessToken)).StatusCode; got != 200 {
		t.Errorf("partner read: got %d; want 200", got)
	}
	h := apptest.Bearer(tok.AccessToken)
	h["If-Match"] = "*"
	if got := env.Do(t, "DELETE", "/v1/organisations/GM0606", nil, h).StatusCode; got != 403 {
		t.Errorf("partner delete: got %d; want 403", got)
	}
}

func TestRobustTokenEndpoint(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	for _, tt := range []struct {
		name, body, ct string
		want           int
	}{
		{"empty JSON", `{}`, "application/json", 400},
		{"null", `null`, "application/json", 400},
		{"no password", `{"email":"admin@example.org"}`, "application/json", 400},
		{"long password", `{"email":"admin@example.org","password":"` + strings.Repeat("x", 1025) + `"}`, "application/json", 400},
		{"wrong password at the limit", `{"email":"admin@example.org","password":"` + strings.Repeat("x", 1024) + `"}`, "application/json", 401},
		{"unknown email", `{"email":"nobody@example.org","password":"x"}`, "application/json", 401},
		{"NUL in email", `{"email":"a\u0000@example.org","password":"x"}`, "application/json", 400},
		{"extra member", `{"email":"admin@example.org","password":"x","scope":"all"}`, "application/json", 400},
		{"wrong grant", `grant_type=password&username=a&password=b`, "application/x-www-form-urlencoded", 400},
		{"no grant", `client_id=a&client_secret=b`, "application/x-www-form-urlencoded", 400},
		{"long client id", `grant_type=client_credentials&client_id=` + strings.Repeat("x", 201), "application/x-www-form-urlencoded", 400},
		{"client id not UTF-8", `grant_type=client_credentials&client_id=%ff&client_secret=x`, "application/x-www-form-urlencoded", 400},
		{"no credentials", `grant_type=client_credentials`, "application/x-www-form-urlencoded", 401},
		{"broken form", `%%%`, "application/x-www-form-urlencoded", 400},
		{"XML", `<a/>`, "application/xml", 415},
	} {
		res := e.Do(t, "POST", "/v1/auth/token", tt.body, map[string]string{"Content-Type": tt.ct})
		apptest.CheckProblem(t, "token "+tt.name, res, tt.want)
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("token %s: Cache-Control %q; want no-store", tt.name, res.Header.Get("Cache-Control"))
		}
	}
	basic := func(t *testing.T, auth string) {
		t.Helper()
		res := e.Do(t, "POST", "/v1/auth/token", "grant_type=client_credentials", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth})
		if res.StatusCode != 400 && res.StatusCode != 401 {
			t.Errorf("token with Authorization %q: got %d; want 400 or 401 (%s)", apptest.Short(auth), res.StatusCode, apptest.Short(res.Body))
			return
		}
		apptest.CheckProblem(t, "token with Authorization "+apptest.Short(auth), res, res.StatusCode)
	}
	basic(t, "Basic %%%")
	basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 5000)+":b")))
	basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("pc_unknown:secret")))
	// The form's client_id is checked for NUL and UTF-8; the same id sent
	// as HTTP Basic credentials goes to the database as it is: PostgreSQL
	// refuses it (500).
	t.Run("Basic credentials that are not UTF-8 or hold NUL", func(t *testing.T) {
		basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("\xff\xfe:secret")))
		basic(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("pc_a\x00b:secret")))
	})
	for _, bearer := range []string{"Bearer \xff\xfe", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer " + strings.Repeat("a.", 3000), "Basic YTpi", "Bearer"} {
		apptest.CheckProblem(t, "API call with Authorization "+apptest.Short(bearer), e.Do(t, "GET", "/v1/organisations", nil, map[string]string{"Authorization": bearer}), 401)
	}
}
