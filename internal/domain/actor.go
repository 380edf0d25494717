package domain

import "context"

// Role is what a caller may do. Anonymous callers have no role.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleEditor  Role = "editor"
	RoleMember  Role = "member"
	RoleAnalyst Role = "analyst"
	RolePartner Role = "partner"
)

// Roles lists every role, in the order the documentation shows them.
var Roles = []Role{RoleAdmin, RoleEditor, RoleMember, RoleAnalyst, RolePartner}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// Actor is whoever makes the request: a signed-in user, an API client, the
// system itself (seed, command line), or nobody.
type Actor struct {
	Subject        string // user or client id; empty when anonymous
	Role           Role
	OrganisationID string   // set for members and for clients bound to an organisation
	PersonID       string   // set for users who are one of the network's people
	Client         bool     // an API client (client credentials grant), not a person
	Scopes         []string // what an API client's token grants beyond its role; none for people
}

// Scopes an admin grants API clients: each lets a partner's client do one
// thing its role alone does not.
const (
	ScopePeopleRead         = "people:read"         // read people's public profiles
	ScopeRegistrationsWrite = "registrations:write" // register its organisation's people for meetings
	ScopeWebhooksManage     = "webhooks:manage"     // manage its own webhook subscriptions
)

// HasScope reports whether the actor's token grants scope.
func (a Actor) HasScope(scope string) bool {
	for _, s := range a.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// System acts for the command line and the seed: it may do anything.
var System = Actor{Subject: "system", Role: RoleAdmin}

// Anonymous reports whether nobody signed in.
func (a Actor) Anonymous() bool { return a.Subject == "" }

// Is reports whether the actor has one of the roles.
func (a Actor) Is(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r && !a.Anonymous() {
			return true
		}
	}
	return false
}

// MemberOf reports whether the actor is a member user of organisation id.
func (a Actor) MemberOf(id string) bool {
	return !a.Anonymous() && a.Role == RoleMember && a.OrganisationID != "" && a.OrganisationID == id
}

// Require returns nil when the actor has one of the roles, unauthenticated
// when nobody signed in, and forbidden otherwise.
func (a Actor) Require(action string, roles ...Role) error {
	if a.Anonymous() {
		return Errorf(CodeUnauthenticated, "sign in to %s", action)
	}
	if a.Is(roles...) {
		return nil
	}
	return Errorf(CodeForbidden, "role %s may not %s", a.Role, action)
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the anonymous actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
