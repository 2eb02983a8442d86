package campaign_test

import (
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// The "one demand per line" boxes of the demands' edit page (adding to a
// section, and a new section) take the demands' French text line for
// line, stored as the API's demands' translations; each reader reads
// theirs. A French box whose lines are not as many as the demands, or
// with a line too long, is refused naming that box, what was typed kept.
func TestDemandLinesInTheOtherLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		var c campaignDoc
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), &c); st != 201 {
			t.Fatalf("create: %d", st)
		}
		base := strings.TrimPrefix(c.BrowserURL, app.URL)
		sec := c.DemandSections[1].ID
		org := app.Browser()
		org.SignIn(t, "organizer@example.org", password)
		_, body := org.Get(t, base+"/edit/demands")
		contains(t, "demands edit page", body, `id="d2-f-translations.fr.demands" name="translations.fr.demands" rows="3" lang="fr"`,
			`id="ns-f-translations.fr.demands"`, `id="ns-f-translations.fr.title"`, "In French, line for line")
		checkIDs(t, "demands edit page", body)

		st, body := org.Post(t, base+"/sections/"+sec+"/demands", url.Values{"demands": {"Facebook publishes its age checks.\nFacebook hires moderators."},
			"translations.fr.demands": {"Facebook publie ses contrôles d’âge."}})
		if st != 422 {
			t.Fatalf("one French line for two demands: %d", st)
		}
		contains(t, "refused lines", body, "Lines here: 1; demands above: 2.", `aria-invalid="true"`, "Facebook publie ses contrôles d’âge.", "Facebook hires moderators.")
		st, body = org.Post(t, base+"/sections/"+sec+"/demands", url.Values{"demands": {"Facebook publishes its age checks.\nFacebook hires moderators."},
			"translations.fr.demands": {"Facebook publie ses contrôles d’âge.\n" + strings.Repeat("x", 2001)}})
		if st != 422 {
			t.Fatalf("a French line too long: %d", st)
		}
		contains(t, "refused French line", body, "Demand 2: ", `id="d2-e-translations.fr.demands"`)

		st, _ = org.Post(t, base+"/sections/"+sec+"/demands", url.Values{"demands": {"Facebook publishes its age checks.\n\nFacebook hires moderators."},
			"translations.fr.demands": {"Facebook publie ses contrôles d’âge.\nFacebook embauche des modérateurs.\n"}})
		if st != 200 {
			t.Fatalf("add demands: %d", st)
		}
		st, _ = org.Post(t, base+"/sections", url.Values{"title": {"Workers"}, "translations.fr.title": {"Travailleurs"},
			"demands": {"Click workers get a minimum wage."}, "translations.fr.demands": {"Les travailleurs du clic ont un salaire minimum."}})
		if st != 200 {
			t.Fatalf("add section: %d", st)
		}
		c = campaignByAPI(t, app, token, "users", c.Slug)
		ds := c.DemandSections[1].Demands
		if len(ds) != 4 || ds[2].Text != "Facebook publishes its age checks." || ds[2].Translations["fr"]["text"] != "Facebook publie ses contrôles d’âge." ||
			ds[3].Translations["fr"]["text"] != "Facebook embauche des modérateurs." {
			t.Fatalf("section B's demands: %+v", ds)
		}
		if s := c.DemandSections[2]; s.Translations["fr"]["title"] != "Travailleurs" || s.Demands[0].Translations["fr"]["text"] != "Les travailleurs du clic ont un salaire minimum." {
			t.Fatalf("new section: %+v", s)
		}
		fr := app.Browser()
		fr.Lang = "fr"
		_, body = fr.Get(t, base)
		contains(t, "French reader", body, "Facebook embauche des modérateurs.", "Travailleurs", "Les travailleurs du clic ont un salaire minimum.")
		lacks(t, "French reader", body, "Facebook hires moderators.")
		_, body = app.Browser().Get(t, base)
		contains(t, "English reader", body, "Facebook hires moderators.", "Click workers get a minimum wage.")
		lacks(t, "English reader", body, "Facebook embauche des modérateurs.")
	})
}
