package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// State is whether a token subject (a user's id, an API client's client id)
// may act, and at which auth version: a token issued at an older version is
// refused.
type State struct {
	Subject string
	Version int
	Active  bool     // false: disabled, revoked, or gone
	Scopes  []string // an API client's granted scopes
}

// stateSource reads subjects' states from the database.
type stateSource interface {
	AccessStates(ctx context.Context) ([]State, error)
	// AccessState returns the subject's state; not found when there is none.
	AccessState(ctx context.Context, subject string) (State, error)
}

// Access is the table that makes revocation take effect on the next request
// without a database read per request: subject → (auth version, active),
// loaded at start, reloaded every interval (the bound for changes made on
// other instances) and set at once when this instance changes an account.
type Access struct {
	tokens *Tokens
	src    stateSource
	mu     sync.RWMutex
	states map[string]entry
	gen    uint64 // bumped by every Set, so that a reload keeps what was set while it ran
}

type entry struct {
	State
	setAt uint64 // gen of the Set that wrote it; 0 when loaded
}

// NewAccess returns the table; Load fills it.
func NewAccess(tokens *Tokens, src stateSource) *Access {
	return &Access{tokens: tokens, src: src, states: map[string]entry{}}
}

// Load reads every subject's state, keeping what Set wrote meanwhile.
func (a *Access) Load(ctx context.Context) error {
	a.mu.RLock()
	start := a.gen
	a.mu.RUnlock()
	list, err := a.src.AccessStates(ctx)
	if err != nil {
		return err
	}
	fresh := make(map[string]entry, len(list))
	for _, s := range list {
		fresh[s.Subject] = entry{State: s}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for subject, e := range a.states {
		if e.setAt > start {
			fresh[subject] = e
		}
	}
	a.states = fresh
	return nil
}

// Run reloads the table every interval until ctx ends.
func (a *Access) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := a.Load(ctx); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "reload access table", "error", err.Error())
			}
		}
	}
}

// Set records a subject's new state on this instance at once.
func (a *Access) Set(s State) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	a.states[s.Subject] = entry{State: s, setAt: a.gen}
}

// Fresh reads the subject's state from the database, for issuing tokens.
func (a *Access) Fresh(ctx context.Context, subject string) (State, error) {
	s, err := a.src.AccessState(ctx, subject)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return State{Subject: subject}, nil
	}
	return s, err
}

// state is the subject's state from the table; a subject the table does not
// know is looked up once and remembered, found or not.
func (a *Access) state(ctx context.Context, subject string) (State, error) {
	a.mu.RLock()
	e, ok := a.states[subject]
	a.mu.RUnlock()
	if ok {
		return e.State, nil
	}
	s, err := a.Fresh(ctx, subject)
	if err != nil {
		return State{}, err
	}
	a.mu.Lock()
	if _, ok := a.states[subject]; !ok {
		a.states[subject] = entry{State: s}
	}
	a.mu.Unlock()
	return s, nil
}

// Verify checks the token and that its subject may still act at the
// token's auth version. It returns the actor and the refresh-token family
// the token came from, if any. Tokens from before auth versions pass while
// the subject's version is still 1.
func (a *Access) Verify(ctx context.Context, token string) (domain.Actor, string, error) {
	actor, issued, err := a.tokens.VerifyIssued(token)
	if err != nil {
		return domain.Actor{}, "", err
	}
	s, err := a.state(ctx, actor.Subject)
	if err != nil {
		return domain.Actor{}, "", err
	}
	if !s.Active {
		return domain.Actor{}, "", domain.Errorf(domain.CodeUnauthenticated, "the access token is invalid: its account is disabled, revoked or gone")
	}
	// A newer version than the table's comes from another instance that
	// changed the account before this one reloaded: the token is ours and current.
	if v := max(issued.Version, 1); v < s.Version {
		return domain.Actor{}, "", domain.Errorf(domain.CodeUnauthenticated, "the access token is invalid: its account changed since it was issued; sign in again")
	}
	return actor, issued.Session, nil
}
