package campaign_test

import (
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// An organizer writes a timeline entry in the campaign's language and in
// the other one, on the timeline's edit page; each reader reads theirs on
// the campaign's page; a refused version is named, and what was typed
// kept.
func TestOrganizerTimelineEntryInTwoLanguagesOnThePages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		var c campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		base := strings.TrimPrefix(c.BrowserURL, app.URL)
		org := app.Browser()
		org.SignIn(t, "organizer@example.org", password)
		_, body := org.Get(t, base+"/edit/timeline")
		contains(t, "timeline edit page", body, `name="translations.fr.title"`, `name="translations.fr.body"`, `id="u-f-translations.fr.title"`, "In French")

		st, body := org.Post(t, base+"/updates", url.Values{"title": {"The strike is on"}, "body": {"Meet us on May 1st."},
			"translations.fr.title": {strings.Repeat("x", 201)}, "translations.fr.body": {"Rendez-vous le 1er mai."}})
		if st != 422 {
			t.Fatalf("too long a French title: %d", st)
		}
		contains(t, "refused entry", body, `aria-invalid="true" aria-describedby="u-e-translations.fr.title"`, `value="The strike is on"`, "Rendez-vous le 1er mai.")

		st, _ = org.Post(t, base+"/updates", url.Values{"title": {"The strike is on"}, "body": {"Meet us on May 1st."},
			"translations.fr.title": {"La grève est lancée"}, "translations.fr.body": {"Rendez-vous le 1er mai."}})
		if st != 200 {
			t.Fatalf("add entry: %d", st)
		}
		fr := app.Browser()
		fr.Lang = "fr-FR,fr;q=0.9"
		_, body = fr.Get(t, base)
		contains(t, "French reader", body, "<h3>La grève est lancée</h3>", "<p>Rendez-vous le 1er mai.</p>")
		lacks(t, "French reader", body, "The strike is on", "Meet us on May 1st.")
		_, body = app.Browser().Get(t, base)
		contains(t, "English reader", body, "<h3>The strike is on</h3>", "<p>Meet us on May 1st.</p>")
		lacks(t, "English reader", body, "La grève est lancée")
	})
}

// The API gives an organizer's timeline entry as written with its other
// languages' versions (translations, keyed by BCP 47 tag), takes them on
// POST, drops the campaign's own language's, and refuses a language or a
// field it does not know with a problem naming the field.
func TestOrganizerTimelineEntryInTwoLanguagesThroughTheAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		var c campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		type entry struct {
			Title, Body  string
			Translations map[string]map[string]string
		}
		var u entry
		if st := app.API(t, "POST", "/api/v1/campaigns/"+c.ID+"/updates", token, map[string]any{"title": "The strike is on", "body": "Meet us.",
			"translations": map[string]any{"fr-CA": map[string]string{"title": "La grève est lancée", "body": "Rendez-vous."}, "en": map[string]string{"title": "dropped"}}}, &u); st != 201 {
			t.Fatalf("post: %d", st)
		}
		if u.Title != "The strike is on" || u.Translations["fr"]["title"] != "La grève est lancée" || u.Translations["fr"]["body"] != "Rendez-vous." || u.Translations["en"] != nil {
			t.Errorf("created entry: %+v", u)
		}
		var doc struct {
			Updates []entry `json:"updates"`
		}
		app.API(t, "GET", "/api/v1/campaigns/"+c.ID, token, nil, &doc)
		if len(doc.Updates) != 1 || doc.Updates[0].Translations["fr"]["body"] != "Rendez-vous." || doc.Updates[0].Body != "Meet us." {
			t.Errorf("campaign's updates: %+v", doc.Updates)
		}
		for _, bad := range []struct {
			translations map[string]any
			field        string
		}{
			{map[string]any{"tlh": map[string]string{"title": "x"}}, "translations"},
			{map[string]any{"fr": map[string]string{"subtitle": "x"}}, "translations.fr.subtitle"},
			{map[string]any{"fr": map[string]string{"title": strings.Repeat("x", 201)}}, "translations.fr.title"},
		} {
			var p problem
			if st := app.API(t, "POST", "/api/v1/campaigns/"+c.ID+"/updates", token, map[string]any{"title": "T", "translations": bad.translations}, &p); st != 422 ||
				!strings.Contains(" "+p.fields()+" ", " "+bad.field+" ") {
				t.Errorf("translations %v: %d, fields %q, want %s", bad.translations, st, p.fields(), bad.field)
			}
		}
	})
}
