package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// The organizer's pages on a desktop (1280 px) and a phone (390 px): the
// dashboard (in English and French), the message editor and the four
// campaign edit pages, each read for what it must show and checked for
// horizontal overflow on the phone. With REPERTOIRE_SCREENSHOTS set they
// are the README's pictures:
//
//	REPERTOIRE_SCREENSHOTS=$PWD/docs/screenshots REPERTOIRE_TEST_BROWSER=1 go test ./e2e -run OrganizersPages
func TestOrganizersPagesOnDesktopAndPhone(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var p struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking", "petition_text": "Stop tracking us.",
			"campaign": campaignID, "goal": 5000}, &p); st != http.StatusCreated {
			t.Fatalf("create petition: %d", st)
		}
		petition := strings.TrimPrefix(p.Identifiers[0], "repertoire:")
		if st := app.API(t, "POST", "/api/v1/petitions/"+petition+"/signatures", token, map[string]any{
			"person": map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		// The counter raised to a count worth grouping (these pages are
		// about how counts read, not how they grow).
		if _, err := app.DB.Writer().ExecContext(context.Background(), `UPDATE action_counters SET imported = 1234 WHERE action_id = $1`, petition); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a day", "action": "log out for a day", "campaign": campaignID,
			"threshold": 2000, "deadline": now.Add(72 * time.Hour).Format(time.RFC3339), "window_start": now.Add(96 * time.Hour).Format(time.RFC3339),
			"window_end": now.Add(120 * time.Hour).Format(time.RFC3339)}, nil); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		// The campaign's parts, through the edit pages' own forms.
		b := app.Browser()
		b.SignIn(t, "olga@example.org", "correct horse battery")
		base := "/c/fb-users/terms"
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{base + "/sections", url.Values{"title": {"Transparency"}, "demands": {"Publish the ranking rules\nTell each user why they saw an ad"}}},
			{base + "/sections", url.Values{"title": {"Control"}, "demands": {"A feed in time order for everyone"}}},
			{base + "/updates", url.Values{"title": {"Letter sent to the platform"}, "body": {"We asked for an answer within a month."}, "published_date": {"2026-11-02"}}},
			{base + "/coverage", url.Values{"kind": {"article"}, "date": {"2026-11-05"}, "outlet": {"Le Monde"}, "title": {"Users organize against tracking"}, "language": {"fr"}}},
		} {
			if st, body := b.Post(t, post.path, post.form); st != http.StatusOK {
				t.Fatalf("post %s: %d\n%s", post.path, st, body)
			}
		}

		for _, size := range []struct {
			name          string
			width, height int
		}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
			ctx := Browser(t, size.width, size.height)
			Run(t, ctx, "sign in",
				chromedp.Navigate(app.URL+"/signin"),
				chromedp.WaitVisible(`#f-email`),
				chromedp.SendKeys(`#f-email`, "olga@example.org"),
				chromedp.SendKeys(`#f-password`, "correct horse battery"),
				chromedp.Click(`main button[type="submit"]`),
				chromedp.WaitVisible(`.dashboard-community`),
			)
			fits := func(page string) {
				t.Helper()
				if size.width > 400 {
					return
				}
				if w := Get(t, ctx, "measure "+page, chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > size.width {
					t.Errorf("%s on a %d px phone is %d px wide", page, size.width, w)
				}
			}
			for _, lang := range []struct{ code, count, review string }{
				{"en", "1,234 of 5,000 signatures", "Nothing waits for your review."},
				{"fr", "1\u202f234 signatures sur 5\u202f000", "Rien n’attend votre examen."},
			} {
				Run(t, ctx, "open the dashboard in "+lang.code,
					chromedp.Navigate(app.URL+"/lang/"+lang.code+"?next=/dashboard"),
					chromedp.WaitVisible(`.dashboard-campaigns`),
				)
				list := Get(t, ctx, "read the campaigns", chromedp.Text(`.dashboard-campaigns`))
				if !strings.Contains(list, "Users’ terms") || !strings.Contains(list, "Stop tracking") || !strings.Contains(list, lang.count) {
					t.Errorf("dashboard in %s: the campaign and its petition's count (%q) missing from %q", lang.code, lang.count, list)
				}
				if scheduled := Get(t, ctx, "read what is scheduled", chromedp.Text(`.dashboard-scheduled`)); !strings.Contains(scheduled, "Log out for a day") {
					t.Errorf("dashboard in %s: the pledge's deadline is not scheduled: %q", lang.code, scheduled)
				}
				if main := Get(t, ctx, "read the dashboard", chromedp.Text(`main`)); !strings.Contains(main, lang.review) {
					t.Errorf("dashboard in %s: missing %q", lang.code, lang.review)
				}
				fits("the dashboard in " + lang.code)
				screenshot(t, ctx, "dashboard-"+size.name+"-"+lang.code+".png")
			}
			Run(t, ctx, "back to English, the message editor",
				chromedp.Navigate(app.URL+"/lang/en?next=/c/fb-users/messages/new"),
				chromedp.WaitVisible(`#f-subject_en`),
				chromedp.SendKeys(`#f-subject_en`, "The petition passed 1,000 signatures"),
				chromedp.SendKeys(`#f-body_en`, "Thank you! Next step: **deliver it** on Friday."),
				chromedp.Click(`input[name="include"][value="participants:`+petition+`"]`),
				chromedp.Click(`button[value="preview"]`),
				chromedp.WaitVisible(`.message-preview`),
			)
			if html := Get(t, ctx, "read the preview", chromedp.InnerHTML(`.message-preview .message-body`)); !strings.Contains(html, "<strong>deliver it</strong>") {
				t.Errorf("message preview:\n%s", html)
			}
			fits("the message editor")
			if size.name == "phone" {
				screenshot(t, ctx, "message-editor-phone-en.png")
			}
			for _, part := range []struct{ name, path, sel, want string }{
				{"details", "/edit", `#f-title`, ""},
				{"demands", "/edit/demands", `section#s-1, .demand-section`, "Publish the ranking rules"},
				{"timeline", "/edit/timeline", `.timeline`, "Letter sent to the platform"},
				{"coverage", "/edit/coverage", `.coverage`, "Users organize against tracking"},
			} {
				Run(t, ctx, "open the campaign's "+part.name, chromedp.Navigate(app.URL+base+part.path), chromedp.WaitVisible(`.edit-parts`))
				if current := Get(t, ctx, "read the current part", chromedp.Text(`.edit-parts [aria-current="page"]`)); current == "" {
					t.Errorf("%s: no part marked as the current page", part.name)
				}
				if part.want == "" {
					if v := Get(t, ctx, "read the title", chromedp.Value(`#f-title`)); v != "Users’ terms" {
						t.Errorf("details: title field %q", v)
					}
				} else if text := Get(t, ctx, "read "+part.name, chromedp.Text(`main`)); !strings.Contains(text, part.want) {
					t.Errorf("%s: missing %q", part.name, part.want)
				}
				fits("the campaign's " + part.name)
				screenshot(t, ctx, "campaign-edit-"+part.name+"-"+size.name+"-en.png")
			}
		}
	})
}
