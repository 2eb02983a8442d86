package gateway_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"repertoire/internal/decision"
	"repertoire/internal/gateway"
	"repertoire/internal/store/storetest"
	"repertoire/internal/testkit"
)

// TestStrikeReachesEveryInstance: two servers on one PostgreSQL database
// (or, on SQLite, the one process), consumers reading from the second
// without pause while the members' vote calling a data strike is closed
// on the first. The second must deny within a second of the commit, and
// no request sent after the commit may be allowed.
func TestStrikeReachesEveryInstance(t *testing.T) {
	engines := map[string][2]*testkit.App{}
	sqlite := testkit.Start(t)
	engines["sqlite"] = [2]*testkit.App{sqlite, sqlite}
	if dsns := storetest.DSNs(t); dsns["postgres"] != "" {
		a := testkit.StartOn(t, storetest.MustOpen(t, dsns["postgres"]))
		b := testkit.StartOn(t, storetest.MustOpen(t, dsns["postgres"]))
		engines["postgres"] = [2]*testkit.App{a, b}
	}
	for name, apps := range engines {
		t.Run(name, func(t *testing.T) {
			a, b := apps[0], apps[1]
			f := setup(t, a, 5)
			f.adopt(t, posts(gateway.LevelPseudonym))
			ctx := context.Background()
			now := time.Now().UTC()
			s, err := f.gw.ProposeStrike(ctx, f.community.ID, gateway.StrikeInput{Scope: gateway.ScopeMembers, Reason: "Stop the ranking change",
				StartsAt: now.Add(-time.Minute), EndsAt: now.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			// The vote, as members cast it: opened, a majority for, closed.
			decisions := decision.NewStore(a.DB, nil, "", nil)
			d, err := decisions.Create(ctx, f.org, f.community.ID, decision.Input{Title: "Data strike", Kind: decision.KindDataStrike,
				StrikeID: s.ID, Threshold: decision.Majority, ClosesAt: now.Add(time.Hour)}, now)
			if err != nil {
				t.Fatal(err)
			}
			if d, err = decisions.Open(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			var forID string
			for _, o := range d.Options {
				if o.Role == decision.RoleFor {
					forID = o.ID
				}
			}
			for _, m := range f.members {
				if _, err := decisions.Cast(ctx, decision.Ballot{DecisionID: d.ID, PersonID: m, OptionID: forID}); err != nil {
					t.Fatal(err)
				}
			}

			type answer struct {
				sent, got time.Time
				status    int
			}
			var mu sync.Mutex
			var answers []answer
			stop := make(chan struct{})
			var wg sync.WaitGroup
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			for range 8 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						req, _ := http.NewRequest("GET", b.URL+"/gateway/v1/items?category=posts&limit=10", nil)
						req.Header.Set("Authorization", "Bearer "+f.key)
						sent := time.Now()
						res, err := client.Do(req)
						if err != nil {
							t.Error(err)
							return
						}
						res.Body.Close()
						got := time.Now()
						mu.Lock()
						answers = append(answers, answer{sent, got, res.StatusCode})
						mu.Unlock()
					}
				})
			}
			time.Sleep(300 * time.Millisecond) // reading under the policy
			before := time.Now()
			if _, err := decisions.Close(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
			committed := time.Now() // the commit happened between before and committed
			time.Sleep(1500 * time.Millisecond)
			close(stop)
			wg.Wait()

			allowedBefore, wrongly, denied := 0, 0, 0
			var first time.Time
			for _, an := range answers {
				switch {
				case an.status == 200 && an.sent.After(committed):
					wrongly++
				case an.status == 200:
					allowedBefore++
				case an.status == 503:
					denied++
					if first.IsZero() || an.got.Before(first) {
						first = an.got
					}
				default:
					t.Errorf("answer %d", an.status)
				}
			}
			if allowedBefore == 0 || denied == 0 {
				t.Fatalf("%d allowed before, %d denied after: the load did not run across the commit", allowedBefore, denied)
			}
			if wrongly != 0 {
				t.Errorf("%d requests sent after the commit were allowed", wrongly)
			}
			lag := first.Sub(committed)
			if first.Sub(before) > time.Second {
				t.Errorf("first denial %v after the closing began; want under 1 s", first.Sub(before))
			}
			t.Logf("%s: first denial on the other instance %v after the commit returned (%v after the closing began); %d requests, %d allowed before, %d denied, %d wrongly allowed",
				name, lag, first.Sub(before), len(answers), allowedBefore, denied, wrongly)
		})
	}
}
