package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer closes a campaign in Chromium from its edit page: the
// danger button asks first on a page of its own; once confirmed, the
// public page says when the campaign ended, and its petition, closed with
// it, takes no more signatures.
func TestCloseCampaignClosesItsPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking us", "campaign": campaignID}, &p); st != 201 {
			t.Fatalf("create petition: %d", st)
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
	})
}
