package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/account"
	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// A click farm's signatures and commitments, confirmed and counted, are
// found by a run an organizer starts from the review queue, and
// invalidated in bulk after the confirmation: the petition's and the
// pledge's public counts drop by the farm's, and the pledge's management
// page counted the commitments held for review, linking to the queue.
func TestIntegrityGroupInvalidatedInBulkDropsTheCount(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) {
			c.Limits = &participation.Limits{} // the farm must reach the count
			c.IntegrityEvery = -1              // the organizer runs it
		})
		ctx0 := context.Background()
		token, campaignID := campaignByAPI(t, app)
		var ids []string
		var browserURL string
		for i := range 3 {
			var p struct {
				Identifiers []string `json:"identifiers"`
				BrowserURL  string   `json:"browser_url"`
			}
			if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": fmt.Sprintf("Petition %d", i+1),
				"petition_text": "We ask.", "campaign": "repertoire:" + campaignID}, &p); st != http.StatusCreated {
				t.Fatalf("create petition: %d", st)
			}
			ids = append(ids, strings.TrimPrefix(p.Identifiers[0], "repertoire:"))
			if i == 0 {
				browserURL = p.BrowserURL
			}
		}
		now0 := time.Now().UTC()
		var pl struct {
			ID         string `json:"id"`
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": campaignID, "threshold": 1000, "deadline": now0.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now0.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now0.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		parts := app.Server.Participation
		// The crowd: twelve people over a week.
		var past []participation.Past
		now := time.Now().UTC()
		for i := range 12 {
			at := now.Add(-170*time.Hour + time.Duration(i*13)*time.Hour)
			past = append(past, participation.Past{Submission: participation.Submission{Kind: participation.Signature, ActionID: ids[0],
				Person: account.PersonInput{Email: fmt.Sprintf("person%02d@mail%d.example", i, i%4)}, Lang: "en"},
				SubmittedAt: at, ConfirmedAt: at.Add(5 * time.Minute)})
		}
		if _, err := parts.RecordPast(ctx0, past); err != nil {
			t.Fatal(err)
		}
		// The farm: 30 fresh accounts from one network on the three
		// petitions within a minute, each confirming the first.
		const farm = 30
		for i := range farm {
			if _, err := parts.Submit(ctx0, participation.Submission{Kind: participation.Commitment, ActionID: pl.ID,
				Person: account.PersonInput{Email: fmt.Sprintf("farm%02d@bulkmail.example", i)}, Lang: "en",
				IP: fmt.Sprintf("203.0.113.%d", 10+i), UserAgent: "python-requests/2.31"}); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if _, err := parts.Submit(ctx0, participation.Submission{Kind: participation.Signature, ActionID: id,
					Person: account.PersonInput{Email: fmt.Sprintf("farm%02d@bulkmail.example", i)}, Lang: "en",
					IP: fmt.Sprintf("203.0.113.%d", 10+i), UserAgent: "python-requests/2.31"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		confirm := app.Browser()
		for i := range farm {
			for _, subject := range []string{"Petition 1", "Log out for a week"} {
				link := app.Mail.Wait(t, fmt.Sprintf("farm%02d@bulkmail.example", i), subject).Link(t, "/p/confirm/")
				if st, _ := confirm.Post(t, strings.TrimPrefix(link, app.URL), nil); st != http.StatusOK {
					t.Fatalf("confirm: %d", st)
				}
			}
		}
		ctx := Browser(t, 1024, 900)
		waitText(t, ctx, "the count with the farm", browserURL, `#count strong`, is(fmt.Sprint(12+farm)))

		Run(t, ctx, "sign in as the organizer",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.WaitVisible(`#f-email`),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, ctx, "from the petition's review queue to the integrity review, and run it",
			chromedp.Navigate(browserURL+"/manage"),
			chromedp.WaitVisible(`a[href="/c/fb-users/integrity"]`),
			chromedp.Click(`a[href="/c/fb-users/integrity"]`),
			chromedp.WaitVisible(`form[action="/c/fb-users/integrity/runs"] button`),
			chromedp.Click(`form[action="/c/fb-users/integrity/runs"] button`),
			chromedp.WaitVisible(`.integrity-group a.button`),
		)
		Run(t, ctx, "the pledge's management page counts its commitments held, and links to the queue",
			chromedp.Navigate(pl.BrowserURL+"/manage"),
			chromedp.WaitVisible(`#integrity-link`),
		)
		if link := Get(t, ctx, "read the link", chromedp.Text(`#integrity-link`)); !strings.Contains(link, fmt.Sprintf("%d commitments held for review", farm)) {
			t.Fatalf("the pledge's management page reads %q", link)
		}
		Run(t, ctx, "back to the queue from the pledge", chromedp.Click(`#integrity-link`), chromedp.WaitVisible(`.integrity-group a.button`))
		queue := Get(t, ctx, "read the queue", chromedp.Text(`main`))
		if !strings.Contains(queue, "Petition 1") || strings.Contains(queue, "farm00@") {
			t.Fatalf("the queue does not show the evidence as it should:\n%s", queue)
		}
		checkMoments(t, ctx, "the evidence's times", ".integrity-group", "en", "UTC")
		Run(t, ctx, "invalidate without ticking the confirmation",
			chromedp.Click(`.integrity-group a.button`),
			chromedp.WaitVisible(`#f-confirm`),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`#e-confirm`),
		)
		var doc struct {
			Total int `json:"total_signatures"`
		}
		if app.API(t, "GET", "/api/v1/petitions/"+ids[0], token, nil, &doc); doc.Total != 12+farm {
			t.Fatalf("a refused invalidation changed the count: %d", doc.Total)
		}
		Run(t, ctx, "invalidate, confirmed",
			chromedp.Click(`#f-confirm`),
			chromedp.Click(`main form button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)
		waitText(t, ctx, "the count after the invalidation", browserURL, `#count strong`, is("12"))
		waitText(t, ctx, "the pledge's count after the invalidation", pl.BrowserURL, `.pledge-count strong`, func(s string) bool {
			return strings.HasPrefix(strings.TrimSpace(s), "0 of")
		})
		Run(t, ctx, "open the set-aside figure", chromedp.Click(`#set-aside summary`), chromedp.WaitVisible(`#set-aside li`))
		aside := Get(t, ctx, "read the set-aside figure", chromedp.Text(`#set-aside`))
		if !strings.Contains(aside, fmt.Sprintf("%d invalidated", farm)) {
			t.Errorf("the figure beside the count reads %q", aside)
		}
	})
}
