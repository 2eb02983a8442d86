package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/testkit"
)

// pageProblems is run in the page: an id used twice, a label whose for=
// names nothing, names something that is not a field, names a field of
// another form, or shares its field with another label; a field with no
// label at all; a destructive button that looks like a primary or
// secondary one; and, on a phone, anything wider than the window.
const pageProblems = `(() => {
  const out = [];
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) ids[el.id] = (ids[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(ids)) if (n > 1) out.push("id " + id + " used " + n + " times");
  const labelled = {};
  for (const l of document.querySelectorAll("label[for]")) {
    const f = document.getElementById(l.htmlFor);
    if (!f) { out.push("label for=" + l.htmlFor + " names no element"); continue; }
    if (!["INPUT", "SELECT", "TEXTAREA"].includes(f.tagName) || f.type === "hidden") { out.push("label for=" + l.htmlFor + " names a " + f.tagName); continue; }
    if (l.closest("form") !== f.closest("form")) out.push("label for=" + l.htmlFor + " is outside its field's form");
    labelled[l.htmlFor] = (labelled[l.htmlFor] || 0) + 1;
  }
  for (const [id, n] of Object.entries(labelled)) if (n > 1) out.push(n + " labels for " + id);
  for (const f of document.querySelectorAll("input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea")) {
    if (f.labels.length === 0 && !f.getAttribute("aria-label") && !f.getAttribute("aria-labelledby")) out.push("field " + (f.id || f.name) + " has no label");
  }
  const destructive = /^(Delete|Remove|Reject|Revoke|Invalidate|Supprimer|Retirer|Rejeter|Révoquer|Invalider)/;
  for (const b of document.querySelectorAll("main button")) {
    const text = b.textContent.trim();
    if (destructive.test(text) && !b.classList.contains("danger") && !b.classList.contains("link")) out.push("the destructive button “" + text + "” looks like the others");
  }
  if (document.scrollingElement.scrollWidth > innerWidth) {
    const wide = [];
    // what is clipped by a box that scrolls itself is not named
    const scrolls = (el) => { for (let a = el.parentElement; a; a = a.parentElement) if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return true; return false; };
    for (const el of document.querySelectorAll("body *")) {
      if (scrolls(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 0.5 && r.width > 0) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).replace(/ /g, ".") : "") + " to " + Math.round(r.right));
    }
    out.push("the page is " + document.scrollingElement.scrollWidth + " px wide in a " + innerWidth + " px window: " + wide.slice(0, 6).join(", "));
  }
  return out;
})()`

// Every page an organizer works in — dashboard (with what needs review), community settings,
// members, invitations, messages, the campaign's edit pages, a demand,
// petition and pledge forms and management (with a review queue),
// confirmations, and forms shown again with their errors — in English and
// in French on a 390 px phone: none scrolls sideways, no id is used twice,
// and every label points at a field of its own form.
func TestOrganizerPagesOnAPhoneHaveOwnLabelsAndNoSidewaysScroll(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		token, campaignID := campaignByAPI(t, app)
		var p struct {
			Identifiers []string `json:"identifiers"`
			BrowserURL  string   `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/petitions", token, map[string]any{"title": "Stop tracking", "petition_text": "Stop tracking us.",
			"campaign": campaignID, "goal": 5000}, &p); st != http.StatusCreated {
			t.Fatalf("create petition: %d", st)
		}
		petition := strings.TrimPrefix(p.BrowserURL, app.URL)
		for i := range 22 { // the per-address burst is 20 a minute: two flagged, for the review queue
			if st := app.API(t, "POST", "/api/v1/petitions/"+strings.TrimPrefix(p.Identifiers[0], "repertoire:")+"/signatures", "", map[string]any{
				"person": map[string]any{"email_addresses": []map[string]any{{"address": "signer" + string(rune('a'+i)) + "@flood.example"}}}}, nil); st != http.StatusAccepted {
				t.Fatalf("signature %d: %d", i, st)
			}
		}
		now := time.Now()
		var pl struct {
			Identifiers []string `json:"identifiers"`
			BrowserURL  string   `json:"browser_url"`
		}
		if st := app.API(t, "POST", "/api/v1/pledges", token, map[string]any{"title": "Log out for a day", "action": "log out for a day", "campaign": campaignID,
			"threshold": 2000, "deadline": now.Add(72 * time.Hour).Format(time.RFC3339), "window_start": now.Add(96 * time.Hour).Format(time.RFC3339),
			"window_end": now.Add(120 * time.Hour).Format(time.RFC3339)}, &pl); st != http.StatusCreated {
			t.Fatalf("create pledge: %d", st)
		}
		pledge := strings.TrimPrefix(pl.BrowserURL, app.URL)
		if st := app.API(t, "POST", "/api/v1/pledges/"+strings.TrimPrefix(pl.Identifiers[0], "repertoire:")+"/commitments", token, map[string]any{
			"person":        map[string]any{"given_name": "Bartholomew", "family_name": "Longname-Etherington", "email_addresses": []map[string]any{{"address": "bartholomew.longname-etherington@example.org"}}},
			"origin_system": "paper"}, nil); st != http.StatusCreated {
			t.Fatalf("import a commitment: %d", st)
		}

		b := app.Browser()
		b.SignIn(t, "olga@example.org", "correct horse battery")
		base := "/c/fb-users/terms"
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{base + "/sections", url.Values{"title": {"Transparency"}, "demands": {"Publish the ranking rules\nTell each user why they saw an ad"}}},
			{base + "/sections", url.Values{"title": {"Control"}, "demands": {"A feed in time order for everyone"}}},
			{base + "/updates", url.Values{"title": {"Letter sent to the platform"}, "body": {"We asked for an answer within a month."}, "published_date": {"2026-11-02"}}},
			{base + "/coverage", url.Values{"kind": {"article"}, "date": {"2026-11-05"}, "outlet": {"Le Monde"}, "title": {"Users organize against tracking"}, "language": {"fr"}}},
			{"/c/fb-users/invitations", nil},
			{base + "/ledger", url.Values{"date": {"2026-11-20"}, "kind": {"promotion"}, "channel": {"Posters"}, "amount": {"120.50"}, "currency": {"EUR"}}},
			{"/c/fb-users/messages", url.Values{"do": {"save"}, "include": {"members"}, "from_name": {"Olga"}, "subject_en": {"Hello"}, "body_en": {"Hello **all**."}}},
		} {
			if st, body := b.Post(t, post.path, post.form); st != http.StatusOK {
				t.Fatalf("post %s: %d\n%s", post.path, st, body)
			}
		}
		var demand, message string
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM demands ORDER BY position LIMIT 1`).Scan(&demand); err != nil {
			t.Fatal(err)
		}
		if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM messages LIMIT 1`).Scan(&message); err != nil {
			t.Fatalf("the message was not saved: %v", err)
		}

		pages := []string{
			"/dashboard", "/communities/new", "/c/fb-users", "/c/fb-users/edit", "/c/fb-users/members", "/c/fb-users/invitations",
			"/c/fb-users/messages", "/c/fb-users/messages/new", "/messages/" + message, "/messages/" + message + "/edit", "/messages/" + message + "/send",
			"/c/fb-users/campaigns/new", base + "/edit", base + "/edit/demands", base + "/edit/timeline", base + "/edit/coverage", base + "/demands/" + demand,
			base + "/petitions/new", petition + "/edit", petition + "/manage", base + "/pledges/new", pledge + "/edit", pledge + "/manage",
			"/c/fb-users/integrity", base + "/ledger", base + "/events/new", base + "/letters/new", base + "/legal/new", "/c/fb-users/decisions/new",
		}
		var ctx context.Context
		check := func(what string) {
			t.Helper()
			for _, problem := range Get(t, ctx, "read "+what, chromedp.Evaluate[[]string](pageProblems)) {
				t.Errorf("%s: %s", what, problem)
			}
		}
		// refuse submits the form of the selector with its fields emptied
		// and checks the page that comes back with its errors.
		refuse := func(lang, path, form string) {
			t.Helper()
			Run(t, ctx, "refuse "+path,
				chromedp.Navigate(app.URL+path),
				chromedp.WaitVisible(form),
				chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector(`+jsString(form)+`);
  for (const el of f.querySelectorAll("input[type=text], input[type=email], input[type=number], input[type=date], input[type=datetime-local], input:not([type]), textarea")) el.value = "";
  for (const el of f.querySelectorAll("input[type=checkbox]")) el.checked = false;
  f.noValidate = true;
  f.requestSubmit(f.querySelector("button[type=submit]:not(.secondary), button:not([type])") || undefined); })()`),
				chromedp.WaitVisible(`.field-error`),
				chromedp.Poll[chromedp.Void](`document.readyState === "complete"`), // forms.js has run
			)
			check(lang + " " + path + " refused")
			// Errors where the eye is: the summary at the refused form,
			// focused and in view.
			where := Get(t, ctx, "find the summary", chromedp.Evaluate[string](`(() => { const f = document.querySelector(`+jsString(form)+`);
  const s = document.querySelector(".form-errors");
  if (!s) return "no error summary";
  if (!f) return "the form is gone";
  if (!f.contains(s) && s.nextElementSibling !== f) return "the summary is not at the form";
  if (document.activeElement !== s) return "the focus is on " + (document.activeElement.id || document.activeElement.tagName);
  const r = s.getBoundingClientRect();
  if (r.top < 0 || r.top > innerHeight) return "the summary is out of view";
  return "";
})()`))
			if where != "" {
				t.Errorf("%s %s refused: %s", lang, path, where)
			}
		}
		for _, lang := range []string{"en", "fr"} {
			// A browser each: one walk of the pages takes a good part of a
			// browser's three minutes on a loaded machine.
			ctx = Browser(t, 390, 844)
			Run(t, ctx, "sign in",
				chromedp.Navigate(app.URL+"/signin"),
				chromedp.WaitVisible(`#f-email`),
				chromedp.SendKeys(`#f-email`, "olga@example.org"),
				chromedp.SendKeys(`#f-password`, "correct horse battery"),
				chromedp.Click(`main button[type="submit"]`),
				chromedp.WaitVisible(`.dashboard-community`),
			)
			Run(t, ctx, "switch to "+lang, chromedp.Navigate(app.URL+"/lang/"+lang+"?next=/dashboard"), chromedp.WaitVisible(`.dashboard-review`))
			// What needs review: the two flagged signatures, linked to the petition's queue.
			want := map[string]string{"en": "Stop tracking: 2 flagged signatures to review", "fr": "Stop tracking : 2 signatures signalées à examiner"}[lang]
			if review := Get(t, ctx, "read what needs review", chromedp.Text(`.dashboard-review`)); !strings.Contains(review, want) {
				t.Errorf("dashboard in %s: %q is not in what needs review: %q", lang, want, review)
			}
			for _, path := range pages {
				Run(t, ctx, "open "+path, chromedp.Navigate(app.URL+path), chromedp.WaitVisible(`main h1`))
				check(lang + " " + path)
			}
			Run(t, ctx, "make an invitation link",
				chromedp.Navigate(app.URL+"/c/fb-users/invitations"),
				chromedp.Click(`form[action="/c/fb-users/invitations"] button`),
				chromedp.WaitVisible(`#new-link`),
			)
			check(lang + " a new invitation link")
			// The confirmations of destructive steps, reached by their buttons.
			Run(t, ctx, "ask to deliver",
				chromedp.Navigate(app.URL+petition+"/manage"),
				chromedp.Click(`form[action$="/deliver"] button[type="submit"]`),
				chromedp.WaitReady(`input[name="confirm"][value="yes"]`),
			)
			check(lang + " delivery's confirmation")
			Run(t, ctx, "ask to delete a section",
				chromedp.Navigate(app.URL+base+"/edit/demands"),
				chromedp.Click(`form[action$="/delete"] button.danger`),
				chromedp.WaitReady(`input[name="confirm"][value="yes"]`),
			)
			check(lang + " section deletion's confirmation")
			// Forms sent back with their errors.
			refuse(lang, "/c/fb-users/edit", `main form[action="/c/fb-users/edit"]`)
			refuse(lang, "/communities/new", `main form[action="/communities"]`)
			refuse(lang, base+"/edit", `main form[action="`+base+`/edit"]`)
			refuse(lang, base+"/edit/demands", `#new-section`)
			refuse(lang, base+"/edit/demands", `.demand-section form.row-form`)
			refuse(lang, base+"/edit/demands", `.demand-section form[action$="/demands"]`)
			refuse(lang, base+"/demands/"+demand, `main form[action$="/edit"]`)
			refuse(lang, base+"/edit/timeline", `#new-update`)
			refuse(lang, base+"/edit/coverage", `#new-coverage`)
			refuse(lang, petition+"/edit", `main form[action="`+petition+`/edit"]`)
			refuse(lang, pledge+"/edit", `main form[action="`+pledge+`/edit"]`)
			refuse(lang, "/c/fb-users/messages/new", `main form[action="/c/fb-users/messages"]`)
			refuse(lang, "/messages/"+message+"/send", `main form:has(input[name="when"][value="later"])`)
			refuse(lang, "/c/fb-users/invitations", `main form[action="/c/fb-users/invitations/mail"]`)
			refuse(lang, "/c/fb-users/campaigns/new", `main form[action="/c/fb-users/campaigns"]`)
			refuse(lang, base+"/petitions/new", `main form[action="`+base+`/petitions"]`)
			refuse(lang, base+"/pledges/new", `main form[action="`+base+`/pledges"]`)
			refuse(lang, base+"/events/new", `main form[action="`+base+`/events"]`)
			refuse(lang, base+"/letters/new", `main form[action="`+base+`/letters"]`)
			refuse(lang, base+"/legal/new", `main form[action="`+base+`/legal"]`)
			refuse(lang, "/c/fb-users/decisions/new", `main form[action="/c/fb-users/decisions"]`)
			refuse(lang, base+"/ledger", `main form[action="`+base+`/ledger"]`)
		}
	})
}

// jsString quotes s for a script.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
