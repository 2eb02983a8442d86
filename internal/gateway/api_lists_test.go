package gateway_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/gateway"
	"repertoire/internal/testkit"
)

type collection struct {
	Total    int                        `json:"total_records"`
	Pages    int                        `json:"total_pages"`
	Links    map[string]json.RawMessage `json:"_links"`
	Embedded map[string][]struct {
		ID       string  `json:"id"`
		Level    string  `json:"level"`
		Scope    string  `json:"scope"`
		InForce  bool    `json:"in_force"`
		Active   bool    `json:"active"`
		Decision *string `json:"decision"`
	} `json:"_embedded"`
}

// The organizers' API lists a community's policies and strikes, adopted
// or proposed, newest first, in pages, filtered like every collection;
// members get 403, the entry point links both.
func TestOrganizersListPoliciesAndStrikes(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 2)
		org, err := account.CreateToken(ctx, f.db, "olga@example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		member, err := account.CreateToken(ctx, f.db, "rider1@example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		adopted := f.adopt(t, posts(gateway.LevelItem))
		proposed := posts(gateway.LevelAggregate)
		proposed.ConsumerID = f.consumer.ID
		if _, err := f.gw.ProposePolicy(ctx, f.community.ID, proposed); err != nil {
			t.Fatal(err)
		}
		third := posts(gateway.LevelPseudonym)
		third.ConsumerID = f.consumer.ID
		last, err := f.gw.ProposePolicy(ctx, f.community.ID, third)
		if err != nil {
			t.Fatal(err)
		}

		var page collection
		if st := app.API(t, "GET", "/api/v1/gateway/policies?community=riders&per_page=2", org, nil, &page); st != 200 {
			t.Fatalf("policies: %d", st)
		}
		ps := page.Embedded["repertoire:gateway_policies"]
		if page.Total != 3 || page.Pages != 2 || len(ps) != 2 || ps[0].ID != last.ID || page.Links["next"] == nil {
			t.Fatalf("first page of policies: %+v", page)
		}
		if st := app.API(t, "GET", "/api/v1/gateway/policies?community=riders&per_page=2&page=2", org, nil, &page); st != 200 {
			t.Fatalf("policies, page 2: %d", st)
		}
		ps = page.Embedded["repertoire:gateway_policies"]
		if len(ps) != 1 || ps[0].ID != adopted.ID || !ps[0].InForce || ps[0].Decision == nil {
			t.Fatalf("second page of policies: %+v", ps)
		}
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		if st := app.API(t, "GET", "/api/v1/gateway/policies?community=riders&filter="+url.QueryEscape("created_date gt '"+tomorrow+"'"),
			org, nil, &page); st != 200 || page.Total != 0 {
			t.Fatalf("policies created after tomorrow: %d, %d", st, page.Total)
		}
		if st := app.API(t, "GET", "/api/v1/gateway/policies?community=riders&filter="+url.QueryEscape("level eq 'item'"), org, nil, nil); st != 422 {
			t.Errorf("a filter on a field the collection has not: %d", st)
		}

		now := time.Now().UTC()
		called, err := f.gw.ProposeStrike(ctx, f.community.ID, gateway.StrikeInput{Scope: gateway.ScopeMembers, Reason: "Stop the ranking change",
			StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.decisions.RecordPast(ctx, f.org, f.community.ID, gatewayStrikeVote(called.ID, now, len(f.members))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.gw.ProposeStrike(ctx, f.community.ID, gateway.StrikeInput{Scope: gateway.ScopeJoined, Reason: "Later",
			StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "GET", "/api/v1/gateway/strikes?community="+f.community.ID, org, nil, &page); st != 200 {
			t.Fatalf("strikes: %d", st)
		}
		ss := page.Embedded["repertoire:gateway_strikes"]
		if page.Total != 2 || len(ss) != 2 || ss[1].ID != called.ID || !ss[1].Active || ss[1].Decision == nil || ss[0].Active ||
			ss[0].Scope != gateway.ScopeJoined {
			t.Fatalf("strikes: %+v", page)
		}

		for _, path := range []string{"/api/v1/gateway/policies?community=riders", "/api/v1/gateway/strikes?community=riders"} {
			if st := app.API(t, "GET", path, member, nil, nil); st != 403 {
				t.Errorf("a member reading %s: %d", path, st)
			}
			if st := app.API(t, "GET", path, "", nil, nil); st != 401 {
				t.Errorf("no token reading %s: %d", path, st)
			}
		}
		if st := app.API(t, "GET", "/api/v1/gateway/policies?community=nowhere", org, nil, nil); st != 404 {
			t.Errorf("an unknown community: %d", st)
		}

		var entry struct {
			Links map[string]json.RawMessage `json:"_links"`
		}
		if st := app.API(t, "GET", "/api/v1", "", nil, &entry); st != 200 {
			t.Fatalf("the entry point: %d", st)
		}
		for rel, path := range map[string]string{"repertoire:gateway_policies": "/gateway/policies", "repertoire:gateway_strikes": "/gateway/strikes"} {
			var link struct{ Href string }
			if json.Unmarshal(entry.Links[rel], &link); link.Href != app.URL+"/api/v1"+path {
				t.Errorf("the entry point's link %s: %s", rel, entry.Links[rel])
			}
		}
	})
}
