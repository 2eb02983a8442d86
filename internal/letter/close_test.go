package letter_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A letter campaign closes with its campaign (Action Network's closed
// letter campaign): its page stays with its counts and answers and says it
// closed, without its form; a letter by the page is refused, and so is an
// outreach by the API (a 409 problem naming why, in the reader's language),
// and the campaign page lists it closed; an organizer still records a
// letter sent elsewhere while it was open (an import, mailed to nobody),
// as a closed petition takes imported signatures. A letter written before the closing
// and confirmed after it is still sent: it was written while it was open.
func TestALetterCampaignClosesWithItsCampaign(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		l := f.letter(t, nil, ftc)
		confirm(t, app, f.write(t, l, "ann@example.org", "Ann", nil))
		app.Mail.Wait(t, "chairman@ftc.example", "The like button tracks us")
		late := f.write(t, l, "bob@example.org", "Bob", nil) // confirmed after the closing

		var doc map[string]any
		if app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, "", nil, &doc); doc["status"] != "open" || doc["closed_date"] != nil {
			t.Errorf("the open letter campaign's document: status %v, closed_date %v", doc["status"], doc["closed_date"])
		}
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+f.campaign, f.org, map[string]any{"status": "closed"}, nil); st != http.StatusOK {
			t.Fatalf("close the campaign: %d", st)
		}
		doc = nil
		app.API(t, "GET", "/api/v1/advocacy_campaigns/"+l.ID, "", nil, &doc)
		if closed, _ := doc["closed_date"].(string); doc["status"] != "closed" || closed == "" {
			t.Errorf("the closed letter campaign's document: status %v, closed_date %v", doc["status"], doc["closed_date"])
		}
		// A client sending back what it read (status and closed_date are read only) is answered as before.
		if st := app.API(t, "PUT", "/api/v1/advocacy_campaigns/"+l.ID, f.org, map[string]any{"title": doc["title"], "status": "open",
			"closed_date": doc["closed_date"]}, nil); st != http.StatusOK {
			t.Errorf("PUT with the read-only status and closed_date: %d", st)
		}

		for lang, want := range map[string][]string{
			"en": {"1 letter sent", "This letter campaign closed on", "it takes no more letters"},
			"fr": {"1 lettre envoyée", "Cette campagne de lettres est close depuis le", "elle ne prend plus de lettres"},
		} {
			b := app.Browser()
			b.Lang = lang
			st, page := b.Get(t, l.path(app))
			if st != http.StatusOK {
				t.Fatalf("%s page of the closed letter campaign: %d", lang, st)
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s page of the closed letter campaign lacks %q:\n%s", lang, w, page)
				}
			}
			if strings.Contains(page, `action="`+l.path(app)+`/write"`) || strings.Contains(page, `name="message"`) {
				t.Errorf("%s page of the closed letter campaign still has its form", lang)
			}
		}
		st, page := app.Browser().Post(t, l.path(app)+"/write", url.Values{"given_name": {"Cy"}, "email": {"cy@example.org"},
			"subject": {"Too late"}, "message": {"Dear Commissioner"}})
		if st != http.StatusConflict || !strings.Contains(page, "it takes no more letters") {
			t.Errorf("a letter by the page of the closed letter campaign: %d\n%s", st, page)
		}

		helper := "/api/v1/advocacy_campaigns/" + l.ID + "/outreaches"
		person := map[string]any{"given_name": "Dora", "email_addresses": []map[string]any{{"address": "dora@example.org"}}}
		type problem struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		for _, tc := range []struct {
			token, lang, want string
			body              map[string]any
		}{
			{"", "en", "This letter campaign closed with its campaign: it takes no more letters.", map[string]any{"person": person}},
			{"", "fr", "Cette campagne de lettres est close avec sa campagne : elle ne prend plus de lettres.", map[string]any{"person": person}},
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
			var p problem
			if json.Unmarshal(data, &p) != nil || resp.StatusCode != http.StatusConflict || p.Status != http.StatusConflict ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(p.Detail, tc.want) {
				t.Errorf("outreach (%s, token %v) to the closed letter campaign: %d %s", tc.lang, tc.token != "", resp.StatusCode, data)
			}
		}

		if st := app.API(t, "POST", helper, f.org, map[string]any{"person": map[string]any{"given_name": "Eve",
			"email_addresses": []map[string]any{{"address": "eve@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Errorf("an organizer's import of a letter sent on paper: %d, want 201", st)
		}
		confirm(t, app, late)
		app.Mail.WaitN(t, "chairman@ftc.example", "The like button tracks us", 2)
		settle()
		if got := f.get(t, l.ID); got.TotalOutreaches != 3 {
			t.Errorf("letters counted: %d, want Ann's and Bob's (written before the closing) and Eve's import", got.TotalOutreaches)
		}
		if n := len(mailsTo(app, "chairman@ftc.example")); n != 2 {
			t.Errorf("the target got %d mails, want Ann's and Bob's letters only", n)
		}
		if n := len(mailsTo(app, "dora@example.org")) + len(mailsTo(app, "cy@example.org")); n != 0 {
			t.Errorf("%d confirmation mails for refused letters", n)
		}
		if _, page := app.Browser().Get(t, "/c/fb-users/like"); !strings.Contains(page, "Write to the FTC") || !strings.Contains(page, "status-closed") {
			t.Errorf("the campaign page does not list the letter campaign closed:\n%s", page)
		}
	})
}
