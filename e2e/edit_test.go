package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer raises a published petition's goal and rewrites its text
// from the petition's management page; the petition shows the new text and
// the campaign's timeline tells its signers what changed.
func TestEditAPublishedPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		page := petitionWithDemands(t, app)
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, ctx, "open the edit page from the management page",
			chromedp.Navigate(page+"/manage"),
			chromedp.Click(`a[href$="/edit"]`),
			chromedp.WaitVisible(`#f-goal`),
			chromedp.SetValue(`#f-goal`, "5000"),
			chromedp.SetValue(`#f-petition_text`, "To Facebook, Inc.\n\nWe now ask for all seventeen terms by the end of the year."),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)
		text := Get(t, ctx, "read the petition", chromedp.Text(`main`))
		if !strings.Contains(text, "The petition is saved.") || !strings.Contains(text, "by the end of the year") {
			t.Fatalf("the petition does not show its new text:\n%s", text)
		}
		Run(t, ctx, "open the campaign", chromedp.Navigate(app.URL+"/c/fb-users/terms"), chromedp.WaitVisible(`main h1`))
		camp := Get(t, ctx, "read the timeline", chromedp.Text(`main`))
		for _, want := range []string{"Petition “Accept the users’ terms” changed", "Its goal is now 5,000 signatures (it was 1,000).", "Its text was changed"} {
			if !strings.Contains(camp, want) {
				t.Fatalf("the timeline lacks %q:\n%s", want, camp)
			}
		}
	})
}
