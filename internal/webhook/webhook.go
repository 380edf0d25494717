// Package webhook pushes the change feed to subscribers: subscriptions with
// their rules and who may manage them, deliveries as signed CloudEvents, the
// dispatcher that works each subscription's queue, and the guard that keeps
// deliveries out of the internal network.
//
// The change feed is the queue: every write records its change event in its
// own transaction, and each subscription keeps a cursor into the feed (the
// position last delivered or skipped). So an event is never lost between the
// write and its delivery, and a subscription re-enabled later resumes where
// it stopped.
package webhook

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// TypePrefix starts every event type: nl.pioniersnetwerk.<resource>.<action>.
const TypePrefix = "nl.pioniersnetwerk."

// EventType is the CloudEvents type of a change, a reverse-DNS name.
func EventType(ev change.Event) string { return TypePrefix + ev.Resource + "." + string(ev.Type) }

// Subscription is where and what to deliver.
type Subscription struct {
	ID             string
	Owner          string // the subject of the admin user or API client that created it
	OwnerClient    bool   // Owner is an API client's client id, not a user id
	URL            string
	EventTypes     []string // types or wildcards (nl.pioniersnetwerk.meeting.*); none: all
	Filters        Filters
	Description    string
	Enabled        bool
	DisabledReason string
	DisabledAt     time.Time // zero while enabled
	Secret         string    // signs every delivery
	// PreviousSecret signs too until PreviousUntil: a rotation overlaps, so
	// that a receiver can switch to the new secret without losing deliveries.
	PreviousSecret string
	PreviousUntil  time.Time
	Version        domain.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RecordID, RecordVersion and Revised let the write path store a subscription.
func (s Subscription) RecordID() string              { return s.ID }
func (s Subscription) RecordVersion() domain.Version { return s.Version }
func (s Subscription) Revised(v domain.Version, at time.Time) Subscription {
	s.Version, s.UpdatedAt = v, at
	return s
}

// Secrets are the secrets a delivery at now is signed with.
func (s Subscription) Secrets(now time.Time) []string {
	if s.PreviousSecret != "" && now.Before(s.PreviousUntil) {
		return []string{s.Secret, s.PreviousSecret}
	}
	return []string{s.Secret}
}

// Filters narrow the events a subscription receives, beyond their types.
type Filters struct {
	ResourceIDs []string // only changes to these resources; none: all
}

// Input is what a caller may set.
type Input struct {
	URL         string
	EventTypes  []string
	Filters     Filters
	Description string
	Enabled     bool
}

// AsInput is the subscription's settable part, which a merge patch starts from.
func (s Subscription) AsInput() Input {
	return Input{URL: s.URL, EventTypes: slices.Clone(s.EventTypes), Filters: Filters{ResourceIDs: slices.Clone(s.Filters.ResourceIDs)},
		Description: s.Description, Enabled: s.Enabled}
}

// Wants reports whether the subscription receives ev.
func (s Subscription) Wants(ev change.Event) bool {
	if len(s.Filters.ResourceIDs) > 0 && !slices.Contains(s.Filters.ResourceIDs, ev.ResourceID) {
		return false
	}
	if len(s.EventTypes) == 0 {
		return true
	}
	typ := EventType(ev)
	for _, want := range s.EventTypes {
		if want == typ || (strings.HasSuffix(want, "*") && strings.HasPrefix(typ, strings.TrimSuffix(want, "*"))) {
			return true
		}
	}
	return false
}

// Delivery is one attempt to deliver an event, as the log keeps it.
type Delivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	Seq            int64
	EventType      string
	Attempt        int  // 1 for the first try of an event; a redelivery counts on
	Redelivery     bool // sent on request, apart from the queue
	StatusCode     int  // 0 when no response came
	Duration       time.Duration
	Error          string
	AttemptedAt    time.Time
	NextAttemptAt  time.Time // zero unless a retry is scheduled
}

// Succeeded reports whether the receiver took the delivery: a 2xx.
func (d Delivery) Succeeded() bool { return d.StatusCode >= 200 && d.StatusCode < 300 }

// Redelivery is a request to send a logged event once more.
type Redelivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	Seq            int64
	RequestedAt    time.Time
}

// Query is one page of a list.
type Query struct {
	Owner       string // only this owner's subscriptions; "" for all
	OwnerClient bool
	PageSize    int
	Cursor      string
}

// Store is what the service needs from storage.
type Store interface {
	domain.Transactor
	ListSubscriptions(ctx context.Context, q Query) (domain.Page[Subscription], error)
	GetSubscription(ctx context.Context, id string) (Subscription, error)
	// CreateSubscription stores s with its cursor at the feed's end, so that
	// it receives the changes after its creation.
	CreateSubscription(ctx context.Context, s Subscription, c domain.Change) error
	// UpdateSubscription writes what a caller or the dispatcher changes,
	// never the delivery state; re-enabling clears the retry schedule.
	UpdateSubscription(ctx context.Context, s Subscription, c domain.Change) error
	DeleteSubscription(ctx context.Context, s Subscription, c domain.Change) error
	ListDeliveries(ctx context.Context, subscriptionID string, pageSize int, cursor string) (domain.Page[Delivery], error)
	GetDelivery(ctx context.Context, subscriptionID, id string) (Delivery, error)
	RequestRedelivery(ctx context.Context, r Redelivery) error
}

// Service applies the rules for subscriptions.
type Service struct {
	store Store
	guard Guard
	now   domain.Clock
}

// NewService returns a subscription service; guard checks URLs.
func NewService(store Store, guard Guard, now domain.Clock) *Service {
	return &Service{store: store, guard: guard, now: now}
}

// DefaultOverlap is how long a rotated secret keeps signing.
const DefaultOverlap = 24 * time.Hour

// manager says whether the actor may manage webhook subscriptions at all:
// admins (all of them) and partner API clients granted webhooks:manage
// (their own).
func manager(a domain.Actor) error {
	switch {
	case a.Anonymous():
		return domain.Errorf(domain.CodeUnauthenticated, "sign in to manage webhook subscriptions")
	case a.Is(domain.RoleAdmin):
		return nil
	case a.Client && a.HasScope(domain.ScopeWebhooksManage):
		return nil
	case a.Client:
		return domain.Errorf(domain.CodeForbidden, "this API client lacks the scope %s", domain.ScopeWebhooksManage)
	default:
		return domain.Errorf(domain.CodeForbidden, "role %s may not manage webhook subscriptions", a.Role)
	}
}

// owns says whether the actor, a manager, may see and change s: another's
// subscription is not found, so its existence is not revealed.
func owns(a domain.Actor, s Subscription) error {
	if a.Is(domain.RoleAdmin) || (s.OwnerClient == a.Client && s.Owner == a.Subject) {
		return nil
	}
	return domain.Errorf(domain.CodeNotFound, "no webhook subscription with id %q", s.ID)
}

// List returns the subscriptions the caller manages.
func (s *Service) List(ctx context.Context, pageSize int, cursor string) (domain.Page[Subscription], error) {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return domain.Page[Subscription]{}, err
	}
	var p domain.Problems
	q := Query{PageSize: domain.PageSize(pageSize, &p), Cursor: cursor}
	if err := p.Err(); err != nil {
		return domain.Page[Subscription]{}, err
	}
	if !actor.Is(domain.RoleAdmin) {
		q.Owner, q.OwnerClient = actor.Subject, actor.Client
	}
	return s.store.ListSubscriptions(ctx, q)
}

// Get returns one subscription the caller manages.
func (s *Service) Get(ctx context.Context, id string) (Subscription, error) {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return Subscription{}, err
	}
	sub, err := s.store.GetSubscription(ctx, id)
	if err != nil {
		return Subscription{}, err
	}
	return sub, owns(actor, sub)
}

// Create adds a subscription owned by the caller and returns it; its
// Secret is shown this once.
func (s *Service) Create(ctx context.Context, in Input) (Subscription, error) {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return Subscription{}, err
	}
	in, err := s.check(ctx, in)
	if err != nil {
		return Subscription{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return Subscription{}, err
	}
	now := domain.Timestamp(s.now)
	sub := Subscription{ID: uuid.Must(uuid.NewV7()).String(), Owner: actor.Subject, OwnerClient: actor.Client, Secret: secret,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	sub = apply(sub, in, now)
	err = s.store.CreateSubscription(ctx, sub, domain.Change{Resource: "webhook-subscription", ResourceID: sub.ID,
		Action: domain.ActionCreate, Actor: actor.Subject, Fields: []string{"url", "eventTypes", "filters", "enabled", "secret"},
		Version: 1, At: now})
	return sub, err
}

// Update applies change (a merge patch) to the subscription id.
func (s *Service) Update(ctx context.Context, id string, change func(Input) (Input, error), pre domain.Precondition) (Subscription, error) {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return Subscription{}, err
	}
	authorise := func(cur Subscription) error { return owns(actor, cur) }
	return domain.Patch(ctx, pre, s.load(id), authorise,
		func(cur Subscription) (Input, error) { return change(cur.AsInput()) },
		func(ctx context.Context, id string, in Input, at domain.Precondition) (Subscription, error) {
			in, err := s.check(ctx, in)
			if err != nil {
				return Subscription{}, err
			}
			return domain.Update(ctx, s.store, s.now, at, domain.Edit[Subscription]{
				Resource:  "webhook-subscription",
				Load:      s.load(id),
				Authorise: authorise,
				Change: func(_ context.Context, cur Subscription) (Subscription, error) {
					return apply(cur, in, domain.Timestamp(s.now)), nil
				},
				Diff: changedFields,
				Save: s.store.UpdateSubscription,
			})
		})
}

// Delete removes a subscription and its delivery log.
func (s *Service) Delete(ctx context.Context, id string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return err
	}
	return domain.Delete(ctx, s.store, s.now, pre, domain.Edit[Subscription]{
		Resource:  "webhook-subscription",
		Load:      s.load(id),
		Authorise: func(cur Subscription) error { return owns(actor, cur) },
		Remove:    s.store.DeleteSubscription,
	})
}

// RotateSecret gives the subscription a new secret, returned in the result
// this once; the old one keeps signing for overlap (at most and by default
// DefaultOverlap; 0 ends it at once).
func (s *Service) RotateSecret(ctx context.Context, id string, overlap *time.Duration) (Subscription, error) {
	actor := domain.ActorFrom(ctx)
	if err := manager(actor); err != nil {
		return Subscription{}, err
	}
	keep := DefaultOverlap
	if overlap != nil {
		keep = *overlap
	}
	if keep < 0 || keep > DefaultOverlap {
		return Subscription{}, (domain.Problems{{Name: "overlapSeconds", Reason: fmt.Sprintf("must be between 0 and %d", int(DefaultOverlap.Seconds()))}}).Err()
	}
	secret, err := NewSecret()
	if err != nil {
		return Subscription{}, err
	}
	return domain.Update(ctx, s.store, s.now, domain.Precondition{Present: true, Any: true}, domain.Edit[Subscription]{
		Resource:  "webhook-subscription",
		Load:      s.load(id),
		Authorise: func(cur Subscription) error { return owns(actor, cur) },
		Change: func(_ context.Context, cur Subscription) (Subscription, error) {
			now := domain.Timestamp(s.now)
			cur.PreviousSecret, cur.PreviousUntil = cur.Secret, now.Add(keep)
			if keep == 0 {
				cur.PreviousSecret, cur.PreviousUntil = "", time.Time{}
			}
			cur.Secret = secret
			return cur, nil
		},
		Diff: func(_, _ Subscription) domain.Diff { return domain.Diff{"secret"} },
		Save: s.store.UpdateSubscription,
	})
}

// Deliveries returns a page of the subscription's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, id string, pageSize int, cursor string) (domain.Page[Delivery], error) {
	if _, err := s.Get(ctx, id); err != nil {
		return domain.Page[Delivery]{}, err
	}
	var p domain.Problems
	if pageSize = domain.PageSize(pageSize, &p); p.Err() != nil {
		return domain.Page[Delivery]{}, p.Err()
	}
	return s.store.ListDeliveries(ctx, id, pageSize, cursor)
}

// Redeliver asks for the event of a logged delivery to be sent once more,
// apart from the queue: the subscription's cursor does not move, and the
// event keeps its id (the webhook-id), so a receiver recognises it.
func (s *Service) Redeliver(ctx context.Context, id, deliveryID string) (Redelivery, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Redelivery{}, err
	}
	d, err := s.store.GetDelivery(ctx, id, deliveryID)
	if err != nil {
		return Redelivery{}, err
	}
	r := Redelivery{ID: uuid.Must(uuid.NewV7()).String(), SubscriptionID: id, EventID: d.EventID, Seq: d.Seq,
		RequestedAt: domain.Timestamp(s.now)}
	return r, s.store.RequestRedelivery(ctx, r)
}

// disable turns a subscription off with a reason, for the dispatcher: its
// cursor stays, so enabling it again resumes without loss.
func (s *Service) disable(ctx context.Context, id, reason string) error {
	ctx = domain.WithActor(ctx, domain.System)
	_, err := domain.Update(ctx, s.store, s.now, domain.Precondition{Present: true, Any: true}, domain.Edit[Subscription]{
		Resource: "webhook-subscription",
		Load:     s.load(id),
		Change: func(_ context.Context, cur Subscription) (Subscription, error) {
			if !cur.Enabled {
				return cur, nil
			}
			cur.Enabled, cur.DisabledReason, cur.DisabledAt = false, reason, domain.Timestamp(s.now)
			return cur, nil
		},
		Diff: changedFields,
		Save: s.store.UpdateSubscription,
	})
	return err
}

func (s *Service) load(id string) func(context.Context) (Subscription, error) {
	return func(ctx context.Context) (Subscription, error) { return s.store.GetSubscription(ctx, id) }
}

// typePattern is an event type or a wildcard over one.
var typePattern = regexp.MustCompile(`^nl\.pioniersnetwerk\.(\*|[a-z][a-z-]*\.(\*|created|updated|deleted|redacted))$`)

// maxListed bounds eventTypes and filters.resourceIds.
const maxListed = 100

// check validates and normalises in.
func (s *Service) check(ctx context.Context, in Input) (Input, error) {
	var p domain.Problems
	in.URL = strings.TrimSpace(in.URL)
	if err := s.guard.CheckURL(ctx, in.URL); err != nil {
		p = append(p, domain.FieldError{Name: "url", Reason: fieldReason(err)})
	}
	in.EventTypes = dedupe(in.EventTypes)
	if len(in.EventTypes) > maxListed {
		p.Add("eventTypes", fmt.Sprintf("must list at most %d types", maxListed))
	}
	for _, t := range in.EventTypes {
		if !typePattern.MatchString(t) {
			p.Add("eventTypes", fmt.Sprintf("%q is not a type such as nl.pioniersnetwerk.meeting.updated or a wildcard such as nl.pioniersnetwerk.meeting.*", t))
			break
		}
		// A resource the feed never names would silently match nothing.
		if resource := strings.Split(t, ".")[2]; resource != "*" && !slices.Contains(change.Resources, resource) {
			p.Add("eventTypes", fmt.Sprintf("%q names no resource of the feed; the resources are %s (a registration, submission, progress update or evaluation response arrives as an update of what it belongs to)", t, strings.Join(change.Resources, ", ")))
			break
		}
	}
	in.Filters.ResourceIDs = dedupe(in.Filters.ResourceIDs)
	if len(in.Filters.ResourceIDs) > maxListed {
		p.Add("filters.resourceIds", fmt.Sprintf("must list at most %d ids", maxListed))
	}
	in.Description = strings.TrimSpace(in.Description)
	return in, p.Err()
}

func fieldReason(err error) string {
	if e, ok := err.(*domain.Error); ok && len(e.Fields) > 0 {
		return e.Fields[0].Reason
	}
	return err.Error()
}

// apply sets in on s; enabling clears why it was disabled.
func apply(s Subscription, in Input, now time.Time) Subscription {
	s.URL, s.EventTypes, s.Filters, s.Description = in.URL, in.EventTypes, in.Filters, in.Description
	if in.Enabled && !s.Enabled {
		s.DisabledReason, s.DisabledAt = "", time.Time{}
	}
	if !in.Enabled && s.Enabled {
		s.DisabledReason, s.DisabledAt = "disabled by a caller", now
	}
	s.Enabled = in.Enabled
	return s
}

func changedFields(a, b Subscription) domain.Diff {
	var d domain.Diff
	d.Add(a.URL != b.URL, "url")
	d.Add(!slices.Equal(a.EventTypes, b.EventTypes), "eventTypes")
	d.Add(!slices.Equal(a.Filters.ResourceIDs, b.Filters.ResourceIDs), "filters")
	d.Add(a.Description != b.Description, "description")
	d.Add(a.Enabled != b.Enabled, "enabled")
	d.Add(a.DisabledReason != b.DisabledReason, "disabledReason")
	return d
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
