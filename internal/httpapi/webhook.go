package httpapi

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// webhooks is what the handlers need of the webhook subscription service.
type webhooks interface {
	List(ctx context.Context, pageSize int, cursor string) (domain.Page[webhook.Subscription], error)
	Get(ctx context.Context, id string) (webhook.Subscription, error)
	Create(ctx context.Context, in webhook.Input) (webhook.Subscription, error)
	Update(ctx context.Context, id string, change func(webhook.Input) (webhook.Input, error), pre domain.Precondition) (webhook.Subscription, error)
	Delete(ctx context.Context, id string, pre domain.Precondition) error
	RotateSecret(ctx context.Context, id string, overlap *time.Duration) (webhook.Subscription, error)
	Deliveries(ctx context.Context, id string, pageSize int, cursor string) (domain.Page[webhook.Delivery], error)
	Redeliver(ctx context.Context, id, deliveryID string) (webhook.Redelivery, error)
}

// ListWebhookSubscriptions serves GET /webhook-subscriptions.
func (s *Server) ListWebhookSubscriptions(ctx context.Context, req api.ListWebhookSubscriptionsRequestObject) (api.ListWebhookSubscriptionsResponseObject, error) {
	page, err := s.webhooks.List(ctx, deref(req.Params.PageSize), deref(req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, func(sub webhook.Subscription) (api.WebhookSubscription, error) { return toAPISubscription(sub, false) })
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListWebhookSubscriptions200JSONResponse{Body: api.WebhookSubscriptionPage{Items: items, NextCursor: cursor},
		Headers: api.ListWebhookSubscriptions200ResponseHeaders{Link: link}}, nil
}

// CreateWebhookSubscription serves POST /webhook-subscriptions.
func (s *Server) CreateWebhookSubscription(ctx context.Context, req api.CreateWebhookSubscriptionRequestObject) (api.CreateWebhookSubscriptionResponseObject, error) {
	in := toSubscriptionInput(*req.Body)
	if req.Body.Enabled == nil {
		in.Enabled = true
	}
	sub, err := s.webhooks.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	body, err := toAPISubscription(sub, true)
	if err != nil {
		return nil, err
	}
	return api.CreateWebhookSubscription201JSONResponse{Body: body, Headers: api.CreateWebhookSubscription201ResponseHeaders{
		ETag: ptr(etag(sub.Version)), Location: ptr(basePath + "/webhook-subscriptions/" + sub.ID)}}, nil
}

// GetWebhookSubscription serves GET /webhook-subscriptions/{subscription}.
func (s *Server) GetWebhookSubscription(ctx context.Context, req api.GetWebhookSubscriptionRequestObject) (api.GetWebhookSubscriptionResponseObject, error) {
	sub, err := s.webhooks.Get(ctx, req.Subscription.String())
	if err != nil {
		return nil, err
	}
	body, err := toAPISubscription(sub, false)
	return api.GetWebhookSubscription200JSONResponse{Body: body, Headers: api.GetWebhookSubscription200ResponseHeaders{ETag: ptr(etag(sub.Version))}}, err
}

// UpdateWebhookSubscription serves PATCH /webhook-subscriptions/{subscription} (JSON Merge Patch).
func (s *Server) UpdateWebhookSubscription(ctx context.Context, req api.UpdateWebhookSubscriptionRequestObject) (api.UpdateWebhookSubscriptionResponseObject, error) {
	merge := merger(s, patchBody(req.JSONBody, req.ApplicationMergePatchPlusJSONBody), "WebhookSubscriptionInput", infallible(toAPISubscriptionInput), infallible(toSubscriptionInput))
	sub, err := s.webhooks.Update(ctx, req.Subscription.String(), merge, precondition(req.Params.IfMatch))
	if err != nil {
		return nil, err
	}
	body, err := toAPISubscription(sub, false)
	return api.UpdateWebhookSubscription200JSONResponse{Body: body, Headers: api.UpdateWebhookSubscription200ResponseHeaders{ETag: ptr(etag(sub.Version))}}, err
}

// DeleteWebhookSubscription serves DELETE /webhook-subscriptions/{subscription}.
func (s *Server) DeleteWebhookSubscription(ctx context.Context, req api.DeleteWebhookSubscriptionRequestObject) (api.DeleteWebhookSubscriptionResponseObject, error) {
	if err := s.webhooks.Delete(ctx, req.Subscription.String(), precondition(req.Params.IfMatch)); err != nil {
		return nil, err
	}
	return api.DeleteWebhookSubscription204Response{}, nil
}

// RotateWebhookSecret serves POST /webhook-subscriptions/{subscription}/secret-rotations.
func (s *Server) RotateWebhookSecret(ctx context.Context, req api.RotateWebhookSecretRequestObject) (api.RotateWebhookSecretResponseObject, error) {
	var overlap *time.Duration
	if req.Body != nil && req.Body.OverlapSeconds != nil {
		overlap = ptr(time.Duration(*req.Body.OverlapSeconds) * time.Second)
	}
	sub, err := s.webhooks.RotateSecret(ctx, req.Subscription.String(), overlap)
	if err != nil {
		return nil, err
	}
	body, err := toAPISubscription(sub, true)
	return api.RotateWebhookSecret200JSONResponse{Body: body, Headers: api.RotateWebhookSecret200ResponseHeaders{ETag: ptr(etag(sub.Version))}}, err
}

// ListWebhookDeliveries serves GET /webhook-subscriptions/{subscription}/deliveries.
func (s *Server) ListWebhookDeliveries(ctx context.Context, req api.ListWebhookDeliveriesRequestObject) (api.ListWebhookDeliveriesResponseObject, error) {
	page, err := s.webhooks.Deliveries(ctx, req.Subscription.String(), deref(req.Params.PageSize), deref(req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	items, err := mapAll(page.Items, toAPIDelivery)
	if err != nil {
		return nil, err
	}
	cursor, link := nextPage(ctx, page.Next)
	return api.ListWebhookDeliveries200JSONResponse{Body: api.WebhookDeliveryPage{Items: items, NextCursor: cursor},
		Headers: api.ListWebhookDeliveries200ResponseHeaders{Link: link}}, nil
}

// RedeliverWebhookDelivery serves POST /webhook-subscriptions/{subscription}/deliveries/{delivery}/redeliveries.
func (s *Server) RedeliverWebhookDelivery(ctx context.Context, req api.RedeliverWebhookDeliveryRequestObject) (api.RedeliverWebhookDeliveryResponseObject, error) {
	r, err := s.webhooks.Redeliver(ctx, req.Subscription.String(), req.Delivery.String())
	if err != nil {
		return nil, err
	}
	var ids ids
	body := api.WebhookRedelivery{ID: ids.uuid(r.ID), EventID: r.EventID, RequestedAt: r.RequestedAt.UTC()}
	return api.RedeliverWebhookDelivery202JSONResponse{Body: body}, ids.err
}

// toAPISubscription maps sub; the secret only when it is shown this once.
func toAPISubscription(sub webhook.Subscription, withSecret bool) (api.WebhookSubscription, error) {
	var ids ids
	kind := api.WebhookOwnerUser
	if sub.OwnerClient {
		kind = api.WebhookOwnerAPIClient
	}
	out := api.WebhookSubscription{ID: ids.uuid(sub.ID), URL: sub.URL, EventTypes: append([]string{}, sub.EventTypes...),
		Filters: toAPIFilters(sub.Filters), Description: optional(sub.Description), Enabled: sub.Enabled,
		DisabledReason: optional(sub.DisabledReason), DisabledAt: apiTime(sub.DisabledAt), OwnerKind: kind,
		CreatedAt: sub.CreatedAt.UTC(), UpdatedAt: sub.UpdatedAt.UTC(), Revision: int(sub.Version)}
	if sub.PreviousSecret != "" {
		out.PreviousSecretExpiresAt = apiTime(sub.PreviousUntil)
	}
	if withSecret {
		out.Secret = ptr(sub.Secret)
	}
	return out, ids.err
}

func toAPIFilters(f webhook.Filters) api.WebhookFilters {
	if len(f.ResourceIDs) == 0 {
		return api.WebhookFilters{}
	}
	return api.WebhookFilters{ResourceIds: ptr(append([]string{}, f.ResourceIDs...))}
}

func toAPISubscriptionInput(in webhook.Input) api.WebhookSubscriptionInput {
	f := toAPIFilters(in.Filters)
	return api.WebhookSubscriptionInput{URL: in.URL, EventTypes: ptr(append([]string{}, in.EventTypes...)), Filters: &f,
		Description: optional(in.Description), Enabled: ptr(in.Enabled)}
}

func toSubscriptionInput(b api.WebhookSubscriptionInput) webhook.Input {
	in := webhook.Input{URL: b.URL, EventTypes: deref(b.EventTypes), Description: deref(b.Description), Enabled: deref(b.Enabled)}
	if b.Filters != nil {
		in.Filters.ResourceIDs = deref(b.Filters.ResourceIds)
	}
	return in
}

func toAPIDelivery(d webhook.Delivery) (api.WebhookDelivery, error) {
	var ids ids
	return api.WebhookDelivery{ID: ids.uuid(d.ID), EventID: d.EventID, Sequence: d.Seq, EventType: d.EventType, Attempt: d.Attempt,
		Redelivery: d.Redelivery, StatusCode: optional(d.StatusCode), DurationMs: d.Duration.Milliseconds(), Error: optional(d.Error),
		AttemptedAt: d.AttemptedAt.UTC(), NextAttemptAt: apiTime(d.NextAttemptAt)}, ids.err
}
