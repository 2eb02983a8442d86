package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer closes a campaign in Chromium from its edit page: the
// danger button asks first on a page of its own; once confirmed, the
// public page says when the campaign ended, and its petition, closed with
// it, takes no more signatures. Its letter campaign closed with it too:
// its page says so, with its count and without its form, and the API
// refuses a new outreach with a problem saying why, in English and French.
func TestCloseCampaignClosesItsPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking us", "campaign": campaignID}, &p); st != 201 {
			t.Fatalf("create petition: %d", st)
		}
		var l struct {
			ID         string `json:"id"`
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", token, map[string]any{"title": "Write to the FTC", "campaign": campaignID,
			"templates": []map[string]any{{"subject": "Stop tracking us", "message": "Dear Commissioner, please stop it."}},
			"targets":   []map[string]any{{"name": "FTC", "email": "chairman@ftc.example", "country": "US"}}}, &l); st != 201 {
			t.Fatalf("create letter campaign: %d", st)
		}
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.WaitVisible(`#f-email`),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, ctx, "ask to close the campaign",
			chromedp.Navigate(app.URL+"/c/fb-users/terms/edit"),
			chromedp.WaitVisible(`form[action="/c/fb-users/terms/close"] button.danger`),
			chromedp.Click(`form[action="/c/fb-users/terms/close"] button.danger`),
			chromedp.WaitReady(`main input[name="confirm"]`), // the confirmation page
		)
		if q := Get(t, ctx, "read the question", chromedp.Text(`main h1`)); q != "Close the campaign “Users’ terms”?" {
			t.Fatalf("confirmation page: %q", q)
		}
		Run(t, ctx, "confirm",
			chromedp.Click(`main button.danger`),
			chromedp.WaitVisible(`.closed-banner`),
		)
		if s := Get(t, ctx, "read the banner", chromedp.Text(`.closed-banner`)); !strings.HasPrefix(s, "This campaign ended on ") {
			t.Errorf("closed campaign's page: %q", s)
		}
		// A visitor sees it too, once the page's second-long cache expires.
		visitor := Browser(t, 390, 900)
		waitText(t, visitor, "the public page", app.URL+"/c/fb-users/terms", `main`, func(s string) bool { return strings.Contains(s, "This campaign ended on ") })
		Run(t, visitor, "open the petition page", chromedp.Navigate(p.BrowserURL), chromedp.WaitVisible(`#sign`))
		if s := Get(t, visitor, "read the sign section", chromedp.Text(`#sign`)); !strings.Contains(s, "This petition is closed and takes no more signatures.") {
			t.Errorf("closed petition's page: %q", s)
		}
		if n := Get(t, visitor, "count the sign forms", chromedp.Evaluate[int](`document.querySelectorAll('#f-email').length`)); n != 0 {
			t.Errorf("the closed petition still offers its sign form (%d)", n)
		}

		s := waitText(t, visitor, "the letter's page", l.BrowserURL, `main`, func(s string) bool { return strings.Contains(s, "This letter campaign closed on ") })
		if !strings.Contains(s, "0 letters sent") || !strings.Contains(s, "it takes no more letters") {
			t.Errorf("closed letter campaign's page: %q", s)
		}
		if n := Get(t, visitor, "count the letter forms", chromedp.Evaluate[int](`document.querySelectorAll('#f-message, form[action$="/write"]').length`)); n != 0 {
			t.Errorf("the closed letter campaign still offers its form (%d)", n)
		}
		for lang, want := range map[string]string{
			"en": "This letter campaign closed with its campaign: it takes no more letters.",
			"fr": "Cette campagne de lettres est close avec sa campagne : elle ne prend plus de lettres.",
		} {
			req, _ := http.NewRequest("POST", app.URL+"/api/v1/advocacy_campaigns/"+l.ID+"/outreaches", strings.NewReader(
				`{"person": {"given_name": "Dora", "email_addresses": [{"address": "dora@example.org"}]}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", lang)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var problem struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if json.Unmarshal(body, &problem) != nil || resp.StatusCode != http.StatusConflict || problem.Status != http.StatusConflict ||
				problem.Detail != want || resp.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
				t.Errorf("%s outreach to the closed letter campaign: %d %s", lang, resp.StatusCode, body)
			}
		}
	})
}
