package httpapi

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// CreateToken serves POST /auth/token: JSON email and password for people,
// the OAuth 2.0 client credentials grant for API clients.
func (s *Server) CreateToken(ctx context.Context, req api.CreateTokenRequestObject) (api.CreateTokenResponseObject, error) {
	var (
		token string
		ttl   time.Duration
		err   error
	)
	switch {
	case req.JSONBody != nil:
		token, ttl, err = s.signIn.PasswordToken(ctx, string(req.JSONBody.Email), req.JSONBody.Password)
	case req.FormdataBody != nil:
		id, secret := deref(req.FormdataBody.ClientID), deref(req.FormdataBody.ClientSecret)
		if basic, ok := ctx.Value(basicAuthKey{}).(basicAuth); ok && id == "" {
			id, secret = basic.user, basic.password
		}
		token, ttl, err = s.signIn.ClientToken(ctx, id, secret)
	default:
		err = (domain.Problems{{Name: "body", Reason: "is required"}}).Err()
	}
	if err != nil {
		return nil, err
	}
	return api.CreateToken200JSONResponse{
		Body:    api.AccessToken{AccessToken: token, TokenType: api.Bearer, ExpiresIn: int(ttl.Seconds())},
		Headers: api.CreateToken200ResponseHeaders{CacheControl: ptr("no-store")},
	}, nil
}

type basicAuthKey struct{}

type basicAuth struct{ user, password string }
