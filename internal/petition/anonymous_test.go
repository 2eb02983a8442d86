package petition_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// An anonymous caller of a tactic's record helper (a petition's
// signatures, a pledge's commitments) learns nothing about whether an
// address already takes part: the same status and the same body whether
// it is new, pending, confirmed or withdrawn.
func TestRecordHelperTellsAnonymousCallersNothing(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		var campaignID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, p.id()).Scan(&campaignID)
		now := time.Now().UTC()
		var pledge struct {
			ID string `json:"id"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": campaignID, "threshold": 100000, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pledge); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		for _, tactic := range []struct{ name, path, subject string }{
			{"petition", "/api/v1/petitions/" + p.id() + "/signatures", "Confirm your signature"},
			{"pledge", "/api/v1/pledges/" + pledge.ID + "/commitments", "Confirm your commitment"},
		} {
			t.Run(tactic.name, func(t *testing.T) {
				post := func(email string) (int, string) {
					t.Helper()
					body, _ := json.Marshal(map[string]any{"person": map[string]any{"given_name": "Sam",
						"email_addresses": []map[string]any{{"address": email}}}, "comments": "yes"})
					resp, err := http.Post(app.URL+tactic.path, "application/json", strings.NewReader(string(body)))
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					b, err := io.ReadAll(resp.Body)
					if err != nil {
						t.Fatal(err)
					}
					return resp.StatusCode, string(b)
				}
				follow := func(email, link string) {
					t.Helper()
					m := app.Mail.Wait(t, email, tactic.subject)
					if st, _ := app.Browser().Post(t, strings.TrimPrefix(m.Link(t, link), app.URL), nil); st != http.StatusOK {
						t.Fatalf("%s of %s: %d", link, email, st)
					}
				}
				at := func(state string) string { return tactic.name + "-" + state + "@example.org" }
				post(at("pending"))
				post(at("confirmed"))
				follow(at("confirmed"), "/p/confirm/")
				post(at("withdrawn"))
				follow(at("withdrawn"), "/p/withdraw/")

				wantStatus, wantBody := post(at("new"))
				if wantStatus != http.StatusAccepted {
					t.Fatalf("a new address: %d %s", wantStatus, wantBody)
				}
				var doc struct {
					Identifiers []string `json:"identifiers"`
					Status      string   `json:"status"`
				}
				if err := json.Unmarshal([]byte(wantBody), &doc); err != nil || len(doc.Identifiers) > 0 || doc.Status != "pending" {
					t.Errorf("the answer names the participation or its state: %s", wantBody)
				}
				for _, state := range []string{"pending", "confirmed", "withdrawn"} {
					if st, body := post(at(state)); st != wantStatus || body != wantBody {
						t.Errorf("an address %s: %d %s, a new one: %d %s", state, st, body, wantStatus, wantBody)
					}
				}
			})
		}
	})
}
