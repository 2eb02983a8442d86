package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/demo"
	"repertoire/internal/i18n"
	"repertoire/internal/letter"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// The demo holds the 2010 letters to the FTC and four US senators about
// the "like" button: 324 letters written from late April to mid-May
// 2010, each counted for every target, sent by post or web form by their
// writers, nobody mailed.
func TestDemoHasThe2010Letters(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cat := i18n.MustLoad()
		if err := demo.Load(ctx, db, cat, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		com, err := community.NewStore(db).Get(ctx, "facebook-users")
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.NewStore(db).GetBySlug(ctx, com.ID, "like-button-2010")
		if err != nil {
			t.Fatal(err)
		}
		l, err := letter.NewStore(db, cat, "", nil).GetBySlug(ctx, c.ID, "ftc-and-senators")
		if err != nil {
			t.Fatal(err)
		}
		if l.Delivery != letter.DeliveryPost || len(l.Targets) != 5 || l.Targets[0].Name != "Jon Leibowitz" || l.Total() != 324 {
			t.Fatalf("letter: %s, %d targets, %d letters", l.Delivery, len(l.Targets), l.Total())
		}
		for _, tg := range l.Targets {
			if tg.Outreaches != 324 {
				t.Errorf("%s: %d letters, want 324", tg.Name, tg.Outreaches)
			}
		}
		var mails int
		db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&mails)
		if mails != 0 {
			t.Errorf("%d mails in the outbox", mails)
		}
	})
}
