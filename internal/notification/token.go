package notification

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// UnsubscribePath is where the link in every message leads, on the public URL.
const UnsubscribePath = "/unsubscribe"

// unsubscribeKey derives the key that signs unsubscribe links from the
// service's secret, so that the secret itself signs nothing else's way.
func unsubscribeKey(secret []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("pioniers notification unsubscribe link v1"))
	return mac.Sum(nil)
}

// token is the person's unsubscribe token: their id and a signature of it.
// It does not expire: a link in an old message still withdraws consent.
func token(key []byte, personID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(personID))
	return personID + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// verify returns the person id a token names, if its signature holds.
func verify(key []byte, tok string) (string, bool) {
	id, _, ok := strings.Cut(tok, ".")
	if !ok || id == "" {
		return "", false
	}
	return id, hmac.Equal([]byte(token(key, id)), []byte(tok))
}

// withdrawer records the withdrawal of a person's consent to be contacted.
type withdrawer interface {
	WithdrawContact(ctx context.Context, id string) (person.Consent, error)
}

// Unsubscriber turns the link of a message into the withdrawal of the
// person's consent to be contacted: no sign-in, the signed link is the proof.
type Unsubscriber struct {
	key    []byte
	people withdrawer
}

// NewUnsubscriber returns an unsubscriber checking links signed with secret.
func NewUnsubscriber(secret []byte, people withdrawer) *Unsubscriber {
	return &Unsubscriber{key: unsubscribeKey(secret), people: people}
}

// errBadLink says nothing of why: a guessed link learns nothing.
var errBadLink = domain.Errorf(domain.CodeNotFound, "this unsubscribe link is not valid")

// Check reports whether tok is a link this service signed; not found when not.
func (u *Unsubscriber) Check(tok string) error {
	if _, ok := verify(u.key, tok); !ok {
		return errBadLink
	}
	return nil
}

// Unsubscribe withdraws the consent to be contacted of the person tok
// names. It is idempotent: a second use records the withdrawal again,
// harmlessly. An erased person's link is not found.
func (u *Unsubscriber) Unsubscribe(ctx context.Context, tok string) error {
	id, ok := verify(u.key, tok)
	if !ok {
		return errBadLink
	}
	_, err := u.people.WithdrawContact(ctx, id)
	if c := domain.ErrorCode(err); c == domain.CodeGone || c == domain.CodeNotFound {
		return errBadLink
	}
	return err
}
