// Package client is the generated Go client of the Pioniers API, for partner
// portals and for the service's own end-to-end tests.
package client

//go:generate go tool oapi-codegen -config config.yaml ../../openapi.yaml
