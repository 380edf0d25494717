package httpapi

import (
	"context"
	"strings"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// CreateToken serves POST /auth/token: JSON email and password for people,
// the OAuth 2.0 client credentials and refresh token grants as forms.
func (s *Server) CreateToken(ctx context.Context, req api.CreateTokenRequestObject) (api.CreateTokenResponseObject, error) {
	var (
		g   auth.Grant
		err error
	)
	switch {
	case req.JSONBody != nil:
		g, err = s.signIn.PasswordToken(ctx, string(req.JSONBody.Email), req.JSONBody.Password)
	case req.FormdataBody != nil && req.FormdataBody.GrantType == api.ClientCredentialsGrantTypeRefreshToken:
		g, err = s.signIn.Refresh(ctx, deref(req.FormdataBody.RefreshToken))
	case req.FormdataBody != nil:
		id, secret := deref(req.FormdataBody.ClientID), deref(req.FormdataBody.ClientSecret)
		if basic, ok := ctx.Value(basicAuthKey{}).(basicAuth); ok && id == "" {
			id, secret = basic.user, basic.password
		}
		g, err = s.signIn.ClientToken(ctx, id, secret, deref(req.FormdataBody.Scope))
	default:
		err = (domain.Problems{{Name: "body", Reason: "is required"}}).Err()
	}
	if err != nil {
		return nil, err
	}
	body := api.AccessToken{AccessToken: g.AccessToken, TokenType: api.Bearer, ExpiresIn: int(g.ExpiresIn.Seconds()),
		RefreshToken: optional(g.RefreshToken)}
	if g.RefreshToken != "" {
		body.RefreshExpiresIn = ptr(int(g.RefreshExpiresIn.Seconds()))
	}
	if req.FormdataBody != nil && req.FormdataBody.GrantType == api.ClientCredentialsGrantTypeClientCredentials {
		body.Scope = ptr(strings.Join(g.Scopes, " "))
	}
	return api.CreateToken200JSONResponse{
		Body:    body,
		Headers: api.CreateToken200ResponseHeaders{CacheControl: ptr("no-store")},
	}, nil
}

// RevokeRefreshToken serves POST /auth/revocations: sign-out.
func (s *Server) RevokeRefreshToken(ctx context.Context, req api.RevokeRefreshTokenRequestObject) (api.RevokeRefreshTokenResponseObject, error) {
	if err := s.signIn.Revoke(ctx, req.Body.RefreshToken); err != nil {
		return nil, err
	}
	return api.RevokeRefreshToken204Response{}, nil
}

// SetPasswordWithLink serves POST /auth/passwords.
func (s *Server) SetPasswordWithLink(ctx context.Context, req api.SetPasswordWithLinkRequestObject) (api.SetPasswordWithLinkResponseObject, error) {
	if err := s.users.SetPasswordWithLink(ctx, req.Body.Token, req.Body.Password); err != nil {
		return nil, err
	}
	return api.SetPasswordWithLink204Response{}, nil
}

type basicAuthKey struct{}

type basicAuth struct{ user, password string }
