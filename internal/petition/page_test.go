package petition_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/demo"
	"repertoire/internal/testkit"
)

// noRedirect is a client that shows the 303 instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts a same-origin form and returns the answer unread.
func postForm(t *testing.T, app *testkit.App, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// get fetches path in lang and returns the answer with its body read.
func get(t *testing.T, app *testkit.App, path, lang string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", app.URL+path, nil)
	req.Header.Set("Accept-Language", lang)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// After signing or committing, the form's 303 goes to a page saying what
// happens next, with ways to share; the answer is the same whether the
// address is new, pending, or already confirmed, and sets no cookie.
func TestPageAfterTakingPartIsTheSameForEveryone(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		var campaignID string
		app.DB.Reader().QueryRowContext(context.Background(), `SELECT campaign_id FROM petitions WHERE id = $1`, p.id()).Scan(&campaignID)
		now := time.Now().UTC()
		var pl struct {
			BrowserURL string `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a week", "action": "log out",
			"campaign": campaignID, "threshold": 100, "deadline": now.Add(48 * time.Hour).Format(time.RFC3339),
			"window_start": now.Add(72 * time.Hour).Format(time.RFC3339), "window_end": now.Add(240 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		pledgePath := strings.TrimPrefix(pl.BrowserURL, app.URL)

		for _, tactic := range []struct {
			name, page, post, done, subject string
			en, fr                          []string
		}{
			{"petition", path, path + "/sign", path + "/signed", "Confirm your signature",
				[]string{"Check your mailbox", "Thank you for signing “Stop tracking us”", "What happens next", "Confirm your signature", "Spread the word"},
				[]string{"Consultez votre messagerie", "Merci d’avoir signé « Stop tracking us »", "La suite", "Faites passer le mot"}},
			{"pledge", pledgePath, pledgePath + "/commit", pledgePath + "/committed", "Confirm your commitment",
				[]string{"Check your mailbox", "Thank you for committing to “Log out for a week”", "If enough people commit by the deadline"},
				[]string{"Consultez votre messagerie", "Merci de vous être engagé·e pour « Log out for a week »", "Si assez de personnes s’engagent"}},
		} {
			t.Run(tactic.name, func(t *testing.T) {
				take := func(email string) {
					t.Helper()
					resp := postForm(t, app, tactic.post, url.Values{"given_name": {"Ana"}, "email": {email}})
					if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tactic.done {
						t.Fatalf("%s: %d to %q, want 303 to %q", email, resp.StatusCode, resp.Header.Get("Location"), tactic.done)
					}
					if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
						t.Errorf("%s: the answer sets cookies %q: they would tell one answer from another", email, c)
					}
				}
				at := func(who string) string { return tactic.name + "-" + who + "@example.org" }
				take(at("confirmed"))
				m := app.Mail.Wait(t, at("confirmed"), tactic.subject)
				if st, _ := app.Browser().Post(t, strings.TrimPrefix(m.Link(t, "/p/confirm/"), app.URL), nil); st != http.StatusOK {
					t.Fatalf("confirm: %d", st)
				}
				take(at("confirmed")) // again, once confirmed
				take(at("new"))
				take(at("new")) // again, still pending

				_, en := get(t, app, tactic.done, "en")
				contains(t, "page after taking part", string(en), tactic.en...)
				contains(t, "its share block", string(en), app.URL+tactic.page, `action="`+tactic.page+`/mastodon"`, "mailto:?subject=", `href="`+tactic.page+`"`)
				_, fr := get(t, app, tactic.done, "fr")
				contains(t, "French page after taking part", string(fr), tactic.fr...)
				lacks(t, "the page", string(en), "@example.org")
			})
		}
	})
}

// The share block's Mastodon form only ever leads to https://<instance>/share
// on a host name: anything else is refused, with the form again.
func TestMastodonShareLeadsOnlyToAnInstance(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		_, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		link := regexp.MustCompile(`href="(https://[^"]*)"`)
		for typed, want := range map[string]string{
			"mastodon.social":               "https://mastodon.social/share?text=",
			" https://Piaille.FR/ ":         "https://piaille.fr/share?text=",
			"@ana@social.example.org":       "https://social.example.org/share?text=",
			"evil.example/path":             "",
			"javascript:alert(1)":           "",
			"http://mastodon.social":        "",
			"mastodon.social:8443":          "",
			"localhost":                     "",
			"10.0.0.1":                      "",
			"mastodon.social/share?text=hi": "",
			"":                              "",
			"-bad-.example":                 "",
		} {
			resp, body := get(t, app, path+"/mastodon?instance="+url.QueryEscape(typed), "en")
			found := link.FindStringSubmatch(string(body))
			if want == "" {
				if resp.StatusCode != http.StatusUnprocessableEntity || found != nil {
					t.Errorf("%q: %d, links %v; want 422 and no link away", typed, resp.StatusCode, found)
				}
				contains(t, "refused instance", string(body), "Give the address of your Mastodon server")
				continue
			}
			if resp.StatusCode != http.StatusOK || found == nil || !strings.HasPrefix(html.UnescapeString(found[1]), want) {
				t.Errorf("%q: %d, link %v; want one starting %q", typed, resp.StatusCode, found, want)
				continue
			}
			u, err := url.Parse(html.UnescapeString(found[1]))
			if err != nil || u.Path != "/share" || !strings.Contains(u.Query().Get("text"), p.BrowserURL) || !strings.Contains(u.Query().Get("text"), "Stop tracking us") {
				t.Errorf("%q: link %q lacks the post's text", typed, found[1])
			}
		}
	})
}

// The page carries Open Graph and Twitter card tags whose image is the
// server's share card, an absolute URL; the card is a 1200×630 PNG, and a
// private community's card is refused to outsiders as its page is.
func TestShareTagsAndImage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, p, _ := setup(t, app)
		path := strings.TrimPrefix(p.BrowserURL, app.URL)
		_, page := get(t, app, path, "en")
		contains(t, "meta tags", string(page), `<meta property="og:title" content="Stop tracking us">`,
			`<meta property="og:image" content="`+p.BrowserURL+`/share.png">`, `<meta name="twitter:card" content="summary_large_image">`,
			`<meta property="og:url" content="`+p.BrowserURL+`">`)
		// Script only from this site's static files: none inline.
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(page), -1) {
			if !strings.Contains(tag, `src="/static/`) {
				t.Errorf("a script not from /static: %s", tag)
			}
		}
		if resp, js := get(t, app, "/static/share.js", "en"); resp.StatusCode != 200 || !bytes.Contains(js, []byte("clipboard")) {
			t.Errorf("share.js: %d", resp.StatusCode)
		}

		for _, lang := range []string{"en", "fr"} {
			resp, b := get(t, app, path+"/share.png", lang)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("share.png in %s: %d %s", lang, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("share.png in %s: %v", lang, err)
			}
			if s := img.Bounds().Size(); s.X != 1200 || s.Y != 630 {
				t.Errorf("share.png in %s: %v, want 1200×630", lang, s)
			}
		}

		// A private community's petition: its page and card alike are
		// hidden from outsiders and shown to its organizer.
		ctx := context.Background()
		var orgID string
		app.DB.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE email = $1`, organizer).Scan(&orgID)
		com, err := community.NewStore(app.DB).Create(ctx, orgID, community.Input{Name: "Hidden", Slug: "hidden", Visibility: community.Private})
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.NewStore(app.DB).Create(ctx, orgID, campaign.CampaignInput{CommunityID: com.ID, Title: "Quiet", Slug: "quiet"})
		if err != nil {
			t.Fatal(err)
		}
		var hidden petitionDoc
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Quiet one", "petition_text": "Shh.",
			"campaign": "repertoire:" + c.ID}, &hidden); st != http.StatusCreated {
			t.Fatalf("create private petition: %d", st)
		}
		hiddenPath := strings.TrimPrefix(hidden.BrowserURL, app.URL)
		for _, sub := range []string{"", "/share.png", "/signed", "/mastodon?instance=mastodon.social"} {
			if resp, _ := get(t, app, hiddenPath+sub, "en"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("an outsider reads %s%s: %d", hiddenPath, sub, resp.StatusCode)
			}
		}
		b := app.Browser()
		b.SignIn(t, organizer, "correct horse battery")
		req, _ := http.NewRequest("GET", app.URL+hiddenPath+"/share.png", nil)
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := png.Decode(resp.Body); resp.StatusCode != http.StatusOK || err != nil {
			t.Errorf("the organizer's card: %d, %v", resp.StatusCode, err)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Errorf("a private card may be kept by shared caches: %q", cc)
		}
	})
}

// The growth chart of the demo petition has labelled axes: dated ticks
// along x and counted ones up y in the reader's language, and the goal
// line named; it stays an image with a title and description, beside its
// table.
func TestChartHasLabelledAxesAndGoal(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		if err := demo.Load(context.Background(), app.DB, app.Server.Catalog, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		const path = "/c/facebook-users/may-1st-2018/petitions/accept-the-users-terms"
		for _, tc := range []struct {
			lang, goal, firstX, secondX string
			y                           []string
		}{
			{"en", "Goal: 1,000", "9 Apr 2018", "23 Apr", []string{"0", "200", "400", "600", "800", "1,000"}},
			{"fr", "Objectif : 1\u202f000", "9 avr. 2018", "23 avr.", []string{"0", "200", "400", "600", "800", "1\u202f000"}},
		} {
			resp, body := get(t, app, path, tc.lang)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s page: %d", tc.lang, resp.StatusCode)
			}
			svg := chartOf(t, string(body))
			if svg.Role != "img" || svg.Title == "" || !strings.Contains(svg.Desc, "559") {
				t.Errorf("%s: the chart is not an image with its title and description: %+v", tc.lang, svg)
			}
			var ys, xs []string
			var lastY, lastX float64 = 1e9, -1
			for _, tx := range svg.texts() {
				switch tx.Class {
				case "y-tick":
					ys = append(ys, tx.String())
					if tx.Y >= lastY {
						t.Errorf("%s: y tick %q at %v is not above the one before (%v)", tc.lang, tx.String(), tx.Y, lastY)
					}
					lastY = tx.Y
				case "x-tick":
					xs = append(xs, tx.String())
					if tx.X <= lastX {
						t.Errorf("%s: x tick %q at %v is not right of the one before (%v)", tc.lang, tx.String(), tx.X, lastX)
					}
					lastX = tx.X
				case "goal-label":
					if tx.String() != tc.goal {
						t.Errorf("%s: goal label %q, want %q", tc.lang, tx.String(), tc.goal)
					}
				}
			}
			if strings.Join(ys, "|") != strings.Join(tc.y, "|") {
				t.Errorf("%s: y ticks %q, want %q", tc.lang, ys, tc.y)
			}
			if len(xs) < 3 || len(xs) > 6 || xs[0] != tc.firstX || xs[1] != tc.secondX {
				t.Errorf("%s: x ticks %q, want 3 to 6 from %q, %q", tc.lang, xs, tc.firstX, tc.secondX)
			}
			if !strings.Contains(string(body), `<table>`) || !strings.Contains(string(body), `<time datetime="2018-05-`) {
				t.Errorf("%s: the chart lost its table", tc.lang)
			}
		}
	})
}

type svgText struct {
	Class string   `xml:"class,attr"`
	X     float64  `xml:"x,attr"`
	Y     float64  `xml:"y,attr"`
	Chars string   `xml:",chardata"`
	Spans []string `xml:"tspan"`
}

func (t svgText) String() string {
	s := strings.TrimSpace(t.Chars)
	if len(t.Spans) > 0 {
		s = strings.Join(t.Spans, " ")
	}
	return s
}

type svgGroup struct {
	Class  string     `xml:"class,attr"`
	Texts  []svgText  `xml:"text"`
	Groups []svgGroup `xml:"g"`
}

type svgDoc struct {
	Role   string     `xml:"role,attr"`
	Title  string     `xml:"title"`
	Desc   string     `xml:"desc"`
	Groups []svgGroup `xml:"g"`
}

func (s svgDoc) texts() []svgText {
	var out []svgText
	var walk func([]svgGroup)
	walk = func(gs []svgGroup) {
		for _, g := range gs {
			out = append(out, g.Texts...)
			walk(g.Groups)
		}
	}
	walk(s.Groups)
	return out
}

// chartOf parses the page's chart as XML.
func chartOf(t *testing.T, page string) svgDoc {
	t.Helper()
	i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if i < 0 || j < i {
		t.Fatal("no chart on the page")
	}
	var doc svgDoc
	if err := xml.Unmarshal([]byte(page[i:j+len("</svg>")]), &doc); err != nil {
		t.Fatalf("the chart is not well-formed: %v", err)
	}
	return doc
}
