package campaign_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func (p problem) fields() string {
	var fs []string
	for _, e := range p.Errors {
		fs = append(fs, e.Field)
	}
	return strings.Join(fs, " ")
}

type links map[string]struct {
	Href string `json:"href"`
}

type changeDoc struct {
	Status      string `json:"status"`
	Note        string `json:"note"`
	EvidenceURL string `json:"evidence_url"`
	Date        string `json:"date"`
}

type demandDoc struct {
	Identifiers     []string                     `json:"identifiers"`
	ID              string                       `json:"id"`
	Number          string                       `json:"number"`
	Position        int                          `json:"position"`
	Text            string                       `json:"text"`
	Translations    map[string]map[string]string `json:"translations"`
	Status          string                       `json:"status"`
	SectionLetter   string                       `json:"section_letter"`
	SectionPosition int                          `json:"section_position"`
	SectionTitle    string                       `json:"section_title"`
	StatusHistory   []changeDoc                  `json:"status_history"`
	BrowserURL      string                       `json:"browser_url"`
	Links           links                        `json:"_links"`
}

type campaignDoc struct {
	Identifiers    []string                     `json:"identifiers"`
	ID             string                       `json:"id"`
	Slug           string                       `json:"slug"`
	Title          string                       `json:"title"`
	Summary        string                       `json:"summary"`
	Language       string                       `json:"language"`
	Translations   map[string]map[string]string `json:"translations"`
	Community      string                       `json:"community"`
	Targets        []struct{ Name string }
	UltimatumDate  *string `json:"ultimatum_date"`
	TotalDemands   int     `json:"total_demands"`
	DemandSections []struct {
		ID      string      `json:"id"`
		Letter  string      `json:"letter"`
		Title   string      `json:"title"`
		Demands []demandDoc `json:"demands"`
		// Translations are the section title's other languages.
		Translations map[string]map[string]string `json:"translations"`
	} `json:"demand_sections"`
	Updates []struct {
		Title         string `json:"title"`
		PublishedDate string `json:"published_date"`
	} `json:"updates"`
	Coverage []struct {
		Outlet, Title, Date, Language, URL, Kind string
	} `json:"coverage"`
	CreatedDate  string `json:"created_date"`
	ModifiedDate string `json:"modified_date"`
	OriginSystem string `json:"origin_system"`
	BrowserURL   string `json:"browser_url"`
	Links        links  `json:"_links"`
}

type collection struct {
	TotalPages   int                       `json:"total_pages"`
	TotalRecords int                       `json:"total_records"`
	Page         int                       `json:"page"`
	PerPage      int                       `json:"per_page"`
	Links        links                     `json:"_links"`
	Embedded     map[string][]demandOrCamp `json:"_embedded"`
}

type demandOrCamp struct {
	ID            string      `json:"id"`
	Slug          string      `json:"slug"`
	Number        string      `json:"number"`
	Status        string      `json:"status"`
	SectionTitle  string      `json:"section_title"`
	StatusHistory []changeDoc `json:"status_history"`
}

// community creates a community through the API; its creator owns it.
func community(t *testing.T, app *testkit.App, token, slug, visibility string) {
	t.Helper()
	body := map[string]string{"name": "Community " + slug, "slug": slug, "visibility": visibility}
	if st := app.API(t, "POST", "/api/v1/communities", token, body, nil); st != 201 {
		t.Fatalf("create community %s: %d", slug, st)
	}
}

func strikeBody(community string) map[string]any {
	return map[string]any{
		"title":          "Facebook users’ strike",
		"summary":        "On May 1st, 2018, Facebook users are going on strike unless the company agrees to the following terms.",
		"community":      community,
		"targets":        []map[string]string{{"name": "Facebook, Inc."}},
		"ultimatum_date": "2018-05-01",
		"demand_sections": []map[string]any{
			{"title": "Full Transparency for American and British Voters", "demands": []map[string]string{
				{"text": "Facebook shares the exact date it discovered Russian operatives had purchased ads."},
				{"text": "Facebook shares the 3,000+ ads that Russian operatives ran during 2016.", "status": "partially_met"},
			}},
			{"title": "Better Safety for Children on Facebook", "demands": []map[string]string{
				{"text": "Facebook increases the minimum age for Facebook users from 13 to 16."},
				{"text": "Facebook shuts down the Messenger Kids product."},
			}},
		},
	}
}

func TestCampaignsAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		outsider := app.Token(t, "outsider@example.org", "Outsider", false)
		community(t, app, owner, "users", "public")
		community(t, app, owner, "workers", "private")

		// One POST writes the campaign with its sections and demands.
		req, _ := http.NewRequest("POST", app.URL+"/api/v1/campaigns", strings.NewReader(mustJSON(t, strikeBody("users"))))
		req.Header.Set("OSDI-API-Token", owner)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 201 || !strings.HasPrefix(loc, app.URL+"/api/v1/campaigns/") {
			t.Fatalf("create: %d, Location %q", resp.StatusCode, loc)
		}
		var c campaignDoc
		if st := app.API(t, "GET", loc, "", nil, &c); st != 200 {
			t.Fatalf("get: %d", st)
		}
		if c.Slug != "facebook-users-strike" || c.Identifiers[0] != "repertoire:"+c.ID || c.OriginSystem != "repertoire" ||
			c.BrowserURL != app.URL+"/c/users/facebook-users-strike" || c.CreatedDate == "" || c.ModifiedDate == "" ||
			c.UltimatumDate == nil || *c.UltimatumDate != "2018-05-01T00:00:00Z" || len(c.Targets) != 1 || c.Targets[0].Name != "Facebook, Inc." ||
			c.Links["self"].Href != loc || c.Links["repertoire:demands"].Href != loc+"/demands" ||
			!strings.HasSuffix(c.Links["repertoire:community"].Href, "/api/v1/communities/"+c.Community) {
			t.Fatalf("resource: %+v", c)
		}
		if c.TotalDemands != 4 || len(c.DemandSections) != 2 || c.DemandSections[1].Letter != "B" || c.DemandSections[1].Demands[1].Number != "B2" {
			t.Fatalf("sections: %+v", c.DemandSections)
		}
		a2 := c.DemandSections[0].Demands[1]
		if a2.Status != "partially_met" || len(a2.StatusHistory) != 2 || a2.StatusHistory[0].Status != "open" ||
			a2.BrowserURL != app.URL+"/c/users/facebook-users-strike/demands/"+a2.ID || a2.SectionTitle != "Full Transparency for American and British Voters" {
			t.Fatalf("A2: %+v", a2)
		}

		// Refusals name the field; none writes anything.
		tooMany := strikeBody("users")
		var sections []map[string]any
		for s := 0; s < 4; s++ {
			var ds []map[string]string
			for i := 0; i < 76; i++ {
				ds = append(ds, map[string]string{"text": fmt.Sprintf("demand %d", i)})
			}
			sections = append(sections, map[string]any{"title": "S", "demands": ds})
		}
		tooMany["demand_sections"] = sections
		cases := []struct {
			name   string
			token  string
			change func(map[string]any)
			raw    string
			status int
			fields string
		}{
			{"no token", "", nil, "", 401, ""},
			{"not an organizer", outsider, nil, "", 403, ""},
			{"private community of others", outsider, func(b map[string]any) { b["community"] = "workers" }, "", 422, "community"},
			{"duplicate slug", owner, nil, "", 409, "slug"},
			{"empty title", owner, func(b map[string]any) { b["title"] = " "; b["slug"] = "other" }, "", 422, "title"},
			{"unknown status", owner, func(b map[string]any) {
				b["slug"] = "other"
				b["demand_sections"] = []map[string]any{{"title": "A", "demands": []map[string]string{{"text": "x", "status": "won"}}}}
			}, "", 422, "demand_sections[0].demands[0].status"},
			{"demand list too long", owner, func(b map[string]any) { b["slug"] = "other"; b["demand_sections"] = sections }, "", 422, "demand_sections"},
			{"bad ultimatum", owner, func(b map[string]any) { b["slug"] = "other"; b["ultimatum_date"] = "1st of May" }, "", 422, "ultimatum_date"},
			{"bad JSON type", owner, nil, `{"title": 12}`, 422, "title"},
			{"5 MB body", owner, nil, `{"title": "` + strings.Repeat("x", 5<<20) + `"}`, 413, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var body any = tc.raw
				if tc.raw == "" {
					b := strikeBody("users")
					if tc.change != nil {
						tc.change(b)
					}
					body = b
				}
				var p problem
				st := app.API(t, "POST", "/api/v1/campaigns", tc.token, body, &p)
				if st != tc.status || p.Status != tc.status || p.fields() != tc.fields {
					t.Fatalf("%d %+v, want %d naming %q", st, p, tc.status, tc.fields)
				}
				if len(p.Errors) > 0 && p.Errors[0].Detail == "" {
					t.Fatalf("no localized detail: %+v", p)
				}
			})
		}
		var all collection
		app.API(t, "GET", "/api/v1/campaigns", owner, nil, &all)
		if all.TotalRecords != 1 {
			t.Fatalf("refused requests wrote campaigns: %d", all.TotalRecords)
		}

		// A private community's campaign: listed and shown to members only.
		private := strikeBody("workers")
		private["slug"] = "private-strike"
		var pc campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", owner, private, &pc); st != 201 {
			t.Fatalf("private create: %d", st)
		}
		for i := 0; i < 3; i++ {
			b := strikeBody("users")
			b["slug"] = fmt.Sprintf("strike-%d", i)
			if st := app.API(t, "POST", "/api/v1/campaigns", owner, b, nil); st != 201 {
				t.Fatalf("create %d: %d", i, st)
			}
		}
		lists := []struct {
			name, path, token string
			status, total, n  int
			next              bool
		}{
			{"visitor, first page", "/api/v1/campaigns?per_page=3", "", 200, 4, 3, true},
			{"visitor, last page", "/api/v1/campaigns?per_page=3&page=2", "", 200, 4, 1, false},
			{"member sees the private one", "/api/v1/campaigns?per_page=10", owner, 200, 5, 5, false},
			{"by community slug", "/api/v1/campaigns?community=workers", owner, 200, 1, 1, false},
			{"private community, outsider", "/api/v1/campaigns?community=workers", outsider, 404, 0, 0, false},
			{"bad page", "/api/v1/campaigns?page=0", "", 422, 0, 0, false},
		}
		for _, tc := range lists {
			var col collection
			st := app.API(t, "GET", tc.path, tc.token, nil, &col)
			_, next := col.Links["next"]
			if st != tc.status || col.TotalRecords != tc.total || len(col.Embedded["repertoire:campaigns"]) != tc.n || next != tc.next {
				t.Errorf("%s: %d, %d of %d, next %v", tc.name, st, len(col.Embedded["repertoire:campaigns"]), col.TotalRecords, next)
			}
		}
		if st := app.API(t, "GET", "/api/v1/campaigns/"+pc.ID, outsider, nil, nil); st != 404 {
			t.Errorf("private campaign to an outsider: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/campaigns/"+pc.ID, owner, nil, nil); st != 200 {
			t.Errorf("private campaign to its owner: %d", st)
		}

		// PUT merges: only given fields change.
		var put campaignDoc
		st := app.API(t, "PUT", loc, owner, map[string]any{"title": "Users’ strike", "targets": []map[string]string{{"name": "Meta"}, {"name": "Irish DPC"}}, "ultimatum_date": nil}, &put)
		if st != 200 || put.Title != "Users’ strike" || put.Summary != c.Summary || put.Slug != c.Slug || len(put.Targets) != 2 || put.UltimatumDate != nil || put.TotalDemands != 4 {
			t.Fatalf("put: %d %+v", st, put)
		}
		puts := []struct {
			name, token string
			body        any
			status      int
			fields      string
		}{
			{"no token", "", map[string]any{"title": "x"}, 401, ""},
			{"outsider", outsider, map[string]any{"title": "x"}, 403, ""},
			{"empty title", owner, map[string]any{"title": ""}, 422, "title"},
			{"sections", owner, map[string]any{"demand_sections": []any{}}, 422, "demand_sections"},
			{"slug taken", owner, map[string]any{"slug": "strike-1"}, 409, "slug"},
		}
		for _, tc := range puts {
			var p problem
			if st := app.API(t, "PUT", loc, tc.token, tc.body, &p); st != tc.status || p.fields() != tc.fields {
				t.Errorf("put %s: %d %+v", tc.name, st, p)
			}
		}

		// Demands: add to B at number 1, change a status with its evidence.
		var d demandDoc
		st = app.API(t, "POST", loc+"/demands", owner, map[string]any{"section": "B", "text": "Facebook publishes its age checks.", "position": 1}, &d)
		if st != 201 || d.Number != "B1" || d.Status != "open" || len(d.StatusHistory) != 1 {
			t.Fatalf("add demand: %d %+v", st, d)
		}
		var p problem
		if st := app.API(t, "POST", loc+"/demands", owner, map[string]any{"section": 7, "text": "x"}, &p); st != 422 || p.fields() != "section" {
			t.Errorf("unknown section: %d %+v", st, p)
		}
		if st := app.API(t, "PUT", loc+"/demands/"+d.ID, owner, map[string]any{"status": "met", "status_date": "2018-05-02"}, &p); st != 422 || p.fields() != "status_date" {
			t.Errorf("a change dated before the demand was made: %d %+v", st, p)
		}
		st = app.API(t, "PUT", loc+"/demands/"+d.ID, owner, map[string]any{
			"status": "met", "status_note": "Announced at F8", "evidence_url": "https://example.org/f8"}, &d)
		if st != 200 || d.Status != "met" || len(d.StatusHistory) != 2 {
			t.Fatalf("status change: %d %+v", st, d)
		}
		if h := d.StatusHistory[1]; h.Status != "met" || h.Note != "Announced at F8" || h.EvidenceURL != "https://example.org/f8" || h.Date < d.StatusHistory[0].Date {
			t.Fatalf("history entry: %+v", h)
		}
		st = app.API(t, "PUT", loc+"/demands/"+d.ID, owner, map[string]any{"text": "Facebook publishes how it checks ages."}, &d)
		if st != 200 || d.Text != "Facebook publishes how it checks ages." || d.Status != "met" || len(d.StatusHistory) != 2 {
			t.Fatalf("text edit: %d %+v", st, d)
		}
		demandPuts := []struct {
			name   string
			body   map[string]any
			fields string
		}{
			{"unknown status", map[string]any{"status": "won"}, "status"},
			{"bad evidence", map[string]any{"status": "rejected", "evidence_url": "javascript:alert(1)"}, "evidence_url"},
			{"bad date", map[string]any{"status": "rejected", "status_date": "yesterday"}, "status_date"},
			{"note without status", map[string]any{"status_note": "x"}, "status"},
			{"empty text", map[string]any{"text": ""}, "text"},
		}
		for _, tc := range demandPuts {
			var p problem
			if st := app.API(t, "PUT", loc+"/demands/"+d.ID, owner, tc.body, &p); st != 422 || p.fields() != tc.fields {
				t.Errorf("%s: %d %+v", tc.name, st, p)
			}
		}
		if st := app.API(t, "PUT", loc+"/demands/"+d.ID, outsider, map[string]any{"status": "open"}, nil); st != 403 {
			t.Errorf("outsider status change: %d", st)
		}

		var ds collection
		st = app.API(t, "GET", loc+"/demands?per_page=2&page=2", "", nil, &ds)
		got := ds.Embedded["repertoire:demands"]
		if st != 200 || ds.TotalRecords != 5 || ds.TotalPages != 3 || len(got) != 2 || got[0].Number != "B1" || got[1].Number != "B2" ||
			got[0].SectionTitle != "Better Safety for Children on Facebook" || got[0].Status != "met" || len(got[0].StatusHistory) != 2 {
			t.Fatalf("demands page 2: %d %+v", st, ds)
		}
		if st := app.API(t, "DELETE", loc+"/demands/"+d.ID, owner, nil, nil); st != 204 {
			t.Fatalf("delete demand: %d", st)
		}
		if st := app.API(t, "GET", loc+"/demands/"+d.ID, "", nil, nil); st != 404 {
			t.Fatalf("deleted demand: %d", st)
		}

		// Coverage and updates.
		if st := app.API(t, "POST", loc+"/coverage", owner, map[string]string{"date": "2018-08-19", "outlet": "Le Dauphiné", "title": "Quand l’entreprise dit : déconnectez !", "language": "fr"}, nil); st != 201 {
			t.Fatalf("coverage: %d", st)
		}
		if st := app.API(t, "POST", loc+"/coverage", owner, map[string]string{"date": "19 août", "outlet": "x", "title": "y"}, &p); st != 422 || p.fields() != "date" {
			t.Fatalf("bad coverage date: %d %+v", st, p)
		}
		if st := app.API(t, "POST", loc+"/updates", owner, map[string]string{"title": "The strike is called", "published_date": "2018-03-20"}, nil); st != 201 {
			t.Fatalf("update: %d", st)
		}
		app.API(t, "GET", loc, "", nil, &c)
		if len(c.Coverage) != 1 || c.Coverage[0].Outlet != "Le Dauphiné" || len(c.Updates) != 1 || c.Updates[0].PublishedDate != "2018-03-20T00:00:00Z" {
			t.Fatalf("coverage %+v, updates %+v", c.Coverage, c.Updates)
		}

		if st := app.API(t, "DELETE", loc, outsider, nil, nil); st != 403 {
			t.Fatalf("outsider delete: %d", st)
		}
		if st := app.API(t, "DELETE", loc, owner, nil, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st := app.API(t, "GET", loc, owner, nil, nil); st != 404 {
			t.Fatalf("deleted campaign: %d", st)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Campaigns, their demands, updates and coverage refuse the members they
// do not define, at any depth, naming each; nothing is written.
func TestCampaignRefusesUnknownFields(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		community(t, app, owner, "users", "public")

		typo := strikeBody("users")
		typo["sumary"] = typo["summary"]
		typo["demand_sections"] = []map[string]any{{"title": "A", "demands": []map[string]string{{"text": "x", "satus": "met"}}}}
		typo["targets"] = []map[string]string{{"name": "Facebook, Inc.", "email": "press@fb.example"}}
		var p problem
		if st := app.API(t, "POST", "/api/v1/campaigns", owner, typo, &p); st != 422 ||
			p.fields() != "demand_sections[0].demands[0].satus sumary targets[0].email" {
			t.Fatalf("create with typos: %d %q", st, p.fields())
		}
		var list struct {
			Total int `json:"total_records"`
		}
		if st := app.API(t, "GET", "/api/v1/campaigns", owner, nil, &list); st != 200 || list.Total != 0 {
			t.Fatalf("a refused body created a campaign: %d %+v", st, list)
		}

		var c campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", owner, strikeBody("users"), &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		loc := "/api/v1/campaigns/" + c.ID
		a1 := c.DemandSections[0].Demands[0]
		cases := []struct {
			name, method, path string
			body               string
			field              string
		}{
			{"campaign update", "PUT", loc, `{"title": "Changed", "ultimatum": "2018-06-01"}`, "ultimatum"},
			{"new demand", "POST", loc + "/demands", `{"section": "A", "text": "Changed", "postion": 1}`, "postion"},
			{"demand update", "PUT", loc + "/demands/" + a1.ID, `{"text": "Changed", "evidence": "https://example.org"}`, "evidence"},
			{"update", "POST", loc + "/updates", `{"title": "Changed", "text": "body"}`, "text"},
			{"coverage", "POST", loc + "/coverage", `{"date": "2018-08-19", "outlet": "Le Monde", "title": "Changed", "link": "https://example.org"}`, "link"},
		}
		for _, tc := range cases {
			var p problem
			if st := app.API(t, tc.method, tc.path, owner, tc.body, &p); st != 422 || p.fields() != tc.field || p.Errors[0].Detail == "" {
				t.Errorf("%s: %d %+v, want 422 naming %s", tc.name, st, p, tc.field)
			}
		}
		var after campaignDoc
		if st := app.API(t, "GET", loc, "", nil, &after); st != 200 {
			t.Fatalf("get: %d", st)
		}
		if b, _ := json.Marshal(after); strings.Contains(string(b), "Changed") {
			t.Fatalf("a refused body changed the campaign: %s", b)
		}
	})
}
