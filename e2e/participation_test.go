package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// campaignByAPI makes a community and a campaign as an organizer would
// through the API, and returns the organizer's token and the campaign id.
func campaignByAPI(t *testing.T, app *testkit.App) (string, string) {
	t.Helper()
	token := app.Token(t, "olga@example.org", "Olga Organizer", false)
	if st := app.API(t, "POST", "/api/v1/communities", token, map[string]string{"name": "Facebook users", "slug": "fb-users"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Users’ terms", "slug": "terms", "community": "fb-users"}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	return token, c.ID
}

// waitText reloads url until the text of sel satisfies ok: public pages
// may be served from a cache up to a second old, so a change shows on a
// later view, not necessarily the first. It gives up after 40 views.
func waitText(t *testing.T, ctx context.Context, what, url, sel string, ok func(string) bool) string {
	t.Helper()
	var last string
	for range 40 {
		Run(t, ctx, what, chromedp.Navigate(url), chromedp.WaitVisible(sel))
		last = Get(t, ctx, what, chromedp.Text(sel))
		if ok(last) {
			return last
		}
		Run(t, ctx, what, chromedp.Sleep(100*time.Millisecond))
	}
	t.Fatalf("%s: %s still reads %q", what, sel, last)
	return ""
}

func is(want string) func(string) bool {
	return func(s string) bool { return strings.TrimSpace(s) == want }
}

// A person signs a petition from its public page, confirms from the mailed
// link (the page's button posts), sees the count go up, withdraws from the
// same mail and sees it drop.
func TestSignConfirmWithdrawPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking us", "petition_text": "We ask you to stop.",
			"campaign": "repertoire:" + campaignID, "goal": 10}, &p); st != 201 {
			t.Fatalf("create petition: %d", st)
		}
		ctx := Browser(t, 390, 900)
		Run(t, ctx, "sign the petition",
			chromedp.Navigate(p.BrowserURL),
			chromedp.WaitVisible(`#f-given_name`),
			chromedp.SendKeys(`#f-given_name`, "Ana"),
			chromedp.SendKeys(`#f-family_name`, "Martin"),
			chromedp.SendKeys(`#f-email`, "ana@example.org"),
			chromedp.SendKeys(`#f-locality`, "Lyon"),
			chromedp.Click(`#f-public_name`), // "show my name publicly" starts unticked
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`article.done h1`), // the page after signing
			chromedp.Navigate(p.BrowserURL),
			chromedp.WaitVisible(`#count strong`),
		)
		if got := Get(t, ctx, "read the count", chromedp.Text(`#count strong`)); got != "0" {
			t.Fatalf("a pending signature counts: %q", got)
		}

		m := app.Mail.Wait(t, "ana@example.org", "Confirm your signature")
		Run(t, ctx, "confirm from the mailed link",
			chromedp.Navigate(m.Link(t, "/p/confirm/")),
			chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
			chromedp.Click(`form[action^="/p/confirm/"] button`),
			chromedp.WaitVisible(`p[role="status"]`),
		)
		waitText(t, ctx, "see the count go up", p.BrowserURL, `#count strong`, is("1"))
		if recent := Get(t, ctx, "read the signers", chromedp.Text(`main`)); !strings.Contains(recent, "Ana Martin") {
			t.Fatalf("the public signer is not listed:\n%s", recent)
		}

		Run(t, ctx, "withdraw from the mailed link",
			chromedp.Navigate(m.Link(t, "/p/withdraw/")),
			chromedp.WaitVisible(`form[action^="/p/withdraw/"] button`),
			chromedp.Click(`form[action^="/p/withdraw/"] button`),
			chromedp.WaitVisible(`form[action^="/p/confirm/"] button.secondary`), // the withdrawn page offers to undo
		)
		waitText(t, ctx, "see the count drop", p.BrowserURL, `#count strong`, is("0"))
	})
}

// Two people commit to a pledge of threshold 2 from its page, confirm from
// their mails, and the pledge is on: the page says so and the activation
// mail arrives.
func TestPledgeActivates(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		now := time.Now().UTC()
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out of Facebook",
			"campaign": campaignID, "threshold": 2, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &p); st != 201 {
			t.Fatalf("create pledge: %d", st)
		}
		ctx := Browser(t, 1024, 900)
		people := []struct{ name, email string }{{"Ana", "ana@example.org"}, {"Bruno", "bruno@example.org"}}
		for _, who := range people {
			Run(t, ctx, "commit as "+who.name,
				chromedp.Navigate(p.BrowserURL),
				chromedp.WaitVisible(`#f-email`),
				chromedp.SendKeys(`#f-given_name`, who.name),
				chromedp.SendKeys(`#f-email`, who.email),
				chromedp.Submit(`#f-email`),
				chromedp.WaitVisible(`article.done h1`), // the page after committing
			)
		}
		for _, who := range people {
			m := app.Mail.Wait(t, who.email, "Confirm your commitment")
			Run(t, ctx, "confirm as "+who.name,
				chromedp.Navigate(m.Link(t, "/p/confirm/")),
				chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
				chromedp.Click(`form[action^="/p/confirm/"] button`),
				chromedp.WaitVisible(`p[role="status"]`),
			)
		}
		waitText(t, ctx, "see the pledge activated", p.BrowserURL, `header .status`, is("It’s on"))
		page := Get(t, ctx, "read the pledge page", chromedp.Text(`main`))
		if !strings.Contains(page, "2 of 2 people committed") {
			t.Fatalf("the pledge page lacks the count:\n%s", page)
		}
		for _, who := range people {
			app.Mail.Wait(t, who.email, "It’s on: Log out for a week")
		}
	})
}
