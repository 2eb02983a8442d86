package legal_test

import (
	"net/http"
	"testing"

	"repertoire/internal/testkit"
)

// The legal actions API: organizers create and change actions (unknown
// members and bad values are 422 naming the field), anyone reads public
// ones with the shared filters, and the record helper enrols pending a
// mailed confirmation.
func TestLegalActionsAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "access_requests")
		var problem struct {
			Status int `json:"status"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		st := app.API(t, "POST", "/api/v1/legal_actions", f.org, map[string]any{"campaign": f.campaign, "kind": "access_requests",
			"title": "Again", "colour": "red"}, &problem)
		if st != 422 {
			t.Errorf("an unknown member: %d, want 422", st)
		}
		st = app.API(t, "POST", "/api/v1/legal_actions", f.org, map[string]any{"campaign": f.campaign, "kind": "lawsuit", "title": "Again"}, &problem)
		if st != 422 || len(problem.Errors) == 0 || problem.Errors[0].Field != "kind" {
			t.Errorf("a bad kind: %d %+v", st, problem)
		}
		st = app.API(t, "POST", "/api/v1/legal_actions", f.org, map[string]any{"campaign": f.campaign, "kind": "access_requests", "title": "No company"}, &problem)
		if st != 422 || len(problem.Errors) == 0 || problem.Errors[0].Field != "company" {
			t.Errorf("a drive without a company: %d %+v", st, problem)
		}
		other := app.Token(t, "eve@example.org", "Eve", false)
		if st := app.API(t, "PUT", "/api/v1/legal_actions/"+f.action.ID, other, map[string]any{"title": "Mine"}, nil); st != 403 {
			t.Errorf("PUT by a non-organizer: %d", st)
		}
		var doc struct {
			Title          string `json:"title"`
			MandateVersion int    `json:"mandate_version"`
			Company        struct {
				Target string `json:"target"`
			} `json:"company"`
		}
		if st := app.API(t, "PUT", "/api/v1/legal_actions/"+f.action.ID, f.org, map[string]any{"title": "Ask Meta, again", "mandate": "A new mandate."}, &doc); st != 200 ||
			doc.Title != "Ask Meta, again" || doc.MandateVersion != 2 || doc.Company.Target != f.facebook.ID {
			t.Errorf("PUT: %d %+v", st, doc)
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions?filter=created_date%20gt%20'2020-01-01'", "", nil, &list); st != 200 || list.Total != 1 {
			t.Errorf("filtered list: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions?filter=created_date%20gt%20'2999-01-01'", "", nil, &list); st != 200 || list.Total != 0 {
			t.Errorf("filtered list in the future: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/legal_actions?filter=colour%20eq%20'red'", "", nil, nil); st != http.StatusBadRequest && st != 422 {
			t.Errorf("an unknown filter: %d", st)
		}
		st = app.API(t, "POST", "/api/v1/legal_actions/"+f.action.ID+"/enrolments", "", map[string]any{
			"person": map[string]any{"given_name": "Zoé", "email_addresses": []map[string]any{{"address": "zoe@example.org"}}}}, nil)
		if st != 202 {
			t.Fatalf("record helper: %d", st)
		}
		app.Mail.Wait(t, "zoe@example.org", "Confirm your enrolment")
	})
}
