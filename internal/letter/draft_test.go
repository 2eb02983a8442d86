package letter_test

import (
	"net/http"
	"testing"

	"repertoire/internal/testkit"
)

// A letter campaign of a draft campaign is its organizers' only: letters
// an organizer imports into it count, but the transparency log's public
// count of it is 404, as the letter campaign is to a visitor, until its
// campaign is published.
func TestDraftCampaignsLetterCountIsNotPublic(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		var c struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/campaigns", f.org, map[string]any{"title": "Quiet", "slug": "quiet", "community": "fb-users",
			"status": "draft"}, &c); st != http.StatusCreated {
			t.Fatalf("draft campaign: %d", st)
		}
		f.campaign = c.ID
		l := f.letter(t, nil, map[string]any{"name": "FTC", "email": "chairman@ftc.example"})
		imported := map[string]any{"origin_system": "paper", "person": map[string]any{"given_name": "Eve",
			"email_addresses": []map[string]any{{"address": "eve@example.org"}}}}
		if st := app.API(t, "POST", "/api/v1/advocacy_campaigns/"+l.ID+"/outreaches", f.org, imported, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		for _, p := range []string{"/api/v1/advocacy_campaigns/" + l.ID, "/log/counts/" + l.ID} {
			if st := app.API(t, "GET", p, "", nil, nil); st != http.StatusNotFound {
				t.Errorf("draft: GET %s: %d, want 404", p, st)
			}
		}
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, f.org, map[string]any{"status": "published"}, nil); st != 200 {
			t.Fatalf("publish: %d", st)
		}
		var count struct {
			Count int `json:"count"`
		}
		if st := app.API(t, "GET", "/log/counts/"+l.ID, "", nil, &count); st != 200 || count.Count != 1 {
			t.Errorf("published: the log's count %d (%d), want 1", count.Count, st)
		}
	})
}
