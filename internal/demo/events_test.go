package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/demo"
	"repertoire/internal/event"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// The demo has the seed's seminars of 2018 on Paris time: the exceptional
// one in the amphitheatre, and the 14 May one whose room changed from
// the Salle Lombard to the Salle 1, kept as a change.
func TestDemoSeminars(t *testing.T) {
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
		c, err := campaign.NewStore(db).GetBySlug(ctx, com.ID, "ecn-ehess")
		if err != nil {
			t.Fatal(err)
		}
		events := event.NewStore(db, cat, "", nil)
		es, err := events.OfCampaign(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 {
			t.Fatalf("%d seminars, want the seed's 3", len(es))
		}
		if s := es[0].LocalStart(); s.Hour() != 17 || s.Day() != 28 || es[0].Room != "Amphithéâtre François Furet" {
			t.Fatalf("the séance exceptionnelle: %s in %s", s, es[0].Room)
		}
		last := es[2]
		changes, err := events.History(ctx, last.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last.Room != "Salle 1" || len(changes) != 2 || changes[0].Before != "Salle Lombard" || changes[0].After != "Salle 1" || last.Sequence != 2 {
			t.Fatalf("the room change: room %q, sequence %d, changes %+v", last.Room, last.Sequence, changes)
		}
	})
}
