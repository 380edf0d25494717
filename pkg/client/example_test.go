package client_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"github.com/pioniersnetwerk/pioniers/pkg/client"
)

// An analyst reads commitment NL0037's milestones, every page of them,
// without signing in.
func ExampleNew() {
	api, err := client.New(baseURL) // such as "https://api.example.org/v1"
	if err != nil {
		log.Fatal(err)
	}
	commitment := "NL0037"
	for m, err := range api.AllMilestones(ctx, client.ListMilestonesParams{Commitment: &commitment}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Code, m.Title)
	}
	// Output:
	// 3.1 Preparing concrete plans, writing to municipalities, mapping topics
	// 3.2 Kicking off the pioneering network
	// 3.3 Eight meetings on specific topics, one every three months
	// 3.4 Interim evaluation among participating municipalities
	// 3.5 Online magazine with lessons learned and practical experiences (2x)
}

// All pages through any list: give it a function that reads the page at a
// cursor. Here two organisations a page, so that it takes two requests.
func ExampleAll() {
	api, err := client.New(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	size := 2
	organisations := client.All(ctx, func(cursor string) (client.Page[client.Organisation], error) {
		return api.ListOrganisations(ctx, &client.ListOrganisationsParams{PageSize: &size, Cursor: &cursor})
	})
	for o, err := range organisations {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.Code)
	}
	// Output:
	// GM0606
	// GM0344
	// leoo
}

// A partner portal signs in with its client id and secret. The token source
// keeps the access token and signs in again shortly before it expires, or
// once when a request answers 401. Raw reaches the operations that API does
// not wrap.
func ExampleNewClientTokenSource() {
	ts, err := client.NewClientTokenSource(baseURL, clientID, clientSecret, nil)
	if err != nil {
		log.Fatal(err)
	}
	api, err := client.New(baseURL, client.WithTokenSource(ts))
	if err != nil {
		log.Fatal(err)
	}
	res, err := api.Raw().GetAPIClientWithResponse(ctx, clientID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.StatusCode(), res.JSON200.Name, res.JSON200.Scopes)
	// Output: 200 Schiedam participation portal [people:read]
}

// An editor creates a meeting, then moves it to another city and clears its
// description in one merge patch: a nullable field left unset stays as it
// is, one set to null is cleared.
func ExampleAPI_PatchMeeting() {
	ts, err := client.NewPasswordTokenSource(baseURL, editorEmail, password)
	if err != nil {
		log.Fatal(err)
	}
	api, err := client.New(baseURL, client.WithTokenSource(ts))
	if err != nil {
		log.Fatal(err)
	}
	description, city := "What the council publishes, and how.", "Schiedam"
	m, etag, err := api.CreateMeeting(ctx, client.MeetingInput{
		Title: "Open data in the council", Topic: "Open data", Format: client.MeetingFormatKnowledgeSession,
		StartsAt:    time.Date(2031, 3, 14, 13, 0, 0, 0, time.UTC),
		EndsAt:      time.Date(2031, 3, 14, 16, 0, 0, 0, time.UTC),
		Description: &description,
		Venue:       &client.VenueInput{Name: "Town hall", City: &city},
	})
	if err != nil {
		log.Fatal(err)
	}
	m, _, err = api.PatchMeeting(ctx, m.ID, etag, client.MeetingPatch{
		Venue:       nullable.NewNullableWithValue(client.VenuePatch{City: nullable.NewNullableWithValue("Utrecht")}),
		Description: nullable.NewNullNullable[string](),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Title, "|", m.Venue.Name, "|", *m.Venue.City, "|", m.Description == nil)
	// Output: Open data in the council | Town hall | Utrecht | true
}

// Every answer that is not a success is a *client.Problem (RFC 9457), with
// the status, a title and a detail for people.
func ExampleProblem() {
	api, err := client.New(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = api.GetMeeting(ctx, uuid.MustParse("01a2463b-9dc7-7f26-9665-8b2514268e65"))
	if p, ok := errors.AsType[*client.Problem](err); ok {
		fmt.Println(p.Status, p.Title)
	}
	// Output: 404 Not Found
}

// A copy of the record follows the change feed page by page, storing each
// page's cursor with the data it applied.
func ExampleAPI_Changes() {
	api, err := client.New(baseURL)
	if err != nil {
		log.Fatal(err)
	}
	cursor := "" // the cursor stored last time; "" starts at the first change
	page, err := api.Changes(ctx, cursor, 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Items {
		fmt.Println(c.Type, c.Resource, c.Data.IsSpecified())
	}
	cursor = page.Cursor // store it; read on at once while page.More
	fmt.Println("more:", page.More, cursor != "")
	// Output:
	// created organisation true
	// updated commitment true
	// created organisation true
	// updated commitment true
	// more: true true
}
