package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// A person on a phone signs a petition with a mistyped address: the page
// that comes back brings them to the error summary, focused and in view,
// with JavaScript; without, the refused field has the focus, the summary
// above it in view.
func TestBadEmailOnSignFormIsFocused(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		page := petitionWithDemands(t, app)
		for _, js := range []bool{true, false} {
			name := map[bool]string{true: "script", false: "no script"}[js]
			t.Run(name, func(t *testing.T) {
				ctx := Browser(t, 390, 844)
				scripts(t, ctx, js)
				Run(t, ctx, "open the petition",
					chromedp.Navigate(page),
					chromedp.WaitVisible(`#f-given_name`),
					chromedp.SendKeys(`#f-given_name`, "Ana"),
					chromedp.SendKeys(`#f-email`, "ana@example"),
					chromedp.Submit(`#f-email`),
					chromedp.WaitVisible(`#form-errors`),
					chromedp.WaitVisible(`#e-email`),
				)
				// Reading the focus needs a script of the test's own, run
				// after the page loaded without any of its own.
				scripts(t, ctx, true)
				var got struct {
					Focused string
					Top     float64
					Height  float64
				}
				got = Get(t, ctx, "where the focus is", chromedp.Evaluate[struct {
					Focused string
					Top     float64
					Height  float64
				}](`({Focused: document.activeElement.id, Top: document.getElementById("form-errors").getBoundingClientRect().top, Height: innerHeight})`))
				// With the script the summary; without, the refused field.
				if want := map[bool]string{true: "form-errors", false: "f-email"}[js]; got.Focused != want {
					t.Fatalf("focus on %q, not %q", got.Focused, want)
				}
				if got.Top < 0 || got.Top > got.Height {
					t.Fatalf("the summary is out of view: top %v of %v", got.Top, got.Height)
				}
			})
		}
	})
}

// scripts lets the page run its scripts, or not.
func scripts(t *testing.T, ctx context.Context, on bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		t.Fatal(err)
	}
}

// Committing to a pledge with a mistyped address on a phone, in French:
// the page that comes back brings the person to the error summary,
// focused and in view, at the commitment form.
func TestBadEmailOnCommitFormIsFocused(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		now := time.Now().UTC()
		var p struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out of Facebook",
			"campaign": campaignID, "threshold": 100, "deadline": now.Add(50 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339),
			"description": strings.Repeat("A week without Facebook, together: nobody acts alone. ", 8)}, &p); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		ctx := Browser(t, 390, 844)
		Run(t, ctx, "commit with a mistyped address",
			chromedp.Navigate(app.URL+"/lang/fr?next="+strings.TrimPrefix(p.BrowserURL, app.URL)),
			chromedp.WaitVisible(`#f-email`),
			chromedp.SendKeys(`#f-email`, "ana@example"),
			chromedp.Submit(`#f-email`),
			chromedp.WaitVisible(`#e-email`),
			chromedp.Poll[chromedp.Void](`document.readyState === "complete"`),
		)
		got := Get(t, ctx, "where the focus is", chromedp.Evaluate[string](`(() => {
  const s = document.getElementById("form-errors"), f = document.getElementById("f-email").form;
  if (!s) return "no error summary";
  if (!f.contains(s) && s.nextElementSibling !== f) return "the summary is not at the form";
  if (document.activeElement !== s) return "the focus is on " + (document.activeElement.id || document.activeElement.tagName);
  const top = s.getBoundingClientRect().top;
  if (top < 0 || top > innerHeight) return "the summary is out of view";
  return document.documentElement.lang;
})()`))
		if got != "fr" {
			t.Fatalf("refused commitment: %s", got)
		}
	})
}
