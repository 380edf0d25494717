package auth_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

const (
	issuer   = "https://pioniers.example/"
	audience = "pioniers-api"
	ttl      = 15 * time.Minute
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newKey(t *testing.T) auth.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return auth.NewKey(priv)
}

func at(tm time.Time) domain.Clock { return func() time.Time { return tm } }

func newTokens(t *testing.T, keys []auth.Key, iss, aud string, now time.Time) *auth.Tokens {
	t.Helper()
	tok, err := auth.NewTokens(keys, iss, aud, ttl, at(now))
	if err != nil {
		t.Fatalf("NewTokens: %v", err)
	}
	return tok
}

func issue(t *testing.T, tok *auth.Tokens, a domain.Actor) string {
	t.Helper()
	s, err := tok.Issue(a)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return s
}

// sign builds a token by hand, for the shapes Issue never makes.
func sign(t *testing.T, method jwt.SigningMethod, kid string, claims jwt.MapClaims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

// validClaims are what Issue would put in a token at t0.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss":  issuer,
		"sub":  "user-1",
		"aud":  []string{audience},
		"iat":  t0.Unix(),
		"nbf":  t0.Unix(),
		"exp":  t0.Add(ttl).Unix(),
		"role": "editor",
	}
}

func without(c jwt.MapClaims, keys ...string) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := without(c)
	out[k] = v
	return out
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	key := newKey(t)
	tokens := newTokens(t, []auth.Key{key}, issuer, audience, t0)
	actors := []domain.Actor{
		{Subject: "user-1", Role: domain.RoleAdmin},
		{Subject: "user-2", Role: domain.RoleMember, OrganisationID: "0190a6e4-0000-7000-8000-000000000001"},
		{Subject: "pc_abc", Role: domain.RolePartner, OrganisationID: "0190a6e4-0000-7000-8000-000000000002"},
		{Subject: "user-3", Role: domain.RoleAnalyst},
	}
	for _, a := range actors {
		t.Run(string(a.Role), func(t *testing.T) {
			s := issue(t, tokens, a)
			got, err := tokens.Verify(s)
			if err != nil {
				t.Fatalf("Verify: got %v; want nil", err)
			}
			if !reflect.DeepEqual(got, a) {
				t.Errorf("Verify: got %+v; want %+v", got, a)
			}
			tok, _, err := jwt.NewParser().ParseUnverified(s, jwt.MapClaims{})
			if err != nil {
				t.Fatalf("parse header: %v", err)
			}
			if got := tok.Header["alg"]; got != "EdDSA" {
				t.Errorf("alg: got %v; want EdDSA", got)
			}
			if got := tok.Header["kid"]; got != key.ID {
				t.Errorf("kid: got %v; want %s", got, key.ID)
			}
			exp, _ := tok.Claims.GetExpirationTime()
			if exp == nil || !exp.Time.Equal(t0.Add(ttl)) {
				t.Errorf("exp: got %v; want %v", exp, t0.Add(ttl))
			}
		})
	}
}

func TestTokensHaveUniqueIDs(t *testing.T) {
	tokens := newTokens(t, []auth.Key{newKey(t)}, issuer, audience, t0)
	a := domain.Actor{Subject: "user-1", Role: domain.RoleEditor}
	if s1, s2 := issue(t, tokens, a), issue(t, tokens, a); s1 == s2 {
		t.Errorf("two tokens for the same actor at the same time: got identical tokens; want distinct (jti)")
	}
}

func TestVerifyRejects(t *testing.T) {
	key := newKey(t)
	other := newKey(t)
	pub := key.Private.Public().(ed25519.PublicKey)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	actor := domain.Actor{Subject: "user-1", Role: domain.RoleEditor}
	verifier := newTokens(t, []auth.Key{key}, issuer, audience, t0)

	tests := []struct {
		name     string
		token    func(t *testing.T) string
		verifier *auth.Tokens
		reason   string // part of the message, when the reason matters
	}{
		{"expired", func(t *testing.T) string { return issue(t, verifier, actor) },
			newTokens(t, []auth.Key{key}, issuer, audience, t0.Add(ttl+31*time.Second)), "expired"},
		{"not yet valid", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{key}, issuer, audience, t0.Add(2*time.Minute)), actor)
		}, verifier, "not valid yet"},
		{"wrong issuer", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{key}, "https://elsewhere.example/", audience, t0), actor)
		}, verifier, "issuer"},
		{"wrong audience", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{key}, issuer, "another-api", t0), actor)
		}, verifier, "audience"},
		{"another key with the same kid", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{{ID: key.ID, Private: other.Private}}, issuer, audience, t0), actor)
		}, verifier, "signature"},
		{"unknown kid", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{other}, issuer, audience, t0), actor)
		}, verifier, ""},
		{"no kid", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, "", validClaims(), key.Private)
		}, verifier, ""},
		{"alg none", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodNone, key.ID, validClaims(), jwt.UnsafeAllowNoneSignatureType)
		}, verifier, ""},
		{"HS256 keyed with the raw public key", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, key.ID, validClaims(), []byte(pub))
		}, verifier, ""},
		{"HS256 keyed with the public key PEM", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, key.ID, validClaims(), pubPEM)
		}, verifier, ""},
		{"missing exp", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, without(validClaims(), "exp"), key.Private)
		}, verifier, "missing"},
		{"missing subject", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, without(validClaims(), "sub"), key.Private)
		}, verifier, "subject"},
		{"missing role", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, without(validClaims(), "role"), key.Private)
		}, verifier, "role"},
		{"unknown role", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, with(validClaims(), "role", "superuser"), key.Private)
		}, verifier, "role"},
		{"issued in the future", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, with(validClaims(), "iat", t0.Add(time.Hour).Unix()), key.Private)
		}, verifier, "not valid yet"},
		{"payload changed after signing", func(t *testing.T) string {
			s := issue(t, verifier, actor)
			parts := strings.Split(s, ".")
			forged := sign(t, jwt.SigningMethodEdDSA, key.ID, with(validClaims(), "role", "admin"), other.Private)
			return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
		}, verifier, "signature"},
		{"malformed", func(*testing.T) string { return "not-a-token" }, verifier, "malformed"},
		{"empty", func(*testing.T) string { return "" }, verifier, ""},
		{"two parts", func(*testing.T) string { return "eyJhbGciOiJFZERTQSJ9.e30" }, verifier, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.token(t)
			got, err := tt.verifier.Verify(s)
			if code := domain.ErrorCode(err); code != domain.CodeUnauthenticated {
				t.Fatalf("Verify: got actor %+v, code %q (%v); want %q", got, code, err, domain.CodeUnauthenticated)
			}
			if !reflect.DeepEqual(got, domain.Actor{}) {
				t.Errorf("Verify: got actor %+v alongside the error; want the zero actor", got)
			}
			if tt.reason != "" && !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("message: got %q; want it to mention %q", err.Error(), tt.reason)
			}
			if len(s) > 20 && strings.Contains(err.Error(), s) {
				t.Errorf("message: got %q; want it not to echo the token", err.Error())
			}
		})
	}
}

// The controls for TestVerifyRejects: the same hand-made claims and the
// edges of the lifetime pass, so each rejection there has the cause it names.
func TestVerifyAccepts(t *testing.T) {
	key := newKey(t)
	actor := domain.Actor{Subject: "user-1", Role: domain.RoleEditor}
	issuer0 := newTokens(t, []auth.Key{key}, issuer, audience, t0)
	tests := []struct {
		name     string
		token    func(t *testing.T) string
		verifyAt time.Time
	}{
		{"hand-made claims", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, validClaims(), key.Private)
		}, t0},
		{"audience as a string", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodEdDSA, key.ID, with(validClaims(), "aud", audience), key.Private)
		}, t0},
		{"just before expiry", func(t *testing.T) string { return issue(t, issuer0, actor) }, t0.Add(ttl - time.Second)},
		{"expired within the leeway", func(t *testing.T) string { return issue(t, issuer0, actor) }, t0.Add(ttl + 20*time.Second)},
		{"issuer's clock ahead within the leeway", func(t *testing.T) string {
			return issue(t, newTokens(t, []auth.Key{key}, issuer, audience, t0.Add(20*time.Second)), actor)
		}, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTokens(t, []auth.Key{key}, issuer, audience, tt.verifyAt)
			got, err := v.Verify(tt.token(t))
			if err != nil {
				t.Fatalf("Verify: got %v; want nil", err)
			}
			if got.Subject != actor.Subject || got.Role != actor.Role {
				t.Errorf("Verify: got %+v; want subject %s, role %s", got, actor.Subject, actor.Role)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	actor := domain.Actor{Subject: "user-1", Role: domain.RoleMember, OrganisationID: "org-1"}
	before := newTokens(t, []auth.Key{oldKey}, issuer, audience, t0)
	during := newTokens(t, []auth.Key{newKey, oldKey}, issuer, audience, t0)
	after := newTokens(t, []auth.Key{newKey}, issuer, audience, t0)

	oldToken := issue(t, before, actor)
	if got, err := during.Verify(oldToken); err != nil || !reflect.DeepEqual(got, actor) {
		t.Errorf("old token with [new, old]: got %+v, %v; want %+v, nil", got, err, actor)
	}
	if _, err := after.Verify(oldToken); domain.ErrorCode(err) != domain.CodeUnauthenticated {
		t.Errorf("old token once the old key is gone: got %v; want unauthenticated", err)
	}

	newToken := issue(t, during, actor)
	tok, _, err := jwt.NewParser().ParseUnverified(newToken, jwt.MapClaims{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if got := tok.Header["kid"]; got != newKey.ID {
		t.Errorf("kid of a token issued with [new, old]: got %v; want the new key's %s (old is %s)", got, newKey.ID, oldKey.ID)
	}
	for name, v := range map[string]*auth.Tokens{"[new, old]": during, "[new]": after} {
		if got, err := v.Verify(newToken); err != nil || !reflect.DeepEqual(got, actor) {
			t.Errorf("new token with %s: got %+v, %v; want %+v, nil", name, got, err, actor)
		}
	}
	if _, err := before.Verify(newToken); domain.ErrorCode(err) != domain.CodeUnauthenticated {
		t.Errorf("new token with only the old key: got %v; want unauthenticated", err)
	}
}

func TestNewTokensNeedsAKey(t *testing.T) {
	if _, err := auth.NewTokens(nil, issuer, audience, ttl, time.Now); err == nil {
		t.Error("NewTokens without keys: got nil error; want an error")
	}
}

func TestKeyIDDerivesFromThePublicKey(t *testing.T) {
	a, b := newKey(t), newKey(t)
	if a.ID == "" || a.ID == b.ID {
		t.Errorf("key ids: got %q and %q; want two distinct non-empty ids", a.ID, b.ID)
	}
	if again := auth.NewKey(a.Private); again.ID != a.ID {
		t.Errorf("NewKey twice on one key: got %q and %q; want the same id", a.ID, again.ID)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "dev", "signing.pem")
	first, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("first LoadOrCreateKey: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat key file: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %o; want 600", got)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read key file: %v", err)
	}

	second, err := auth.LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("second LoadOrCreateKey: %v", err)
	}
	if second.ID != first.ID || !second.Private.Equal(first.Private) {
		t.Errorf("second LoadOrCreateKey: got key %s; want the first key %s", second.ID, first.ID)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, written) {
		t.Error("second LoadOrCreateKey: the key file changed; want it left as it was")
	}
	loaded, err := auth.LoadKey(path)
	if err != nil || loaded.ID != first.ID {
		t.Errorf("LoadKey: got %s, %v; want %s, nil", loaded.ID, err, first.ID)
	}

	// A token signed with the created key verifies with the loaded one.
	s := issue(t, newTokens(t, []auth.Key{first}, issuer, audience, t0), domain.Actor{Subject: "u", Role: domain.RoleAdmin})
	if _, err := newTokens(t, []auth.Key{second}, issuer, audience, t0).Verify(s); err != nil {
		t.Errorf("verify with the reloaded key: got %v; want nil", err)
	}
}

// Instances starting together on one data folder share the key one of
// them creates: none reads it half written, and no temporary file stays.
func TestLoadOrCreateKeyAtOnce(t *testing.T) {
	dir := t.TempDir()
	for round := range 20 {
		path := filepath.Join(dir, fmt.Sprintf("signing-%d.pem", round))
		const starters = 8
		keys := make([]auth.Key, starters)
		errs := make([]error, starters)
		var wg sync.WaitGroup
		for i := range starters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys[i], errs[i] = auth.LoadOrCreateKey(path)
			}()
		}
		wg.Wait()
		for i := range starters {
			if errs[i] != nil {
				t.Fatalf("round %d, starter %d: got %v; want the shared key", round, i, errs[i])
			}
			if keys[i].ID != keys[0].ID {
				t.Fatalf("round %d, starter %d: got key %s; want %s like the first", round, i, keys[i].ID, keys[0].ID)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 20 {
		t.Errorf("files left: got %d; want the 20 keys only", len(entries))
	}
}

func TestLoadKeyRejects(t *testing.T) {
	dir := t.TempDir()
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate ecdsa key: %v", err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatalf("marshal ecdsa key: %v", err)
	}
	tests := []struct {
		name    string
		content []byte // nil: no file
	}{
		{"missing file", nil},
		{"not PEM", []byte("this is not a key\n")},
		{"PEM with garbage", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")})},
		{"an ECDSA key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "key"+string(rune('a'+i))+".pem")
			if tt.content != nil {
				if err := os.WriteFile(path, tt.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if k, err := auth.LoadKey(path); err == nil {
				t.Errorf("LoadKey: got key %s and nil error; want an error", k.ID)
			}
			if tt.content != nil {
				if k, err := auth.LoadOrCreateKey(path); err == nil {
					t.Errorf("LoadOrCreateKey on a bad existing file: got key %s and nil error; want an error (never overwrite)", k.ID)
				}
			}
		})
	}
}

// A token verified once is remembered, yet its lifetime is checked on every
// use: a remembered token expires as any other, and one that does not verify
// is never remembered.
func TestVerifyRemembersOnlyWhileValid(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	now := t0
	tok, err := auth.NewTokens([]auth.Key{key}, issuer, audience, ttl, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	actor := domain.Actor{Subject: "u1", Role: domain.RoleEditor}
	s := issue(t, tok, actor)
	for _, tt := range []struct {
		at   time.Time
		want string // empty: valid
	}{
		{t0, ""},
		{t0.Add(ttl), ""},
		{t0.Add(ttl + 31*time.Second), "expired"},
		{t0.Add(-time.Minute), "not valid yet"},
		{t0.Add(time.Minute), ""},
	} {
		now = tt.at
		for range 2 { // the second time from memory
			got, err := tok.Verify(s)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("at %s: got %v; want the token to verify", tt.at, err)
			case tt.want == "" && !reflect.DeepEqual(got, actor):
				t.Errorf("at %s: got %+v; want %+v", tt.at, got, actor)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("at %s: got %v; want an error saying %q", tt.at, err, tt.want)
			}
		}
	}
	forged := s[:len(s)-4] + "AAAA"
	for range 2 {
		if _, err := tok.Verify(forged); err == nil {
			t.Errorf("a token with a changed signature verified")
		}
	}
}
