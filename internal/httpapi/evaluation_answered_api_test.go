package httpapi_test

import (
	"testing"

	"github.com/pioniersnetwerk/pioniers/api"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// A member portal lists the open evaluations its organisation still has to
// answer, and those it answered.
func TestEvaluationsAnsweredOverHTTP(t *testing.T) {
	t.Parallel()
	e := evStart(t)
	answered, _ := e.create(t, evBody("Answered", true))
	open, _ := e.create(t, evBody("Still open", true))
	if res := e.Do(t, "PUT", "/v1/evaluations/"+answered.ID.String()+"/responses/GM0606", map[string]any{"answers": evAnswers(4, "")},
		apptest.Headers(e.member)); res.StatusCode != 200 {
		t.Fatalf("answer: got %d (%s)", res.StatusCode, apptest.Short(res.Body))
	}
	list := func(query, token string) (api.EvaluationPage, apptest.Response) {
		t.Helper()
		var page api.EvaluationPage
		res := e.Do(t, "GET", "/v1/evaluations?status=open"+query, nil, apptest.Headers(token))
		if res.StatusCode == 200 {
			res.JSON(t, &page)
		}
		return page, res
	}
	page, _ := list("&answered=false", e.member)
	if len(page.Items) != 1 || page.Items[0].ID != open.ID {
		t.Errorf("to answer: got %+v; want only %q", page.Items, "Still open")
	}
	page, _ = list("&answered=true", e.member)
	if len(page.Items) != 1 || page.Items[0].ID != answered.ID {
		t.Errorf("answered: got %+v; want %q", page.Items, "Answered")
	}
	page, _ = list("&answered=false", e.other)
	if len(page.Items) != 2 {
		t.Errorf("another member, to answer: got %d; want both", len(page.Items))
	}
	page, _ = list("", "")
	if len(page.Items) != 2 {
		t.Errorf("anonymous, without the filter: got %d; want both", len(page.Items))
	}
	_, res := list("&answered=true", "")
	apptest.CheckInvalid(t, "anonymous asks answered", res, "answered")
	_, res = list("&answered=maybe", e.member)
	apptest.CheckInvalid(t, "answered not a boolean", res, "answered")
}
