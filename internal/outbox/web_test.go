package outbox_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
)

func emailStatusOf(t testing.TB, db *store.DB, person string) string {
	t.Helper()
	s, err := outbox.EmailStatus(context.Background(), db.Reader(), person)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mailLink queues a newsletter to person through the running server's
// outbox and returns the unsubscribe link it carries.
func mailLink(t *testing.T, app *testkit.App, person, to, subject string) string {
	t.Helper()
	err := app.DB.Write(context.Background(), func(tx *store.Tx) error {
		return outbox.Enqueue(context.Background(), tx, app.URL, outbox.Message{PersonID: person, To: to, Subject: subject, Body: "Campaign news.", Catalog: catalog})
	})
	if err != nil {
		t.Fatal(err)
	}
	app.Server.Worker.Kick()
	return app.Mail.Wait(t, to, subject).Link(t, "/unsubscribe/")
}

func countMails(t testing.TB, db *store.DB, to string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox WHERE to_address = $1`, to).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUnsubscribeLinkStopsNewslettersButNotConfirmations(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		person := addPerson(t, app.DB, "rosa@example.org", outbox.StatusSubscribed)
		link := mailLink(t, app, person, "rosa@example.org", "Campaign update")
		path := strings.TrimPrefix(link, app.URL)

		browser := app.Browser()
		status, page := browser.Get(t, path)
		if status != http.StatusOK || !strings.Contains(page, "Do you want to stop receiving emails") || !strings.Contains(page, `action="`+path+`"`) {
			t.Fatalf("confirmation page: %d\n%s", status, page)
		}
		if emailStatusOf(t, app.DB, person) != outbox.StatusSubscribed {
			t.Fatal("showing the page unsubscribed the person")
		}

		status, page = browser.Post(t, path, nil)
		if status != http.StatusOK || !strings.Contains(page, "You are unsubscribed") || !strings.Contains(page, "Subscribe again") {
			t.Fatalf("after unsubscribing: %d\n%s", status, page)
		}
		if got := emailStatusOf(t, app.DB, person); got != outbox.StatusUnsubscribed {
			t.Fatalf("email_status %q", got)
		}

		// Later mail: news is dropped, a sign-in link still goes out.
		before := countMails(t, app.DB, "rosa@example.org")
		for _, m := range []outbox.Message{
			{PersonID: person, To: "rosa@example.org", Subject: "More news", Body: "…", Catalog: catalog},
			{PersonID: person, To: "rosa@example.org", Subject: "Your sign-in link", Body: "…", Transactional: true, Catalog: catalog},
		} {
			if err := app.DB.Write(context.Background(), func(tx *store.Tx) error { return outbox.Enqueue(context.Background(), tx, app.URL, m) }); err != nil {
				t.Fatal(err)
			}
		}
		if got := countMails(t, app.DB, "rosa@example.org"); got != before+1 {
			t.Fatalf("queued %d mails after unsubscribing, want only the transactional one", got-before)
		}
		app.Server.Worker.Kick()
		app.Mail.Wait(t, "rosa@example.org", "Your sign-in link")

		status, page = browser.Post(t, path+"/undo", nil)
		if status != http.StatusOK || !strings.Contains(page, "You are subscribed again") {
			t.Fatalf("after re-subscribing: %d\n%s", status, page)
		}
		if got := emailStatusOf(t, app.DB, person); got != outbox.StatusSubscribed {
			t.Fatalf("email_status %q after undo", got)
		}
	})
}

func TestOneClickUnsubscribeFromAMailProvider(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		multipartBody := func() (io.Reader, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("List-Unsubscribe", "One-Click")
			mw.Close()
			return &buf, mw.FormDataContentType()
		}
		cases := []struct {
			name string
			body func() (io.Reader, string)
			// headers a browser adds; a provider's server-side POST has none
			header     map[string]string
			wantStatus int
			wantState  string
		}{
			{name: "urlencoded, no Origin", wantStatus: http.StatusOK, wantState: outbox.StatusUnsubscribed,
				body: func() (io.Reader, string) {
					return strings.NewReader("List-Unsubscribe=One-Click"), "application/x-www-form-urlencoded"
				}},
			{name: "multipart, no Origin", body: multipartBody, wantStatus: http.StatusOK, wantState: outbox.StatusUnsubscribed},
			{name: "form posted from another site", body: multipartBody,
				header:     map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
				wantStatus: http.StatusForbidden, wantState: outbox.StatusSubscribed},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				to := string(rune('a'+i)) + "@example.org"
				person := addPerson(t, app.DB, to, outbox.StatusSubscribed)
				link := mailLink(t, app, person, to, "News "+tc.name)
				body, ct := tc.body()
				req, _ := http.NewRequest("POST", link, body)
				req.Header.Set("Content-Type", ct)
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.wantStatus {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
				}
				if got := emailStatusOf(t, app.DB, person); got != tc.wantState {
					t.Fatalf("email_status %q, want %q", got, tc.wantState)
				}
			})
		}
	})
}

func TestUnsubscribePagesAreLocalized(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		person := addPerson(t, app.DB, "jeanne@example.org", outbox.StatusSubscribed)
		link := mailLink(t, app, person, "jeanne@example.org", "Nouvelles")
		path := strings.TrimPrefix(link, app.URL)
		// A link lives UnsubscribeTTL (a year and a day) from its mail.
		expired := addPerson(t, app.DB, "old@example.org", outbox.StatusSubscribed)
		oldPath := strings.TrimPrefix(mailLink(t, app, expired, "old@example.org", "Old news"), app.URL)
		yearOld := addPerson(t, app.DB, "year@example.org", outbox.StatusSubscribed)
		yearPath := strings.TrimPrefix(mailLink(t, app, yearOld, "year@example.org", "Last year's news"), app.URL)
		for person, age := range map[string]time.Duration{expired: outbox.UnsubscribeTTL + time.Hour, yearOld: 365 * 24 * time.Hour} {
			if _, err := app.DB.Writer().ExecContext(context.Background(),
				`UPDATE outbox SET created_at = $1 WHERE person_id = $2`, store.Now().Add(-age), person); err != nil {
				t.Fatal(err)
			}
		}

		cases := []struct {
			lang, method, path string
			status             int
			want               string
		}{
			{"fr", "GET", path, http.StatusOK, "Voulez-vous ne plus recevoir de courriels de Répertoire à cette adresse ?"},
			{"en", "GET", yearPath, http.StatusOK, "Do you want to stop receiving emails"},
			{"en", "GET", "/unsubscribe/no-such-token", http.StatusNotFound, "This unsubscribe link is unknown or has expired."},
			{"fr", "GET", "/unsubscribe/no-such-token", http.StatusNotFound, "Ce lien de désabonnement est inconnu ou a expiré."},
			{"fr", "GET", oldPath, http.StatusNotFound, "Ce lien de désabonnement est inconnu ou a expiré."},
			{"en", "POST", oldPath, http.StatusNotFound, "This unsubscribe link is unknown or has expired."},
			{"fr", "POST", path, http.StatusOK, "Votre désabonnement est enregistré."},
			{"fr", "GET", path, http.StatusOK, "Me réabonner"},
			{"fr", "POST", path + "/undo", http.StatusOK, "Votre abonnement est rétabli."},
		}
		for _, tc := range cases {
			b := app.Browser()
			b.Lang = tc.lang
			var status int
			var page string
			if tc.method == "GET" {
				status, page = b.Get(t, tc.path)
			} else {
				status, page = b.Post(t, tc.path, url.Values{})
			}
			if status != tc.status || !strings.Contains(page, tc.want) {
				t.Errorf("%s %s (%s): %d, want %d with %q\n%s", tc.method, tc.path, tc.lang, status, tc.status, tc.want, page)
			}
		}
		if got := emailStatusOf(t, app.DB, expired); got != outbox.StatusSubscribed {
			t.Errorf("an expired link changed email_status to %q", got)
		}
	})
}

// A link opens only with its own secret: another secret on the same mail,
// or a mail that carries no link, is unknown.
func TestUnsubscribeLinkNeedsItsSecret(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		person := addPerson(t, app.DB, "noor@example.org", outbox.StatusSubscribed)
		link := mailLink(t, app, person, "noor@example.org", "News for Noor")
		mailID, _, _ := strings.Cut(strings.TrimPrefix(link, app.URL+"/unsubscribe/"), ".")
		err := app.DB.Write(context.Background(), func(tx *store.Tx) error {
			return outbox.Enqueue(context.Background(), tx, app.URL, outbox.Message{To: "press@example.org", Subject: "Press", Body: "…", Transactional: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		var pressID string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM outbox WHERE to_address = 'press@example.org'`).Scan(&pressID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			"/unsubscribe/" + mailID + "." + store.NewToken(),
			"/unsubscribe/" + mailID + ".",
			"/unsubscribe/" + pressID + "." + store.NewToken(),
		} {
			status, page := app.Browser().Post(t, path, url.Values{})
			if status != http.StatusNotFound || !strings.Contains(page, "This unsubscribe link is unknown or has expired.") {
				t.Errorf("POST %s: %d\n%s", path, status, page)
			}
		}
		if got := emailStatusOf(t, app.DB, person); got != outbox.StatusSubscribed {
			t.Fatalf("a wrong secret changed email_status to %q", got)
		}
		if status, _ := app.Browser().Post(t, strings.TrimPrefix(link, app.URL), url.Values{}); status != http.StatusOK || emailStatusOf(t, app.DB, person) != outbox.StatusUnsubscribed {
			t.Fatalf("the mailed link: %d, email_status %q", status, emailStatusOf(t, app.DB, person))
		}
	})
}

// Links mailed before they named their mail (rows of mail_tokens, links
// without a dot) were dropped with migration 12: one left over, live or
// expired, unsubscribes no one.
func TestLinksWithoutTheirMailNoLongerUnsubscribe(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		live := addPerson(t, app.DB, "early@example.org", outbox.StatusSubscribed)
		gone := addPerson(t, app.DB, "earlier@example.org", outbox.StatusSubscribed)
		liveToken, goneToken := store.NewToken(), store.NewToken()
		now := store.Now()
		for _, tok := range []struct {
			token, person string
			expires       time.Time
		}{{liveToken, live, now.Add(time.Hour)}, {goneToken, gone, now.Add(-time.Hour)}} {
			if _, err := app.DB.Writer().ExecContext(ctx, `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at)
				VALUES ($1, $2, 'unsubscribe', $3, $4)`, store.HashToken(tok.token), tok.person, now.Add(-300*24*time.Hour), tok.expires); err != nil {
				t.Fatal(err)
			}
		}
		b := app.Browser()
		for _, tok := range []string{goneToken, liveToken} {
			if status, page := b.Get(t, "/unsubscribe/"+tok); status != http.StatusNotFound {
				t.Fatalf("GET of a link without its mail: %d\n%s", status, page)
			}
			if status, page := b.Post(t, "/unsubscribe/"+tok, url.Values{}); status != http.StatusNotFound {
				t.Fatalf("POST of a link without its mail: %d\n%s", status, page)
			}
		}
		for _, p := range []string{live, gone} {
			if got := emailStatusOf(t, app.DB, p); got != outbox.StatusSubscribed {
				t.Errorf("a link without its mail changed email_status to %q", got)
			}
		}
	})
}
