package campaign_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// A campaign saved as a draft is its community's organizers' only, with
// its tactics: a visitor, a member and the API do not find it nor its
// pledges; the community page lists it to organizers only; published, it
// is a campaign like any other.
func TestDraftCampaign(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		memberToken := app.Token(t, "member@example.org", "Member", false)
		community(t, app, token, "users", "public")
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		_, form := b.Get(t, "/c/users/campaigns/new")
		contains(t, "new form", form, `name="action" value="draft"`)
		st, page := b.Post(t, "/c/users/campaigns", url.Values{"title": {"Quiet plans"}, "slug": {"quiet"}, "sections": {"1"}, "action": {"draft"}})
		if st != 200 {
			t.Fatalf("save a draft: %d\n%s", st, page)
		}
		contains(t, "organizer's preview", page, "This campaign is a draft", `action="/c/users/quiet/publish"`)
		c := campaignByAPI(t, app, token, "users", "quiet")
		now := time.Now().UTC()
		var pl struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out", "action": "log out", "campaign": c.ID,
			"threshold": 10, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
			"window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
			t.Fatalf("pledge: %d", st)
		}
		var pe struct {
			Identifiers []string `json:"identifiers"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Open it", "petition_text": "Open the data.",
			"campaign": c.ID}, &pe); st != http.StatusCreated {
			t.Fatalf("petition: %d", st)
		}
		// A draft campaign's tactics, asked for by id or by their campaign,
		// are not found but by its organizers.
		byID := []string{"/api/v1/pledges/" + pl.ID, "/api/v1/petitions/" + strings.TrimPrefix(pe.Identifiers[0], "repertoire:"), "/api/v1/pledges?campaign=" + c.ID}
		for _, p := range byID {
			if st := app.API(t, "GET", p, token, nil, nil); st != http.StatusOK {
				t.Errorf("organizer's GET %s: %d, want 200", p, st)
			}
		}

		visitor := app.Browser()
		member := app.Browser()
		member.SignIn(t, "member@example.org", password)
		if st, _ := member.Post(t, "/c/users/join", nil); st != 200 {
			t.Fatalf("join: %d", st)
		}
		for who, br := range map[string]*testkit.Browser{"visitor": visitor, "member": member} {
			for _, p := range []string{"/c/users/quiet", "/c/users/quiet/pledges/log-out"} {
				if st, _ := br.Get(t, p); st != http.StatusNotFound {
					t.Errorf("%s GET %s: %d, want 404", who, p, st)
				}
			}
			_, com := br.Get(t, "/c/users")
			lacks(t, who+"'s community page", com, "Quiet plans")
		}
		_, com := b.Get(t, "/c/users")
		contains(t, "organizer's community page", com, "Quiet plans", "Draft")
		for who, tok := range map[string]string{"visitor": "", "member": memberToken} {
			var list struct {
				Total int `json:"total_records"`
			}
			app.API(t, "GET", "/api/v1/campaigns", tok, nil, &list)
			if list.Total != 0 {
				t.Errorf("%s's API lists %d campaigns, want none", who, list.Total)
			}
			app.API(t, "GET", "/api/v1/pledges", tok, nil, &list)
			if list.Total != 0 {
				t.Errorf("%s's API lists %d pledges, want none (its campaign is a draft)", who, list.Total)
			}
			app.API(t, "GET", "/api/v1/petitions", tok, nil, &list)
			if list.Total != 0 {
				t.Errorf("%s's API lists %d petitions, want none (its campaign is a draft)", who, list.Total)
			}
			if st := app.API(t, "GET", "/api/v1/campaigns/"+c.ID, tok, nil, nil); st != http.StatusNotFound {
				t.Errorf("%s's API finds the draft: %d", who, st)
			}
			for _, p := range byID {
				if st := app.API(t, "GET", p, tok, nil, nil); st != http.StatusNotFound {
					t.Errorf("%s's GET %s: %d, want 404 (its campaign is a draft)", who, p, st)
				}
			}
		}

		if st, body := b.Post(t, "/c/users/quiet/publish", nil); st != 200 || !strings.Contains(body, "The campaign is published.") {
			t.Fatalf("publish: %d", st)
		}
		if st, _ := visitor.Get(t, "/c/users/quiet/pledges/log-out"); st != 200 {
			t.Errorf("published campaign's pledge: %d", st)
		}
		for _, p := range byID {
			if st := app.API(t, "GET", p, "", nil, nil); st != http.StatusOK {
				t.Errorf("visitor's GET %s once published: %d, want 200", p, st)
			}
		}
		_, com = visitor.Get(t, "/c/users")
		contains(t, "community page once published", com, "Quiet plans")
		lacks(t, "community page once published", com, "Draft")
		if st, _ := b.Post(t, "/c/users/quiet/publish", nil); st != http.StatusConflict {
			t.Errorf("publishing twice: %d, want 409", st)
		}
	})
}
