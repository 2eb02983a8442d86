package campaign_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// organize creates, with the organizer's token, a community asking
// approval to join, a campaign, a petition and a pledge collecting until
// deadline.
func organize(t *testing.T, app *testkit.App, token, slug, name string, deadline time.Time) {
	t.Helper()
	if st := app.API(t, "POST", "/api/v1/communities", token, map[string]string{"name": name, "slug": slug, "join_policy": "approval"}, nil); st != 201 {
		t.Fatalf("create community: %d", st)
	}
	var c struct {
		ID string `json:"id"`
	}
	if st := app.API(t, "POST", "/api/v1/campaigns", token, map[string]any{"title": name + " campaign", "community": slug}, &c); st != 201 {
		t.Fatalf("create campaign: %d", st)
	}
	if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": name + " petition", "petition_text": "Text.", "campaign": c.ID}, nil); st != 201 {
		t.Fatalf("create petition: %d", st)
	}
	if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": name + " pledge", "action": "log out", "campaign": c.ID,
		"threshold": 2, "deadline": deadline.Format(time.RFC3339),
		"window_start": deadline.Add(24 * time.Hour).Format(time.RFC3339), "window_end": deadline.Add(240 * time.Hour).Format(time.RFC3339)}, nil); st != 201 {
		t.Fatalf("create pledge: %d", st)
	}
}

func TestOrganizersDashboardShowsTheirOwnCommunities(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		deadline := time.Date(time.Now().Year()+1, time.December, 1, 12, 0, 0, 0, time.UTC)
		olga := app.Token(t, "olga@example.org", "Olga", false)
		organize(t, app, olga, "riders", "Riders", deadline)
		omar := app.Token(t, "omar@example.org", "Omar", false)
		organize(t, app, omar, "drivers", "Drivers", deadline)

		// Ana asks to join the riders: one request for Olga to review.
		app.Token(t, "ana@example.org", "Ana", false)
		ana := app.Browser()
		ana.SignIn(t, "ana@example.org", password)
		if st, _ := ana.Post(t, "/c/riders/join", url.Values{}); st != 200 {
			t.Fatalf("ask to join: %d", st)
		}

		b := app.Browser()
		b.SignIn(t, "olga@example.org", password)
		st, page := b.Get(t, "/dashboard")
		if st != 200 {
			t.Fatalf("dashboard: %d", st)
		}
		contains(t, "olga's dashboard", page, "Your dashboard", "Riders", "Riders campaign", "Riders petition", "0 signatures",
			"Riders pledge", "1 person asks to join", "Riders pledge: deadline, 0 committed", "1 December")
		lacks(t, "olga's dashboard", page, "Drivers")
		if !strings.Contains(page, `href="/dashboard"`) {
			t.Error("the header has no link to the dashboard")
		}

		b.Lang = "fr"
		_, page = b.Get(t, "/dashboard")
		contains(t, "olga's dashboard in French", page, "Votre tableau de bord", "Riders petition", "0 signature", "1 personne demande à rejoindre", "1er décembre")

		c := app.Browser()
		c.SignIn(t, "omar@example.org", password)
		_, page = c.Get(t, "/dashboard")
		contains(t, "omar's dashboard", page, "Drivers petition", "Drivers pledge", "Nothing waits for your review.")
		lacks(t, "omar's dashboard", page, "Riders")

		_, page = ana.Get(t, "/dashboard")
		contains(t, "a member's dashboard", page, "You organize no community yet.")
		lacks(t, "a member's dashboard", page, "Riders petition")

		visitor := app.Browser()
		if _, page = visitor.Get(t, "/dashboard"); !strings.Contains(page, `name="password"`) {
			t.Error("a visitor is not sent to sign in")
		}
	})
}
