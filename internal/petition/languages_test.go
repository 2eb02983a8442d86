package petition_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// A petition written in English and French is read, signed and mailed in
// each person's language; the timeline entries it writes (a new goal, a
// delivery) are read in each reader's language whatever the language of
// the organizer who caused them.
func TestPetitionInTwoLanguagesAndItsTimeline(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		var doc struct {
			Language     string                       `json:"language"`
			Translations map[string]map[string]string `json:"translations"`
		}
		put := map[string]any{"translations": map[string]any{"fr": map[string]string{"title": "Arrêtez de nous pister", "petition_text": "Nous vous demandons d’arrêter."}}}
		if st := app.API(t, "PUT", "/api/v1/petitions/"+p.id(), token, put, &doc); st != http.StatusOK {
			t.Fatalf("put translations: %d", st)
		}
		if doc.Language != "en" || doc.Translations["fr"]["title"] != "Arrêtez de nous pister" {
			t.Fatalf("document: %q %v", doc.Language, doc.Translations)
		}
		var prob struct {
			Errors []struct{ Field string } `json:"errors"`
		}
		if st := app.API(t, "PUT", "/api/v1/petitions/"+p.id(), token, map[string]any{"translations": map[string]any{"xx": map[string]string{"title": "?"}}}, &prob); st != http.StatusUnprocessableEntity ||
			len(prob.Errors) == 0 || prob.Errors[0].Field != "translations" {
			t.Errorf("a language the site does not speak: %d %v", st, prob)
		}

		fr, en := app.Browser(), app.Browser()
		fr.Lang = "fr"
		_, body := fr.Get(t, path)
		contains(t, "French page", body, "<h1>Arrêtez de nous pister</h1>", "Nous vous demandons d’arrêter.", `content="Arrêtez de nous pister"`)
		_, body = en.Get(t, path)
		contains(t, "English page", body, "<h1>Stop tracking us</h1>", "We ask you to stop.")
		if !strings.Contains(body, "Stop tracking us") || strings.Contains(body, "Arrêtez de nous pister") {
			t.Errorf("the English page shows the French title")
		}

		// A French signer is mailed the French title.
		if st, _ := fr.Post(t, path+"/sign", url.Values{"given_name": {"Léa"}, "email": {"lea@example.org"}}); st != http.StatusOK {
			t.Fatalf("sign: %d", st)
		}
		app.Mail.Wait(t, "lea@example.org", "Arrêtez de nous pister")

		// The organizer, reading French, raises the goal, then delivers.
		org := app.Browser()
		org.Lang = "fr"
		org.SignIn(t, organizer, "correct horse battery")
		if st, _ := org.Post(t, path+"/edit", url.Values{"title": {"Stop tracking us"}, "petition_text": {"We ask you to stop."}, "goal": {"2000"},
			"target[0].name": {"Platform Inc."}, "target[0].email": {"ceo@platform.example"},
			"translations.fr.title": {"Arrêtez de nous pister"}, "translations.fr.petition_text": {"Nous vous demandons d’arrêter."}}); st != http.StatusOK {
			t.Fatalf("edit: %d", st)
		}
		if st, _ := org.Post(t, path+"/deliver", url.Values{"note": {""}, "confirm": {"yes"}}); st != http.StatusOK {
			t.Fatalf("deliver: %d", st)
		}
		campaignPage := "/c/users/logout"
		_, body = en.Get(t, campaignPage)
		contains(t, "English timeline", body, "Petition “Stop tracking us” changed", "Its goal is now "+web.FormatNumber("en", 2000)+" signatures (it was 10).",
			"Petition “Stop tracking us” delivered with")
		for _, french := range []string{"modifiée", "remise avec", "Arrêtez"} {
			if strings.Contains(body, french) {
				t.Errorf("English timeline shows %q", french)
			}
		}
		_, body = fr.Get(t, campaignPage)
		contains(t, "French timeline", body, "Pétition « Arrêtez de nous pister » modifiée", "Son objectif est maintenant de "+web.FormatNumber("fr", 2000)+" signatures (il était de 10).",
			"Pétition « Arrêtez de nous pister » remise avec")
	})
}
