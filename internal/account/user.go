package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
	"github.com/pioniersnetwerk/pioniers/internal/person"
)

// UserStore is what the service needs from storage for user accounts.
type UserStore interface {
	domain.Transactor
	ListUsers(ctx context.Context, q UserQuery) (domain.Page[User], error)
	GetUser(ctx context.Context, id string) (User, error)
	UpdateUser(ctx context.Context, u User, c domain.Change) error
	DeleteUser(ctx context.Context, u User, c domain.Change) error
	UsersOfPerson(ctx context.Context, personID string) ([]User, error)
	SignedIn(ctx context.Context, id string, at time.Time) error
	// CreatePasswordLink stores l and ends the user's earlier links.
	CreatePasswordLink(ctx context.Context, l PasswordLink) error
	// UsePasswordLink spends the unexpired, unused link with the hash and
	// returns its user's id; not found when there is none.
	UsePasswordLink(ctx context.Context, hash string, at time.Time) (string, error)
	// EndRefreshFamilies revokes the user's refresh tokens but those of family except.
	EndRefreshFamilies(ctx context.Context, userID, except string, at time.Time) error
}

// PasswordLinkTTL is how long a set-password link works.
const PasswordLinkTTL = 72 * time.Hour

// PasswordLink is a one-time permission to set an account's password.
type PasswordLink struct {
	ID        string
	UserID    string
	Token     string // shown once; only its hash is stored
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Status filters users by whether they may sign in.
type Status string

const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// UserQuery is one page of users.
type UserQuery struct {
	Role         domain.Role
	Organisation string // id or code
	Status       Status
	PageSize     int
	Cursor       string
}

// UserUpdate is what an admin may change of an account.
type UserUpdate struct {
	Role           domain.Role
	Organisation   string // id or code; empty for none
	Person         string // empty for none
	Disabled       bool
	DisabledReason string
}

// AsUpdate is the account's current state as an update would set it.
func (u User) AsUpdate() UserUpdate {
	ref := u.Organisation.Code
	if ref == "" {
		ref = u.OrganisationID
	}
	return UserUpdate{Role: u.Role, Organisation: ref, Person: u.PersonID, Disabled: !u.Active(), DisabledReason: u.DisabledReason}
}

// Me is the signed-in caller as the service sees it now.
type Me struct {
	Client       bool
	ID           string // the user's id or the client's client id
	Role         domain.Role
	Organisation organisation.Ref
	PersonID     string
	Email        string   // users
	Name         string   // clients
	Scopes       []string // clients: what the token grants
}

// ListUsers returns a page of accounts, by email. Admins only.
func (s *Service) ListUsers(ctx context.Context, q UserQuery) (domain.Page[User], error) {
	if err := domain.ActorFrom(ctx).Require("list users", domain.RoleAdmin); err != nil {
		return domain.Page[User]{}, err
	}
	var p domain.Problems
	q.PageSize = domain.PageSize(q.PageSize, &p)
	if q.Role != "" && !slices.Contains(userRoles, q.Role) {
		p.Add("role", "must be one of "+domain.OneOf(userRoles))
	}
	if q.Status != "" && q.Status != StatusActive && q.Status != StatusDisabled {
		p.Add("status", "must be active or disabled")
	}
	org, err := s.organisation(ctx, q.Organisation, &p)
	if err != nil {
		return domain.Page[User]{}, err
	}
	if err := p.Err(); err != nil {
		return domain.Page[User]{}, err
	}
	q.Organisation = org.ID
	return s.store.ListUsers(ctx, q)
}

// GetUser returns one account. Admins only.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	if err := domain.ActorFrom(ctx).Require("read users", domain.RoleAdmin); err != nil {
		return User{}, err
	}
	return s.store.GetUser(ctx, id)
}

// UpdateUser changes an account's role, organisation, person or whether it
// is disabled; change computes the update from the current one (a merge
// patch). A change that ends or narrows access ends the account's tokens.
// Admins only, and never their own role or access.
func (s *Service) UpdateUser(ctx context.Context, id string, change func(UserUpdate) (UserUpdate, error), pre domain.Precondition) (User, error) {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("change users", domain.RoleAdmin); err != nil {
		return User{}, err
	}
	u, err := domain.Patch(ctx, pre, s.loadUser(id), nil,
		func(current User) (UserUpdate, error) { return change(current.AsUpdate()) },
		func(ctx context.Context, id string, in UserUpdate, at domain.Precondition) (User, error) {
			return domain.Update(ctx, s.store, s.now, at, domain.Edit[User]{
				Resource: "user",
				Load:     s.loadUser(id),
				Change: func(ctx context.Context, current User) (User, error) {
					return s.applyUpdate(ctx, current, in)
				},
				Diff: userDiff,
				AuthoriseFields: func(current, _ User, fields domain.Diff) error {
					if current.ID == actor.Subject && slices.ContainsFunc(fields, func(f string) bool { return f == "role" || f == "disabled" }) {
						return domain.Errorf(domain.CodeConflict, "an admin cannot change their own role or disable their own account; ask another admin")
					}
					return nil
				},
				Save: func(ctx context.Context, next User, c domain.Change) error {
					if narrows(next, c.Fields) {
						next.AuthVersion++
					}
					return s.store.UpdateUser(ctx, next, c)
				},
			})
		})
	if err != nil {
		return User{}, err
	}
	// Save bumped the stored auth version; read it back as stored.
	stored, err := s.store.GetUser(ctx, u.ID)
	if err != nil {
		return User{}, err
	}
	s.accessChanged(stored.ID, stored.AuthVersion, stored.Active())
	return stored, nil
}

// narrows reports whether a change to these fields, leaving next, must end
// the account's tokens. Enabling need not: the disable already did.
func narrows(next User, fields []string) bool {
	return slices.ContainsFunc(fields, func(f string) bool {
		return f == "role" || f == "organisation" || f == "person" || (f == "disabled" && !next.Active())
	})
}

func (s *Service) applyUpdate(ctx context.Context, current User, in UserUpdate) (User, error) {
	var p domain.Problems
	checkRole(in.Role, in.Organisation, &p)
	org, err := s.organisation(ctx, in.Organisation, &p)
	if err != nil {
		return User{}, err
	}
	personID := personRef(in.Person, &p)
	reason := strings.TrimSpace(in.DisabledReason)
	if !in.Disabled && reason != "" && reason != current.DisabledReason {
		p.Add("disabledReason", "only a disabled account has a reason; set disabled to true")
	}
	if err := p.Err(); err != nil {
		return User{}, err
	}
	next := current
	next.Role, next.OrganisationID, next.Organisation, next.PersonID = in.Role, org.ID, org, personID
	switch {
	case in.Disabled && current.Active():
		next.DisabledAt, next.DisabledReason = domain.Timestamp(s.now), reason
	case in.Disabled:
		next.DisabledReason = reason
	default:
		next.DisabledAt, next.DisabledReason = time.Time{}, ""
	}
	return next, nil
}

func userDiff(a, b User) domain.Diff {
	var f domain.Diff
	f.Add(a.Role != b.Role, "role")
	f.Add(a.OrganisationID != b.OrganisationID, "organisation")
	f.Add(a.PersonID != b.PersonID, "person")
	f.Add(a.Active() != b.Active(), "disabled")
	f.Add(a.DisabledReason != b.DisabledReason, "disabledReason")
	return f
}

// DeleteUser removes an account; its tokens stop working at once. Admins
// only, never their own.
func (s *Service) DeleteUser(ctx context.Context, id string, pre domain.Precondition) error {
	actor := domain.ActorFrom(ctx)
	if err := actor.Require("delete users", domain.RoleAdmin); err != nil {
		return err
	}
	err := domain.Delete(ctx, s.store, s.now, pre, domain.Edit[User]{
		Resource: "user",
		Load:     s.loadUser(id),
		Authorise: func(current User) error {
			if current.ID == actor.Subject {
				return domain.Errorf(domain.CodeConflict, "an admin cannot delete their own account; ask another admin")
			}
			return nil
		},
		Remove: s.store.DeleteUser,
	})
	if err != nil {
		return err
	}
	s.accessChanged(id, 0, false)
	return nil
}

// ErasePerson deletes the accounts of a person being erased, inside the
// erasure's transaction: the address they sign in with is the person's data,
// and what they could do went with them.
func (s *Service) ErasePerson(ctx context.Context, p person.Person) error {
	users, err := s.store.UsersOfPerson(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, u := range users {
		c := domain.Change{Resource: "user", ResourceID: u.ID, Action: domain.ActionDelete, Actor: domain.ActorFrom(ctx).Subject,
			Version: int(u.Version) + 1, At: domain.Timestamp(s.now)}
		if err := s.store.DeleteUser(ctx, u, c); err != nil {
			return err
		}
		// Said before the commit: should the erasure fail, the account is
		// refused until the next reload, never wrongly let in.
		s.accessChanged(u.ID, 0, false)
	}
	return nil
}

// NewPasswordLink issues a one-time set-password link for an account,
// ending its earlier ones. Admins only.
func (s *Service) NewPasswordLink(ctx context.Context, id string) (PasswordLink, error) {
	if err := domain.ActorFrom(ctx).Require("issue set-password links", domain.RoleAdmin); err != nil {
		return PasswordLink{}, err
	}
	var link PasswordLink
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.GetUser(ctx, id); err != nil {
			return err
		}
		var err error
		link, err = s.newPasswordLink(ctx, id, domain.Timestamp(s.now))
		return err
	})
	return link, err
}

func (s *Service) newPasswordLink(ctx context.Context, userID string, now time.Time) (PasswordLink, error) {
	token, err := randomToken(32)
	if err != nil {
		return PasswordLink{}, err
	}
	l := PasswordLink{ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Token: token, Hash: hashSecret(token),
		CreatedAt: now, ExpiresAt: now.Add(PasswordLinkTTL)}
	return l, s.store.CreatePasswordLink(ctx, l)
}

var errBadLink = domain.Errorf(domain.CodeUnauthenticated, "the set-password link is invalid, used or expired; ask an administrator for a new one")

// SetPasswordWithLink sets the password of the link's account and spends
// the link. Anyone holding the link may.
func (s *Service) SetPasswordWithLink(ctx context.Context, token, password string) error {
	var p domain.Problems
	checkPassword("password", password, &p)
	if err := p.Err(); err != nil {
		return err
	}
	if token == "" || len(token) > 200 || !plainToken(token) {
		return errBadLink
	}
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		id, err := s.store.UsePasswordLink(ctx, hashSecret(token), domain.Timestamp(s.now))
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return errBadLink
		}
		if err != nil {
			return err
		}
		return s.writePassword(ctx, id, hash, "")
	})
}

// SetPassword sets an account's password. Admins (the command line) only.
func (s *Service) SetPassword(ctx context.Context, email, password string) error {
	if err := domain.ActorFrom(ctx).Require("set passwords", domain.RoleAdmin); err != nil {
		return err
	}
	var p domain.Problems
	checkPassword("password", password, &p)
	if err := p.Err(); err != nil {
		return err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error { return s.writePassword(ctx, u.ID, hash, "") })
}

// ChangePassword changes the caller's own password, given the current one,
// and ends the caller's other sign-ins: every refresh-token family but keep.
func (s *Service) ChangePassword(ctx context.Context, current, next, keep string) error {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return domain.Errorf(domain.CodeUnauthenticated, "sign in to change your password")
	}
	if actor.Client {
		return domain.Errorf(domain.CodeForbidden, "an API client has a secret, not a password; an admin rotates it")
	}
	var p domain.Problems
	checkPassword("newPassword", next, &p)
	if err := p.Err(); err != nil {
		return err
	}
	u, err := s.store.GetUser(ctx, actor.Subject)
	if err != nil {
		return err
	}
	if err := s.checkHash(u.PasswordHash, current); err != nil {
		if domain.ErrorCode(err) == domain.CodeUnauthenticated {
			return (domain.Problems{{Name: "currentPassword", Reason: "is not your current password"}}).Err()
		}
		return err
	}
	hash, err := s.hash(next)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error { return s.writePassword(ctx, u.ID, hash, keep) })
}

// writePassword stores a password hash through the write path and ends the
// account's refresh-token families but keep.
func (s *Service) writePassword(ctx context.Context, id, hash, keep string) error {
	_, err := domain.Update(ctx, s.store, s.now, domain.Precondition{Present: true, Any: true}, domain.Edit[User]{
		Resource: "user",
		Load:     s.loadUser(id),
		Change: func(_ context.Context, current User) (User, error) {
			current.PasswordHash = hash
			return current, nil
		},
		Diff: func(a, b User) domain.Diff {
			var f domain.Diff
			f.Add(a.PasswordHash != b.PasswordHash, "password")
			return f
		},
		Save: s.store.UpdateUser,
	})
	if err != nil {
		return err
	}
	return s.store.EndRefreshFamilies(ctx, id, keep, domain.Timestamp(s.now))
}

// UserByEmail finds an account by email. Admins (the command line) only.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	if err := domain.ActorFrom(ctx).Require("read users", domain.RoleAdmin); err != nil {
		return User{}, err
	}
	e, err := normaliseEmail(email)
	if err != nil {
		return User{}, (domain.Problems{{Name: "email", Reason: err.Error()}}).Err()
	}
	return s.store.UserByEmail(ctx, e)
}

// UserActor is the actor of an account as it is now, for a refreshed token.
func (s *Service) UserActor(ctx context.Context, id string) (domain.Actor, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return domain.Actor{}, err
	}
	return actorOf(u), nil
}

// Me describes the signed-in caller.
func (s *Service) Me(ctx context.Context) (Me, error) {
	actor := domain.ActorFrom(ctx)
	if actor.Anonymous() {
		return Me{}, domain.Errorf(domain.CodeUnauthenticated, "sign in to see who you are")
	}
	if actor.Client {
		cl, err := s.store.ClientByClientID(ctx, actor.Subject)
		if err != nil {
			return Me{}, err
		}
		var p domain.Problems
		org, err := s.organisation(ctx, cl.OrganisationID, &p)
		if err != nil {
			return Me{}, err
		}
		return Me{Client: true, ID: cl.ClientID, Role: actor.Role, Organisation: org, Name: cl.Name,
			Scopes: append([]string{}, actor.Scopes...)}, nil
	}
	u, err := s.store.GetUser(ctx, actor.Subject)
	if err != nil {
		return Me{}, err
	}
	return Me{ID: u.ID, Role: u.Role, Organisation: u.Organisation, PersonID: u.PersonID, Email: u.Email}, nil
}

func (s *Service) loadUser(id string) func(context.Context) (User, error) {
	return func(ctx context.Context) (User, error) { return s.store.GetUser(ctx, id) }
}

func (s *Service) hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// organisation resolves the organisation an account is bound to; none when
// ref is empty.
func (s *Service) organisation(ctx context.Context, ref string, p *domain.Problems) (organisation.Ref, error) {
	if strings.TrimSpace(ref) == "" {
		return organisation.Ref{}, nil
	}
	r := organisation.NewResolver(ctx, s.orgs, p)
	o, _ := r.Resolve(strings.TrimSpace(ref), "organisation")
	return o, r.Err()
}

func checkPassword(field, password string, p *domain.Problems) {
	if len([]rune(password)) < MinPasswordLength {
		p.Add(field, fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	}
	if len(password) > 72 {
		p.Add(field, "must be at most 72 bytes")
	}
}

func checkRole(role domain.Role, organisation string, p *domain.Problems) {
	if !slices.Contains(userRoles, role) {
		p.Add("role", "must be one of "+domain.OneOf(userRoles)+" (partners are API clients)")
	}
	if role == domain.RoleMember && strings.TrimSpace(organisation) == "" {
		p.Add("organisation", "a member acts for an organisation: name it")
	}
}

func personRef(ref string, p *domain.Problems) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	id, err := uuid.Parse(ref)
	if err != nil {
		p.Add("person", "must be a person's id")
		return ""
	}
	return id.String()
}

func plainToken(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}
