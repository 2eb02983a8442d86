package community_test

import (
	"io"
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

type communityDoc struct {
	Identifiers  []string `json:"identifiers"`
	ID           string   `json:"id"`
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Language     string   `json:"language"`
	JoinPolicy   string   `json:"join_policy"`
	Visibility   string   `json:"visibility"`
	CreatedDate  string   `json:"created_date"`
	ModifiedDate string   `json:"modified_date"`
	OriginSystem string   `json:"origin_system"`
	BrowserURL   string   `json:"browser_url"`
	TotalMembers int      `json:"total_members"`
	Links        map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
}

type collection struct {
	TotalPages   int `json:"total_pages"`
	TotalRecords int `json:"total_records"`
	Page         int `json:"page"`
	PerPage      int `json:"per_page"`
	Links        map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
	Embedded map[string][]map[string]any `json:"_embedded"`
}

func TestCommunitiesAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		other := app.Token(t, "other@example.org", "Other", false)
		admin := app.Token(t, "admin@example.org", "Admin", true)

		// Creation, with the Location of the new resource.
		req, _ := http.NewRequest("POST", app.URL+"/api/v1/communities", strings.NewReader(
			`{"name": "Gig workers", "slug": "gig-workers", "description": "Delivery and rides.", "language": "fr", "join_policy": "approval", "visibility": "public"}`))
		req.Header.Set("OSDI-API-Token", owner)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 || !strings.HasPrefix(resp.Header.Get("Location"), app.URL+"/api/v1/communities/") {
			t.Fatalf("create: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		var gig communityDoc
		if st := app.API(t, "GET", resp.Header.Get("Location"), "", nil, &gig); st != 200 {
			t.Fatalf("get created: %d", st)
		}
		if gig.Slug != "gig-workers" || gig.Name != "Gig workers" || gig.Language != "fr" || gig.JoinPolicy != "approval" ||
			gig.Identifiers[0] != "repertoire:"+gig.ID || gig.OriginSystem != "repertoire" || gig.TotalMembers != 1 ||
			gig.BrowserURL != app.URL+"/c/gig-workers" || gig.CreatedDate == "" || gig.ModifiedDate == "" ||
			gig.Links["self"].Href != app.URL+"/api/v1/communities/"+gig.ID ||
			gig.Links["repertoire:campaigns"].Href != app.URL+"/api/v1/campaigns?community="+gig.ID {
			t.Fatalf("created resource %+v", gig)
		}
		var secret communityDoc
		if st := app.API(t, "POST", "/api/v1/communities", owner, map[string]string{"name": "Secret circle", "visibility": "private"}, &secret); st != 201 || secret.Slug != "secret-circle" {
			t.Fatalf("create private: %d %+v", st, secret)
		}

		big := `{"name": "` + strings.Repeat("x", 5<<20) + `"}`
		cases := []struct {
			name   string
			method string
			path   string
			token  string
			body   any
			status int
			field  string // named in the problem
		}{
			{"create without token", "POST", "/api/v1/communities", "", map[string]string{"name": "X"}, 401, ""},
			{"create with a bad token", "POST", "/api/v1/communities", "nope", map[string]string{"name": "X"}, 401, ""},
			{"duplicate slug", "POST", "/api/v1/communities", other, map[string]string{"name": "Gig", "slug": "gig-workers"}, 409, "slug"},
			{"bad join policy", "POST", "/api/v1/communities", other, map[string]string{"name": "Gig", "join_policy": "whoever"}, 422, "join_policy"},
			{"missing name", "POST", "/api/v1/communities", other, map[string]string{"slug": "nameless"}, 422, "name"},
			{"name of the wrong type", "POST", "/api/v1/communities", other, `{"name": 5}`, 422, "name"},
			{"not JSON", "POST", "/api/v1/communities", other, `{"name": `, 422, ""},
			{"5 MB body", "POST", "/api/v1/communities", other, big, 413, ""},
			{"get by slug", "GET", "/api/v1/communities/gig-workers", "", nil, 200, ""},
			{"get by identifier", "GET", "/api/v1/communities/repertoire:" + gig.ID, "", nil, 200, ""},
			{"unknown", "GET", "/api/v1/communities/nope", "", nil, 404, ""},
			{"private to a visitor", "GET", "/api/v1/communities/" + secret.ID, "", nil, 404, ""},
			{"private to an outsider", "GET", "/api/v1/communities/secret-circle", other, nil, 404, ""},
			{"private to its owner", "GET", "/api/v1/communities/secret-circle", owner, nil, 200, ""},
			{"private to an admin", "GET", "/api/v1/communities/secret-circle", admin, nil, 200, ""},
			{"update private by an outsider", "PUT", "/api/v1/communities/" + secret.ID, other, map[string]string{"name": "Mine"}, 404, ""},
			{"update without token", "PUT", "/api/v1/communities/" + gig.ID, "", map[string]string{"name": "Mine"}, 401, ""},
			{"update by a non-owner", "PUT", "/api/v1/communities/" + gig.ID, other, map[string]string{"name": "Mine"}, 403, ""},
			{"update a bad visibility", "PUT", "/api/v1/communities/" + gig.ID, owner, map[string]string{"visibility": "hidden"}, 422, "visibility"},
			{"update the slug", "PUT", "/api/v1/communities/" + gig.ID, owner, map[string]string{"slug": "other"}, 422, "slug"},
			{"members without token", "GET", "/api/v1/communities/" + gig.ID + "/members", "", nil, 401, ""},
			{"members for a non-organizer", "GET", "/api/v1/communities/" + gig.ID + "/members", other, nil, 403, ""},
			{"members of a hidden community", "GET", "/api/v1/communities/" + secret.ID + "/members", other, nil, 404, ""},
			{"delete by a non-owner", "DELETE", "/api/v1/communities/" + gig.ID, other, nil, 403, ""},
			{"bad paging", "GET", "/api/v1/communities?per_page=1000", "", nil, 422, "per_page"},
		}
		for _, tc := range cases {
			var p problem
			st := app.API(t, tc.method, tc.path, tc.token, tc.body, &p)
			if st != tc.status {
				t.Fatalf("%s: %d, want %d (%+v)", tc.name, st, tc.status, p)
			}
			if st >= 400 && (p.Status != st || p.Code == "") {
				t.Fatalf("%s: not a problem document: %+v", tc.name, p)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Detail == "") {
				t.Fatalf("%s: problem does not name %s: %+v", tc.name, tc.field, p)
			}
		}

		// PUT merges: only the given fields change.
		var updated communityDoc
		if st := app.API(t, "PUT", "/api/v1/communities/"+gig.ID, owner, map[string]string{"name": "Gig workers united", "slug": "gig-workers"}, &updated); st != 200 {
			t.Fatalf("update: %d", st)
		}
		if updated.Name != "Gig workers united" || updated.Description != "Delivery and rides." || updated.JoinPolicy != "approval" || updated.Language != "fr" {
			t.Fatalf("merged %+v", updated)
		}

		// Problems speak the caller's language.
		req, _ = http.NewRequest("POST", app.URL+"/api/v1/communities", strings.NewReader(`{"name": "Gig", "join_policy": "whoever"}`))
		req.Header.Set("OSDI-API-Token", other)
		req.Header.Set("Accept-Language", "fr")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(data), "Choisissez l’une des valeurs proposées.") ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("French problem: %d %s", resp.StatusCode, data)
		}

		// Members, for organizers.
		var ms collection
		if st := app.API(t, "GET", "/api/v1/communities/"+gig.ID+"/members", owner, nil, &ms); st != 200 || ms.TotalRecords != 1 {
			t.Fatalf("members: %d %+v", st, ms)
		}
		if m := ms.Embedded["repertoire:members"][0]; m["role"] != "owner" || m["status"] != "active" || m["person_id"] == "" {
			t.Fatalf("member %+v", m)
		}

		if st := app.API(t, "DELETE", "/api/v1/communities/"+gig.ID, owner, nil, nil); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/communities/"+gig.ID, owner, nil, nil); st != 404 {
			t.Fatalf("deleted community: %d", st)
		}
	})
}

func TestCommunitiesCollectionPaging(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		other := app.Token(t, "other@example.org", "Other", false)
		for _, name := range []string{"One", "Two", "Three"} {
			if st := app.API(t, "POST", "/api/v1/communities", owner, map[string]string{"name": name + " riders"}, nil); st != 201 {
				t.Fatalf("create %s: %d", name, st)
			}
		}
		if st := app.API(t, "POST", "/api/v1/communities", owner, map[string]string{"name": "Hidden riders", "visibility": "private"}, nil); st != 201 {
			t.Fatalf("create private: %d", st)
		}
		cases := []struct {
			name           string
			token, query   string
			total, pages   int
			items          int
			next, previous bool
		}{
			{"visitor, first page", "", "?per_page=2", 3, 2, 2, true, false},
			{"visitor, last page", "", "?per_page=2&page=2", 3, 2, 1, false, true},
			{"outsider", other, "?per_page=25", 3, 1, 3, false, false},
			{"owner sees the private one", owner, "?per_page=2&page=2", 4, 2, 2, false, true},
			{"past the end", "", "?per_page=2&page=3", 3, 2, 0, false, true},
		}
		for _, tc := range cases {
			var c collection
			if st := app.API(t, "GET", "/api/v1/communities"+tc.query, tc.token, nil, &c); st != 200 {
				t.Fatalf("%s: %d", tc.name, st)
			}
			items, ok := c.Embedded["repertoire:communities"]
			_, next := c.Links["next"]
			_, prev := c.Links["previous"]
			if !ok || c.TotalRecords != tc.total || c.TotalPages != tc.pages || len(items) != tc.items || next != tc.next || prev != tc.previous {
				t.Fatalf("%s: %+v", tc.name, c)
			}
			for _, it := range items {
				if it["slug"] == "hidden-riders" && tc.token != owner {
					t.Fatalf("%s: private community listed", tc.name)
				}
			}
		}
	})
}

// A typo must not leave a community public: Repertoire's own resources
// refuse the members they do not define, naming each, and write nothing.
func TestCommunityRefusesUnknownFields(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		var p problem
		st := app.API(t, "POST", "/api/v1/communities", owner,
			`{"name": "Night riders", "slug": "night-riders", "visibilty": "private", "colour": "red"}`, &p)
		if st != 422 || p.Status != 422 || p.Code != "invalid" || len(p.Errors) != 2 ||
			p.Errors[0].Field != "visibilty" || p.Errors[1].Field != "colour" || p.Errors[0].Detail == "" {
			t.Fatalf("typo on create: %d %+v", st, p)
		}
		if st := app.API(t, "GET", "/api/v1/communities/night-riders", "", nil, nil); st != 404 {
			t.Fatalf("a refused body created the community: %d", st)
		}

		// The same in French, and on an update, which changes nothing.
		var c communityDoc
		if st := app.API(t, "POST", "/api/v1/communities", owner, `{"name": "Night riders", "slug": "night-riders", "visibility": "private"}`, &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		req, _ := http.NewRequest("PUT", app.URL+"/api/v1/communities/"+c.ID, strings.NewReader(`{"name": "Open riders", "visibilty": "public"}`))
		req.Header.Set("OSDI-API-Token", owner)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "fr")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(resp.Header.Get("Content-Type"), "application/problem+json") ||
			!strings.Contains(string(body), `"field":"visibilty","detail":"Ce champ n’existe pas ici`) {
			t.Fatalf("typo on update, in French: %d %s", resp.StatusCode, body)
		}
		var after communityDoc
		if st := app.API(t, "GET", "/api/v1/communities/"+c.ID, owner, nil, &after); st != 200 || after.Name != "Night riders" || after.Visibility != "private" {
			t.Fatalf("a refused update changed the community: %d %+v", st, after)
		}

		// What every document carries may come back with the body: it is
		// read-only, not unknown.
		echo := `{"name": "Night owls", "identifiers": ["repertoire:` + c.ID + `"], "origin_system": "repertoire", "created_date": "` +
			c.CreatedDate + `", "_links": {"self": {"href": "x"}}}`
		if st := app.API(t, "PUT", "/api/v1/communities/"+c.ID, owner, echo, &after); st != 200 || after.Name != "Night owls" {
			t.Fatalf("update echoing the document's members: %d %+v", st, after)
		}
		// The whole document read, sent back with a change: its read-only
		// members (id, total_members, …) are not unknown.
		var doc map[string]any
		if st := app.API(t, "GET", "/api/v1/communities/"+c.ID, owner, nil, &doc); st != 200 || doc["total_members"] == nil {
			t.Fatalf("get: %d %v", st, doc)
		}
		doc["name"] = "Night hawks"
		if st := app.API(t, "PUT", "/api/v1/communities/"+c.ID, owner, doc, &after); st != 200 || after.Name != "Night hawks" || after.Visibility != "private" {
			t.Fatalf("the document sent back: %d %+v", st, after)
		}
		// What every JSON body is refused for holds too: data after the
		// document, another media type.
		if st := app.API(t, "PUT", "/api/v1/communities/"+c.ID, owner, `{"name": "Owls"} {"visibility": "public"}`, &p); st != 400 {
			t.Fatalf("trailing data: %d %+v", st, p)
		}
		req, _ = http.NewRequest("PUT", app.URL+"/api/v1/communities/"+c.ID, strings.NewReader(`{"name": "Owls"}`))
		req.Header.Set("OSDI-API-Token", owner)
		req.Header.Set("Content-Type", "text/plain")
		if resp, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 415 {
			t.Fatalf("text/plain: %d", resp.StatusCode)
		}
		// Names match exactly: another case is another name.
		if st := app.API(t, "PUT", "/api/v1/communities/"+c.ID, owner, `{"Visibility": "public"}`, &p); st != 422 || p.Errors[0].Field != "Visibility" {
			t.Fatalf("a name in another case: %d %+v", st, p)
		}
	})
}
