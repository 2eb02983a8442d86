// Package e2e drives the real UI in Debian's Chromium with chromedp: what a
// person does in the browser, end to end, against the whole server.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvBrowser, when set, makes a missing Chromium a failure instead of a skip
// (CI sets it).
const EnvBrowser = "REPERTOIRE_TEST_BROWSER"

// The package's one Chromium: each test gets a tab of its own in a browser
// context of its own (its cookies, storage and cache apart from every other
// test's), so a run starts Chromium once instead of once a test.
var chromium struct {
	once   sync.Once
	ctx    context.Context // its first tab: the browser lives as long as it
	cancel context.CancelFunc
	err    error
}

// Browser opens a tab for the test, in a browser context of its own, and
// returns a context to run chromedp actions in, with the viewport at the
// given size. The tab and its context close when the test ends.
func Browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv(EnvBrowser) != "" {
			t.Fatalf("%s is set but no Chromium is installed (apt-get install -y chromium)", EnvBrowser)
		}
		t.Skip("no Chromium installed; set " + EnvBrowser + "=1 to make this a failure")
	}
	chromium.once.Do(func() { chromium.err = startChromium(path) })
	if chromium.err != nil {
		t.Fatalf("start chromium: %v", chromium.err)
	}
	ctx, cancelTab := chromedp.NewContext(chromium.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	// A headless window is at least 500 px wide: the viewport is emulated.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

func startChromium(path string) error {
	dir, err := os.MkdirTemp("", "repertoire-e2e-chromium-")
	if err != nil {
		return err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	chromium.ctx = ctx
	chromium.cancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
	return chromedp.Do(ctx)
}

// stopChromium ends the package's Chromium, if a test started it.
func stopChromium() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
}

// Run runs actions and fails the test with what was being done.
func Run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, url, err)
	}
}

// Load runs steps that navigate (a form submitted, a link followed) and
// waits until the new page has loaded, so that what comes next reads it
// and not the page it left.
func Load(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Get runs an action that returns a value.
func Get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, url, err)
	}
	return v
}
