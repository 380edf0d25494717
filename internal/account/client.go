package account

import (
	"context"
	"crypto/subtle"
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
	Version        domain.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NewClient is what it takes to register a partner's API client.
type NewClient struct {
	Name         string
	Organisation string // optional id or code
}

// CreateClient registers an API client and returns it with its secret, which
// is shown this once and stored only as a hash.
func (s *Service) CreateClient(ctx context.Context, in NewClient) (Client, string, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("register API clients", domain.RoleAdmin); err != nil {
		return Client{}, "", err
	}
	var p domain.Problems
	name := strings.TrimSpace(in.Name)
	if name == "" {
		p.Add("name", "must not be empty")
	}
	orgID, err := s.organisationID(ctx, in.Organisation, &p)
	if err != nil {
		return Client{}, "", err
	}
	if err := p.Err(); err != nil {
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
	cl := Client{ID: uuid.Must(uuid.NewV7()).String(), ClientID: "pc_" + clientID, Name: name, SecretHash: hashSecret(secret),
		Role: domain.RolePartner, OrganisationID: orgID, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.store.CreateClient(ctx, cl, domain.Change{Resource: "client", ResourceID: cl.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"name", "organisation"}, Version: 1, At: now})
	return cl, secret, err
}

// AuthenticateClient returns the actor for an API client's id and secret.
func (s *Service) AuthenticateClient(ctx context.Context, clientID, secret string) (domain.Actor, error) {
	bad := domain.Errorf(domain.CodeUnauthenticated, "the client id or secret is wrong")
	cl, err := s.store.ClientByClientID(ctx, clientID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Actor{}, bad
	}
	if err != nil {
		return domain.Actor{}, err
	}
	if subtle.ConstantTimeCompare([]byte(cl.SecretHash), []byte(hashSecret(secret))) != 1 {
		return domain.Actor{}, bad
	}
	return domain.Actor{Subject: cl.ClientID, Role: cl.Role, OrganisationID: cl.OrganisationID}, nil
}
