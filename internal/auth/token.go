// Package auth issues and verifies access tokens (JWT, EdDSA) and manages the
// signing keys, so that two keys can be valid while one is rotated out.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Key is an Ed25519 signing key and its key id (a thumbprint of the public key).
type Key struct {
	ID      string
	Private ed25519.PrivateKey
}

// NewKey wraps a private key, deriving its id.
func NewKey(priv ed25519.PrivateKey) Key {
	sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	return Key{ID: base64.RawURLEncoding.EncodeToString(sum[:12]), Private: priv}
}

// LoadKey reads a PKCS #8 PEM Ed25519 private key.
func LoadKey(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return Key{}, fmt.Errorf("signing key %s: no PEM block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return Key{}, fmt.Errorf("signing key %s: want an Ed25519 key, got %T", path, parsed)
	}
	return NewKey(priv), nil
}

// LoadOrCreateKey reads the key at path, generating and keeping one there
// (mode 0600) first if none exists. For development: production keys come
// from configuration.
func LoadOrCreateKey(path string) (Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Key{}, fmt.Errorf("encode signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, fmt.Errorf("signing key folder: %w", err)
	}
	// Written whole to a file of its own, then linked into place: link
	// never replaces an existing key, and of two instances starting at once
	// the loser reads a complete key (O_EXCL on the key itself would let it
	// read one half written).
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-key-*")
	if err != nil {
		return Key{}, fmt.Errorf("write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Key{}, fmt.Errorf("write signing key: %w", werr)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return LoadKey(path)
	} else if err != nil {
		return Key{}, fmt.Errorf("write signing key: %w", err)
	}
	return NewKey(priv), nil
}

// Tokens issues tokens with the first key and accepts tokens signed by any.
type Tokens struct {
	keys     []Key
	issuer   string
	audience string
	ttl      time.Duration
	now      domain.Clock
	opts     []jwt.ParserOption
	// claims validates the claims of a token whose signature verified before.
	claims   *jwt.Validator
	verified verifiedCache
}

// NewTokens returns a token service. keys[0] signs; all keys verify.
func NewTokens(keys []Key, issuer, audience string, ttl time.Duration, now domain.Clock) (*Tokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("no signing keys")
	}
	t := &Tokens{keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: now}
	t.opts = []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(now),
	}
	t.claims = jwt.NewValidator(t.opts...)
	t.verified.entries = map[[sha256.Size]byte]claims{}
	return t, nil
}

// tokenLeeway is the clock skew allowed between instances and clients.
const tokenLeeway = 30 * time.Second

// verifiedCacheSize bounds the verified-token cache: a client sends the
// same token until it expires, and a few thousand signed-in callers at
// once is far beyond this service's use.
const verifiedCacheSize = 4096

// verifiedCache keeps the claims of tokens whose signature verified, by the
// token's SHA-256, so that a client's next request with the same token
// skips the Ed25519 verification and the claims' decoding (a fifth of a
// write). The claims are still validated on every use (expiry, issuer,
// audience) and the access table (revocation) is still asked by the caller.
type verifiedCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]claims
}

func (v *verifiedCache) get(key [sha256.Size]byte) (claims, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.entries[key]
	return c, ok
}

// put remembers c; when full it first drops the expired entries, and if
// none expired, all of them: a burst of new tokens costs a verification
// each, as it did without the cache.
func (v *verifiedCache) put(key [sha256.Size]byte, c claims, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.entries) >= verifiedCacheSize {
		for k, e := range v.entries {
			if e.ExpiresAt == nil || !now.Before(e.ExpiresAt.Add(tokenLeeway)) {
				delete(v.entries, k)
			}
		}
		if len(v.entries) >= verifiedCacheSize {
			clear(v.entries)
		}
	}
	v.entries[key] = c
}

func (v *verifiedCache) drop(key [sha256.Size]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.entries, key)
}

type claims struct {
	jwt.RegisteredClaims
	Role         domain.Role `json:"role"`
	Organisation string      `json:"org,omitempty"`
	Person       string      `json:"person,omitempty"`
	// Version is the subject's auth version when the token was issued: the
	// token is refused once the account's version is past it.
	Version int    `json:"ver,omitempty"`
	Scope   string `json:"scope,omitempty"`  // an API client's scopes, space-separated
	Client  bool   `json:"client,omitempty"` // an API client, not a person
	Session string `json:"sid,omitempty"`    // the refresh-token family a person's token came from
}

// Issued is what a token says beyond its actor.
type Issued struct {
	Version int    // the subject's auth version at issue; 0 in tokens older than versions
	Session string // the refresh-token family, if any
}

// TTL is how long issued tokens live.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token for the actor.
func (t *Tokens) Issue(a domain.Actor) (string, error) { return t.IssueWith(a, Issued{}) }

// IssueWith signs a token for the actor at an auth version, in a session.
func (t *Tokens) IssueWith(a domain.Actor, in Issued) (string, error) {
	now := t.now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   a.Subject,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.Must(uuid.NewV7()).String(),
		},
		Role:         a.Role,
		Organisation: a.OrganisationID,
		Person:       a.PersonID,
		Version:      in.Version,
		Scope:        strings.Join(a.Scopes, " "),
		Client:       a.Client,
		Session:      in.Session,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = t.keys[0].ID
	s, err := tok.SignedString(t.keys[0].Private)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks the token's signature (EdDSA only), issuer, audience and
// lifetime and returns its actor. Every failure is unauthenticated.
func (t *Tokens) Verify(token string) (domain.Actor, error) {
	a, _, err := t.VerifyIssued(token)
	return a, err
}

// VerifyIssued is Verify that also returns what the token says of its issue.
func (t *Tokens) VerifyIssued(token string) (domain.Actor, Issued, error) {
	key := sha256.Sum256([]byte(token))
	c, ok := t.verified.get(key)
	if ok {
		if err := t.claims.Validate(&c); err != nil {
			// Expired (or, with a clock set back, not valid yet): the full
			// check below gives the reason.
			t.verified.drop(key)
			ok = false
		}
	}
	if !ok {
		c = claims{}
		if _, err := jwt.ParseWithClaims(token, &c, t.key, t.opts...); err != nil {
			return domain.Actor{}, Issued{}, domain.Errorf(domain.CodeUnauthenticated, "the access token is invalid: %s", reason(err))
		}
		if c.Subject == "" || !c.Role.Valid() {
			return domain.Actor{}, Issued{}, domain.Errorf(domain.CodeUnauthenticated, "the access token is invalid: no subject or role")
		}
		t.verified.put(key, c, t.now())
	}
	a := domain.Actor{Subject: c.Subject, Role: c.Role, OrganisationID: c.Organisation, PersonID: c.Person,
		Client: c.Client}
	if c.Scope != "" {
		a.Scopes = strings.Fields(c.Scope)
	}
	return a, Issued{Version: c.Version, Session: c.Session}, nil
}

func (t *Tokens) key(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	for _, k := range t.keys {
		if k.ID == kid {
			return k.Private.Public(), nil
		}
	}
	return nil, errors.New("unknown key id")
}

// reason says why a token failed without echoing its content.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "it is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the signature does not verify"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is malformed"
	default:
		return "it cannot be verified"
	}
}
