package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer saves a pledge as a draft, which a visitor cannot find
// (404) while its organizer previews it; published, someone commits to
// it; the organizer then raises its threshold from its management page,
// and the committed person reads the change in the pledge's history.
func TestDraftThenEditAPublishedPledge(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		campaignByAPI(t, app)
		now := time.Now().UTC()
		org := Browser(t, 1024, 900)
		Run(t, org, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, org, "save a pledge as a draft",
			chromedp.Navigate(app.URL+"/c/fb-users/terms/pledges/new"),
			chromedp.WaitVisible(`#f-title`),
			chromedp.SendKeys(`#f-title`, "Log out for a week"),
			chromedp.SendKeys(`#f-action`, "log out of Facebook"),
			chromedp.SetValue(`#f-threshold`, "100"),
			chromedp.SetValue(`#f-deadline`, now.Add(48*time.Hour).Format(time.DateOnly)),
			chromedp.SetValue(`#f-window_start`, now.Add(72*time.Hour).Format(time.DateOnly)),
			chromedp.SetValue(`#f-window_end`, now.Add(240*time.Hour).Format(time.DateOnly)),
			chromedp.Click(`button[name="draft"]`),
			chromedp.WaitVisible(`.draft-banner`),
		)
		page := app.URL + "/c/fb-users/terms/pledges/log-out-for-a-week"

		ana := Browser(t, 390, 844)
		Run(t, ana, "a visitor opens the draft", chromedp.Navigate(page), chromedp.WaitVisible(`main h1`))
		if h := Get(t, ana, "read the visitor's page", chromedp.Text(`main`)); !strings.Contains(h, "404") || strings.Contains(h, "Log out for a week") {
			t.Fatalf("a visitor finds the draft:\n%s", h)
		}

		// The draft's page already shows a flash (saved as a draft): wait for
		// the page the publishing answers with, not the flash still on screen.
		Load(t, org, "publish it from its banner", chromedp.Click(`.draft-banner button`))
		Run(t, org, "see it published", chromedp.WaitVisible(`.flash`))
		Run(t, ana, "commit",
			chromedp.Navigate(page),
			chromedp.WaitVisible(`#f-email`),
			chromedp.SendKeys(`#f-given_name`, "Ana"),
			chromedp.SendKeys(`#f-email`, "ana@example.org"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`article.done h1`),
		)
		m := app.Mail.Wait(t, "ana@example.org", "Confirm your commitment")
		Run(t, ana, "confirm",
			chromedp.Navigate(m.Link(t, "/p/confirm/")),
			chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
			chromedp.Click(`form[action^="/p/confirm/"] button`),
			chromedp.WaitVisible(`p[role="status"]`),
		)

		Run(t, org, "raise the threshold from the management page",
			chromedp.Navigate(page+"/manage"),
			chromedp.WaitVisible(`#committed`),
			chromedp.Click(`main a[href$="/edit"]`),
			chromedp.WaitVisible(`#f-threshold`),
			chromedp.SetValue(`#f-threshold`, "250"),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)
		waitText(t, ana, "the committed person reads the pledge's history", page, `.pledge-history`, func(s string) bool {
			return strings.Contains(s, "The threshold changed from 100 to 250 commitments.")
		})
	})
}
