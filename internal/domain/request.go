package domain

import "context"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the request it serves, so that
// log lines and the audit log can name the request a write came from.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "" outside a request.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
