package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// The foundation's journey, as a person does it in Chromium: sign up,
// confirm from the mailed link, create a community and a campaign with two
// demand sections, record a status change, switch to French, and read the
// demands and the change in the history.
func TestOrganizerJourney(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "sign up",
			chromedp.Navigate(app.URL+"/"),
			chromedp.Click(`header a[href="/signup"]`),
			chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys(`#f-name`, "Ana Organizer"),
			chromedp.SendKeys(`#f-email`, "ana@example.org"),
			chromedp.SendKeys(`#f-password`, "a long enough password"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`main h1`),
		)

		link := app.Mail.Wait(t, "ana@example.org", "onfirm").Link(t, "/confirm/")
		Run(t, ctx, "confirm from the mailed link",
			chromedp.Navigate(link),
			chromedp.WaitVisible(`main form button[type="submit"]`),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)

		Run(t, ctx, "create a community",
			chromedp.Navigate(app.URL+"/communities/new"),
			chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys(`#f-name`, "Couriers United"),
			chromedp.SendKeys(`#f-slug`, "couriers"),
			chromedp.SendKeys(`#f-description`, "Delivery workers of the platforms."),
			chromedp.Submit(`#f-name`),
			chromedp.WaitVisible(`a[href="/c/couriers/campaigns/new"]`),
		)

		Run(t, ctx, "create a campaign with two sections",
			chromedp.Click(`a[href="/c/couriers/campaigns/new"]`),
			chromedp.WaitVisible(`[name="title"]`),
			chromedp.SendKeys(`[name="title"]`, "Fair algorithms"),
			chromedp.SendKeys(`[name="targets"]`, "DeliverCo"),
			chromedp.SendKeys(`[name="demand_sections[0].title"]`, "Transparency"),
			chromedp.SendKeys(`[name="demand_sections[0].demands"]`, "Publish how orders are assigned.\nShow each courier their own data."),
			chromedp.SendKeys(`[name="demand_sections[1].title"]`, "Pay"),
			chromedp.SendKeys(`[name="demand_sections[1].demands"]`, "A minimum rate per hour logged in."),
			chromedp.Click(`button[name="action"][value="create"]:not(.default-submit)`),
			chromedp.WaitVisible(`.demand-manage`),
		)
		page := Get(t, ctx, "read the campaign page", chromedp.Text(`main`))
		for _, want := range []string{"Fair algorithms", "DeliverCo", "Transparency", "Publish how orders are assigned.", "Show each courier their own data.", "A minimum rate per hour logged in."} {
			if !strings.Contains(page, want) {
				t.Fatalf("campaign page lacks %q:\n%s", want, page)
			}
		}
		campaignURL := Get(t, ctx, "where am I", chromedp.Location())

		Run(t, ctx, "record a status change on the first demand",
			chromedp.Click(`.demand-manage a[href*="/demands/"]`),
			chromedp.WaitVisible(`#f-status`),
			chromedp.SetValue(`#f-status`, "partially_met"),
			chromedp.SendKeys(`[name="status_note"]`, "Announced for next month."),
			chromedp.Click(`form[action$="/status"] button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)

		Run(t, ctx, "switch to French",
			chromedp.Navigate(campaignURL),
			chromedp.Click(`a[hreflang="fr"]`),
			chromedp.WaitVisible(`html[lang="fr"]`),
		)
		fr := Get(t, ctx, "read the French page", chromedp.Text(`main`))
		for _, want := range []string{"Revendications", "Publish how orders are assigned.", "Partiellement satisfaite", "Announced for next month."} {
			if !strings.Contains(fr, want) {
				t.Fatalf("French campaign page lacks %q:\n%s", want, fr)
			}
		}
	})
}
