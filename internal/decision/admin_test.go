package decision_test

import (
	"net/http"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// A decision's page lives outside /c/{community}/, yet an administrator
// who is not a member of its community reads there that they act as
// administrator; its members do not.
func TestAdministratorOnADecisionPageActsAsAdministrator(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 1)
		d := f.create(t, map[string]any{"title": "Call a general meeting", "quorum": 50})
		app.Token(t, "ada@example.org", "Ada Admin", true)
		ada := app.Browser()
		ada.SignIn(t, "ada@example.org", password)
		const banner = `id="as-admin"`
		st, body := ada.Get(t, "/decisions/"+d.ID)
		if st != http.StatusOK || !strings.Contains(body, banner) {
			t.Errorf("administrator on the decision's page (%d): no banner", st)
		}
		if st, body := f.members[0].browser.Get(t, "/decisions/"+d.ID); st != http.StatusOK || strings.Contains(body, banner) {
			t.Errorf("a member on the decision's page (%d) is told they act as administrator", st)
		}
	})
}
