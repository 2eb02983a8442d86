package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer writes to a petition's signers from the pages: picks the
// signers, previews, saves, reads on the confirmation how many will
// receive it, sends. Only the signers who agreed to be contacted receive
// it (the SMTP sink); one unsubscribes by the mail's link, and the
// message's counts show it.
func TestOrganizerMessagesConsentingSignersWhoCanUnsubscribe(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		org := app.Token(t, "olga@example.org", "Olga Organizer", false)
		if st := app.API(t, "POST", "/api/v1/communities", org, map[string]string{"name": "Riders union", "slug": "riders"}, nil); st != 201 {
			t.Fatalf("create community: %d", st)
		}
		var camp struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/campaigns", org, map[string]any{"title": "Fair pay", "slug": "fair-pay", "community": "riders"}, &camp); st != 201 {
			t.Fatalf("create campaign: %d", st)
		}
		var p struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", org, map[string]any{"title": "Pay us per hour", "petition_text": "Pay riders per hour.",
			"campaign": camp.ID}, &p); st != 201 {
			t.Fatalf("create petition: %d", st)
		}
		petition := strings.TrimPrefix(p.Identifiers[0], "repertoire:")
		for _, s := range []struct {
			email   string
			contact bool
		}{{"ana@example.org", true}, {"bea@example.org", true}, {"carl@example.org", false}} {
			body := map[string]any{"person": map[string]any{"email_addresses": []map[string]any{{"address": s.email}}, "given_name": "Signer"},
				"origin_system": "paper", "contact_ok": s.contact}
			if st := app.API(t, "POST", "/api/v1/petitions/"+petition+"/signatures", org, body, nil); st != http.StatusCreated {
				t.Fatalf("record %s: %d", s.email, st)
			}
		}

		ctx := Browser(t, 1280, 900)
		Run(t, ctx, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitNotPresent(`#f-password`),
		)
		Run(t, ctx, "open the community's messages and write one",
			chromedp.Navigate(app.URL+"/c/riders/messages"),
			chromedp.Click(`a[href="/c/riders/messages/new"]`),
			chromedp.WaitVisible(`#f-subject_en`),
			chromedp.Click(`input[name="include"][value="participants:`+petition+`"]`),
			chromedp.SendKeys(`#f-subject_en`, "Delivered!"),
			chromedp.SendKeys(`#f-body_en`, "We delivered **your signatures** today."),
			chromedp.Click(`button[value="preview"]`),
			chromedp.WaitVisible(`.message-preview`),
		)
		if html := Get(t, ctx, "read the preview", chromedp.InnerHTML(`.message-preview .message-body`)); !strings.Contains(html, "<strong>your signatures</strong>") {
			t.Fatalf("preview:\n%s", html)
		}
		if v := Get(t, ctx, "read the kept subject", chromedp.Value(`#f-subject_en`)); v != "Delivered!" {
			t.Fatalf("the preview lost the subject: %q", v)
		}
		screenshot(t, ctx, "message-editor-desktop-en.png")
		Run(t, ctx, "save, then send",
			chromedp.Click(`button[value="save"]`),
			chromedp.WaitVisible(`#counts`),
			chromedp.Click(`a[href$="/send"]`),
			chromedp.WaitVisible(`#reach`),
		)
		if reach := Get(t, ctx, "read the confirmation", chromedp.Text(`#reach`)); !strings.Contains(reach, "will be sent to 2 people") {
			t.Fatalf("confirmation: %q", reach)
		}
		Run(t, ctx, "confirm", chromedp.Click(`#send-now`), chromedp.WaitVisible(`#counts`))

		ana := app.Mail.Wait(t, "ana@example.org", "Delivered!")
		app.Mail.Wait(t, "bea@example.org", "Delivered!")
		for _, m := range app.Mail.All() {
			for _, to := range m.To {
				if to == "carl@example.org" && m.Subject == "Delivered!" {
					t.Fatal("Carl, who did not agree to be contacted, received the message")
				}
			}
		}
		Run(t, ctx, "Ana unsubscribes by the mail's link",
			chromedp.Navigate(ana.Link(t, "/unsubscribe/")),
			chromedp.Click(`main button[type="submit"]`),
			chromedp.WaitVisible(`main button.secondary`), // the undo button
		)
		messagePage := ""
		deadline := time.Now().Add(20 * time.Second)
		for {
			Run(t, ctx, "sign in again and read the counts", chromedp.Navigate(app.URL+"/c/riders/messages"), chromedp.WaitVisible(`main`))
			if messagePage == "" {
				messagePage = Get(t, ctx, "find the message", chromedp.Evaluate[string](`document.querySelector('.cards a').href`))
			}
			Run(t, ctx, "open the message", chromedp.Navigate(messagePage), chromedp.WaitVisible(`#counts`))
			sent := Get(t, ctx, "read sent", chromedp.Text(`#count-sent`))
			unsub := Get(t, ctx, "read unsubscribed", chromedp.Text(`#count-unsubscribed`))
			targeted := Get(t, ctx, "read targeted", chromedp.Text(`#count-targeted`))
			if sent == "2" && unsub == "1" && targeted == "2" {
				screenshot(t, ctx, "message-counts-desktop-en.png")
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("counts: targeted %s, sent %s, unsubscribed %s", targeted, sent, unsub)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// screenshot writes the page, whole, as a PNG into the directory
// REPERTOIRE_SCREENSHOTS names (docs/screenshots), when it is set; only on
// SQLite, so each picture is taken once.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("REPERTOIRE_SCREENSHOTS")
	if dir == "" || !strings.HasSuffix(t.Name(), "/sqlite") {
		return
	}
	png := Get(t, ctx, "take "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
