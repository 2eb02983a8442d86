package account_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/testkit"
)

// Signing in does the same work whether or not the address has an
// account, or a password: one argon2id check of the same cost, against a
// dummy hash (computed once) when there is nothing to check. Counted
// through the handler's hook, not timed: timings flake on shared CPUs.
func TestSignInHashesEvenWithoutAnAccount(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		for _, u := range []account.NewUser{
			{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery"},
			{Email: "linkonly@example.org", Name: "Lin"}, // signs in by mailed links only
		} {
			if _, err := account.CreateUser(ctx, app.DB, u); err != nil {
				t.Fatal(err)
			}
		}
		// Bob signed up without a password and never confirmed.
		app.Browser().Post(t, "/signup", url.Values{"name": {"Bob"}, "email": {"bob@example.org"}})

		var mu sync.Mutex
		var checked []string
		app.Server.Accounts.ObservePasswordChecks(func(phc string) {
			mu.Lock()
			defer mu.Unlock()
			checked = append(checked, phc)
		})
		real := account.HashPassword("whatever")
		params := real[:strings.LastIndex(real[:strings.LastIndex(real, "$")], "$")] // "$argon2id$v=19$m=…,t=…,p=…"
		cases := []struct{ name, email string }{
			{"unknown address", "nobody@example.org"},
			{"account without a password", "linkonly@example.org"},
			{"unconfirmed account without a password", "bob@example.org"},
			{"wrong password", "ana@example.org"},
			{"unknown address again", "nobody.else@example.org"},
		}
		answers, dummies := map[string]bool{}, map[string]bool{}
		for _, tc := range cases {
			mu.Lock()
			checked = nil
			mu.Unlock()
			status, body := app.Browser().Post(t, "/signin", url.Values{"email": {tc.email}, "password": {"a guess of ten chars"}})
			if status != 422 || !strings.Contains(body, "This email address and password do not match.") {
				t.Errorf("%s: %d", tc.name, status)
			}
			answers[strings.ReplaceAll(body, tc.email, "")] = true
			mu.Lock()
			got := append([]string(nil), checked...)
			mu.Unlock()
			if len(got) != 1 || !strings.HasPrefix(got[0], params+"$") {
				t.Errorf("%s: checked %d hashes %q, want one with the parameters %s", tc.name, len(got), got, params)
				continue
			}
			if tc.name != "wrong password" {
				dummies[got[0]] = true
			}
		}
		if len(dummies) != 1 {
			t.Errorf("%d different dummy hashes, want one computed once", len(dummies))
		}
		if len(answers) != 1 {
			t.Errorf("%d different pages for the failed sign-ins, want one", len(answers))
		}
	})
}

// PUT people with an address another person holds answers as for a free
// one: 202, the person unchanged, no error naming the address; the holder
// is told by mail instead. An administrator, who may list people anyway,
// still gets the conflict.
func TestPutPeopleWithATakenAddressAnswersAsForAFreeOne(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		admin := app.Token(t, "admin@example.org", "Admin", true)
		ana := app.Token(t, "ana@example.org", "Ana", false)
		bea := app.Token(t, "bea@example.org", "Bea", false)
		app.Token(t, "bob@example.org", "Bob", false)
		var list peopleJSON
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'ana@example.org'"), admin, nil, &list)
		anaID := idOf(list.Embedded.People[0])
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'bea@example.org'"), admin, nil, &list)
		beaID := idOf(list.Embedded.People[0])

		put := func(id, tok, addr string) (int, map[string]any) {
			var doc map[string]any
			status := app.API(t, "PUT", "/api/v1/people/"+id, tok, map[string]any{"family_name": "Lopez",
				"email_addresses": []any{map[string]any{"address": addr}}}, &doc)
			return status, doc
		}
		takenStatus, taken := put(anaID, ana, "Bob@Example.org")
		freeStatus, free := put(beaID, bea, "bea.new@example.org")
		if takenStatus != 202 || freeStatus != 202 {
			t.Fatalf("taken address: %d, free address: %d; want 202 for both", takenStatus, freeStatus)
		}
		if !reflect.DeepEqual(shape(taken), shape(free)) {
			t.Errorf("the answers differ in shape:\n%v\n%v", shape(taken), shape(free))
		}
		var p personJSON
		app.API(t, "GET", "/api/v1/people/"+anaID, admin, nil, &p)
		if p.EmailAddresses[0].Address != "ana@example.org" || p.FamilyName != "Lopez" {
			t.Errorf("Ana after asking for Bob's address: %+v", p)
		}
		notice := app.Mail.Wait(t, "bob@example.org", "Someone tried to use your address")
		mustContain(t, "the holder's notice", notice.Body, "Nothing has changed", app.URL+"/signin")
		if strings.Contains(notice.Body, "ana@example.org") {
			t.Error("the notice names who asked")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM mail_tokens WHERE purpose = 'email' AND new_email = 'bob@example.org'`); n != 0 {
			t.Error("a link to take Bob's address was issued")
		}
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = 'bob@example.org'`); n != 1 {
			t.Errorf("%d mails to Bob, want the notice only", n)
		}
		app.Mail.Wait(t, "bea.new@example.org", "Confirm your new email address")

		// In French, for a French holder.
		app.API(t, "GET", "/api/v1/people?filter="+url.QueryEscape("email_address eq 'bob@example.org'"), admin, nil, &list)
		app.API(t, "PUT", "/api/v1/people/"+idOf(list.Embedded.People[0]), admin, map[string]any{"preferred_language": "fr"}, nil)
		if status, _ := put(anaID, ana, "bob@example.org"); status != 202 {
			t.Errorf("asking again: %d", status)
		}
		app.Mail.Wait(t, "bob@example.org", "Quelqu’un a tenté d’utiliser votre adresse")

		var problem problemJSON
		if status := app.API(t, "PUT", "/api/v1/people/"+anaID, admin, map[string]any{
			"email_addresses": []any{map[string]any{"address": "bob@example.org"}}}, &problem); status != 409 || !problem.names("email_addresses[0].address") {
			t.Errorf("an administrator taking Bob's address: %d %+v", status, problem)
		}
	})
}

// shape is a JSON document with its values' kinds instead of its values.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = shape(e)
		}
		return out
	}
	return reflect.TypeOf(v).String()
}

// Account mails to one address are limited, whatever the client: past
// account.MailsPerAddress an hour the forms answer exactly as before and
// mail nothing. Another address is not held back.
func TestAccountMailsToOneAddressAreLimited(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if _, err := account.CreateUser(context.Background(), app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		posts := []struct {
			path  string
			form  url.Values
			check string
		}{
			{"/signin/link", url.Values{"link_email": {"ana@example.org"}}, "If this address has an account, we have sent it a sign-in link."},
			{"/password/forgot", url.Values{"email": {"Ana@example.org"}}, "a link to choose a new password"},
			{"/signup", url.Values{"name": {"M"}, "email": {"ana@example.org"}, "password": {"a guess of ten chars"}}, "Check your mail"},
		}
		answers := map[string]string{}
		for round := range 2 {
			for _, p := range posts {
				status, body := app.Browser().Post(t, p.path, p.form)
				if status != 200 || !strings.Contains(body, p.check) {
					t.Errorf("round %d, %s: %d", round, p.path, status)
				}
				if round == 0 {
					answers[p.path] = body
				} else if body != answers[p.path] {
					t.Errorf("%s past the limit answers another page", p.path)
				}
			}
		}
		if n := count(t, app, `SELECT COUNT(*) FROM outbox WHERE to_address = 'ana@example.org'`); n != account.MailsPerAddress {
			t.Errorf("%d mails to one address, want %d", n, account.MailsPerAddress)
		}
		// Unknown addresses answer the same and count alike.
		for range account.MailsPerAddress + 1 {
			if _, body := app.Browser().Post(t, "/signin/link", url.Values{"link_email": {"nobody@example.org"}}); body != answers["/signin/link"] {
				t.Error("an unknown address answers another page")
			}
		}
		app.Browser().Post(t, "/signin/link", url.Values{"link_email": {"bea@example.org"}})
		app.Browser().Post(t, "/password/forgot", url.Values{"email": {"bea@example.org"}})
		app.Browser().Post(t, "/signup", url.Values{"name": {"Bea"}, "email": {"bea@example.org"}})
		app.Mail.Wait(t, "bea@example.org", "Confirm your email address")
	})
}
