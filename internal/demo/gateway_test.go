package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"repertoire/internal/community"
	"repertoire/internal/demo"
	"repertoire/internal/gateway"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// The demo's community has a research consumer with the policy its
// members voted, in force now, and the data strike they called in 2018.
func TestDemoHasAGatewayWithAVotedPolicyAndAPastStrike(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, db, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		com, err := community.NewStore(db).Get(ctx, "facebook-users")
		if err != nil {
			t.Fatal(err)
		}
		gw := gateway.NewStore(db)
		cs, err := gw.Consumers(ctx, com.ID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("consumers: %d, %v", len(cs), err)
		}
		ps, err := gw.ConsumerPolicies(ctx, cs[0].ID)
		if err != nil || len(ps) != 1 || !ps[0].InForce(time.Now()) || ps[0].DecisionID == "" {
			t.Fatalf("adopted policies: %+v, %v; want one in force, voted", ps, err)
		}
		ss, err := gw.Strikes(ctx, com.ID)
		if err != nil || len(ss) != 1 || ss[0].CalledAt == nil || ss[0].StartsAt.Format(time.DateOnly) != "2018-05-25" || ss[0].Active(time.Now()) {
			t.Fatalf("strikes: %+v, %v; want the called strike of May 25, 2018, over", ss, err)
		}
	})
}
