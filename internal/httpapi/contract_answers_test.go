package httpapi_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestEveryOperationDeclaresWhatItCanAnswer: the answers that come from the
// pipeline rather than from an operation's own rules (a bad parameter or
// token, an unacceptable Accept, a body or headers too large, the rate
// limit, a database that cannot answer now) are declared by every operation,
// so that generated clients type them and their documentation names them;
// 415 by every operation that takes a body, and 422 by every one that takes
// an Idempotency-Key. TestContractFuzz checks that nothing else is answered.
func TestEveryOperationDeclaresWhatItCanAnswer(t *testing.T) {
	spec := loadSpec(t)
	generic := map[string]string{"400": "BadRequest", "401": "Unauthorized", "406": "NotAcceptable", "413": "ContentTooLarge",
		"429": "TooManyRequests", "431": "RequestHeaderFieldsTooLarge", "503": "ServiceUnavailable"}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			want := maps.Clone(generic)
			if op.RequestBody != nil {
				want["415"] = "UnsupportedMediaType"
			}
			if declaresIdempotencyKey(op) {
				want["422"] = "IdempotencyKeyReused"
			}
			for _, status := range slices.Sorted(maps.Keys(want)) {
				wantRef := "#/components/responses/" + want[status]
				if got := op.Responses.Value(status); got == nil || got.Ref != wantRef {
					t.Errorf("%s %s, %s: got %v; want %s", method, path, status, refOf(got), wantRef)
				}
			}
		}
	}
}

// TestNoSecretAnswerIsKeyed: a response kept for an Idempotency-Key is
// stored as sent, so an operation whose answer carries a secret the
// database keeps only as a hash (a token, an API client's secret, a
// set-password link) must not take a key, or its replay would keep the
// secret. A webhook's signing secret is stored as it is, to sign with.
func TestNoSecretAnswerIsKeyed(t *testing.T) {
	spec := loadSpec(t)
	hashed := []string{"access_token", "refresh_token", "clientSecret", "passwordLink"}
	found := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				if status[0] != '2' || ref.Value == nil {
					continue
				}
				for _, mt := range ref.Value.Content {
					for _, name := range hashed {
						if mt.Schema != nil && hasProperty(mt.Schema.Value, name, map[*openapi3.Schema]bool{}) {
							found[name] = true
							if declaresIdempotencyKey(op) {
								t.Errorf("%s %s answers %s and declares Idempotency-Key; want no key", method, path, name)
							}
						}
					}
				}
			}
		}
	}
	for _, name := range hashed {
		if !found[name] {
			t.Errorf("no operation answers %s; want the list of secrets to name the contract's properties", name)
		}
	}
}

func declaresIdempotencyKey(op *openapi3.Operation) bool {
	return slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
		return p.Value != nil && p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "Idempotency-Key"
	})
}

// hasProperty tells whether s, or a schema it combines or lists, has the
// property name.
func hasProperty(s *openapi3.Schema, name string, seen map[*openapi3.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if _, ok := s.Properties[name]; ok {
		return true
	}
	var refs openapi3.SchemaRefs
	refs = append(append(append(refs, s.AllOf...), s.OneOf...), s.AnyOf...)
	if s.Items != nil {
		refs = append(refs, s.Items)
	}
	for _, p := range s.Properties {
		refs = append(refs, p)
	}
	return slices.ContainsFunc(refs, func(r *openapi3.SchemaRef) bool { return hasProperty(r.Value, name, seen) })
}

func refOf(r *openapi3.ResponseRef) string {
	switch {
	case r == nil:
		return "nothing"
	case r.Ref == "":
		return "an inline response"
	}
	return r.Ref
}
