package gateway_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"repertoire/internal/gateway"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
	"repertoire/internal/vault"
)

// instances are two servers on one database: on PostgreSQL two processes'
// worth (each its own pool, listener and history writers), on SQLite the
// one process twice.
func instances(t *testing.T) map[string][2]*testkit.App {
	engines := map[string][2]*testkit.App{}
	sqlite := testkit.Start(t)
	engines["sqlite"] = [2]*testkit.App{sqlite, sqlite}
	if dsns := storetest.DSNs(t); dsns["postgres"] != "" {
		a := testkit.StartOn(t, storetest.MustOpen(t, dsns["postgres"]))
		b := testkit.StartOn(t, storetest.MustOpen(t, dsns["postgres"]))
		engines["postgres"] = [2]*testkit.App{a, b}
	}
	return engines
}

// burst sends n requests at once, alternately to each instance, and
// returns their statuses and the items each served. It is sent again when
// it crossed a minute, the rate's window.
func burst(t *testing.T, apps [2]*testkit.App, key, path string, n int) (map[int]int, int) {
	t.Helper()
	for {
		start := time.Now().UTC()
		statuses, served := map[int]int{}, 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var got items
				st, _ := get(t, apps[i%2], path, key, &got)
				mu.Lock()
				statuses[st]++
				if st == 200 {
					served += len(got.Items)
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if start.Truncate(time.Minute).Equal(time.Now().UTC().Truncate(time.Minute)) {
			return statuses, served
		}
		time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 100*time.Millisecond))) // a fresh minute
	}
}

// TestRateHoldsAcrossInstances: a policy's rate is what every instance
// serves together, not each: 30 requests at once, half to each of two
// servers on one database, under a rate of 10 a minute.
func TestRateHoldsAcrossInstances(t *testing.T) {
	for name, apps := range instances(t) {
		t.Run(name, func(t *testing.T) {
			f := setup(t, apps[0], 2)
			in := posts(gateway.LevelItem)
			in.RatePerMin = 10
			f.adopt(t, in)
			statuses, _ := burst(t, apps, f.key, "/gateway/v1/items?category=posts", 30)
			if statuses[200] != 10 || statuses[429] != 20 {
				t.Fatalf("answers %v; want 10 allowed and 20 over the rate, on both instances together", statuses)
			}
			reqs, err := f.gw.Requests(context.Background(), f.consumer.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			outcomes := map[string]int{}
			for _, r := range reqs {
				outcomes[r.Outcome+"/"+r.Reason]++
			}
			if outcomes["allowed/"] != 10 || outcomes["denied/over_limit"] != 20 {
				t.Errorf("access log %v; want the same decisions", outcomes)
			}
		})
	}
}

// TestVolumeHoldsAcrossInstances: the items a day of a policy, served by
// two instances at once, never go over it.
func TestVolumeHoldsAcrossInstances(t *testing.T) {
	for name, apps := range instances(t) {
		t.Run(name, func(t *testing.T) {
			f := setup(t, apps[0], 4) // 8 posts shared
			in := posts(gateway.LevelItem)
			in.ItemsPerDay = 5
			p := f.adopt(t, in)
			statuses, served := burst(t, apps, f.key, "/gateway/v1/items?category=posts&limit=2", 12)
			if served > 5 || statuses[200] == 0 || statuses[429] == 0 {
				t.Fatalf("served %d items (answers %v); want some, and at most the day's 5", served, statuses)
			}
			if used, err := f.gw.Used(context.Background(), p.ID, time.Now()); err != nil || used != served {
				t.Errorf("volume used %d, %v; want the %d served", used, err, served)
			}
			// The requests turned back over the volume left no access on
			// the members' pages: theirs are the items served.
			read := 0
			for _, m := range f.members {
				as, err := f.gw.PersonAccesses(context.Background(), m, 100)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range as {
					read += a.Items
				}
			}
			if read != served {
				t.Errorf("the members' pages list %d items read; want the %d served", read, served)
			}
		})
	}
}

// TestCountsKeepTheLatestWindow: a batch from an instance whose clock is
// behind (its day and minute before the policy's row of counts) counts in
// the row's day and minute, and never starts the earlier ones again — so
// the items served on the later day keep counting toward its volume.
func TestCountsKeepTheLatestWindow(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		f := setup(t, testkit.StartOn(t, db), 2)
		p := f.adopt(t, posts(gateway.LevelItem))
		type counted struct{ requests, items int }
		add := func(minute string, requests int, day string, items int) counted {
			t.Helper()
			var c counted
			if err := db.Write(context.Background(), func(tx *store.Tx) error {
				var err error
				c.requests, c.items, err = gateway.AddCounts(context.Background(), tx, p.ID, minute, requests, day, items)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if got := add("2026-12-03T00:00", 1, "2026-12-03", 3); got != (counted{1, 3}) {
			t.Fatalf("first batch of the day: %+v, want 1 request and 3 items", got)
		}
		// The lagging instance, still on the day before.
		if got := add("2026-12-02T23:59", 2, "2026-12-02", 4); got != (counted{3, 7}) {
			t.Errorf("batch from a clock behind: %+v, want it counted in the later minute and day (3 requests, 7 items)", got)
		}
		if got := add("2026-12-03T00:00", 1, "2026-12-03", 1); got != (counted{4, 8}) {
			t.Errorf("next batch of the day: %+v, want 4 requests and 8 items", got)
		}
		if used, err := f.gw.Used(context.Background(), p.ID, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)); err != nil || used != 8 {
			t.Errorf("volume used on the later day %d, %v; want 8", used, err)
		}
		// A later minute and day start from the batch's own counts.
		if got := add("2026-12-04T00:01", 1, "2026-12-04", 2); got != (counted{1, 2}) {
			t.Errorf("first batch of the next day: %+v, want 1 request and 2 items", got)
		}
	})
}

// TestAggregateOnMembersAccessPage: a member counted in an aggregate sees
// it on their access page (consumer, policy, when, of how many members);
// one not counted does not; a count suppressed under the minimum group
// reads nobody; the log has one leaf per member, policy and day; erasing a
// member leaves no row of them.
func TestAggregateOnMembersAccessPage(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 3)
		refuser := f.member(t, "nope@example.org", "Nora Nope", false)
		in := posts(gateway.LevelAggregate)
		in.MinGroup = 3
		p := f.adopt(t, in)
		size0 := logSize(t, f.db)
		var doc struct {
			People *int `json:"people"`
		}
		for range 2 {
			if st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &doc); st != 200 || doc.People == nil || *doc.People != 3 {
				t.Fatalf("aggregate: %d %+v", st, doc)
			}
		}
		for _, m := range f.members[:3] {
			as, err := f.gw.PersonAccesses(ctx, m, 10)
			if err != nil || len(as) != 2 {
				t.Fatalf("a counted member's accesses: %+v %v; want both aggregates", as, err)
			}
			for _, a := range as {
				if a.Aggregate != 3 || a.PolicyID != p.ID || a.ConsumerName != "Platform Lab" || a.Category != "posts" || a.Items != 0 || a.At.IsZero() {
					t.Errorf("aggregate access %+v", a)
				}
			}
		}
		if as, _ := f.gw.PersonAccesses(ctx, refuser, 10); len(as) != 0 {
			t.Errorf("a member who does not share was counted: %+v", as)
		}
		if n := logSize(t, f.db) - size0; n != 3 {
			t.Errorf("log grew by %d leaves; want one per member counted, policy and day", n)
		}

		// Their page says so, in both languages.
		rider := app.Browser()
		rider.SignIn(t, "rider1@example.org", password)
		if st, body := rider.Get(t, "/account/data-access"); st != 200 || strings.Count(body, "in an aggregate of 3 members") != 2 {
			t.Fatalf("who read my data: %d\n%s", st, body)
		}
		rider.Lang = "fr"
		if st, body := rider.Get(t, "/account/data-access"); st != 200 || !strings.Contains(body, "dans un agrégat de 3 membres") {
			t.Fatalf("who read my data in French: %d", st)
		}

		// Under the minimum group nothing is given, nobody is read.
		if err := f.vaults.SetConsent(ctx, f.members[2], "posts", "do_not_share"); err != nil {
			t.Fatal(err)
		}
		var sup struct {
			People     *int `json:"people"`
			Suppressed bool `json:"suppressed"`
		}
		if st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &sup); st != 200 || sup.People != nil || !sup.Suppressed {
			t.Fatalf("2 sharing under a minimum of 3: %d %+v", st, sup)
		}
		if as, _ := f.gw.PersonAccesses(ctx, f.members[0], 10); len(as) != 2 {
			t.Errorf("a suppressed count is on the access page: %d accesses", len(as))
		}

		// Erased, a member leaves no row behind; the others keep theirs.
		rider.Lang = "en"
		if st, _ := rider.Post(t, "/account/delete", url.Values{"delete_confirm": {"rider1@example.org"}}); st != 200 {
			t.Fatalf("erasing the account: %d", st)
		}
		if found := storetest.Find(t, f.db, f.members[0]); len(found) != 0 {
			t.Errorf("the erased member's id is still in %v", found)
		}
		if as, _ := f.gw.PersonAccesses(ctx, f.members[1], 10); len(as) != 2 || as[0].Aggregate != 3 {
			t.Errorf("another member's aggregates after an erasure: %+v", as)
		}
		// A later aggregate of the same members but the erased one is a set of its own.
		if err := f.vaults.SetConsent(ctx, f.members[2], "posts", "share"); err != nil {
			t.Fatal(err)
		}
		fourth := f.member(t, "fourth@example.org", "Fourth Member", true)
		eventually(t, "the new member counted", func() bool {
			st, _ := get(t, app, "/gateway/v1/aggregates?category=posts", f.key, &doc)
			return st == 200 && doc.People != nil && *doc.People == 3
		})
		if as, _ := f.gw.PersonAccesses(ctx, fourth, 10); len(as) != 1 || as[0].Aggregate != 3 {
			t.Errorf("the new member's aggregate: %+v", as)
		}
	})
}

// TestOneLeafPerMemberPolicyAndDay: reading the same members again the
// same day adds accesses to their pages, and no leaf to the log.
func TestOneLeafPerMemberPolicyAndDay(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		ctx := context.Background()
		f := setup(t, app, 2)
		f.adopt(t, posts(gateway.LevelPseudonym))
		size0 := logSize(t, f.db)
		for range 3 {
			if st, _ := get(t, app, "/gateway/v1/items?category=posts", f.key, nil); st != 200 {
				t.Fatalf("read: %d", st)
			}
		}
		if as, _ := f.gw.PersonAccesses(ctx, f.members[0], 10); len(as) != 3 {
			t.Errorf("%d accesses on the member's page; want the 3 reads", len(as))
		}
		if n := logSize(t, f.db) - size0; n != 2 {
			t.Errorf("log grew by %d leaves; want one per member today", n)
		}
	})
}

// TestConsentWithdrawnOnEveryInstance: consent is read by each request
// from the database, never from a snapshot, so a consent withdrawn on one
// instance is honoured by the next request on the other, and so is a
// consent given.
func TestConsentWithdrawnOnEveryInstance(t *testing.T) {
	for name, apps := range instances(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, apps[0], 3)
			f.adopt(t, posts(gateway.LevelItem))
			var got items
			eventually(t, "the policy in force on the other instance", func() bool {
				st, _ := get(t, apps[1], "/gateway/v1/items?category=posts", f.key, &got)
				return st == 200 && len(got.Items) == 6
			})
			for round := range 3 {
				if err := f.vaults.SetConsent(ctx, f.members[1], "posts", "do_not_share"); err != nil {
					t.Fatal(err)
				}
				if st, _ := get(t, apps[1], "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 4 {
					t.Fatalf("round %d, the request after the withdrawal's commit: %d, %d items; want 4", round, st, len(got.Items))
				}
				for _, it := range got.Items {
					if it.Person == f.members[1] {
						t.Fatalf("round %d: served the data of a member who withdrew", round)
					}
				}
				if err := f.vaults.SetConsent(ctx, f.members[1], "posts", "share"); err != nil {
					t.Fatal(err)
				}
				if st, _ := get(t, apps[1], "/gateway/v1/items?category=posts", f.key, &got); st != 200 || len(got.Items) != 6 {
					t.Fatalf("round %d, after sharing again: %d, %d items; want 6", round, st, len(got.Items))
				}
			}
		})
	}
}

// TestKeptSharersFollowTheVault: each instance keeps who shares a
// category under a policy while the vault's sharing version holds, so
// the next request after a change on the other instance counts and
// serves as the vault now says: a consent withdrawn, the member's items
// deleted, items added again, and shared again.
func TestKeptSharersFollowTheVault(t *testing.T) {
	for name, apps := range instances(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := setup(t, apps[0], 4)
			agg := posts(gateway.LevelAggregate)
			agg.MinGroup = 2
			f.adopt(t, agg)
			f.adopt(t, posts(gateway.LevelItem))
			var doc struct {
				People *int `json:"people"`
			}
			count := func() int {
				t.Helper()
				if st, _ := get(t, apps[1], "/gateway/v1/aggregates?category=posts", f.key, &doc); st != 200 || doc.People == nil {
					t.Fatalf("aggregate: %d %+v", st, doc)
				}
				return *doc.People
			}
			served := func() int {
				t.Helper()
				var got items
				if st, _ := get(t, apps[1], "/gateway/v1/items?category=posts", f.key, &got); st != 200 {
					t.Fatalf("items: %d", st)
				}
				return len(got.Items)
			}
			eventually(t, "both policies in force on the other instance", func() bool {
				var got items
				st, _ := get(t, apps[1], "/gateway/v1/items?category=posts", f.key, &got)
				st2, _ := get(t, apps[1], "/gateway/v1/aggregates?category=posts", f.key, &doc)
				return st == 200 && st2 == 200 && len(got.Items) == 8 && doc.People != nil && *doc.People == 4
			})
			steps := []struct {
				what          string
				change        func() error
				people, items int
			}{
				{"consent withdrawn", func() error { return f.vaults.SetConsent(ctx, f.members[0], "posts", vault.DoNotShare) }, 3, 6},
				{"items deleted", func() error { _, err := f.vaults.DeleteCategory(ctx, f.members[1], "posts"); return err }, 2, 4},
				{"shared again", func() error { return f.vaults.SetConsent(ctx, f.members[0], "posts", vault.Share) }, 3, 6},
				{"items added again", func() error { f.deposit(t, f.members[1], true); return nil }, 4, 8},
			}
			for _, s := range steps {
				count() // kept before the change
				served()
				if err := s.change(); err != nil {
					t.Fatal(err)
				}
				if got := count(); got != s.people {
					t.Fatalf("%s: the next aggregate counts %d, want %d", s.what, got, s.people)
				}
				if got := served(); got != s.items {
					t.Fatalf("%s: the next page serves %d items, want %d", s.what, got, s.items)
				}
			}
		})
	}
}
