package petition_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A person who signed finds the signature in their own data export: what,
// its state, dates, comment and consents; never the IP address or token.
func TestExportHoldsParticipations(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		app.Token(t, "ana@example.org", "Ana", false) // an account to sign in with
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		if st, _ := sign(t, app, path, url.Values{"given_name": {"Ana"}, "email": {"ana@example.org"}, "locality": {"Lyon"},
			"comment": {"Stop it."}, "public_name": {"on"}, "contact_ok": {"on"}}); st != http.StatusOK {
			t.Fatalf("sign: %d", st)
		}
		confirm := app.Mail.Wait(t, "ana@example.org", "Confirm your signature").Link(t, "/p/confirm/")
		b := app.Browser()
		if st, _ := b.Post(t, strings.TrimPrefix(confirm, app.URL), nil); st != http.StatusOK {
			t.Fatalf("confirm: %d", st)
		}
		b.SignIn(t, "ana@example.org", "correct horse battery")
		resp, err := b.Client.Get(app.URL + "/account/export")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var data struct {
			Participations []map[string]any `json:"participations"`
		}
		if err := json.Unmarshal(raw, &data); err != nil || len(data.Participations) != 1 {
			t.Fatalf("export: %v\n%s", err, raw)
		}
		got := data.Participations[0]
		for k, want := range map[string]any{"kind": "signature", "action_title": "Stop tracking us", "status": "confirmed",
			"comment": "Stop it.", "public_name": "yes", "contact_ok": "yes", "share_with_target": "no", "locality": "Lyon"} {
			if got[k] != want {
				t.Errorf("participation %s = %v; want %v", k, got[k], want)
			}
		}
		for _, k := range []string{"created_at", "confirmed_at"} {
			if s, _ := got[k].(string); s == "" {
				t.Errorf("participation lacks %s: %v", k, got)
			}
		}
		for _, secret := range []string{"127.0.0.1", "token_hash", `"ip"`, "email_domain"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("export contains %q", secret)
			}
		}
	})
}
