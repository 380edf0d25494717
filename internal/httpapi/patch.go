package httpapi

import (
	"encoding/json"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// applyPatch merges patch into current (RFC 7396), checks the result
// against the contract's schema and decodes it into out.
func (s *Server) applyPatch(current any, patch map[string]any, schema string, out any) error {
	doc, err := json.Marshal(current)
	if err != nil {
		return err
	}
	var target any
	if err := json.Unmarshal(doc, &target); err != nil {
		return err
	}
	merged, err := json.Marshal(mergePatch(target, patch))
	if err != nil {
		return err
	}
	if err := s.contract.validateSchema(schema, merged); err != nil {
		return err
	}
	if err := json.Unmarshal(merged, out); err != nil {
		return (domain.Problems{{Name: "body", Reason: "does not make a valid " + schema + " once merged"}}).Err()
	}
	return nil
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
