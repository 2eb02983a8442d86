package e2e

import (
	"context"
	"testing"

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
					chromedp.EmulateViewport(390, 844),
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
