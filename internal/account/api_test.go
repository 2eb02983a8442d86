package account_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

type personJSON struct {
	Identifiers    []string `json:"identifiers"`
	GivenName      string   `json:"given_name"`
	FamilyName     string   `json:"family_name"`
	EmailAddresses []struct {
		Address string `json:"address"`
		Primary bool   `json:"primary"`
		Status  string `json:"status"`
	} `json:"email_addresses"`
	PostalAddresses []struct {
		Locality   string `json:"locality"`
		PostalCode string `json:"postal_code"`
		Country    string `json:"country"`
	} `json:"postal_addresses"`
	LanguagesSpoken   []string          `json:"languages_spoken"`
	PreferredLanguage string            `json:"preferred_language"`
	CustomFields      map[string]string `json:"custom_fields"`
	OriginSystem      string            `json:"origin_system"`
	CreatedDate       string            `json:"created_date"`
	ModifiedDate      string            `json:"modified_date"`
	Links             struct {
		Self struct{ Href string } `json:"self"`
	} `json:"_links"`
}

type peopleJSON struct {
	TotalRecords int `json:"total_records"`
	TotalPages   int `json:"total_pages"`
	Page         int `json:"page"`
	Links        map[string]struct {
		Href string `json:"href"`
	} `json:"_links"`
	Embedded struct {
		People []personJSON `json:"osdi:people"`
	} `json:"_embedded"`
}

type problemJSON struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func (p problemJSON) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

func idOf(p personJSON) string { return strings.TrimPrefix(p.Identifiers[0], "repertoire:") }

func TestPeopleAPIAccess(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		ana := app.Token(t, "ana@example.org", "Ana", false)
		app.Token(t, "bob@example.org", "Bob", false)
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'BOB@example.org'"), admin, nil, &list)
		if list.TotalRecords != 1 || len(list.Embedded.People) != 1 || list.Embedded.People[0].EmailAddresses[0].Address != "bob@example.org" {
			t.Fatalf("filter by email: %+v", list)
		}
		bob := idOf(list.Embedded.People[0])
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'ana@example.org'"), admin, nil, &list)
		self := idOf(list.Embedded.People[0])

		cases := []struct {
			name, method, path, token string
			body                      any
			status                    int
		}{
			{"list without token", "GET", "/api/v1/people", "", nil, 401},
			{"list with a wrong token", "GET", "/api/v1/people", "rpt_nope", nil, 401},
			{"list as a member", "GET", "/api/v1/people", ana, nil, 403},
			{"list as admin", "GET", "/api/v1/people", admin, nil, 200},
			{"own person", "GET", "/api/v1/people/" + self, ana, nil, 200},
			{"own person, OSDI identifier", "GET", "/api/v1/people/repertoire:" + self, ana, nil, 200},
			{"someone else", "GET", "/api/v1/people/" + bob, ana, nil, 403},
			{"someone else as admin", "GET", "/api/v1/people/" + bob, admin, nil, 200},
			{"unknown as admin", "GET", "/api/v1/people/nobody", admin, nil, 404},
			{"signup helper as a member", "POST", "/api/v1/people", ana, map[string]any{"email_addresses": []any{map[string]any{"address": "x@example.org"}}}, 403},
			{"update someone else", "PUT", "/api/v1/people/" + bob, ana, map[string]any{"given_name": "Robert"}, 403},
			{"delete someone else", "DELETE", "/api/v1/people/" + bob, ana, nil, 403},
			{"bad filter field", "GET", "/api/v1/people?filter=" + url.QueryEscape("password eq 'x'"), admin, nil, 422},
			{"bad filter date", "GET", "/api/v1/people?filter=" + url.QueryEscape("modified_date gt 'yesterday'"), admin, nil, 422},
		}
		for _, tc := range cases {
			if status := app.API(t, tc.method, tc.path, tc.token, tc.body, nil); status != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, status, tc.status)
			}
		}
		if status := app.API(t, "DELETE", "/api/v1/people/"+bob, admin, nil, nil); status != 204 {
			t.Errorf("admin delete: %d", status)
		}
		if status := app.API(t, "GET", "/api/v1/people/"+bob, admin, nil, nil); status != 404 {
			t.Errorf("deleted person: %d", status)
		}
		if status := app.API(t, "DELETE", "/api/v1/people/"+self, ana, nil, nil); status != 204 {
			t.Errorf("self delete: %d", status)
		}
		if status := app.API(t, "GET", "/api/v1/people/"+self, ana, nil, nil); status != 401 {
			t.Errorf("the token of a deleted person answered %d", status)
		}
	})
}

func TestPeopleAPISignupHelperAndMerge(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		var created personJSON
		status := app.API(t, "POST", "/api/v1/people", admin, map[string]any{"person": map[string]any{
			"given_name": "Carla", "family_name": "Diaz",
			"email_addresses":    []any{map[string]any{"address": " Carla@Example.org ", "primary": true}},
			"postal_addresses":   []any{map[string]any{"locality": "Lyon", "postal_code": "69001", "country": "FR"}},
			"preferred_language": "fr-FR",
			"custom_fields":      map[string]any{"platform": "Deliveroo"},
		}}, &created)
		if status != 201 {
			t.Fatalf("create: %d", status)
		}
		checks := []struct {
			name string
			ok   bool
		}{
			{"identifier", len(created.Identifiers) == 1 && strings.HasPrefix(created.Identifiers[0], "repertoire:")},
			{"email", len(created.EmailAddresses) == 1 && created.EmailAddresses[0].Address == "carla@example.org" && created.EmailAddresses[0].Primary && created.EmailAddresses[0].Status == "subscribed"},
			{"postal", len(created.PostalAddresses) == 1 && created.PostalAddresses[0].Locality == "Lyon"},
			{"language", created.PreferredLanguage == "fr" && len(created.LanguagesSpoken) == 1 && created.LanguagesSpoken[0] == "fr"},
			{"custom fields", created.CustomFields["platform"] == "Deliveroo"},
			{"dates", created.CreatedDate != "" && created.ModifiedDate != ""},
			{"origin", created.OriginSystem == "repertoire"},
			{"self link", created.Links.Self.Href == app.URL+"/api/v1/people/"+idOf(created)},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("created person: bad %s: %+v", c.name, created)
			}
		}
		// The same address again is the same person, updated: 200, not 201.
		var matched personJSON
		status = app.API(t, "POST", "/api/v1/people", admin, map[string]any{
			"given_name":      "Carla María",
			"email_addresses": []any{map[string]any{"address": "CARLA@example.org"}},
			"custom_fields":   map[string]any{"city_group": "north"},
		}, &matched)
		if status != 200 || idOf(matched) != idOf(created) {
			t.Fatalf("match by email: %d, %v vs %v", status, matched.Identifiers, created.Identifiers)
		}
		if matched.GivenName != "Carla María" || matched.FamilyName != "Diaz" || matched.CustomFields["platform"] != "Deliveroo" || matched.CustomFields["city_group"] != "north" {
			t.Errorf("match did not merge: %+v", matched)
		}
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'carla@example.org'"), admin, nil, &list)
		if list.TotalRecords != 1 {
			t.Errorf("%d people with that address", list.TotalRecords)
		}
		// PUT merges: absent fields stay.
		var put personJSON
		if status := app.API(t, "PUT", "/api/v1/people/"+idOf(created), admin, map[string]any{
			"family_name": "Díaz", "email_addresses": []any{map[string]any{"address": "carla@example.org", "status": "unsubscribed"}},
		}, &put); status != 200 {
			t.Fatalf("put: %d", status)
		}
		if put.GivenName != "Carla María" || put.FamilyName != "Díaz" || put.EmailAddresses[0].Status != "unsubscribed" || put.PostalAddresses[0].Locality != "Lyon" {
			t.Errorf("put did not merge: %+v", put)
		}
		// A person updates themselves with their own token.
		own := app.Token(t, "ana@example.org", "Ana", false)
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'ana@example.org'"), admin, nil, &list)
		var self personJSON
		if status := app.API(t, "PUT", "/api/v1/people/"+idOf(list.Embedded.People[0]), own, map[string]any{"family_name": "Lopez"}, &self); status != 200 || self.FamilyName != "Lopez" || self.GivenName != "Ana" {
			t.Errorf("self update: %d %+v", status, self)
		}
		// Taking someone else's address is a conflict on that field.
		var problem problemJSON
		if status := app.API(t, "PUT", "/api/v1/people/"+idOf(created), admin, map[string]any{"email_addresses": []any{map[string]any{"address": "ana@example.org"}}}, &problem); status != 409 || !problem.names("email_addresses[0].address") {
			t.Errorf("address taken: %d %+v", status, problem)
		}
	})
}

func TestPeopleAPIRefusesBadInput(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"no address", map[string]any{"given_name": "X"}, 422, "email_addresses[0].address"},
			{"bad address", map[string]any{"email_addresses": []any{map[string]any{"address": "not-an-email"}}}, 422, "email_addresses[0].address"},
			{"bad address, wrapped", map[string]any{"person": map[string]any{"email_addresses": []any{map[string]any{"address": "x@"}}}}, 422, "person.email_addresses[0].address"},
			{"primary address named by its index", map[string]any{"email_addresses": []any{map[string]any{"address": "a@example.org"}, map[string]any{"address": "nope", "primary": true}}}, 422, "email_addresses[1].address"},
			{"unknown status", map[string]any{"email_addresses": []any{map[string]any{"address": "d@example.org", "status": "maybe"}}}, 422, "email_addresses[0].status"},
			{"unsupported language", map[string]any{"email_addresses": []any{map[string]any{"address": "d@example.org"}}, "preferred_language": "de"}, 422, "preferred_language"},
			{"name too long", map[string]any{"email_addresses": []any{map[string]any{"address": "d@example.org"}}, "given_name": strings.Repeat("x", 101)}, 422, "given_name"},
			{"postal code too long", map[string]any{"email_addresses": []any{map[string]any{"address": "d@example.org"}}, "postal_addresses": []any{map[string]any{"postal_code": strings.Repeat("9", 21)}}}, 422, "postal_addresses[0].postal_code"},
			{"wrong type", `{"email_addresses": [{"address": 42}]}`, 422, ""},
			{"not JSON", `{"email_addresses": `, 422, ""},
			{"5 MB body", `{"given_name": "` + strings.Repeat("x", 5<<20) + `"}`, 413, ""},
		}
		for _, tc := range cases {
			var problem problemJSON
			status := app.API(t, "POST", "/api/v1/people", admin, tc.body, &problem)
			if status != tc.status || problem.Status != tc.status {
				t.Errorf("%s: %d (problem %d), want %d", tc.name, status, problem.Status, tc.status)
			}
			if tc.field != "" && !problem.names(tc.field) {
				t.Errorf("%s: problem does not name %q: %+v", tc.name, tc.field, problem)
			}
		}
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people", admin, nil, &list)
		if list.TotalRecords != 1 {
			t.Errorf("refused requests left %d people", list.TotalRecords-1)
		}
	})
}

func TestPeopleAPIPaging(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		for i := range 6 {
			if status := app.API(t, "POST", "/api/v1/people", admin, map[string]any{"email_addresses": []any{map[string]any{"address": fmt.Sprintf("p%d@example.org", i)}}}, nil); status != 201 {
				t.Fatalf("create %d: %d", i, status)
			}
		}
		cases := []struct {
			query                string
			total, pages, onPage int
			next, previous       bool
		}{
			{"?per_page=3", 7, 3, 3, true, false},
			{"?per_page=3&page=2", 7, 3, 3, true, true},
			{"?per_page=3&page=3", 7, 3, 1, false, true},
			{"?filter=" + url.QueryEscape("modified_date gt '2000-01-01'"), 7, 1, 7, false, false},
			{"?filter=" + url.QueryEscape("modified_date lt '2000-01-01T00:00:00Z'"), 0, 0, 0, false, false},
			{"?filter=" + url.QueryEscape("modified_date gt '2000-01-01' and email_address eq 'p3@example.org'"), 1, 1, 1, false, false},
		}
		for _, tc := range cases {
			var list peopleJSON
			if status := app.API(t, "GET", "/api/v1/people"+tc.query, admin, nil, &list); status != 200 {
				t.Fatalf("%s: %d", tc.query, status)
			}
			_, next := list.Links["next"]
			_, prev := list.Links["previous"]
			if list.TotalRecords != tc.total || list.TotalPages != tc.pages || len(list.Embedded.People) != tc.onPage || next != tc.next || prev != tc.previous {
				t.Errorf("%s: total %d pages %d on page %d next %v previous %v", tc.query, list.TotalRecords, list.TotalPages, len(list.Embedded.People), next, prev)
			}
		}
		if status := app.API(t, "GET", "/api/v1/people?per_page=101", admin, nil, nil); status != 422 {
			t.Errorf("per_page over the maximum: %d", status)
		}
	})
}
