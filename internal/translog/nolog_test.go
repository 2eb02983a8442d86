package translog_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"repertoire/internal/server"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// An instance run with --no-log serves nothing under /log/, so its pages
// never send a reader there: the petition's and the pledge's counts
// neither link to /log/counts/ nor name a log size, the confirmation page
// offers no receipt, and /transparency says, in each language, that this
// site keeps no log.
func TestWithoutTheLogPagesDoNotPointToIt(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		app := testkit.StartWith(t, db, func(c *server.Config) { c.NoLog = true })
		s := newSite(t, app)
		s.importOne(t, "paper@example.org")
		link := s.sign(t, "reader@example.org").Link(t, "/p/confirm/")
		st, page := app.Browser().Post(t, strings.TrimPrefix(link, app.URL), nil)
		if st != http.StatusOK || strings.Contains(page, "/log/receipt/") {
			t.Errorf("confirmation page (%d) offers a receipt from a log that is not kept", st)
		}
		var camp struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/campaigns", s.token, map[string]any{"title": "Strike", "slug": "strike", "community": "users"}, &camp); st != 201 {
			t.Fatalf("campaign: %d", st)
		}
		now := time.Now()
		var pl struct {
			ID   string `json:"id"`
			Slug string `json:"slug"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", s.token, map[string]any{"title": "Log out", "action": "log out", "campaign": camp.ID, "threshold": 100,
			"deadline": now.Add(48 * time.Hour).Format(time.RFC3339), "window_start": now.Add(72 * time.Hour).Format(time.RFC3339),
			"window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != 201 {
			t.Fatalf("pledge: %d", st)
		}
		var slug string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT slug FROM petitions WHERE id = $1`, s.petition).Scan(&slug)
		pages := []string{"/c/users/log-out/petitions/" + slug, "/c/users/strike/pledges/" + pl.Slug}
		for lang, says := range map[string]string{"en": "This site keeps no transparency log of its counts", "fr": "Ce site ne tient pas de journal de transparence de ses chiffres"} {
			b := app.Browser()
			b.Lang = lang
			for _, path := range pages {
				st, page := b.Get(t, path)
				if st != http.StatusOK {
					t.Fatalf("%s: %d", path, st)
				}
				for _, never := range []string{"/log/counts/", "when the log held", "quand le journal comptait", "log checkpoint", "point de contrôle"} {
					if strings.Contains(page, never) {
						t.Errorf("%s in %s says %q though no log is kept", path, lang, never)
					}
				}
				if !strings.Contains(page, `<a href="/transparency">`+says+`</a>`) {
					t.Errorf("%s in %s does not say that no log is kept (%q)", path, lang, says)
				}
			}
		}
		for lang, says := range map[string]string{"en": "This site keeps no transparency log", "fr": "Ce site ne tient pas de journal de transparence"} {
			b := app.Browser()
			b.Lang = lang
			st, page := b.Get(t, "/transparency")
			if st != http.StatusOK || !strings.Contains(page, says) || strings.Contains(page, "repertoire verify") || strings.Contains(page, "/log/checkpoint") {
				t.Errorf("/transparency in %s (%d) does not say the log is off:\n%s", lang, st, page)
			}
		}
		if st, _, _ := get(t, app.URL+"/log/checkpoint"); st != http.StatusNotFound {
			t.Errorf("/log/checkpoint without a log: %d", st)
		}
	})
}
