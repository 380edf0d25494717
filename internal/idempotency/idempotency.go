// Package idempotency makes a retried POST safe: the first response to a
// request with an Idempotency-Key is kept, and a retry with the same key and
// the same request gets it again instead of doing the work twice.
package idempotency

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Request identifies one intended request.
type Request struct {
	Actor  string // keys are scoped to whoever sent them
	Key    string
	Method string
	Path   string
	Hash   string // of the method, path, query, content type and body
}

// Response is a kept response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Store keeps keys and their responses.
type Store interface {
	// Claim records the key as in progress, or returns the kept entry: its
	// request hash and response (Status 0 while still in progress).
	Claim(ctx context.Context, r Request, now time.Time, ttl time.Duration) (claimed bool, hash string, resp Response, err error)
	Complete(ctx context.Context, r Request, resp Response) error
	Release(ctx context.Context, r Request) error
}

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Keeper applies the rules of the IETF Idempotency-Key header draft.
type Keeper struct {
	store Store
	now   domain.Clock
}

// NewKeeper returns a keeper on store.
func NewKeeper(store Store, now domain.Clock) *Keeper {
	return &Keeper{store: store, now: now}
}

// Begin claims the key. It returns a kept response to replay, nil when the
// caller should do the work and then call Finish, or an error: 409 while the
// first request is still running, 422 when the key was used for another request.
func (k *Keeper) Begin(ctx context.Context, r Request) (*Response, error) {
	if len(r.Key) == 0 || len(r.Key) > 255 || strings.IndexFunc(r.Key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		return nil, (domain.Problems{{Name: "Idempotency-Key", Reason: "must be 1 to 255 visible ASCII characters, such as a UUID"}}).Err()
	}
	claimed, hash, resp, err := k.store.Claim(ctx, r, k.now(), TTL)
	switch {
	case err != nil:
		return nil, err
	case claimed:
		return nil, nil
	case hash != r.Hash:
		return nil, domain.Errorf(domain.CodeUnprocessable, "this Idempotency-Key was used for a different request; use a new key for a new request")
	case resp.Status == 0:
		return nil, domain.Errorf(domain.CodeConflict, "a request with this Idempotency-Key is still being processed; retry later")
	default:
		return &resp, nil
	}
}

// Finish keeps the response, or forgets the key after a server error so that
// a retry can succeed.
func (k *Keeper) Finish(ctx context.Context, r Request, resp Response) error {
	if resp.Status >= 500 {
		return k.store.Release(ctx, r)
	}
	return k.store.Complete(ctx, r, resp)
}
