package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/target"
	"repertoire/internal/testkit"
)

// A person searches the targets directory in Chromium: the Irish
// regulators, then Meta by name, opens Meta Platforms Ireland's page and
// reads its postal address, then reads the directory in French.
func TestSearchTheTargetsDirectory(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if _, err := target.LoadEmbedded(context.Background(), app.DB); err != nil {
			t.Fatal(err)
		}
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "search Ireland's regulators",
			chromedp.Navigate(app.URL+"/targets"),
			chromedp.WaitVisible(`#f-q`),
			chromedp.SetValue(`#f-kind`, "regulator"),
			chromedp.SendKeys(`#f-country`, "IE"),
		)
		// The directory lists targets before any search: each submit waits
		// for the results page to load, not for the list still on screen.
		Load(t, ctx, "send the search", chromedp.Submit(`#f-q`))
		Run(t, ctx, "see the results", chromedp.WaitVisible(`.target-results`))
		results := Get(t, ctx, "read the results", chromedp.Text(`.target-results`))
		if !strings.Contains(results, "Irish Data Protection Commission") || strings.Contains(results, "Meta Platforms") {
			t.Fatalf("Irish regulators:\n%s", results)
		}

		Run(t, ctx, "search Meta and open its page",
			chromedp.Navigate(app.URL+"/targets"),
			chromedp.WaitVisible(`#f-q`),
			chromedp.SendKeys(`#f-q`, "Meta Platforms Ireland"),
		)
		Load(t, ctx, "send the search for Meta", chromedp.Submit(`#f-q`))
		Load(t, ctx, "open Meta's page", chromedp.Click(`.target-results h3 a`))
		Run(t, ctx, "see Meta's page", chromedp.WaitVisible(`.target-details`))
		page := Get(t, ctx, "read the target", chromedp.Text(`main`))
		for _, want := range []string{"Meta Platforms Ireland Limited", "4 Grand Canal Square", "Privacy contact", "https://www.facebook.com/help/contact/540977946302970"} {
			if !strings.Contains(page, want) {
				t.Fatalf("target page lacks %q:\n%s", want, page)
			}
		}

		Load(t, ctx, "switch to French", chromedp.Click(`a[hreflang="fr"]`))
		Run(t, ctx, "search in French",
			chromedp.WaitVisible(`html[lang="fr"]`),
			chromedp.Navigate(app.URL+"/targets?q=irish"),
			chromedp.WaitVisible(`.target-results`),
		)
		fr := Get(t, ctx, "read in French", chromedp.Text(`main`))
		if !strings.Contains(fr, "Annuaire des destinataires") || !strings.Contains(fr, "Irish Data Protection Commission") || !strings.Contains(fr, "Autorité de régulation") {
			t.Fatalf("French directory:\n%s", fr)
		}
	})
}
