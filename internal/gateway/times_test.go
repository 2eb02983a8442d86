package gateway_test

import (
	"regexp"
	"testing"
	"time"

	"repertoire/internal/gateway"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

var timeRE = regexp.MustCompile(`<time datetime="([^"]+)">([^<]+)</time>`)

// checkTimes finds the page's <time> elements (at least one) and checks
// each reads, for people, as the instant of its machine-readable datetime
// in lang on the clock of zone.
func checkTimes(t *testing.T, what, body, lang, zone string) {
	t.Helper()
	ms := timeRE.FindAllStringSubmatch(body, -1)
	if len(ms) == 0 {
		t.Fatalf("%s: no <time> in\n%s", what, body)
	}
	for _, m := range ms {
		at, err := time.Parse(time.RFC3339, m[1])
		if err != nil {
			t.Errorf("%s: datetime %q is not RFC 3339", what, m[1])
			continue
		}
		if want := web.FormatMoment(lang, at, zone); m[2] != want {
			t.Errorf("%s: %q reads %q, want %q", what, m[1], m[2], want)
		}
	}
}

// The access histories (a member's "who read my data", a consumer's
// requests for organizers) show each time in the reader's language on
// the instance's clock (--time-zone), the instant for machines in
// <time datetime>.
func TestAccessHistoriesShowTimesOnTheInstancesClock(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) { c.TimeZone = "Europe/Paris" })
		f := setup(t, app, 2)
		f.adopt(t, posts(gateway.LevelPseudonym))
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, nil); st != 200 {
			t.Fatalf("read: %d", st)
		}
		rider := app.Browser()
		rider.SignIn(t, "rider1@example.org", password)
		olga := app.Browser()
		olga.SignIn(t, "olga@example.org", password)
		for _, lang := range []string{"en", "fr"} {
			rider.Lang, olga.Lang = lang, lang
			_, body := rider.Get(t, "/account/data-access")
			checkTimes(t, lang+" member's page", body, lang, "Europe/Paris")
			_, body = olga.Get(t, "/c/riders/gateway/consumers/"+f.consumer.ID)
			checkTimes(t, lang+" consumer's page", body, lang, "Europe/Paris")
		}
	})
}
