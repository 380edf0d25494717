package httpapi

import (
	"encoding/json"
	"fmt"

	"github.com/oapi-codegen/runtime"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// applyPatch merges patch, the request body as decoded and checked by the
// contract middleware, into current (RFC 7396); it checks the merged document
// against the contract's schema and binds it into out, each once.
func (s *Server) applyPatch(current any, patch map[string]any, schema string, out any) error {
	target, err := jsonValue(current)
	if err != nil {
		return err
	}
	merged := mergePatch(target, patch)
	if err := s.contract.validateSchema(schema, merged); err != nil {
		return err
	}
	if err := runtime.BindJSONValue(merged, out); err != nil {
		return (domain.Problems{{Name: "body", Reason: "does not make a valid " + schema + " once merged"}}).Err()
	}
	return nil
}

// merger is the change a service's Update runs on the current state for a
// PATCH: the current input in the contract's terms, the patch merged into it
// once, checked against schema and bound once, and turned back.
func merger[D, A any](s *Server, patch map[string]any, schema string, toAPI func(D) (A, error), fromAPI func(A) (D, error)) func(D) (D, error) {
	return func(current D) (D, error) {
		var zero D
		cur, err := toAPI(current)
		if err != nil {
			return zero, err
		}
		var body A
		if err := s.applyPatch(cur, patch, schema, &body); err != nil {
			return zero, err
		}
		return fromAPI(body)
	}
}

// infallible adapts a mapper that cannot fail to the shape merger takes.
func infallible[T, U any](f func(T) U) func(T) (U, error) {
	return func(t T) (U, error) { return f(t), nil }
}

// jsonValue is v as JSON decodes it: maps, slices, strings, float64, bool, nil.
func jsonValue(v any) (any, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the current document: %w", err)
	}
	var out any
	if err := json.Unmarshal(doc, &out); err != nil {
		return nil, fmt.Errorf("decode the current document: %w", err)
	}
	return out, nil
}

// mergePatch applies an RFC 7396 JSON Merge Patch.
func mergePatch(target any, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// patchBody is a PATCH's merge patch, whichever media type it came as:
// application/json is read as a JSON Merge Patch (RFC 7396) exactly like
// application/merge-patch+json, because that is what most clients send by
// default. Without a body the patch changes nothing.
func patchBody(asJSON, asMergePatch *map[string]any) map[string]any {
	switch {
	case asMergePatch != nil:
		return *asMergePatch
	case asJSON != nil:
		return *asJSON
	}
	return map[string]any{}
}
