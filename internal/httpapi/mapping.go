package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/pioniersnetwerk/pioniers/api"
)

// The small mappings every API<->domain mapper shares.

// uuidOf reads a stored id as a UUID; one that is none is an internal
// error, never a zero UUID in a response.
func uuidOf(s string) (openapi_types.UUID, error) {
	var id openapi_types.UUID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		return openapi_types.UUID{}, fmt.Errorf("stored id %q is not a UUID: %w", s, err)
	}
	return id, nil
}

// ids maps the stored ids of one representation, keeping the first that is
// no UUID, so that a mapper can fill its whole literal and return one error.
type ids struct{ err error }

func (m *ids) uuid(s string) openapi_types.UUID {
	id, err := uuidOf(s)
	if m.err == nil {
		m.err = err
	}
	return id
}

// org is an organisation as a resource refers to it.
func (m *ids) org(id, code, name string) api.OrganisationSummary {
	return api.OrganisationSummary{ID: m.uuid(id), Code: code, Name: name}
}

// mapAll maps every item, stopping at the first that does not map.
func mapAll[T, A any](items []T, toAPI func(T) (A, error)) ([]A, error) {
	out := make([]A, len(items))
	for i, item := range items {
		var err error
		if out[i], err = toAPI(item); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nextPage is what a page says of the page after it: the cursor in the body
// and the Link header, both nil on the last page.
func nextPage(ctx context.Context, next string) (cursor, link *string) {
	if next == "" {
		return nil, nil
	}
	return &next, ptr(nextLink(ctx, next))
}

// apiDay is a day the API must give.
func apiDay(t time.Time) openapi_types.Date { return openapi_types.Date{Time: t} }

// apiDate is a day, or nil for none.
func apiDate(t time.Time) *openapi_types.Date {
	if t.IsZero() {
		return nil
	}
	return ptr(apiDay(t))
}

// apiTime is an instant in UTC, or nil for none.
func apiTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UTC())
}

// domainDate is a day, or the zero time for none.
func domainDate(d *openapi_types.Date) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// optional is v, or nil for its zero value (an empty string, an unset enum).
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// rawUnion is a generated union type U holding v, one of its variants,
// encoded once. The generated From… methods encode v, decode it and the
// discriminator again and encode the merge (jsonmerge), which was a fifth of
// a page of meetings; the variants' fields are declared in key order and
// carry their discriminator, so one encoding gives the very same bytes.
func rawUnion[U any, PU interface {
	*U
	json.Unmarshaler
}](v any) (U, error) {
	var out U
	b, err := json.Marshal(v)
	if err != nil {
		return out, err
	}
	return out, PU(&out).UnmarshalJSON(b)
}
