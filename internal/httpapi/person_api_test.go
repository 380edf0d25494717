package httpapi_test

import (
	"bytes"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/api"

	"github.com/getkin/kin-openapi/openapi3"
	pioniers "github.com/pioniersnetwerk/pioniers"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// A resource's ETag follows what it embeds from other records: renaming an
// organisation makes the ETag of a person who belongs to it change.
func TestETagFollowsEmbeddedRecords(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	id := env.Post(t, admin, "/v1/people", apptest.Pioneer("Embedded", "embedded@schiedam.example", "", "GM0606")).ID
	before := env.Do(t, "GET", "/v1/people/"+id, nil, apptest.Bearer(admin)).Header.Get("ETag")
	h := apptest.Bearer(admin)
	h["If-Match"] = "*"
	h["Content-Type"] = "application/merge-patch+json"
	if res := env.Do(t, "PATCH", "/v1/organisations/GM0606", `{"name":"Gemeente Schiedam"}`, h); res.StatusCode != 200 {
		t.Fatalf("rename: got %d", res.StatusCode)
	}
	cond := apptest.Bearer(admin)
	cond["If-None-Match"] = before
	if res := env.Do(t, "GET", "/v1/people/"+id, nil, cond); res.StatusCode != 200 || !strings.Contains(res.Body, "Gemeente Schiedam") {
		t.Errorf("after renaming the organisation: got %d; want 200 with the new name", res.StatusCode)
	}
	created := env.Do(t, "POST", "/v1/organisations", map[string]any{"code": "GM0622", "name": "Vlaardingen", "kind": "municipality", "networkRole": "member"}, apptest.Bearer(admin))
	if got := env.Do(t, "GET", "/v1/organisations/GM0622", nil, nil).Header.Get("ETag"); got != created.Header.Get("ETag") {
		t.Errorf("ETag: got %q on GET and %q on create; want the same", got, created.Header.Get("ETag"))
	}
}

func consent(t *testing.T, env *apptest.Env, token, id string, public bool) {
	t.Helper()
	res := env.Do(t, "PUT", "/v1/people/"+id+"/consent", map[string]any{"publicProfile": public}, apptest.Bearer(token))
	if res.StatusCode != 200 {
		t.Fatalf("record consent: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
}

var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	phonePattern = regexp.MustCompile(`\+[1-9][0-9]{6,14}`)
)

// No anonymous response anywhere in the API carries an email address or a
// phone number: every GET of the contract is called anonymously and scanned.
func TestNoAnonymousResponseCarriesContactDetails(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	if _, err := env.App.Seed.Load(apptest.As(domain.System), true); err != nil {
		t.Fatal(err)
	}
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	public := env.Post(t, admin, "/v1/people", apptest.Pioneer("Public Pioneer", "public.pioneer@schiedam.example", "+31611111111", "GM0606")).ID
	consent(t, env, admin, public, true)
	private := env.Post(t, admin, "/v1/people", apptest.Pioneer("Private Pioneer", "private.pioneer@utrecht.example", "+31622222222", "GM0344")).ID

	spec, err := openapi3.NewLoader().LoadFromData(pioniers.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var meetings api.MeetingPage
	var publications api.PublicationPage
	var milestones api.MilestonePage
	var evaluations api.EvaluationPage
	env.Do(t, "GET", "/v1/evaluations", nil, nil).JSON(t, &evaluations)
	env.Do(t, "GET", "/v1/meetings", nil, nil).JSON(t, &meetings)
	env.Do(t, "GET", "/v1/publications", nil, nil).JSON(t, &publications)
	env.Do(t, "GET", "/v1/milestones", nil, nil).JSON(t, &milestones)
	values := map[string][]string{"organisation": {"GM0606", "GM0344"}, "person": {public, private},
		"meeting": {meetings.Items[0].ID.String()}, "publication": {publications.Items[0].ID.String()},
		"commitment": {"NL0037"}, "milestone": {milestones.Items[0].ID.String()}, "cycle": {"2018"}, "evaluation": {evaluations.Items[0].ID.String()},
		"client":       {"pc_nobody"},
		"subscription": {"00000000-0000-7000-8000-000000000000"},
		"submission":   {"00000000-0000-7000-8000-000000000000"}, // anonymous callers read no submission
		"user":         {adminID(t, env)}, "table": {"meeting", "evaluation-response"}}
	scanned := 0
	for path, item := range spec.Paths.Map() {
		if item.Get == nil {
			continue
		}
		paths := []string{path}
		for name, vals := range values {
			var next []string
			for _, p := range paths {
				if !strings.Contains(p, "{"+name+"}") {
					next = append(next, p)
					continue
				}
				for _, v := range vals {
					next = append(next, strings.ReplaceAll(p, "{"+name+"}", v))
				}
			}
			paths = next
		}
		for _, p := range paths {
			if strings.Contains(p, "{") {
				t.Fatalf("no test value for a parameter of %s", p)
			}
			for _, query := range []string{"", "?q=pioneer", "?pageSize=100"} {
				res := env.Do(t, "GET", "/v1"+p+query, nil, nil)
				if res.StatusCode >= 500 {
					t.Errorf("GET %s%s: got %d", p, query, res.StatusCode)
				}
				body := emailPattern.ReplaceAllStringFunc(res.Body, func(s string) string {
					// The contract's own contact address is public by design.
					if s == spec.Info.Contact.Email {
						return ""
					}
					return s
				})
				if m := emailPattern.FindString(body); m != "" && !strings.HasPrefix(p, "/openapi") {
					t.Errorf("GET %s%s (anonymous): carries email address %s", p, query, m)
				}
				if m := phonePattern.FindString(res.Body); m != "" {
					t.Errorf("GET %s%s (anonymous): carries phone number %s", p, query, m)
				}
				scanned++
			}
		}
	}
	if scanned < 20 {
		t.Errorf("scanned %d responses; want every GET of the contract", scanned)
	}
	// The scan can fail: the same calls signed in as admin do carry the details.
	if res := env.Do(t, "GET", "/v1/people/"+private, nil, apptest.Bearer(admin)); !strings.Contains(res.Body, "private.pioneer@utrecht.example") || !strings.Contains(res.Body, "+31622222222") {
		t.Errorf("admin view: got %s; want email and phone", res.Body)
	}
}

func TestConsentControlsThePublicProfile(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	id := env.Post(t, admin, "/v1/people", apptest.Pioneer("Marlies Example", "marlies@schiedam.example", "+31633333333", "GM0606")).ID
	visible := func() bool {
		t.Helper()
		list := env.Do(t, "GET", "/v1/organisations/GM0606/people", nil, nil)
		one := env.Do(t, "GET", "/v1/people/"+id, nil, nil)
		inList := strings.Contains(list.Body, id)
		if inList != (one.StatusCode == 200) {
			t.Fatalf("list and item disagree: in list %v, item status %d", inList, one.StatusCode)
		}
		return inList
	}
	if visible() {
		t.Fatal("before consent: the profile is public")
	}
	consent(t, env, admin, id, true)
	if !visible() {
		t.Fatal("after consent: the profile is not public")
	}
	pub := env.Do(t, "GET", "/v1/people/"+id, nil, nil)
	full := env.Do(t, "GET", "/v1/people/"+id, nil, apptest.Bearer(admin))
	if pub.Header.Get("ETag") == full.Header.Get("ETag") {
		t.Errorf("ETag: got %s for the public and the full view; want them to differ", pub.Header.Get("ETag"))
	}
	consent(t, env, admin, id, false)
	if visible() {
		t.Fatal("after withdrawal: the profile is still public")
	}
	var history api.ConsentHistory
	env.Do(t, "GET", "/v1/people/"+id+"/consent", nil, apptest.Bearer(admin)).JSON(t, &history)
	if history.Current.PublicProfile || len(history.Records) != 2 || !history.Records[1].PublicProfile || apptest.Deref(history.Records[0].RecordedBy) == "" {
		t.Errorf("consent history: got %+v; want the withdrawal on top of the consent, each with who recorded it", history)
	}
	if res := env.Do(t, "GET", "/v1/people/"+id+"/consent", nil, nil); res.StatusCode != 401 {
		t.Errorf("anonymous consent history of a private person: got %d; want 401 (the contract needs a token)", res.StatusCode)
	}
}

func TestMembersActForTheirOwnOrganisation(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	member := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	ownID := env.Post(t, member, "/v1/people", apptest.Pioneer("Own Pioneer", "own@schiedam.example", "", "GM0606")).ID
	otherID := env.Post(t, admin, "/v1/people", apptest.Pioneer("Other Pioneer", "other@utrecht.example", "", "GM0344")).ID

	if res := env.Do(t, "POST", "/v1/people", apptest.Pioneer("Sneaky", "sneaky@utrecht.example", "", "GM0344"), apptest.Bearer(member)); res.StatusCode != 403 {
		t.Errorf("member registers a person of another organisation: got %d; want 403", res.StatusCode)
	}
	h := apptest.Bearer(member)
	h["If-Match"] = "*"
	edited := apptest.Pioneer("Own Pioneer", "own@schiedam.example", "+31644444444", "GM0606")
	if res := env.Do(t, "PUT", "/v1/people/"+ownID, edited, h); res.StatusCode != 200 {
		t.Errorf("member edits its own organisation's person: got %d; want 200 (%s)", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "PUT", "/v1/people/"+otherID, apptest.Pioneer("Other Pioneer", "other@utrecht.example", "", "GM0344"), h); res.StatusCode != 404 {
		t.Errorf("member edits a private person of another organisation: got %d; want 404 (it cannot see them)", res.StatusCode)
	}
	consent(t, env, admin, otherID, true)
	if res := env.Do(t, "PUT", "/v1/people/"+otherID, apptest.Pioneer("Other Pioneer", "other@utrecht.example", "", "GM0344"), h); res.StatusCode != 403 {
		t.Errorf("member edits a public person of another organisation: got %d; want 403", res.StatusCode)
	}
	if res := env.Do(t, "DELETE", "/v1/people/"+otherID, nil, h); res.StatusCode != 403 {
		t.Errorf("member erases a person of another organisation: got %d; want 403", res.StatusCode)
	}
	if res := env.Do(t, "DELETE", "/v1/people/"+ownID, nil, h); res.StatusCode != 204 {
		t.Errorf("member erases its own organisation's person: got %d; want 204 (%s)", res.StatusCode, res.Body)
	}
}

func TestExportIsForAdminsAndThePersonThemselves(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	id := env.Post(t, admin, "/v1/people", apptest.Pioneer("Self Exporter", "self@schiedam.example", "+31655555555", "GM0606")).ID
	self := env.PersonUser(t, "self@schiedam.example", domain.RoleMember, "GM0606", id)
	colleague := env.User(t, "colleague@schiedam.example", domain.RoleMember, "GM0606")
	editor := env.User(t, "editor@example.org", domain.RoleEditor, "")
	res := env.Do(t, "POST", "/v1/meetings", map[string]any{"title": "Pioneers meet", "topic": "Openness", "format": "other",
		"startsAt": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339), "endsAt": time.Now().Add(30*24*time.Hour + 3*time.Hour).UTC().Format(time.RFC3339)}, apptest.Bearer(editor))
	var m api.Meeting
	res.JSON(t, &m)
	if res := env.Do(t, "POST", "/v1/meetings/"+m.ID.String()+"/registrations", map[string]any{"person": id}, apptest.Bearer(self)); res.StatusCode != 201 {
		t.Fatalf("the person registers themselves: got %d (%s)", res.StatusCode, res.Body)
	}
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{{"admin", admin, 200}, {"the person", self, 200}, {"a colleague", colleague, 403}, {"anonymous", "", 401}} {
		t.Run(tt.name, func(t *testing.T) {
			var h map[string]string
			if tt.token != "" {
				h = apptest.Bearer(tt.token)
			}
			res := env.Do(t, "GET", "/v1/people/"+id+"/export", nil, h)
			if res.StatusCode != tt.want {
				t.Fatalf("status: got %d; want %d (%s)", res.StatusCode, tt.want, res.Body)
			}
			if tt.want == 200 {
				for _, want := range []string{"self@schiedam.example", "+31655555555", `"users":[{`, `"changes":[{`, `"memberships":[{`, `"title":"Pioneers meet"`} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("export: want %s in %s", want, res.Body)
					}
				}
			}
		})
	}
}

// After erasure nothing in the database holds the person's name, email or
// phone, the kept response of an idempotent POST included; the person reads
// as gone and their account no longer signs in.
func TestErasureLeavesNoPersonalData(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	env := apptest.New(t, cfg)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	name, email, phone := "Erasmus Vergeetmij", "erasmus.vergeetmij@schiedam.example", "+31698765432"
	h := apptest.Bearer(admin)
	h["Idempotency-Key"] = "create-erasmus"
	res := env.Do(t, "POST", "/v1/people", apptest.Pioneer(name, email, phone, "GM0606"), h)
	if res.StatusCode != 201 {
		t.Fatalf("create: got %d (%s)", res.StatusCode, res.Body)
	}
	var p api.Person
	res.JSON(t, &p)
	env.PersonUser(t, email, domain.RoleMember, "GM0606", p.ID.String())
	consent(t, env, admin, p.ID.String(), true)
	edit := apptest.Pioneer(name, email, phone, "GM0606")
	edit["position"] = "Senior adviser"
	eh := apptest.Bearer(admin)
	eh["If-Match"] = "*"
	if res := env.Do(t, "PUT", "/v1/people/"+p.ID.String(), edit, eh); res.StatusCode != 200 {
		t.Fatalf("edit: got %d", res.StatusCode)
	}
	if res := env.Do(t, "DELETE", "/v1/people/"+p.ID.String(), nil, eh); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s)", res.StatusCode, res.Body)
	}
	if res := env.Do(t, "GET", "/v1/people/"+p.ID.String(), nil, apptest.Bearer(admin)); res.StatusCode != http.StatusGone {
		t.Errorf("GET erased person: got %d; want 410", res.StatusCode)
	}
	if res := env.Do(t, "POST", "/v1/auth/token", map[string]string{"email": email, "password": apptest.Password}, nil); res.StatusCode != 401 {
		t.Errorf("erased person's account signs in: got %d; want 401", res.StatusCode)
	}
	changes, err := env.App.DB.Changes(apptest.As(domain.System), "person", p.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	if last := changes[len(changes)-1]; last.Action != domain.ActionErase || len(last.Fields) == 0 {
		t.Errorf("erasure record: got %+v; want an erase naming the fields", last)
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("the file search needs SQLite")
	}
	for _, file := range []string{cfg.DatabaseURL, cfg.DatabaseURL + "-wal"} {
		data, err := os.ReadFile(file)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, secret := range []string{name, email, phone, "Erasmus", "vergeetmij"} {
			if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(secret))) {
				t.Errorf("%s still holds %q", file, secret)
			}
		}
	}
}

// A municipality the person has left no longer reads their contact details,
// changes them or records their consent.
func TestFormerOrganisationNoLongerActsForAPerson(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t)
	env.Seed(t)
	admin := env.User(t, "admin@example.org", domain.RoleAdmin, "")
	former := env.User(t, "clerk@schiedam.example", domain.RoleMember, "GM0606")
	current := env.User(t, "clerk@utrecht.example", domain.RoleMember, "GM0344")
	id := env.Post(t, admin, "/v1/people", map[string]any{"name": "Moved On", "email": "moved.on@utrecht.example", "memberships": []any{
		map[string]any{"organisation": "GM0606", "role": "pioneer", "from": "2018-09-01", "to": "2019-12-31"},
		map[string]any{"organisation": "GM0344", "role": "pioneer", "from": "2020-01-01"},
	}}).ID
	if res := env.Do(t, "GET", "/v1/people/"+id, nil, apptest.Bearer(current)); res.StatusCode != 200 || !strings.Contains(res.Body, "moved.on@utrecht.example") {
		t.Errorf("current organisation: got %d %s; want the person in full", res.StatusCode, res.Body)
	}
	h := apptest.Bearer(former)
	h["If-Match"] = "*"
	h["Content-Type"] = "application/merge-patch+json"
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/v1/people/" + id, ""},
		{"PATCH", "/v1/people/" + id, `{"email":"taken.over@schiedam.example"}`},
		{"PUT", "/v1/people/" + id + "/consent", `{"publicProfile":true}`},
	} {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		headers := h
		if tt.method == "PUT" {
			headers = apptest.Bearer(former)
			headers["Content-Type"] = "application/json"
		}
		if res := env.Do(t, tt.method, tt.path, body, headers); res.StatusCode != 404 {
			t.Errorf("%s by the former organisation: got %d %s; want 404", tt.method, res.StatusCode, res.Body)
		}
	}
}

func TestRobustErasedPerson(t *testing.T) {
	t.Parallel()
	e := apptest.StartDemo(t)
	reg := e.Do(t, "POST", "/v1/meetings/"+e.Planned+"/registrations", map[string]any{"person": e.Person}, apptest.Headers(e.Admin))
	if reg.StatusCode != 201 {
		t.Fatalf("register: got %d (%s)", reg.StatusCode, reg.Body)
	}
	var r api.Registration
	reg.JSON(t, &r)
	if res := e.Do(t, "DELETE", "/v1/people/"+e.Person, nil, apptest.Headers(e.Admin, "If-Match", "*")); res.StatusCode != 204 {
		t.Fatalf("erase: got %d (%s)", res.StatusCode, res.Body)
	}
	before := e.Changes(t, "person", e.Person)
	for _, tt := range []struct {
		method, path string
		body         any
		h            map[string]string
	}{
		{"GET", "/v1/people/" + e.Person, nil, apptest.Headers(e.Admin)},
		{"GET", "/v1/people/" + e.Person + "/consent", nil, apptest.Headers(e.Admin)},
		{"PUT", "/v1/people/" + e.Person + "/consent", map[string]any{"publicProfile": true}, apptest.Headers(e.Admin)},
		{"GET", "/v1/people/" + e.Person + "/export", nil, apptest.Headers(e.Admin)},
		{"PUT", "/v1/people/" + e.Person, map[string]any{"name": "Back", "memberships": []any{}}, apptest.Headers(e.Admin, "If-Match", "*")},
		{"DELETE", "/v1/people/" + e.Person, nil, apptest.Headers(e.Admin, "If-Match", "*")},
		{"GET", "/v1/people/" + e.Person, nil, apptest.Headers(e.Member)},
	} {
		apptest.CheckProblem(t, tt.method+" erased "+tt.path, e.Do(t, tt.method, tt.path, tt.body, tt.h), 410)
	}
	if c := e.Changes(t, "person", e.Person); c != before {
		t.Errorf("writes to an erased person: %d change records; want %d", c, before)
	}
	for _, tok := range []string{e.Admin, e.Member} {
		res := e.Do(t, "POST", "/v1/meetings/"+e.Planned+"/registrations", map[string]any{"person": e.Person}, apptest.Headers(tok))
		if res.StatusCode != 400 && res.StatusCode != 404 && res.StatusCode != 409 && res.StatusCode != 410 {
			t.Errorf("register an erased person: got %d; want a 4xx (%s)", res.StatusCode, apptest.Short(res.Body))
		}
		apptest.CheckProblem(t, "register an erased person", res, res.StatusCode)
	}
	var regs api.RegistrationList
	e.Do(t, "GET", "/v1/meetings/"+e.Planned+"/registrations", nil, apptest.Headers(e.Admin)).JSON(t, &regs)
	// The erasure cancelled the registration for this future meeting (erasure_api_test.go).
	if len(regs.Items) != 0 {
		t.Errorf("registrations after erasure: got %+v; want none", regs.Items)
	}
	if res := e.Do(t, "DELETE", "/v1/meetings/"+e.Planned+"/registrations/"+r.ID.String(), nil, apptest.Headers(e.Admin)); res.StatusCode >= 500 {
		t.Errorf("cancel the erased person's registration: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
}

// adminID is the id of the account admin@example.org.
func adminID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	u, err := env.App.Accounts.UserByEmail(apptest.As(domain.System), "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
