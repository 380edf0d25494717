// Package audit is the audit log: who changed what, when, from which
// request. Every write records its entry in its own transaction (see
// store.recordChange); this package reads the log for admins and purges
// what is older than the retention. Entries hold ids and field names only,
// never personal values, so erasing a person leaves the log intact.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// ActorKind says who made a change.
type ActorKind string

const (
	ActorUser   ActorKind = "user"   // a signed-in person
	ActorClient ActorKind = "client" // a partner's API client
	ActorSystem ActorKind = "system" // the command line, the seed, the service itself
)

// clientPrefix starts every API client's id (see account.CreateClient).
const clientPrefix = "pc_"

// Actor is who made a change: a user's id, an API client's client id, or
// "system".
type Actor struct {
	Kind ActorKind
	ID   string
}

// ActorOf tells the kind of actor from the subject a change recorded. The
// subject alone decides, so that entries of deleted accounts and revoked
// clients keep their kind.
func ActorOf(subject string) Actor {
	switch {
	case subject == domain.System.Subject:
		return Actor{Kind: ActorSystem, ID: subject}
	case strings.HasPrefix(subject, clientPrefix):
		return Actor{Kind: ActorClient, ID: subject}
	default:
		return Actor{Kind: ActorUser, ID: subject}
	}
}

// Entry is one change as the audit log keeps it.
type Entry struct {
	ID         string
	Seq        int64 // commit order
	At         time.Time
	Actor      Actor
	Resource   string
	ResourceID string
	Action     domain.Action
	Fields     []string // names of the changed fields, never their values
	RequestID  string
}

// Filter narrows the log; zero fields do not filter.
type Filter struct {
	Resource   string
	ResourceID string
	Actor      string    // the actor's id
	From       time.Time // entries at or after
	To         time.Time // entries before
}

// Query is one page of the log, newest first.
type Query struct {
	Filter   Filter
	PageSize int
	Cursor   string
}

// Store is what the service needs from storage.
type Store interface {
	ListAuditEvents(ctx context.Context, q Query) (domain.Page[Entry], error)
	// EachAuditEvent calls fn for every entry f selects, newest first,
	// from one query, and stops at fn's first error.
	EachAuditEvent(ctx context.Context, f Filter, fn func(Entry) error) error
	// PurgeAuditEvents deletes up to limit entries recorded before cutoff,
	// oldest first, and returns how many it deleted.
	PurgeAuditEvents(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Service reads and prunes the audit log.
type Service struct {
	store Store
	now   domain.Clock
}

// NewService returns the audit log's service.
func NewService(store Store, now domain.Clock) *Service {
	return &Service{store: store, now: now}
}

// List returns one page of the log, newest first. Admins only.
func (s *Service) List(ctx context.Context, q Query) (domain.Page[Entry], error) {
	if err := domain.ActorFrom(ctx).Require("read the audit log", domain.RoleAdmin); err != nil {
		return domain.Page[Entry]{}, err
	}
	var p domain.Problems
	q.PageSize = domain.PageSize(q.PageSize, &p)
	checkFilter(q.Filter, &p)
	if err := p.Err(); err != nil {
		return domain.Page[Entry]{}, err
	}
	return s.store.ListAuditEvents(ctx, q)
}

// Each calls fn for every entry f selects, newest first, as the store reads
// them from one query. Admins only.
func (s *Service) Each(ctx context.Context, f Filter, fn func(Entry) error) error {
	if err := domain.ActorFrom(ctx).Require("read the audit log", domain.RoleAdmin); err != nil {
		return err
	}
	var p domain.Problems
	if checkFilter(f, &p); p.Err() != nil {
		return p.Err()
	}
	return s.store.EachAuditEvent(ctx, f, fn)
}

func checkFilter(f Filter, p *domain.Problems) {
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		p.Add("to", "must be after from")
	}
}

// purgeBatch is how many entries one purge statement deletes: small enough
// that the database's writer is never held for long.
const purgeBatch = 1000

// Purge deletes every entry recorded before cutoff, a batch at a time, and
// returns how many it deleted. A failure keeps what earlier batches did.
func (s *Service) Purge(ctx context.Context, cutoff time.Time) (int, error) {
	total := 0
	for {
		n, err := s.store.PurgeAuditEvents(ctx, cutoff, purgeBatch)
		total += n
		if err != nil || n < purgeBatch {
			return total, err
		}
	}
}

// Expire deletes the entries older than retention; zero retention keeps
// every entry.
func (s *Service) Expire(ctx context.Context, retention time.Duration) (int, error) {
	if retention <= 0 {
		return 0, nil
	}
	return s.Purge(ctx, s.now().Add(-retention))
}
