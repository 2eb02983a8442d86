package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/store"
	"repertoire/internal/target"
	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// A person enrols in an access-request drive from its page (eligibility
// answer, mandate), confirms from the mailed link, opens their own page
// from the same mail, finds their request ready to send, records the day
// they sent it, and the reminder mail arrives before the due date.
func TestEnrolInAccessRequestDriveUpToTheReminder(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx0 := context.Background()
		if _, err := target.LoadEmbedded(ctx0, app.DB); err != nil {
			t.Fatal(err)
		}
		meta, err := target.NewStore(app.DB).BySlug(ctx0, target.SourceDatenanfragen, "facebook")
		if err != nil {
			t.Fatal(err)
		}
		token, campaignID := campaignByAPI(t, app)
		var a struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/legal_actions", token, map[string]any{"campaign": campaignID, "kind": "access_requests",
			"title": "Ask Meta for our data", "questions": []string{"Do you have a Facebook account?"},
			"mandate": "I let the community keep the clock of my request.",
			"company": map[string]any{"target": meta.ID, "email": "privacy@meta.example"}}, &a); st != 201 {
			t.Fatalf("create legal action: %d", st)
		}
		ctx := Browser(t, 1200, 900)
		Run(t, ctx, "enrol",
			chromedp.Navigate(a.BrowserURL),
			chromedp.WaitVisible(`#f-given_name`),
			chromedp.SendKeys(`#f-given_name`, "Ana"),
			chromedp.SendKeys(`#f-email`, "ana@example.org"),
			chromedp.SendKeys(`#f-country`, "FR"),
			chromedp.Click(`input[name="q0"][value="yes"]`),
			chromedp.Click(`input[name="mandate"]`), // the mandate box starts unticked
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`article.done h1`),
		)
		m := app.Mail.Wait(t, "ana@example.org", "Confirm your enrolment")
		Run(t, ctx, "confirm from the mailed link",
			chromedp.Navigate(m.Link(t, "/p/confirm/")),
			chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
			chromedp.Click(`form[action^="/p/confirm/"] button`),
			chromedp.WaitVisible(`p[role="status"]`),
		)
		Run(t, ctx, "open my page from the mail",
			chromedp.Navigate(m.Link(t, "/legal/e/")),
			chromedp.WaitVisible(`#mailto-request`),
		)
		href := Get(t, ctx, "read the mailto link", chromedp.AttributeValue(`#mailto-request`, "href")).Value
		if !strings.HasPrefix(href, "mailto:privacy@meta.example?subject=Subject%20access%20request") {
			t.Errorf("mailto link: %q", href)
		}
		// Sent 26 days ago: the answer is due within days, so the reminder goes now.
		sent := store.Now().AddDate(0, 0, -26)
		Run(t, ctx, "record the sending date",
			chromedp.SetValue(`#f-sent_on`, sent.Format(time.DateOnly)),
			chromedp.Submit(`#f-sent_on`),
			chromedp.WaitVisible(`p.flash`),
		)
		due := web.FormatDate("en", sent.Truncate(24*time.Hour).AddDate(0, 1, 0))
		if got := Get(t, ctx, "read the clock", chromedp.Text(`.legal-clock p`)); !strings.Contains(got, "Answer due by "+due) {
			t.Errorf("clock: %q, want the due date %s", got, due)
		}
		r := app.Mail.Wait(t, "ana@example.org", "must answer your request by "+due)
		Run(t, ctx, "open the page from the reminder",
			chromedp.Navigate(r.Link(t, "/legal/e/")),
			chromedp.WaitVisible(`.legal-clock`),
		)
	})
}
