package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
)

// GetMe serves GET /me.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	me, err := s.users.Me(ctx)
	if err != nil {
		return nil, err
	}
	var ids ids
	out := api.Me{Kind: api.MeKindUser, ID: me.ID, Role: string(me.Role)}
	if me.Client {
		out.Kind, out.Name, out.Scopes = api.MeKindAPIClient, optional(me.Name), ptr(me.Scopes)
	} else {
		out.Email = ptr(me.Email)
	}
	if me.Organisation.ID != "" {
		out.Organisation = ptr(ids.org(me.Organisation.ID, me.Organisation.Code, me.Organisation.Name))
	}
	if me.PersonID != "" {
		out.Person = ptr(ids.uuid(me.PersonID))
	}
	if ids.err != nil {
		return nil, ids.err
	}
	return api.GetMe200JSONResponse{Body: out}, nil
}

// ChangeMyPassword serves PUT /me/password.
func (s *Server) ChangeMyPassword(ctx context.Context, req api.ChangeMyPasswordRequestObject) (api.ChangeMyPasswordResponseObject, error) {
	keep, _ := ctx.Value(sessionKey{}).(string)
	if err := s.users.ChangePassword(ctx, req.Body.CurrentPassword, req.Body.NewPassword, keep); err != nil {
		return nil, err
	}
	return api.ChangeMyPassword204Response{}, nil
}
