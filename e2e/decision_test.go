package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// A member receives the mailed ballot link of a secret vote, opens it in
// the browser signed out, chooses and votes; the page then says they voted
// and shows no count, and neither does the decision's page until voting
// closes.
func TestVoteInSecretBallotFromMailedLink(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		org := app.Token(t, "olga@example.org", "Olga Organizer", false)
		if st := app.API(t, "POST", "/api/v1/communities", org, map[string]string{"name": "Riders union", "slug": "riders"}, nil); st != 201 {
			t.Fatalf("create community: %d", st)
		}
		app.Token(t, "rita@example.org", "Rita Rider", false)
		member := app.Browser()
		member.SignIn(t, "rita@example.org", "correct horse battery")
		if st, _ := member.Post(t, "/c/riders/join", url.Values{}); st != 200 {
			t.Fatalf("join: %d", st)
		}
		var d struct {
			ID      string `json:"id"`
			Options []struct {
				ID   string `json:"id"`
				Role string `json:"role"`
			} `json:"options"`
		}
		if st := app.API(t, "POST", "/api/v1/decisions", org, map[string]any{"community": "riders", "title": "Strike on Friday?", "secret": true,
			"closes_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}, &d); st != 201 {
			t.Fatalf("create decision: %d", st)
		}
		if st := app.API(t, "PUT", "/api/v1/decisions/"+d.ID, org, map[string]any{"status": "open"}, nil); st != 200 {
			t.Fatalf("open: %d", st)
		}
		link := app.Mail.Wait(t, "rita@example.org", "Riders union votes: Strike on Friday?").Link(t, "/vote/")
		forID := ""
		for _, o := range d.Options {
			if o.Role == "for" {
				forID = o.ID
			}
		}

		ctx := Browser(t, 360, 740)
		Run(t, ctx, "open the mailed link and vote",
			chromedp.Navigate(link),
			chromedp.WaitVisible(`input[name="option"][value="`+forID+`"]`),
			chromedp.Click(`input[name="option"][value="`+forID+`"]`),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitVisible(`.voted`),
		)
		page := Get(t, ctx, "read the page", chromedp.Text(`main`))
		if !strings.Contains(page, "You voted.") || !strings.Contains(page, "The result is published when voting closes") {
			t.Fatalf("after voting the page reads:\n%s", page)
		}
		if n := Get(t, ctx, "count the forms", chromedp.Evaluate[int](`document.querySelectorAll('input[name="option"]').length`)); n != 0 {
			t.Fatalf("the used link still offers %d choices", n)
		}
		Run(t, ctx, "open the decision's page", chromedp.Navigate(app.URL+"/decisions/"+d.ID), chromedp.WaitVisible(`h1`))
		page = Get(t, ctx, "read the decision's page", chromedp.Text(`main`))
		if !strings.Contains(page, "the count appears when voting closes") || strings.Contains(page, "members voted") {
			t.Fatalf("an open secret ballot's page shows a count or no notice:\n%s", page)
		}
		if n := Get(t, ctx, "look for a results table", chromedp.Evaluate[int](`document.querySelectorAll('table.results').length`)); n != 0 {
			t.Fatal("the decision's page shows a results table before close")
		}
	})
}

// A member opens the reply form under a message of the discussion, on a
// phone, and posts; their reply shows under that message.
func TestReplyInTheDiscussion(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		org := app.Token(t, "olga@example.org", "Olga Organizer", false)
		if st := app.API(t, "POST", "/api/v1/communities", org, map[string]string{"name": "Riders union", "slug": "riders"}, nil); st != 201 {
			t.Fatalf("create community: %d", st)
		}
		var d struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/decisions", org, map[string]any{"community": "riders", "title": "Strike on Friday?",
			"closes_at": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}, &d); st != 201 {
			t.Fatalf("create decision: %d", st)
		}
		var c struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/decisions/"+d.ID+"/comments", org, map[string]any{"body": "Fridays pay the most: shall we?"}, &c); st != 201 {
			t.Fatalf("post a message: %d", st)
		}
		app.Token(t, "rita@example.org", "Rita Rider", false)
		ctx := Browser(t, 360, 740)
		Run(t, ctx, "sign in and join",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "rita@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitNotPresent(`#f-password`),
			chromedp.Navigate(app.URL+"/c/riders"),
			chromedp.Click(`form[action="/c/riders/join"] button`),
			chromedp.WaitVisible(`p[role="status"]`),
		)
		msg := `#comment-` + c.ID
		Run(t, ctx, "reply under the message",
			chromedp.Navigate(app.URL+"/decisions/"+d.ID),
			chromedp.Click(msg+` details.reply summary`),
			chromedp.WaitVisible(`#reply-`+c.ID),
			chromedp.SendKeys(`#reply-`+c.ID, "Yes, from 6 pm."),
			chromedp.Click(msg+` details.reply button[type="submit"]`),
			chromedp.WaitVisible(msg+` ol.replies li`),
		)
		if got := Get(t, ctx, "read the reply", chromedp.Text(msg+` ol.replies li`)); !strings.Contains(got, "Yes, from 6 pm.") || !strings.Contains(got, "Rita Rider") {
			t.Fatalf("under the message: %q", got)
		}
	})
}
