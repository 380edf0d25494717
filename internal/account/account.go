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
	PersonID       string           // the network person this account belongs to, if any
	Organisation   organisation.Ref // OrganisationID's code and name, as read
	DisabledAt     time.Time        // zero while the account may sign in
	DisabledReason string
	AuthVersion    int // grows whenever the account's access must end or narrow
	LastSignInAt   time.Time
	Version        domain.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RecordID, RecordVersion and Revised let the write path store a user.
func (u User) RecordID() string              { return u.ID }
func (u User) RecordVersion() domain.Version { return u.Version }
func (u User) Revised(v domain.Version, at time.Time) User {
	u.Version, u.UpdatedAt = v, at
	return u
}

// Active reports whether the account may sign in.
func (u User) Active() bool { return u.DisabledAt.IsZero() }

// Store is what the service needs from storage.
type Store interface {
	UserStore
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
	// accessChanged hears of every change to whether and how an account may
	// act, so that this instance refuses its old tokens at once.
	accessChanged func(subject string, authVersion int, active bool)
}

// userRoles are the roles a user account may have; partners are API clients.
var userRoles = []domain.Role{domain.RoleAdmin, domain.RoleEditor, domain.RoleMember, domain.RoleAnalyst}

// NewService returns a service; bcryptCost is bcrypt.DefaultCost in production.
func NewService(store Store, orgs organisation.Finder, now domain.Clock, bcryptCost int) *Service {
	dummy, _ := bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcryptCost)
	return &Service{store: store, orgs: orgs, now: now, cost: bcryptCost, dummy: dummy,
		accessChanged: func(string, int, bool) {}}
}

// OnAccessChange sets what hears of changes to accounts' access; set while
// wiring, before the service is used.
func (s *Service) OnAccessChange(f func(subject string, authVersion int, active bool)) {
	s.accessChanged = f
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

// CreateUser adds a user account with a password. Admins only (the command
// line acts as admin).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	if err := domain.ActorFrom(ctx).Require("create users", domain.RoleAdmin); err != nil {
		return User{}, err
	}
	if in.Password == "" {
		return User{}, (domain.Problems{{Name: "password", Reason: fmt.Sprintf("must be at least %d characters", MinPasswordLength)}}).Err()
	}
	u, _, err := s.AddUser(ctx, in)
	return u, err
}

// AddUser adds a user account. With a password it can sign in at once;
// without, it gets a one-time link to set one, returned this once. Admins only.
func (s *Service) AddUser(ctx context.Context, in NewUser) (User, PasswordLink, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("create users", domain.RoleAdmin); err != nil {
		return User{}, PasswordLink{}, err
	}
	var p domain.Problems
	email, err := normaliseEmail(in.Email)
	if err != nil {
		p.Add("email", err.Error())
	}
	if in.Password != "" {
		checkPassword("password", in.Password, &p)
	}
	checkRole(in.Role, in.Organisation, &p)
	org, err := s.organisation(ctx, in.Organisation, &p)
	if err != nil {
		return User{}, PasswordLink{}, err
	}
	personID := personRef(in.Person, &p)
	if err := p.Err(); err != nil {
		return User{}, PasswordLink{}, err
	}
	hash := ""
	if in.Password != "" {
		if hash, err = s.hash(in.Password); err != nil {
			return User{}, PasswordLink{}, err
		}
	}
	now := domain.Timestamp(s.now)
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, PasswordHash: hash, Role: in.Role,
		OrganisationID: org.ID, Organisation: org, PersonID: personID, AuthVersion: 1, Version: 1, CreatedAt: now, UpdatedAt: now}
	var link PasswordLink
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		err := s.store.CreateUser(ctx, u, domain.Change{Resource: "user", ResourceID: u.ID, Action: domain.ActionCreate,
			Actor: actor.Subject, Fields: []string{"email", "role", "organisation", "person"}, Version: 1, At: now})
		if err != nil || hash != "" {
			return err
		}
		link, err = s.newPasswordLink(ctx, u.ID, now)
		return err
	})
	if err != nil {
		return User{}, PasswordLink{}, err
	}
	s.accessChanged(u.ID, u.AuthVersion, true)
	return u, link, nil
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
	if err := s.checkHash(u.PasswordHash, password); err != nil {
		return domain.Actor{}, err
	}
	if !u.Active() {
		// Said only to whoever knows the password.
		return domain.Actor{}, domain.Errorf(domain.CodeUnauthenticated, "this account is disabled; ask an administrator")
	}
	if err := s.store.SignedIn(ctx, u.ID, domain.Timestamp(s.now)); err != nil {
		return domain.Actor{}, err
	}
	return actorOf(u), nil
}

// checkHash compares password with hash; an account without a password
// (waiting for its set-password link) matches nothing.
func (s *Service) checkHash(hash, password string) error {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
		return errBadCredentials
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)); err != nil {
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return errBadCredentials
		}
		return fmt.Errorf("compare password: %w", err)
	}
	return nil
}

func actorOf(u User) domain.Actor {
	return domain.Actor{Subject: u.ID, Role: u.Role, OrganisationID: u.OrganisationID, PersonID: u.PersonID}
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
