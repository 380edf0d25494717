package httpapi

import (
	openapi_types "github.com/oapi-codegen/runtime/types"

	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// users is what the handlers need of the account service for user accounts.
type users interface {
	ListUsers(ctx context.Context, q account.UserQuery) (domain.Page[account.User], error)
	GetUser(ctx context.Context, id string) (account.User, error)
	AddUser(ctx context.Context, in account.NewUser) (account.User, account.PasswordLink, error)
	UpdateUser(ctx context.Context, id string, change func(account.UserUpdate) (account.UserUpdate, error), pre domain.Precondition) (account.User, error)
	DeleteUser(ctx context.Context, id string, pre domain.Precondition) error
	NewPasswordLink(ctx context.Context, id string) (account.PasswordLink, error)
	SetPasswordWithLink(ctx context.Context, token, password string) error
	ChangePassword(ctx context.Context, current, next, keep string) error
	Me(ctx context.Context) (account.Me, error)
}

// usersPath is where accounts are created; see idempotent.
const usersPath = basePath + "/users"

// ListUsers serves GET /users.
func (s *Server) ListUsers(ctx context.Context, req api.ListUsersRequestObject) (api.ListUsersResponseObject, error) {
	p := req.Params
	page, err := s.users.ListUsers(ctx, account.UserQuery{Role: domain.Role(deref(p.Role)), Organisation: deref(p.Organisation),
		Status: account.Status(deref(p.Status)), PageSize: deref(p.PageSize), Cursor: deref(p.Cursor)})
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIUser)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListUsers200JSONResponse{Body: api.UserPage{Items: items, NextCursor: cursor},
		Headers: api.ListUsers200ResponseHeaders{Link: link}}, nil
}

// CreateUser serves POST /users.
func (s *Server) CreateUser(ctx context.Context, req api.CreateUserRequestObject) (api.CreateUserResponseObject, error) {
	b := req.Body
	in := account.NewUser{Email: b.Email, Password: deref(b.Password), Role: domain.Role(b.Role), Organisation: deref(b.Organisation)}
	if b.Person != nil {
		in.Person = b.Person.String()
	}
	u, link, err := s.users.AddUser(ctx, in)
	if err != nil {
		return nil, err
	}
	body, err := toAPIUser(u)
	if err != nil {
		return nil, err
	}
	out := api.UserCreated{ID: body.ID, Email: body.Email, Role: body.Role, Organisation: body.Organisation, Person: body.Person,
		Status: body.Status, DisabledReason: body.DisabledReason, DisabledAt: body.DisabledAt, LastSignInAt: body.LastSignInAt,
		Revision: body.Revision, CreatedAt: body.CreatedAt, UpdatedAt: body.UpdatedAt}
	if link.Token != "" {
		out.PasswordLink = ptr(s.passwordLink(link))
	}
	return api.CreateUser201JSONResponse{Body: out, Headers: api.CreateUser201ResponseHeaders{CacheControl: ptr("no-store"),
		ETag: ptr(etag(u.Version)), Location: ptr(usersPath + "/" + u.ID)}}, nil
}

// GetUser serves GET /users/{user}.
func (s *Server) GetUser(ctx context.Context, req api.GetUserRequestObject) (api.GetUserResponseObject, error) {
	u, err := s.users.GetUser(ctx, req.User.String())
	if err != nil {
		return nil, err
	}
	body, err := toAPIUser(u)
	if err != nil {
		return nil, err
	}
	return api.GetUser200JSONResponse{Body: body, Headers: api.GetUser200ResponseHeaders{ETag: ptr(etag(u.Version))}}, nil
}

// UpdateUser serves PATCH /users/{user}.
func (s *Server) UpdateUser(ctx context.Context, req api.UpdateUserRequestObject) (api.UpdateUserResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "UserUpdate", infallible(toAPIUserUpdate), infallible(toUserUpdate))
	u, err := s.users.UpdateUser(ctx, req.User.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	body, err := toAPIUser(u)
	if err != nil {
		return nil, err
	}
	return api.UpdateUser200JSONResponse{Body: body, Headers: api.UpdateUser200ResponseHeaders{ETag: ptr(etag(u.Version))}}, nil
}

// DeleteUser serves DELETE /users/{user}.
func (s *Server) DeleteUser(ctx context.Context, req api.DeleteUserRequestObject) (api.DeleteUserResponseObject, error) {
	if err := s.users.DeleteUser(ctx, req.User.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteUser204Response{}, nil
}

// CreatePasswordLink serves POST /users/{user}/password-links.
func (s *Server) CreatePasswordLink(ctx context.Context, req api.CreatePasswordLinkRequestObject) (api.CreatePasswordLinkResponseObject, error) {
	link, err := s.users.NewPasswordLink(ctx, req.User.String())
	if err != nil {
		return nil, err
	}
	return api.CreatePasswordLink201JSONResponse{Body: s.passwordLink(link),
		Headers: api.CreatePasswordLink201ResponseHeaders{CacheControl: ptr("no-store")}}, nil
}

// passwordLink is the link to hand to a person: a page at the public URL
// with the token in the fragment, which browsers never send to a server.
func (s *Server) passwordLink(l account.PasswordLink) api.PasswordLink {
	return api.PasswordLink{URL: s.publicURL + "/set-password#token=" + l.Token, ExpiresAt: l.ExpiresAt.UTC()}
}

func toAPIUser(u account.User) (api.User, error) {
	var ids ids
	out := api.User{ID: ids.uuid(u.ID), Email: openapi_types.Email(u.Email), Role: api.UserRole(u.Role), Status: api.UserStatusActive,
		DisabledAt: apiTime(u.DisabledAt), DisabledReason: optional(u.DisabledReason), LastSignInAt: apiTime(u.LastSignInAt),
		Revision: int(u.Version), CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
	if !u.Active() {
		out.Status = api.UserStatusDisabled
	}
	if u.OrganisationID != "" {
		out.Organisation = ptr(ids.org(u.Organisation.ID, u.Organisation.Code, u.Organisation.Name))
	}
	if u.PersonID != "" {
		out.Person = ptr(ids.uuid(u.PersonID))
	}
	return out, ids.err
}

func toAPIUserUpdate(in account.UserUpdate) api.UserUpdate {
	out := api.UserUpdate{Role: api.UserRole(in.Role), Organisation: optional(in.Organisation), Disabled: in.Disabled,
		DisabledReason: optional(in.DisabledReason)}
	if in.Person != "" {
		var ids ids
		if id := ids.uuid(in.Person); ids.err == nil {
			out.Person = &id
		}
	}
	return out
}

func toUserUpdate(b api.UserUpdate) account.UserUpdate {
	out := account.UserUpdate{Role: domain.Role(b.Role), Organisation: deref(b.Organisation), Disabled: b.Disabled,
		DisabledReason: deref(b.DisabledReason)}
	if b.Person != nil {
		out.Person = b.Person.String()
	}
	return out
}
