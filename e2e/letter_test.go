package e2e

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// A supporter writes a letter from its page in Chromium: reviews the
// text, adds a paragraph of their own, sends it; confirms from the mailed
// link; only then the target's mail arrives, under the writer's name.
func TestWriteALetter(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var l struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", token, map[string]any{"title": "Write to the FTC", "campaign": campaignID,
			"templates": []map[string]any{{"subject": "The like button tracks us", "message": "Dear Commissioner,\n\nPlease look at the like button."}},
			"targets":   []map[string]any{{"name": "Jon Leibowitz", "title": "Chairman", "email": "chairman@ftc.example"}}}, &l); st != 201 {
			t.Fatalf("create letter campaign: %d", st)
		}
		ctx := Browser(t, 390, 900)
		Run(t, ctx, "write the letter",
			chromedp.Navigate(l.BrowserURL),
			chromedp.WaitVisible(`#f-personal`),
			chromedp.SendKeys(`#f-personal`, "I read the news; Facebook should not read me."),
			chromedp.SendKeys(`#f-given_name`, "Ana"),
			chromedp.SendKeys(`#f-family_name`, "Martin"),
			chromedp.SendKeys(`#f-email`, "ana@example.org"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`article.done h1`),
		)
		for _, m := range app.Mail.All() {
			if len(m.To) > 0 && m.To[0] == "chairman@ftc.example" {
				t.Fatal("the target got the letter before its writer confirmed it")
			}
		}
		link := app.Mail.Wait(t, "ana@example.org", "Confirm your letter").Link(t, "/p/confirm/")
		Run(t, ctx, "confirm from the mailed link",
			chromedp.Navigate(link),
			chromedp.WaitVisible(`main form button[type="submit"]`),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`main p[role="status"]`),
		)
		got := app.Mail.Wait(t, "chairman@ftc.example", "The like button tracks us")
		from, err := mail.ParseAddress(got.Header.Get("From"))
		if err != nil || from.Name != "Ana Martin" || !strings.Contains(got.Body, "Facebook should not read me.") || got.Header.Get("Reply-To") != "" {
			t.Errorf("the target's mail: From %q, Reply-To %q\n%s", got.Header.Get("From"), got.Header.Get("Reply-To"), got.Body)
		}
		waitText(t, ctx, "the count", l.BrowserURL, `#letter-count`, func(s string) bool { return strings.Contains(s, "1 letter sent") })
	})
}

// An organizer edits a letter campaign in Chromium, then deletes it:
// the deletion asks for confirmation on a page of its own, whose button
// is drawn as destructive (not the accent colour of ordinary buttons).
func TestOrganizerEditsThenDeletesALetter(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var l struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns", token, map[string]any{"title": "Write to the FTC", "campaign": campaignID,
			"templates": []map[string]any{{"subject": "The like button tracks us", "message": "Dear Commissioner,\n\nPlease look at the like button."}},
			"targets":   []map[string]any{{"name": "Jon Leibowitz", "title": "Chairman", "email": "chairman@ftc.example"}}}, &l); st != 201 {
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
		Run(t, ctx, "edit the letter",
			chromedp.Navigate(l.BrowserURL),
			chromedp.Click(`.organizer-links a`),
			chromedp.WaitVisible(`#f-title`),
			chromedp.Clear(`#f-title`),
			chromedp.SendKeys(`#f-title`, "Write to the Commission"),
			chromedp.Submit(`#f-title`),
			chromedp.WaitVisible(`.organizer-links a`),
		)
		if h1 := Get(t, ctx, "read the title", chromedp.Text(`main h1`)); h1 != "Write to the Commission" {
			t.Fatalf("title after the edit: %q", h1)
		}
		Run(t, ctx, "ask to delete it",
			chromedp.Click(`.organizer-links a`),
			chromedp.WaitVisible(`a.button.danger`),
			chromedp.Click(`a.button.danger`),
			chromedp.WaitVisible(`main button.danger`),
		)
		danger := Get(t, ctx, "read the destructive button's colour", chromedp.Evaluate[string](
			`getComputedStyle(document.querySelector('main button.danger')).backgroundColor`))
		accent := Get(t, ctx, "read an ordinary button's colour", chromedp.Evaluate[string](`(() => {
			const b = document.createElement('button'); document.querySelector('main').appendChild(b);
			const c = getComputedStyle(b).backgroundColor; b.remove(); return c; })()`))
		if danger == accent || danger == "" {
			t.Errorf("the destructive button is drawn like any other: %q vs %q", danger, accent)
		}
		Run(t, ctx, "confirm the deletion",
			chromedp.Click(`main button.danger`),
			chromedp.WaitVisible(`p.flash`),
		)
		if flash := Get(t, ctx, "read the flash", chromedp.Text(`p.flash`)); flash != "The letter is deleted." {
			t.Errorf("after the deletion: %q", flash)
		}
		if page := Get(t, ctx, "read the campaign page", chromedp.Text(`main`)); strings.Contains(page, "Write to the Commission") {
			t.Errorf("the campaign page still lists the deleted letter:\n%s", page)
		}
	})
}
