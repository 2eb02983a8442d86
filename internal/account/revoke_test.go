package account_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

// newToken creates an API token from the account page of b and returns it.
func newToken(t *testing.T, b *testkit.Browser, name string) string {
	t.Helper()
	status, body := b.Post(t, "/account/tokens", url.Values{"token_name": {name}})
	m := tokenRE.FindStringSubmatch(body)
	if status != http.StatusCreated || m == nil {
		t.Fatalf("creating token %s: %d", name, status)
	}
	return m[1]
}

// A reset follows a forgotten password, perhaps a stolen one: every
// session and every API token goes, whoever made them.
func TestResetRevokesEverySessionAndToken(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		thief, _ := signedInAs(t, app, "ana@example.org", "Ana")
		tok := newToken(t, thief, "the thief's")
		if s := app.API(t, "GET", "/api/v1", tok, nil, nil); s != 200 {
			t.Fatalf("the token works before the reset: %d", s)
		}
		ana := app.Browser()
		ana.Post(t, "/password/forgot", url.Values{"email": {"ana@example.org"}})
		reset := strings.TrimPrefix(app.Mail.Wait(t, "ana@example.org", "Reset your Repertoire password").Link(t, "/password/reset/"), app.URL)
		status, body := ana.Post(t, reset, url.Values{"password": {anaPassword}, "password_confirm": {anaPassword}})
		if status != 200 || !signedIn(t, app, ana) {
			t.Fatalf("reset: %d", status)
		}
		mustContain(t, "after the reset", body, "your API tokens are revoked")
		if s := app.API(t, "GET", "/api/v1", tok, nil, nil); s != http.StatusUnauthorized {
			t.Errorf("a token made before the reset answers %d", s)
		}
		if n := count(t, app, `SELECT COUNT(*) FROM api_tokens`); n != 0 {
			t.Errorf("%d tokens left after the reset", n)
		}
		if _, body := thief.Get(t, "/account"); strings.Contains(body, "ana@example.org") {
			t.Error("a session from before the reset survived it")
		}
		if _, body := ana.Get(t, "/account"); !strings.Contains(body, "ana@example.org") {
			t.Error("the browser that reset is not signed in")
		}
	})
}

var revokeBox = regexp.MustCompile(`<input type="checkbox" id="f-revoke_tokens" name="revoke_tokens" value="on"( checked)?>`)

// A change while signed in ends the other sessions and, unless the person
// unticks the box (ticked at first), revokes the API tokens.
func TestPasswordChangeOffersToRevokeTokens(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b, _ := signedInAs(t, app, "ana@example.org", "Ana")
		for lang, label := range map[string]string{"en": "Also revoke all my API tokens", "fr": "Révoquer aussi tous mes jetons d’API"} {
			b.Lang = lang
			_, page := b.Get(t, "/account")
			if m := revokeBox.FindStringSubmatch(page); m == nil || m[1] == "" {
				t.Errorf("%s: the revoke box is missing or not ticked", lang)
			}
			mustContain(t, lang+" page", page, label)
		}
		b.Lang = "en"
		kept := newToken(t, b, "kept")
		elsewhere := app.Browser()
		elsewhere.SignIn(t, "ana@example.org", "correct horse battery")

		// Unticked, and refused: the page keeps the box as she left it.
		status, body := b.Post(t, "/account/password", url.Values{"current_password": {"wrong wrong wrong"},
			"new_password": {anaPassword}, "new_password_confirm": {anaPassword}})
		if m := revokeBox.FindStringSubmatch(body); status != 422 || m == nil || m[1] != "" {
			t.Errorf("refused change with the box unticked: %d, box %q", status, m)
		}
		status, body = b.Post(t, "/account/password", url.Values{"current_password": {"correct horse battery"},
			"new_password": {anaPassword}, "new_password_confirm": {anaPassword}})
		if status != 200 || strings.Contains(body, "tokens are revoked") {
			t.Fatalf("change keeping the tokens: %d", status)
		}
		if s := app.API(t, "GET", "/api/v1", kept, nil, nil); s != 200 {
			t.Errorf("the box was unticked, yet the token answers %d", s)
		}
		if _, body := elsewhere.Get(t, "/account"); strings.Contains(body, "ana@example.org") {
			t.Error("the other session survived the change")
		}

		status, body = b.Post(t, "/account/password", url.Values{"current_password": {anaPassword},
			"new_password": {"a third password here"}, "new_password_confirm": {"a third password here"}, "revoke_tokens": {"on"}})
		if status != 200 || !strings.Contains(body, "your API tokens are revoked") {
			t.Fatalf("change revoking the tokens: %d", status)
		}
		if s := app.API(t, "GET", "/api/v1", kept, nil, nil); s != http.StatusUnauthorized {
			t.Errorf("the box was ticked, yet the token answers %d", s)
		}
		if !signedIn(t, app, b) {
			t.Error("the change signed this browser out")
		}
	})
}

var tokenRow = regexp.MustCompile(`(?s)<tr>\s*<td>([^<]*)</td>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>(.*?)</td>\s*<td><form method="post" action="/account/tokens/revoke"`)

// The account page lists each token with its last use, noted at most once
// a minute so that a busy client does not write on every request, and a
// revoke button.
func TestTokenListShowsLastUse(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b, _ := signedInAs(t, app, "ana@example.org", "Ana")
		tok := newToken(t, b, "spreadsheet")
		rows := func(lang string) map[string]string {
			b.Lang = lang
			_, page := b.Get(t, "/account")
			out := map[string]string{}
			for _, m := range tokenRow.FindAllStringSubmatch(page, -1) {
				out[m[1]] = strings.TrimSpace(m[2])
			}
			return out
		}
		if got := rows("en")["spreadsheet"]; got != "Never" {
			t.Errorf("an unused token's last use reads %q", got)
		}
		if got := rows("fr")["spreadsheet"]; got != "Jamais" {
			t.Errorf("an unused token's last use reads %q in French", got)
		}
		if !strings.Contains(func() string { _, p := b.Get(t, "/account"); return p }(), "Dernière utilisation") {
			t.Error("no French column heading")
		}
		lastUsed := func() *time.Time {
			t.Helper()
			var used sql.NullTime
			err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT last_used_at FROM api_tokens WHERE token_hash = $1`, store.HashToken(tok)).Scan(&used)
			if err != nil {
				t.Fatal(err)
			}
			return store.TimePtr(used)
		}
		before := store.Now()
		if s := app.API(t, "GET", "/api/v1", tok, nil, nil); s != 200 {
			t.Fatalf("using the token: %d", s)
		}
		first := lastUsed()
		if first == nil || first.Before(before.Add(-time.Second)) {
			t.Fatalf("the use is not noted: %v", first)
		}
		want := `<time datetime="` + first.UTC().Format("2006-01-02") + `">`
		if got := rows("en")["spreadsheet"]; !strings.HasPrefix(got, want) {
			t.Errorf("last use reads %q, want %s…", got, want)
		}
		for range 5 {
			app.API(t, "GET", "/api/v1", tok, nil, nil)
		}
		if again := lastUsed(); again == nil || !again.Equal(*first) {
			t.Errorf("uses within a minute rewrote the last use: %v then %v", first, again)
		}
		// A use noted over a minute ago is noted again.
		err := app.DB.Write(context.Background(), func(tx *store.Tx) error {
			_, err := tx.ExecContext(context.Background(), `UPDATE api_tokens SET last_used_at = $1`, first.Add(-2*account.TokenUseResolution))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		app.API(t, "GET", "/api/v1", tok, nil, nil)
		if again := lastUsed(); again == nil || again.Before(first.Add(-time.Second)) {
			t.Errorf("a use after a minute was not noted: %v", again)
		}
		b.Lang = "en"
		if _, body := b.Post(t, "/account/tokens/revoke", url.Values{"token": {store.HashToken(tok)}}); !strings.Contains(body, "The token is revoked.") {
			t.Error("no revocation message")
		}
		if len(rows("en")) != 0 {
			t.Error("the revoked token is still listed")
		}
	})
}
