package event_test

import (
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// The organizer's dashboard shows an upcoming event with its day and its
// hour on the event's own clock, in the reader's language.
func TestTheDashboardShowsAnEventsHour(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 10)
		d := f.get(t)
		start, err := time.Parse(time.RFC3339, d.StartDate)
		if err != nil {
			t.Fatal(err)
		}
		b := app.Browser()
		b.SignIn(t, "org@example.org", "correct horse battery")
		for _, lang := range []string{"en", "fr"} {
			b.Lang = lang
			_, page := b.Get(t, "/dashboard")
			want := web.FormatMoment(lang, start, "Europe/Paris")
			paris, _ := time.LoadLocation("Europe/Paris")
			if !strings.Contains(page, want) || !strings.Contains(want, start.In(paris).Format("15:04")) {
				t.Errorf("%s dashboard lacks the event's time %q", lang, want)
			}
		}
	})
}
