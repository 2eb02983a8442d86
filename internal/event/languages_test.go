package event_test

import (
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// An event's languages are kept and given by the API as BCP 47 tags, and
// shown to readers as the languages' names in their own language.
func TestEventLanguagesReadAsNames(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 10)
		if st := app.API(t, "PUT", "/api/v1/events/"+f.id, f.org, map[string]any{"languages": "fr-FR, en-GB"}, nil); st != 200 {
			t.Fatalf("put languages: %d", st)
		}
		if d := f.get(t); d.Languages != "fr, en" {
			t.Errorf("API languages %q, want the tags", d.Languages)
		}
		fr := app.Browser()
		fr.Lang = "fr"
		_, body := fr.Get(t, f.path)
		if !strings.Contains(body, "<dd>Français, anglais</dd>") || strings.Contains(body, "<dd>fr, en</dd>") {
			t.Errorf("French reader: no languages' names in\n%s", body)
		}
		_, body = app.Browser().Get(t, f.path)
		if !strings.Contains(body, "<dd>French, English</dd>") {
			t.Errorf("English reader: no languages' names in\n%s", body)
		}
	})
}
