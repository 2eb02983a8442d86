package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// A person registers from the page of a full event, confirms from the
// mail and is on the waitlist; when the one holding the place cancels,
// the mailed offer's button gives them the place; then the room changes
// and they are mailed it, before → after. Her ticket shows its QR code;
// the one who cancelled registers again and waits for a place.
func TestRegisterFullEventPromotedThenRoomChange(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		start := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
		var ev struct {
			BrowserURL  string   `json:"browser_url"`
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/events", token, map[string]any{"title": "Séminaire", "campaign": campaignID, "capacity": 1,
			"start_date": start.Format(time.RFC3339), "end_date": start.Add(3 * time.Hour).Format(time.RFC3339), "timezone_identifier": "Europe/Paris",
			"location":  map[string]any{"venue": "EHESS, 96 bd Raspail", "room": "Lombard"},
			"questions": []map[string]any{{"kind": "yes_no", "label": "Première venue ?", "required": true}}}, &ev); st != 201 {
			t.Fatalf("create event: %d", st)
		}
		id := strings.TrimPrefix(ev.Identifiers[0], "repertoire:")
		ctx := Browser(t, 390, 900)
		register := func(name, email string, again int) {
			Run(t, ctx, "register "+name,
				chromedp.Navigate(ev.BrowserURL),
				chromedp.WaitVisible(`#f-given_name`),
				chromedp.SendKeys(`#f-given_name`, name),
				chromedp.SendKeys(`#f-email`, email),
				chromedp.Click(`input[name="q0"][value="yes"]`),
				chromedp.Submit(`#f-email`),
				chromedp.WaitVisible(`article.done h1`),
			)
			m := app.Mail.WaitN(t, email, "Confirm your registration", again+1)[again]
			Run(t, ctx, "confirm "+name,
				chromedp.Navigate(m.Link(t, "/p/confirm/")),
				chromedp.WaitVisible(`form[action^="/p/confirm/"] button`),
				chromedp.Click(`form[action^="/p/confirm/"] button`),
				chromedp.WaitVisible(`p[role="status"]`),
			)
		}
		register("Ann", "ann@example.org", 0)
		app.Mail.Wait(t, "ann@example.org", "Your place is confirmed")
		register("Bea", "bea@example.org", 0)
		app.Mail.Wait(t, "bea@example.org", "You are on the waitlist")
		if page := waitText(t, ctx, "see the event full", ev.BrowserURL, `#places`, func(s string) bool { return strings.Contains(s, "1 on the waitlist") }); !strings.Contains(page, "1 of 1") {
			t.Fatalf("places: %q", page)
		}

		Run(t, ctx, "Ann cancels from her mail",
			chromedp.Navigate(app.Mail.Wait(t, "ann@example.org", "Confirm your registration").Link(t, "/p/withdraw/")),
			chromedp.WaitVisible(`form[action^="/p/withdraw/"] button`),
			chromedp.Click(`form[action^="/p/withdraw/"] button`),
			chromedp.WaitVisible(`p[role="status"]`),
		)
		offer := app.Mail.Wait(t, "bea@example.org", "A place has freed up")
		Run(t, ctx, "Bea takes the place from the mailed link",
			chromedp.Navigate(offer.Link(t, "/events/offer/")),
			chromedp.WaitVisible(`form[action^="/events/offer/"] button`),
			chromedp.Click(`form[action^="/events/offer/"] button`),
			chromedp.WaitVisible(`#offer-taken`),
		)
		ticket := app.Mail.Wait(t, "bea@example.org", "Your place is confirmed")
		Run(t, ctx, "open her ticket", chromedp.Navigate(ticket.Link(t, "/events/ticket/")), chromedp.WaitVisible(`#checkin-code`))
		if qrWidth := Get(t, ctx, "see the ticket's QR code", chromedp.Poll[int](`document.querySelector("#checkin-qr").complete && document.querySelector("#checkin-qr").naturalWidth`)); qrWidth != 320 {
			t.Fatalf("the ticket's QR code did not load: width %d", qrWidth)
		}

		register("Ann", "ann@example.org", 1)
		app.Mail.Wait(t, "ann@example.org", "You are on the waitlist")

		if st := app.API(t, "PUT", "/api/v1/events/"+id, token, map[string]any{"location": map[string]any{"room": "Salle 1"}}, nil); st != 200 {
			t.Fatalf("change the room: %d", st)
		}
		if m := app.Mail.Wait(t, "bea@example.org", "Change:"); !strings.Contains(m.Body, "Room: Lombard → Salle 1") {
			t.Fatalf("the room change mail:\n%s", m.Body)
		}
		if got := waitText(t, ctx, "see the change on the page", ev.BrowserURL, `.event-changes`, func(s string) bool { return strings.Contains(s, "Salle 1") }); !strings.Contains(got, "Lombard → Salle 1") {
			t.Fatalf("changes on the page: %q", got)
		}
	})
}
