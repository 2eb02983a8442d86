package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/account"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// A member signs in, opens their vault from the account page, imports
// Facebook's archive (its accents escaped the Facebook way), reads their
// post with its accents right, and shares their posts.
func TestVaultImportAndConsent(t *testing.T) {
	app := testkit.Start(t)
	app.Token(t, "adele@example.org", "Adèle", false)
	day := time.Date(2018, 3, 20, 9, 30, 0, 0, time.UTC)
	zipPath := filepath.Join(t.TempDir(), "facebook-adele.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := vault.WriteSample(f, vault.Sample{Name: "Adèle Renée", Joined: day.AddDate(-5, 0, 0),
		Posts:     []vault.SampleText{{Time: day, Text: "Grève générale à Montréal"}, {Time: day.Add(time.Hour), Text: "Déconnexion le 25 mai"}},
		Reactions: []vault.SampleText{{Time: day, Text: "LIKE", Who: "Zoé"}},
		Interests: []string{"Syndicalisme"}}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	ctx := Browser(t, 1024, 900)
	Run(t, ctx, "sign in",
		chromedp.Navigate(app.URL+"/signin"),
		chromedp.SendKeys(`#f-email`, "adele@example.org"),
		chromedp.SendKeys(`#f-password`, "correct horse battery"),
		chromedp.Click(`main button[type="submit"]`),
		chromedp.WaitVisible(`a[href="/account"]`),
	)
	Run(t, ctx, "open the vault from the account page",
		chromedp.Navigate(app.URL+"/account"),
		chromedp.Click(`main a[href="/account/vault"]`),
		chromedp.WaitVisible(`#f-file`),
	)
	Run(t, ctx, "import the archive",
		chromedp.SetUploadFiles(`#f-file`, []string{zipPath}),
		chromedp.Click(`form[action="/account/vault/import"] button[type="submit"]`),
		chromedp.WaitVisible(`p.flash`),
	)
	if msg := Get(t, ctx, "read the import's result", chromedp.Text(`p.flash`)); !strings.Contains(msg, "Import done: 5 new items") {
		t.Fatalf("after the import: %q", msg)
	}
	Run(t, ctx, "open the posts",
		chromedp.Click(`a[href="/account/vault/c/posts"]`),
		chromedp.WaitVisible(`ol.vault-items`),
	)
	if text := Get(t, ctx, "read the posts", chromedp.Text(`ol.vault-items`)); !strings.Contains(text, "Grève générale à Montréal") ||
		!strings.Contains(text, "Déconnexion le 25 mai") {
		t.Fatalf("posts shown: %q", text)
	}
	Run(t, ctx, "share the posts",
		chromedp.Navigate(app.URL+"/account/vault"),
		chromedp.Click(`#c-posts-share`),
		chromedp.Click(`form[action="/account/vault/consents"] button[type="submit"]`),
		chromedp.WaitVisible(`p.flash`),
	)
	if checked := Get(t, ctx, "read the posts' consent", chromedp.Evaluate[bool](`document.getElementById("c-posts-share").checked`)); !checked {
		t.Fatal("the page does not show the posts shared")
	}
	if other := Get(t, ctx, "read the profile's consent", chromedp.Evaluate[bool](`document.getElementById("c-profile-do_not_share").checked`)); !other {
		t.Fatal("the profile is no longer at do not share")
	}
	p, err := account.PersonByEmail(context.Background(), app.DB.Reader(), "adele@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := vault.NewStore(app.DB).Consent(context.Background(), p.ID, "posts"); c != vault.Share {
		t.Fatalf("stored consent %q", c)
	}
}
