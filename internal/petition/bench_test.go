package petition_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// benchClients is how many people sign at once.
const benchClients = 64

// BenchmarkSign signs one petition through the whole server, from
// benchClients clients at once: through the record helper (api) and
// through the page's form as a browser posts it (form), side by side on
// the same server. Each reports signatures/s and p50/p99 latencies.
//
//	go test -run '^$' -bench Sign -benchtime 20000x ./internal/petition/
func BenchmarkSign(b *testing.B) {
	testkit.BenchApps(b, func(b *testing.B, app *testkit.App) {
		token := app.Token(b, organizer, "Organizer", false)
		var com, camp struct {
			ID string `json:"id"`
		}
		var p petitionDoc
		app.API(b, "POST", "/api/v1/communities", token, map[string]any{"name": "Bench", "slug": "bench"}, &com)
		app.API(b, "POST", "/api/v1/campaigns", token, map[string]any{"title": "Bench", "slug": "bench", "community": com.ID}, &camp)
		if st := app.API(b, "POST", "/api/v1/petitions", token, map[string]any{"title": "Bench", "petition_text": "Load.", "campaign": camp.ID}, &p); st != http.StatusCreated {
			b.Fatalf("create petition: %d", st)
		}
		page := strings.TrimPrefix(p.BrowserURL, app.URL)
		b.Run("api", func(b *testing.B) {
			app.Load(b, benchClients, testkit.Submitter{Path: "/api/v1/petitions/" + p.id() + "/signatures", Want: http.StatusAccepted,
				Body: func(i int64) []byte {
					return fmt.Appendf(nil, `{"person":{"given_name":"Signer","email_addresses":[{"address":"api%d@bench.example"}],"postal_addresses":[{"locality":"Lyon","country":"FR"}]},"public_name":true}`, i)
				}})
		})
		form := func(prefix string, cookies []*http.Cookie) func(b *testing.B) {
			return func(b *testing.B) {
				app.Load(b, benchClients, testkit.Submitter{Path: page + "/sign", Form: true, Want: http.StatusSeeOther, Cookies: cookies,
					Body: func(i int64) []byte {
						return fmt.Appendf(nil, "given_name=Signer&family_name=&email=%s%d%%40bench.example&locality=Lyon&country=FR&comment=&public_name=on", prefix, i)
					}})
			}
		}
		b.Run("form", form("form", nil))
		// A signed-in browser's session is read on each post.
		browser := app.Browser()
		browser.SignIn(b, organizer, "correct horse battery")
		u, _ := url.Parse(app.URL)
		b.Run("form-signed-in", form("session", browser.Jar.Cookies(u)))
	})
}
