package account_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"repertoire/internal/testkit"
)

// Pre-registration takeover: Mallory signs up first with Ana's address and
// a password of hers, hoping Ana confirms the account later with Mallory's
// password still set. Whatever link Ana proves her address with, the
// password of the account is Ana's own choice or none.

const (
	malloryPassword = "mallory knows this one"
	anaPassword     = "ana chose this herself"
)

// signInFails reports whether a fresh browser is refused with this
// password.
func signInFails(t *testing.T, app *testkit.App, email, password string) bool {
	t.Helper()
	b := app.Browser()
	status, body := b.Post(t, "/signin", url.Values{"email": {email}, "password": {password}})
	return status == http.StatusUnprocessableEntity && !signedIn(t, app, b) && strings.Contains(body, "do not match")
}

// follow opens a mailed link and presses its button, as a person does.
func follow(t *testing.T, app *testkit.App, b *testkit.Browser, link string) (int, string) {
	t.Helper()
	if status, _ := b.Get(t, link); status != http.StatusOK {
		return status, ""
	}
	return b.Post(t, strings.TrimPrefix(link, app.URL), nil)
}

// anotherLink waits for a mail to `to` with a link containing substr other
// than those given, and returns that link.
func anotherLink(t *testing.T, app *testkit.App, to, substr string, not ...string) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range app.Mail.All() {
			if !slices.Contains(m.To, to) {
				continue
			}
			for _, l := range m.Links() {
				if strings.Contains(l, substr) && !slices.Contains(not, l) {
					return l
				}
			}
		}
	}
	t.Fatalf("no new link containing %q mailed to %s", substr, to)
	return ""
}

func malloryPreRegisters(t *testing.T, app *testkit.App) *testkit.Mail {
	t.Helper()
	mallory := app.Browser()
	if status, _ := mallory.Post(t, "/signup", url.Values{"name": {"Mallory"}, "email": {"ana@example.org"}, "password": {malloryPassword}}); status != 200 {
		t.Fatalf("Mallory's sign-up answered %d", status)
	}
	return app.Mail.Wait(t, "ana@example.org", "Confirm your email address")
}

// The owner signs up again after Mallory: her own link carries her own
// password, and Mallory's link dies once Ana's address is proven.
func TestSignUpAfterAPreRegistrationKeepsTheOwnersPassword(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		malloryLink := malloryPreRegisters(t, app).Link(t, "/confirm/")
		if m := app.Browser(); func() bool {
			m.Post(t, "/signin", url.Values{"email": {"ana@example.org"}, "password": {malloryPassword}})
			return signedIn(t, app, m)
		}() {
			t.Error("Mallory's password signs in before anyone confirmed")
		}
		ana := app.Browser()
		if status, _ := ana.Post(t, "/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.org"}, "password": {anaPassword}}); status != 200 {
			t.Fatalf("Ana's sign-up answered %d", status)
		}
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@example.org' AND subject LIKE 'Confirm%'`); n != 2 {
			t.Fatalf("%d confirmation mails, want one per sign-up", n)
		}
		anaLink := anotherLink(t, app, "ana@example.org", "/confirm/", malloryLink)
		if status, body := follow(t, app, ana, anaLink); status != 200 || !signedIn(t, app, ana) || !strings.Contains(body, "Your email address is confirmed.") {
			t.Fatalf("Ana confirming: %d, signed in %v", status, signedIn(t, app, ana))
		}
		if !signInFails(t, app, "ana@example.org", malloryPassword) {
			t.Fatal("Mallory signs in to Ana's confirmed account with her own password")
		}
		app.Browser().SignIn(t, "ana@example.org", anaPassword)
		// Mallory's link, clicked later by Ana, is dead and changes nothing.
		if status, _ := app.Browser().Get(t, malloryLink); status != http.StatusNotFound {
			t.Errorf("the other sign-up's link still answers %d", status)
		}
		app.Browser().SignIn(t, "ana@example.org", anaPassword)
	})
}

// Ana never signed up; she follows the confirmation link Mallory's sign-up
// mailed her. The link carries Mallory's password only into Mallory's
// browser: in Ana's the account is confirmed without a password, and Ana
// is asked to choose one.
func TestConfirmLinkCarriesThePasswordOnlyToItsSignUpBrowser(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		link := malloryPreRegisters(t, app).Link(t, "/confirm/")
		ana := app.Browser()
		if _, page := ana.Get(t, link); !strings.Contains(page, "This is not the browser you signed up in") {
			t.Error("the link's page does not say the password will not be set")
		}
		status, body := follow(t, app, ana, link)
		if status != 200 || !signedIn(t, app, ana) {
			t.Fatalf("Ana confirming: %d, signed in %v", status, signedIn(t, app, ana))
		}
		mustContain(t, "account page", body, "no password is set yet", "You have no password yet")
		if !signInFails(t, app, "ana@example.org", malloryPassword) {
			t.Fatal("Mallory signs in with the password she typed at sign-up")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM accounts WHERE password_hash <> ''`); n != 0 {
			t.Errorf("%d accounts hold a password nobody confirmed", n)
		}
		// Ana chooses hers, no current password asked.
		status, _ = ana.Post(t, "/account/password", url.Values{"new_password": {anaPassword}, "new_password_confirm": {anaPassword}})
		if status != 200 {
			t.Fatalf("choosing a password: %d", status)
		}
		app.Browser().SignIn(t, "ana@example.org", anaPassword)

		// In French too.
		fr := app.Browser()
		fr.Lang = "fr"
		fr.Post(t, "/signup", url.Values{"name": {"Mallory"}, "email": {"bea@example.org"}, "password": {malloryPassword}})
		frLink := app.Mail.Wait(t, "bea@example.org", "Confirmez votre adresse").Link(t, "/confirm/")
		bea := app.Browser()
		bea.Lang = "fr"
		if _, page := bea.Get(t, frLink); !strings.Contains(page, "Ce n’est pas le navigateur où vous vous êtes inscrit·e") {
			t.Error("the French link page does not say the password will not be set")
		}
		_, body = follow(t, app, bea, frLink)
		mustContain(t, "French account page", body, "aucun mot de passe n’est encore défini")
	})
}

// The sign-up's own browser gets the password it chose, through a resent
// link too; and until the address is proven, that password only tells
// its owner to confirm first.
func TestConfirmLinkInTheSignUpBrowserSetsItsPassword(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ana := app.Browser()
		ana.Post(t, "/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.org"}, "password": {anaPassword}})
		first := app.Mail.Wait(t, "ana@example.org", "Confirm your email address").Link(t, "/confirm/")
		if status, body := app.Browser().Post(t, "/signin", url.Values{"email": {"ana@example.org"}, "password": {anaPassword}}); status != 422 ||
			!strings.Contains(body, "Please confirm your email address first") {
			t.Errorf("signing in before confirming: %d", status)
		}
		if !signInFails(t, app, "ana@example.org", "not her password at all") {
			t.Error("a wrong password is not refused as one")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM accounts WHERE password_hash <> ''`); n != 0 {
			t.Errorf("the unconfirmed account holds a password")
		}
		ana.Post(t, "/signup/resend", url.Values{"email": {"ana@example.org"}})
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@example.org' AND subject LIKE 'Confirm%'`); n != 2 {
			t.Fatalf("%d confirmation mails, want 2", n)
		}
		resent := anotherLink(t, app, "ana@example.org", "/confirm/", first)
		if _, page := ana.Get(t, resent); !strings.Contains(page, "Confirm my address") || strings.Contains(page, "not the browser you signed up in") {
			t.Error("the sign-up browser is told it is another")
		}
		if status, body := follow(t, app, ana, resent); status != 200 || !strings.Contains(body, "Your email address is confirmed. Welcome!") {
			t.Fatalf("following the resent link: %d", status)
		}
		app.Browser().SignIn(t, "ana@example.org", anaPassword)
		if status, _ := app.Browser().Get(t, first); status != http.StatusNotFound {
			t.Errorf("the first link still answers %d after the address is proven", status)
		}
	})
}

// A sign-in link or a reset link proves the address too: neither leaves
// the password Mallory typed.
func TestOtherLinksDropAPasswordSetBeforeConfirmation(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		confirmLink := malloryPreRegisters(t, app).Link(t, "/confirm/")
		ana := app.Browser()
		ana.Post(t, "/signin/link", url.Values{"link_email": {"ana@example.org"}})
		if status, _ := follow(t, app, ana, app.Mail.Wait(t, "ana@example.org", "sign-in link").Link(t, "/signin/")); status != 200 || !signedIn(t, app, ana) {
			t.Fatalf("following the sign-in link: %d", status)
		}
		if !signInFails(t, app, "ana@example.org", malloryPassword) {
			t.Fatal("after a sign-in link, Mallory's password signs in")
		}
		if status, _ := app.Browser().Get(t, confirmLink); status != http.StatusNotFound {
			t.Errorf("Mallory's confirmation link outlived the proof: %d", status)
		}

		link := func() string {
			t.Helper()
			return app.Mail.Wait(t, "bea@example.org", "Confirm your email address").Link(t, "/confirm/")
		}
		app.Browser().Post(t, "/signup", url.Values{"name": {"Mallory"}, "email": {"bea@example.org"}, "password": {malloryPassword}})
		confirmLink = link()
		bea := app.Browser()
		bea.Post(t, "/password/forgot", url.Values{"email": {"bea@example.org"}})
		reset := strings.TrimPrefix(app.Mail.Wait(t, "bea@example.org", "Reset your Repertoire password").Link(t, "/password/reset/"), app.URL)
		if status, _ := bea.Post(t, reset, url.Values{"password": {anaPassword}, "password_confirm": {anaPassword}}); status != 200 || !signedIn(t, app, bea) {
			t.Fatalf("resetting: %d", status)
		}
		if !signInFails(t, app, "bea@example.org", malloryPassword) {
			t.Fatal("after a reset, Mallory's password signs in")
		}
		app.Browser().SignIn(t, "bea@example.org", anaPassword)
		if status, _ := app.Browser().Get(t, confirmLink); status != http.StatusNotFound {
			t.Errorf("Mallory's confirmation link outlived the reset: %d", status)
		}
	})
}
