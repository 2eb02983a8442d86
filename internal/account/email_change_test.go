package account_test

import (
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// TestChangingOwnEmailNeedsTheNewAddress: a person changing their own
// address through the API keeps the old one (202, the rest saved) until
// they follow the link mailed to the new one; opening that link changes
// nothing, its button does, the old address is told, and the link works
// once. An administrator's change applies at once. (An address another
// person holds: TestPutPeopleWithATakenAddressAnswersAsForAFreeOne.)
func TestChangingOwnEmailNeedsTheNewAddress(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		ana := app.Token(t, "ana@example.org", "Ana", false)
		app.Token(t, "bob@example.org", "Bob", false)
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'ana@example.org'"), admin, nil, &list)
		self := idOf(list.Embedded.People[0])
		email := func() string {
			var p personJSON
			app.API(t, "GET", "/api/v1/people/"+self, admin, nil, &p)
			return p.EmailAddresses[0].Address
		}

		var p personJSON
		status := app.API(t, "PUT", "/api/v1/people/"+self, ana, map[string]any{"family_name": "Lopez",
			"email_addresses": []any{map[string]any{"address": " Ana.New@Example.org "}}}, &p)
		if status != 202 || p.EmailAddresses[0].Address != "ana@example.org" || p.FamilyName != "Lopez" {
			t.Fatalf("own change: %d %+v; want 202, the old address, the new family name", status, p)
		}
		link := app.Mail.Wait(t, "ana.new@example.org", "Confirm your new email address").Link(t, "/email/")
		b := app.Browser()
		if st, body := b.Get(t, link); st != 200 || !strings.Contains(body, "Use this address") || email() != "ana@example.org" {
			t.Fatalf("opening the link: %d, address %s", st, email())
		}
		if st, _ := b.Post(t, strings.TrimPrefix(link, app.URL), nil); st != 200 || email() != "ana.new@example.org" {
			t.Fatalf("following the link: %d, address %s", st, email())
		}
		notice := app.Mail.Wait(t, "ana@example.org", "Your Repertoire address has changed")
		if !strings.Contains(notice.Body, "ana.new@example.org") {
			t.Errorf("the old address's notice:\n%s", notice.Body)
		}
		if st, _ := b.Post(t, strings.TrimPrefix(link, app.URL), nil); st != 404 {
			t.Errorf("the link followed again: %d", st)
		}

		if status := app.API(t, "PUT", "/api/v1/people/"+self, admin, map[string]any{
			"email_addresses": []any{map[string]any{"address": "ana.admin@example.org"}}}, &p); status != 200 || p.EmailAddresses[0].Address != "ana.admin@example.org" {
			t.Fatalf("admin's change: %d %+v", status, p)
		}
	})
}
