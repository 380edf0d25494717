package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// TestNoAnonymousResponseCarriesContactDetails scans anonymous reads for
// contact details; this adds partner clients, CSV and the names of people
// without consent, with the same patterns.

// Nothing an anonymous caller or a partner client reads carries an email
// address, a phone number or the name of a person who did not consent to a
// public profile: every GET of the contract, lists and single records, as
// JSON and CSV, over fixtures with such people in every place a person can
// appear (memberships, registrations).
func TestNoPersonalDataInPublicReads(t *testing.T) {
	t.Parallel()
	m := startMatrix(t)
	// People without consent, with an email and a phone, in the bound
	// partner's organisation and another, registered for a meeting.
	var hidden []string
	phones := []string{"+31612345671", "+31612345672"}
	for i, org := range []string{"GM9901", "GM9902"} {
		name := fmt.Sprintf("Hidden Zebediah%d", i)
		id := m.Post(t, m.Admin, "/v1/people", apptest.Pioneer(name, fmt.Sprintf("zebediah%d@secret.example", i), phones[i], org)).ID
		m.Post(t, m.Admin, "/v1/meetings/"+m.Planned+"/registrations", map[string]any{"person": id})
		hidden = append(hidden, id)
	}
	var people struct {
		Items []struct {
			ID, Name, Email, Phone string
			Consent                struct{ PublicProfile bool }
		}
	}
	res := m.Do(t, "GET", "/v1/people?pageSize=100", nil, apptest.Headers(m.Admin))
	res.JSON(t, &people)
	if strings.Contains(res.Header.Get("Link"), "next") {
		t.Fatal("more than 100 people: page through them")
	}
	var secrets []string // names of people without consent, and phone numbers
	for _, p := range people.Items {
		if p.Phone != "" {
			secrets = append(secrets, p.Phone, strings.TrimPrefix(p.Phone, "+31"))
		}
		if !p.Consent.PublicProfile {
			secrets = append(secrets, p.Name)
		}
	}
	if len(secrets) < 6 {
		t.Fatalf("got %d names and phones to look for; want at least the fixtures' 6", len(secrets))
	}

	contact := loadSpec(t).Info.Contact.Email // public by design
	leaks := func(body string) []string {
		var out []string
		body = strings.ReplaceAll(body, contact, "")
		if hit := emailPattern.FindString(body); hit != "" {
			out = append(out, "email address "+hit)
		}
		if hit := phonePattern.FindString(body); hit != "" {
			out = append(out, "phone number "+hit)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				out = append(out, fmt.Sprintf("%q of a person without consent", s))
			}
		}
		return out
	}
	// The scan can fail: what an admin reads of the same people has it all.
	if got := leaks(m.Do(t, "GET", "/v1/meetings/"+m.Planned+"/registrations", nil, apptest.Headers(m.Admin)).Body); len(got) < 2 {
		t.Errorf("admin reads registrations: got %v; want the hidden people's names", got)
	}
	if got := leaks(m.Do(t, "GET", "/v1/people/"+hidden[0], nil, apptest.Headers(m.Admin)).Body); len(got) < 3 {
		t.Errorf("admin reads a hidden person: got %v; want email, phone and name", got)
	}

	scanned := 0
	scan := func(label string, res apptest.Response) {
		t.Helper()
		scanned++
		for _, l := range leaks(res.Body) {
			t.Errorf("%s: carries %s", label, l)
		}
	}
	requests := m.matrixRequests(t)
	callers := []string{"anonymous", "partner-bound", "partner-unbound"}
	for _, op := range contractOperations(t) {
		if op.method != http.MethodGet {
			continue
		}
		build, ok := requests[op.id]
		if !ok {
			t.Errorf("no request for operation %s: add one to matrixRequests", op.id)
			continue
		}
		reqs := []matrixRequest{build()}
		if build().params["person"] != "" {
			for _, id := range hidden {
				r := build()
				r.params["person"] = id
				reqs = append(reqs, r)
			}
		}
		if strings.HasPrefix(op.id, "list") {
			r := build()
			r.query = "pageSize=100"
			reqs = append(reqs, r)
		}
		for _, caller := range callers {
			for _, req := range reqs {
				for _, accept := range []string{"application/json", "text/csv"} {
					path := req.url(t, op)
					res := m.Do(t, "GET", path, nil, apptest.Headers(m.tokens[caller], "Accept", accept))
					if res.StatusCode == http.StatusNotAcceptable {
						continue
					}
					scan(fmt.Sprintf("GET %s as %s (%s): %d", path, caller, accept, res.StatusCode), res)
				}
			}
		}
	}
	// The whole change feed, to its end, where the hidden people were made.
	for _, caller := range callers {
		path := "/v1/changes?pageSize=100"
		for range 1000 {
			res := m.Do(t, "GET", path, nil, apptest.Headers(m.tokens[caller]))
			scan(fmt.Sprintf("GET %s as %s: %d", path, caller, res.StatusCode), res)
			var page struct{ Cursor string }
			res.JSON(t, &page)
			if res.Header.Get("Link") == "" {
				break
			}
			path = "/v1/changes?pageSize=100&cursor=" + page.Cursor
		}
	}
	// Outside the contract, public all the same.
	for _, path := range []string{"/embed/meetings", "/openapi.yaml"} {
		for _, caller := range callers {
			scan("GET "+path+" as "+caller, m.Do(t, "GET", path, nil, apptest.Headers(m.tokens[caller])))
		}
	}
	t.Logf("personal data: %d public responses scanned for %d names and phone numbers, email and phone patterns", scanned, len(secrets))
}
