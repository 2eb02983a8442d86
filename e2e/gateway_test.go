package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// A member who shares their posts opens "who read my data" from the
// account page: nobody yet; a research consumer reads under the policy the
// members voted; the member's page now lists that access; a count of the
// members sharing their posts, under an aggregate policy, is listed too,
// of how many members.
func TestMemberSeesWhoReadTheirData(t *testing.T) {
	app := testkit.Start(t)
	ctx := context.Background()
	db := app.DB
	org, err := account.CreateUser(ctx, db, account.NewUser{Email: "olga@example.org", Name: "Olga Organizer", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	coms := community.NewStore(db)
	c, err := coms.Create(ctx, org, community.Input{Name: "Riders union", Slug: "riders"})
	if err != nil {
		t.Fatal(err)
	}
	member, err := account.CreateUser(ctx, db, account.NewUser{Email: "adele@example.org", Name: "Adèle Renée", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coms.Join(ctx, c.ID, member); err != nil {
		t.Fatal(err)
	}
	vaults := vault.NewStore(db)
	if _, err := vaults.Add(ctx, member, []vault.Item{{Category: "posts", Source: vault.SourceEntered, Kind: "post",
		Time: time.Date(2018, 5, 20, 9, 0, 0, 0, time.UTC), Data: json.RawMessage(`{"text":"Déconnexion le 25 mai"}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := vaults.SetConsent(ctx, member, "posts", vault.Share); err != nil {
		t.Fatal(err)
	}
	gw := gateway.NewStore(db)
	lab, err := gw.CreateConsumer(ctx, c.ID, gateway.ConsumerInput{Name: "Digital Labour Observatory", Purpose: "Ranking study", Licence: "DUA", Contact: "lab@example.edu"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := gw.CreateKey(ctx, lab.ID, "team")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p, err := gw.ProposePolicy(ctx, c.ID, gateway.PolicyInput{ConsumerID: lab.ID, Categories: []string{"posts"}, Level: gateway.LevelPseudonym,
		RatePerMin: 60, ItemsPerDay: 1000, Purpose: "Ranking study", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decision.NewStore(db, nil, "", nil).RecordPast(ctx, org, c.ID, decision.Past{
		Input:    decision.Input{Title: "Let the observatory read our posts", Kind: decision.KindDataPolicy, PolicyID: p.ID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Hour), Electorate: 2, Votes: map[string]int{decision.RoleFor: 2}}); err != nil {
		t.Fatal(err)
	}

	// A second member sharing, and a second policy: counts of at least two.
	other, err := account.CreateUser(ctx, db, account.NewUser{Email: "bruno@example.org", Name: "Bruno Dupont", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coms.Join(ctx, c.ID, other); err != nil {
		t.Fatal(err)
	}
	if _, err := vaults.Add(ctx, other, []vault.Item{{Category: "posts", Source: vault.SourceEntered, Kind: "post",
		Time: time.Date(2018, 5, 21, 9, 0, 0, 0, time.UTC), Data: json.RawMessage(`{"text":"Grève des données"}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := vaults.SetConsent(ctx, other, "posts", vault.Share); err != nil {
		t.Fatal(err)
	}
	counts, err := gw.ProposePolicy(ctx, c.ID, gateway.PolicyInput{ConsumerID: lab.ID, Categories: []string{"posts"}, Level: gateway.LevelAggregate,
		MinGroup: 2, RatePerMin: 60, ItemsPerDay: 1000, Purpose: "How many share", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decision.NewStore(db, nil, "", nil).RecordPast(ctx, org, c.ID, decision.Past{
		Input:    decision.Input{Title: "Let the observatory count us", Kind: decision.KindDataPolicy, PolicyID: counts.ID, Threshold: decision.Majority},
		OpenedAt: now.Add(-2 * time.Hour), ClosedAt: now.Add(-time.Hour), Electorate: 3, Votes: map[string]int{decision.RoleFor: 2}}); err != nil {
		t.Fatal(err)
	}

	b := Browser(t, 1024, 900)
	Run(t, b, "sign in",
		chromedp.Navigate(app.URL+"/signin"),
		chromedp.SendKeys(`#f-email`, "adele@example.org"),
		chromedp.SendKeys(`#f-password`, "correct horse battery"),
		chromedp.Click(`main button[type="submit"]`),
		chromedp.WaitVisible(`a[href="/account"]`),
	)
	Run(t, b, "open who read my data from the account page",
		chromedp.Navigate(app.URL+"/account"),
		chromedp.Click(`main a[href="/account/data-access"]`),
		chromedp.WaitVisible(`main h1`),
	)
	if text := Get(t, b, "read the page", chromedp.Text(`main`)); !strings.Contains(text, "Nobody has read your data") {
		t.Fatalf("before any read: %q", text)
	}

	req, _ := http.NewRequest("GET", app.URL+"/gateway/v1/items?category=posts", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the consumer's read: %v %v", res, err)
	}
	res.Body.Close()

	Run(t, b, "reload", chromedp.Reload(), chromedp.WaitVisible(`#accesses`))
	if text := Get(t, b, "read the accesses", chromedp.Text(`#accesses`)); !strings.Contains(text, "Digital Labour Observatory") || !strings.Contains(text, "Posts") {
		t.Fatalf("the access listed: %q", text)
	}
	checkMoments(t, b, "the accesses' times", "#accesses", "en", "UTC")

	req, _ = http.NewRequest("GET", app.URL+"/gateway/v1/aggregates?category=posts", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the consumer's count: %v %v", res, err)
	}
	res.Body.Close()
	Run(t, b, "reload after the count", chromedp.Reload(), chromedp.WaitVisible(`#accesses .aggregate`))
	if text := Get(t, b, "read the aggregate", chromedp.Text(`#accesses tbody tr:first-child`)); !strings.Contains(text, "in an aggregate of 2 members") ||
		!strings.Contains(text, "Digital Labour Observatory") || !strings.Contains(text, counts.ID) {
		t.Fatalf("the aggregate listed: %q", text)
	}

	// The organizer's log of the consumer's requests, in French: the
	// times in French on the instance's clock.
	o := Browser(t, 1024, 900)
	Run(t, o, "sign in as the organizer, in French",
		chromedp.Navigate(app.URL+"/lang/fr?next=/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, "olga@example.org"),
		chromedp.SendKeys(`#f-password`, "correct horse battery"),
		chromedp.Click(`main button[type="submit"]`),
		chromedp.WaitVisible(`form[action="/signout"]`),
		chromedp.Navigate(app.URL+"/c/riders/gateway/consumers/"+lab.ID),
		chromedp.WaitVisible(`main table time`),
	)
	checkMoments(t, o, "the requests' times", "main", "fr", "UTC")
}
