// Package pioniers holds the contract, openapi.yaml, exactly as written, so
// that the binary serves and validates against the very document the code is
// generated from.
package pioniers

import _ "embed"

// OpenAPI is openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
