package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/pkg/client"
)

func TestOrganisationLifecycle(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	ctx := context.Background()
	asAdmin := func(ctx context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+admin)
		return nil
	}

	// Create through the generated client.
	website := "https://www.vlaardingen.nl"
	created, err := env.Client.CreateOrganisationWithResponse(ctx, &client.CreateOrganisationParams{}, client.OrganisationInput{
		Code: "GM0622", Name: "Municipality of Vlaardingen", Kind: client.OrganisationKindMunicipality, NetworkRole: client.Member,
		JoinedOn: &openapi_types.Date{Time: apptest.Date(2019, 3, 1)}, Website: &website,
	}, asAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if created.StatusCode() != 201 || created.JSON201 == nil {
		t.Fatalf("create: got %d; want 201 (%s)", created.StatusCode(), created.Body)
	}
	org := *created.JSON201
	if loc := created.HTTPResponse.Header.Get("Location"); loc != "/v1/organisations/"+org.ID.String() {
		t.Errorf("Location: got %q; want /v1/organisations/%s", loc, org.ID)
	}
	if !org.Active || org.Example {
		t.Errorf("created: got active %v example %v; want active, not an example", org.Active, org.Example)
	}

	// Read by id and by code: same organisation, same strong ETag.
	byID := env.Do(t, "GET", "/v1/organisations/"+org.ID.String(), nil, nil)
	byCode := env.Do(t, "GET", "/v1/organisations/gm0622", nil, nil)
	if byID.StatusCode != 200 || byCode.StatusCode != 200 || byID.Body != byCode.Body {
		t.Fatalf("get by id and code: got %d and %d with bodies %s / %s; want the same organisation", byID.StatusCode, byCode.StatusCode, byID.Body, byCode.Body)
	}
	etag := byID.Header.Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") || etag != byCode.Header.Get("ETag") || etag != created.HTTPResponse.Header.Get("ETag") {
		t.Fatalf("ETag: got %q, %q and on create %q; want one strong tag", etag, byCode.Header.Get("ETag"), created.HTTPResponse.Header.Get("ETag"))
	}
	if res := env.Do(t, "GET", "/v1/organisations/GM0622", nil, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified || res.Body != "" || res.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: got %d with ETag %q and body %q; want 304 with the tag and no body", res.StatusCode, res.Header.Get("ETag"), res.Body)
	}

	update := map[string]any{"code": "GM0622", "name": "Gemeente Vlaardingen", "kind": "municipality", "networkRole": "member", "joinedOn": "2019-03-01", "province": "Zuid-Holland"}
	writeHeaders := func(ifMatch string) map[string]string {
		h := apptest.Bearer(admin)
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		return h
	}
	if res := env.Do(t, "PUT", "/v1/organisations/GM0622", update, writeHeaders("")); res.StatusCode != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match: got %d; want 428", res.StatusCode)
	}
	if res := env.Do(t, "PUT", "/v1/organisations/GM0622", update, writeHeaders(`"v9"`)); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with a stale If-Match: got %d; want 412", res.StatusCode)
	}
	res := env.Do(t, "PUT", "/v1/organisations/GM0622", update, writeHeaders(etag))
	if res.StatusCode != 200 {
		t.Fatalf("PUT: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	newTag := res.Header.Get("ETag")
	if newTag == etag {
		t.Errorf("ETag after change: got %q again; want a new tag", newTag)
	}
	var updated client.Organisation
	res.JSON(t, &updated)
	if updated.Name != "Gemeente Vlaardingen" || updated.Website != nil || !updated.UpdatedAt.After(updated.CreatedAt) {
		t.Errorf("updated: got name %q website %v updatedAt %v; want the new name, no website, a later updatedAt", updated.Name, updated.Website, updated.UpdatedAt)
	}
	if res := env.Do(t, "GET", "/v1/organisations/GM0622", nil, map[string]string{"If-None-Match": etag}); res.StatusCode != 200 {
		t.Errorf("If-None-Match with the old tag: got %d; want 200", res.StatusCode)
	}
	// The same PUT twice with the old tag is refused, so no update is lost.
	if res := env.Do(t, "PUT", "/v1/organisations/GM0622", update, writeHeaders(etag)); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("PUT with the tag from before the change: got %d; want 412", res.StatusCode)
	}
	// The code is unique.
	dup := map[string]any{"code": "GM0606", "name": "Duplicate", "kind": "municipality", "networkRole": "member"}
	if res := env.Do(t, "POST", "/v1/organisations", dup, apptest.Bearer(admin)); res.StatusCode != http.StatusConflict || res.Problem(t).Fields()[0] != "code" {
		t.Errorf("duplicate code: got %d %s; want 409 naming code", res.StatusCode, res.Body)
	}

	if res := env.Do(t, "DELETE", "/v1/organisations/GM0622", nil, writeHeaders(etag)); res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("DELETE with a stale tag: got %d; want 412", res.StatusCode)
	}
	if res := env.Do(t, "DELETE", "/v1/organisations/GM0622", nil, writeHeaders(newTag)); res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: got %d; want 204 (%s)", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "GET", "/v1/organisations/GM0622", nil, nil); res.StatusCode != 404 {
		t.Errorf("after DELETE: got %d; want 404", res.StatusCode)
	}
	changes, err := env.App.DB.Changes(ctx, "organisation", org.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range changes {
		actions = append(actions, fmt.Sprintf("%s@%d", c.Action, c.Version))
	}
	if got, want := strings.Join(actions, " "), "create@1 update@2 delete@3"; got != want {
		t.Errorf("change log: got %s; want %s", got, want)
	}
}

func TestMemberEditsOnlyItsOwnProfile(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	member := env.User(t, "pioneer@schiedam.example", domain.RoleMember, "GM0606")
	body := func(code, name, role string) map[string]any {
		kind := "municipality"
		return map[string]any{"code": code, "name": name, "kind": kind, "networkRole": role, "joinedOn": "2018-07-01"}
	}
	headers := apptest.Bearer(member)
	headers["If-Match"] = "*"
	tests := []struct {
		name   string
		path   string
		body   map[string]any
		want   int
		fields []string
	}{
		{"own profile", "/v1/organisations/GM0606", body("GM0606", "Gemeente Schiedam", "lead"), 200, nil},
		{"own network role", "/v1/organisations/GM0606", body("GM0606", "Gemeente Schiedam", "member"), 403, []string{"networkRole"}},
		{"another organisation", "/v1/organisations/GM0344", body("GM0344", "Gemeente Utrecht", "support"), 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Do(t, "PUT", tt.path, tt.body, headers)
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if tt.want == 403 {
				got := res.Problem(t).Fields()
				if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
					t.Errorf("invalidParams: got %v; want %v", got, tt.fields)
				}
			}
		})
	}
	if res := env.Do(t, "DELETE", "/v1/organisations/GM0606", nil, headers); res.StatusCode != 403 {
		t.Errorf("member DELETE: got %d; want 403", res.StatusCode)
	}
	if res := env.Do(t, "POST", "/v1/organisations", body("GM0001", "New", "member"), apptest.Bearer(member)); res.StatusCode != 403 {
		t.Errorf("member POST: got %d; want 403", res.StatusCode)
	}
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// Paging through 250 organisations returns each exactly once, in order, by
// following Link rel="next".
func TestPagingReturnsEachOrganisationOnce(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	ctx := apptest.As(domain.System)
	want := map[string]bool{}
	for i := range 250 {
		o, err := env.App.Organisations.Create(ctx, apptest.Municipality(fmt.Sprintf("GM%04d", 1000+i), fmt.Sprintf("Municipality %03d", (i*7)%250)))
		if err != nil {
			t.Fatal(err)
		}
		want[o.ID] = true
	}
	for _, sort := range []string{"", "-name", "createdAt", "-joinedOn,code"} {
		t.Run("sort="+sort, func(t *testing.T) {
			path := "/v1/organisations?pageSize=100"
			if sort != "" {
				path += "&sort=" + sort
			}
			seen := map[string]int{}
			pages := 0
			for path != "" {
				res := env.Do(t, "GET", path, nil, nil)
				if res.StatusCode != 200 {
					t.Fatalf("GET %s: got %d; want 200 (%s)", path, res.StatusCode, res.Body)
				}
				var page client.OrganisationPage
				res.JSON(t, &page)
				for _, o := range page.Items {
					seen[o.ID.String()]++
				}
				pages++
				path = ""
				if link := res.Header.Get("Link"); link != "" {
					m := nextLink.FindStringSubmatch(link)
					if m == nil {
						t.Fatalf("Link: got %q; want <…>; rel=\"next\"", link)
					}
					path = m[1]
					if page.NextCursor == nil || !strings.Contains(path, "cursor=") {
						t.Errorf("page %d: Link without nextCursor or cursor", pages)
					}
				} else if page.NextCursor != nil {
					t.Errorf("last page: nextCursor %q without Link", *page.NextCursor)
				}
			}
			if pages != 3 {
				t.Errorf("pages: got %d; want 3", pages)
			}
			if len(seen) != len(want) {
				t.Errorf("distinct organisations: got %d; want %d", len(seen), len(want))
			}
			for id, n := range seen {
				if n != 1 || !want[id] {
					t.Errorf("organisation %s: seen %d times; want once", id, n)
				}
			}
		})
	}
	// A cursor from one sort is refused for another.
	res := env.Do(t, "GET", "/v1/organisations?pageSize=100", nil, nil)
	cursor := nextLink.FindStringSubmatch(res.Header.Get("Link"))[1]
	if res := env.Do(t, "GET", cursor+"&kind=municipality", nil, nil); res.StatusCode != 400 || res.Problem(t).Fields()[0] != "cursor" {
		t.Errorf("cursor with other filters: got %d %s; want 400 naming cursor", res.StatusCode, res.Body)
	}
}

func TestListETagAndFilters(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	res := env.Do(t, "GET", "/v1/organisations?networkRole=support&sort=code", nil, nil)
	var page client.OrganisationPage
	res.JSON(t, &page)
	var codes []string
	for _, o := range page.Items {
		codes = append(codes, o.Code)
	}
	if got := strings.Join(codes, ","); got != "GM0344,leoo" {
		t.Errorf("support organisations by code: got %s; want GM0344,leoo", got)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("list ETag: missing")
	}
	if res := env.Do(t, "GET", "/v1/organisations?networkRole=support&sort=code", nil, map[string]string{"If-None-Match": etag}); res.StatusCode != 304 {
		t.Errorf("list If-None-Match: got %d; want 304", res.StatusCode)
	}
	if _, err := env.App.Organisations.Create(apptest.As(domain.System), apptest.Municipality("GM0503", "Municipality of Delft")); err != nil {
		t.Fatal(err)
	}
	all := env.Do(t, "GET", "/v1/organisations?networkRole=support&sort=code", nil, map[string]string{"If-None-Match": etag})
	if all.StatusCode != 304 {
		t.Errorf("list unaffected by a new member: got %d; want 304", all.StatusCode)
	}
	if res := env.Do(t, "GET", "/v1/organisations?q=UTRECHT", nil, nil); !strings.Contains(res.Body, "GM0344") || strings.Contains(res.Body, "GM0606") {
		t.Errorf("q=UTRECHT: got %s; want Utrecht only", res.Body)
	}
}

func TestIdempotentCreate(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	headers := func(key string) map[string]string {
		h := apptest.Bearer(admin)
		h["Idempotency-Key"] = key
		return h
	}
	body := map[string]any{"code": "GM0622", "name": "Municipality of Vlaardingen", "kind": "municipality", "networkRole": "member"}
	first := env.Do(t, "POST", "/v1/organisations", body, headers("key-1"))
	retry := env.Do(t, "POST", "/v1/organisations", body, headers("key-1"))
	if first.StatusCode != 201 || retry.StatusCode != 201 {
		t.Fatalf("create and retry: got %d and %d; want 201 twice (%s)", first.StatusCode, retry.StatusCode, retry.Body)
	}
	if first.Body != retry.Body || first.Header.Get("Location") != retry.Header.Get("Location") {
		t.Errorf("retry: got %s; want the first response %s", retry.Body, first.Body)
	}
	if retry.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed: got %q on the first and %q on the retry; want only the retry marked",
			first.Header.Get("Idempotent-Replayed"), retry.Header.Get("Idempotent-Replayed"))
	}
	var page client.OrganisationPage
	env.Do(t, "GET", "/v1/organisations", nil, nil).JSON(t, &page)
	if len(page.Items) != 1 {
		t.Errorf("organisations after a retried create: got %d; want 1", len(page.Items))
	}
	body["name"] = "Something else"
	if res := env.Do(t, "POST", "/v1/organisations", body, headers("key-1")); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("same key, other request: got %d; want 422", res.StatusCode)
	}
	// Without a key a second create is a real second request: the code is taken.
	body["name"] = "Municipality of Vlaardingen"
	if res := env.Do(t, "POST", "/v1/organisations", body, apptest.Bearer(admin)); res.StatusCode != http.StatusConflict {
		t.Errorf("second create without key: got %d; want 409", res.StatusCode)
	}
	// A failed request is kept too, so a retry does not suddenly succeed differently.
	bad := map[string]any{"code": "bad code", "name": "x", "kind": "other", "networkRole": "member"}
	a := env.Do(t, "POST", "/v1/organisations", bad, headers("key-2"))
	b := env.Do(t, "POST", "/v1/organisations", bad, headers("key-2"))
	if a.StatusCode != 400 || b.StatusCode != 400 || a.Body != b.Body {
		t.Errorf("retried invalid request: got %d then %d; want the same 400", a.StatusCode, b.StatusCode)
	}
}

func TestPagingWithActiveFilter(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	ctx := apptest.As(domain.System)
	for i := range 5 {
		in := apptest.Municipality(fmt.Sprintf("GM%04d", 2000+i), fmt.Sprintf("Active %d", i))
		in.JoinedOn = apptest.Date(2019, 1, 1)
		if _, err := env.App.Organisations.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	left := apptest.Municipality("GM2999", "Left")
	left.JoinedOn, left.LeftOn = apptest.Date(2019, 1, 1), apptest.Date(2020, 1, 1)
	if _, err := env.App.Organisations.Create(ctx, left); err != nil {
		t.Fatal(err)
	}
	path, seen := "/v1/organisations?active=true&pageSize=2", 0
	for path != "" {
		res := env.Do(t, "GET", path, nil, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: got %d; want 200 (%s)", path, res.StatusCode, res.Body)
		}
		var page client.OrganisationPage
		res.JSON(t, &page)
		for _, o := range page.Items {
			if !o.Active {
				t.Errorf("active=true returned %s", o.Code)
			}
			seen++
		}
		path = ""
		if m := nextLink.FindStringSubmatch(res.Header.Get("Link")); m != nil {
			path = m[1]
		}
	}
	if seen != 5 {
		t.Errorf("active organisations over all pages: got %d; want 5", seen)
	}
	var inactive client.OrganisationPage
	env.Do(t, "GET", "/v1/organisations?active=false", nil, nil).JSON(t, &inactive)
	if len(inactive.Items) != 1 || inactive.Items[0].Code != "GM2999" {
		t.Errorf("active=false: got %+v; want GM2999 only", inactive.Items)
	}
}

// Demonstration data stays marked as such whoever edits it.
func TestExampleOrganisationStaysAnExample(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	if _, err := env.App.Seed.Load(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	member := env.User(t, "clerk@north.example", domain.RoleMember, "GM9901")
	body := map[string]any{"code": "GM9901", "name": "Example Municipality North (renamed)", "kind": "municipality", "networkRole": "member", "joinedOn": "2018-09-01"}
	for _, token := range []string{member, admin} {
		h := apptest.Bearer(token)
		h["If-Match"] = "*"
		res := env.Do(t, "PUT", "/v1/organisations/GM9901", body, h)
		if res.StatusCode != 200 {
			t.Fatalf("PUT: got %d; want 200 (%s)", res.StatusCode, res.Body)
		}
		var o client.Organisation
		res.JSON(t, &o)
		if !o.Example {
			t.Errorf("after a PUT: example %v; want the organisation still marked as an example", o.Example)
		}
	}
}

func TestMergePatchOfOrganisationsAndPeople(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	member := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	patch := func(token, path, body string) apptest.Response {
		t.Helper()
		h := apptest.Bearer(token)
		h["If-Match"] = "*"
		h["Content-Type"] = "application/merge-patch+json"
		return env.Do(t, "PATCH", path, body, h)
	}
	res := patch(member, "/v1/organisations/GM0606", `{"description":"Trekker van het Pioniersnetwerk","website":null}`)
	var o client.Organisation
	res.JSON(t, &o)
	if res.StatusCode != 200 || o.Description == nil || *o.Description != "Trekker van het Pioniersnetwerk" || o.Website != nil || o.Province == nil {
		t.Errorf("member patch: got %d %+v; want the description set, the website cleared, the province kept", res.StatusCode, o)
	}
	if res := patch(member, "/v1/organisations/GM0606", `{"networkRole":"member"}`); res.StatusCode != 403 || res.Problem(t).Fields()[0] != "networkRole" {
		t.Errorf("member patches networkRole: got %d %s; want 403 naming networkRole", res.StatusCode, res.Body)
	}
	if res := patch(admin, "/v1/organisations/GM0606", `{"name":null}`); res.StatusCode != 400 || res.Problem(t).Fields()[0] != "name" {
		t.Errorf("patch removing a required field: got %d %s; want 400 naming name", res.StatusCode, res.Body)
	}
	id := env.Post(t, admin, "/v1/people", apptest.Pioneer("Patched Pioneer", "patched@schiedam.example", "+31612121212", "GM0606")).ID
	res = patch(admin, "/v1/people/"+id, `{"position":null,"memberships":[{"organisation":"GM0344","role":"contact"}]}`)
	var p client.Person
	res.JSON(t, &p)
	if res.StatusCode != 200 || p.Position != nil || len(p.Memberships) != 1 || p.Memberships[0].Organisation.Code != "GM0344" || p.Email == nil {
		t.Errorf("person patch: got %d %+v; want the position cleared, memberships replaced, the email kept", res.StatusCode, p)
	}
}

func TestRobustDeleteReferencedOrganisation(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	org := func(code string) string {
		return e.Post(t, e.Admin, "/v1/organisations", map[string]any{"code": code, "name": "Org " + code, "kind": "municipality", "networkRole": "member", "joinedOn": "2018-01-01"}).ID
	}
	refused := func(t *testing.T, code, id, why string) {
		t.Helper()
		before := e.Changes(t, "organisation", id)
		res := e.Do(t, "DELETE", "/v1/organisations/"+code, nil, apptest.Headers(e.Admin, "If-Match", "*"))
		p := apptest.CheckProblem(t, "DELETE "+code+" ("+why+")", res, 409)
		if p.Type != "urn:pioniers:problem:conflict" {
			t.Errorf("DELETE %s (%s): type %q; want urn:pioniers:problem:conflict", code, why, p.Type)
		}
		if r := e.Do(t, "GET", "/v1/organisations/"+code, nil, nil); r.StatusCode != 200 {
			t.Errorf("after the refused DELETE %s (%s): GET got %d; want 200", code, why, r.StatusCode)
		}
		if c := e.Changes(t, "organisation", id); c != before {
			t.Errorf("after the refused DELETE %s (%s): %d change records; want %d", code, why, c, before)
		}
	}
	id := org("GM0101")
	e.Post(t, e.Admin, "/v1/people", map[string]any{"name": "Member", "memberships": []any{map[string]any{"organisation": "GM0101", "role": "pioneer"}}})
	refused(t, "GM0101", id, "a membership")
	id = org("GM0102")
	e.Post(t, e.Admin, "/v1/meetings", apptest.PlannedMeeting("Chaired", map[string]any{"guestChair": "GM0102"}))
	refused(t, "GM0102", id, "a meeting's guest chair")
	id = org("GM0103")
	e.Post(t, e.Admin, "/v1/meetings", apptest.PlannedMeeting("Hosted", map[string]any{"venue": map[string]any{"name": "Hall", "hostOrganisation": "GM0103"}}))
	refused(t, "GM0103", id, "a meeting's host")
	id = org("GM0104")
	e.Post(t, e.Admin, "/v1/meetings", apptest.PlannedMeeting("Lab", map[string]any{"format": "open-government-lab", "details": map[string]any{"format": "open-government-lab", "case": "c", "caseOwner": "GM0104"}}))
	refused(t, "GM0104", id, "a lab's case owner")
	id = org("GM0105")
	e.User(t, "user@gm0105.example", domain.RoleMember, "GM0105")
	refused(t, "GM0105", id, "a user account")
	var gm9901 api.Organisation
	e.Do(t, "GET", "/v1/organisations/GM9901", nil, nil).JSON(t, &gm9901)
	refused(t, "GM9901", gm9901.ID.String(), "evaluation responses")

	// References kept as JSON text have no foreign key, and the delete does
	// not look for them: the organisation goes (204) and silently leaves
	// the evaluation's audience and the commitment's institution.
	t.Run("evaluation audience", func(t *testing.T) {
		id := org("GM0106")
		ev := e.Post(t, e.Admin, "/v1/evaluations", map[string]any{"title": "Audience", "opensAt": "2020-01-01T00:00:00Z", "closesAt": "2030-01-01T00:00:00Z",
			"audience": []any{"GM0106", "GM9902"}, "questions": []any{map[string]any{"key": "n", "type": "number", "text": "n"}}}).ID
		refused(t, "GM0106", id, "an evaluation's audience")
		var got api.Evaluation
		e.Do(t, "GET", "/v1/evaluations/"+ev, nil, apptest.Headers(e.Editor)).JSON(t, &got)
		if len(got.Audience) != 2 {
			t.Errorf("the evaluation's audience: got %v; want GM0106 and GM9902 still in it", got.Audience)
		}
	})
	t.Run("commitment institution", func(t *testing.T) {
		id := org("GM0107")
		e.Do(t, "POST", "/v1/commitments", map[string]any{"code": "NL0099", "title": "T", "cycle": 2018,
			"leadInstitution": map[string]any{"name": "Lead", "organisation": "GM0107"}}, apptest.Headers(e.Editor))
		refused(t, "GM0107", id, "a commitment's lead institution")
		var got api.Commitment
		e.Do(t, "GET", "/v1/commitments/NL0099", nil, nil).JSON(t, &got)
		if got.LeadInstitution == nil || got.LeadInstitution.Organisation == nil {
			t.Errorf("the commitment's lead institution lost its organisation")
		}
	})
}
