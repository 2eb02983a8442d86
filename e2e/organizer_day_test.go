package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// checkMoments reads every <time> under sel in the browser (at least one)
// and checks each reads, for people, as the instant of its datetime
// attribute (RFC 3339) in lang on the clock of zone.
func checkMoments(t *testing.T, ctx context.Context, what, sel, lang, zone string) {
	t.Helper()
	times := Get(t, ctx, what, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll(`+"`"+sel+` time`+"`"+`)).map(e => [e.getAttribute("datetime"), e.textContent])`))
	if len(times) == 0 {
		t.Fatalf("%s: no <time> under %s", what, sel)
	}
	for _, tm := range times {
		at, err := time.Parse(time.RFC3339, tm[0])
		if err != nil {
			t.Errorf("%s: datetime %q is not RFC 3339", what, tm[0])
			continue
		}
		if want := web.FormatMoment(lang, at, zone); tm[1] != want {
			t.Errorf("%s: %q reads %q, want %q", what, tm[0], tm[1], want)
		}
	}
}

// An organizer adds a timeline entry and two demands in English and in
// French from the campaign's edit pages (the French demands line for
// line); a French reader reads them in French, an English one in
// English.
func TestEditTimelineAndDemandsInBothLanguages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		petitionWithDemands(t, app) // the campaign fb-users/terms, in English, section A of 17 demands
		ctx := Browser(t, 1024, 900)
		Run(t, ctx, "sign in",
			chromedp.Navigate(app.URL+"/signin"),
			chromedp.SendKeys(`#f-email`, "olga@example.org"),
			chromedp.SendKeys(`#f-password`, "correct horse battery"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`form[action="/signout"]`),
		)
		Run(t, ctx, "write a timeline entry in both languages",
			chromedp.Navigate(app.URL+"/c/fb-users/terms/edit/timeline"),
			chromedp.WaitVisible(`#u-f-title`),
			chromedp.SendKeys(`#u-f-title`, "The strike is on"),
			chromedp.SendKeys(`#u-f-body`, "Meet us on May 1st."),
			chromedp.SendKeys(`#new-update input[name="translations.fr.title"]`, "La grève est lancée"),
			chromedp.SendKeys(`#new-update textarea[name="translations.fr.body"]`, "Rendez-vous le 1er mai."),
			chromedp.Click(`#new-update button[type="submit"]`),
			chromedp.WaitVisible(`.flash`),
		)
		Run(t, ctx, "add two demands, and their French line for line",
			chromedp.Navigate(app.URL+"/c/fb-users/terms/edit/demands"),
			chromedp.WaitVisible(`#d1-f-demands`),
			chromedp.SendKeys(`#d1-f-demands`, "Facebook publishes its age checks.\nFacebook hires moderators."),
			chromedp.SendKeys(`textarea[name="translations.fr.demands"][id^="d1-"]`, "Facebook publie ses contrôles d’âge.\nFacebook embauche des modérateurs."),
			chromedp.Submit(`#d1-f-demands`),
			chromedp.WaitVisible(`.flash`),
		)
		reader := Browser(t, 390, 844)
		for _, c := range []struct {
			lang      string
			want, not []string
		}{
			{"fr", []string{"La grève est lancée", "Rendez-vous le 1er mai.", "Facebook embauche des modérateurs."}, []string{"The strike is on", "Facebook hires moderators."}},
			{"en", []string{"The strike is on", "Meet us on May 1st.", "Facebook hires moderators."}, []string{"La grève est lancée", "Facebook embauche des modérateurs."}},
		} {
			Run(t, reader, "read the campaign in "+c.lang,
				chromedp.Navigate(app.URL+"/lang/"+c.lang+"?next=/c/fb-users/terms"),
				chromedp.WaitVisible(`#timeline`),
			)
			main := Get(t, reader, "read the page", chromedp.Text(`main`))
			for _, w := range c.want {
				if !strings.Contains(main, w) {
					t.Errorf("%s reader does not read %q", c.lang, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(main, n) {
					t.Errorf("%s reader reads the other language's %q", c.lang, n)
				}
			}
		}
	})
}

// An event's languages read as their names in the reader's language.
func TestEventLanguagesNamedInTheReadersLanguage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		start := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
		var ev struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/events", token, map[string]any{"title": "Assemblée des usagers", "campaign": campaignID,
			"start_date": start.Format(time.RFC3339), "end_date": start.Add(2 * time.Hour).Format(time.RFC3339),
			"timezone_identifier": "Europe/Paris", "location": map[string]any{"venue": "Bourse du travail"}, "languages": "fr, en"}, &ev); st != 201 {
			t.Fatalf("create event: %d", st)
		}
		path := strings.TrimPrefix(ev.BrowserURL, app.URL)
		ctx := Browser(t, 390, 844)
		for lang, want := range map[string]string{"fr": "Français, anglais", "en": "French, English"} {
			Run(t, ctx, "open the event in "+lang,
				chromedp.Navigate(app.URL+"/lang/"+lang+"?next="+path),
				chromedp.WaitVisible(`.event-facts`),
			)
			if facts := Get(t, ctx, "read the facts", chromedp.Text(`.event-facts`)); !strings.Contains(facts, want) || strings.Contains(facts, "fr, en") {
				t.Errorf("%s reader: the event's facts read %q, want %q", lang, facts, want)
			}
		}
	})
}
