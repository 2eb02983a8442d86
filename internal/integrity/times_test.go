package integrity_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"repertoire/internal/participation"
	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/web"
)

// The queue's evidence (each group's windows, each participation's time)
// reads in the reader's language on the instance's clock (--time-zone),
// the instant for machines in <time datetime>.
func TestTheEvidenceShowsTimesOnTheInstancesClock(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) {
			c.Limits = &participation.Limits{}
			c.IntegrityEvery = -1
			c.TimeZone = "America/New_York"
		})
		s := setup(t, app)
		b := s.app.Browser()
		b.SignIn(t, organizer, password)
		if st, _ := b.Post(t, "/c/users/integrity/runs", nil); st != http.StatusOK {
			t.Fatalf("run: %d", st)
		}
		re := regexp.MustCompile(`<time datetime="([^"]+)">([^<]+)</time>`)
		for _, lang := range []string{"en", "fr"} {
			b.Lang = lang
			_, body := b.Get(t, "/c/users/integrity")
			ms := re.FindAllStringSubmatch(body, -1)
			if len(ms) < 3 {
				t.Fatalf("%s: %d times on the queue, want a window's two and a participation's", lang, len(ms))
			}
			for _, m := range ms {
				at, err := time.Parse(time.RFC3339, m[1])
				if err != nil {
					t.Errorf("%s: datetime %q is not RFC 3339", lang, m[1])
					continue
				}
				if want := web.FormatMoment(lang, at, "America/New_York"); m[2] != want {
					t.Errorf("%s: %q reads %q, want %q", lang, m[1], m[2], want)
				}
			}
		}
	})
}
