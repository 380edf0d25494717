package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// authenticator checks credentials.
type authenticator interface {
	AuthenticatePassword(ctx context.Context, email, password string) (domain.Actor, error)
	AuthenticateClient(ctx context.Context, clientID, secret string) (domain.Actor, error)
}

// SignIn exchanges credentials for access tokens.
type SignIn struct {
	accounts authenticator
	tokens   *Tokens
}

// NewSignIn returns a sign-in service.
func NewSignIn(accounts authenticator, tokens *Tokens) *SignIn {
	return &SignIn{accounts: accounts, tokens: tokens}
}

// PasswordToken signs a person in.
func (s *SignIn) PasswordToken(ctx context.Context, email, password string) (string, time.Duration, error) {
	actor, err := s.accounts.AuthenticatePassword(ctx, email, password)
	if err != nil {
		return "", 0, err
	}
	return s.issue(actor)
}

// ClientToken signs an API client in (OAuth 2.0 client credentials grant).
func (s *SignIn) ClientToken(ctx context.Context, clientID, secret string) (string, time.Duration, error) {
	if clientID == "" || secret == "" {
		return "", 0, domain.Errorf(domain.CodeUnauthenticated, "send client_id and client_secret in the form or as HTTP Basic credentials")
	}
	if !plainText(clientID) || !plainText(secret) {
		return "", 0, domain.Errorf(domain.CodeUnauthenticated, "the client id or secret is wrong")
	}
	actor, err := s.accounts.AuthenticateClient(ctx, clientID, secret)
	if err != nil {
		return "", 0, err
	}
	return s.issue(actor)
}

// plainText reports whether s is UTF-8 without NUL: anything else is no
// credential we issued, and no database should be asked about it.
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func (s *SignIn) issue(a domain.Actor) (string, time.Duration, error) {
	tok, err := s.tokens.Issue(a)
	return tok, s.tokens.TTL(), err
}
