// Package account holds who may sign in: people's user accounts and the API
// clients of partner portals, and how their credentials are checked.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

// User is a person's log-in account.
type User struct {
	ID             string
	Email          string
	PasswordHash   string
	Role           domain.Role
	OrganisationID string
	PersonID       string // the network person this account belongs to, if any
	Version        domain.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Store is what the service needs from storage.
type Store interface {
	CreateUser(ctx context.Context, u User, c domain.Change) error
	UserByEmail(ctx context.Context, email string) (User, error)
	CreateClient(ctx context.Context, cl Client, c domain.Change) error
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	ClientStore // the rest of what API clients need: see client.go
	CountUsers(ctx context.Context, role domain.Role) (int, error)
}

// Service creates accounts and checks credentials.
type Service struct {
	store Store
	orgs  organisation.Finder
	now   domain.Clock
	cost  int
	dummy []byte // hash compared against when the email is unknown, so timing does not tell
}

// userRoles are the roles a user account may have; partners are API clients.
var userRoles = []domain.Role{domain.RoleAdmin, domain.RoleEditor, domain.RoleMember, domain.RoleAnalyst}

// NewService returns a service; bcryptCost is bcrypt.DefaultCost in production.
func NewService(store Store, orgs organisation.Finder, now domain.Clock, bcryptCost int) *Service {
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcryptCost)
	return &Service{store: store, orgs: orgs, now: now, cost: bcryptCost, dummy: dummy}
}

// MinPasswordLength follows NIST SP 800-63B for passwords chosen by people.
const MinPasswordLength = 12

// NewUser is what it takes to create a user.
type NewUser struct {
	Email        string
	Password     string
	Role         domain.Role
	Organisation string // id or code; required for members
	Person       string // id of the person the account belongs to; optional
}

// CreateUser adds a user account. Admins only (the command line acts as admin).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("create users", domain.RoleAdmin); err != nil {
		return User{}, err
	}
	var p domain.Problems
	email, err := normaliseEmail(in.Email)
	if err != nil {
		p.Add("email", err.Error())
	}
	if len([]rune(in.Password)) < MinPasswordLength {
		p.Add("password", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	}
	if len(in.Password) > 72 {
		p.Add("password", "must be at most 72 bytes")
	}
	if !in.Role.Valid() || in.Role == domain.RolePartner {
		p.Add("role", "must be one of "+domain.OneOf(userRoles)+" (partners are API clients)")
	}
	if in.Role == domain.RoleMember && strings.TrimSpace(in.Organisation) == "" {
		p.Add("organisation", "a member acts for an organisation: name it")
	}
	orgID, err := s.organisationID(ctx, in.Organisation, &p)
	if err != nil {
		return User{}, err
	}
	personID := strings.TrimSpace(in.Person)
	if personID != "" {
		if id, err := uuid.Parse(personID); err != nil {
			p.Add("person", "must be a person's id")
		} else {
			personID = id.String()
		}
	}
	if err := p.Err(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.cost)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	now := domain.Timestamp(s.now)
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, PasswordHash: string(hash), Role: in.Role,
		OrganisationID: orgID, PersonID: personID, Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.store.CreateUser(ctx, u, domain.Change{Resource: "user", ResourceID: u.ID, Action: domain.ActionCreate,
		Actor: actor.Subject, Fields: []string{"email", "role", "organisation", "person"}, Version: 1, At: now})
	return u, err
}

// HasAdmin reports whether any admin user exists, so that a fresh install can
// say how to create the first.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx, domain.RoleAdmin)
	return n > 0, err
}

var errBadCredentials = domain.Errorf(domain.CodeUnauthenticated, "the email address or password is wrong")

// AuthenticatePassword returns the actor for a person's email and password.
func (s *Service) AuthenticatePassword(ctx context.Context, email, password string) (domain.Actor, error) {
	email, _ = normaliseEmail(email)
	u, err := s.store.UserByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		return domain.Actor{}, errBadCredentials
	}
	if err != nil {
		return domain.Actor{}, err
	}
	if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); err != nil {
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return domain.Actor{}, errBadCredentials
		}
		return domain.Actor{}, fmt.Errorf("compare password: %w", err)
	}
	return domain.Actor{Subject: u.ID, Role: u.Role, OrganisationID: u.OrganisationID, PersonID: u.PersonID}, nil
}

// organisationID resolves the organisation an account or client is bound to;
// none when ref is empty.
func (s *Service) organisationID(ctx context.Context, ref string, p *domain.Problems) (string, error) {
	if strings.TrimSpace(ref) == "" {
		return "", nil
	}
	r := organisation.NewResolver(ctx, s.orgs, p)
	o, _ := r.Resolve(ref, "organisation")
	return o.ID, r.Err()
}

func normaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return "", errors.New("must be an email address such as name@example.org")
	}
	return strings.ToLower(s), nil
}

// Secrets have 256 bits of entropy, so a fast hash is enough to store them.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
