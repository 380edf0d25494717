// Package client is the Go client of the Pioniers API, for partner portals,
// analysts' programs and the service's own end-to-end tests.
//
// Most programs need only the hand-written part: [New] returns an [API] with
// readable methods (ListMeetings, GetMeeting, PatchMeeting, AllMilestones,
// Changes…) that return typed values and a *[Problem] as the error of a
// problem+json answer; [All] pages through any list as an iter.Seq2; and a
// [TokenSource] signs an API client (or a person) in and keeps its access
// token fresh. The rest of the contract is reached through [API.Raw], the
// client that oapi-codegen generates from openapi.yaml (client.gen.go).
//
// Merge patches (MeetingPatch, MilestonePatch…) hold nullable.Nullable
// fields: leave a field unset to keep it, set it to a value to change it, or
// to null (nullable.NewNullNullable) to clear it. See docs/go-client.md.
package client

//go:generate go tool oapi-codegen -config config.yaml ../../openapi.yaml
