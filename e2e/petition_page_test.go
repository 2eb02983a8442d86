package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

// box is an element's place: top and bottom from the top of the document,
// left and right, and its top in the viewport.
type box struct {
	Top, Bottom, Left, Right, ViewTop, ViewBottom float64
}

// boxes reads the boxes of the selectors, and the viewport's height.
func boxes(t *testing.T, ctx context.Context, sels ...string) (map[string]box, float64) {
	t.Helper()
	var out struct {
		Boxes  map[string]box
		Height float64
	}
	js := `(function(sels){var o={};sels.forEach(function(s){var r=document.querySelector(s).getBoundingClientRect();` +
		`o[s]={Top:r.top+scrollY,Bottom:r.bottom+scrollY,Left:r.left,Right:r.right,ViewTop:r.top,ViewBottom:r.bottom};});` +
		`return {Boxes:o,Height:innerHeight};})(` + jsonList(sels) + `)`
	out = Get(t, ctx, "measure the page", chromedp.Evaluate[struct {
		Boxes  map[string]box
		Height float64
	}](js))
	return out.Boxes, out.Height
}

func jsonList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// petitionWithDemands makes a community, a campaign with seventeen demands
// and a petition of several paragraphs supporting them all.
func petitionWithDemands(t *testing.T, app *testkit.App) string {
	t.Helper()
	ctx := context.Background()
	token := app.Token(t, "olga@example.org", "Olga Organizer", false)
	var orgID string
	app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, "olga@example.org").Scan(&orgID)
	com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Facebook users", Slug: "fb-users"})
	if err != nil {
		t.Fatal(err)
	}
	var demands []campaign.DemandInput
	for i := range 17 {
		demands = append(demands, campaign.DemandInput{Text: fmt.Sprintf("Demand number %d, written out in a full sentence.", i+1)})
	}
	c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Users’ terms", Slug: "terms",
		Sections: []campaign.SectionInput{{Title: "Everything", Demands: demands}}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := campaign.NewStore(app.DB).Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range full.Sections[0].Demands {
		ids = append(ids, d.ID)
	}
	text := "To Facebook, Inc.\n\nWe, users of Facebook, Instagram and WhatsApp, ask you to accept the seventeen terms of our campaign: " +
		"full transparency for voters, full transparency and increased privacy for users, and better safety for children.\n\n" +
		strings.Repeat("Each term is listed below and on the campaign page, where we record every answer you give, demand by demand, with the evidence. ", 4)
	var p struct {
		BrowserURL string `json:"browser_url"`
	}
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Accept the users’ terms", "petition_text": text,
		"description": "Seventeen demands in three sets. Sign to make them count.", "campaign": "repertoire:" + c.ID, "goal": 1000,
		"target": []map[string]any{{"name": "Facebook, Inc."}}, "demands": ids}, &p); st != http.StatusCreated {
		t.Fatalf("create petition: %d", st)
	}
	return p.BrowserURL
}

// A person signs from the petition's page on a phone and on a desktop
// window. On the phone the form comes after the count and the opening
// lines and before the folded demands; on the desktop it is beside the
// text, whole in the first screen, and stays in view when scrolling. The
// form leads to the page after signing, and the mailed link confirms.
func TestSignFromThePetitionPage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		page := petitionWithDemands(t, app)
		for i, win := range []struct {
			name          string
			width, height int
			email         string
		}{
			{"phone", 390, 844, "ana@example.org"},
			{"desktop", 1366, 900, "bruno@example.org"},
		} {
			t.Run(win.name, func(t *testing.T) {
				ctx := Browser(t, win.width, win.height)
				Run(t, ctx, "open the petition",
					chromedp.Navigate(page),
					chromedp.WaitVisible(`#f-given_name`),
				)
				b, height := boxes(t, ctx, "#count", ".tactic-opening", "#sign", ".demands-fold", `#sign button[type="submit"]`)
				count, opening, form, demands, submit := b["#count"], b[".tactic-opening"], b["#sign"], b[".demands-fold"], b[`#sign button[type="submit"]`]
				if win.name == "phone" {
					if !(form.Top >= count.Bottom && form.Top >= opening.Bottom && form.Bottom <= demands.Top) {
						t.Errorf("on a phone the form should follow the count and opening lines and come before the demands: count %+v, opening %+v, form %+v, demands %+v",
							count, opening, form, demands)
					}
				} else {
					if form.ViewTop < 0 || submit.ViewBottom > height || form.Left < opening.Right {
						t.Errorf("on a desktop the form should stand beside the text within the first screen (%v high): form %+v, its button %+v, text %+v",
							height, form, submit, opening)
					}
					// Scrolled down past where it started, it stays in view.
					Run(t, ctx, "scroll down", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 300)`))
					if after, _ := boxes(t, ctx, "#sign"); after["#sign"].ViewTop < 0 || after["#sign"].ViewTop > 40 {
						t.Errorf("the form left the screen on scrolling: %+v", after["#sign"])
					}
				}
				// share.js, a static file the CSP allows, shows the copy button.
				Run(t, ctx, "see the copy button", chromedp.WaitVisible(`button[data-copy]`))
				if open := Get(t, ctx, "is the demands list folded", chromedp.Evaluate[bool](`document.querySelector(".demands-fold details").open`)); open {
					t.Error("the demands list starts unfolded")
				}

				Run(t, ctx, "sign",
					chromedp.SendKeys(`#f-given_name`, "Ana"),
					chromedp.SendKeys(`#f-email`, win.email),
					chromedp.Click(`#sign button[type="submit"]`),
					chromedp.WaitVisible(`article.done h1`),
				)
				if at := Get(t, ctx, "where am I", chromedp.Location()); at != page+"/signed" {
					t.Fatalf("after signing at %s, want %s/signed", at, page)
				}
				if done := Get(t, ctx, "read the page", chromedp.Text(`main`)); !strings.Contains(done, "Check your mailbox") || !strings.Contains(done, "What happens next") {
					t.Fatalf("the page after signing:\n%s", done)
				}

				m := app.Mail.Wait(t, win.email, "Confirm your signature")
				Run(t, ctx, "confirm from the mailed link",
					chromedp.Navigate(m.Link(t, "/p/confirm/")),
					chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
					chromedp.Click(`form[action^="/p/confirm/"] button`),
					chromedp.WaitVisible(`p[role="status"]`),
				)
				waitText(t, ctx, "see the count go up", page, `#count strong`, is(fmt.Sprint(i+1)))
			})
		}
	})
}

// A person commits from a pledge's page on a phone and on a desktop
// window: the commit form follows the threshold bar and the pledge's
// sentence on the phone, stands beside them in the first screen on the
// desktop, and leads to the page after committing.
func TestCommitFromThePledgePage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		now := time.Now().UTC()
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out of Facebook",
			"campaign": campaignID, "threshold": 100, "deadline": now.Add(50*time.Hour + 30*time.Minute).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339),
			"description": strings.Repeat("A week without Facebook, together: nobody acts alone. ", 8)}, &p); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		for _, win := range []struct {
			name          string
			width, height int
			email         string
		}{
			{"phone", 390, 844, "ana@example.org"},
			{"desktop", 1366, 900, "bruno@example.org"},
		} {
			t.Run(win.name, func(t *testing.T) {
				ctx := Browser(t, win.width, win.height)
				Run(t, ctx, "open the pledge",
					chromedp.Navigate(p.BrowserURL),
					chromedp.WaitVisible(`#f-email`),
				)
				if left := Get(t, ctx, "read the countdown", chromedp.Text(`.countdown`)); left != "2 days 2 hours left" {
					t.Errorf("countdown %q", left)
				}
				b, height := boxes(t, ctx, ".progress-bar", ".pledge-sentence", "#commit-form", ".summary", `#commit-form button[type="submit"]`)
				bar, sentence, form, rest, submit := b[".progress-bar"], b[".pledge-sentence"], b["#commit-form"], b[".summary"], b[`#commit-form button[type="submit"]`]
				if win.name == "phone" {
					if !(form.Top >= bar.Bottom && form.Top >= sentence.Bottom && form.Bottom <= rest.Top) {
						t.Errorf("on a phone the form should follow the bar and the sentence: bar %+v, sentence %+v, form %+v, description %+v", bar, sentence, form, rest)
					}
				} else if form.ViewTop < 0 || submit.ViewBottom > height || form.Left < sentence.Right {
					t.Errorf("on a desktop the form should stand beside the text within the first screen (%v high): form %+v, its button %+v", height, form, submit)
				}
				Run(t, ctx, "commit",
					chromedp.SendKeys(`#f-given_name`, "Ana"),
					chromedp.SendKeys(`#f-email`, win.email),
					chromedp.Click(`#commit-form button[type="submit"]`),
					chromedp.WaitVisible(`article.done h1`),
				)
				if at := Get(t, ctx, "where am I", chromedp.Location()); at != p.BrowserURL+"/committed" {
					t.Fatalf("after committing at %s", at)
				}
				app.Mail.Wait(t, win.email, "Confirm your commitment")
			})
		}
	})
}

// Without script the share block still works: the link is a field to
// copy from (no dead copy button), and the Mastodon form asks the server,
// whose page links on to the instance's share page only.
func TestShareBlockWithoutScript(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		page := petitionWithDemands(t, app)
		ctx := Browser(t, 1366, 900)
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		Run(t, ctx, "open the petition without script",
			chromedp.Navigate(page),
			chromedp.WaitVisible(`#share-url`),
			chromedp.WaitNotVisible(`button[data-copy]`),
		)
		if got := Get(t, ctx, "read the link field", chromedp.AttributeValue(`#share-url`, "value")); got.Value != page {
			t.Errorf("the link field holds %q, want %q", got.Value, page)
		}
		Run(t, ctx, "share on Mastodon",
			chromedp.SendKeys(`#share-instance`, "Mastodon.Social"),
			chromedp.Submit(`#share-instance`),
			chromedp.WaitVisible(`a[href^="https://mastodon.social/share?text="]`),
		)
		if at := Get(t, ctx, "where am I", chromedp.Location()); !strings.HasPrefix(at, page+"/mastodon?instance=") {
			t.Errorf("the Mastodon form went to %s", at)
		}
	})
}
