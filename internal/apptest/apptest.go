// Package apptest starts the real service for tests: the same app.New that
// main uses, on a fresh SQLite file, or on a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set, behind a real HTTP server.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
	"github.com/pioniersnetwerk/pioniers/pkg/client"
)

// DatabaseURL returns a database no other test uses: a SQLite file in a
// temporary folder, or a new schema in TEST_DATABASE_URL's PostgreSQL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return storetest.DatabaseURL(t)
}

// Env is a running service.
type Env struct {
	App    *app.App
	Server *httptest.Server
	URL    string // the server's root, without /v1
	Client *client.ClientWithResponses
	logs   *storetest.Logs
}

// LogText is everything the service logged so far.
func (e *Env) LogText() string { return e.logs.String() }

// Config returns the defaults a test service starts from: its own data
// folder and database, fast password hashing.
func Config(t testing.TB) app.Config {
	t.Helper()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = DatabaseURL(t)
	cfg.BcryptCost = bcrypt.MinCost
	return cfg
}

// New starts the service with cfg (from Config, perhaps changed).
func New(t testing.TB, cfg app.Config) *Env {
	t.Helper()
	logs := &storetest.Logs{}
	log := slog.New(app.LogHandlerFor(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	// The server listens first: unless the test names another, the service's
	// public URL is the address it is reached at.
	srv := httptest.NewUnstartedServer(nil)
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	}
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		srv.Close()
		t.Fatalf("app.New: %v", err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	c, err := client.NewClientWithResponses(srv.URL + "/v1")
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return &Env{App: a, Server: srv, URL: srv.URL, Client: c, logs: logs}
}

// Start is New with the default test configuration.
func Start(t testing.TB) *Env {
	t.Helper()
	return New(t, Config(t))
}

// Seed loads the action plan's data.
func (e *Env) Seed(t testing.TB) {
	t.Helper()
	if _, err := e.App.Seed.Load(context.Background(), false); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// Password is the password of every user a test creates.
const Password = "correct horse battery staple"

// User creates a user with role (and organisation code for members) and
// returns an access token for it, obtained through POST /v1/auth/token.
func (e *Env) User(t testing.TB, email string, role domain.Role, organisation string) string {
	t.Helper()
	return e.PersonUser(t, email, role, organisation, "")
}

// PersonUser is User for an account that belongs to the network person personID.
func (e *Env) PersonUser(t testing.TB, email string, role domain.Role, organisation, personID string) string {
	t.Helper()
	ctx := domain.WithActor(context.Background(), domain.System)
	if _, err := e.App.Accounts.CreateUser(ctx, account.NewUser{Email: email, Password: Password, Role: role, Organisation: organisation, Person: personID}); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return e.Token(t, email, Password)
}

// Token signs in through the API.
func (e *Env) Token(t testing.TB, email, password string) string {
	t.Helper()
	res := e.Do(t, http.MethodPost, "/v1/auth/token", map[string]string{"email": email, "password": password}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: got status %d; want 200: %s", email, res.StatusCode, res.Body)
	}
	var tok api.AccessToken
	res.JSON(t, &tok)
	return tok.AccessToken
}

// Response is a finished HTTP response with its body read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Problem decodes a problem+json body, failing unless it is one.
func (r Response) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type: got %q; want application/problem+json (body %s)", ct, r.Body)
	}
	var p Problem
	r.JSON(t, &p)
	return p
}

// Problem is an RFC 9457 body.
type Problem struct{ api.Problem }

// Params is invalidParams, empty when there are none.
func (p Problem) Params() []api.InvalidParam { return Deref(p.InvalidParams) }

// Fields lists the names in invalidParams.
func (p Problem) Fields() []string {
	out := make([]string, len(p.Params()))
	for i, f := range p.Params() {
		out[i] = f.Name
	}
	return out
}

// Do sends a request to path (starting with /). A string or []byte body is
// sent as is; anything else as JSON. headers may set Authorization etc.
func (e *Env) Do(t testing.TB, method, path string, body any, headers map[string]string) Response {
	t.Helper()
	var r io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		r = bytes.NewReader(data)
		contentType = "application/json"
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(data)}
}

// Bearer is the Authorization header for a token.
func Bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}
