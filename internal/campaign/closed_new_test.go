package campaign_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// A closed campaign takes no new action: creating a petition, a pledge,
// an event, a letter or a legal action in it through the API is a 409
// naming campaign, in the reader's language, and writes nothing; its
// new-petition form answers the same on the pages (GET and POST), and its
// page no longer offers the new-action buttons. Its existing petition is
// still read and edited.
func TestAClosedCampaignTakesNoNewActions(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		var c campaignDoc
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
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/" + c.Slug
		if _, page := b.Get(t, base); !strings.Contains(page, base+"/petitions/new") {
			t.Fatal("an open campaign's page offers no new petition")
		}
		if st := app.API(t, "PATCH", "/api/v1/campaigns/"+c.ID, token, map[string]any{"status": "closed"}, nil); st != http.StatusOK {
			t.Fatalf("close: %d", st)
		}

		now := time.Now().UTC()
		creates := map[string]map[string]any{
			"petitions": {"title": "Another", "campaign": c.ID},
			"pledges": {"title": "Log out for a week", "action": "log out", "campaign": c.ID, "threshold": 100,
				"deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
				"window_end": now.Add(240 * time.Hour).Format(time.RFC3339)},
			"events": {"title": "Assembly", "campaign": c.ID, "start_date": now.Add(72 * time.Hour).Format(time.RFC3339),
				"end_date": now.Add(75 * time.Hour).Format(time.RFC3339), "timezone_identifier": "Europe/Paris", "location": map[string]any{"venue": "The hall"}},
			"advocacy_campaigns": {"title": "Write to them", "campaign": c.ID, "templates": []map[string]any{{"subject": "Stop", "message": "Please stop."}},
				"targets": []map[string]any{{"name": "FTC", "email": "chairman@ftc.example", "country": "US"}}},
			"legal_actions": {"title": "Ask for our data", "campaign": c.ID, "kind": "regulator_complaint"},
		}
		for kind, body := range creates {
			var raw json.RawMessage // a 201 would not read as a problem
			st := app.API(t, "POST", "/api/v1/"+kind, token, body, &raw)
			var p problem
			json.Unmarshal(raw, &p)
			if st != http.StatusConflict || !p.names("campaign") || p.Errors[0].Detail != "This campaign has ended: it takes no new actions." {
				t.Errorf("%s in a closed campaign: %d %s", kind, st, raw)
			}
			var list struct {
				Total int `json:"total_records"`
			}
			want := 0
			if kind == "petitions" {
				want = 1 // the one created before closing
			}
			if st := app.API(t, "GET", "/api/v1/"+kind+"?campaign="+c.ID, token, nil, &list); st != http.StatusOK || list.Total != want {
				t.Errorf("%s of the closed campaign: %d, %d, want %d", kind, st, list.Total, want)
			}
		}
		// In French, by the request's Accept-Language.
		req, _ := http.NewRequest("POST", app.URL+"/api/v1/pledges", strings.NewReader(mustJSON(t, creates["pledges"])))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("OSDI-API-Token", token)
		req.Header.Set("Accept-Language", "fr")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var fr problem
		json.NewDecoder(resp.Body).Decode(&fr)
		resp.Body.Close()
		if resp.StatusCode != http.StatusConflict || !fr.names("campaign") || fr.Errors[0].Detail != "Cette campagne a pris fin : elle ne prend plus de nouvelles actions." {
			t.Errorf("in French: %d %+v", resp.StatusCode, fr)
		}

		// Its existing petition is still read and edited.
		var p struct {
			Title string `json:"title"`
		}
		if st := app.API(t, "PATCH", "/api/v1/petitions/"+petition, token, map[string]any{"title": "Stopped"}, &p); st != http.StatusOK || p.Title != "Stopped" {
			t.Errorf("editing the closed campaign's petition: %d %q", st, p.Title)
		}

		// The pages: no new-action buttons, the form refused both ways.
		_, page := b.Get(t, base)
		lacks(t, "the closed campaign's page", page, base+"/petitions/new", base+"/pledges/new", base+"/letters/new")
		if st, page := b.Get(t, base+"/petitions/new"); st != http.StatusConflict || !strings.Contains(page, "This campaign has ended: it takes no new actions.") {
			t.Errorf("new petition form: %d", st)
		}
		if st, page := b.Post(t, base+"/petitions", url.Values{"title": {"Sneaked in"}, "text": {"Text."}}); st != http.StatusConflict ||
			!strings.Contains(page, "This campaign has ended: it takes no new actions.") {
			t.Errorf("new petition posted: %d", st)
		}
		b.Lang = "fr"
		if st, page := b.Get(t, base+"/pledges/new"); st != http.StatusConflict || !strings.Contains(page, "Cette campagne a pris fin : elle ne prend plus de nouvelles actions.") {
			t.Errorf("new pledge form in French: %d", st)
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if app.API(t, "GET", "/api/v1/petitions?campaign="+c.ID, token, nil, &list); list.Total != 1 {
			t.Errorf("petitions after the refused form: %d", list.Total)
		}
	})
}
