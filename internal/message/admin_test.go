package message_test

import (
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A message's page lives outside /c/{community}/, yet an administrator
// who is not a member of its community reads there that they act as
// administrator; its organizer does not.
func TestAdministratorOnAMessagePageActsAsAdministrator(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app)
		m := f.create(t, map[string]any{"subject": "Private", "body": "For members.", "targets": parts("members", "")})
		app.Token(t, "ada@example.org", "Ada Admin", true)
		ada := app.Browser()
		ada.SignIn(t, "ada@example.org", password)
		const banner = `id="as-admin"`
		st, body := ada.Get(t, "/messages/"+m.ID)
		if st != http.StatusOK || !strings.Contains(body, banner) || !strings.Contains(body, "You are acting as an instance administrator in this community") {
			t.Errorf("administrator on the message's page (%d): no banner", st)
		}
		if _, body := ada.Get(t, "/dashboard"); strings.Contains(body, banner) {
			t.Error("banner on the dashboard, outside any community")
		}
	})
}
