package petition_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// The campaign page links its tactics: the petition with its count toward
// the goal, the pledge with its status and count toward the threshold, and
// the organizers' links to start new ones.
func TestCampaignPageLinksItsTactics(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		var campaignID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, p.id()).Scan(&campaignID)
		if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, map[string]any{
			"person":        map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}},
			"origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		now := time.Now().UTC()
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": campaignID, "threshold": 100000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, nil); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}

		for _, tc := range []struct {
			name, lang string
			organizer  bool
			wants      []string
			unwanted   []string
		}{
			{"visitor", "en", false,
				[]string{"Take action", "Petition", `href="/c/users/logout/petitions/stop-tracking-us"`, "Stop tracking us", "1 of 10 signatures",
					"Conditional strike", "Collecting commitments", `href="/c/users/logout/pledges/log-out-for-a-week"`, "0 of 100,000 committed"},
				[]string{"New petition", "New pledge"}},
			{"visitor in French", "fr", false,
				[]string{"Agir", "Pétition", "1 signature sur 10", "Grève conditionnelle", "0 engagé sur 100\u202f000"}, nil},
			{"organizer", "en", true,
				[]string{"Take action", `href="/c/users/logout/petitions/new"`, "New petition", `href="/c/users/logout/pledges/new"`, "New pledge"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := app.Browser()
				b.Lang = tc.lang
				if tc.organizer {
					b.SignIn(t, organizer, "correct horse battery")
				}
				st, body := b.Get(t, "/c/users/logout")
				if st != http.StatusOK {
					t.Fatalf("campaign page: %d", st)
				}
				contains(t, "campaign page", body, tc.wants...)
				lacks(t, "campaign page", body, tc.unwanted...)
			})
		}
	})
}
