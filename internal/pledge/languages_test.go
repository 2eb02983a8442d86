package pledge_test

import (
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A pledge written in English and French: each reader reads its title and
// action in their language, a French committer is mailed in French, and
// the API gives and takes its translations.
func TestPledgeInTwoLanguages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		var doc struct {
			Language     string                       `json:"language"`
			Translations map[string]map[string]string `json:"translations"`
		}
		put := map[string]any{"translations": map[string]any{"fr-FR": map[string]string{"title": "Se déconnecter de Facebook", "action": "me déconnecter de Facebook"}}}
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, put, &doc); st != http.StatusOK {
			t.Fatalf("put translations: %d", st)
		}
		if doc.Language != "en" || doc.Translations["fr"]["action"] != "me déconnecter de Facebook" {
			t.Fatalf("document: %q %v", doc.Language, doc.Translations)
		}
		var p problem
		if st := app.API(t, "PUT", "/api/v1/pledges/"+f.pledge.ID, f.org, map[string]any{"translations": map[string]any{"fr": map[string]string{"title": strings.Repeat("x", 201)}}}, &p); st != http.StatusUnprocessableEntity ||
			!strings.Contains(strings.Join(p.fields(), " "), "translations.fr.title") {
			t.Errorf("too long a translation: %d %v", st, p.fields())
		}
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		fr, en := app.Browser(), app.Browser()
		fr.Lang = "fr"
		_, body := fr.Get(t, path)
		if !strings.Contains(body, "Se déconnecter de Facebook") || !strings.Contains(body, "me déconnecter de Facebook") {
			t.Errorf("French page lacks the French pledge")
		}
		_, body = en.Get(t, path)
		if !strings.Contains(body, "Log out of Facebook") || strings.Contains(body, "Se déconnecter") {
			t.Errorf("English page: the English pledge only")
		}
		f.commitOnline(t, "lea@example.org", "Léa", "fr", "Se déconnecter de Facebook")
	})
}
