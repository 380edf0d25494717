package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	pioniers "github.com/pioniersnetwerk/pioniers"
)

// contractDocument is the contract as served: the YAML as written, and the
// same document as JSON with its keys in the same order.
type contractDocument struct {
	spec *openapi3.T
	yaml []byte
	json []byte
}

// loadContract parses the embedded contract once per process: it is a
// constant, and every app a process builds (each test's, each command's)
// reads it, never changing it.
var loadContract = sync.OnceValues(func() (*contractDocument, error) {
	spec, err := openapi3.NewLoader().LoadFromData(pioniers.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load contract: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(pioniers.OpenAPI, &root); err != nil {
		return nil, fmt.Errorf("parse contract: %w", err)
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, &root); err != nil {
		return nil, fmt.Errorf("contract as JSON: %w", err)
	}
	return &contractDocument{spec: spec, yaml: pioniers.OpenAPI, json: buf.Bytes()}, nil
})

// APIVersion is the contract's info.version, the API-Version every response carries.
func APIVersion() (string, error) {
	c, err := loadContract()
	if err != nil {
		return "", err
	}
	return c.spec.Info.Version, nil
}

// writeJSON renders a YAML node as JSON, keeping the order of mapping keys.
func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		return writeJSON(buf, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			key, _ := json.Marshal(n.Content[i].Value)
			buf.Write(key)
			buf.WriteByte(':')
			if err := writeJSON(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
				buf.WriteString(n.Value)
				return nil
			}
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				buf.WriteString(strconv.FormatBool(b))
				return nil
			}
		case "!!null":
			buf.WriteString("null")
			return nil
		}
		s, _ := json.Marshal(n.Value)
		buf.Write(s)
	default:
		return fmt.Errorf("unexpected YAML node kind %d", n.Kind)
	}
	return nil
}
