package petition_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// consentBox finds each consent checkbox of a page and whether it is ticked.
var consentBox = regexp.MustCompile(`<input[^>]*type="checkbox"[^>]*name="(public_name|contact_ok|share_with_target)"[^>]*>`)

func consents(body string) map[string]bool {
	got := map[string]bool{}
	for _, m := range consentBox.FindAllStringSubmatch(body, -1) {
		got[m[1]] = strings.Contains(m[0], " checked")
	}
	return got
}

// Consent is an act: no consent box of a tactic's public form (showing
// one's name, contact by the organizers, sharing with the target) starts
// ticked, and a form refused for an error comes back with exactly the
// boxes the person ticked.
func TestConsentBoxesStartUnticked(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		var campaignID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, p.id()).Scan(&campaignID)
		now := time.Now().UTC()
		var pledge struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": campaignID, "threshold": 100000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pledge); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		for _, tactic := range []struct {
			name, path, submit string
			boxes              []string
		}{
			{"petition", strings.TrimPrefix(p.BrowserURL, app.URL), "/sign", []string{"public_name", "contact_ok", "share_with_target"}},
			{"pledge", strings.TrimPrefix(pledge.BrowserURL, app.URL), "/commit", []string{"contact_ok"}},
		} {
			t.Run(tactic.name, func(t *testing.T) {
				st, body := app.Browser().Get(t, tactic.path)
				if st != http.StatusOK {
					t.Fatalf("page: %d", st)
				}
				got := consents(body)
				for _, box := range tactic.boxes {
					ticked, ok := got[box]
					if !ok {
						t.Fatalf("no %s box on the page", box)
					}
					if ticked {
						t.Errorf("%s starts ticked", box)
					}
				}

				// Each box alone ticked, then none: a refused form keeps exactly that.
				for _, tick := range append(append([]string{}, tactic.boxes...), "") {
					form := url.Values{"given_name": {"Ana"}, "email": {"not an address"}}
					if tick != "" {
						form.Set(tick, "on")
					}
					st, body := app.Browser().Post(t, tactic.path+tactic.submit, form)
					if st != http.StatusUnprocessableEntity {
						t.Fatalf("bad email with %q ticked: %d", tick, st)
					}
					got := consents(body)
					for _, box := range tactic.boxes {
						if got[box] != (box == tick) {
							t.Errorf("refused form with %q ticked: %s ticked %v", tick, box, got[box])
						}
					}
				}
			})
		}
	})
}
