package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// authenticator checks credentials.
type authenticator interface {
	AuthenticatePassword(ctx context.Context, email, password string) (domain.Actor, error)
	AuthenticateClient(ctx context.Context, clientID, secret string) (domain.Actor, error)
	// UserActor is the actor of the user id as the account is now.
	UserActor(ctx context.Context, id string) (domain.Actor, error)
}

// RefreshToken is one use of a browser's sign-in: spent when used, when the
// next of its family is issued.
type RefreshToken struct {
	ID        string
	FamilyID  string // every token rotated from one sign-in
	UserID    string
	Hash      string // of the token; the token itself is never stored
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
	RevokedAt time.Time // zero until its family ends
}

// refreshStore keeps refresh tokens.
type refreshStore interface {
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash returns the token; not found when there is none.
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// SpendRefreshToken marks id used and stores next, in one transaction;
	// conflict when id was used or revoked meanwhile.
	SpendRefreshToken(ctx context.Context, id string, at time.Time, next RefreshToken) error
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error
}

// Grant is what a sign-in returns.
type Grant struct {
	AccessToken      string
	ExpiresIn        time.Duration
	RefreshToken     string        // people only
	RefreshExpiresIn time.Duration // people only
	Scopes           []string      // API clients only
}

// SignIn exchanges credentials for access tokens.
type SignIn struct {
	accounts   authenticator
	tokens     *Tokens
	access     *Access
	refresh    refreshStore
	refreshTTL time.Duration
	now        domain.Clock
}

// NewSignIn returns a sign-in service; refresh tokens live refreshTTL.
func NewSignIn(accounts authenticator, tokens *Tokens, access *Access, refresh refreshStore, refreshTTL time.Duration, now domain.Clock) *SignIn {
	return &SignIn{accounts: accounts, tokens: tokens, access: access, refresh: refresh, refreshTTL: refreshTTL, now: now}
}

var (
	errRefreshInvalid = domain.Errorf(domain.CodeUnauthenticated, "the refresh token is invalid, spent or expired; sign in again")
	errInactive       = domain.Errorf(domain.CodeUnauthenticated, "this account is disabled or revoked")
)

// PasswordToken signs a person in, starting a refresh-token family.
func (s *SignIn) PasswordToken(ctx context.Context, email, password string) (Grant, error) {
	actor, err := s.accounts.AuthenticatePassword(ctx, email, password)
	if err != nil {
		return Grant{}, err
	}
	return s.issueUser(ctx, actor, uuid.Must(uuid.NewV7()).String())
}

// ClientToken signs an API client in (OAuth 2.0 client credentials grant).
// The token grants the requested scopes, space-separated, which must be
// among those granted to the client; all granted when none are requested.
func (s *SignIn) ClientToken(ctx context.Context, clientID, secret, scope string) (Grant, error) {
	if clientID == "" || secret == "" {
		return Grant{}, domain.Errorf(domain.CodeUnauthenticated, "send client_id and client_secret in the form or as HTTP Basic credentials")
	}
	if !plainText(clientID) || !plainText(secret) {
		return Grant{}, domain.Errorf(domain.CodeUnauthenticated, "the client id or secret is wrong")
	}
	actor, err := s.accounts.AuthenticateClient(ctx, clientID, secret)
	if err != nil {
		return Grant{}, err
	}
	st, err := s.active(ctx, actor.Subject)
	if err != nil {
		return Grant{}, err
	}
	scopes := st.Scopes
	if requested := strings.Fields(scope); len(requested) > 0 {
		for _, r := range requested {
			if !slices.Contains(st.Scopes, r) {
				return Grant{}, &domain.Error{Code: domain.CodeInvalid,
					Message: "invalid_scope: the client may not ask for scope " + fmt.Sprintf("%q", r),
					Fields:  []domain.FieldError{{Name: "scope", Reason: "invalid_scope: " + r + " is not granted to this client"}}}
			}
		}
		scopes = dedupe(requested)
	}
	actor.Client, actor.Scopes = true, slices.Clone(scopes)
	tok, err := s.tokens.IssueWith(actor, Issued{Version: st.Version})
	if err != nil {
		return Grant{}, err
	}
	return Grant{AccessToken: tok, ExpiresIn: s.tokens.TTL(), Scopes: actor.Scopes}, nil
}

// Refresh exchanges a refresh token for a new access token and the next
// refresh token of its family. A token used before ends its family: either
// its owner or a thief holds the next one, and neither may go on.
func (s *SignIn) Refresh(ctx context.Context, token string) (Grant, error) {
	if token == "" || !plainText(token) || len(token) > 200 {
		return Grant{}, errRefreshInvalid
	}
	now := domain.Timestamp(s.now)
	used, err := s.refresh.RefreshTokenByHash(ctx, hashToken(token))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return Grant{}, errRefreshInvalid
	}
	if err != nil {
		return Grant{}, err
	}
	if !used.UsedAt.IsZero() || !used.RevokedAt.IsZero() {
		if err := s.refresh.RevokeRefreshFamily(ctx, used.FamilyID, now); err != nil {
			return Grant{}, err
		}
		return Grant{}, errRefreshInvalid
	}
	if !now.Before(used.ExpiresAt) {
		return Grant{}, errRefreshInvalid
	}
	actor, err := s.accounts.UserActor(ctx, used.UserID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return Grant{}, errRefreshInvalid
	}
	if err != nil {
		return Grant{}, err
	}
	st, err := s.active(ctx, actor.Subject)
	if err != nil {
		return Grant{}, err
	}
	next, secret, err := s.newRefreshToken(used.FamilyID, used.UserID, now)
	if err != nil {
		return Grant{}, err
	}
	if err := s.refresh.SpendRefreshToken(ctx, used.ID, now, next); err != nil {
		if domain.ErrorCode(err) == domain.CodeConflict {
			// Used by another request at the same moment: that is reuse too.
			if err := s.refresh.RevokeRefreshFamily(ctx, used.FamilyID, now); err != nil {
				return Grant{}, err
			}
			return Grant{}, errRefreshInvalid
		}
		return Grant{}, err
	}
	return s.grant(actor, st.Version, used.FamilyID, secret)
}

// Revoke ends the family of a refresh token (sign-out); an unknown token is
// no error, so that the answer says nothing about tokens.
func (s *SignIn) Revoke(ctx context.Context, token string) error {
	if token == "" || !plainText(token) || len(token) > 200 {
		return nil
	}
	t, err := s.refresh.RefreshTokenByHash(ctx, hashToken(token))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return s.refresh.RevokeRefreshFamily(ctx, t.FamilyID, domain.Timestamp(s.now))
}

// issueUser starts a refresh-token family for a person who signed in.
func (s *SignIn) issueUser(ctx context.Context, actor domain.Actor, family string) (Grant, error) {
	st, err := s.active(ctx, actor.Subject)
	if err != nil {
		return Grant{}, err
	}
	first, secret, err := s.newRefreshToken(family, actor.Subject, domain.Timestamp(s.now))
	if err != nil {
		return Grant{}, err
	}
	if err := s.refresh.CreateRefreshToken(ctx, first); err != nil {
		return Grant{}, err
	}
	return s.grant(actor, st.Version, family, secret)
}

// active is the subject's state as stored now, refused unless it may act.
func (s *SignIn) active(ctx context.Context, subject string) (State, error) {
	st, err := s.access.Fresh(ctx, subject)
	if err == nil && !st.Active {
		err = errInactive
	}
	return st, err
}

func (s *SignIn) grant(actor domain.Actor, version int, family, refresh string) (Grant, error) {
	tok, err := s.tokens.IssueWith(actor, Issued{Version: version, Session: family})
	if err != nil {
		return Grant{}, err
	}
	return Grant{AccessToken: tok, ExpiresIn: s.tokens.TTL(), RefreshToken: refresh, RefreshExpiresIn: s.refreshTTL}, nil
}

func (s *SignIn) newRefreshToken(family, userID string, now time.Time) (RefreshToken, string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return RefreshToken{}, "", fmt.Errorf("random refresh token: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	return RefreshToken{ID: uuid.Must(uuid.NewV7()).String(), FamilyID: family, UserID: userID, Hash: hashToken(secret),
		CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}, secret, nil
}

// Refresh tokens have 256 bits of entropy, so a fast hash is enough to store them.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// plainText reports whether s is UTF-8 without NUL: anything else is no
// credential we issued, and no database should be asked about it.
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
