package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer writes a campaign's title in English and in French on its
// edit page; a French reader sees the French title, an English reader the
// English one.
func TestCampaignTitleInEachReadersLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		petitionWithDemands(t, app) // the campaign fb-users/terms, in English
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, ctx, "write the title in both languages",
			chromedp.Navigate(app.URL+"/c/fb-users/terms/edit"),
			chromedp.WaitVisible(`#f-title`),
			chromedp.SetValue(`#f-title`, "Our terms for Facebook"),
			chromedp.SendKeys(`input[name="translations.fr.title"]`, "Acceptez les conditions des usagers"),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)

		reader := Browser(t, 390, 844)
		for _, c := range []struct{ lang, want, not string }{
			{"fr", "Acceptez les conditions des usagers", "Our terms for Facebook"},
			{"en", "Our terms for Facebook", "Acceptez les conditions des usagers"},
		} {
			Run(t, reader, "read the campaign in "+c.lang,
				chromedp.Navigate(app.URL+"/lang/"+c.lang+"?next=/c/fb-users/terms"),
				chromedp.WaitVisible(`main h1`),
			)
			h1 := Get(t, reader, "read the title", chromedp.Text(`main h1`))
			title := Get(t, reader, "read the page title", chromedp.Title())
			if strings.TrimSpace(h1) != c.want || !strings.HasPrefix(title, c.want) {
				t.Fatalf("%s reader: heading %q, title %q, want %q", c.lang, h1, title, c.want)
			}
			if main := Get(t, reader, "read the page", chromedp.Text(`main`)); strings.Contains(main, c.not) {
				t.Fatalf("%s reader sees the other language's title %q", c.lang, c.not)
			}
		}
	})
}
