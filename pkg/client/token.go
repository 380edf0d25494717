package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// TokenSource signs in at POST /v1/auth/token and keeps the access token:
// it hands out the one it has until shortly before it expires, then signs in
// (or refreshes) again. It is safe for concurrent use, and concurrent
// callers share one sign-in, because sign-ins are rate limited and a
// person's refresh token works only once.
//
// Use it as a request editor, which adds a fresh token to every request:
//
//	api, err := client.New(baseURL, client.WithRequestEditorFn(ts.Edit))
//
// or, to also retry a request once with a new token when it answers 401
// (the token was ended early: the client revoked, its scopes changed), as
// the HTTP client:
//
//	api, err := client.New(baseURL, client.WithTokenSource(ts))
type TokenSource struct {
	signIn func(ctx context.Context, refreshToken string) (*AccessToken, error)
	now    func() time.Time

	mu      sync.Mutex
	access  string
	refresh string    // a person's refresh token; "" for API clients
	renewAt time.Time // when access is to be replaced
}

// NewClientTokenSource signs an API client in with the OAuth 2.0 client
// credentials grant. scopes asks for fewer scopes than the client was
// granted; none asks for all. baseURL is the API's base, as for [New]; opts
// configure the client that signs in (WithHTTPClient, say).
func NewClientTokenSource(baseURL, clientID, clientSecret string, scopes []string, opts ...ClientOption) (*TokenSource, error) {
	raw, err := NewClientWithResponses(baseURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("token source: %w", err)
	}
	form := ClientCredentials{GrantType: "client_credentials", ClientID: &clientID, ClientSecret: &clientSecret}
	if len(scopes) > 0 {
		scope := strings.Join(scopes, " ")
		form.Scope = &scope
	}
	return newTokenSource(func(ctx context.Context, _ string) (*AccessToken, error) {
		res, err := raw.CreateTokenWithFormdataBodyWithResponse(ctx, form)
		if err != nil {
			return nil, err
		}
		return result(res.HTTPResponse, res.Body, res.JSON200)
	}), nil
}

// NewPasswordTokenSource signs a person in with email and password once, and
// from then on exchanges the refresh token it got for the next access token.
// When the refresh token no longer works (it expired, or the person signed
// out), it signs in with the password again.
func NewPasswordTokenSource(baseURL, email, password string, opts ...ClientOption) (*TokenSource, error) {
	raw, err := NewClientWithResponses(baseURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("token source: %w", err)
	}
	signIn := func(ctx context.Context) (*AccessToken, error) {
		res, err := raw.CreateTokenWithResponse(ctx, PasswordCredentials{Email: openapi_types.Email(email), Password: password})
		if err != nil {
			return nil, err
		}
		return result(res.HTTPResponse, res.Body, res.JSON200)
	}
	return newTokenSource(func(ctx context.Context, refreshToken string) (*AccessToken, error) {
		if refreshToken == "" {
			return signIn(ctx)
		}
		res, err := raw.CreateTokenWithFormdataBodyWithResponse(ctx, ClientCredentials{GrantType: "refresh_token", RefreshToken: &refreshToken})
		if err != nil {
			return nil, err
		}
		tok, err := result(res.HTTPResponse, res.Body, res.JSON200)
		if p := (*Problem)(nil); errors.As(err, &p) && p.Status == http.StatusUnauthorized {
			return signIn(ctx)
		}
		return tok, err
	}), nil
}

func newTokenSource(signIn func(context.Context, string) (*AccessToken, error)) *TokenSource {
	return &TokenSource{signIn: signIn, now: time.Now}
}

// Token is a valid access token: the one held, or a new one when it is about
// to expire or was dropped by Invalidate.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != "" && s.now().Before(s.renewAt) {
		return s.access, nil
	}
	start := s.now()
	tok, err := s.signIn(ctx, s.refresh)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	// Renew a minute early (a fifth early for short lifetimes), so that a
	// token is never sent just as it expires.
	s.access, s.renewAt = tok.AccessToken, start.Add(lifetime-min(time.Minute, lifetime/5))
	if tok.RefreshToken != nil {
		s.refresh = *tok.RefreshToken
	}
	return s.access, nil
}

// Invalidate drops token if it is the one held, so that the next Token signs
// in again. Call it when a request with token answered 401.
func (s *TokenSource) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access == token {
		s.access = ""
	}
}

// Edit sets the Authorization header; it is a RequestEditorFn.
func (s *TokenSource) Edit(ctx context.Context, req *http.Request) error {
	tok, err := s.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Doer wraps an HTTP client: it sends every request with a token, and once
// more with a new token when the answer is 401.
func (s *TokenSource) Doer(base HttpRequestDoer) HttpRequestDoer {
	return &tokenDoer{s: s, base: base}
}

// WithTokenSource makes the client send its requests through s.Doer. Give it
// after WithHTTPClient, which it wraps.
func WithTokenSource(s *TokenSource) ClientOption {
	return func(c *Client) error {
		base := c.Client
		if base == nil {
			base = &http.Client{}
		}
		c.Client = s.Doer(base)
		return nil
	}
}

type tokenDoer struct {
	s    *TokenSource
	base HttpRequestDoer
}

func (d *tokenDoer) Do(req *http.Request) (*http.Response, error) {
	res, tok, err := d.send(req)
	// A body that cannot be read again cannot be sent again.
	if err != nil || res.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.GetBody == nil) {
		return res, err
	}
	d.s.Invalidate(tok)
	retry := req
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return res, nil
		}
		retry = req.Clone(req.Context())
		retry.Body = body
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	res, _, err = d.send(retry)
	return res, err
}

// send sends req with the current token, on a copy: a Doer must not change
// its caller's request.
func (d *tokenDoer) send(req *http.Request) (*http.Response, string, error) {
	tok, err := d.s.Token(req.Context())
	if err != nil {
		return nil, "", err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	res, err := d.base.Do(r)
	return res, tok, err
}
