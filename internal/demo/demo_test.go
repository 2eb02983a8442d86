package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/demo"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

func TestDemoLoadsTheSeedScenarioOnce(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		for range 2 { // the second run finds a community and does nothing
			if err := demo.Load(ctx, db, log); err != nil {
				t.Fatal(err)
			}
		}
		com, err := community.NewStore(db).Get(ctx, "facebook-users")
		if err != nil {
			t.Fatal(err)
		}
		campaigns := campaign.NewStore(db)
		c, err := campaigns.GetBySlug(ctx, com.ID, "may-1st-2018")
		if err != nil {
			t.Fatal(err)
		}
		c, err = campaigns.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Sections) != 3 || c.DemandCount() != 17 {
			t.Fatalf("%d sections, %d demands; want 3 and 17", len(c.Sections), c.DemandCount())
		}
		if got := c.Sections[2].Demands[1].Text; got != "Facebook shuts down the Messenger Kids product." {
			t.Fatalf("C2 = %q", got)
		}
		a8 := c.Sections[0].Demands[7]
		if a8.Status != campaign.StatusPartiallyMet || len(a8.History) != 2 || a8.History[0].Status != campaign.StatusOpen {
			t.Fatalf("A8 history: %s %+v", a8.Status, a8.History)
		}
		if len(c.Coverage) != 27 || len(c.Updates) != 3 {
			t.Fatalf("%d coverage items, %d updates", len(c.Coverage), len(c.Updates))
		}
		var n int
		db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM communities`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d communities after loading twice", n)
		}
	})
}
