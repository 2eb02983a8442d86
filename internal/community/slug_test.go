package community_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

// Someone outside a private community cannot learn it exists by asking for
// its slug: their community is created with a free variant, and the answer
// is the one a free slug gets but for that suffix. A slug held by a
// community they can see is refused, naming the field, as before.
func TestPrivateSlugsAreNotRevealed(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		owner := app.Token(t, "owner@example.org", "Owner", false)
		outsider := app.Token(t, "outsider@example.org", "Outsider", false)
		long := strings.Repeat("a", 60)
		for _, c := range []map[string]string{
			{"name": "Secret circle", "visibility": "private"},
			{"name": "Long", "slug": long, "visibility": "private"},
			{"name": "Open riders", "visibility": "public"},
		} {
			if st := app.API(t, "POST", "/api/v1/communities", owner, c, nil); st != http.StatusCreated {
				t.Fatalf("create %v: %d", c, st)
			}
		}

		// API: the same answer for a free slug and a privately held one.
		post := func(token string, body map[string]string) (int, string, string) {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", app.URL+"/api/v1/communities", strings.NewReader(string(b)))
			req.Header.Set("OSDI-API-Token", token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location"), string(data)
		}
		created := func(name string, st int, loc, body string) communityDoc {
			t.Helper()
			var doc communityDoc
			if st != http.StatusCreated || json.Unmarshal([]byte(body), &doc) != nil {
				t.Fatalf("%s: %d %s", name, st, body)
			}
			return doc
		}
		dates := regexp.MustCompile(`"(created|modified)_date":"[^"]*"`)
		same := func(doc communityDoc, loc, body string) string {
			body = dates.ReplaceAllString(body, `"$1_date":""`)
			loc = strings.ReplaceAll(loc, doc.ID, "ID")
			return loc + " " + strings.ReplaceAll(strings.ReplaceAll(body, doc.ID, "ID"), doc.Slug, "SLUG")
		}
		st, loc, body := post(outsider, map[string]string{"name": "Circle", "slug": "free-circle"})
		free := created("free slug", st, loc, body)
		if free.Slug != "free-circle" {
			t.Fatalf("free slug became %q", free.Slug)
		}
		st, loc2, body2 := post(outsider, map[string]string{"name": "Circle", "slug": "secret-circle"})
		held := created("privately held slug", st, loc2, body2)
		if held.Slug != "secret-circle-2" {
			t.Fatalf("privately held slug became %q, want secret-circle-2", held.Slug)
		}
		if a, b := same(free, loc, body), same(held, loc2, body2); a != b {
			t.Errorf("answers differ:\nfree: %s\nheld: %s", a, b)
		}
		// Derived from the name, past the variants already taken, cut to fit.
		st, loc, body = post(outsider, map[string]string{"name": "Secret circle"})
		if doc := created("derived slug", st, loc, body); doc.Slug != "secret-circle-3" {
			t.Errorf("derived slug became %q, want secret-circle-3", doc.Slug)
		}
		st, loc, body = post(outsider, map[string]string{"name": "Long", "slug": long})
		if doc := created("long slug", st, loc, body); doc.Slug != long[:58]+"-2" {
			t.Errorf("long slug became %q", doc.Slug)
		}

		// Held by a community the creator can see: refused, naming the field.
		for _, c := range []struct {
			who, token, slug string
		}{{"outsider", outsider, "open-riders"}, {"outsider", outsider, "secret-circle-2"}, {"member", owner, "secret-circle"}} {
			st, _, body := post(c.token, map[string]string{"name": "Again", "slug": c.slug})
			var p problem
			json.Unmarshal([]byte(body), &p)
			if st != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "slug" {
				t.Errorf("%s asking for %s: %d %s", c.who, c.slug, st, body)
			}
		}
		var secret communityDoc
		if st := app.API(t, "GET", "/api/v1/communities/secret-circle", owner, nil, &secret); st != 200 || secret.Name != "Secret circle" {
			t.Errorf("the private community changed: %d %+v", st, secret)
		}

		// Pages: the same redirect and flash but for the suffix.
		b, _ := signedIn(t, app, "Berthe")
		noRedirects(b)
		form := func(slug string) (int, string, string) {
			t.Helper()
			req, _ := http.NewRequest("POST", app.URL+"/communities", strings.NewReader(url.Values{"name": {"Ring"}, "slug": {slug}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", app.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := b.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie") + string(data)
		}
		st, loc, body = form("free-ring")
		st2, loc2, body2 := form("secret-circle")
		if st != http.StatusSeeOther || loc != "/c/free-ring" || st2 != st || loc2 != "/c/secret-circle-4" ||
			strings.ReplaceAll(body2, "secret-circle-4", "free-ring") != body {
			t.Errorf("pages differ:\nfree: %d %s %s\nheld: %d %s %s", st, loc, body, st2, loc2, body2)
		}
		if st, page := b.Get(t, "/c/secret-circle-4"); st != 200 || !strings.Contains(page, "<h1>Ring</h1>") {
			t.Errorf("created page: %d", st)
		}
		st, _, body = form("open-riders")
		if st != http.StatusConflict || !strings.Contains(body, "“open-riders” is already taken") {
			t.Errorf("page, visibly held slug: %d %s", st, body)
		}
	})
}
