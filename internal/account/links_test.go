package account_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/testkit"
)

func TestSignInWithMailedLink(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		if _, err := account.CreateUser(ctx, app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana"}); err != nil {
			t.Fatal(err)
		}
		// Bea signed up but never confirmed: the link proves her mailbox too.
		// She signed up in French: her mails are in French, whatever browser asks.
		fr := app.Browser()
		fr.Lang = "fr"
		fr.Post(t, "/signup", url.Values{"name": {"Bea"}, "email": {"bea@example.org"}})

		cases := []struct {
			name, email, lang, subject string
			mailed                     bool
		}{
			{"confirmed account", "ana@example.org", "en", "Your Repertoire sign-in link", true},
			{"unconfirmed account is confirmed by the link", "Bea@example.org", "en", "Votre lien de connexion", true},
			{"unknown address gets the same answer", "carl@example.org", "en", "", false},
		}
		if status, body := app.Browser().Post(t, "/signin/link", url.Values{"link_email": {"ana@"}}); status != 422 ||
			!strings.Contains(body, `value="ana@"`) || !strings.Contains(body, `id="e-link_email"`) {
			t.Errorf("bad address for a link: %d", status)
		}
		for _, tc := range cases {
			b := app.Browser()
			b.Lang = tc.lang
			status, body := b.Post(t, "/signin/link", url.Values{"link_email": {tc.email}})
			if status != 200 {
				t.Fatalf("%s: answered %d", tc.name, status)
			}
			if tc.lang == "en" {
				mustContain(t, tc.name, body, "If this address has an account, we have sent it a sign-in link.")
			}
			email := account.NormalizeEmail(tc.email)
			if !tc.mailed {
				if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = $1`, email); n != 0 {
					t.Errorf("%s: %d mails queued", tc.name, n)
				}
				continue
			}
			// Mail goes out in the person's own language, not the browser's.
			m := app.Mail.Wait(t, email, tc.subject)
			link := m.Link(t, "/signin/")
			// Opening the link (as a mail scanner does) only shows the
			// button: nobody is signed in and the link still works.
			if status, body := b.Get(t, link); status != 200 || signedIn(t, app, b) || !strings.Contains(body, `method="post"`) {
				t.Fatalf("%s: opening the link answered %d, signed in %v", tc.name, status, signedIn(t, app, b))
			}
			if status, _ := b.Post(t, strings.TrimPrefix(link, app.URL), nil); status != 200 || !signedIn(t, app, b) {
				t.Fatalf("%s: following the link answered %d", tc.name, status)
			}
			if n := count(t, app, `SELECT COUNT(*) FROM accounts a JOIN people p ON p.id = a.person_id WHERE p.email = $1 AND a.confirmed_at IS NOT NULL`, email); n != 1 {
				t.Errorf("%s: account not confirmed", tc.name)
			}
			again := app.Browser()
			if status, _ := again.Post(t, strings.TrimPrefix(link, app.URL), nil); status != 404 || signedIn(t, app, again) {
				t.Errorf("%s: reused link followed: %d", tc.name, status)
			}
			status, body = again.Get(t, link)
			if status != 404 || signedIn(t, app, again) {
				t.Errorf("%s: reused link answered %d", tc.name, status)
			}
			if tc.lang == "en" {
				mustContain(t, tc.name+" reuse", body, "already been used")
			}
		}
	})
}

func TestExpiredLinksAreRefused(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		if _, err := account.CreateUser(ctx, app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		b := app.Browser()
		b.Post(t, "/signin/link", url.Values{"link_email": {"ana@example.org"}})
		b.Post(t, "/password/forgot", url.Values{"email": {"ana@example.org"}})
		signin := app.Mail.Wait(t, "ana@example.org", "sign-in link").Link(t, "/signin/")
		reset := app.Mail.Wait(t, "ana@example.org", "Reset your").Link(t, "/password/reset/")
		if _, err := app.DB.Writer().ExecContext(ctx, `UPDATE mail_tokens SET expires_at = $1`, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			do   func() int
		}{
			{"sign-in link", func() int { s, _ := b.Get(t, signin); return s }},
			{"sign-in link followed", func() int { s, _ := b.Post(t, strings.TrimPrefix(signin, app.URL), nil); return s }},
			{"reset form", func() int { s, _ := b.Get(t, reset); return s }},
			{"reset post", func() int {
				s, _ := b.Post(t, strings.TrimPrefix(reset, app.URL), url.Values{"password": {"a new long password"}, "password_confirm": {"a new long password"}})
				return s
			}},
		}
		for _, tc := range cases {
			if status := tc.do(); status != 404 {
				t.Errorf("%s: expired link answered %d", tc.name, status)
			}
		}
		if signedIn(t, app, b) {
			t.Error("an expired link signed the browser in")
		}
		app.Browser().SignIn(t, "ana@example.org", "correct horse battery") // password unchanged
	})
}

func TestPasswordReset(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		if _, err := account.CreateUser(ctx, app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery", Language: "fr"}); err != nil {
			t.Fatal(err)
		}
		elsewhere := app.Browser()
		elsewhere.SignIn(t, "ana@example.org", "correct horse battery")

		b := app.Browser()
		for _, email := range []string{"ana@example.org", "nobody@example.org"} {
			status, body := b.Post(t, "/password/forgot", url.Values{"email": {email}})
			if status != 200 {
				t.Fatalf("%s: answered %d", email, status)
			}
			mustContain(t, email, body, "we have sent it a link to choose a new password")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = 'nobody@example.org'`); n != 0 {
			t.Error("a reset mail was queued for an unknown address")
		}
		if status, body := b.Post(t, "/password/forgot", url.Values{"email": {"ana"}}); status != 422 || !strings.Contains(body, `value="ana"`) {
			t.Errorf("bad address: %d", status)
		}
		m := app.Mail.Wait(t, "ana@example.org", "Réinitialisez votre mot de passe") // her language, not the browser's
		link := m.Link(t, "/password/reset/")
		path := strings.TrimPrefix(link, app.URL)

		if status, body := b.Get(t, link); status != 200 || !strings.Contains(body, `name="password_confirm"`) {
			t.Fatalf("reset form: %d", status)
		}
		cases := []struct {
			name, password, confirm string
			status                  int
			want                    string
		}{
			{"too short", "short", "short", 422, "At least 10 characters."},
			{"not the same twice", "a new long password", "a new long passwort", 422, "The two passwords are not the same."},
			{"accepted", "a new long password", "a new long password", 200, "Your password is changed"},
		}
		for _, tc := range cases {
			status, body := b.Post(t, path, url.Values{"password": {tc.password}, "password_confirm": {tc.confirm}})
			if status != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
			}
			mustContain(t, tc.name, body, tc.want)
			if tc.status == 422 && strings.Contains(body, tc.password) {
				t.Errorf("%s: password echoed back", tc.name)
			}
		}
		if !signedIn(t, app, b) {
			t.Fatal("the reset did not sign the browser in")
		}
		if _, body := elsewhere.Get(t, "/account"); strings.Contains(body, "ana@example.org") {
			t.Error("the other session survived the reset")
		}
		if status, _ := b.Post(t, path, url.Values{"password": {"yet another password"}, "password_confirm": {"yet another password"}}); status != 404 {
			t.Errorf("reused reset link answered %d", status)
		}
		if status, _ := app.Browser().Post(t, "/signin", url.Values{"email": {"ana@example.org"}, "password": {"correct horse battery"}}); status != 422 {
			t.Errorf("old password still accepted: %d", status)
		}
		app.Browser().SignIn(t, "ana@example.org", "a new long password")
	})
}
