package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// A person with a keyboard switches the sign-in page to French and gets a
// localized error that names the field, with what they typed kept.
func TestSignInFormInFrenchKeepsWhatWasTyped(t *testing.T) {
	app := testkit.Start(t)
	ctx := Browser(t, 360, 740)
	Run(t, ctx, "open the sign-in page",
		chromedp.Navigate(app.URL+"/signin"),
		chromedp.Click(`a[hreflang="fr"]`),
		chromedp.WaitVisible(`html[lang="fr"]`),
		chromedp.SendKeys(`#f-email`, "pas-une-adresse"),
		chromedp.SendKeys(`#f-password`, "un mot de passe"),
		chromedp.Click(`main button[type="submit"]`),
		chromedp.WaitVisible(`#e-email`),
	)
	msg := Get(t, ctx, "read the error", chromedp.Text(`#e-email`))
	if !strings.Contains(msg, "n’est pas valide") {
		t.Fatalf("error %q", msg)
	}
	typed := Get(t, ctx, "read the kept value", chromedp.Value(`#f-email`))
	if typed != "pas-une-adresse" {
		t.Fatalf("typed email not kept: %q", typed)
	}
}
