package gateway_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// A member whose consent is "ask me" is mailed and shown the policy that
// covers the category; nothing of theirs is served under it before they
// answer, their items are once they allow it, and no longer once they
// refuse it. Their answer is in their export and erased with them.
func TestAskMeConsent(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 1) // rider1 shares their two posts
		asker := f.member(t, "asker@example.org", "Asker Member", false)
		if err := f.vaults.SetConsent(ctx, asker, "posts", vault.AskMe); err != nil {
			t.Fatal(err)
		}
		f.decisions = decision.NewStore(f.db, app.Server.Catalog, app.URL, nil) // the adopting decision mails
		p := f.adopt(t, posts(gateway.LevelItem))

		m := app.Mail.Wait(t, "asker@example.org", "Platform Lab asks for your data")
		if !strings.Contains(m.Body, "Ranking study") || !strings.Contains(m.Body, "Posts") ||
			!strings.Contains(m.Body, app.URL+"/account/vault#ask-"+p.ID) {
			t.Errorf("the mail asking:\n%s", m.Body)
		}
		for _, other := range app.Mail.All() {
			if slices.Contains(other.To, "rider1@example.org") && strings.Contains(other.Subject, "asks for your data") {
				t.Error("a member who shares was asked")
			}
		}

		served := func() (mine, all int) {
			t.Helper()
			var page items
			if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &page); st != 200 {
				t.Fatalf("items: %d", st)
			}
			for _, it := range page.Items {
				if it.Person == asker {
					mine++
				}
			}
			return mine, len(page.Items)
		}
		if mine, all := served(); mine != 0 || all != 2 {
			t.Fatalf("before the answer: %d of theirs, %d in all", mine, all)
		}

		b := app.Browser()
		b.SignIn(t, "asker@example.org", password)
		st, body := b.Get(t, "/account/vault")
		if st != 200 || !strings.Contains(body, `id="ask-`+p.ID+`"`) || !strings.Contains(body, "Platform Lab") ||
			!strings.Contains(body, "Ranking study") || !strings.Contains(body, "Study of ranking") || !strings.Contains(body, "not answered yet") {
			t.Fatalf("the vault page's notice: %d\n%s", st, body)
		}
		b.Lang = "fr"
		if _, body := b.Get(t, "/account/vault"); !strings.Contains(body, "Des règles demandent vos données") {
			t.Error("the notice in French")
		}
		b.Lang = "en"
		// A category nobody asks about is refused.
		if st, _ := b.Post(t, "/account/vault/answers", url.Values{"policy": {p.ID}, "category": {"comments"}, "answer": {"allow"}}); st != 422 {
			t.Errorf("an answer nobody asked for: %d", st)
		}

		if st, body := b.Post(t, "/account/vault/answers", url.Values{"policy": {p.ID}, "category": {"posts"}, "answer": {"allow"}}); st != 200 ||
			!strings.Contains(body, "Your answer was saved.") {
			t.Fatalf("allow: %d", st)
		}
		if mine, all := served(); mine != 2 || all != 4 {
			t.Fatalf("after allowing: %d of theirs, %d in all", mine, all)
		}
		if st, _ := b.Post(t, "/account/vault/answers", url.Values{"policy": {p.ID}, "category": {"posts"}, "answer": {"refuse"}}); st != 200 {
			t.Fatalf("refuse: %d", st)
		}
		if mine, all := served(); mine != 0 || all != 2 {
			t.Fatalf("after refusing: %d of theirs, %d in all", mine, all)
		}
		if _, body := b.Get(t, "/account/vault"); !strings.Contains(body, "refused") {
			t.Error("the refusal is not shown")
		}

		_, body = b.Get(t, "/account/export")
		var export struct {
			Answers []map[string]any `json:"vault_answers"`
		}
		if err := json.Unmarshal([]byte(body), &export); err != nil {
			t.Fatal(err)
		}
		if len(export.Answers) != 1 || export.Answers[0]["policy_id"] != p.ID || export.Answers[0]["category"] != "posts" {
			t.Errorf("the answers exported: %v", export.Answers)
		}
		if st, _ := b.Post(t, "/account/delete", url.Values{"delete_confirm": {"asker@example.org"}}); st != 200 {
			t.Fatalf("delete account: %d", st)
		}
		if answers, err := f.vaults.Answers(ctx, asker); err != nil || len(answers) != 0 {
			t.Errorf("answers left after the erasure: %v %v", answers, err)
		}
	})
}
