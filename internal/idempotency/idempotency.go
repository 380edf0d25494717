// Package idempotency makes a retried POST safe: the first response to a
// request with an Idempotency-Key is kept, and a retry with the same key and
// the same request gets it again instead of doing the work twice.
package idempotency

import (
	"context"
	"errors"
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
	// Once runs work, unless a response is kept for r's key: then it
	// returns that response and the hash of its request. The claim, the
	// work's writes (work's ctx carries its write, which starts at the
	// first statement that writes) and the response commit together, so a
	// crash, a panic or an error from work keeps none of them and a retry
	// finds the key free. A response of 400 or more is kept but the work's
	// writes are undone. When a concurrent request claims the key first,
	// work's first write fails with a conflict, and Once returns that
	// request's response. Keys older than ttl are forgotten first.
	Once(ctx context.Context, r Request, now time.Time, ttl time.Duration,
		work func(ctx context.Context) (Response, error)) (kept *Response, hash string, err error)
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

// errServerFailed rolls back a request that failed on the server's side:
// its key is not kept, so a retry can succeed.
var errServerFailed = errors.New("server error: the key is not kept")

// Do runs work once per key. It returns a kept response to replay; or nil
// after running work, whose response is then the one to send (kept unless
// it is a server error); or an error, and then nothing is kept: 422 when the
// key was used for another request, or the store failing (also after work
// ran: its response must then not be sent, since nothing of it committed).
// Of requests with one key that run at the same time, the first to write
// (or, writing nothing, to be answered) claims the key, and the others get
// its response.
func (k *Keeper) Do(ctx context.Context, r Request, work func(ctx context.Context) Response) (*Response, error) {
	if len(r.Key) == 0 || len(r.Key) > 255 || strings.IndexFunc(r.Key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		return nil, (domain.Problems{{Name: "Idempotency-Key", Reason: "must be 1 to 255 visible ASCII characters, such as a UUID"}}).Err()
	}
	kept, hash, err := k.store.Once(ctx, r, k.now(), TTL, func(ctx context.Context) (Response, error) {
		resp := work(ctx)
		if resp.Status >= 500 {
			return resp, errServerFailed
		}
		return resp, nil
	})
	switch {
	case errors.Is(err, errServerFailed):
		return nil, nil
	case err != nil:
		return nil, err
	case kept != nil && hash != r.Hash:
		return nil, domain.Errorf(domain.CodeUnprocessable, "this Idempotency-Key was used for a different request; use a new key for a new request")
	default:
		return kept, nil
	}
}
