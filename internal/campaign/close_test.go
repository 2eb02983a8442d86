package campaign_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// Closing a published campaign, by its page (after its confirmation) or by
// the API (status closed), closes its open petition and its collecting
// pledge with it: a signature is refused afterwards. Its page says when it
// ended, its timeline tells it in each reader's language, its document
// reads closed with closed_date. Closing it again is a 409 naming status,
// and so is reopening it; a draft is refused (it is deleted instead).
func TestCloseACampaignClosesItsTactics(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		type doc struct {
			campaignDoc
			Status     string  `json:"status"`
			ClosedDate *string `json:"closed_date"`
			Updates    []struct {
				Title string `json:"title"`
			} `json:"updates"`
		}
		var c doc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), &c); st != http.StatusCreated || c.Status != "published" || c.ClosedDate != nil {
			t.Fatalf("create: %d %q %v", st, c.Status, c.ClosedDate)
		}
		var pe struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop", "campaign": c.ID}, &pe); st != http.StatusCreated {
			t.Fatalf("petition: %d", st)
		}
		petition := strings.TrimPrefix(pe.Identifiers[0], "repertoire:")
		now := time.Now().UTC()
		var pl struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": c.ID, "threshold": 100000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
			t.Fatalf("pledge: %d", st)
		}
		// A person signs through the API's record helper, as a form does
		// (an organizer's import of paper signatures is another matter).
		sign := func(email string) int {
			return app.API(t, "POST", "/api/v1/petitions/"+petition+"/signatures", "", map[string]any{
				"person": map[string]any{"email_addresses": []map[string]any{{"address": email}}}}, nil)
		}
		if st := sign("early@example.org"); st != http.StatusCreated && st != http.StatusAccepted {
			t.Fatalf("signature before closing: %d", st)
		}
		// Someone committed on paper, imported by the organizer: told of
		// the closing by mail.
		if st := app.API(t, "POST", "/api/v1/pledges/"+pl.ID+"/commitments", token, map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "committed@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("commitment before closing: %d", st)
		}
		status := func(path string) string {
			var d struct {
				Status string `json:"status"`
			}
			app.API(t, "GET", path, token, nil, &d)
			return d.Status
		}
		if p, g := status("/api/v1/petitions/"+petition), status("/api/v1/pledges/"+pl.ID); p != "open" || g != "collecting" {
			t.Fatalf("before closing: petition %q, pledge %q", p, g)
		}

		// The edit page offers closing as a danger button, which asks first.
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/" + c.Slug
		if _, page := b.Get(t, base+"/edit"); !strings.Contains(page, `action="`+base+`/close"><button type="submit" class="danger">Close the campaign</button>`) {
			t.Fatalf("edit page has no close button:\n%s", page)
		}
		st, page := b.Post(t, base+"/close", nil)
		if st != http.StatusOK || !strings.Contains(page, "Close the campaign “Facebook users’ strike”?") {
			t.Fatalf("close asks first: %d\n%s", st, page)
		}
		if s := status("/api/v1/pledges/" + pl.ID); s != "collecting" {
			t.Fatalf("closed before confirming: pledge %q", s)
		}
		st, page = b.Post(t, base+"/close", url.Values{"confirm": {"yes"}})
		if st != http.StatusOK || !strings.Contains(page, "This campaign ended on") {
			t.Fatalf("closed: %d\n%s", st, page)
		}

		if p, g := status("/api/v1/petitions/"+petition), status("/api/v1/pledges/"+pl.ID); p != "closed" || g != "closed" {
			t.Fatalf("after closing: petition %q, pledge %q", p, g)
		}
		app.Mail.Wait(t, "committed@example.org", "Closed: Log out for a week")
		if st := sign("late@example.org"); st != http.StatusConflict {
			t.Fatalf("signature on the closed campaign's petition: %d, want 409", st)
		}
		app.API(t, "GET", "/api/v1/campaigns/"+c.ID, "", nil, &c)
		if c.Status != "closed" || c.ClosedDate == nil || len(c.Updates) == 0 || c.Updates[0].Title != "The campaign is closed: its petitions, pledges, letter campaigns and legal actions take no more participation." {
			t.Fatalf("closed document: %q %v %+v", c.Status, c.ClosedDate, c.Updates)
		}
		for lang, want := range map[string][]string{
			"en": {"This campaign ended on", "The campaign is closed: its petitions, pledges, letter campaigns and legal actions take no more participation."},
			"fr": {"Cette campagne a pris fin le", "La campagne est close : ses pétitions, engagements, campagnes de lettres et actions juridiques ne recueillent plus de participations."},
		} {
			v := app.Browser()
			v.Lang = lang
			if _, page := v.Get(t, base); !strings.Contains(page, want[0]) || !strings.Contains(page, want[1]) {
				t.Errorf("%s page of the closed campaign lacks %q:\n%s", lang, want, page)
			}
		}

		if _, page := b.Get(t, base+"/edit"); !strings.Contains(page, "This campaign ended on") || strings.Contains(page, base+"/close") {
			t.Errorf("edit page of a closed campaign still offers closing:\n%s", page)
		}

		// Closing twice, by the page, is a conflict; by the API the document
		// sent back as read changes nothing, and reopening is refused.
		if st, _ := b.Post(t, base+"/close", url.Values{"confirm": {"yes"}}); st != http.StatusConflict {
			t.Errorf("closing twice by the page: %d, want 409", st)
		}
		var prob problem
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "closed", "summary": "It ended."}, &c); st != http.StatusOK || c.Status != "closed" || c.Summary != "It ended." {
			t.Errorf("closed document sent back: %d %q %q", st, c.Status, c.Summary)
		}
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "published"}, &prob); st != http.StatusConflict || !prob.names("status") {
			t.Errorf("reopening: %d %+v", st, prob)
		}

		// A draft is deleted, not closed: refused by the API and the page.
		body := strikeBody("users")
		body["status"], body["title"] = "draft", "Second thoughts"
		var d doc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, body, &d); st != http.StatusCreated {
			t.Fatalf("draft: %d", st)
		}
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+d.ID, token, map[string]any{"status": "closed"}, &prob); st != http.StatusConflict || !prob.names("status") {
			t.Errorf("closing a draft by the API: %d %+v", st, prob)
		}
		if st, _ := b.Post(t, "/c/users/"+d.Slug+"/close", url.Values{"confirm": {"yes"}}); st != http.StatusConflict {
			t.Errorf("closing a draft by the page: %d, want 409", st)
		}
		if app.API(t, "GET", "/api/v1/campaigns/"+d.ID, token, nil, &d); d.Status != "draft" || d.ClosedDate != nil {
			t.Errorf("refused closing of a draft: %q %v", d.Status, d.ClosedDate)
		}
	})
}

// Closing through the API (PATCH status closed) closes its tactics too,
// and saves the other fields sent with it.
func TestCloseACampaignThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		var c struct {
			campaignDoc
			Status     string  `json:"status"`
			ClosedDate *string `json:"closed_date"`
		}
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), &c); st != http.StatusCreated {
			t.Fatalf("create: %d", st)
		}
		var pe struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop", "campaign": c.ID}, &pe); st != http.StatusCreated {
			t.Fatalf("petition: %d", st)
		}
		petition := strings.TrimPrefix(pe.Identifiers[0], "repertoire:")
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "closed", "summary": "Over."}, &c); st != http.StatusOK ||
			c.Status != "closed" || c.ClosedDate == nil || c.Summary != "Over." {
			t.Fatalf("close: %d %q %v %q", st, c.Status, c.ClosedDate, c.Summary)
		}
		var p struct {
			Status string `json:"status"`
		}
		if app.API(t, "GET", "/api/v1/petitions/"+petition, token, nil, &p); p.Status != "closed" {
			t.Fatalf("petition of the closed campaign: %q", p.Status)
		}
	})
}
