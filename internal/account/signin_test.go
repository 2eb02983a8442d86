package account_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/testkit"
)

func TestSignInWithPassword(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		if _, err := account.CreateUser(ctx, app.DB, account.NewUser{Email: " Ana@Example.org ", Name: "Ana", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, lang, email, password string
			status                      int
			want                        []string
		}{
			{"wrong password keeps the email", "en", "ana@example.org", "nope nope nope", 422, []string{"do not match", `value="ana@example.org"`}},
			{"unknown address reads the same", "en", "bob@example.org", "correct horse battery", 422, []string{"do not match"}},
			{"malformed address names the field", "fr", "not-an-email", "a secret never shown", 422, []string{"n’est pas valide", `aria-invalid="true"`}},
			{"right password, any case", "en", "ANA@example.org", "correct horse battery", 200, []string{"You are signed in.", "Sign out"}},
		}
		for _, tc := range cases {
			b := app.Browser()
			b.Lang = tc.lang
			status, body := b.Post(t, "/signin", url.Values{"email": {tc.email}, "password": {tc.password}, "next": {"/signin"}})
			if status != tc.status {
				t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: page lacks %q", tc.name, w)
				}
			}
			if strings.Contains(body, tc.password) && tc.status != 200 {
				t.Errorf("%s: the password is echoed back", tc.name)
			}
		}
	})
}

func TestSignOutEndsTheSession(t *testing.T) {
	app := testkit.Start(t)
	app.Token(t, "ana@example.org", "Ana", false)
	b := app.Browser()
	b.SignIn(t, "ana@example.org", "correct horse battery")
	if _, body := b.Post(t, "/signout", nil); !strings.Contains(body, "You are signed out.") {
		t.Fatalf("no sign-out confirmation:\n%s", body)
	}
	if _, body := b.Get(t, "/signin"); strings.Contains(body, "Sign out") {
		t.Fatal("still signed in after signing out")
	}
}

func TestCrossOriginFormIsRefused(t *testing.T) {
	app := testkit.Start(t)
	req, _ := http.NewRequest("POST", app.URL+"/signin", strings.NewReader("email=a%40b.org&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post answered %d", resp.StatusCode)
	}
}

func TestAPITokens(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		tok := app.Token(t, "ana@example.org", "Ana", false)
		var problem map[string]any
		if status := app.API(t, "GET", "/api/v1", "rpt_wrong", nil, &problem); status != 401 {
			t.Fatalf("wrong token: %d", status)
		}
		if status := app.API(t, "GET", "/api/v1", tok, nil, nil); status != 200 {
			t.Fatalf("right token: %d", status)
		}
		var n int
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, tok).Scan(&n)
		if n != 0 {
			t.Fatal("token stored in clear")
		}
	})
}

// A database that fails is not a wrong password: the form says so only
// when the address and password were checked.
func TestSignInWhenTheDatabaseFails(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if _, err := account.CreateUser(context.Background(), app.DB, account.NewUser{Email: "ana@example.org", Name: "Ana", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		b := app.Browser()
		if status, _ := b.Get(t, "/signin"); status != http.StatusOK {
			t.Fatalf("sign-in page: %d", status)
		}
		app.DB.Close()
		status, body := b.Post(t, "/signin", url.Values{"email": {"ana@example.org"}, "password": {"correct horse battery"}})
		if status != http.StatusInternalServerError || strings.Contains(body, "do not match") {
			t.Errorf("sign-in on a closed database: %d, want 500 without \"do not match\"", status)
		}
	})
}
