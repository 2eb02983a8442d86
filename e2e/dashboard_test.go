package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// An organizer signing in lands on their dashboard: their community, its
// campaign and its petition with its count.
func TestSigningInShowsTheOrganizersDashboard(t *testing.T) {
	app := testkit.Start(t)
	token, campaignID := campaignByAPI(t, app)
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking", "petition_text": "Text.", "campaign": campaignID}, nil); st != 201 {
		t.Fatalf("create petition: %d", st)
	}
	ctx := Browser(t, 390, 844)
	Run(t, ctx, "sign in as the organizer",
		chromedp.Navigate(app.URL+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, "olga@example.org"),
		chromedp.SendKeys(`#f-password`, "correct horse battery"),
		chromedp.Click(`main button[type="submit"]`),
		chromedp.WaitVisible(`.dashboard-community`),
	)
	main := Get(t, ctx, "read the dashboard", chromedp.Text(`main`))
	for _, want := range []string{"Your dashboard", "Facebook users", "Users’ terms", "Stop tracking", "0 signatures", "Nothing waits for your review."} {
		if !strings.Contains(main, want) {
			t.Errorf("dashboard: missing %q in %q", want, main)
		}
	}
	if loc := Get(t, ctx, "read the address", chromedp.Location()); !strings.HasSuffix(loc, "/dashboard") {
		t.Errorf("signed in at %s, want the dashboard", loc)
	}
}
