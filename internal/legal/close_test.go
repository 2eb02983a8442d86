package legal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// A legal action's enrolment closes with its campaign: its page says so,
// with its count and without its form; an enrolment by the page is
// refused, and so is one by the API (a 409 problem naming why, in the
// reader's language), and the campaign page lists it closed; an organizer
// still imports a mandate gathered elsewhere, as a closed petition takes
// imported signatures. An enrolee already in keeps their own page, and
// their legal clock runs on: the sending they record after the closing
// starts it, and its reminder is mailed.
func TestALegalActionsEnrolmentClosesWithItsCampaign(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "access_requests")
		ada, adaB := f.enrol(t, "ada@example.org", "Ada", "FR", "en")

		var read map[string]any
		if app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID, "", nil, &read); read["enrolment_status"] != "open" || read["closed_date"] != nil {
			t.Errorf("the open legal action's document: enrolment_status %v, closed_date %v", read["enrolment_status"], read["closed_date"])
		}
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+f.campaign, f.org, map[string]any{"status": "closed"}, nil); st != http.StatusOK {
			t.Fatalf("close the campaign: %d", st)
		}
		read = nil
		app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID, "", nil, &read)
		if closed, _ := read["closed_date"].(string); read["enrolment_status"] != "closed" || closed == "" {
			t.Errorf("the closed legal action's document: enrolment_status %v, closed_date %v", read["enrolment_status"], read["closed_date"])
		}

		for lang, want := range map[string][]string{
			"en": {"1 person", "Enrolment closed on", "Those already enrolled keep their own page"},
			"fr": {"1 personne", "Inscriptions closes le", "Les personnes déjà inscrites gardent leur propre page"},
		} {
			b := app.Browser()
			b.Lang = lang
			st, page := b.Get(t, f.path)
			if st != http.StatusOK {
				t.Fatalf("%s page of the closed legal action: %d", lang, st)
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s page of the closed legal action lacks %q:\n%s", lang, w, page)
				}
			}
			if strings.Contains(page, `action="`+f.path+`/enrol"`) || strings.Contains(page, `name="mandate"`) {
				t.Errorf("%s page of the closed legal action still has its form", lang)
			}
		}
		st, page := app.Browser().Post(t, f.path+"/enrol", url.Values{"given_name": {"Cy"}, "email": {"cy@example.org"}, "q0": {"yes"}, "mandate": {"1"}})
		if st != http.StatusConflict || !strings.Contains(page, "it takes no new enrolees") {
			t.Errorf("an enrolment by the page of the closed legal action: %d\n%s", st, page)
		}

		helper := "/api/v1/legal_actions/" + f.action.ID + "/enrolments"
		person := map[string]any{"given_name": "Dora", "email_addresses": []map[string]any{{"address": "dora@example.org"}}}
		for _, tc := range []struct {
			token, lang, want string
			body              map[string]any
		}{
			{"", "en", "This legal action's enrolment closed with its campaign: it takes no new enrolees.", map[string]any{"person": person}},
			{"", "fr", "Les inscriptions à cette action juridique sont closes avec sa campagne", map[string]any{"person": person}},
		} {
			raw, _ := json.Marshal(tc.body)
			req, _ := http.NewRequest("POST", app.URL+helper, strings.NewReader(string(raw)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", tc.lang)
			if tc.token != "" {
				req.Header.Set("OSDI-API-Token", tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if json.Unmarshal(data, &p) != nil || resp.StatusCode != http.StatusConflict || p.Status != http.StatusConflict ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(p.Detail, tc.want) {
				t.Errorf("enrolment (%s, token %v) in the closed legal action: %d %s", tc.lang, tc.token != "", resp.StatusCode, data)
			}
		}
		if st := app.API(t, "POST", helper, f.org, map[string]any{"person": map[string]any{"given_name": "Eve",
			"email_addresses": []map[string]any{{"address": "eve@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Errorf("an organizer's import of a mandate signed on paper: %d, want 201", st)
		}
		var doc actionDoc
		if st := app.API(t, "GET", "/api/v1/legal_actions/"+f.action.ID, f.org, nil, &doc); st != http.StatusOK || doc.TotalEnrolments != 2 {
			t.Errorf("the closed legal action's document: %d, %d enrolments, want Ada's and Eve's", st, doc.TotalEnrolments)
		}

		// Ada's own page, and her clock: sent 25 days ago, reminded now.
		sent := store.Now().AddDate(0, 0, -25).Truncate(24 * time.Hour)
		if st, page := adaB.Post(t, ada+"/sent", url.Values{"sent_on": {sent.Format(time.DateOnly)}}); st != http.StatusOK ||
			!strings.Contains(page, "Answer due by "+sent.AddDate(0, 1, 0).Format("2 January 2006")) {
			t.Fatalf("the enrolee records sending after the closing: %d\n%s", st, page)
		}
		app.Mail.Wait(t, "ada@example.org", "Meta Platforms Ireland Limited must answer your request by")
		if n := len(app.Mail.All()); n == 0 {
			t.Fatal("no mail")
		}
		for _, m := range app.Mail.All() {
			if strings.EqualFold(m.To[0], "cy@example.org") || strings.EqualFold(m.To[0], "dora@example.org") {
				t.Errorf("a refused enrolment was mailed: %q to %v", m.Subject, m.To)
			}
		}
		if _, page := app.Browser().Get(t, "/c/fb-users/data"); !strings.Contains(page, "Ask Meta for our data") || !strings.Contains(page, "status-closed") {
			t.Errorf("the campaign page does not list the legal action closed:\n%s", page)
		}
	})
}
