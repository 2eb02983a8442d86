package petition_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A petition saved as a draft is its organizers' only: a visitor, a signer
// and the API do not find it, the campaign page lists it to organizers
// only, nobody signs it; published, it is a petition like any other.
func TestDraftPetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, _, _ := setup(t, app)
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		_, form := b.Get(t, "/c/users/logout/petitions/new")
		contains(t, "new form", form, `name="draft" value="1"`)
		st, page := b.Post(t, "/c/users/logout/petitions", url.Values{"title": {"Give back our data"}, "petition_text": {"Give us our data."}, "draft": {"1"}})
		if st != 200 {
			t.Fatalf("save a draft: %d\n%s", st, page)
		}
		contains(t, "organizer's preview", page, "This petition is a draft", `name="status" value="open"`, "Signing opens when the petition is published.")
		lacks(t, "organizer's preview", page, `action="/c/users/logout/petitions/give-back-our-data/sign"`)
		path := "/c/users/logout/petitions/give-back-our-data"

		visitor := app.Browser()
		for _, p := range []string{path, path + "/share.png", path + "/signed"} {
			if st, _ := visitor.Get(t, p); st != http.StatusNotFound {
				t.Errorf("visitor GET %s: %d", p, st)
			}
		}
		if st, _ := visitor.Post(t, path+"/sign", url.Values{"given_name": {"Ana"}, "email": {"ana@example.org"}}); st == http.StatusOK {
			t.Errorf("a draft was signed")
		}
		_, camp := visitor.Get(t, "/c/users/logout")
		lacks(t, "campaign page for visitors", camp, "Give back our data")
		_, camp = b.Get(t, "/c/users/logout")
		contains(t, "campaign page for organizers", camp, "Give back our data", "Draft")

		var list struct {
			Total int `json:"total_records"`
		}
		app.API(t, "GET", "/api/v1/petitions", "", nil, &list)
		if list.Total != 1 {
			t.Errorf("visitors' API lists %d petitions, want 1 (the draft hidden)", list.Total)
		}
		app.API(t, "GET", "/api/v1/petitions", token, nil, &list)
		if list.Total != 2 {
			t.Errorf("organizer's API lists %d petitions, want 2", list.Total)
		}

		// Publish: now public and signable.
		if st, _ := b.Post(t, path+"/status", url.Values{"status": {"open"}}); st != 200 {
			t.Fatalf("publish: %d", st)
		}
		st, page = visitor.Get(t, path)
		if st != 200 || !strings.Contains(page, `action="`+path+`/sign"`) {
			t.Fatalf("published: %d", st)
		}
		lacks(t, "published", page, "This petition is a draft")
	})
}
