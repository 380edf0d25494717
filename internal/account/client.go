package account

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Client is a partner portal's API client (OAuth 2.0 client credentials).
type Client struct {
	ID             string
	ClientID       string
	Name           string
	SecretHash     string
	Role           domain.Role
	OrganisationID string
	Scopes         []string // granted by an admin; see domain.Scope*
	// The secret a rotation replaced keeps working until it expires, so
	// that a partner can roll the new one out without downtime.
	PreviousSecretHash      string
	PreviousSecretExpiresAt time.Time
	RevokedAt               time.Time // zero while the client may sign in
	// AuthVersion grows whenever the client's access must end or narrow
	// (revoked, scopes or organisation changed): tokens issued before are
	// refused.
	AuthVersion int
	LastUsedAt  time.Time
	Version     domain.Version
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RecordID, RecordVersion and Revised let the write path store a client.
func (c Client) RecordID() string              { return c.ID }
func (c Client) RecordVersion() domain.Version { return c.Version }
func (c Client) Revised(v domain.Version, at time.Time) Client {
	c.Version, c.UpdatedAt = v, at
	return c
}

// Revoked reports whether the client may no longer sign in.
func (c Client) Revoked() bool { return !c.RevokedAt.IsZero() }

// ClientStatus is whether a client may sign in.
type ClientStatus string

const (
	ClientActive  ClientStatus = "active"
	ClientRevoked ClientStatus = "revoked"
)

// Status says whether the client may sign in.
func (c Client) Status() ClientStatus {
	if c.Revoked() {
		return ClientRevoked
	}
	return ClientActive
}

var clientStatuses = []ClientStatus{ClientActive, ClientRevoked}

// ClientScopes are the scopes an admin may grant, in the order the
// documentation lists them.
var ClientScopes = []string{domain.ScopePeopleRead, domain.ScopeRegistrationsWrite, domain.ScopeWebhooksManage}

// boundScopes act for the client's organisation, so a client bound to none
// has no use for them.
var boundScopes = []string{domain.ScopePeopleRead, domain.ScopeRegistrationsWrite}

// Secret rotation: how long the replaced secret keeps working.
const (
	DefaultSecretOverlap = 24 * time.Hour
	MaxSecretOverlap     = 7 * 24 * time.Hour
)

// ClientStore is what the service needs from storage for API clients.
type ClientStore interface {
	domain.Transactor
	CreateClient(ctx context.Context, cl Client, c domain.Change) error
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	// GetClient finds a client by its id or its client id.
	GetClient(ctx context.Context, ref string) (Client, error)
	ListClients(ctx context.Context, q ClientQuery) (domain.Page[Client], error)
	// UpdateClient writes cl when the stored version is still cl.Version-1.
	UpdateClient(ctx context.Context, cl Client, c domain.Change) error
}

// ClientFilter narrows a list of clients.
type ClientFilter struct {
	OrganisationID string
	ClientID       string // the one client a partner may see: itself
	Status         ClientStatus
}

// ClientQuery is one page request.
type ClientQuery struct {
	Filter   ClientFilter
	PageSize int
	Cursor   string
}

// ClientListRequest is a caller's list request, the organisation by id or code.
type ClientListRequest struct {
	Organisation string
	Status       ClientStatus
	PageSize     int
	Cursor       string
}

// NewClient is what it takes to register a partner's API client.
type NewClient struct {
	Name         string
	Organisation string // optional id or code
	Scopes       []string
}

// ClientInput is what an admin may change on a client; the organisation by
// id or code, empty for none.
type ClientInput struct {
	Name         string
	Organisation string
	Scopes       []string
}

// AsInput turns a client back into the input that would produce it, so a
// partial change (PATCH) can start from the current state.
func (c Client) AsInput() ClientInput {
	return ClientInput{Name: c.Name, Organisation: c.OrganisationID, Scopes: slices.Clone(c.Scopes)}
}

// ListClients returns one page of API clients: every one for admins, only
// itself for a partner's client.
func (s *Service) ListClients(ctx context.Context, req ClientListRequest) (domain.Page[Client], error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("list API clients", domain.RoleAdmin, domain.RolePartner); err != nil {
		return domain.Page[Client]{}, err
	}
	var p domain.Problems
	q := ClientQuery{Filter: ClientFilter{Status: req.Status}, Cursor: req.Cursor}
	q.PageSize = domain.PageSize(req.PageSize, &p)
	if req.Status != "" && !slices.Contains(clientStatuses, req.Status) {
		p.Add("status", "must be one of "+domain.OneOf(clientStatuses))
	}
	orgID, err := s.organisationID(ctx, req.Organisation, &p)
	if err != nil {
		return domain.Page[Client]{}, err
	}
	if err := p.Err(); err != nil {
		return domain.Page[Client]{}, err
	}
	q.Filter.OrganisationID = orgID
	if !actor.Is(domain.RoleAdmin) {
		q.Filter.ClientID = actor.Subject
	}
	return s.store.ListClients(ctx, q)
}

// GetClient returns the client ref (its id or client id) to an admin or to
// the client itself; to any other partner it does not exist.
func (s *Service) GetClient(ctx context.Context, ref string) (Client, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("read API clients", domain.RoleAdmin, domain.RolePartner); err != nil {
		return Client{}, err
	}
	cl, err := s.store.GetClient(ctx, ref)
	if err != nil {
		return Client{}, err
	}
	if err := mayRead(actor)(cl); err != nil {
		return Client{}, err
	}
	return cl, nil
}

// mayRead lets admins at every client and a partner at itself only: another
// client is not found, so a partner learns nothing of the others.
func mayRead(actor domain.Actor) func(Client) error {
	return func(cl Client) error {
		if actor.Is(domain.RoleAdmin) || (actor.Client && actor.Subject == cl.ClientID) {
			return nil
		}
		return domain.Errorf(domain.CodeNotFound, "no API client %q", cl.ClientID)
	}
}

// CreateClient registers an API client and returns it with its secret, which
// is shown this once and stored only as a hash.
func (s *Service) CreateClient(ctx context.Context, in NewClient) (Client, string, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("register API clients", domain.RoleAdmin); err != nil {
		return Client{}, "", err
	}
	cl, err := s.checkClient(ctx, Client{}, ClientInput(in))
	if err != nil {
		return Client{}, "", err
	}
	secret, err := randomToken(32)
	if err != nil {
		return Client{}, "", err
	}
	clientID, err := randomToken(12)
	if err != nil {
		return Client{}, "", err
	}
	now := domain.Timestamp(s.now)
	cl.ID, cl.ClientID, cl.SecretHash, cl.Role = uuid.Must(uuid.NewV7()).String(), "pc_"+clientID, hashSecret(secret), domain.RolePartner
	cl.AuthVersion, cl.Version, cl.CreatedAt, cl.UpdatedAt = 1, 1, now, now
	err = s.store.CreateClient(ctx, cl, domain.Change{Resource: "client", ResourceID: cl.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"name", "organisation", "scopes"}, Version: 1, At: now})
	if err != nil {
		return Client{}, "", err
	}
	return cl, secret, nil
}

// checkClient applies in to current after checking every rule.
func (s *Service) checkClient(ctx context.Context, current Client, in ClientInput) (Client, error) {
	var p domain.Problems
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		p.Add("name", "must not be empty")
	case len([]rune(name)) > 200:
		p.Add("name", "must be at most 200 characters")
	}
	orgID, err := s.organisationID(ctx, in.Organisation, &p)
	if err != nil {
		return Client{}, err
	}
	var scopes []string
	for i, sc := range in.Scopes {
		switch {
		case !slices.Contains(ClientScopes, sc):
			p.Add(fmt.Sprintf("scopes[%d]", i), "must be one of "+domain.OneOf(ClientScopes))
		case slices.Contains(boundScopes, sc) && strings.TrimSpace(in.Organisation) == "":
			p.Add(fmt.Sprintf("scopes[%d]", i), sc+" acts for the client's organisation: bind the client to one")
		case !slices.Contains(scopes, sc):
			scopes = append(scopes, sc)
		}
	}
	if err := p.Err(); err != nil {
		return Client{}, err
	}
	slices.SortFunc(scopes, func(a, b string) int { return slices.Index(ClientScopes, a) - slices.Index(ClientScopes, b) })
	current.Name, current.OrganisationID, current.Scopes = name, orgID, nonNilScopes(scopes)
	return current, nil
}

func nonNilScopes(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateClient changes the client ref with change, which gets the current
// state as input (for a JSON Merge Patch) and runs before the write's
// transaction opens. Admins only. Changing the scopes or the organisation
// ends the tokens issued before: the client signs in again for new ones.
func (s *Service) UpdateClient(ctx context.Context, ref string, change func(current ClientInput) (ClientInput, error), pre domain.Precondition) (Client, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change API clients", domain.RoleAdmin); err != nil {
		return Client{}, err
	}
	return domain.Patch(ctx, pre, s.loadClient(ref), nil,
		func(current Client) (ClientInput, error) { return change(current.AsInput()) },
		func(ctx context.Context, id string, in ClientInput, at domain.Precondition) (Client, error) {
			return s.writeClient(ctx, id, at, func(current Client) (Client, error) {
				if current.Revoked() {
					return Client{}, domain.Errorf(domain.CodeConflict, "the API client is revoked; register a new one")
				}
				next, err := s.checkClient(ctx, current, in)
				if err != nil {
					return Client{}, err
				}
				if next.OrganisationID != current.OrganisationID || !slices.Equal(next.Scopes, current.Scopes) {
					next.AuthVersion++
				}
				return next, nil
			})
		})
}

// RevokeClient ends the client's access: it can no longer sign in and its
// tokens are refused. The client stays on record, so that the audit log
// still names it. Admins only; revoking a revoked client changes nothing.
func (s *Service) RevokeClient(ctx context.Context, ref string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("revoke API clients", domain.RoleAdmin); err != nil {
		return err
	}
	_, err := s.writeClient(ctx, ref, pre, func(current Client) (Client, error) {
		if current.Revoked() {
			return current, nil
		}
		current.RevokedAt = domain.Timestamp(s.now)
		current.PreviousSecretHash, current.PreviousSecretExpiresAt = "", time.Time{}
		current.AuthVersion++
		return current, nil
	})
	return err
}

// RotateClientSecret gives the client ref a new secret, returned this once.
// The old one keeps working for overlap (DefaultSecretOverlap when zero; at
// most MaxSecretOverlap; 0 ends it at once), so that the partner can
// deploy the new secret without downtime. A secret an earlier rotation left
// working ends now. Admins, or the client itself.
func (s *Service) RotateClientSecret(ctx context.Context, ref string, overlap *time.Duration, pre domain.Precondition) (Client, string, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("rotate API client secrets", domain.RoleAdmin, domain.RolePartner); err != nil {
		return Client{}, "", err
	}
	keep := DefaultSecretOverlap
	if overlap != nil {
		keep = *overlap
	}
	if keep < 0 || keep > MaxSecretOverlap {
		return Client{}, "", (domain.Problems{{Name: "overlap", Reason: "must be between 0 seconds and 7 days"}}).Err()
	}
	secret, err := randomToken(32)
	if err != nil {
		return Client{}, "", err
	}
	if !pre.Present {
		// A rotation adds a secret rather than editing fields a caller
		// read: it needs no If-Match, and honours one when sent.
		pre = domain.Precondition{Present: true, Any: true}
	}
	cl, err := s.update(ctx, ref, pre, mayRead(actor), func(current Client) (Client, error) {
		if current.Revoked() {
			return Client{}, domain.Errorf(domain.CodeConflict, "the API client is revoked; register a new one")
		}
		now := domain.Timestamp(s.now)
		current.PreviousSecretHash, current.PreviousSecretExpiresAt = current.SecretHash, now.Add(keep)
		if keep == 0 {
			current.PreviousSecretHash, current.PreviousSecretExpiresAt = "", time.Time{}
		}
		current.SecretHash = hashSecret(secret)
		return current, nil
	})
	if err != nil {
		return Client{}, "", err
	}
	return cl, secret, nil
}

// writeClient runs change on the client ref in the one write path, for an
// admin (whose role the caller checked).
func (s *Service) writeClient(ctx context.Context, ref string, pre domain.Precondition, change func(Client) (Client, error)) (Client, error) {
	return s.update(ctx, ref, pre, nil, change)
}

func (s *Service) update(ctx context.Context, ref string, pre domain.Precondition, authorise func(Client) error, change func(Client) (Client, error)) (Client, error) {
	cl, err := domain.Update(ctx, s.store, s.now, pre, domain.Edit[Client]{
		Resource:  "client",
		Load:      s.loadClient(ref),
		Authorise: authorise,
		Change:    func(_ context.Context, current Client) (Client, error) { return change(current) },
		Diff:      clientChanges,
		Save:      s.store.UpdateClient,
	})
	if err == nil {
		// This instance refuses the client's older tokens at once; others
		// within the access table's refresh.
		s.accessChanged(cl.ClientID, cl.AuthVersion, !cl.Revoked())
	}
	return cl, err
}

func (s *Service) loadClient(ref string) func(context.Context) (Client, error) {
	return func(ctx context.Context) (Client, error) { return s.store.GetClient(ctx, ref) }
}

// clientChanges lists the API names of the fields that differ; a new secret
// is named, never shown.
func clientChanges(a, b Client) domain.Diff {
	var f domain.Diff
	f.Add(a.Name != b.Name, "name")
	f.Add(a.OrganisationID != b.OrganisationID, "organisation")
	f.Add(!slices.Equal(a.Scopes, b.Scopes), "scopes")
	f.Add(a.SecretHash != b.SecretHash, "secret")
	f.Add(!a.RevokedAt.Equal(b.RevokedAt), "revokedAt")
	return f
}

// AuthenticateClient returns the actor for an API client's id and secret:
// its current secret, or the one a rotation replaced while its overlap
// lasts. A revoked client is refused like a wrong secret.
func (s *Service) AuthenticateClient(ctx context.Context, clientID, secret string) (domain.Actor, error) {
	bad := domain.Errorf(domain.CodeUnauthenticated, "the client id or secret is wrong")
	cl, err := s.store.ClientByClientID(ctx, clientID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Actor{}, bad
	}
	if err != nil {
		return domain.Actor{}, err
	}
	hash := []byte(hashSecret(secret))
	current := subtle.ConstantTimeCompare([]byte(cl.SecretHash), hash) == 1
	previous := subtle.ConstantTimeCompare([]byte(cl.PreviousSecretHash), hash) == 1 &&
		cl.PreviousSecretHash != "" && s.now().Before(cl.PreviousSecretExpiresAt)
	if cl.Revoked() || (!current && !previous) {
		return domain.Actor{}, bad
	}
	a := domain.Actor{Subject: cl.ClientID, Role: cl.Role, OrganisationID: cl.OrganisationID, Client: true}
	if len(cl.Scopes) > 0 {
		a.Scopes = slices.Clone(cl.Scopes)
	}
	return a, nil
}
