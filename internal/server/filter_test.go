package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

// collection is an OSDI collection document, its items read loosely.
type collection struct {
	Total      int                         `json:"total_records"`
	TotalPages int                         `json:"total_pages"`
	Embedded   map[string][]map[string]any `json:"_embedded"`
}

func (c collection) items(rel string) []map[string]any { return c.Embedded[rel] }

// TestEveryCollectionFilters plays OSDI clients' incremental reads on every
// collection: items made before and after a moment, filtered on
// created_date and modified_date with gt, lt, eq and "and", the total
// counted by the same SQL as the page; what is not understood is a 422
// naming filter, never ignored.
func TestEveryCollectionFilters(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		admin := app.Token(t, "admin@example.org", "Admin", true)
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		person := func(email string) string {
			var id string
			if err := app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		orgID := person("organizer@example.org")
		communities, campaigns := community.NewStore(app.DB), campaign.NewStore(app.DB)
		post := func(path string, body map[string]any) string {
			t.Helper()
			var doc struct {
				Identifiers []string `json:"identifiers"`
			}
			if st := app.API(t, "POST", path, token, body, &doc); st != http.StatusCreated {
				t.Fatalf("POST %s: %d", path, st)
			}
			if len(doc.Identifiers) == 0 {
				return ""
			}
			return doc.Identifiers[0][len("repertoire:"):]
		}
		now := time.Now().UTC()
		pledgeBody := func(title, campaignID string) map[string]any {
			return map[string]any{"title": title, "action": "log out", "campaign": campaignID, "threshold": 1000,
				"deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
				"window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}
		}
		sign := func(path, email string) {
			post(path, map[string]any{"origin_system": "paper", "person": map[string]any{"given_name": "Someone",
				"email_addresses": []map[string]any{{"address": email}}}})
		}

		// Before the cut.
		users, err := communities.Create(ctx, orgID, community.Input{Name: "Users", Slug: "users"})
		if err != nil {
			t.Fatal(err)
		}
		camp, err := campaigns.Create(ctx, orgID, campaign.CampaignInput{CommunityID: users.ID, Title: "Log out", Slug: "logout",
			Sections: []campaign.SectionInput{{Title: "Data", Demands: []campaign.DemandInput{{Text: "Stop tracking"}, {Text: "Open the data"}}}}})
		if err != nil {
			t.Fatal(err)
		}
		petA := post("/api/v1/petitions", map[string]any{"title": "Stop tracking us", "campaign": camp.ID})
		sign("/api/v1/petitions/"+petA+"/signatures", "ana@example.org")
		pledgeA := post("/api/v1/pledges", pledgeBody("Log out for a week", camp.ID))
		sign("/api/v1/pledges/"+pledgeA+"/commitments", "ana@example.org")
		cut := time.Now().UTC()
		time.Sleep(1100 * time.Millisecond)

		// After it.
		petB := post("/api/v1/petitions", map[string]any{"title": "Open the data", "campaign": camp.ID})
		sign("/api/v1/petitions/"+petA+"/signatures", "bob@example.org")
		sign("/api/v1/petitions/"+petB+"/signatures", "ana@example.org")
		sign("/api/v1/pledges/"+pledgeA+"/commitments", "bob@example.org")
		if _, err := communities.Join(ctx, users.ID, person("bob@example.org")); err != nil {
			t.Fatal(err)
		}
		drivers, err := communities.Create(ctx, orgID, community.Input{Name: "Drivers", Slug: "drivers"})
		if err != nil {
			t.Fatal(err)
		}
		camp2, err := campaigns.Create(ctx, orgID, campaign.CampaignInput{CommunityID: drivers.ID, Title: "Fair pay", Slug: "fair-pay"})
		if err != nil {
			t.Fatal(err)
		}
		post("/api/v1/campaigns/"+camp.ID+"/demands", map[string]any{"section": 1, "text": "Ask first"})
		post("/api/v1/pledges", pledgeBody("Strike for pay", camp2.ID))

		for _, c := range []struct{ path, rel string }{
			{"/api/v1/people", "osdi:people"},
			{"/api/v1/petitions", "osdi:petitions"},
			{"/api/v1/petitions/" + petA + "/signatures", "osdi:signatures"},
			{"/api/v1/people/" + person("ana@example.org") + "/signatures", "osdi:signatures"},
			{"/api/v1/communities", "repertoire:communities"},
			{"/api/v1/communities/" + users.ID + "/members", "repertoire:members"},
			{"/api/v1/campaigns", "repertoire:campaigns"},
			{"/api/v1/campaigns/" + camp.ID + "/demands", "repertoire:demands"},
			{"/api/v1/pledges", "repertoire:pledges"},
			{"/api/v1/pledges/" + pledgeA + "/commitments", "repertoire:commitments"},
		} {
			read := func(filter string, perPage int) (int, collection) {
				var out collection
				q := url.Values{"per_page": {strconv.Itoa(perPage)}}
				if filter != "" {
					q.Set("filter", filter)
				}
				st := app.API(t, "GET", c.path+"?"+q.Encode(), admin, nil, &out)
				return st, out
			}
			st, all := read("", 100)
			if st != 200 || all.Total != len(all.items(c.rel)) {
				t.Fatalf("%s: %d, %d records, %d items", c.path, st, all.Total, len(all.items(c.rel)))
			}
			before := 0
			for _, it := range all.items(c.rel) {
				created, err := time.Parse(time.RFC3339, it["created_date"].(string))
				if err != nil {
					t.Fatalf("%s: created_date %v", c.path, it["created_date"])
				}
				if !created.After(cut) {
					before++
				}
			}
			if before == 0 || before == all.Total {
				t.Fatalf("%s: %d of %d made before the cut: nothing to tell apart", c.path, before, all.Total)
			}
			at := cut.Format(time.RFC3339Nano)
			first := all.items(c.rel)[0]["created_date"].(string)
			for _, f := range []struct {
				filter string
				want   int // -1: at least one, each created at first
			}{
				{"created_date lt '" + at + "'", before},
				{"created_date gt '" + at + "'", all.Total - before},
				{"modified_date gt '2099-01-01'", 0},
				{"modified_date GT '2000-01-01' and created_date lt '2099-01-01T00:00:00Z'", all.Total},
				{"created_date gt '" + at + "' and created_date lt '" + at + "'", 0},
				{"created_date eq '" + first + "'", -1},
			} {
				st, got := read(f.filter, 1)
				n := got.Total
				switch {
				case st != 200:
					t.Errorf("%s?filter=%s: %d", c.path, f.filter, st)
				case f.want >= 0 && (n != f.want || got.TotalPages != n || len(got.items(c.rel)) != min(n, 1)):
					t.Errorf("%s?filter=%s: %d records, %d pages, %d items; want %d", c.path, f.filter, n, got.TotalPages, len(got.items(c.rel)), f.want)
				case f.want < 0 && (n < 1 || got.items(c.rel)[0]["created_date"] != first):
					t.Errorf("%s?filter=%s: %d records, first %v", c.path, f.filter, n, got.items(c.rel))
				}
			}
			for _, bad := range []string{"created_date gt 'soon'", "title eq 'x'", "created_date ne '2026-01-01'",
				"created_date gt '2000-01-01' or created_date lt '2099-01-01'", "created_date gt 2000"} {
				var pr struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				q := url.Values{"filter": {bad}}
				if st := app.API(t, "GET", c.path+"?"+q.Encode(), admin, nil, &pr); st != http.StatusUnprocessableEntity || len(pr.Errors) == 0 || pr.Errors[0].Field != "filter" {
					t.Errorf("%s?filter=%s: %d %+v", c.path, bad, st, pr)
				}
			}
		}
	})
}
