package account_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// signedInAs creates a confirmed account and a browser signed in to it.
func signedInAs(t *testing.T, app *testkit.App, email, name string) (*testkit.Browser, string) {
	t.Helper()
	id, err := account.CreateUser(context.Background(), app.DB, account.NewUser{Email: email, Name: name, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	b := app.Browser()
	b.SignIn(t, email, "correct horse battery")
	return b, id
}

func TestAccountPageNeedsSignIn(t *testing.T) {
	app := testkit.Start(t)
	for _, path := range []string{"/account", "/account/export"} {
		_, body := app.Browser().Get(t, path)
		mustContain(t, path, body, `action="/signin"`, `name="next" value="`+path+`"`)
	}
}

func TestAccountProfileAndPassword(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b, id := signedInAs(t, app, "ana@example.org", "Ana")
		elsewhere := app.Browser()
		elsewhere.SignIn(t, "ana@example.org", "correct horse battery")
		cases := []struct {
			name, path string
			form       url.Values
			status     int
			want       []string
		}{
			{"empty first name keeps what was typed", "/account", url.Values{"given_name": {""}, "family_name": {"Lopez"}, "preferred_language": {"fr"}},
				422, []string{"This field is required.", `value="Lopez"`}},
			{"unknown language", "/account", url.Values{"given_name": {"Ana"}, "preferred_language": {"de"}},
				422, []string{"Choose one of the proposed values."}},
			{"profile saved", "/account", url.Values{"given_name": {"Ana María"}, "family_name": {"Lopez"}, "preferred_language": {"fr"}},
				200, []string{"Your changes are saved.", `value="Ana María"`, `<option value="fr" selected>`}},
			{"wrong current password", "/account/password", url.Values{"current_password": {"nope nope nope"}, "new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}},
				422, []string{"This is not your current password."}},
			{"password changed", "/account/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}},
				200, []string{"Your password is changed"}},
		}
		for _, tc := range cases {
			status, body := b.Post(t, tc.path, tc.form)
			if status != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
			}
			mustContain(t, tc.name, body, tc.want...)
		}
		p, err := account.GetPerson(context.Background(), app.DB.Reader(), id)
		if err != nil || p.Name() != "Ana María Lopez" || p.PreferredLanguage != "fr" {
			t.Errorf("stored profile: %+v, %v", p, err)
		}
		if _, body := b.Get(t, "/account"); !strings.Contains(body, "ana@example.org") {
			t.Error("changing the password signed this browser out")
		}
		if _, body := elsewhere.Get(t, "/account"); strings.Contains(body, "ana@example.org") {
			t.Error("the other session survived the password change")
		}
		app.Browser().SignIn(t, "ana@example.org", "a brand new password")
	})
}

var tokenRE = regexp.MustCompile(`value="(rpt_[A-Za-z0-9_-]+)"`)

func TestAccountAPITokens(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b, _ := signedInAs(t, app, "ana@example.org", "Ana")
		if status, body := b.Post(t, "/account/tokens", url.Values{"token_name": {"  "}}); status != 422 || !strings.Contains(body, "This field is required.") {
			t.Errorf("nameless token: %d", status)
		}
		status, body := b.Post(t, "/account/tokens", url.Values{"token_name": {"spreadsheet"}})
		if status != 201 {
			t.Fatalf("create token: %d", status)
		}
		m := tokenRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("new token not shown:\n%s", body)
		}
		tok := m[1]
		if s := app.API(t, "GET", "/api/v1", tok, nil, nil); s != 200 {
			t.Fatalf("the new token is refused: %d", s)
		}
		_, page := b.Get(t, "/account")
		mustContain(t, "account page", page, "spreadsheet")
		if strings.Contains(page, tok) {
			t.Error("the token is shown again")
		}
		hash := store.HashToken(tok)
		other, _ := signedInAs(t, app, "bob@example.org", "Bob")
		if status, _ := other.Post(t, "/account/tokens/revoke", url.Values{"token": {hash}}); status != 404 {
			t.Errorf("someone else revoked the token: %d", status)
		}
		if _, body := b.Post(t, "/account/tokens/revoke", url.Values{"token": {hash}}); !strings.Contains(body, "The token is revoked.") {
			t.Error("no revocation message")
		}
		if s := app.API(t, "GET", "/api/v1", tok, nil, nil); s != 401 {
			t.Errorf("a revoked token answered %d", s)
		}
	})
}

func TestAccountExport(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		b, id := signedInAs(t, app, "ana@example.org", "Ana")
		if _, err := account.CreateToken(ctx, app.DB, "ana@example.org", "spreadsheet"); err != nil {
			t.Fatal(err)
		}
		now := store.Now()
		if _, err := app.DB.Writer().ExecContext(ctx, `INSERT INTO communities (id, slug, name, created_by, created_at, modified_at) VALUES ('c1', 'riders', 'Riders Union', $1, $2, $2)`, id, now); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB.Writer().ExecContext(ctx, `INSERT INTO memberships (community_id, person_id, role, created_at, modified_at) VALUES ('c1', $1, 'owner', $2, $2)`, id, now); err != nil {
			t.Fatal(err)
		}
		b.Post(t, "/signin/link", url.Values{"link_email": {"ana@example.org"}}) // a mail and a link to list

		req, _ := http.NewRequest("GET", app.URL+"/account/export", nil)
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		var data struct {
			Person      map[string]any   `json:"person"`
			Account     map[string]any   `json:"account"`
			Sessions    map[string]any   `json:"sessions"`
			Tokens      []map[string]any `json:"api_tokens"`
			Links       []map[string]any `json:"mail_links"`
			Memberships []map[string]any `json:"memberships"`
			Mails       []map[string]any `json:"mails"`
		}
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, raw)
		}
		checks := []struct {
			name string
			ok   bool
		}{
			{"person email", data.Person["email"] == "ana@example.org"},
			{"person name", data.Person["given_name"] == "Ana"},
			{"account", data.Account != nil && data.Account["has_password"] == "yes"},
			{"one session", data.Sessions != nil && data.Sessions["active"] == float64(1)},
			{"token by name", len(data.Tokens) == 1 && data.Tokens[0]["name"] == "spreadsheet"},
			{"sign-in link", hasRow(data.Links, "purpose", "signin")},
			{"membership", len(data.Memberships) == 1 && data.Memberships[0]["community"] == "riders" && data.Memberships[0]["role"] == "owner"},
			{"mail", len(data.Mails) == 1 && data.Mails[0]["subject"] == "Your Repertoire sign-in link"},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("export lacks %s:\n%s", c.name, raw)
			}
		}
		for _, secret := range []string{"argon2", "password_hash", "token_hash", "body_text"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("export contains %q", secret)
			}
		}
	})
}

func TestAccountDeletion(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		b, id := signedInAs(t, app, "ana@example.org", "Ana")
		if _, err := app.DB.Writer().ExecContext(ctx, `INSERT INTO communities (id, slug, name, created_by, created_at, modified_at) VALUES ('c1', 'riders', 'Riders Union', $1, $2, $2)`, id, store.Now()); err != nil {
			t.Fatal(err)
		}
		status, body := b.Post(t, "/account/delete", url.Values{"delete_confirm": {"bob@example.org"}})
		if status != 422 || !strings.Contains(body, "nothing was deleted") || !strings.Contains(body, `value="bob@example.org"`) {
			t.Errorf("wrong confirmation: %d", status)
		}
		if n := count(t, app, `SELECT COUNT(*) FROM people WHERE id = $1`, id); n != 1 {
			t.Fatal("deleted without confirmation")
		}
		b.Post(t, "/account/delete", url.Values{"delete_confirm": {" Ana@Example.org "}})
		if signedIn(t, app, b) {
			t.Error("the session cookie survived the deletion")
		}
		for _, q := range []string{`SELECT COUNT(*) FROM people WHERE id = $1`, `SELECT COUNT(*) FROM accounts WHERE person_id = $1`,
			`SELECT COUNT(*) FROM sessions WHERE person_id = $1`, `SELECT COUNT(*) FROM communities WHERE created_by = $1`} {
			if n := count(t, app, q, id); n != 0 {
				t.Errorf("%s: %d left", q, n)
			}
		}
		if n := count(t, app, `SELECT COUNT(*) FROM communities WHERE id = 'c1'`); n != 1 {
			t.Error("the community they created was deleted with them")
		}
	})
}

func hasRow(rows []map[string]any, key string, value any) bool {
	for _, r := range rows {
		if r[key] == value {
			return true
		}
	}
	return false
}
