package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"repertoire/internal/account"
	"repertoire/internal/server"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// upload posts the import form as a browser does (multipart, same
// origin), following the redirect.
func upload(t *testing.T, app *testkit.App, b *testkit.Browser, fields map[string]string, name string, file []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if name != "" {
		f, _ := w.CreateFormFile("file", name)
		f.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest("POST", app.URL+"/account/vault/import", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", b.Lang)
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func member(t *testing.T, app *testkit.App, email string) (*testkit.Browser, string) {
	t.Helper()
	app.Token(t, email, "Adèle Renée", false)
	b := app.Browser()
	b.SignIn(t, email, "correct horse battery")
	p, err := account.PersonByEmail(context.Background(), app.DB.Reader(), email)
	if err != nil {
		t.Fatal(err)
	}
	return b, p.ID
}

var checked = regexp.MustCompile(`name="([a-z_]+)" value="([a-z_]+)" checked`)

// consentsShown reads the consent radios checked on the vault page.
func consentsShown(body string) map[string]string {
	out := map[string]string{}
	for _, m := range checked.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestVaultPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		b, id := member(t, app, "adele@example.org")
		if _, body := b.Get(t, "/account"); !strings.Contains(body, `href="/account/vault"`) {
			t.Fatal("the account page does not link the vault")
		}
		st, body := b.Get(t, "/account/vault")
		if st != 200 {
			t.Fatalf("vault page: %d", st)
		}
		shown := consentsShown(body)
		for _, c := range vault.Categories {
			if shown[c] != "do_not_share" {
				t.Errorf("%s starts at %q, want do_not_share", c, shown[c])
			}
		}

		// Import, then the same archive again.
		data := archive(t, ada(false))
		st, body = upload(t, app, b, map[string]string{"format": "facebook"}, "facebook.zip", data)
		if st != 200 || !strings.Contains(body, "Import done: 12 new items, of 12 read") {
			t.Fatalf("import: %d\n%s", st, body)
		}
		st, body = upload(t, app, b, map[string]string{"format": "facebook"}, "facebook.zip", data)
		if st != 200 || !strings.Contains(body, "Import done: 0 new items, of 12 read") {
			t.Fatalf("import again: %d\n%s", st, body)
		}
		left, _ := filepath.Glob(filepath.Join(app.Server.Config.DataDir, "vault-uploads", "*"))
		if len(left) != 0 {
			t.Errorf("uploads left behind: %v", left)
		}
		_, body = b.Get(t, "/account/vault/c/posts")
		if !strings.Contains(body, "Grève générale à Montréal ✊") {
			t.Errorf("the posts page does not show the post, accents undone:\n%s", body)
		}

		// A refused upload: 422, the errors named, the choices kept.
		st, body = upload(t, app, b, map[string]string{"format": "csv", "time_field": "when"}, "rides.csv", []byte("a,b\n1,2\n"))
		if st != 422 || !strings.Contains(body, "Choose the kind of data the file holds.") ||
			!strings.Contains(body, `value="csv" checked`) || !strings.Contains(body, `value="when"`) {
			t.Errorf("csv without a category: %d\n%s", st, body)
		}
		st, body = upload(t, app, b, map[string]string{"format": "facebook"}, "notes.txt", []byte("just text"))
		if st != 422 || !strings.Contains(body, "This is not a zip archive we can read.") {
			t.Errorf("not a zip: %d", st)
		}
		st, body = upload(t, app, b, map[string]string{"format": "facebook"}, "", nil)
		if st != 422 || !strings.Contains(body, "Choose a file to import.") {
			t.Errorf("no file: %d", st)
		}
		st, _ = upload(t, app, b, map[string]string{"format": "csv", "category": "other", "time_field": "date"}, "rides.csv",
			[]byte("date,trip\n2024-05-01,Airport\n"))
		if st != 200 {
			t.Errorf("csv import: %d", st)
		}

		// Consents change at once, and the page shows them.
		st, body = b.Post(t, "/account/vault/consents", url.Values{"posts": {"share"}, "comments": {"ask_me"}, "profile": {"do_not_share"}})
		if st != 200 || !strings.Contains(body, "Your choices were saved.") {
			t.Fatalf("save consents: %d", st)
		}
		shown = consentsShown(body)
		if shown["posts"] != "share" || shown["comments"] != "ask_me" || shown["reactions"] != "do_not_share" {
			t.Errorf("consents shown after saving: %v", shown)
		}
		s := vault.NewStore(app.DB)
		if c, _ := s.Consent(ctx, id, "posts"); c != vault.Share {
			t.Errorf("posts consent stored as %q", c)
		}
		if st, _ := b.Post(t, "/account/vault/consents", url.Values{"posts": {"sell"}}); st != 422 {
			t.Errorf("unknown consent: %d", st)
		}

		// Download: every item and consent.
		st, body = b.Get(t, "/account/vault/download")
		var dl struct {
			Consents map[string]string
			Items    []struct {
				Category string
				Data     map[string]any
			}
		}
		if err := json.Unmarshal([]byte(body), &dl); err != nil || st != 200 {
			t.Fatalf("download: %d, %v\n%s", st, err, body)
		}
		if len(dl.Items) != 13 || dl.Consents["posts"] != "share" {
			t.Errorf("download: %d items, consents %v", len(dl.Items), dl.Consents)
		}

		// Delete one item, after a confirmation.
		posts, _ := s.Items(ctx, id, "posts", "", 10)
		st, body = b.Get(t, "/account/vault/delete?item="+posts[0].ID)
		if st != 200 || !strings.Contains(body, "You are about to delete this item") {
			t.Fatalf("confirm item: %d", st)
		}
		if n, _ := s.Counts(ctx, id); n["posts"] != 2 {
			t.Fatal("the confirmation page deleted something")
		}
		if st, _ := b.Post(t, "/account/vault/delete", url.Values{"item": {posts[0].ID}}); st != 200 {
			t.Fatalf("delete item: %d", st)
		}
		if n, _ := s.Counts(ctx, id); n["posts"] != 1 {
			t.Errorf("posts after deleting one: %d", n["posts"])
		}
		// Someone else cannot delete an item of hers.
		other, _ := member(t, app, "bob@example.org")
		if st, _ := other.Post(t, "/account/vault/delete", url.Values{"item": {posts[1].ID}}); st != 404 {
			t.Errorf("another member deleting her item: %d", st)
		}
		// A category, then everything.
		if st, _ := b.Post(t, "/account/vault/delete", url.Values{"category": {"reactions"}}); st != 200 {
			t.Fatalf("delete category: %d", st)
		}
		if n, _ := s.Counts(ctx, id); n["reactions"] != 0 || n["posts"] != 1 {
			t.Errorf("after deleting reactions: %v", n)
		}
		if st, body := b.Get(t, "/account/vault/delete?all=1"); st != 200 || !strings.Contains(body, "You are about to delete the 10 items of your vault.") {
			t.Errorf("confirm all: %d\n%s", st, body)
		}
		if st, _ := b.Post(t, "/account/vault/delete", url.Values{"all": {"1"}}); st != 200 {
			t.Fatalf("delete all: %d", st)
		}
		if left, _ := s.Items(ctx, id, "", "", 10); len(left) != 0 {
			t.Errorf("%d items after deleting everything", len(left))
		}

		// Entered by the member; refused when empty.
		if st, _ := b.Post(t, "/account/vault/c/other", url.Values{"text": {"  "}}); st != 422 {
			t.Errorf("empty entry: %d", st)
		}
		if st, body := b.Post(t, "/account/vault/c/other", url.Values{"text": {"Paid 3 € less than shown"}}); st != 200 || !strings.Contains(body, "Paid 3 € less than shown") {
			t.Errorf("entry: %d", st)
		}

		// French.
		b.Lang = "fr"
		if _, body := b.Get(t, "/account/vault"); !strings.Contains(body, "Mon coffre de données") || !strings.Contains(body, "Ne pas partager") {
			t.Error("the vault page is not in French")
		}
		// Signed out: to the sign-in page.
		if st, body := app.Browser().Get(t, "/account/vault"); st != 200 || !strings.Contains(body, `action="/signin"`) {
			t.Errorf("signed out: %d", st)
		}
	})
}

func TestVaultAPI(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		tok := app.Token(t, "adele@example.org", "Adèle", false)
		other := app.Token(t, "bob@example.org", "Bob", false)
		if st := app.API(t, "GET", "/api/v1/vault", "", nil, nil); st != 401 {
			t.Errorf("without a token: %d", st)
		}
		var item struct {
			ID       string
			Category string
			Source   string
			Data     map[string]string
		}
		if st := app.API(t, "POST", "/api/v1/vault/items", tok, map[string]any{"category": "other", "text": "Deactivated for 3 days", "time": "2024-05-01T08:00:00Z"}, &item); st != 201 {
			t.Fatalf("add: %d", st)
		}
		if item.Source != "entered" || item.Data["text"] != "Deactivated for 3 days" {
			t.Errorf("added %+v", item)
		}
		var problem struct{ Errors []struct{ Field string } }
		if st := app.API(t, "POST", "/api/v1/vault/items", tok, map[string]any{"category": "diaries", "txt": "x"}, &problem); st != 422 {
			t.Errorf("bad item: %d", st)
		}
		if st := app.API(t, "PUT", "/api/v1/vault/consents/other", tok, map[string]any{"consent": "share"}, nil); st != 200 {
			t.Errorf("set consent: %d", st)
		}
		if st := app.API(t, "PUT", "/api/v1/vault/consents/other", tok, map[string]any{"consent": "sell"}, &problem); st != 422 || len(problem.Errors) == 0 || problem.Errors[0].Field != "consent" {
			t.Errorf("bad consent: %d %+v", st, problem)
		}
		var summary struct {
			Categories []struct {
				Category string
				Items    int
				Consent  string
			}
		}
		app.API(t, "GET", "/api/v1/vault", tok, nil, &summary)
		for _, c := range summary.Categories {
			want := map[string]struct {
				n int
				c string
			}{"other": {1, "share"}}[c.Category]
			if want.c == "" {
				want.c = "do_not_share"
			}
			if c.Items != want.n || c.Consent != want.c {
				t.Errorf("%s: %d items, %s", c.Category, c.Items, c.Consent)
			}
		}
		var list struct {
			TotalRecords int `json:"total_records"`
			Embedded     struct {
				Items []struct{ ID string } `json:"repertoire:vault_items"`
			} `json:"_embedded"`
		}
		if st := app.API(t, "GET", "/api/v1/vault/items?category=other", tok, nil, &list); st != 200 || list.TotalRecords != 1 || len(list.Embedded.Items) != 1 {
			t.Errorf("list: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/vault/items?category=other", other, nil, &list); st != 200 || list.TotalRecords != 0 {
			t.Errorf("another's list: %d %+v", st, list)
		}
		if st := app.API(t, "GET", "/api/v1/vault/items/"+item.ID, other, nil, nil); st != 404 {
			t.Errorf("another's item: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/vault/items/"+item.ID, other, nil, nil); st != 404 {
			t.Errorf("another deleting: %d", st)
		}
		if st := app.API(t, "DELETE", "/api/v1/vault/items/"+item.ID, tok, nil, nil); st != 204 {
			t.Errorf("delete: %d", st)
		}
		if st := app.API(t, "GET", "/api/v1/vault/items/"+item.ID, tok, nil, nil); st != 404 {
			t.Errorf("deleted item: %d", st)
		}
	})
}

// A member's export holds their items and consents; their erasure leaves
// nothing of them in any table, nor any upload on disk.
func TestVaultExportAndErasure(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		b, _ := member(t, app, "adele@example.org")
		sample := ada(false)
		sample.Posts = append(sample.Posts, vault.SampleText{Time: day, Text: "zqxjmarker posted once"})
		if st, _ := upload(t, app, b, map[string]string{"format": "facebook"}, "facebook.zip", archive(t, sample)); st != 200 {
			t.Fatalf("import: %d", st)
		}
		b.Post(t, "/account/vault/consents", url.Values{"posts": {"share"}})
		_, body := b.Get(t, "/account/export")
		var export struct {
			Items    []map[string]any `json:"vault_items"`
			Consents []map[string]any `json:"vault_consents"`
		}
		if err := json.Unmarshal([]byte(body), &export); err != nil {
			t.Fatal(err)
		}
		if len(export.Items) != 13 || len(export.Consents) != 1 || export.Consents[0]["consent"] != "share" || !strings.Contains(body, "zqxjmarker") {
			t.Errorf("export: %d items, consents %v", len(export.Items), export.Consents)
		}
		if st, _ := b.Post(t, "/account/delete", url.Values{"delete_confirm": {"adele@example.org"}}); st != 200 {
			t.Fatalf("delete account: %d", st)
		}
		for _, needle := range []string{"zqxjmarker", "Montréal", "adele@example.org"} {
			if found := storetest.Find(t, app.DB, needle); len(found) != 0 {
				t.Errorf("%q still in %v", needle, found)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(app.Server.Config.DataDir, "vault-uploads"))
		if len(entries) != 0 {
			t.Errorf("%d uploads left on disk", len(entries))
		}
	})
}

// An upload over the limit is refused with the limit named, and nothing
// of it stays on disk.
func TestVaultUploadTooLarge(t *testing.T) {
	db := storetest.OpenSQLite(t)
	limits := vault.DefaultLimits()
	limits.MaxUpload = 4 << 20
	app := testkit.StartWith(t, db, func(c *server.Config) { c.VaultLimits = &limits })
	b, id := member(t, app, "adele@example.org")
	st, body := upload(t, app, b, map[string]string{"format": "csv", "category": "other"}, "big.csv",
		append([]byte("a,b\n"), bytes.Repeat([]byte("1,2\n"), 2<<20)...))
	if st != 422 || !strings.Contains(body, "This file is too large: at most 4 MiB.") || !strings.Contains(body, `value="csv" checked`) {
		t.Fatalf("too large: %d", st)
	}
	if items, _ := vault.NewStore(db).Items(context.Background(), id, "", "", 10); len(items) != 0 {
		t.Errorf("%d items kept", len(items))
	}
	if left, _ := os.ReadDir(filepath.Join(app.Server.Config.DataDir, "vault-uploads")); len(left) != 0 {
		t.Errorf("%d uploads left", len(left))
	}
}
