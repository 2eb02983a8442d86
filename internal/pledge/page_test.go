package pledge_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/testkit"
	"repertoire/internal/translog"
)

// A collecting pledge's page counts down to its deadline in days and
// hours, in the reader's language, beside the commit form and the bar
// toward the threshold; its links show the server's 1200×630 share card.
func TestPledgePageCountsDownAndShares(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		for i, tc := range []struct {
			left   time.Duration
			en, fr string
		}{
			{74*time.Hour + 30*time.Minute, "3 days 2 hours left", "encore 3 jours 2 heures"},
			{25*time.Hour + 30*time.Minute, "1 day 1 hour left", "encore 1 jour 1 heure"},
			{48*time.Hour + 30*time.Minute, "2 days left", "encore 2 jours"},
			{5*time.Hour + 30*time.Minute, "5 hours left", "encore 5 heures"},
		} {
			now := time.Now()
			body := pledgeBody(f.campaign, 3)
			body["title"] = fmt.Sprintf("Countdown %d", i)
			body["deadline"] = rfc(now.Add(tc.left))
			body["window_start"] = rfc(now.Add(tc.left + 24*time.Hour))
			body["window_end"] = rfc(now.Add(tc.left + 96*time.Hour))
			var p struct {
				BrowserURL string `json:"browser_url"`
			}
			if st := app.API(t, "POST", "/api/v1/pledges", f.org, body, &p); st != http.StatusCreated {
				t.Fatalf("create pledge: %d", st)
			}
			path := strings.TrimPrefix(p.BrowserURL, app.URL)
			for lang, want := range map[string]string{"en": tc.en, "fr": tc.fr} {
				b := app.Browser()
				b.Lang = lang
				st, page := b.Get(t, path)
				if st != http.StatusOK || !strings.Contains(page, `">`+want+`</span>`) || !strings.Contains(page, `class="countdown" data-deadline="`) {
					t.Errorf("%s, %s before the deadline: %d, want %q", lang, tc.left, st, want)
				}
			}
		}

		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		st, page := app.Browser().Get(t, path)
		for _, want := range []string{`<section id="commit-form" class="tactic-form"`, `class="progress-bar" role="img" aria-label="0% of the threshold"`,
			`<meta property="og:image" content="` + app.URL + path + `/share.png">`, `<meta name="twitter:card" content="summary_large_image">`,
			`action="` + path + `/mastodon"`} {
			if st != http.StatusOK || !strings.Contains(page, want) {
				t.Errorf("pledge page: %d, lacks %s", st, want)
			}
		}
		req, _ := http.NewRequest("GET", app.URL+path+"/share.png", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		img, err := png.Decode(&buf)
		if resp.StatusCode != http.StatusOK || err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 630 {
			t.Fatalf("share card: %d, %v", resp.StatusCode, err)
		}
	})
}

// The pledge's count says which log it is the count of: the log's size
// when it was read, written the reader's way, linked to the count at
// that size and to how to verify it.
func TestPledgeCountNamesItsLogSize(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 3)
		// 1,234 leaves of other actions: the log is the instance's.
		var leaves []translog.Leaf
		for i := range 1234 {
			leaves = append(leaves, translog.Leaf{Kind: translog.Confirm, Tactic: "signature", ActionID: "elsewhere",
				PersonID: fmt.Sprintf("person-%d", i), Subject: fmt.Sprintf("participation-%d", i)})
		}
		ctx := context.Background()
		if err := app.DB.Write(ctx, func(tx *store.Tx) error { return translog.Append(ctx, tx, leaves) }); err != nil {
			t.Fatal(err)
		}
		path := "/c/fb-users/strike/pledges/" + f.pledge.Slug
		for lang, want := range map[string]string{"en": "This count when the log held 1,234 entries",
			"fr": "Ce chiffre quand le journal comptait 1\u202f234 entrées"} {
			b := app.Browser()
			b.Lang = lang
			st, page := b.Get(t, path)
			if st != http.StatusOK || !strings.Contains(page, `<a href="/log/counts/`+f.pledge.ID+`">`+want+`</a>`) || !strings.Contains(page, `<a href="/transparency">`) {
				t.Errorf("pledge page in %s (%d) lacks %q", lang, st, want)
			}
		}
	})
}
