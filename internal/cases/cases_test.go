package cases_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/cases"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

type caseDoc struct {
	Identifiers []string `json:"identifiers"`
	Slug        string   `json:"slug"`
	Platform    string   `json:"platform"`
	Year        int      `json:"year"`
	Tactics     []string `json:"tactics"`
	Won         bool     `json:"won"`
	Sources     []string `json:"sources"`
	CreatedDate string   `json:"created_date"`
	Links       map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

type caseList struct {
	TotalRecords int                  `json:"total_records"`
	Embedded     map[string][]caseDoc `json:"_embedded"`
}

type problem struct {
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func (p problem) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

func personID(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The library starts with the seed's eight cases, each with a source
// link; seeding again adds none; an organizer adds a case for their
// community, and a body with an unknown field or bad values is refused
// naming them.
func TestCaseLibrary(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if err := cases.Seed(context.Background(), app.DB); err != nil { // the server seeded already
			t.Fatal(err)
		}
		var l caseList
		if s := app.API(t, "GET", "/api/v1/cases", "", nil, &l); s != 200 || l.TotalRecords != 8 {
			t.Fatalf("seeded cases: %d, %d", s, l.TotalRecords)
		}
		slugs := map[string]caseDoc{}
		for _, c := range l.Embedded["repertoire:cases"] {
			slugs[c.Slug] = c
			if len(c.Sources) == 0 || !strings.HasPrefix(c.Sources[0], "http") || c.CreatedDate == "" || c.Links["self"].Href == "" {
				t.Fatalf("case %s: %+v", c.Slug, c)
			}
		}
		for _, s := range []string{"tuenti-2009", "beacon-2007", "like-button-2010", "europe-v-facebook-2011", "reddit-2015",
			"free-basics-2016", "facebook-strikes-2018", "faceblock-2018"} {
			if _, ok := slugs[s]; !ok {
				t.Fatalf("no %s in %v", s, slugs)
			}
		}
		if evf := slugs["europe-v-facebook-2011"]; !evf.Won || evf.Year != 2011 || strings.Join(evf.Tactics, ",") != "complaint,litigation" {
			t.Fatalf("Europe v Facebook: %+v", evf)
		}
		if strikes := slugs["facebook-strikes-2018"]; strikes.Won {
			t.Fatal("the 2018 strikes won")
		}
		var one caseDoc
		if s := app.API(t, "GET", slugs["beacon-2007"].Links["self"].Href, "", nil, &one); s != 200 || one.Slug != "beacon-2007" {
			t.Fatalf("GET beacon: %d %+v", s, one)
		}
		var fb caseList
		app.API(t, "GET", "/api/v1/cases?filter="+url.QueryEscape("platform eq 'facebook'"), "", nil, &fb)
		if fb.TotalRecords != 5 {
			t.Fatalf("Facebook cases: %d", fb.TotalRecords)
		}

		org := app.Token(t, "org@example.org", "Olga", false)
		outsider := app.Token(t, "outsider@example.org", "Otto", false)
		com, err := community.NewStore(app.DB).Create(context.Background(), personID(t, app, "org@example.org"), community.Input{Name: "Couriers", Slug: "couriers"})
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"community_id": com.ID, "platform": "Deliveroo", "year": 2016, "title": "London couriers' strike",
			"tactics": []string{"strike", "protest"}, "outcome": "The pay change was postponed.", "won": true,
			"sources": []string{"https://en.wikipedia.org/wiki/Deliveroo"}}
		var p problem
		if s := app.API(t, "POST", "/api/v1/cases", "", body, nil); s != 401 {
			t.Fatalf("without a token: %d", s)
		}
		if s := app.API(t, "POST", "/api/v1/cases", outsider, body, &p); s != 422 || !p.names("community_id") {
			t.Fatalf("outsider: %d %+v", s, p)
		}
		if s := app.API(t, "POST", "/api/v1/cases", org, map[string]any{"community_id": com.ID, "platfrom": "x"}, &p); s != 422 || !p.names("platfrom") {
			t.Fatalf("unknown field: %d %+v", s, p)
		}
		if s := app.API(t, "POST", "/api/v1/cases", org, map[string]any{"community_id": com.ID, "year": 1800, "tactics": []string{"prayer"},
			"sources": []string{"not a link"}}, &p); s != 422 || !p.names("year") || !p.names("tactics") || !p.names("sources") || !p.names("platform") || !p.names("outcome") {
			t.Fatalf("bad case: %d %+v", s, p)
		}
		var created caseDoc
		if s := app.API(t, "POST", "/api/v1/cases", org, body, &created); s != 201 || created.Platform != "Deliveroo" {
			t.Fatalf("create: %d %+v", s, created)
		}
		if app.API(t, "GET", "/api/v1/cases", "", nil, &l); l.TotalRecords != 9 {
			t.Fatalf("after create: %d", l.TotalRecords)
		}

		b := app.Browser()
		b.Lang = "fr"
		status, page := b.Get(t, "/cases")
		if status != 200 || !strings.Contains(page, "Bibliothèque de cas") || !strings.Contains(page, "Europe versus Facebook") || !strings.Contains(page, "London couriers") {
			t.Fatalf("library page: %d\n%s", status, page)
		}
		status, page = b.Get(t, "/cases/free-basics-2016")
		if status != 200 || !strings.Contains(page, "TRAI") || !strings.Contains(page, `href="https://en.wikipedia.org/wiki/Free_Basics"`) {
			t.Fatalf("case page: %d\n%s", status, page)
		}
	})
}

// A campaign's page shows its tactics beside those that won cases against
// the same platform, and warns while it relies on one tactic alone.
func TestCampaignPageAdvice(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		token := app.Token(t, "org@example.org", "Olga", false)
		orgID := personID(t, app, "org@example.org")
		com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Users", Slug: "users"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Log out", Slug: "logout",
			Targets: []string{"Facebook"}, Sections: []campaign.SectionInput{{Title: "Data", Demands: []campaign.DemandInput{{Text: "Stop tracking"}}}}})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if s := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": c.ID, "threshold": 1000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, nil); s != 201 {
			t.Fatalf("pledge: %d", s)
		}
		b := app.Browser()
		_, page := b.Get(t, "/c/users/logout")
		advice := section(t, page, `id="advice"`)
		for _, want := range []string{`id="single-tactic"`, "relies on one tactic alone (Strike)", "Tactics of the cases that won against Facebook",
			"Complaint to a regulator", "Litigation", "Lobbying officials", "Petition", "Beacon petition (2007)", "Europe versus Facebook (2011)"} {
			if !strings.Contains(advice, want) {
				t.Errorf("advice lacks %q:\n%s", want, advice)
			}
		}
		// Lone strikes that lost are not advice.
		if strings.Contains(advice, "Faceblock") || strings.Contains(advice, "Free Basics banned") {
			t.Errorf("advice cites a case lost or against another platform:\n%s", advice)
		}

		if s := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking us", "petition_text": "We ask you to stop.",
			"campaign": "repertoire:" + c.ID, "goal": 10}, nil); s != 201 {
			t.Fatalf("petition: %d", s)
		}
		time.Sleep(1100 * time.Millisecond) // the page's one-second cache
		b.Lang = "fr"
		_, page = b.Get(t, "/c/users/logout")
		advice = section(t, page, `id="advice"`)
		if strings.Contains(advice, `id="single-tactic"`) {
			t.Errorf("warning with two tactics:\n%s", advice)
		}
		for _, want := range []string{"Ce qui a gagné dans des cas comparables", "Pétition", "Grève", "Plainte auprès d’une autorité"} {
			if !strings.Contains(advice, want) {
				t.Errorf("French advice lacks %q:\n%s", want, advice)
			}
		}
		// Missing: what won and the campaign does not use yet.
		missing := section(t, advice, `class="advice-missing"`)
		if strings.Contains(missing, "Pétition") || !strings.Contains(missing, "Contentieux") {
			t.Errorf("missing tactics: %s", missing)
		}
	})
}

// section is the element of page that starts with marker, to its end.
func section(t *testing.T, page, marker string) string {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no %s in:\n%s", marker, page)
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	if j := strings.Index(rest, "</p>"); j >= 0 {
		return rest[:j]
	}
	return rest
}
