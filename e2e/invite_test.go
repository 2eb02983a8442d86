package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

var inviteLink = regexp.MustCompile(`http://[^"]+/invite/[A-Za-z0-9_-]{43}`)

// A person given an invitation link, not yet signed up, opens it, signs up
// from it, confirms from the mailed link, finds the invitation again and
// joins with one click.
func TestInviteSignUpJoin(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		app.Token(t, "owner@example.org", "Owner", false)
		owner := app.Browser()
		owner.SignIn(t, "owner@example.org", "correct horse battery")
		owner.Post(t, "/communities", url.Values{"name": {"Night couriers"}, "visibility": {"private"}, "join_policy": {"invite"}})
		_, body := owner.Post(t, "/c/night-couriers/invitations", nil)
		link := inviteLink.FindString(body)
		if link == "" {
			t.Fatalf("no invitation link:\n%s", body)
		}

		ctx := Browser(t, 390, 844)
		Run(t, ctx, "open the invitation and sign up from it",
			chromedp.Navigate(link),
			chromedp.WaitVisible(`main a[href^="/signup?next="]`),
			chromedp.Click(`main a[href^="/signup?next="]`),
			chromedp.WaitVisible(`#f-name`),
			chromedp.SendKeys(`#f-name`, "Nadia"),
			chromedp.SendKeys(`#f-email`, "nadia@example.org"),
			chromedp.SendKeys(`#f-password`, "a long enough password"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`form[action^="/signup/resend"]`),
		)
		confirm := app.Mail.Wait(t, "nadia@example.org", "onfirm").Link(t, "/confirm/")
		Run(t, ctx, "confirm from the mailed link",
			chromedp.Navigate(confirm),
			chromedp.WaitVisible(`main form button[type="submit"]`),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`form[action^="/invite/"] button`),
		)
		if at := Get(t, ctx, "where am I", chromedp.Location()); at != link {
			t.Fatalf("after confirming, at %s, not the invitation %s", at, link)
		}
		Run(t, ctx, "join in one click",
			chromedp.Click(`form[action^="/invite/"] button`),
			// The confirmation's flash is on the invitation already: wait
			// for the invitation's form to go, then for the new flash.
			chromedp.WaitNotPresent(`form[action^="/invite/"]`),
			chromedp.WaitVisible(`.flash`),
		)
		page := Get(t, ctx, "read the community page", chromedp.Text(`main`))
		if !strings.Contains(page, "You are now a member") || !strings.Contains(page, "2 members") {
			t.Fatalf("not joined:\n%s", page)
		}
	})
}
