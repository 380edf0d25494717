package httpapi_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestEveryOperationDeclaresWhatItCanAnswer: the answers that come from the
// pipeline rather than from an operation's own rules (a bad parameter or
// token, a body or headers too large, the rate limit, a database that
// cannot answer now) are declared by every operation, so that generated
// clients type them and their documentation names them. Three depend on the
// operation and are declared exactly where they can happen: 406 where a
// success answers with a body (Accept is checked against it), 415 where the
// operation takes a body, 422 where it takes an Idempotency-Key.
// TestContractFuzz checks that nothing else is answered.
func TestEveryOperationDeclaresWhatItCanAnswer(t *testing.T) {
	spec := loadSpec(t)
	always := map[string]string{"400": "BadRequest", "401": "Unauthorized", "413": "ContentTooLarge",
		"429": "TooManyRequests", "431": "RequestHeaderFieldsTooLarge", "503": "ServiceUnavailable"}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			want := maps.Clone(always)
			for status, c := range map[string]struct {
				name string
				when bool
			}{
				"406": {"NotAcceptable", answersWithBody(op)},
				"415": {"UnsupportedMediaType", op.RequestBody != nil},
				"422": {"IdempotencyKeyReused", declaresIdempotencyKey(item, op)},
			} {
				switch got := op.Responses.Value(status); {
				case c.when:
					want[status] = c.name
				case got != nil:
					t.Errorf("%s %s, %s: got %s; want none, it cannot be answered", method, path, status, refOf(got))
				}
			}
			for _, status := range slices.Sorted(maps.Keys(want)) {
				wantRef := "#/components/responses/" + want[status]
				if got := op.Responses.Value(status); got == nil || got.Ref != wantRef {
					t.Errorf("%s %s, %s: got %s; want %s", method, path, status, refOf(got), wantRef)
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
	// The contract's schemas of answers that hold such a secret.
	secrets := []string{"AccessToken", "ApiClientWithSecret", "UserCreated", "PasswordLink"}
	found := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				if status[0] != '2' || ref.Value == nil {
					continue
				}
				for _, mt := range ref.Value.Content {
					for _, name := range secrets {
						if !usesSchema(mt.Schema, "#/components/schemas/"+name, map[*openapi3.SchemaRef]bool{}) {
							continue
						}
						found[name] = true
						if declaresIdempotencyKey(item, op) {
							t.Errorf("%s %s answers %s and declares Idempotency-Key; want no key", method, path, name)
						}
					}
				}
			}
		}
	}
	for _, name := range secrets {
		if !found[name] {
			t.Errorf("no operation answers %s; want the list to name the contract's schemas", name)
		}
	}
}

// answersWithBody tells whether a success of op has content.
func answersWithBody(op *openapi3.Operation) bool {
	for status, ref := range op.Responses.Map() {
		if status[0] == '2' && ref.Value != nil && len(ref.Value.Content) > 0 {
			return true
		}
	}
	return false
}

// declaresIdempotencyKey tells whether op, or its path, declares the header,
// as the server reads the contract (contract.keyed).
func declaresIdempotencyKey(item *openapi3.PathItem, op *openapi3.Operation) bool {
	return slices.ContainsFunc(slices.Concat(item.Parameters, op.Parameters), func(p *openapi3.ParameterRef) bool {
		return p.Value != nil && p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "Idempotency-Key"
	})
}

// usesSchema tells whether s is the component schema ref, or combines,
// lists or holds it.
func usesSchema(s *openapi3.SchemaRef, ref string, seen map[*openapi3.SchemaRef]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if s.Ref == ref {
		return true
	}
	v := s.Value
	if v == nil {
		return false
	}
	refs := slices.Concat(v.AllOf, v.OneOf, v.AnyOf, slices.Collect(maps.Values(v.Properties)))
	if v.Items != nil {
		refs = append(refs, v.Items)
	}
	return slices.ContainsFunc(refs, func(r *openapi3.SchemaRef) bool { return usesSchema(r, ref, seen) })
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
