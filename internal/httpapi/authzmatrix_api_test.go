package httpapi_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// matrixPath is the table of expected statuses: operationId, caller, status,
// and an optional comment, tab-separated.
var matrixPath = filepath.Join("testdata", "authz", "matrix.tsv")

// matrixCallers are the kinds of caller every operation is tried with, in
// the table's order.
var matrixCallers = []string{"anonymous", "admin", "editor", "member-own", "member-other", "analyst",
	"partner-bound", "partner-unbound", "removed", "partner-people", "partner-registrations", "partner-webhooks"}

// matrixOperation is an operation of the contract: its id, method and path.
type matrixOperation struct{ id, method, path string }

// contractOperations lists the contract's operations in a stable order.
func contractOperations(t *testing.T) []matrixOperation {
	t.Helper()
	spec := loadSpec(t)
	var ops []matrixOperation
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, matrixOperation{op.OperationID, method, path})
		}
	}
	slices.SortFunc(ops, func(a, b matrixOperation) int { return strings.Compare(a.id, b.id) })
	return ops
}

// matrixRequest is one valid request: the path's parameters and the body.
type matrixRequest struct {
	params map[string]string
	body   any
	query  string
}

// matrixFixture holds the records the requests of the matrix refer to.
type matrixFixture struct {
	*apptest.Fixture
	tokens                 map[string]string
	conference, submission string
	heldReg                string // meeting/registration of a meeting that has started
	open                   string // an open evaluation that GM9901 answered
	n                      int    // makes codes and names unique
	removedEmail           string
	boundClient            string // the client id of partner-bound
}

func (m *matrixFixture) next() int { m.n++; return m.n }

// person creates a person of GM9901 and returns its id.
func (m *matrixFixture) person(t *testing.T) string {
	t.Helper()
	n := m.next()
	return m.Post(t, m.Admin, "/v1/people", apptest.Pioneer(fmt.Sprintf("Matrix Person %d", n), fmt.Sprintf("p%d@north.example", n), "", "GM9901")).ID
}

func (m *matrixFixture) clientBody() map[string]any {
	return map[string]any{"name": fmt.Sprintf("Matrix client %d", m.next()), "organisation": "GM9901", "scopes": []string{"people:read"}}
}

// client registers an API client and returns its client id.
func (m *matrixFixture) client(t *testing.T) string {
	t.Helper()
	var cl struct {
		ClientID string `json:"clientId"`
	}
	res := m.Do(t, "POST", "/v1/api-clients", m.clientBody(), apptest.Headers(m.Admin))
	if res.StatusCode != 201 {
		t.Fatalf("create client: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	res.JSON(t, &cl)
	return cl.ClientID
}

func (m *matrixFixture) organisationBody(code string) map[string]any {
	return map[string]any{"code": code, "name": "Matrix " + code, "kind": "municipality", "networkRole": "member"}
}

func (m *matrixFixture) milestoneBody(code string) map[string]any {
	return map[string]any{"commitment": "NL0037", "code": code, "title": "Matrix milestone " + code}
}

func (m *matrixFixture) publicationBody() map[string]any {
	return map[string]any{"kind": "other", "title": "Matrix", "url": fmt.Sprintf("https://example.org/m/%d", m.next()), "publishedOn": "2020-05-02"}
}

func (m *matrixFixture) commitmentBody(code string) map[string]any {
	return map[string]any{"code": code, "title": "Matrix commitment", "cycle": 2018}
}

func (m *matrixFixture) conferenceBody() map[string]any {
	today := time.Now().UTC()
	return map[string]any{"title": "Conference", "topic": "Openness", "format": "conference",
		"details": map[string]any{"format": "conference", "callForPapers": map[string]any{
			"opensOn": today.AddDate(0, 0, -1).Format(time.DateOnly), "closesOn": today.AddDate(0, 0, 10).Format(time.DateOnly)}},
		"startsAt": today.AddDate(0, 1, 0).Format(time.RFC3339), "endsAt": today.AddDate(0, 1, 0).Add(4 * time.Hour).Format(time.RFC3339)}
}

// reviewing is a paper of GM9901's member that an editor has put under
// review.
func (m *matrixFixture) reviewing(t *testing.T) string {
	t.Helper()
	id := m.Post(t, m.Member, "/v1/meetings/"+m.conference+"/submissions", paperBody()).ID
	if res := m.Do(t, "POST", "/v1/meetings/"+m.conference+"/submissions/"+id+"/transitions", map[string]any{"status": "under-review"},
		apptest.Headers(m.Editor)); res.StatusCode != 200 {
		t.Fatalf("start the review: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	return id
}

func paperBody() map[string]any {
	return map[string]any{"title": "Open agendas", "abstract": "What we learned.", "authors": []string{"A. Pioneer"}, "organisation": "GM9901"}
}

// answers is a complete answer to evQuestions.
func answers() map[string]any {
	return map[string]any{"answers": map[string]any{"satisfaction": 4, "format": "lab", "topics": []string{"open data"}, "officials": 3, "lessons": "much"}}
}

// startMatrix builds the fixtures and a token of every caller kind.
func startMatrix(t *testing.T) *matrixFixture {
	t.Helper()
	m := &matrixFixture{Fixture: apptest.StartDemo(t)}
	m.removedEmail = "removed@example.org"
	m.tokens = map[string]string{"anonymous": "", "admin": m.Admin, "editor": m.Editor, "member-own": m.Member,
		"member-other": m.Member2, "analyst": m.Analyst,
		"partner-unbound": m.ClientToken(t, "Unbound partner", ""),
		"removed":         m.User(t, m.removedEmail, domain.RoleEditor, ""),
	}
	bound, token := m.ScopedClient(t, "Bound partner", "GM9901")
	m.boundClient, m.tokens["partner-bound"] = bound.ClientID, token
	for _, scope := range []string{"people", "registrations", "webhooks"} {
		full := map[string]string{"people": domain.ScopePeopleRead, "registrations": domain.ScopeRegistrationsWrite, "webhooks": domain.ScopeWebhooksManage}[scope]
		_, m.tokens["partner-"+scope] = m.ScopedClient(t, "Partner with "+full, "GM9901", full)
	}
	removeUser(t, m.Env, m.removedEmail)

	m.conference = m.Post(t, m.Editor, "/v1/meetings", m.conferenceBody()).ID
	m.submission = m.Post(t, m.Editor, "/v1/meetings/"+m.conference+"/submissions", paperBody()).ID
	big := m.Post(t, m.Admin, "/v1/meetings", apptest.PlannedMeeting("Big meeting", map[string]any{"capacity": 1000})).ID
	m.Planned = big
	m.Post(t, m.Admin, "/v1/meetings/"+big+"/registrations", map[string]any{"person": m.Person})
	m.heldReg = m.heldRegistration(t)
	m.open = m.Post(t, m.Admin, "/v1/evaluations", evBody("Matrix evaluation", true)).ID
	if res := m.Do(t, "PUT", "/v1/evaluations/"+m.open+"/responses/GM9901", answers(), apptest.Headers(m.Member)); res.StatusCode != 200 {
		t.Fatalf("answer: got %d; want 200 (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	return m
}

// heldRegistration is a registration of a meeting that has started: the
// meeting is planned with a registration, then moved into the past.
func (m *matrixFixture) heldRegistration(t *testing.T) string {
	t.Helper()
	start := time.Now().UTC().Add(2 * time.Hour)
	meeting := m.Post(t, m.Admin, "/v1/meetings", apptest.PlannedMeeting("Soon", map[string]any{
		"startsAt": start.Format(time.RFC3339), "endsAt": start.Add(time.Hour).Format(time.RFC3339)})).ID
	reg := m.Post(t, m.Admin, "/v1/meetings/"+meeting+"/registrations", map[string]any{"person": m.Person}).ID
	past := time.Now().UTC().Add(-2 * time.Hour)
	res := m.Do(t, "PATCH", "/v1/meetings/"+meeting, fmt.Sprintf(`{"startsAt":%q,"endsAt":%q}`, past.Format(time.RFC3339), past.Add(time.Hour).Format(time.RFC3339)),
		apptest.Headers(m.Admin, "If-Match", "*", "Content-Type", "application/merge-patch+json"))
	if res.StatusCode != 200 {
		t.Fatalf("move meeting into the past: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	return meeting + "/" + reg
}

// removeUser deletes a user's account, as an admin does.
func removeUser(t *testing.T, env *apptest.Env, email string) {
	t.Helper()
	ctx := apptest.As(domain.System)
	u, err := env.App.Accounts.UserByEmail(ctx, email)
	if err != nil {
		t.Fatalf("find user %s: %v", email, err)
	}
	if err := env.App.Accounts.DeleteUser(ctx, u.ID, domain.Precondition{Present: true, Any: true}); err != nil {
		t.Fatalf("remove user %s: %v", email, err)
	}
}

// matrixRequests builds, for each operationId, a valid request; writes that
// consume their target get a fresh one on every call.
func (m *matrixFixture) matrixRequests(t *testing.T) map[string]func() matrixRequest {
	p := func(kv ...string) map[string]string {
		out := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	held := strings.SplitN(m.heldReg, "/", 2)
	return map[string]func() matrixRequest{
		"listOrganisations":  func() matrixRequest { return matrixRequest{} },
		"createOrganisation": func() matrixRequest { return matrixRequest{body: m.organisationBody(fmt.Sprintf("GM8%03d", m.next()))} },
		"getOrganisation":    func() matrixRequest { return matrixRequest{params: p("organisation", "GM9901")} },
		"replaceOrganisation": func() matrixRequest {
			return matrixRequest{params: p("organisation", "GM9901"), body: m.organisationBody("GM9901")}
		},
		"updateOrganisation": func() matrixRequest {
			return matrixRequest{params: p("organisation", "GM9901"), body: `{"website":"https://north.example"}`}
		},
		"deleteOrganisation": func() matrixRequest {
			code := fmt.Sprintf("GM7%03d", m.next())
			m.Post(t, m.Admin, "/v1/organisations", m.organisationBody(code))
			return matrixRequest{params: p("organisation", code)}
		},
		"listOrganisationPeople": func() matrixRequest { return matrixRequest{params: p("organisation", "GM9901")} },
		"listPeople":             func() matrixRequest { return matrixRequest{} },
		"createPerson": func() matrixRequest {
			n := m.next()
			return matrixRequest{body: apptest.Pioneer(fmt.Sprintf("New Person %d", n), fmt.Sprintf("n%d@north.example", n), "", "GM9901")}
		},
		"getPerson": func() matrixRequest { return matrixRequest{params: p("person", m.Person)} },
		"replacePerson": func() matrixRequest {
			return matrixRequest{params: p("person", m.Person), body: apptest.Pioneer("Sam Example", "sam@north.example", "", "GM9901")}
		},
		"updatePerson": func() matrixRequest {
			return matrixRequest{params: p("person", m.Person), body: `{"position":"Adviser"}`}
		},
		"erasePerson": func() matrixRequest { return matrixRequest{params: p("person", m.person(t))} },
		"getConsent":  func() matrixRequest { return matrixRequest{params: p("person", m.Person)} },
		"recordConsent": func() matrixRequest {
			return matrixRequest{params: p("person", m.Person), body: map[string]any{"publicProfile": false}}
		},
		"exportPerson":   func() matrixRequest { return matrixRequest{params: p("person", m.Person)} },
		"listMeetings":   func() matrixRequest { return matrixRequest{} },
		"exportMeetings": func() matrixRequest { return matrixRequest{query: "format=csv"} },
		"createMeeting":  func() matrixRequest { return matrixRequest{body: apptest.PlannedMeeting("New meeting", nil)} },
		"getMeeting":     func() matrixRequest { return matrixRequest{params: p("meeting", m.Planned)} },
		"replaceMeeting": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.Planned), body: apptest.PlannedMeeting("Big meeting", map[string]any{"capacity": 1000})}
		},
		"updateMeeting": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.Planned), body: `{"topic":"Robustness"}`}
		},
		"deleteMeeting": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.Post(t, m.Admin, "/v1/meetings", apptest.PlannedMeeting("Doomed", nil)).ID)}
		},
		"putMeetingReport": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.Held), body: map[string]any{"url": "https://example.org/report", "publishedOn": "2020-01-01"}}
		},
		"retractMeetingReport": func() matrixRequest {
			// A new version of the report each time, which a retraction consumes.
			url := fmt.Sprintf("https://example.org/report-%d", m.next())
			if res := m.Do(t, "PUT", "/v1/meetings/"+m.Held+"/report", map[string]any{"url": url, "publishedOn": "2020-01-01"}, apptest.Bearer(m.Admin)); res.StatusCode != 200 {
				t.Fatalf("put report: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
			}
			return matrixRequest{params: p("meeting", m.Held), body: map[string]any{"reason": "linked by mistake"}}
		},
		"listMeetingReportVersions": func() matrixRequest { return matrixRequest{params: p("meeting", m.Held)} },
		"listAllRegistrations":      func() matrixRequest { return matrixRequest{} },
		"listRegistrations":         func() matrixRequest { return matrixRequest{params: p("meeting", m.Planned)} },
		"createRegistration": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.Planned), body: map[string]any{"person": m.person(t)}}
		},
		"cancelRegistration": func() matrixRequest {
			reg := m.Post(t, m.Admin, "/v1/meetings/"+m.Planned+"/registrations", map[string]any{"person": m.person(t)}).ID
			return matrixRequest{params: p("meeting", m.Planned, "registration", reg)}
		},
		"markAttendance": func() matrixRequest {
			return matrixRequest{params: p("meeting", held[0], "registration", held[1]), body: map[string]any{"attended": true}}
		},
		"listSubmissions":  func() matrixRequest { return matrixRequest{params: p("meeting", m.conference)} },
		"createSubmission": func() matrixRequest { return matrixRequest{params: p("meeting", m.conference), body: paperBody()} },
		"decideSubmission": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.conference, "submission", m.reviewing(t)), body: map[string]any{"decision": "accepted"}}
		},
		"getSubmission": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.conference, "submission", m.submission)}
		},
		"updateSubmission": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.conference, "submission", m.submission), body: `{"title":"Patched"}`}
		},
		"moveSubmission": func() matrixRequest {
			id := m.Post(t, m.Member, "/v1/meetings/"+m.conference+"/submissions", paperBody()).ID
			return matrixRequest{params: p("meeting", m.conference, "submission", id), body: map[string]any{"status": "under-review"}}
		},
		"putSubmissionReview": func() matrixRequest {
			return matrixRequest{params: p("meeting", m.conference, "submission", m.reviewing(t)), body: map[string]any{"score": 4, "comment": "Clear."}}
		},
		"listConferenceReviewers":  func() matrixRequest { return matrixRequest{params: p("meeting", m.conference)} },
		"assignConferenceReviewer": func() matrixRequest { return matrixRequest{params: p("meeting", m.conference, "person", m.person(t))} },
		"removeConferenceReviewer": func() matrixRequest {
			person := m.person(t)
			if res := m.Do(t, "PUT", "/v1/meetings/"+m.conference+"/reviewers/"+person, nil, apptest.Headers(m.Admin)); res.StatusCode != 200 {
				t.Fatalf("assign a reviewer: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
			}
			return matrixRequest{params: p("meeting", m.conference, "person", person)}
		},
		"getScheduleHealth":  func() matrixRequest { return matrixRequest{} },
		"getTableSchema":     func() matrixRequest { return matrixRequest{params: p("table", "milestone")} },
		"listChanges":        func() matrixRequest { return matrixRequest{} },
		"getMeetingsFeed":    func() matrixRequest { return matrixRequest{} },
		"listPublications":   func() matrixRequest { return matrixRequest{} },
		"exportPublications": func() matrixRequest { return matrixRequest{query: "format=csv"} },
		"createPublication":  func() matrixRequest { return matrixRequest{body: m.publicationBody()} },
		"getPublication":     func() matrixRequest { return matrixRequest{params: p("publication", m.Publication)} },
		"replacePublication": func() matrixRequest {
			id := m.Post(t, m.Admin, "/v1/publications", m.publicationBody()).ID
			return matrixRequest{params: p("publication", id), body: m.publicationBody()}
		},
		"deletePublication": func() matrixRequest {
			return matrixRequest{params: p("publication", m.Post(t, m.Admin, "/v1/publications", m.publicationBody()).ID)}
		},
		"listAuditEvents":   func() matrixRequest { return matrixRequest{} },
		"exportAuditEvents": func() matrixRequest { return matrixRequest{query: "format=csv"} },
		"listCommitments":   func() matrixRequest { return matrixRequest{} },
		"exportCommitments": func() matrixRequest { return matrixRequest{query: "format=csv"} },
		"createCommitment":  func() matrixRequest { return matrixRequest{body: m.commitmentBody(fmt.Sprintf("NL8%03d", m.next()))} },
		"getCommitment":     func() matrixRequest { return matrixRequest{params: p("commitment", "NL0037")} },
		"replaceCommitment": func() matrixRequest {
			code := fmt.Sprintf("NL7%03d", m.next())
			m.Post(t, m.Admin, "/v1/commitments", m.commitmentBody(code))
			return matrixRequest{params: p("commitment", code), body: m.commitmentBody(code)}
		},
		"updateCommitment": func() matrixRequest {
			code := fmt.Sprintf("NL7%03d", m.next())
			m.Post(t, m.Admin, "/v1/commitments", m.commitmentBody(code))
			return matrixRequest{params: p("commitment", code), body: `{"irm":{"design":{"potentialImpact":"minor"}}}`}
		},
		"listCommitmentMilestones": func() matrixRequest { return matrixRequest{params: p("commitment", "NL0037")} },
		"exportCommitmentMilestones": func() matrixRequest {
			return matrixRequest{params: p("commitment", "NL0037"), query: "format=csv"}
		},
		"getCommitmentSummary": func() matrixRequest { return matrixRequest{params: p("commitment", "NL0037")} },
		"getActionPlanSummary": func() matrixRequest { return matrixRequest{params: p("cycle", "2018")} },
		"listMilestones":       func() matrixRequest { return matrixRequest{} },
		"exportMilestones":     func() matrixRequest { return matrixRequest{query: "format=ndjson"} },
		"createMilestone":      func() matrixRequest { return matrixRequest{body: m.milestoneBody(fmt.Sprintf("8.%d", m.next()))} },
		"getMilestone":         func() matrixRequest { return matrixRequest{params: p("milestone", m.Milestone)} },
		"replaceMilestone": func() matrixRequest {
			code := fmt.Sprintf("7.%d", m.next())
			id := m.Post(t, m.Admin, "/v1/milestones", m.milestoneBody(code)).ID
			return matrixRequest{params: p("milestone", id), body: m.milestoneBody(code)}
		},
		"updateMilestone": func() matrixRequest {
			id := m.Post(t, m.Admin, "/v1/milestones", m.milestoneBody(fmt.Sprintf("6.%d", m.next()))).ID
			return matrixRequest{params: p("milestone", id), body: `{"title":"Patched"}`}
		},
		"deleteMilestone": func() matrixRequest {
			return matrixRequest{params: p("milestone", m.Post(t, m.Admin, "/v1/milestones", m.milestoneBody(fmt.Sprintf("5.%d", m.next()))).ID)}
		},
		"listMilestoneUpdates": func() matrixRequest { return matrixRequest{params: p("milestone", m.Milestone)} },
		"createMilestoneUpdate": func() matrixRequest {
			return matrixRequest{params: p("milestone", m.Milestone), body: map[string]any{"date": "2020-01-01", "note": "Progress"}}
		},
		"listEvaluations":  func() matrixRequest { return matrixRequest{} },
		"createEvaluation": func() matrixRequest { return matrixRequest{body: evBody("New evaluation", false)} },
		"getEvaluation":    func() matrixRequest { return matrixRequest{params: p("evaluation", m.open)} },
		"replaceEvaluation": func() matrixRequest {
			id := m.Post(t, m.Admin, "/v1/evaluations", evBody("Draft", false)).ID
			return matrixRequest{params: p("evaluation", id), body: evBody("Draft", false)}
		},
		"updateEvaluation": func() matrixRequest {
			id := m.Post(t, m.Admin, "/v1/evaluations", evBody("Draft", false)).ID
			return matrixRequest{params: p("evaluation", id), body: `{"title":"Patched"}`}
		},
		"deleteEvaluation": func() matrixRequest {
			return matrixRequest{params: p("evaluation", m.Post(t, m.Admin, "/v1/evaluations", evBody("Doomed", false)).ID)}
		},
		"listEvaluationResponses": func() matrixRequest { return matrixRequest{params: p("evaluation", m.open)} },
		"exportEvaluationResponses": func() matrixRequest {
			return matrixRequest{params: p("evaluation", m.open), query: "format=csv"}
		},
		"getEvaluationResponse": func() matrixRequest { return matrixRequest{params: p("evaluation", m.open, "organisation", "GM9901")} },
		"putEvaluationResponse": func() matrixRequest {
			return matrixRequest{params: p("evaluation", m.open, "organisation", "GM9901"), body: answers()}
		},
		"getEvaluationResults": func() matrixRequest { return matrixRequest{params: p("evaluation", m.Evaluation)} },
		"exportEvaluationResults": func() matrixRequest {
			return matrixRequest{params: p("evaluation", m.Evaluation), query: "format=csv"}
		},
		"listApiClients":  func() matrixRequest { return matrixRequest{} },
		"createApiClient": func() matrixRequest { return matrixRequest{body: m.clientBody()} },
		"getApiClient":    func() matrixRequest { return matrixRequest{params: p("client", m.boundClient)} },
		"updateApiClient": func() matrixRequest {
			return matrixRequest{params: p("client", m.client(t)), body: `{"name":"Renamed"}`}
		},
		"revokeApiClient": func() matrixRequest { return matrixRequest{params: p("client", m.client(t))} },
		"rotateApiClientSecret": func() matrixRequest {
			return matrixRequest{params: p("client", m.boundClient), body: map[string]any{"overlapSeconds": 3600}}
		},

		// webhooks
		"listWebhookSubscriptions":  func() matrixRequest { return matrixRequest{} },
		"createWebhookSubscription": func() matrixRequest { return matrixRequest{body: map[string]any{"url": hookURL}} },
		"getWebhookSubscription":    func() matrixRequest { return matrixRequest{params: p("subscription", m.webhookSubscription(t))} },
		"updateWebhookSubscription": func() matrixRequest {
			return matrixRequest{params: p("subscription", m.webhookSubscription(t)), body: `{"description":"Patched"}`}
		},
		"deleteWebhookSubscription": func() matrixRequest { return matrixRequest{params: p("subscription", m.webhookSubscription(t))} },
		"rotateWebhookSecret": func() matrixRequest {
			return matrixRequest{params: p("subscription", m.webhookSubscription(t)), body: map[string]any{"overlapSeconds": 60}}
		},
		"listWebhookDeliveries": func() matrixRequest { return matrixRequest{params: p("subscription", m.webhookSubscription(t))} },
		"redeliverWebhookDelivery": func() matrixRequest {
			sub := m.webhookSubscription(t)
			return matrixRequest{params: p("subscription", sub, "delivery", webhookDelivery(t, m.Env, sub))}
		},
		"createToken": func() matrixRequest {
			return matrixRequest{body: map[string]string{"email": "analyst@example.org", "password": apptest.Password}}
		},
		"revokeRefreshToken": func() matrixRequest { return matrixRequest{body: map[string]string{"refreshToken": "not-a-token"}} },
		"setPasswordWithLink": func() matrixRequest {
			return matrixRequest{body: map[string]string{"token": m.passwordLink(t), "password": apptest.Password}}
		},
		"listUsers":  func() matrixRequest { return matrixRequest{} },
		"createUser": func() matrixRequest { return matrixRequest{body: m.userBody()} },
		"getUser":    func() matrixRequest { return matrixRequest{params: p("user", m.user(t))} },
		"updateUser": func() matrixRequest {
			return matrixRequest{params: p("user", m.user(t)), body: `{"role":"analyst"}`}
		},
		"deleteUser":         func() matrixRequest { return matrixRequest{params: p("user", m.user(t))} },
		"createPasswordLink": func() matrixRequest { return matrixRequest{params: p("user", m.user(t))} },
		"getMe":              func() matrixRequest { return matrixRequest{} },
		"changeMyPassword": func() matrixRequest {
			return matrixRequest{body: map[string]string{"currentPassword": apptest.Password, "newPassword": apptest.Password}}
		},
	}
}

func (m *matrixFixture) userBody() map[string]any {
	return map[string]any{"email": fmt.Sprintf("u%d@example.org", m.next()), "role": "editor", "password": apptest.Password}
}

// user creates an editor's account and returns its id.
func (m *matrixFixture) user(t *testing.T) string {
	t.Helper()
	return m.Post(t, m.Admin, "/v1/users", m.userBody()).ID
}

// passwordLink creates an account without a password and returns the token of its set-password link.
func (m *matrixFixture) passwordLink(t *testing.T) string {
	t.Helper()
	_, link, err := m.App.Accounts.AddUser(apptest.As(domain.System), account.NewUser{Email: fmt.Sprintf("l%d@example.org", m.next()), Role: domain.RoleEditor})
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	return link.Token
}

// send sends req for op as caller and returns the status.
func (m *matrixFixture) send(t *testing.T, op matrixOperation, req matrixRequest, token string) apptest.Response {
	t.Helper()
	path := req.url(t, op)
	headers := apptest.Headers(token)
	if op.method == "PUT" || op.method == "PATCH" || op.method == "DELETE" {
		headers["If-Match"] = "*"
	}
	if s, ok := req.body.(string); ok {
		ct := "application/json"
		if op.method == "PATCH" {
			ct = "application/merge-patch+json"
		}
		headers["Content-Type"] = ct
		req.body = s
	}
	return m.Do(t, op.method, path, req.body, headers)
}

// url is op's path with req's parameters and query, below /v1.
func (req matrixRequest) url(t *testing.T, op matrixOperation) string {
	t.Helper()
	path := op.path
	for k, v := range req.params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	if strings.Contains(path, "{") {
		t.Fatalf("%s: path %s has parameters left", op.id, path)
	}
	if req.query != "" {
		path += "?" + req.query
	}
	return "/v1" + path
}

// matrixRow is a line of the table.
type matrixRow struct {
	status  int
	comment string
}

func readMatrix(t *testing.T) map[[2]string]matrixRow {
	t.Helper()
	out := map[[2]string]matrixRow{}
	f, err := os.Open(matrixPath)
	if err != nil {
		if *update {
			return out
		}
		t.Fatalf("%v (run go test -run TestAuthorisationMatrix -update to write it)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 3 {
			t.Fatalf("%s:%d: got %d fields; want operationId, caller, status[, comment]", matrixPath, line, len(fields))
		}
		status, err := strconv.Atoi(fields[2])
		if err != nil {
			t.Fatalf("%s:%d: status %q: %v", matrixPath, line, fields[2], err)
		}
		row := matrixRow{status: status}
		if len(fields) > 3 {
			row.comment = fields[3]
		}
		out[[2]string{fields[0], fields[1]}] = row
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every operation of the contract, tried by every kind of caller with a
// valid request, answers the status the table says: a change in who may do
// what shows up as a failure here, and as a diff of the table with -update.
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	m := startMatrix(t)
	want := readMatrix(t)
	requests := m.matrixRequests(t)
	ops := contractOperations(t)
	var lines []string
	cells := 0
	for _, op := range ops {
		build, ok := requests[op.id]
		if !ok {
			t.Errorf("no request for operation %s: add one to matrixRequests", op.id)
			continue
		}
		for _, caller := range matrixCallers {
			res := m.send(t, op, build(), m.tokens[caller])
			cells++
			apptest.CheckNever5xx(t, op.id+" as "+caller, res)
			key := [2]string{op.id, caller}
			row, ok := want[key]
			if *update {
				comment := row.comment
				// Sign-in reads no token, so it says nothing about a removed one.
				if caller == "removed" && res.StatusCode != 401 && op.id != "createToken" && comment == "" {
					comment = "issue 15: a removed account's token is still accepted; want 401"
				}
				line := fmt.Sprintf("%s\t%s\t%d", op.id, caller, res.StatusCode)
				if comment != "" {
					line += "\t" + comment
				}
				lines = append(lines, line)
				continue
			}
			if !ok {
				t.Errorf("add rows for operationId %s (caller %s answers %d)", op.id, caller, res.StatusCode)
				continue
			}
			if res.StatusCode != row.status {
				t.Errorf("%s %s as %s: got %d; want %d (%s)", op.method, op.path, caller, res.StatusCode, row.status, apptest.Short(res.Body))
			}
			delete(want, key)
		}
	}
	if *update {
		header := "# operationId\tcaller\tstatus\tcomment — written by go test -run TestAuthorisationMatrix -update; review the diff\n"
		if err := os.MkdirAll(filepath.Dir(matrixPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(matrixPath, []byte(header+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for key := range want {
		t.Errorf("%s: row for %s names no operation of the contract; remove it", matrixPath, key)
	}
	t.Logf("matrix: %d operations × %d callers = %d cells", len(ops), len(matrixCallers), cells)
}
