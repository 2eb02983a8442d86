package petition_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// Counts and goals read with their digits grouped, as on the campaign page
// and the pledges: "12,000" in English, "12 000" (narrow no-break space, U+202F)
// in French, and the share of the goal "10%" / "10 %", on the petition's page, its organizers' page, the delivery
// mail and the campaign timeline.
func TestPetitionNumbersAreGrouped(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, first, _ := setup(t, app)
		var campaignID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, first.id()).Scan(&campaignID)
		for _, c := range []struct {
			lang, title                      string
			goal, count, split, table        string
			manage, delivered, mail, subject string
			timeline                         string
		}{
			{"en", "Open the data", "Goal: 12,000 signatures (10% reached)", "<strong>1,234</strong>", "1,233 confirmed online, 1 gathered elsewhere", "<td>1,234</td>",
				"<strong>1,233</strong>", "1,234 signatures delivered", "1,234 people signed", "(1,234 signatures)", "delivered with 1,234 signatures"},
			{"fr", "Ouvrez les données", "Objectif : 12\u202f000 signatures (10\u202f% atteints)", "<strong>1\u202f234</strong>", "1\u202f233 confirmées en ligne, 1 recueillie ailleurs", "<td>1\u202f234</td>",
				"<strong>1\u202f233</strong>", "1\u202f234 signatures remises", "1\u202f234 personnes ont signé", "(1\u202f234 signatures)", "remise avec 1\u202f234 signatures"},
		} {
			t.Run(c.lang, func(t *testing.T) {
				var p petitionDoc
				if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": c.title, "petition_text": "Open it.",
					"campaign": "repertoire:" + campaignID, "goal": 12000, "target": []map[string]any{{"name": "Platform Inc.", "email": "data-" + c.lang + "@platform.example"}}}, &p); st != http.StatusCreated {
					t.Fatalf("create petition: %d", st)
				}
				// One real import puts the counters and today's chart bucket
				// in place; then they are raised to a count worth grouping
				// (this test is about how counts read, not how they grow).
				if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, map[string]any{
					"person": map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
					t.Fatalf("import: %d", st)
				}
				db := app.DB.Writer()
				if _, err := db.ExecContext(context.Background(), `UPDATE action_counters SET confirmed = 1233 WHERE action_id = $1`, p.id()); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(context.Background(), `UPDATE action_count_buckets SET confirmed = 1234 WHERE action_id = $1`, p.id()); err != nil {
					t.Fatal(err)
				}
				b := app.Browser()
				b.Lang = c.lang
				b.SignIn(t, organizer, "correct horse battery")
				path := strings.TrimPrefix(p.BrowserURL, app.URL)
				st, body := b.Get(t, path)
				if st != http.StatusOK {
					t.Fatalf("petition page: %d", st)
				}
				contains(t, "petition page", body, c.goal, c.count, c.split, c.table)
				if st, _ := b.Post(t, path+"/deliver", url.Values{"note": {""}, "confirm": {"yes"}}); st != http.StatusOK {
					t.Fatalf("deliver: %d", st)
				}
				m := app.Mail.Wait(t, "data-"+c.lang+"@platform.example", c.title)
				// The subject keeps its no-break spaces, and so does the
				// campaign's timeline, written when read in the reader's
				// language.
				if want := c.subject; !strings.Contains(m.Subject, want) {
					t.Errorf("delivery subject %q, want %q", m.Subject, want)
				}
				contains(t, "delivery mail", m.Body, c.mail)
				_, body = b.Get(t, path+"/manage")
				contains(t, "organizers' page", body, c.manage, c.delivered)
				_, body = b.Get(t, "/c/users/logout")
				contains(t, "campaign timeline", body, c.timeline)
			})
		}
	})
}

// The count's word agrees with it through the catalog's plurals: "1
// signature" in both languages, "0 signatures" in English but "0
// signature" in French.
func TestTheCountsWordAgreesWithIt(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		for _, c := range []struct{ lang, want string }{{"en", "<strong>0</strong> signatures</h2>"}, {"fr", "<strong>0</strong> signature</h2>"}} {
			if _, body := get(t, app, path, c.lang); !strings.Contains(string(body), c.want) {
				t.Errorf("%s, no signature yet: missing %q", c.lang, c.want)
			}
		}
		if st := app.API(t, "POST", "/api/v1/petitions/"+p.id()+"/signatures", token, map[string]any{
			"person": map[string]any{"given_name": "Ana", "email_addresses": []map[string]any{{"address": "ana@example.org"}}}, "origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import: %d", st)
		}
		for _, lang := range []string{"en", "fr"} {
			// The page may come from a cache a second old.
			deadline := time.Now().Add(5 * time.Second)
			for {
				_, body := get(t, app, path, lang)
				if strings.Contains(string(body), "<strong>1</strong> signature</h2>") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s, one signature: the count reads\n%s", lang, body)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	})
}
