// Package retention gives personal data a term and kept data an expiry:
// it decides who has outlived the purpose their data was kept for (people
// who left the network, accounts nobody uses) and removes them through the
// paths that own them, the person service's erasure and the account
// service's delete, never a path of its own; and it expires what is kept
// for a time only (idempotent responses, webhook delivery logs, spent
// sign-in tokens and set-password links, audit entries).
//
// The rules live here rather than in the person or account service because
// they span both: an unused account takes its person along only when the
// person has left too.
package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/idempotency"
)

// Policy is how long each kind of data is kept; zero keeps it.
type Policy struct {
	// Left: people whose every membership ended longer ago are erased.
	Left time.Duration
	// UnusedAccounts: accounts not signed in to (or, never signed in to,
	// created) longer ago are deleted.
	UnusedAccounts time.Duration
	// Deliveries: webhook delivery logs, redeliveries that cannot be sent,
	// and the mail log, older than this are deleted.
	Deliveries time.Duration
	// Audit: audit entries older than this are deleted.
	Audit time.Duration
}

// TokenGrace is how long spent or expired refresh tokens and set-password
// links are kept after they became useless: long enough to tell a caller
// why a link failed, or to see a sign-in problem in the database.
const TokenGrace = 24 * time.Hour

// batch is how many rows one statement deletes: small, so that writers are
// never kept waiting long.
const batch = 500

// PersonTerm is a person not erased, with the end days of their memberships
// (zero while one lasts).
type PersonTerm struct {
	ID   string
	Ends []time.Time
}

// AccountUse is a user account and when it was last used.
type AccountUse struct {
	ID           string
	PersonID     string // empty when the account belongs to no person
	CreatedAt    time.Time
	LastSignInAt time.Time // zero when never signed in
}

// LastUsed is when the account was last signed in to, or created when never.
func (a AccountUse) LastUsed() time.Time {
	if a.LastSignInAt.IsZero() {
		return a.CreatedAt
	}
	return a.LastSignInAt
}

// Left reports since when the person has left the network: the last day of
// their last membership, when every membership has ended. A person without
// memberships never joined, so never left: ok is false.
func (p PersonTerm) Left() (since time.Time, ok bool) {
	if len(p.Ends) == 0 {
		return time.Time{}, false
	}
	for _, end := range p.Ends {
		if end.IsZero() {
			return time.Time{}, false
		}
		if end.After(since) {
			since = end
		}
	}
	return since, true
}

// Store is what the service needs from storage. The Expire… methods delete
// up to limit rows in one statement and return how many they deleted.
type Store interface {
	// PersonTerms returns every person not erased who has a membership.
	PersonTerms(ctx context.Context) ([]PersonTerm, error)
	// AccountUses returns every user account.
	AccountUses(ctx context.Context) ([]AccountUse, error)
	// ExpireIdempotencyKeys deletes responses kept since before before.
	ExpireIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error)
	// ExpireDeliveries deletes delivery log entries attempted before
	// before, except those of an event the subscription has yet to deliver.
	ExpireDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	// ExpireRedeliveries deletes redeliveries requested before before for
	// disabled subscriptions (the dispatcher sends the others at once).
	ExpireRedeliveries(ctx context.Context, before time.Time, limit int) (int, error)
	// ExpireMailMessages deletes mail log entries written before before,
	// of changes the outbox has passed.
	ExpireMailMessages(ctx context.Context, before time.Time, limit int) (int, error)
	// ExpireRefreshTokens deletes tokens revoked before before, and the
	// tokens of families whose last token expired before before: a spent
	// token is kept while its family lives, to tell its reuse.
	ExpireRefreshTokens(ctx context.Context, before time.Time, limit int) (int, error)
	// ExpirePasswordLinks deletes links used or expired before before.
	ExpirePasswordLinks(ctx context.Context, before time.Time, limit int) (int, error)
}

// People erases a person: the person service's erasure, the same as
// DELETE /v1/people/{id}.
type People interface {
	Erase(ctx context.Context, id string, pre domain.Precondition) error
}

// Accounts deletes a user account: the account service's delete, the same
// as DELETE /v1/users/{id}.
type Accounts interface {
	DeleteUser(ctx context.Context, id string, pre domain.Precondition) error
}

// AuditLog expires audit entries.
type AuditLog interface {
	Expire(ctx context.Context, retention time.Duration) (int, error)
}

// Service applies the retention policy.
type Service struct {
	store    Store
	people   People
	accounts Accounts
	audit    AuditLog
	now      domain.Clock
}

// NewService returns the retention service.
func NewService(store Store, people People, accounts Accounts, audit AuditLog, now domain.Clock) *Service {
	return &Service{store: store, people: people, accounts: accounts, audit: audit, now: now}
}

// Kind is what an item of a purge is.
type Kind string

const (
	KindPerson  Kind = "person"
	KindAccount Kind = "account"
)

// Reason is why an item is purged.
type Reason string

const (
	ReasonLeft   Reason = "left"   // the person's every membership ended
	ReasonUnused Reason = "unused" // the account was not used
)

// Item is one person or account a purge removes, or would remove. It holds
// ids only, never a personal value, so that it may be printed and logged.
type Item struct {
	Kind   Kind
	ID     string
	Reason Reason
	Since  time.Time // the last membership's end, or the account's last use
	Action string    // what the purge does with it
	Result string    // "dry run", "done", "gone already" or "failed: …"
	Err    error     // when it failed
}

// Report is what one purge did.
type Report struct {
	RunID  string // the request id its change and audit records carry
	DryRun bool
	Items  []Item
}

// Count is how many items of kind were done.
func (r Report) Count(kind Kind) int {
	n := 0
	for _, it := range r.Items {
		if it.Kind == kind && it.Result == ResultDone {
			n++
		}
	}
	return n
}

// Failed lists the items that failed.
func (r Report) Failed() []Item {
	return slices.DeleteFunc(slices.Clone(r.Items), func(it Item) bool { return it.Err == nil })
}

// Results of an item.
const (
	ResultDryRun = "dry run"
	ResultDone   = "done"
	ResultGone   = "gone already"
)

// Plan lists what a purge under p removes now, people first, each with its
// accounts. Admins only (the command line and the schedule act as the system).
func (s *Service) Plan(ctx context.Context, p Policy) ([]Item, error) {
	if err := domain.ActorFrom(ctx).Require("purge personal data", domain.RoleAdmin); err != nil {
		return nil, err
	}
	now := s.now()
	var terms []PersonTerm
	if p.Left > 0 {
		var err error
		if terms, err = s.store.PersonTerms(ctx); err != nil {
			return nil, err
		}
	}
	var uses []AccountUse
	if p.Left > 0 || p.UnusedAccounts > 0 {
		var err error
		if uses, err = s.store.AccountUses(ctx); err != nil {
			return nil, err
		}
	}
	return plan(now, p, terms, uses), nil
}

// plan decides who goes: people who left longer ago than p.Left, with every
// account of theirs (erasure removes them); then accounts unused longer than
// p.UnusedAccounts whose person stays.
func plan(now time.Time, p Policy, terms []PersonTerm, uses []AccountUse) []Item {
	var items []Item
	leaving := map[string]time.Time{}
	if p.Left > 0 {
		// Membership ends are days: someone whose membership ends on day D
		// is a member all of D, in Amsterdam, and has left when it ends.
		for _, t := range terms {
			since, ok := t.Left()
			if ok && domain.EndOfDay(since).Add(p.Left).Before(now) {
				leaving[t.ID] = since
			}
		}
	}
	accountsOf := map[string][]AccountUse{}
	for _, u := range uses {
		if u.PersonID != "" {
			accountsOf[u.PersonID] = append(accountsOf[u.PersonID], u)
		}
	}
	// Someone who left but still signs in within the same term (a former
	// pioneer who now works for the network) still has a purpose: erasing
	// them would end an account in use.
	for id := range leaving {
		for _, u := range accountsOf[id] {
			if !u.LastUsed().Add(p.Left).Before(now) {
				delete(leaving, id)
				break
			}
		}
	}
	for _, t := range terms {
		since, ok := leaving[t.ID]
		if !ok {
			continue
		}
		action := "erase"
		if n := len(accountsOf[t.ID]); n > 0 {
			action = fmt.Sprintf("erase, with %d account%s", n, map[bool]string{true: "", false: "s"}[n == 1])
		}
		items = append(items, Item{Kind: KindPerson, ID: t.ID, Reason: ReasonLeft, Since: since, Action: action})
		for _, u := range accountsOf[t.ID] {
			items = append(items, Item{Kind: KindAccount, ID: u.ID, Reason: ReasonLeft, Since: since,
				Action: "delete, with person " + t.ID})
		}
	}
	if p.UnusedAccounts > 0 {
		for _, u := range uses {
			if _, gone := leaving[u.PersonID]; gone || !u.LastUsed().Add(p.UnusedAccounts).Before(now) {
				continue
			}
			action := "delete"
			if u.PersonID != "" {
				action = "delete; person " + u.PersonID + " kept: not left"
			}
			items = append(items, Item{Kind: KindAccount, ID: u.ID, Reason: ReasonUnused, Since: u.LastUsed(), Action: action})
		}
	}
	return items
}

// Purge removes what Plan lists, or with dryRun only lists it. Each person
// goes through the person service's erasure (their accounts with them), each
// other account through the account service's delete: with the caller's
// actor and a request id naming this run, which their change and audit
// records carry. One that is gone already (another instance purged it) is
// no failure; one that fails is reported and the rest go on.
func (s *Service) Purge(ctx context.Context, p Policy, dryRun bool) (Report, error) {
	rep := Report{RunID: domain.RequestIDFrom(ctx), DryRun: dryRun}
	if rep.RunID == "" {
		rep.RunID = "purge-" + uuid.Must(uuid.NewV7()).String()
		ctx = domain.WithRequestID(ctx, rep.RunID)
	}
	items, err := s.Plan(ctx, p)
	if err != nil {
		return rep, err
	}
	// The system acts on whatever version it finds, as the command line does.
	anyVersion := domain.Precondition{Present: true, Any: true}
	for i, it := range items {
		switch {
		case dryRun:
			items[i].Result = ResultDryRun
			continue
		case it.Kind == KindPerson:
			err = s.people.Erase(ctx, it.ID, anyVersion)
		case it.Reason == ReasonLeft:
			// Deleted by its person's erasure, just before.
			err = erasedWith(items[:i], it)
		default:
			err = s.accounts.DeleteUser(ctx, it.ID, anyVersion)
		}
		switch code := domain.ErrorCode(err); {
		case err == nil:
			items[i].Result = ResultDone
		case code == domain.CodeGone || code == domain.CodeNotFound:
			items[i].Result = ResultGone
		default:
			items[i].Result, items[i].Err = "failed: "+err.Error(), err
		}
	}
	rep.Items = items
	return rep, nil
}

// erasedWith is the outcome for an account of a person who left: that of
// the person's erasure.
func erasedWith(before []Item, account Item) error {
	for _, it := range slices.Backward(before) {
		if it.Kind == KindPerson {
			if it.Err != nil {
				return errors.New("its person's erasure failed")
			}
			if it.Result == ResultGone {
				return domain.Errorf(domain.CodeGone, "deleted with its person before")
			}
			return nil
		}
	}
	return fmt.Errorf("account %s: no erasure before it", account.ID)
}

// Expired is how many rows an expiry deleted, by kind.
type Expired struct {
	IdempotencyKeys, Deliveries, Redeliveries, MailMessages, RefreshTokens, PasswordLinks, AuditEntries int
}

// Total is every row deleted.
func (e Expired) Total() int {
	return e.IdempotencyKeys + e.Deliveries + e.Redeliveries + e.MailMessages + e.RefreshTokens + e.PasswordLinks + e.AuditEntries
}

// Expire deletes what is kept for a time only and has had its time, a batch
// per statement: idempotent responses after idempotency.TTL, delivery logs
// after p.Deliveries, spent tokens and links after TokenGrace, audit
// entries after p.Audit. It stops at the first failure, keeping what the
// batches before it deleted, and reports what it deleted.
func (s *Service) Expire(ctx context.Context, p Policy) (Expired, error) {
	now := s.now()
	var e Expired
	steps := []struct {
		n      *int
		keep   time.Duration
		delete func(context.Context, time.Time, int) (int, error)
	}{
		{&e.IdempotencyKeys, idempotency.TTL, s.store.ExpireIdempotencyKeys},
		{&e.RefreshTokens, TokenGrace, s.store.ExpireRefreshTokens},
		{&e.PasswordLinks, TokenGrace, s.store.ExpirePasswordLinks},
		{&e.Deliveries, p.Deliveries, s.store.ExpireDeliveries},
		{&e.Redeliveries, p.Deliveries, s.store.ExpireRedeliveries},
		{&e.MailMessages, p.Deliveries, s.store.ExpireMailMessages},
	}
	for _, st := range steps {
		if st.keep <= 0 {
			continue
		}
		for {
			n, err := st.delete(ctx, now.Add(-st.keep), batch)
			*st.n += n
			if err != nil {
				return e, err
			}
			if n < batch {
				break
			}
		}
	}
	if s.audit != nil && p.Audit > 0 {
		n, err := s.audit.Expire(ctx, p.Audit)
		e.AuditEntries = n
		if err != nil {
			return e, err
		}
	}
	return e, nil
}
