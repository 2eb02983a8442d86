package decision_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// An organizer proposes from the pages: a refused form keeps what was
// typed and names the field (422), in French too; a good one leads to the
// decision's page, which they open and close with its buttons. The
// community page links to its decisions.
func TestOrganizerPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		org := app.Browser()
		org.SignIn(t, "olga@example.org", password)
		if _, page := org.Get(t, "/c/riders"); !strings.Contains(page, `href="/c/riders/decisions"`) {
			t.Fatal("the community page does not link to its decisions")
		}
		if st, page := org.Get(t, "/c/riders/decisions/new"); st != 200 || !strings.Contains(page, `name="closes_at"`) {
			t.Fatalf("new form: %d", st)
		}
		org.Lang = "fr"
		form := url.Values{"title": {"Ratifier"}, "kind": {"ratify_demands"}, "threshold": {"majority"}, "closes_at": {"2020-01-01T10:00"}}
		st, page := org.Post(t, "/c/riders/decisions", form)
		if st != 422 || !strings.Contains(page, "Choisissez la campagne") || !strings.Contains(page, "Le vote doit se clore dans le futur") ||
			!strings.Contains(page, `value="Ratifier"`) {
			t.Fatalf("refused form: %d\n%s", st, page)
		}
		org.Lang = "en"
		form.Set("campaign", f.campaign)
		form.Set("closes_at", time.Now().UTC().Add(48*time.Hour).Format("2006-01-02T15:04"))
		form.Set("secret", "1")
		st, page = org.Post(t, "/c/riders/decisions", form)
		if st != 200 || !strings.Contains(page, "Open voting now") || !strings.Contains(page, "secret ballot") {
			t.Fatalf("created: %d\n%s", st, page)
		}
		_, list := org.Get(t, "/c/riders/decisions")
		i := strings.Index(list, `href="/decisions/`)
		if i < 0 {
			t.Fatalf("the list does not link the decision:\n%s", list)
		}
		path := list[i+len(`href="`):]
		path = path[:strings.Index(path, `"`)]
		if st, page = org.Post(t, path+"/open", nil); st != 200 || !strings.Contains(page, "Close voting now") || !strings.Contains(page, "2 members can vote") {
			t.Fatalf("opened: %d\n%s", st, page)
		}
		org.Lang = "fr"
		if _, page := org.Get(t, path); !strings.Contains(page, "Clore le vote maintenant") || !strings.Contains(page, "bulletin secret") {
			t.Fatalf("the page in French:\n%s", page)
		}
		org.Lang = "en"
		if st, _ := f.members[0].browser.Post(t, path+"/open", nil); st != 403 {
			t.Fatalf("a member opening: %d, want 403", st)
		}
		if st, page = f.members[0].browser.Get(t, path); !strings.Contains(page, `name="option"`) {
			t.Fatalf("the member's page offers no vote: %d", st)
		}
		if st, page = org.Post(t, path+"/close", nil); st != 200 || !strings.Contains(page, "Rejected") || !strings.Contains(page, "0 of 2 members voted.") {
			t.Fatalf("closed: %d\n%s", st, page)
		}
	})
}

// The ballot mail speaks each elector's language.
func TestBallotMailInTheElectorsLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 0)
		if _, err := account.CreateUser(context.Background(), app.DB, account.NewUser{Email: "lea@example.org", Name: "Léa", Password: password, Language: "fr"}); err != nil {
			t.Fatal(err)
		}
		b := app.Browser()
		b.SignIn(t, "lea@example.org", password)
		b.Post(t, "/c/riders/join", url.Values{})
		d := f.create(t, map[string]any{"title": "Grève vendredi ?", "secret": true})
		f.setStatus(t, d.ID, "open")
		m := app.Mail.Wait(t, "lea@example.org", "Riders union vote : Grève vendredi ?")
		if !strings.Contains(m.Body, "ne sert qu’une fois") || !strings.Contains(m.Body, "personne ne peut savoir comment vous avez voté") {
			t.Fatalf("French mail:\n%s", m.Body)
		}
		en := app.Mail.Wait(t, "olga@example.org", "Riders union votes: Grève vendredi ?")
		if !strings.Contains(en.Body, "works once") {
			t.Fatalf("English mail:\n%s", en.Body)
		}
	})
}

// A private community's decisions are not found by outsiders, on pages and
// through the API.
func TestPrivateCommunityDecisions(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		if st := app.API(t, "PUT", "/api/v1/communities/riders", f.org, map[string]any{"visibility": "private"}, nil); st != 200 {
			t.Fatalf("make private: %d", st)
		}
		d := f.create(t, map[string]any{"title": "Internal matter"})
		outsider := app.Token(t, "out@example.org", "Out Sider", false)
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID, outsider, nil, nil); st != 404 {
			t.Fatalf("outsider API: %d, want 404", st)
		}
		var list struct {
			Total int `json:"total_records"`
		}
		app.API(t, "GET", "/api/v1/decisions", outsider, nil, &list)
		if list.Total != 0 {
			t.Fatalf("an outsider lists %d decisions", list.Total)
		}
		if st, _ := app.Browser().Get(t, "/decisions/"+d.ID); st != 404 {
			t.Fatalf("visitor page: %d, want 404", st)
		}
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID, f.members[0].token, nil, nil); st != 200 {
			t.Fatalf("member API: %d", st)
		}
	})
}

// Voting closes at its time through the scheduler, which counts.
func TestScheduledClosing(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		closes := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
		d := f.create(t, map[string]any{"title": "Quick one", "closes_at": closes.Format(time.RFC3339)})
		d = f.setStatus(t, d.ID, "open")
		f.vote(t, f.members[0].token, d.ID, d.role(t, "for"))
		var got decisionDoc
		for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err := app.Server.Scheduler.RunDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got = f.get(t, d.ID, f.org); got.Status == "closed" {
				break
			}
		}
		if got.Status != "closed" || got.Outcome != "passed" || *got.Turnout != 1 {
			t.Fatalf("after its closing time: %+v", got)
		}
		if st := f.vote(t, f.members[0].token, d.ID, d.role(t, "for")); st != 409 {
			t.Fatalf("a vote after close: %d, want 409", st)
		}
	})
}

// A vote closes at its minute: its page, its ballot and the organizer's
// dashboard give the hour on the instance's clock (--time-zone), in the
// reader's language, not only the day.
func TestClosingTimeOnTheInstancesClock(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) { c.TimeZone = "Europe/Paris" })
		f := setup(t, app, 1)
		closes := time.Date(time.Now().Year()+1, time.December, 1, 17, 0, 0, 0, time.UTC)
		d := f.create(t, map[string]any{"title": "Strike ballot", "closes_at": closes.Format(time.RFC3339)})
		d = f.setStatus(t, d.ID, "open")
		// 17:00 UTC is 18:00 in Paris in December.
		when := fmt.Sprintf("1 December %d, 18:00 (Europe/Paris)", closes.Year())
		quand := fmt.Sprintf("1er décembre %d, 18:00 (Europe/Paris)", closes.Year())
		org := app.Browser()
		org.SignIn(t, "olga@example.org", password)
		if _, page := org.Get(t, "/decisions/"+d.ID); !strings.Contains(page, "closes on "+when) ||
			!strings.Contains(page, fmt.Sprintf(`<time datetime="%d-12-01T17:00:00Z">`, closes.Year())) {
			t.Errorf("the decision's page lacks its closing at %q", when)
		}
		if _, page := org.Get(t, "/dashboard"); !strings.Contains(page, when) {
			t.Errorf("the dashboard lacks the closing at %q", when)
		}
		org.Lang = "fr"
		if _, page := org.Get(t, "/decisions/"+d.ID); !strings.Contains(page, "clôture le "+quand) {
			t.Errorf("the French page lacks its closing at %q", quand)
		}
		if _, page := org.Get(t, "/dashboard"); !strings.Contains(page, quand) {
			t.Errorf("the French dashboard lacks the closing at %q", quand)
		}
	})
}
