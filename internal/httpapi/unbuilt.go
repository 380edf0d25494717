package httpapi

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Operations of the contract that are not built yet answer 404.

func (s *Server) GetMeetingsFeed(ctx context.Context, req api.GetMeetingsFeedRequestObject) (api.GetMeetingsFeedResponseObject, error) {
	return nil, domain.Errorf(domain.CodeNotFound, "not built yet")
}
