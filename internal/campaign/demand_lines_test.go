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

// The new-campaign form takes each section's title and demands in the
// campaign's other language too, as the demands' edit page does: beside
// each section a French fieldset whose "one demand per line" box is line
// for line. A French box whose lines are not as many as the demands is
// refused naming that box, what was typed kept; a campaign whose language
// is switched in the form takes the French version as its own, the
// English one becoming its translation.
func TestNewCampaignFormTakesDemandsInEachLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		org := app.Browser()
		org.SignIn(t, "organizer@example.org", password)
		_, body := org.Get(t, "/c/users/campaigns/new")
		contains(t, "new form", body, `id="f-demand_sections[0].translations.fr.demands" name="demand_sections[0].translations.fr.demands" rows="3" lang="fr"`,
			`name="demand_sections[2].translations.fr.title" type="text" value="" lang="fr"`, "In French, line for line")
		lacks(t, "new form", body, "translations.en.demands")
		checkIDs(t, "new form", body)

		form := url.Values{"action": {"create"}, "own_language": {"en"}, "language": {"en"}, "sections": {"3"},
			"title": {"Facebook users’ strike"}, "slug": {"strike"},
			"demand_sections[0].title":                   {"Transparency"},
			"demand_sections[0].translations.fr.title":   {"Transparence"},
			"demand_sections[0].demands":                 {"Facebook publishes its age checks.\nFacebook hires moderators."},
			"demand_sections[0].translations.fr.demands": {"Facebook publie ses contrôles d’âge."},
			"demand_sections[1].title":                   {"Workers"},
			"demand_sections[1].demands":                 {"Click workers get a minimum wage."},
		}
		st, body := org.Post(t, "/c/users/campaigns", form)
		if st != 422 {
			t.Fatalf("one French line for two demands: %d", st)
		}
		contains(t, "refused lines", body, "Lines here: 1; demands above: 2.", `id="e-demand_sections[0].translations.fr.demands"`,
			"Facebook publie ses contrôles d’âge.", `value="Transparence"`, "Facebook hires moderators.")
		if st, _ := app.Browser().Get(t, "/c/users/strike"); st != 404 {
			t.Fatalf("a refused form wrote the campaign: %d", st)
		}

		form.Set("demand_sections[0].translations.fr.demands", "Facebook publie ses contrôles d’âge.\n\nFacebook embauche des modérateurs.\n")
		if st, body := org.Post(t, "/c/users/campaigns", form); st != 200 {
			t.Fatalf("create: %d\n%s", st, body)
		}
		c := campaignByAPI(t, app, token, "users", "strike")
		if len(c.DemandSections) != 2 {
			t.Fatalf("sections: %+v", c.DemandSections)
		}
		s, ds := c.DemandSections[0], c.DemandSections[0].Demands
		if s.Title != "Transparency" || s.Translations["fr"]["title"] != "Transparence" || len(ds) != 2 ||
			ds[0].Text != "Facebook publishes its age checks." || ds[0].Translations["fr"]["text"] != "Facebook publie ses contrôles d’âge." ||
			ds[1].Translations["fr"]["text"] != "Facebook embauche des modérateurs." {
			t.Fatalf("section A: %+v", s)
		}
		if w := c.DemandSections[1]; w.Translations["fr"] != nil || w.Demands[0].Translations["fr"] != nil {
			t.Errorf("section B, given in English only, has a French version: %+v", w)
		}
		fr := app.Browser()
		fr.Lang = "fr"
		_, body = fr.Get(t, "/c/users/strike")
		contains(t, "French reader", body, "Transparence", "Facebook embauche des modérateurs.", "Click workers get a minimum wage.")
		lacks(t, "French reader", body, "Facebook hires moderators.")

		// Written in English, switched to French: the French version is its own.
		form.Set("slug", "greve")
		form.Set("language", "fr")
		form.Set("title", "Grève")
		form.Set("translations.fr.title", "Grève des utilisateurs")
		form.Del("demand_sections[1].title")
		form.Del("demand_sections[1].demands")
		if st, body := org.Post(t, "/c/users/campaigns", form); st != 200 {
			t.Fatalf("create in French: %d\n%s", st, body)
		}
		c = campaignByAPI(t, app, token, "users", "greve")
		s, ds = c.DemandSections[0], c.DemandSections[0].Demands
		if c.Language != "fr" || len(c.DemandSections) != 1 || s.Title != "Transparence" || s.Translations["en"]["title"] != "Transparency" ||
			ds[1].Text != "Facebook embauche des modérateurs." || ds[1].Translations["en"]["text"] != "Facebook hires moderators." {
			t.Fatalf("campaign switched to French: %q %+v", c.Language, c.DemandSections)
		}
	})
}
