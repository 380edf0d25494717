// Package api holds the code generated from openapi.yaml: the models, the
// echo strict server and the embedded contract. Never edit api.gen.go by hand.
package api

//go:generate go tool oapi-codegen -config config.yaml ../openapi.yaml
