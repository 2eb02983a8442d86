package gateway_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"repertoire/internal/gateway"
	"repertoire/internal/testkit"
)

// Organizers register a consumer, make it a key shown once, propose a
// policy and a strike that go to a vote; a member sees who read their
// data. In both languages, and a refused form keeps what was typed.
func TestGatewayPages(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		olga := app.Browser()
		olga.SignIn(t, "olga@example.org", password)

		st, body := olga.Get(t, "/c/riders/gateway")
		if st != 200 || !strings.Contains(body, "Platform Lab") || !strings.Contains(body, "Register a consumer") {
			t.Fatalf("overview: %d\n%s", st, body)
		}
		olga.Lang = "fr"
		if st, body := olga.Get(t, "/c/riders/gateway"); st != 200 || !strings.Contains(body, "Enregistrer un destinataire") {
			t.Fatalf("overview in French: %d", st)
		}
		olga.Lang = "en"

		// A refused consumer: 422, the field named, what was typed kept.
		st, body = olga.Post(t, "/c/riders/gateway/consumers", url.Values{"name": {""}, "purpose": {"Audit of ads targeting"}, "licence": {"CC BY-NC"}, "contact": {"audit@example.net"}})
		if st != 422 || !strings.Contains(body, "Audit of ads targeting") || !strings.Contains(body, `id="e-c-name"`) {
			t.Fatalf("refused consumer: %d\n%s", st, body)
		}
		st, body = olga.Post(t, "/c/riders/gateway/consumers", url.Values{"name": {"Ads Audit"}, "purpose": {"Audit of ads targeting"}, "licence": {"CC BY-NC"}, "contact": {"audit@example.net"}})
		if st != 200 || !strings.Contains(body, "Ads Audit") || !strings.Contains(body, "Make a key") {
			t.Fatalf("consumer page: %d\n%s", st, body)
		}
		id := regexp.MustCompile(`/gateway/consumers/([0-9a-f-]{36})/keys"`).FindStringSubmatch(body)
		if id == nil {
			t.Fatalf("no key form on\n%s", body)
		}
		st, body = olga.Post(t, "/c/riders/gateway/consumers/"+id[1]+"/keys", url.Values{"name": {"audit team"}})
		key := regexp.MustCompile(`<code id="new-key">([^<]+)</code>`).FindStringSubmatch(body)
		if st != 200 || key == nil {
			t.Fatalf("new key: %d\n%s", st, body)
		}
		if _, again := olga.Get(t, "/c/riders/gateway/consumers/"+id[1]); strings.Contains(again, key[1]) {
			t.Error("the key is shown again")
		}

		// Revoking the key asks first; confirmed, the key is revoked.
		_, page := olga.Get(t, "/c/riders/gateway/consumers/"+id[1])
		revoke := regexp.MustCompile(`action="(/c/riders/gateway/consumers/[^"]+/revoke)"`).FindStringSubmatch(page)
		if revoke == nil {
			t.Fatalf("no revoke form on\n%s", page)
		}
		if st, body := olga.Post(t, revoke[1], url.Values{}); st != 200 || !strings.Contains(body, "Revoke this key of Ads Audit?") {
			t.Fatalf("revoke without confirming: %d\n%s", st, body)
		}
		if _, page := olga.Get(t, "/c/riders/gateway/consumers/"+id[1]); strings.Contains(page, "Revoked on") {
			t.Fatal("the key was revoked before it was confirmed")
		}
		if st, _ := olga.Post(t, revoke[1], url.Values{"confirm": {"yes"}}); st != 200 && st != 303 {
			t.Fatalf("revoke confirmed: %d", st)
		}
		if _, page := olga.Get(t, "/c/riders/gateway/consumers/"+id[1]); !strings.Contains(page, "Revoked on") {
			t.Fatalf("the key is not revoked:\n%s", page)
		}

		// A policy: refused without categories, then proposed and sent to the vote's form.
		now := time.Now().UTC()
		policy := url.Values{"consumer": {f.consumer.ID}, "level": {gateway.LevelAggregate}, "min_group": {"5"}, "rate_per_min": {"60"},
			"items_per_day": {"1000"}, "purpose": {"Counts of posting"}, "starts_at": {now.Format("2006-01-02T15:04")},
			"ends_at": {now.AddDate(0, 6, 0).Format("2006-01-02T15:04")}}
		if st, body := olga.Post(t, "/c/riders/gateway/policies", policy); st != 422 || !strings.Contains(body, "Choose at least one category") ||
			!strings.Contains(body, "Counts of posting") {
			t.Fatalf("policy without categories: %d", st)
		}
		policy["categories"] = []string{"posts", "reactions"}
		st, body = olga.Post(t, "/c/riders/gateway/policies", policy)
		if st != 200 || !strings.Contains(body, `<option value="data_policy" selected>`) || !strings.Contains(body, "Platform Lab — Aggregates only") {
			t.Fatalf("the vote's form for the policy: %d\n%s", st, body)
		}
		st, body = olga.Post(t, "/c/riders/gateway/strikes", url.Values{"scope": {gateway.ScopeJoined}, "reason": {"Stop the ranking change"},
			"starts_at": {now.Add(time.Hour).Format("2006-01-02T15:04")}, "ends_at": {now.Add(-time.Hour).Format("2006-01-02T15:04")}})
		if st != 422 || !strings.Contains(body, "The end must come after the start") {
			t.Fatalf("strike ending before it starts: %d", st)
		}

		// A member sees who read their data once a consumer read it; the
		// decision's page shows what was voted.
		adopted := f.adopt(t, posts(gateway.LevelPseudonym))
		adopted, err := f.gw.Policy(context.Background(), adopted.ID)
		if err != nil || adopted.DecisionID == "" {
			t.Fatalf("adopted policy: %+v %v", adopted, err)
		}
		if st, body := olga.Get(t, "/decisions/"+adopted.DecisionID); st != 200 || !strings.Contains(body, "The data policy put to the vote") ||
			!strings.Contains(body, "Platform Lab") || !strings.Contains(body, "The data policy is in force") {
			t.Fatalf("the decision's page: %d\n%s", st, body)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, nil); st != 200 {
			t.Fatalf("read: %d", st)
		}
		rider := app.Browser()
		rider.SignIn(t, "rider1@example.org", password)
		if st, body := rider.Get(t, "/account/data-access"); st != 200 || !strings.Contains(body, "Platform Lab") || !strings.Contains(body, "Posts") {
			t.Fatalf("who read my data: %d\n%s", st, body)
		}
		rider.Lang = "fr"
		if st, body := rider.Get(t, "/account/data-access"); st != 200 || !strings.Contains(body, "Qui a lu mes données") || !strings.Contains(body, "Publications") {
			t.Fatalf("who read my data in French: %d", st)
		}
		// Members cannot register consumers; the access log is the organizers'.
		if st, _ := rider.Post(t, "/c/riders/gateway/consumers", url.Values{"name": {"X"}}); st != 403 {
			t.Errorf("a member registering a consumer: %d", st)
		}
		if st, _ := rider.Get(t, "/c/riders/gateway/consumers/"+f.consumer.ID); st != 403 {
			t.Errorf("a member reading the access log: %d", st)
		}
		if st, body := olga.Get(t, "/c/riders/gateway/consumers/"+f.consumer.ID); st != 200 || !strings.Contains(body, "Allowed") {
			t.Errorf("the consumer's access log: %d", st)
		}
	})
}
