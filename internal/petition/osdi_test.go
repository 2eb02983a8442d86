package petition_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

// These tests play the calls published OSDI and Action Network clients make
// against /api/v1: bodies with OSDI's fields only, links instead of ids,
// trailing slashes, a document read with GET sent back with PUT.

type osdiDoc struct {
	Identifiers  []string `json:"identifiers"`
	Title        string   `json:"title"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	PetitionText string   `json:"petition_text"`
	Goal         int      `json:"goal"`
	Status       string   `json:"status"`
	Target       []struct {
		Name string `json:"name"`
	} `json:"target"`
	Links map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

func (d osdiDoc) id() string { return strings.TrimPrefix(d.Identifiers[0], "repertoire:") }

func personID(t *testing.T, app *testkit.App, email string) string {
	t.Helper()
	var id string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM people WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func newCommunity(t *testing.T, app *testkit.App, ownerEmail, name, slug string) *community.Community {
	t.Helper()
	c, err := community.NewStore(app.DB).Create(context.Background(), personID(t, app, ownerEmail), community.Input{Name: name, Slug: slug})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// campaignOf reads the campaign a petition's repertoire:campaign link names.
func campaignOf(t *testing.T, app *testkit.App, token string, d osdiDoc) (title, community string) {
	t.Helper()
	var c struct {
		Title string `json:"title"`
		Links map[string]struct {
			Href string `json:"href"`
		} `json:"_links"`
	}
	if st := app.API(t, "GET", d.Links["repertoire:campaign"].Href, token, nil, &c); st != 200 {
		t.Fatalf("campaign of %s: %d", d.Title, st)
	}
	return c.Title, c.Links["repertoire:community"].Href
}

func TestCreatingAPetitionTheOSDIWay(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, organizer, "Organizer", false)
		member := app.Token(t, "member@example.org", "Member", false)
		users := newCommunity(t, app, organizer, "Users", "users")

		// Action Network's example: title, description, target by name,
		// origin_system; no campaign, no petition_text; trailing slash.
		var d osdiDoc
		body := map[string]any{"title": "Stop tracking us", "description": "<p>Dear platform</p>",
			"target": []map[string]any{{"name": "Platform Inc."}}, "origin_system": "FreeAdvocacy.com"}
		if st := app.API(t, "POST", "/api/v1/petitions/", token, body, &d); st != http.StatusCreated {
			t.Fatalf("create with OSDI fields only: %d", st)
		}
		if d.Title != "Stop tracking us" || d.Description != "<p>Dear platform</p>" || d.PetitionText != "" || len(d.Target) != 1 || d.Target[0].Name != "Platform Inc." {
			t.Errorf("created %+v", d)
		}
		title, com := campaignOf(t, app, token, d)
		if title != "Stop tracking us" || !strings.HasSuffix(com, "/communities/"+users.ID) {
			t.Errorf("campaign of its own: %q in %q", title, com)
		}
		// The same title again: another campaign of its own, under a free slug.
		var again osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, body, &again); st != http.StatusCreated {
			t.Fatalf("create again: %d", st)
		}
		if again.Links["repertoire:campaign"].Href == d.Links["repertoire:campaign"].Href {
			t.Errorf("second petition shares the first one's campaign")
		}
		// Into an existing campaign named by its link, as HAL clients do.
		var linked osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Open the data",
			"_links": map[string]any{"repertoire:campaign": map[string]any{"href": d.Links["repertoire:campaign"].Href}}}, &linked); st != http.StatusCreated {
			t.Fatalf("create in a linked campaign: %d", st)
		}
		if linked.Links["repertoire:campaign"].Href != d.Links["repertoire:campaign"].Href {
			t.Errorf("linked campaign not used: %s", linked.Links["repertoire:campaign"].Href)
		}

		// Organizing two communities, the community must be named.
		drivers := newCommunity(t, app, organizer, "Drivers", "drivers")
		var pr problem
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Fair pay"}, &pr); st != http.StatusUnprocessableEntity || !pr.names("community") {
			t.Errorf("ambiguous community: %d %+v", st, pr)
		}
		var inDrivers osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Fair pay", "community": "repertoire:" + drivers.ID}, &inDrivers); st != http.StatusCreated {
			t.Fatalf("create naming the community: %d", st)
		}
		if _, com := campaignOf(t, app, token, inDrivers); !strings.HasSuffix(com, "/communities/"+drivers.ID) {
			t.Errorf("named community not used: %s", com)
		}
		// Someone who organizes nothing: the community is asked for, and
		// naming one they only belong to is refused.
		if st := app.API(t, "POST", "/api/v1/petitions", member, map[string]any{"title": "Mine"}, &pr); st != http.StatusUnprocessableEntity || !pr.names("community") {
			t.Errorf("member without community: %d %+v", st, pr)
		}
		if _, err := community.NewStore(app.DB).Join(context.Background(), users.ID, personID(t, app, "member@example.org")); err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "POST", "/api/v1/petitions", member, map[string]any{"title": "Mine", "community": "users"}, nil); st != http.StatusForbidden {
			t.Errorf("member naming their community: %d", st)
		}

		// A field neither OSDI nor Action Network defines is refused by name,
		// nested ones too; those they define and we do not keep are accepted.
		for field, b := range map[string]map[string]any{
			"titel":            {"titel": "Typo", "community": users.ID},
			"target[0].nmae":   {"title": "Typo", "community": users.ID, "target": []map[string]any{{"nmae": "Platform"}}},
			"petition_txt":     {"title": "Typo", "community": users.ID, "petition_txt": "x"},
			"action_network:x": {"title": "Typo", "community": users.ID, "action_network:x": true},
		} {
			pr = problem{}
			if st := app.API(t, "POST", "/api/v1/petitions", token, b, &pr); st != http.StatusUnprocessableEntity || !pr.names(field) {
				t.Errorf("unknown %s: %d %+v", field, st, pr)
			}
		}
		var ignored osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Known fields", "community": users.ID,
			"summary": "s", "featured_image_url": "https://example.org/a.png", "action_network:hidden": false, "identifiers": []string{"other:1"},
			"target": []map[string]any{{"title": "CEO", "given_name": "Ada", "family_name": "Boss", "organization": "Platform Inc."}}}, &ignored); st != http.StatusCreated {
			t.Fatalf("OSDI fields we do not keep: %d", st)
		}
		if len(ignored.Target) != 1 || ignored.Target[0].Name != "CEO Ada Boss, Platform Inc." {
			t.Errorf("target from OSDI names: %+v", ignored.Target)
		}
		if st := app.API(t, "POST", "/api/v1/petitions/", token, map[string]any{"title": "Mine", "community": "nowhere"}, &pr); st != http.StatusUnprocessableEntity || !pr.names("community") {
			t.Errorf("unknown community: %d %+v", st, pr)
		}

		// PUT: the document read back with changes; left-out fields stay.
		var full map[string]any
		app.API(t, "GET", "/api/v1/petitions/"+d.id(), token, nil, &full)
		full["title"], full["petition_text"], full["goal"] = "Stop tracking us now", "We ask you to stop.", 500
		full["target"] = []map[string]any{{"name": "Platform Inc."}, {"name": "Regulator"}}
		var put osdiDoc
		if st := app.API(t, "PUT", "/api/v1/petitions/"+d.id(), token, full, &put); st != http.StatusOK {
			t.Fatalf("put the document back: %d", st)
		}
		if put.Title != "Stop tracking us now" || put.PetitionText != "We ask you to stop." || put.Goal != 500 || len(put.Target) != 2 || put.Description != "<p>Dear platform</p>" {
			t.Errorf("after PUT: %+v", put)
		}
		if st := app.API(t, "PUT", "/api/v1/petitions/"+d.id()+"/", token, map[string]any{"status": "closed", "description": "Closed now"}, &put); st != http.StatusOK {
			t.Fatalf("put status: %d", st)
		}
		if got := total(t, app, d.id()); got.Title != "Stop tracking us now" || put.Status != "closed" || put.Description != "Closed now" {
			t.Errorf("after second PUT: %+v / %+v", got, put)
		}
		for name, c := range map[string]struct {
			token  string
			body   map[string]any
			status int
			field  string
		}{
			"anonymous":        {"", map[string]any{"title": "x"}, http.StatusUnauthorized, ""},
			"non-organizer":    {member, map[string]any{"title": "x"}, http.StatusForbidden, ""},
			"typo":             {token, map[string]any{"tilte": "x"}, http.StatusUnprocessableEntity, "tilte"},
			"empty title":      {token, map[string]any{"title": ""}, http.StatusUnprocessableEntity, "title"},
			"other campaign":   {token, map[string]any{"campaign": inDrivers.Links["repertoire:campaign"].Href}, http.StatusUnprocessableEntity, "campaign"},
			"other community":  {token, map[string]any{"community": drivers.ID}, http.StatusUnprocessableEntity, "community"},
			"unknown petition": {token, map[string]any{"title": "x"}, http.StatusNotFound, ""},
		} {
			path := "/api/v1/petitions/" + d.id()
			if name == "unknown petition" {
				path = "/api/v1/petitions/00000000-0000-0000-0000-000000000000"
			}
			pr = problem{}
			if st := app.API(t, "PUT", path, c.token, c.body, &pr); st != c.status || c.field != "" && !pr.names(c.field) {
				t.Errorf("PUT %s: %d %+v, want %d naming %q", name, st, pr, c.status, c.field)
			}
		}
		if got := total(t, app, d.id()); got.Title != "Stop tracking us now" {
			t.Errorf("refused PUTs changed the petition: %+v", got)
		}
	})
}
