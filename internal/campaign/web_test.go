package campaign_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

const password = "correct horse battery"

// contains fails the test for each wanted string missing from the page
// (compared after HTML unescaping, as a person reads it).
func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s: should not show %q", what, w)
		}
	}
}

// campaignByAPI reads the campaign at /c/users/{slug} through the API.
func campaignByAPI(t *testing.T, app *testkit.App, token, community, slug string) campaignDoc {
	t.Helper()
	var col struct {
		Embedded map[string][]campaignDoc `json:"_embedded"`
	}
	app.API(t, "GET", "/api/v1/campaigns?per_page=100&community="+community, token, nil, &col)
	for _, c := range col.Embedded["repertoire:campaigns"] {
		if c.Slug == slug {
			var full campaignDoc
			app.API(t, "GET", "/api/v1/campaigns/"+c.ID, token, nil, &full)
			return full
		}
	}
	t.Fatalf("no campaign %s in %s", slug, community)
	return campaignDoc{}
}

func TestCampaignPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		app.Token(t, "member@example.org", "Member", false)
		community(t, app, token, "users", "public")
		community(t, app, token, "workers", "private")
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)

		// The no-JS editor: three sections at first, one more per click,
		// with everything typed kept.
		st, body := b.Get(t, "/c/users/campaigns/new")
		if st != 200 || strings.Count(body, `<fieldset class="demand-section-editor"`) != 3 {
			t.Fatalf("new form: %d, %d sections", st, strings.Count(body, `<fieldset class="demand-section-editor"`))
		}
		contains(t, "new form", body, `for="f-demand_sections[2].demands"`, "One demand per line", "Add another section")
		typed := url.Values{
			"title":                      {"Facebook users’ strike"},
			"summary":                    {"On May 1st, 2018, Facebook users are going on strike unless the company agrees to the following terms."},
			"targets":                    {"Facebook, Inc.\n\nIrish Data Protection Commissioner"},
			"ultimatum_date":             {"2018-05-01"},
			"sections":                   {"3"},
			"demand_sections[0].title":   {"Full Transparency for American and British Voters"},
			"demand_sections[0].demands": {"Facebook shares the exact date it discovered Russian operatives had purchased ads.\r\n\r\nFacebook shares the exact dollar amount Russian operatives spent on political ads.\r\n"},
			"demand_sections[2].title":   {"Better Safety for Children on Facebook"},
			"demand_sections[2].demands": {"Facebook increases the minimum age for Facebook users from 13 to 16.\nFacebook shuts down the Messenger Kids product."},
			"action":                     {"add_section"},
		}
		st, body = b.Post(t, "/c/users/campaigns", typed)
		if st != 200 || strings.Count(body, `<fieldset class="demand-section-editor"`) != 4 {
			t.Fatalf("add a section: %d, %d sections", st, strings.Count(body, `<fieldset class="demand-section-editor"`))
		}
		contains(t, "after adding a section", body, "Section D", `value="Facebook users’ strike"`, "Irish Data Protection Commissioner",
			`value="Better Safety for Children on Facebook"`, "Facebook shuts down the Messenger Kids product.", `value="2018-05-01"`)

		// Refused: every field error at once, values kept, nothing written.
		bad := url.Values{}
		for k, v := range typed {
			bad[k] = v
		}
		bad.Set("action", "create")
		bad.Set("title", "")
		bad.Set("ultimatum_date", "1 May")
		bad.Set("demand_sections[2].demands", "Facebook increases the minimum age.\n"+strings.Repeat("x", 1001))
		st, body = b.Post(t, "/c/users/campaigns", bad)
		if st != 422 {
			t.Fatalf("refused form: %d", st)
		}
		contains(t, "refused form", body, "This field is required.", "Use the date format YYYY-MM-DD.", "Demand 2: At most 1,000 characters.",
			`value="Full Transparency for American and British Voters"`, "Facebook increases the minimum age.", `id="e-demand_sections[2].demands"`)
		lacks(t, "refused form", body, "e-demand_sections[0].demands")

		// Created: the page shows the sections' letters, numbered demands
		// (the empty middle section is left out), targets and ultimatum.
		typed.Set("action", "create")
		st, body = b.Post(t, "/c/users/campaigns", typed)
		if st != 200 {
			t.Fatalf("create: %d\n%s", st, body)
		}
		contains(t, "campaign page", body, "The campaign is created.", "<h1>Facebook users’ strike</h1>",
			`<span class="section-letter">A.</span> Full Transparency for American and British Voters`,
			`<span class="section-letter">B.</span> Better Safety for Children on Facebook`,
			`<span class="demand-number" aria-hidden="true">B2</span>`, "Facebook shuts down the Messenger Kids product.",
			`<strong>Facebook, Inc.</strong>, <strong>Irish Data Protection Commissioner</strong>`, "1 May 2018", "days ago",
			`class="status status-open"`, "Open since", "Edit the campaign")
		lacks(t, "campaign page", body, "section-letter\">C.")

		c := campaignByAPI(t, app, token, "users", "facebook-users-strike")
		b1 := c.DemandSections[1].Demands[0]

		// A status change, shown in the demand's history on the page.
		base := "/c/users/facebook-users-strike"
		st, body = b.Post(t, base+"/demands/"+b1.ID+"/status", url.Values{"status": {"won"}, "evidence_url": {"ftp://x"}, "status_note": {"Raised to 16 in Europe"}})
		if st != 422 {
			t.Fatalf("bad status: %d", st)
		}
		contains(t, "refused status", body, "Unknown status", "This must be a web address", "Raised to 16 in Europe")
		st, body = b.Post(t, base+"/demands/"+b1.ID+"/status", url.Values{"status": {"partially_met"}, "status_note": {"Raised to 16 in Europe"}, "evidence_url": {"https://example.org/gdpr"}})
		if st != 200 {
			t.Fatalf("status change: %d", st)
		}
		contains(t, "after a status change", body, "The status change is recorded.", `class="status status-partially_met"`,
			"Raised to 16 in Europe", `<a href="https://example.org/gdpr" rel="nofollow noopener">evidence</a>`)

		// A visitor reads the page, without the organizers' links.
		visitor := app.Browser()
		st, body = visitor.Get(t, base)
		if st != 200 {
			t.Fatalf("visitor: %d", st)
		}
		contains(t, "visitor", body, "Raised to 16 in Europe", "Partially met")
		lacks(t, "visitor", body, "Edit the campaign", "/demands/"+b1.ID)

		// French.
		visitor.Lang = "fr"
		_, body = visitor.Get(t, base)
		contains(t, "in French", body, "Revendications", "Partiellement satisfaite", "Ouverte depuis le", "1er mai 2018", "Adressée à", "il y a")

		// Who may organize.
		member := app.Browser()
		member.SignIn(t, "member@example.org", password)
		if st, _ := member.Get(t, "/c/users/campaigns/new"); st != 403 {
			t.Errorf("non-organizer new form: %d", st)
		}
		if st, _ := member.Post(t, base+"/demands/"+b1.ID+"/status", url.Values{"status": {"met"}}); st != 403 {
			t.Errorf("non-organizer status change: %d", st)
		}
		if st, body := app.Browser().Get(t, "/c/users/campaigns/new"); st != 200 || !strings.Contains(body, `name="password"`) {
			t.Errorf("visitor is sent to sign in: %d", st)
		}

		// Private community: its campaigns are not found for outsiders.
		priv := url.Values{"title": {"Click workers’ rights"}, "action": {"create"}}
		if st, _ := b.Post(t, "/c/workers/campaigns", priv); st != 200 {
			t.Fatalf("private create: %d", st)
		}
		if st, _ := b.Get(t, "/c/workers/click-workers-rights"); st != 200 {
			t.Errorf("member reads the private campaign: %d", st)
		}
		if st, _ := member.Get(t, "/c/workers/click-workers-rights"); st != 404 {
			t.Errorf("outsider reads the private campaign: %d", st)
		}
		if st, _ := app.Browser().Get(t, "/c/workers/click-workers-rights"); st != 404 {
			t.Errorf("visitor reads the private campaign: %d", st)
		}
		if st, body := b.Post(t, "/c/users/campaigns", url.Values{"title": {"Facebook users’ strike"}, "action": {"create"}}); st != 409 || !strings.Contains(html.UnescapeString(body), "already has a campaign at this address") {
			t.Errorf("duplicate slug: %d", st)
		}
		if st, _ := b.Post(t, "/c/users/campaigns", url.Values{"title": {strings.Repeat("x", 5<<20)}, "action": {"create"}}); st != 413 {
			t.Errorf("5 MB form: %d", st)
		}
	})
}

func TestEditingACampaign(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/facebook-users-strike"
		c := campaignByAPI(t, app, token, "users", "facebook-users-strike")
		a, bsec := c.DemandSections[0], c.DemandSections[1]

		st, body := b.Get(t, base+"/edit")
		if st != 200 {
			t.Fatalf("edit page: %d", st)
		}
		contains(t, "edit page", body, `value="Facebook users’ strike"`, "Delete the campaign", `href="`+base+`/edit/demands"`, `href="`+base+`/edit/timeline"`, `href="`+base+`/edit/coverage"`)
		lacks(t, "edit page", body, "Add demands to section B", "Publish an update")
		// Each part is a page of its own: a save on one leaves nothing unsaved on another.
		_, body = b.Get(t, base+"/edit/demands")
		contains(t, "demands page", body, "Add demands to section B", `aria-current="page">Demands`)
		lacks(t, "demands page", body, `value="Facebook users’ strike"`, "Publish an update")
		_, body = b.Get(t, base+"/edit/timeline")
		contains(t, "timeline page", body, "Publish an update")
		lacks(t, "timeline page", body, "Add demands to section B")
		if st, _ := b.Get(t, base+"/edit/nothing"); st != 404 {
			t.Errorf("unknown edit page: %d", st)
		}

		steps := []struct {
			name   string
			path   string
			form   url.Values
			status int
			shows  []string
		}{
			{"details", base + "/edit", url.Values{"title": {"Users’ strike"}, "slug": {"facebook-users-strike"}, "summary": {"New summary."}, "targets": {"Meta"}, "ultimatum_date": {""}}, 200,
				[]string{"<h1>Users’ strike</h1>", "New summary.", "<strong>Meta</strong>"}},
			{"details refused", base + "/edit", url.Values{"title": {"Users’ strike"}, "slug": {"Bad Slug"}, "targets": {"Meta\n" + strings.Repeat("x", 201)}}, 422,
				[]string{"Use lower-case letters", "Target 2: At most 200 characters.", `value="Bad Slug"`}},
			{"add a section", base + "/sections", url.Values{"title": {"Rights for click workers"}, "demands": {"Click workers get a minimum wage.\nClick workers may unionize."}}, 200,
				[]string{"Rights for click workers", "C2"}},
			{"add a demand to a section", base + "/sections/" + bsec.ID + "/demands", url.Values{"demands": {"Facebook publishes its age checks."}}, 200,
				[]string{"B3", "Facebook publishes its age checks."}},
			{"add an empty demand", base + "/sections/" + bsec.ID + "/demands", url.Values{"demands": {"  \n "}}, 422,
				[]string{"This field is required."}},
			{"edit a demand's text", base + "/demands/" + a.Demands[0].ID + "/edit", url.Values{"text": {"Facebook shares the date it found the Russian ads."}}, 200,
				[]string{"Facebook shares the date it found the Russian ads."}},
			{"delete a demand", base + "/demands/" + a.Demands[1].ID + "/delete", url.Values{"confirm": {"yes"}}, 200, []string{"The demand is deleted."}},
			{"publish an update", base + "/updates", url.Values{"title": {"The strike is called"}, "body": {"Join us on May 1st."}, "published_date": {"2018-03-20"}}, 200,
				[]string{"The strike is called", "Join us on May 1st.", "20 March 2018"}},
			{"list an article", base + "/coverage", url.Values{"kind": {"article"}, "date": {"2018-08-19"}, "outlet": {"Le Dauphiné"}, "title": {"Quand l’entreprise dit : déconnectez !"}, "language": {"fr"}, "url": {"https://www.ledauphine.com/"}}, 200,
				[]string{"Le Dauphiné", `<cite lang="fr">Quand l’entreprise dit : déconnectez !</cite>`, "19 August 2018"}},
			{"refused article", base + "/coverage", url.Values{"kind": {"tv"}, "date": {"19/08/2018"}, "outlet": {"Le Monde"}, "language": {"French"}}, 422,
				[]string{"Choose one of the proposed values.", "Use the date format YYYY-MM-DD.", `value="Le Monde"`,
					"“French” is not a language tag: write a BCP 47 tag such as en, fr, es or pt-BR.", `value="French"`}},
		}
		for _, s := range steps {
			st, body := b.Post(t, s.path, s.form)
			if st != s.status {
				t.Errorf("%s: %d, want %d", s.name, st, s.status)
				continue
			}
			contains(t, s.name, body, s.shows...)
		}
		_, body = b.Get(t, base)
		lacks(t, "after deleting A2", body, "Facebook shares the 3,000+ ads", `aria-hidden="true">A2</span>`)
		contains(t, "after the edits", body, `aria-hidden="true">A1</span>`, "Facebook shares the date it found the Russian ads.",
			`aria-hidden="true">B3</span>`, `aria-hidden="true">C2</span>`)
		// Deleting asks first; going on deletes.
		if st, body := b.Post(t, base+"/delete", nil); st != 200 || !strings.Contains(body, `name="confirm" value="yes"`) || strings.Contains(body, "The campaign is deleted.") {
			t.Fatalf("delete without confirming: %d\n%s", st, body)
		}
		if st, _ := b.Get(t, base); st != 200 {
			t.Fatalf("the campaign went before its confirmation: %d", st)
		}
		if st, body := b.Post(t, base+"/delete", url.Values{"confirm": {"yes"}}); st != 200 || !strings.Contains(body, "The campaign is deleted.") {
			t.Fatalf("delete: %d", st)
		}
		if st, _ := b.Get(t, base); st != 404 {
			t.Fatalf("deleted campaign page: %d", st)
		}
	})
}

// Deleting a demand asks first, saying its status history goes with it;
// only the confirmation's post deletes. Its button looks destructive.
func TestDeletingADemandAsksFirst(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/facebook-users-strike"
		count := func() int {
			n := 0
			for _, s := range campaignByAPI(t, app, token, "users", "facebook-users-strike").DemandSections {
				n += len(s.Demands)
			}
			return n
		}
		before := count()
		d := campaignByAPI(t, app, token, "users", "facebook-users-strike").DemandSections[0].Demands[0]
		_, page := b.Get(t, base+"/demands/"+d.ID)
		contains(t, "demand page", page, `<button type="submit" class="danger">Delete A1</button>`)
		for _, lang := range []struct{ code, question, consequence string }{
			{"en", "Delete demand A1, “" + d.Text + "”?", "Its status history is deleted with it. This cannot be undone."},
			{"fr", "Supprimer la revendication A1, « " + d.Text + " » ?", "L’historique de son statut est supprimé avec elle. C’est irréversible."},
		} {
			b.Get(t, "/lang/"+lang.code)
			st, body := b.Post(t, base+"/demands/"+d.ID+"/delete", nil)
			if st != 200 {
				t.Fatalf("delete: %d", st)
			}
			contains(t, "confirmation in "+lang.code, body, lang.question, lang.consequence, `name="confirm" value="yes"`, `class="danger"`)
			if n := count(); n != before {
				t.Fatalf("deleted before confirming: %d demands of %d", n, before)
			}
		}
		b.Get(t, "/lang/en")
		_, body := b.Post(t, base+"/demands/"+d.ID+"/delete", url.Values{"confirm": {"yes"}})
		contains(t, "deleted", body, "The demand is deleted.")
		if n := count(); n != before-1 {
			t.Fatalf("after confirming: %d demands of %d", n, before)
		}
	})
}

// Deleting a timeline entry or an article asks first, naming it; only the
// confirmation's post deletes.
func TestDeletingATimelineEntryOrAnArticleAsksFirst(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/facebook-users-strike"
		b.Post(t, base+"/updates", url.Values{"title": {"The strike is called"}, "body": {"Join us."}, "published_date": {"2018-03-20"}})
		b.Post(t, base+"/coverage", url.Values{"kind": {"article"}, "date": {"2018-08-19"}, "outlet": {"Le Monde"}, "title": {"Users on strike"}})
		itemAction := regexp.MustCompile(`action="(` + regexp.QuoteMeta(base) + `/(?:updates|coverage)/[^"/]+/delete)"`)
		for _, c := range []struct{ part, title, fr string }{
			{"timeline", "The strike is called", "Supprimer « The strike is called » de la page de la campagne ?"},
			{"coverage", "Users on strike", "Supprimer « Users on strike » de la page de la campagne ?"},
		} {
			_, page := b.Get(t, base+"/edit/"+c.part)
			m := itemAction.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("%s: no delete form\n%s", c.part, page)
			}
			st, body := b.Post(t, m[1], nil)
			if st != 200 {
				t.Fatalf("%s: delete: %d", c.part, st)
			}
			contains(t, c.part+" confirmation", body, "Delete “"+c.title+"” from the campaign’s page?", "This cannot be undone.", `name="confirm" value="yes"`, `class="danger"`)
			b.Lang = "fr"
			_, body = b.Post(t, m[1], nil)
			contains(t, c.part+" confirmation in French", body, c.fr, "C’est irréversible.")
			b.Lang = "en"
			if _, page := b.Get(t, base+"/edit/"+c.part); !strings.Contains(page, c.title) {
				t.Fatalf("%s: deleted before confirming", c.part)
			}
			_, body = b.Post(t, m[1], url.Values{"confirm": {"yes"}})
			if _, page := b.Get(t, base+"/edit/"+c.part); strings.Contains(page, c.title) {
				t.Fatalf("%s: still there after confirming\n%s", c.part, body)
			}
		}
	})
}

// Deleting a section with its demands asks first, counting them; only the
// confirmation's post deletes.
func TestDeletingASectionAsksFirst(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token := app.Token(t, "organizer@example.org", "Organizer", false)
		community(t, app, token, "users", "public")
		if st := app.API(t, "POST", "/api/v1/campaigns", token, strikeBody("users"), nil); st != 201 {
			t.Fatalf("create: %d", st)
		}
		b := app.Browser()
		b.SignIn(t, "organizer@example.org", password)
		base := "/c/users/facebook-users-strike"
		sec := campaignByAPI(t, app, token, "users", "facebook-users-strike").DemandSections[1]
		_, edit := b.Get(t, base+"/edit/demands")
		contains(t, "edit page", edit, `<button type="submit" class="danger">Delete section B and its demands</button>`)

		st, body := b.Post(t, base+"/sections/"+sec.ID+"/delete", nil)
		if st != 200 {
			t.Fatalf("delete: %d", st)
		}
		contains(t, "confirmation", body, "Delete section B, “"+sec.Title+"”?", fmt.Sprintf("Its %d demands and their status history", len(sec.Demands)),
			`name="confirm" value="yes"`, `class="danger"`, `href="`+base+`/edit/demands#s-`+sec.ID+`"`)
		if got := campaignByAPI(t, app, token, "users", "facebook-users-strike").DemandSections; len(got) != 2 {
			t.Fatalf("deleted before confirming: %d sections", len(got))
		}
		_, body = b.Post(t, base+"/sections/"+sec.ID+"/delete", url.Values{"confirm": {"yes"}})
		contains(t, "deleted", body, "The section and its demands are deleted.")
		if got := campaignByAPI(t, app, token, "users", "facebook-users-strike").DemandSections; len(got) != 1 {
			t.Fatalf("after confirming: %d sections", len(got))
		}
	})
}
