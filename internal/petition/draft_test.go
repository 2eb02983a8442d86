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

// Deleting a petition asks first; one with counted signatures is refused,
// saying why, and stays.
func TestDeletePetition(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, manage := b.Get(t, path+"/manage")
		contains(t, "manage", manage, `action="`+path+`/delete"`)

		st, body := b.Post(t, path+"/delete", nil)
		if st != 200 {
			t.Fatalf("delete: %d", st)
		}
		contains(t, "confirmation", body, "Delete the petition “Stop tracking us”?", "This cannot be undone.", `name="confirm" value="yes"`)
		if st, _ := app.Browser().Get(t, path); st != 200 {
			t.Fatalf("deleted before confirming: %d", st)
		}

		if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, map[string]any{
			"person": map[string]any{"email_addresses": []map[string]any{{"address": "ana@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		_, manage = b.Get(t, path+"/manage")
		contains(t, "manage with a counted signature", manage, "Close it instead.")
		lacks(t, "manage with a counted signature", manage, `action="`+path+`/delete"`)
		for _, v := range []url.Values{nil, {"confirm": {"yes"}}} {
			st, body = b.Post(t, path+"/delete", v)
			if st != http.StatusConflict || !strings.Contains(body, "cannot be deleted") {
				t.Fatalf("counted petition deleted: %d", st)
			}
		}
		if st, _ := app.Browser().Get(t, path); st != 200 {
			t.Fatalf("the counted petition went: %d", st)
		}

		// A draft nobody signed goes once confirmed.
		b.Post(t, "/c/users/logout/petitions", url.Values{"title": {"Second thoughts"}, "petition_text": {"Maybe."}, "draft": {"1"}})
		draft := "/c/users/logout/petitions/second-thoughts"
		if _, body = b.Post(t, draft+"/delete", url.Values{"confirm": {"yes"}}); !strings.Contains(body, "The petition is deleted.") {
			t.Fatalf("draft not deleted:\n%s", body)
		}
		if st, _ := b.Get(t, draft); st != http.StatusNotFound {
			t.Fatalf("deleted draft: %d", st)
		}
	})
}
