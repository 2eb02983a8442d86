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

		// OSDI's example: name is an administrative name, not the page's
		// address; a PUT of the name keeps the address.
		var acme struct {
			osdiDoc
			Slug       string `json:"slug"`
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions/", token, map[string]any{"identifiers": []string{"foreign_system:1"},
			"title": "Tell Acme Co To Stop Doing The Bad Thing", "name": "Acme Co Petition", "origin_system": "OpenSupporter", "community": users.ID}, &acme); st != http.StatusCreated {
			t.Fatalf("OSDI's example petition: %d", st)
		}
		if acme.Name != "Acme Co Petition" || acme.Slug != "tell-acme-co-to-stop-doing-the-bad-thing" {
			t.Errorf("name %q, slug %q", acme.Name, acme.Slug)
		}
		before := acme.BrowserURL
		if st := app.API(t, "PUT", "/api/v1/petitions/"+acme.id(), token, map[string]any{"name": "Acme Co Petition [December 2014]"}, &acme); st != http.StatusOK ||
			acme.Name != "Acme Co Petition [December 2014]" || acme.BrowserURL != before || acme.Title != "Tell Acme Co To Stop Doing The Bad Thing" {
			t.Errorf("PUT name: %d %+v", st, acme)
		}
		// A name written as a slug still makes the address, as our API did.
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop", "name": "stop-now", "community": users.ID}, &acme); st != http.StatusCreated || acme.Slug != "stop-now" {
			t.Errorf("slug-like name: %d %q", st, acme.Slug)
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

type signatureDoc struct {
	Identifiers []string `json:"identifiers"`
	Comments    string   `json:"comments"`
	Person      struct {
		GivenName      string `json:"given_name"`
		EmailAddresses []struct {
			Address string `json:"address"`
		} `json:"email_addresses"`
	} `json:"person"`
	Links map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

type signatureList struct {
	Total    int `json:"total_records"`
	Embedded struct {
		Signatures []signatureDoc `json:"osdi:signatures"`
	} `json:"_embedded"`
}

func TestSignaturesAsResources(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		admin := app.Token(t, "admin@example.org", "Admin", true)
		ana := app.Token(t, "ana@example.org", "Ana", false)
		anaID := personID(t, app, "ana@example.org")
		// Another community's organizer, with a petition of their own.
		other := app.Token(t, "other@example.org", "Other", false)
		newCommunity(t, app, "other@example.org", "Drivers", "drivers")
		var theirs osdiDoc
		if st := app.API(t, "POST", "/api/v1/petitions", other, map[string]any{"title": "Fair pay"}, &theirs); st != http.StatusCreated {
			t.Fatalf("other petition: %d", st)
		}
		sigs := "/api/v1/petitions/" + p.id() + "/signatures"

		// An existing person named by link, as Action Network's helper takes it.
		var rec signatureDoc
		link := map[string]any{"osdi:person": map[string]any{"href": app.URL + "/api/v1/people/" + anaID}}
		if st := app.API(t, "POST", sigs, token, map[string]any{"origin_system": "paper", "comments": "Count me in",
			"contact_ok": true, "share_with_target": true, // given on paper
			"referrer_data": map[string]any{"source": "leaflet"}, "add_tags": []string{"volunteer"}, "_links": link}, &rec); st != http.StatusCreated {
			t.Fatalf("signature by person link: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/petitions/"+theirs.id()+"/signatures", other, map[string]any{"origin_system": "paper",
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "ana@example.org"}}}}, nil); st != http.StatusCreated {
			t.Fatalf("Ana signs the other petition: %d", st)
		}
		var list signatureList
		if st := app.API(t, "GET", sigs, token, nil, &list); st != 200 || list.Total != 1 || len(list.Embedded.Signatures) != 1 {
			t.Fatalf("collection: %d %+v", st, list)
		}
		s := list.Embedded.Signatures[0]
		if s.Person.EmailAddresses[0].Address != "ana@example.org" || s.Person.GivenName != "Ana" || s.Comments != "Count me in" ||
			!strings.HasSuffix(s.Links["osdi:person"].Href, "/people/"+anaID) || s.Identifiers[0] != rec.Identifiers[0] {
			t.Errorf("signature by link: %+v", s)
		}
		self := s.Links["self"].Href
		if self != app.URL+sigs+"/"+strings.TrimPrefix(s.Identifiers[0], "repertoire:") {
			t.Fatalf("self link %q", self)
		}
		var one signatureDoc
		if st := app.API(t, "GET", self, token, nil, &one); st != 200 || one.Identifiers[0] != s.Identifiers[0] || one.Links["self"].Href != self {
			t.Errorf("GET self: %d %+v", st, one)
		}
		for name, c := range map[string]struct {
			path, token string
			status      int
		}{
			"anonymous":                  {self, "", http.StatusUnauthorized},
			"the signer, not organizing": {self, ana, http.StatusForbidden},
			"another community's":        {self, other, http.StatusForbidden},
			"admin":                      {self, admin, http.StatusOK},
			"under another petition":     {"/api/v1/petitions/" + theirs.id() + "/signatures/" + strings.TrimPrefix(s.Identifiers[0], "repertoire:"), other, http.StatusNotFound},
			"unknown":                    {sigs + "/00000000-0000-0000-0000-000000000000", token, http.StatusNotFound},
		} {
			if st := app.API(t, "GET", c.path, c.token, nil, nil); st != c.status {
				t.Errorf("GET signature, %s: %d, want %d", name, st, c.status)
			}
		}

		// Organizers correct comments (Action Network's update_signature);
		// the document read back with GET goes through PUT.
		var doc map[string]any
		app.API(t, "GET", self, token, nil, &doc)
		doc["comments"] = "Count me in, twice"
		if st := app.API(t, "PUT", self, token, doc, &one); st != 200 || one.Comments != "Count me in, twice" {
			t.Errorf("PUT the document back: %d %+v", st, one)
		}
		if st := app.API(t, "PUT", self, token, map[string]any{"comments": "Corrected"}, &one); st != 200 || one.Comments != "Corrected" {
			t.Errorf("PUT comments: %d %+v", st, one)
		}
		for name, c := range map[string]struct {
			token  string
			body   map[string]any
			status int
			field  string
		}{
			"another organizer": {other, map[string]any{"comments": "x"}, http.StatusForbidden, ""},
			"a typo":            {token, map[string]any{"coments": "x"}, http.StatusUnprocessableEntity, "coments"},
			"too long":          {token, map[string]any{"comments": strings.Repeat("x", 2001)}, http.StatusUnprocessableEntity, "comments"},
		} {
			var pr problem
			if st := app.API(t, "PUT", self, c.token, c.body, &pr); st != c.status || c.field != "" && !pr.names(c.field) {
				t.Errorf("PUT signature, %s: %d %+v", name, st, pr)
			}
		}
		if app.API(t, "GET", self, token, nil, &one); one.Comments != "Corrected" {
			t.Errorf("refused PUTs changed the comments: %q", one.Comments)
		}

		// The person links their signatures; each reader sees what the
		// collections let them see.
		var person struct {
			Links map[string]struct {
				Href string `json:"href"`
			} `json:"_links"`
		}
		if st := app.API(t, "GET", "/api/v1/people/"+anaID, admin, nil, &person); st != 200 {
			t.Fatalf("person: %d", st)
		}
		theirSigs := person.Links["osdi:signatures"].Href
		if theirSigs != app.URL+"/api/v1/people/"+anaID+"/signatures" {
			t.Fatalf("osdi:signatures link %q", theirSigs)
		}
		for name, c := range map[string]struct {
			token  string
			status int
			total  int
		}{"admin": {admin, 200, 2}, "the person": {ana, 200, 2}, "an organizer": {token, 200, 1}, "the other organizer": {other, 200, 1}, "anonymous": {"", 401, 0}} {
			var l signatureList
			st := app.API(t, "GET", theirSigs, c.token, nil, &l)
			if st != c.status || l.Total != c.total || len(l.Embedded.Signatures) != c.total {
				t.Errorf("person's signatures, %s: %d, %d records", name, st, l.Total)
			}
			if name == "an organizer" && l.Total == 1 && l.Embedded.Signatures[0].Links["self"].Href != self {
				t.Errorf("an organizer sees another petition's signature: %+v", l.Embedded.Signatures[0])
			}
		}
		sid := strings.TrimPrefix(s.Identifiers[0], "repertoire:")
		for name, c := range map[string]struct {
			path, token string
			status      int
		}{
			"admin":                {theirSigs + "/" + sid, admin, 200},
			"the person":           {theirSigs + "/" + sid, ana, 200},
			"its organizer":        {theirSigs + "/" + sid, token, 200},
			"another organizer":    {theirSigs + "/" + sid, other, http.StatusNotFound},
			"under another person": {"/api/v1/people/" + personID(t, app, organizer) + "/signatures/" + sid, admin, http.StatusNotFound},
		} {
			one = signatureDoc{}
			if st := app.API(t, "GET", c.path, c.token, nil, &one); st != c.status || st == 200 && one.Links["self"].Href != self {
				t.Errorf("person's signature, %s: %d %+v", name, st, one)
			}
		}
		if st := app.API(t, "GET", "/api/v1/people/00000000-0000-0000-0000-000000000000/signatures", admin, nil, nil); st != http.StatusNotFound {
			t.Errorf("unknown person's signatures: %d", st)
		}

		// What a person link and the fields may not do.
		for name, c := range map[string]struct {
			token  string
			body   map[string]any
			status int
			field  string
		}{
			"link without a token":    {"", map[string]any{"_links": link}, http.StatusUnauthorized, ""},
			"someone else's link":     {other, map[string]any{"_links": link}, http.StatusForbidden, ""},
			"link to nobody":          {token, map[string]any{"_links": map[string]any{"osdi:person": map[string]any{"href": app.URL + "/api/v1/people/nobody"}}}, http.StatusUnprocessableEntity, "_links.osdi:person"},
			"neither person nor link": {token, map[string]any{"comments": "hi"}, http.StatusUnprocessableEntity, "person"},
			"a typo":                  {"", map[string]any{"coments": "hi", "person": map[string]any{"email_addresses": []map[string]any{{"address": "b@example.org"}}}}, http.StatusUnprocessableEntity, "coments"},
			"a nested typo":           {"", map[string]any{"referrer_data": map[string]any{"sauce": "x"}}, http.StatusUnprocessableEntity, "referrer_data.sauce"},
		} {
			var pr problem
			if st := app.API(t, "POST", sigs, c.token, c.body, &pr); st != c.status || c.field != "" && !pr.names(c.field) {
				t.Errorf("%s: %d %+v, want %d naming %q", name, st, pr, c.status, c.field)
			}
		}
		// Ana names herself by link with her own token: pending, like any
		// online signature, confirmed from the mail.
		if st := app.API(t, "POST", "/api/v1/petitions/"+theirs.id()+"/signatures", ana, map[string]any{"_links": link}, nil); st != http.StatusAccepted {
			t.Errorf("self link: %d", st)
		}
		if got := total(t, app, p.id()).TotalSignatures; got != 1 {
			t.Errorf("refused signatures were counted: %d", got)
		}
	})
}
