package legal_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// A legal action that names no authority sends its complaints to its
// company's lead authority from the directory: derived from the
// company's country (Meta Platforms Ireland: the Irish DPC), or, once an
// administrator sets another on the company, that one.
func TestComplaintGoesToTheCompanysLeadAuthority(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, "access_requests")
		if st := app.API(t, "PUT", "/api/v1/legal_actions/"+f.action.ID, f.org, map[string]any{"authority": ""}, nil); st != 200 {
			t.Fatalf("clear the action's authority: %d", st)
		}
		bob, bobB := f.enrol(t, "bob@example.org", "Bob", "FR", "en")
		if st, _ := bobB.Post(t, bob+"/sent", url.Values{"sent_on": {store.Now().AddDate(0, 0, -40).Format("2006-01-02")}}); st != 200 {
			t.Fatalf("bob sent: %d", st)
		}
		m := app.Mail.Wait(t, "bob@example.org", "is late: your complaint is ready")
		bob = strings.TrimPrefix(m.Link(t, "/legal/e/"), app.URL)
		_, page := bobB.Get(t, bob)
		page = html.UnescapeString(page)
		if !strings.Contains(page, "Irish Data Protection Commission") || !strings.Contains(page, "Commission Nationale de l'Informatique et des Libertés") {
			t.Errorf("the complaint does not go to Meta's derived lead authority and Bob's own\n%s", page)
		}

		admin := app.Token(t, "admin@example.org", "Admin", true)
		if st := app.API(t, "PUT", "/api/v1/targets/"+f.facebook.ID, admin, map[string]any{"lead_authority_id": "lucnpd"}, nil); st != 200 {
			t.Fatalf("set Meta's lead authority: %d", st)
		}
		_, page = bobB.Get(t, bob)
		page = html.UnescapeString(page)
		if !strings.Contains(page, "Commission nationale pour la protection des données") || strings.Contains(page, "Irish Data Protection Commission") {
			t.Errorf("the complaint does not follow the lead authority set on the company")
		}
	})
}
