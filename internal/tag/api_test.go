package tag_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/testkit"
)

type doc struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	OriginSystem string   `json:"origin_system"`
	ItemType     string   `json:"item_type"`
	Links        map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

func (d doc) id() string { return strings.TrimPrefix(d.Identifiers[0], "repertoire:") }

type list struct {
	TotalRecords int              `json:"total_records"`
	Embedded     map[string][]doc `json:"_embedded"`
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
		t.Fatalf("%s: %v", email, err)
	}
	return id
}

// fixture: two communities, "riders" run by org1 (with a member) and
// "drivers" run by org2 (with a member of its own).
type fixture struct {
	admin, org1, org2, member string
	com1                      string
	memberID, outsiderID      string
}

func setup(t *testing.T, app *testkit.App) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{admin: app.Token(t, "admin@example.org", "Admin", true), org1: app.Token(t, "org1@example.org", "Olga", false),
		org2: app.Token(t, "org2@example.org", "Omar", false), member: app.Token(t, "member@example.org", "Mia", false)}
	app.Token(t, "outsider@example.org", "Otto", false)
	f.memberID, f.outsiderID = personID(t, app, "member@example.org"), personID(t, app, "outsider@example.org")
	coms := community.NewStore(app.DB)
	c1, err := coms.Create(ctx, personID(t, app, "org1@example.org"), community.Input{Name: "Riders", Slug: "riders"})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := coms.Create(ctx, personID(t, app, "org2@example.org"), community.Input{Name: "Drivers", Slug: "drivers"})
	if err != nil {
		t.Fatal(err)
	}
	f.com1 = c1.ID
	if _, err := coms.Join(ctx, c1.ID, f.memberID); err != nil {
		t.Fatal(err)
	}
	if _, err := coms.Join(ctx, c2.ID, f.outsiderID); err != nil {
		t.Fatal(err)
	}
	return f
}

func personLink(app *testkit.App, id string) map[string]any {
	return map[string]any{"_links": map[string]any{"osdi:person": map[string]any{"href": app.URL + "/api/v1/people/" + id}}}
}

// A community's organizers create, rename and delete its tags and tag its
// people once each; nobody else sees them.
func TestTagsAndTaggings(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		var tg doc
		if st := app.API(t, "POST", "/api/v1/tags", f.org1, map[string]any{"name": " Volunteers ", "origin_system": "sheet"}, &tg); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if tg.Name != "Volunteers" || tg.OriginSystem != "sheet" || tg.Links["osdi:taggings"].Href != app.URL+"/api/v1/tags/"+tg.id()+"/taggings" ||
			tg.Links["repertoire:community"].Href != app.URL+"/api/v1/communities/"+f.com1 {
			t.Errorf("created tag: %+v", tg)
		}
		var p problem
		if st := app.API(t, "POST", "/api/v1/tags", f.org1, map[string]any{"name": "VOLUNTEERS"}, &p); st != 409 || !p.names("name") {
			t.Errorf("the same name in another case: %d %+v", st, p)
		}
		if st := app.API(t, "POST", "/api/v1/tags", f.org2, map[string]any{"name": "volunteers"}, nil); st != 201 {
			t.Errorf("the same name in another community: %d", st)
		}
		for _, c := range []struct {
			name string
			body map[string]any
			fld  string
		}{{"no name", map[string]any{}, "name"}, {"long name", map[string]any{"name": strings.Repeat("x", 101)}, "name"},
			{"unknown field", map[string]any{"name": "x", "colour": "red"}, "colour"}} {
			if st := app.API(t, "POST", "/api/v1/tags", f.org1, c.body, &p); st != 422 || !p.names(c.fld) {
				t.Errorf("%s: %d %+v", c.name, st, p)
			}
		}
		var entry struct {
			Links map[string]any `json:"_links"`
		}
		app.API(t, "GET", "/api/v1", "", nil, &entry)
		if l, _ := entry.Links["osdi:tags"].(map[string]any); l["href"] != app.URL+"/api/v1/tags" {
			t.Errorf("the entry point does not link the tags: %+v", entry.Links)
		}
		var l list
		app.API(t, "GET", "/api/v1/tags", f.org1, nil, &l)
		if l.TotalRecords != 1 || l.Embedded["osdi:tags"][0].id() != tg.id() {
			t.Errorf("organizer's tags: %+v", l)
		}
		app.API(t, "GET", "/api/v1/tags", f.admin, nil, &l)
		if l.TotalRecords != 2 {
			t.Errorf("admin's tags: %d", l.TotalRecords)
		}
		app.API(t, "GET", "/api/v1/tags?filter="+url.QueryEscape("name eq 'VOLUNTEERS'"), f.admin, nil, &l)
		if l.TotalRecords != 2 {
			t.Errorf("admin's tags by name: %d", l.TotalRecords)
		}
		app.API(t, "GET", "/api/v1/tags?filter="+url.QueryEscape("name eq 'nobody'"), f.org1, nil, &l)
		if l.TotalRecords != 0 {
			t.Errorf("tags of another name: %d", l.TotalRecords)
		}
		if st := app.API(t, "GET", "/api/v1/tags?filter="+url.QueryEscape("name gt 'a'"), f.org1, nil, &p); st != 422 || !p.names("filter") {
			t.Errorf("a filter not understood: %d %+v", st, p)
		}
		app.API(t, "GET", "/api/v1/tags", f.member, nil, &l)
		if l.TotalRecords != 0 {
			t.Errorf("a member sees %d tags", l.TotalRecords)
		}
		self := "/api/v1/tags/" + tg.id()
		for _, c := range []struct {
			name, method, path, token string
			status                    int
		}{{"anonymous", "GET", self, "", 401}, {"another organizer", "GET", self, f.org2, 404}, {"a member", "GET", self, f.member, 404},
			{"another organizer deletes", "DELETE", self, f.org2, 404}, {"another organizer's taggings", "GET", self + "/taggings", f.org2, 404},
			{"the organizer", "GET", self, f.org1, 200}, {"an admin", "GET", self, f.admin, 200}} {
			if st := app.API(t, c.method, c.path, c.token, nil, nil); st != c.status {
				t.Errorf("%s: %d, want %d", c.name, st, c.status)
			}
		}
		if st := app.API(t, "PUT", self, f.org1, map[string]any{"name": "Helpers"}, &tg); st != 200 || tg.Name != "Helpers" {
			t.Errorf("rename: %d %+v", st, tg)
		}

		var g, again doc
		if st := app.API(t, "POST", self+"/taggings", f.org1, personLink(app, f.memberID), &g); st != 201 {
			t.Fatalf("tag a member: %d", st)
		}
		if g.ItemType != "osdi:person" || g.Links["osdi:person"].Href != app.URL+"/api/v1/people/"+f.memberID || g.Links["osdi:tag"].Href != app.URL+self {
			t.Errorf("tagging: %+v", g)
		}
		if st := app.API(t, "POST", self+"/taggings", f.org1, personLink(app, f.memberID), &again); st != 200 || again.id() != g.id() {
			t.Errorf("tag them again: %d %v", st, again.Identifiers)
		}
		if st := app.API(t, "POST", self+"/taggings", f.org1, personLink(app, f.outsiderID), &p); st != 422 || !p.names("_links.osdi:person.href") {
			t.Errorf("tag someone out of reach: %d %+v", st, p)
		}
		if st := app.API(t, "GET", self+"/taggings/"+g.id(), f.org1, nil, nil); st != 200 {
			t.Errorf("get tagging: %d", st)
		}
		app.API(t, "GET", self+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 1 || l.Embedded["osdi:taggings"][0].id() != g.id() {
			t.Errorf("taggings: %+v", l)
		}
		var person doc
		app.API(t, "GET", "/api/v1/people/"+f.memberID, f.org1, nil, &person)
		app.API(t, "GET", person.Links["osdi:taggings"].Href, f.org1, nil, &l)
		if l.TotalRecords != 1 {
			t.Errorf("the person's taggings through their link: %+v", l)
		}
		if st := app.API(t, "GET", "/api/v1/people/"+f.memberID+"/taggings", f.org2, nil, nil); st != 404 {
			t.Errorf("another organizer reads the person's taggings: %d", st)
		}
		if st := app.API(t, "DELETE", self+"/taggings/"+g.id(), f.org1, nil, nil); st != 204 {
			t.Errorf("untag: %d", st)
		}
		if st := app.API(t, "GET", self+"/taggings/"+g.id(), f.org1, nil, nil); st != 404 {
			t.Errorf("an untagged tagging: %d", st)
		}
		app.API(t, "POST", self+"/taggings", f.org1, personLink(app, f.memberID), nil)
		if st := app.API(t, "DELETE", self, f.org1, nil, nil); st != 204 {
			t.Errorf("delete: %d", st)
		}
		if st := app.API(t, "GET", self, f.org1, nil, nil); st != 404 {
			t.Errorf("a deleted tag: %d", st)
		}
		app.API(t, "GET", "/api/v1/people/"+f.memberID+"/taggings", f.admin, nil, &l)
		if l.TotalRecords != 0 {
			t.Errorf("a deleted tag's taggings remain: %d", l.TotalRecords)
		}
	})
}

// An organizer of two communities names the one a tag belongs to.
func TestTagCommunityNamedWhenAmbiguous(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		if _, err := community.NewStore(app.DB).Create(context.Background(), personID(t, app, "org1@example.org"), community.Input{Name: "Cooks", Slug: "cooks"}); err != nil {
			t.Fatal(err)
		}
		var p problem
		if st := app.API(t, "POST", "/api/v1/tags", f.org1, map[string]any{"name": "x"}, &p); st != 422 || !p.names("community") {
			t.Errorf("no community named: %d %+v", st, p)
		}
		if st := app.API(t, "POST", "/api/v1/tags", f.org1, map[string]any{"name": "x", "community": "drivers"}, &p); st != 422 || !p.names("community") {
			t.Errorf("a community they do not run: %d %+v", st, p)
		}
		if st := app.API(t, "POST", "/api/v1/tags", f.member, map[string]any{"name": "x", "community": "riders"}, &p); st != 422 || !p.names("community") {
			t.Errorf("a member's tag: %d %+v", st, p)
		}
		var tg doc
		if st := app.API(t, "POST", "/api/v1/tags", f.org1, map[string]any{"name": "x", "community": "cooks"}, &tg); st != 201 {
			t.Fatalf("named by slug: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/tags", f.admin, map[string]any{"name": "y", "community": "repertoire:" + f.com1}, nil); st != 201 {
			t.Errorf("an admin names a community by id: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/tags", f.admin, map[string]any{"name": "z"}, &p); st != 422 || !p.names("community") {
			t.Errorf("an admin without community: %d %+v", st, p)
		}
	})
}

// add_tags and remove_tags of the signup helper, and add_tags of the
// record-signature and record-commitment helpers, tag the person in the community, creating the
// tags it lacks; only organizers tag.
func TestHelpersTag(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		var person doc
		if st := app.API(t, "POST", "/api/v1/people", f.org1, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "nina@example.org"}}}, "add_tags": []string{"Volunteer", "Night shift"}}, &person); st != 201 {
			t.Fatalf("signup with tags: %d", st)
		}
		var l list
		app.API(t, "GET", "/api/v1/people/"+person.id()+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 2 {
			t.Fatalf("taggings after add_tags: %+v", l)
		}
		app.API(t, "GET", "/api/v1/tags", f.org1, nil, &l)
		if l.TotalRecords != 2 {
			t.Errorf("tags created: %+v", l)
		}
		if st := app.API(t, "POST", "/api/v1/people", f.org1, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "nina@example.org"}}}, "add_tags": []string{"volunteer"}, "remove_tags": []string{"NIGHT SHIFT"}}, nil); st != 200 {
			t.Fatalf("signup again: %d", st)
		}
		app.API(t, "GET", "/api/v1/people/"+person.id()+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 1 {
			t.Errorf("taggings after remove_tags: %+v", l)
		}
		app.API(t, "GET", "/api/v1/tags", f.org1, nil, &l)
		if l.TotalRecords != 2 {
			t.Errorf("a tag in another case was created again: %d tags", l.TotalRecords)
		}
		var p problem
		if st := app.API(t, "POST", "/api/v1/people", f.org1, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "other@example.org"}}}, "add_tags": []string{" "}}, &p); st != 422 || !p.names("add_tags[0]") {
			t.Errorf("an empty tag: %d %+v", st, p)
		}

		// The record-signature helper tags the signer in the petition's
		// community.
		camp, err := campaign.NewStore(app.DB).Create(context.Background(), personID(t, app, "org1@example.org"),
			campaign.CampaignInput{CommunityID: f.com1, Title: "Fair pay", Slug: "pay"})
		if err != nil {
			t.Fatal(err)
		}
		var pet doc
		if st := app.API(t, "POST", "/api/v1/petitions", f.org1, map[string]any{"title": "Pay us", "petition_text": "Pay.", "campaign": camp.ID}, &pet); st != 201 {
			t.Fatalf("petition: %d", st)
		}
		sigs := "/api/v1/petitions/" + pet.id() + "/signatures"
		sign := func(email string) map[string]any {
			return map[string]any{"origin_system": "paper", "add_tags": []string{"Signed pay"},
				"person": map[string]any{"email_addresses": []any{map[string]any{"address": email}}}}
		}
		if st := app.API(t, "POST", sigs, f.org1, sign("sam@example.org"), nil); st != 201 {
			t.Fatalf("import with tags: %d", st)
		}
		sam := personID(t, app, "sam@example.org")
		app.API(t, "GET", "/api/v1/people/"+sam+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 1 {
			t.Errorf("the signer's taggings: %+v", l)
		}
		// The record-commitment helper of a pledge too.
		now := time.Now().UTC()
		var pl struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", f.org1, map[string]any{"title": "Log off", "action": "log off", "campaign": camp.ID,
			"threshold": 1000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
			"window_end": now.Add(96 * time.Hour).Format(time.RFC3339)}, &pl); st != 201 {
			t.Fatalf("pledge: %d", st)
		}
		if st := app.API(t, "POST", "/api/v1/pledges/"+pl.ID+"/commitments", f.org1, map[string]any{"origin_system": "meeting", "add_tags": []string{"Striker"},
			"person": map[string]any{"email_addresses": []any{map[string]any{"address": "sam@example.org"}}}}, nil); st != 201 {
			t.Fatalf("commitment with tags: %d", st)
		}
		app.API(t, "GET", "/api/v1/people/"+sam+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 2 {
			t.Errorf("the committed person's taggings: %+v", l)
		}
		anon := map[string]any{"add_tags": []string{"Signed pay"}, "person": map[string]any{"email_addresses": []any{map[string]any{"address": "ann@example.org"}}}}
		if st := app.API(t, "POST", sigs, "", anon, &p); st != 401 || !p.names("add_tags") {
			t.Errorf("anonymous add_tags: %d %+v", st, p)
		}
		if st := app.API(t, "POST", sigs, f.org2, anon, nil); st != 403 {
			t.Errorf("another organizer's add_tags: %d", st)
		}
		var n int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM people WHERE email = 'ann@example.org'`).Scan(&n)
		if n != 0 {
			t.Errorf("a refused signature wrote its signer")
		}
		if st := app.API(t, "POST", sigs, f.org1, map[string]any{"add_tags": []string{strings.Repeat("x", 101)},
			"person": map[string]any{"email_addresses": []any{map[string]any{"address": "ann@example.org"}}}}, &p); st != 422 || !p.names("add_tags[0]") {
			t.Errorf("a long tag: %d %+v", st, p)
		}
	})
}

// A person's taggings are in their data export and go with their erasure.
func TestTaggingsExportedAndErased(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		if st := app.API(t, "POST", "/api/v1/people", f.org1, map[string]any{"person": map[string]any{
			"email_addresses": []any{map[string]any{"address": "member@example.org"}}}, "add_tags": []string{"Steward"}}, nil); st != 200 {
			t.Fatalf("tag a member: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "member@example.org", "correct horse battery")
		st, body := b.Get(t, "/account/export")
		if st != 200 || !strings.Contains(body, `"taggings"`) || !strings.Contains(body, `"Steward"`) {
			t.Errorf("export: %d %s", st, body)
		}
		if st := app.API(t, "DELETE", "/api/v1/people/"+f.memberID, f.member, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		var l list
		app.API(t, "GET", "/api/v1/tags", f.org1, nil, &l)
		if l.TotalRecords != 1 {
			t.Fatalf("tags: %+v", l)
		}
		app.API(t, "GET", "/api/v1/tags/"+l.Embedded["osdi:tags"][0].id()+"/taggings", f.org1, nil, &l)
		if l.TotalRecords != 0 {
			t.Errorf("the erased person's taggings remain: %d", l.TotalRecords)
		}
	})
}
