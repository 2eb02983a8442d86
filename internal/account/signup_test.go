package account_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// count runs a COUNT(*) query against the app's database.
func count(t *testing.T, app *testkit.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := app.DB.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// signedIn reports whether the browser holds a session cookie.
func signedIn(t *testing.T, app *testkit.App, b *testkit.Browser) bool {
	t.Helper()
	u, _ := url.Parse(app.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == account.SessionCookie && c.Value != "" {
			return true
		}
	}
	return false
}

func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestSignUpConfirmsByMail(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		cases := []struct {
			lang, email                               string
			checkPage, subject, body, button, welcome string
		}{
			{"en", "ana@example.org", "Check your mail", "Confirm your email address", "valid for 7 days", "Confirm my address", "Your email address is confirmed."},
			{"fr", "Bea@Example.org", "Consultez votre messagerie", "Confirmez votre adresse", "valable 7 jours", "Confirmer mon adresse", "Votre adresse est confirmée."},
		}
		for _, tc := range cases {
			b := app.Browser()
			b.Lang = tc.lang
			status, body := b.Post(t, "/signup", url.Values{"name": {"Ana"}, "email": {tc.email}, "password": {"correct horse battery"}})
			if status != 200 {
				t.Fatalf("%s: sign-up answered %d", tc.lang, status)
			}
			mustContain(t, tc.lang+" check page", body, tc.checkPage)
			email := account.NormalizeEmail(tc.email)
			if n := count(t, app, `SELECT COUNT(*) FROM people p JOIN accounts a ON a.person_id = p.id
				WHERE p.email = $1 AND p.preferred_language = $2 AND a.confirmed_at IS NULL`, email, tc.lang); n != 1 {
				t.Fatalf("%s: no unconfirmed account in the request's language", tc.lang)
			}
			if signedIn(t, app, b) {
				t.Fatalf("%s: signed in before confirming", tc.lang)
			}
			m := app.Mail.Wait(t, email, tc.subject)
			mustContain(t, tc.lang+" mail", m.Body, tc.body)
			link := m.Link(t, "/confirm/")
			if n := count(t, app, `SELECT COUNT(*) FROM mail_tokens WHERE token_hash = $1 AND purpose = 'confirm'`, store.HashToken(link[strings.LastIndex(link, "/")+1:])); n != 1 {
				t.Errorf("%s: the confirmation token is not stored as its hash", tc.lang)
			}
			// Opening the link shows a button and confirms nothing: mail
			// scanners open links.
			status, body = b.Get(t, link)
			if status != 200 || signedIn(t, app, b) {
				t.Fatalf("%s: opening the link answered %d, signed in %v", tc.lang, status, signedIn(t, app, b))
			}
			mustContain(t, tc.lang+" link page", body, tc.button)
			if n := count(t, app, `SELECT COUNT(*) FROM accounts a JOIN people p ON p.id = a.person_id WHERE p.email = $1 AND a.confirmed_at IS NOT NULL`, email); n != 0 {
				t.Fatalf("%s: opening the link confirmed the address", tc.lang)
			}
			status, body = b.Post(t, strings.TrimPrefix(link, app.URL), nil)
			if status != 200 || !signedIn(t, app, b) {
				t.Fatalf("%s: confirming answered %d, signed in %v", tc.lang, status, signedIn(t, app, b))
			}
			mustContain(t, tc.lang+" account page", body, tc.welcome, email)
			if n := count(t, app, `SELECT COUNT(*) FROM accounts a JOIN people p ON p.id = a.person_id WHERE p.email = $1 AND a.confirmed_at IS NOT NULL`, email); n != 1 {
				t.Errorf("%s: account not confirmed", tc.lang)
			}
			// A confirmation link works once.
			other := app.Browser()
			if status, _ := other.Get(t, link); status != 404 || signedIn(t, app, other) {
				t.Errorf("%s: a used link answered %d", tc.lang, status)
			}
		}
	})
}

func TestSignUpWithTakenAddressRevealsNothing(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		if _, err := account.CreateUser(ctx, app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		b := app.Browser()
		status, body := b.Post(t, "/signup", url.Values{"name": {"Mallory"}, "email": {"ANA@example.org"}, "password": {"another password"}})
		if status != 200 {
			t.Fatalf("sign-up answered %d", status)
		}
		mustContain(t, "answer", body, "Check your mail")
		if strings.Contains(body, "already") {
			t.Error("the page reveals that the address has an account")
		}
		m := app.Mail.Wait(t, "ana@example.org", "Someone tried to sign up")
		mustContain(t, "notice", m.Body, app.URL+"/signin", app.URL+"/password/forgot")
		if n := count(t, app, `SELECT COUNT(*) FROM people WHERE given_name = 'Ana'`); n != 1 {
			t.Error("the attempt changed the person's name")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM mail_tokens WHERE purpose = 'confirm'`); n != 0 {
			t.Error("a confirmation link was issued for a confirmed account")
		}
		app.Browser().SignIn(t, "ana@example.org", "correct horse battery") // the old password still works
	})
}

func TestSignUpFormKeepsValuesAndNamesFields(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		cases := []struct {
			name, lang string
			form       url.Values
			want       []string
		}{
			{"missing name", "en", url.Values{"name": {""}, "email": {"ana@example.org"}, "password": {"correct horse battery"}},
				[]string{"This field is required.", `value="ana@example.org"`}},
			{"bad address", "fr", url.Values{"name": {"Ana"}, "email": {"ana@"}, "password": {"correct horse battery"}},
				[]string{"n’est pas valide", `value="Ana"`, `aria-invalid="true"`}},
			{"short password", "en", url.Values{"name": {"Ana"}, "email": {"ana@example.org"}, "password": {"short"}},
				[]string{"At least 10 characters.", `value="Ana"`}},
		}
		for _, tc := range cases {
			b := app.Browser()
			b.Lang = tc.lang
			status, body := b.Post(t, "/signup", tc.form)
			if status != 422 {
				t.Errorf("%s: status %d", tc.name, status)
			}
			mustContain(t, tc.name, body, tc.want...)
			if strings.Contains(body, tc.form.Get("password")) {
				t.Errorf("%s: password echoed back", tc.name)
			}
		}
		if n := count(t, app, `SELECT COUNT(*) FROM people`); n != 0 {
			t.Errorf("refused sign-ups left %d people", n)
		}
	})
}

func TestResendConfirmation(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b := app.Browser()
		b.Post(t, "/signup", url.Values{"name": {"Ana"}, "email": {"ana@example.org"}})
		_, body := b.Post(t, "/signup/resend", url.Values{"email": {"ana@example.org"}})
		mustContain(t, "resend answer", body, "a new link is on its way")
		_, body = b.Post(t, "/signup/resend", url.Values{"email": {"nobody@example.org"}})
		mustContain(t, "resend answer for an unknown address", body, "a new link is on its way")
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Confirm%'`); n != 2 {
			t.Errorf("%d confirmation mails queued, want 2 (sign-up and resend)", n)
		}
		status, body := b.Post(t, "/signup/resend", url.Values{"email": {"nope"}})
		if status != 422 || !strings.Contains(body, `value="nope"`) {
			t.Errorf("bad address: %d", status)
		}
		// Either link confirms; the account had no password, the link is how she signs in.
		if status, _ := b.Post(t, strings.TrimPrefix(app.Mail.Wait(t, "ana@example.org", "Confirm").Link(t, "/confirm/"), app.URL), nil); status != 200 || !signedIn(t, app, b) {
			t.Errorf("confirming answered %d", status)
		}
	})
}
