package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/gateway"
	"repertoire/internal/store"
	"repertoire/internal/testkit"
	"repertoire/internal/translog"
)

func TestConsumerReadsWhatPolicyAndConsentAllow(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 3)
		refuser := f.member(t, "nope@example.org", "Nora Nope", false)
		outsider, err := account.CreateUser(ctx, f.db, account.NewUser{Email: "out@example.org", Name: "Otto Outsider", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		f.deposit(t, outsider, true) // shares, but is no member

		var p problem
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", "", &p); st != 401 {
			t.Fatalf("no key: %d", st)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", "bad.key", &p); st != 401 {
			t.Fatalf("wrong key: %d", st)
		}
		// No policy, no access.
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoPolicy {
			t.Fatalf("without a policy: %d %+v", st, p)
		}
		// A policy proposed but not voted is no policy either.
		in := posts(gateway.LevelPseudonym)
		in.ConsumerID = f.consumer.ID
		if _, err := f.gw.ProposePolicy(ctx, f.community.ID, in); err != nil {
			t.Fatal(err)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoPolicy {
			t.Fatalf("with a policy not adopted: %d %+v", st, p)
		}
		size0 := logSize(t, f.db)
		pol := f.adopt(t, posts(gateway.LevelPseudonym))

		var got items
		eventually(t, "the adopted policy in force", func() bool {
			st, _ := get(t, app, "/gateway/v1/items?category=posts&limit=100", f.key, &got)
			return st == 200
		})
		if len(got.Items) != 6 || got.Policy != pol.ID || got.Level != gateway.LevelPseudonym {
			t.Fatalf("items: %d under %s at %s; want the 6 posts of the 3 sharing members", len(got.Items), got.Policy, got.Level)
		}
		persons := map[string]bool{}
		for _, it := range got.Items {
			persons[it.Person] = true
			for _, id := range append(slices.Clone(f.members), outsider) {
				if it.Person == id {
					t.Errorf("a pseudonymized item names its owner's id")
				}
			}
			if strings.Contains(string(it.Data), refuser) || strings.Contains(string(it.Data), outsider) {
				t.Errorf("served the data of someone not sharing or not a member: %s", it.Data)
			}
		}
		if len(persons) != 3 || !persons[f.consumer.Pseudonym(f.members[0])] {
			t.Errorf("pseudonyms: %v; want the consumer's HMAC of each of 3 members", persons)
		}
		// Each member's access is recorded, under the policy, and appended to the log.
		as, err := f.gw.PersonAccesses(ctx, f.members[0], 10)
		if err != nil || len(as) != 1 || as[0].Items != 2 || as[0].PolicyID != pol.ID || as[0].ConsumerName != "Platform Lab" {
			t.Fatalf("member's accesses: %+v, %v", as, err)
		}
		if as, _ := f.gw.PersonAccesses(ctx, refuser, 10); len(as) != 0 {
			t.Errorf("the member who does not share has accesses: %+v", as)
		}
		if n := logSize(t, f.db) - size0; n != 3 {
			t.Errorf("log grew by %d leaves; want one per member read", n)
		}
		// A consent withdrawn applies at the next request.
		if err := f.vaults.SetConsent(ctx, f.members[1], "posts", "do_not_share"); err != nil {
			t.Fatal(err)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 4 {
			t.Fatalf("after a consent withdrawn: %d, %d items; want 4", st, len(got.Items))
		}
		// Paging: after the last id, nothing more.
		if st, _ := get(t, app, "/gateway/v1/items?category=posts&limit=3", f.key, &got); st != 200 || len(got.Items) != 3 || got.Next == "" {
			t.Fatalf("first page: %d %+v", st, got)
		}
		next := got.Next
		if st, _ := get(t, app, "/gateway/v1/items?category=posts&limit=3&after="+url.QueryEscape(next), f.key, &got); st != 200 || len(got.Items) != 1 {
			t.Fatalf("second page: %d, %d items", st, len(got.Items))
		}
		// A category the policy does not cover, a bad one, aggregates without an aggregate policy.
		if st, _ := get(t, app, "/gateway/v1/items?category=comments", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoPolicy {
			t.Errorf("uncovered category: %d %+v", st, p)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=secrets", f.key, &p); st != 422 {
			t.Errorf("unknown category: %d %+v", st, p)
		}
		if st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoPolicy {
			t.Errorf("aggregates under an item policy: %d %+v", st, p)
		}
		// The organizers' access log has every request, decided.
		reqs, err := f.gw.Requests(ctx, f.consumer.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, r := range reqs {
			outcomes[r.Outcome+"/"+r.Reason]++
		}
		if outcomes["allowed/"] != 4 || outcomes["denied/no_policy"] < 4 {
			t.Errorf("access log: %v; want 4 allowed, 4 denied for no policy", outcomes)
		}
		// A revoked key opens nothing.
		c, _ := f.gw.Consumer(ctx, f.consumer.ID)
		if err := f.gw.RevokeKey(ctx, c.ID, c.Keys[0].ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked key refused", func() bool {
			st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p)
			return st == 401
		})
	})
}

func logSize(t *testing.T, db *store.DB) int64 {
	t.Helper()
	n, err := translog.Size(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAggregatesKeepTheMinimumGroup(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		in := posts(gateway.LevelAggregate)
		in.MinGroup = 3
		f.adopt(t, in)
		var doc struct {
			People     *int `json:"people"`
			Suppressed bool `json:"suppressed"`
		}
		if st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &doc); st != 200 || doc.People != nil || !doc.Suppressed {
			t.Fatalf("2 sharing under a minimum of 3: %d %+v", st, doc)
		}
		f.member(t, "third@example.org", "Third Member", true)
		eventually(t, "3 sharing counted once the new member is read", func() bool {
			st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &doc)
			return st == 200 && doc.People != nil && *doc.People == 3
		})
		var p problem
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoPolicy {
			t.Errorf("items under an aggregate policy: %d %+v", st, p)
		}
	})
}

func TestLimitsAndConsentDeny(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 2)
		in := posts(gateway.LevelItem)
		in.ItemsPerDay = 3
		in.Categories = []string{"posts", "comments"}
		f.adopt(t, in)
		var p problem
		if st, _ := get(t, app, "/gateway/v1/items?category=comments", f.key, &p); st != 403 || p.Reason != gateway.ReasonNoConsent {
			t.Fatalf("nobody shares comments: %d %+v", st, p)
		}
		var got items
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 3 {
			t.Fatalf("within the day's volume of 3: %d, %d items", st, len(got.Items))
		}
		if got.Items[0].Person != f.members[0] && got.Items[0].Person != f.members[1] {
			t.Errorf("item level names the owner: %q", got.Items[0].Person)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p); st != 429 || p.Reason != gateway.ReasonOverLimit {
			t.Fatalf("over the day's volume: %d %+v", st, p)
		}
		if n, _ := f.gw.Used(ctx, got.Policy, time.Now()); n != 3 {
			t.Errorf("volume used: %d", n)
		}
	})
}

func TestRateLimit(t *testing.T) {
	app := testkit.Start(t)
	f := setup(t, app, 1)
	in := posts(gateway.LevelItem)
	in.RatePerMin = 2
	f.adopt(t, in)
	var p problem
	for i := range 2 {
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, nil); st != 200 {
			t.Fatalf("request %d within the rate: %d", i, st)
		}
	}
	if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &p); st != 429 || p.Reason != gateway.ReasonOverLimit {
		t.Fatalf("third request in a minute: %d %+v", st, p)
	}
}

func TestDataStrikeDenies(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 3)
		f.adopt(t, posts(gateway.LevelPseudonym))
		var got items
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 6 {
			t.Fatalf("before the strike: %d, %d items", st, len(got.Items))
		}
		// A strike of those who join: the striker's data is left out.
		now := time.Now().UTC()
		joined, err := f.gw.ProposeStrike(ctx, f.community.ID, gateway.StrikeInput{Scope: gateway.ScopeJoined, Reason: "Stop the ranking change",
			StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.gw.JoinStrike(ctx, joined.ID, f.members[0]); err != nil {
			t.Fatal(err)
		}
		d := f.call(t, joined.ID)
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 4 {
			t.Fatalf("with one member on strike: %d, %d items; want 4", st, len(got.Items))
		}
		for _, it := range got.Items {
			if it.Person == f.consumer.Pseudonym(f.members[0]) {
				t.Errorf("served the striker's data")
			}
		}
		// Joining a strike already called takes effect at once.
		if err := f.gw.JoinStrike(ctx, joined.ID, f.members[1]); err != nil {
			t.Fatal(err)
		}
		if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 2 {
			t.Fatalf("with two members on strike: %d, %d items; want 2", st, len(got.Items))
		}
		// A strike of every member: 503, with the decision and the end.
		all, err := f.gw.ProposeStrike(ctx, f.community.ID, gateway.StrikeInput{Scope: gateway.ScopeMembers, Reason: "Everyone out",
			StartsAt: now.Add(-time.Minute), EndsAt: now.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		d = f.call(t, all.ID)
		var p problem
		st, h := get(t, app, "/gateway/v1/items?category=posts", f.key, &p)
		if st != 503 || p.Reason != gateway.ReasonStrike || !strings.HasSuffix(p.Decision, "/decisions/"+d) || p.Until == "" {
			t.Fatalf("during the strike: %d %+v", st, p)
		}
		if ra := h.Get("Retry-After"); ra == "" || ra == "5" {
			t.Errorf("Retry-After %q; want the seconds until the strike ends", ra)
		}
		reqs, _ := f.gw.Requests(ctx, f.consumer.ID, 1)
		if len(reqs) != 1 || reqs[0].Reason != gateway.ReasonStrike {
			t.Errorf("the log's last request: %+v; want denied for the strike", reqs)
		}
	})
}

// call has the members' vote call a strike; it returns the decision's id.
func (f *fixture) call(t testing.TB, strikeID string) string {
	t.Helper()
	now := time.Now().UTC()
	d, err := f.decisions.RecordPast(context.Background(), f.org, f.community.ID, gatewayStrikeVote(strikeID, now, len(f.members)))
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	app := testkit.Start(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if st, _ := get(t, app, "/gateway/v1/openapi.json", "", &doc); st != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %d %q", st, doc.OpenAPI)
	}
	for _, rt := range gateway.APIRoutes {
		if doc.Paths[rt.Path][strings.ToLower(rt.Method)] == nil {
			t.Errorf("%s %s is not in openapi.json", rt.Method, rt.Path)
		}
	}
	for path := range doc.Paths {
		if !slices.ContainsFunc(gateway.APIRoutes, func(r gateway.APIRoute) bool { return r.Path == path }) {
			t.Errorf("openapi.json documents %s, which no route serves", path)
		}
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), "items") {
		t.Error("no items path")
	}
}

// Deleting a community deletes its consumers' access history with it: the
// accesses name their request without a foreign key (migration 57), so
// the gateway's step of the deletion removes them; another community's
// history stays whole.
func TestDeletingACommunityDeletesItsAccessHistory(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 2)
		f.adopt(t, posts(gateway.LevelItem))
		var got items
		eventually(t, "the adopted policy in force", func() bool {
			st, _ := get(t, app, "/gateway/v1/items?category=posts&limit=100", f.key, &got)
			return st == 200 && len(got.Items) == 4
		})
		// Another community's consumer, with a request and an access.
		other, err := community.NewStore(f.db).Create(ctx, f.org, community.Input{Name: "Drivers union", Slug: "drivers"})
		if err != nil {
			t.Fatal(err)
		}
		lab, err := f.gw.CreateConsumer(ctx, other.ID, gateway.ConsumerInput{Name: "Other Lab", Purpose: "Study", Licence: "CC0", Contact: "o@example.edu"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_requests (id, consumer_id, endpoint, outcome, at) VALUES ('elsewhere', $1, 'items', 'allowed', $2)`,
				lab.ID, tx.Now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO gateway_accesses (person_id, at, request_id, items, item_ids) VALUES ($1, $2, 'elsewhere', 1, 'i1')`,
				f.members[0], tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := f.db.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM gateway_accesses WHERE request_id <> 'elsewhere'`); n != 2 {
			t.Fatalf("%d accesses recorded, want one per member read", n)
		}

		token, err := account.CreateToken(ctx, f.db, "olga@example.org", "test")
		if err != nil {
			t.Fatal(err)
		}
		if st := app.API(t, "DELETE", "/api/v1/communities/"+f.community.ID, token, nil, nil); st != http.StatusNoContent {
			t.Fatalf("delete the community: %d", st)
		}
		if n := count(`SELECT COUNT(*) FROM gateway_accesses WHERE request_id <> 'elsewhere'`); n != 0 {
			t.Errorf("%d accesses of the deleted community's consumer remain", n)
		}
		if n := count(`SELECT COUNT(*) FROM gateway_requests WHERE id <> 'elsewhere'`); n != 0 {
			t.Errorf("%d requests of the deleted community's consumer remain", n)
		}
		if n := count(`SELECT COUNT(*) FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id WHERE r.id = 'elsewhere'`); n != 1 {
			t.Errorf("the other community's access: %d rows, want 1", n)
		}
	})
}
