package campaign_test

import (
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// An organizer writes the campaign in English and in French on its edit
// page; each reader reads their language, on the campaign's page and the
// community's list; a language the site does not speak is refused on the
// form, what was typed kept.
func TestCampaignWrittenInTwoLanguagesOnItsPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		org := app.Browser()
		org.SignIn(t, "organizer@example.org", password)
		st, body := org.Get(t, "/c/users/campaigns/new")
		if st != 200 {
			t.Fatalf("new form: %d", st)
		}
		contains(t, "new form", body, `name="translations.fr.title"`, `name="translations.fr.summary"`, "In French", `<option value="en" selected>English</option>`)
		st, body = org.Post(t, "/c/users/campaigns", url.Values{"title": {"Users’ strike"}, "summary": {"We stop on May 1st."}, "language": {"en"},
			"own_language": {"en"}, "translations.fr.title": {"Grève des usagers"}, "translations.fr.summary": {"Nous arrêtons le 1er mai."}, "sections": {"3"}})
		if st != 200 {
			t.Fatalf("create: %d", st)
		}
		contains(t, "created (English)", body, "<h1>Users’ strike</h1>", "We stop on May 1st.")

		fr := app.Browser()
		fr.Lang = "fr-CA,fr;q=0.9"
		_, body = fr.Get(t, "/c/users/users-strike")
		contains(t, "French reader", body, "<h1>Grève des usagers</h1>", "Nous arrêtons le 1er mai.", "<title>Grève des usagers")
		lacks(t, "French reader", body, "Users’ strike")
		_, body = fr.Get(t, "/c/users")
		contains(t, "community page in French", body, "Grève des usagers")
		en := app.Browser()
		_, body = en.Get(t, "/c/users/users-strike")
		contains(t, "English reader", body, "<h1>Users’ strike</h1>")
		lacks(t, "English reader", body, "Grève des usagers")

		// The edit page shows both versions; switching the campaign to
		// French keeps them, the French ones now its own.
		_, body = org.Get(t, "/c/users/users-strike/edit")
		contains(t, "edit page", body, `value="Grève des usagers"`, "Nous arrêtons le 1er mai.", `name="own_language" value="en"`)
		st, _ = org.Post(t, "/c/users/users-strike/edit", url.Values{"title": {"Users’ strike"}, "summary": {"We stop on May 1st."},
			"language": {"fr"}, "own_language": {"en"}, "translations.fr.title": {"Grève des usagers"}, "translations.fr.summary": {"Nous arrêtons le 1er mai."}})
		if st != 200 {
			t.Fatalf("switch to French: %d", st)
		}
		c := campaignByAPI(t, app, token, "users", "users-strike")
		if c.Language != "fr" || c.Title != "Grève des usagers" || c.Translations["en"]["title"] != "Users’ strike" {
			t.Fatalf("after switching: %q %q %v", c.Language, c.Title, c.Translations)
		}
		_, body = en.Get(t, "/c/users/users-strike")
		contains(t, "English reader after the switch", body, "<h1>Users’ strike</h1>")

		// A language the site does not speak: refused, named, kept.
		st, body = org.Post(t, "/c/users/users-strike/edit", url.Values{"title": {"Grève des usagers, version 2"}, "language": {"klingon"},
			"own_language": {"fr"}, "translations.en.title": {"Users’ strike"}})
		if st != 422 {
			t.Fatalf("bad language: %d", st)
		}
		contains(t, "refused language", body, "“klingon” is not a language of this site", `value="Grève des usagers, version 2"`,
			`<option value="klingon" selected>klingon</option>`, `aria-invalid="true"`)
		if c := campaignByAPI(t, app, token, "users", "users-strike"); c.Title != "Grève des usagers" {
			t.Errorf("a refused form wrote: %q", c.Title)
		}
	})
}

// The API gives a campaign's language and its other languages'
// versions (translations, keyed by BCP 47 tag), takes them on POST and
// PUT, and refuses a language the site does not speak with a problem
// naming the field.
func TestCampaignLanguagesThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		body := strikeBody("users")
		body["language"] = "fr-CA"
		body["title"] = "Grève des usagers"
		body["translations"] = map[string]any{"en-GB": map[string]string{"title": "Users’ strike"}}
		var c campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, body, &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if c.Language != "fr" || c.Translations["en"]["title"] != "Users’ strike" || c.Title != "Grève des usagers" {
			t.Fatalf("created: %q %v %q", c.Language, c.Translations, c.Title)
		}
		if c.DemandSections[0].Translations == nil {
			t.Errorf("a section's translations are null, want an object")
		}
		put := map[string]any{"translations": map[string]any{"en": map[string]string{"title": "Users’ strike", "summary": "In English."}}}
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, put, &c); st != 200 || c.Translations["en"]["summary"] != "In English." {
			t.Fatalf("put translations: %d %v", st, c.Translations)
		}
		// A demand's text in English, through its own resource.
		d := c.DemandSections[0].Demands[0]
		var dd struct {
			Translations map[string]map[string]string `json:"translations"`
		}
		if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID+"/demands/"+d.ID, token,
			map[string]any{"translations": map[string]any{"en": map[string]string{"text": "A demand in English."}}}, &dd); st != 200 || dd.Translations["en"]["text"] != "A demand in English." {
			t.Fatalf("put demand translations: %d %v", st, dd.Translations)
		}
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"language": "tlh"}, "language"},
			{map[string]any{"language": ""}, "language"},
			{map[string]any{"translations": map[string]any{"de": map[string]string{"title": "Streik"}}}, "translations"},
			{map[string]any{"translations": map[string]any{"en": map[string]string{"subtitle": "x"}}}, "translations.en.subtitle"},
		} {
			var p problem
			if st := app.API(t, "PUT", "/api/v1/campaigns/"+c.ID, token, bad.body, &p); st != 422 || !strings.Contains(" "+p.fields()+" ", " "+bad.field+" ") {
				t.Errorf("PUT %v: %d, fields %q, want %s", bad.body, st, p.fields(), bad.field)
			}
		}
		var again campaignDoc
		app.API(t, "GET", "/api/v1/campaigns/"+c.ID, token, nil, &again)
		if again.Language != "fr" || again.Translations["en"]["summary"] != "In English." {
			t.Errorf("refused bodies wrote: %q %v", again.Language, again.Translations)
		}
	})
}
