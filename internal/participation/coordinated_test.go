package participation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestShadowFlagsJoinTheReviewQueue: the integrity review's shadow flag
// leaves the participation as it was (status, modified_at: its person sees
// nothing) and reads as flagged "coordinated"; one flagged for a reason of
// its own keeps it. The confirmed ones wait in the review queue in the
// participations' order, merged with those flagged for their own reason,
// page after page. Accepting one on review, or ClearFlag, takes the flag
// off; Invalidate rejects one still flagged.
func TestShadowFlagsJoinTheReviewQueue(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Limits{})
		var parts []Participation
		for i := range 6 {
			email := fmt.Sprintf("p%d@example.org", i)
			r := submit(t, s, signature("petition-1", email))
			if _, err := s.Confirm(ctx, tokenOf(t, mailsTo(t, db, email)[0])); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, participationRow(t, db, r.ID))
		}
		slices.SortFunc(parts, func(a, b Participation) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		id := func(i int) string { return parts[i].ID }
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE participations SET flag_reason = 'ip_burst' WHERE id = $1`, id(1))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		flag := func(ids ...string) []Signal {
			t.Helper()
			var out []Signal
			if err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = s.ShadowFlag(ctx, tx, ids)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		got := flag(id(1), id(2), id(3), id(4))
		want := map[string]string{id(1): "ip_burst", id(2): FlagCoordinated, id(3): FlagCoordinated, id(4): FlagCoordinated}
		if len(got) != len(want) {
			t.Fatalf("ShadowFlag returned %d, want %d", len(got), len(want))
		}
		for _, sg := range got {
			if sg.FlagReason != want[sg.ID] || sg.Status != StatusConfirmed || sg.ActionID != "petition-1" {
				t.Errorf("%s flagged as %q (%s), want %q (confirmed)", sg.ID, sg.FlagReason, sg.Status, want[sg.ID])
			}
		}
		if again := flag(id(2)); len(again) != 1 || again[0].FlagReason != FlagCoordinated {
			t.Errorf("flagged again: %+v", again)
		}
		for i := range parts {
			p := participationRow(t, db, id(i))
			if p.Status != StatusConfirmed || !p.ModifiedAt.Equal(parts[i].ModifiedAt) {
				t.Errorf("%s after the shadow flag: %s, modified %v; want it as it was (%v)", id(i), p.Status, p.ModifiedAt, parts[i].ModifiedAt)
			}
			if w := want[id(i)]; p.FlagReason != w {
				t.Errorf("%s reads flagged %q, want %q", id(i), p.FlagReason, w)
			}
		}

		// Page after page of two, in the participations' order.
		queue := func() []string {
			t.Helper()
			var out []string
			var key *pageKey
			for {
				page, err := participationsAfter(ctx, db.Reader(), "petition-1", toReview, key, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page {
					out = append(out, p.ID)
				}
				if len(page) < 2 {
					return out
				}
				key = &pageKey{createdAt: page[1].CreatedAt, id: page[1].ID}
			}
		}
		if q := queue(); !slices.Equal(q, []string{id(1), id(2), id(3), id(4)}) {
			t.Errorf("review queue %v, want %v", q, []string{id(1), id(2), id(3), id(4)})
		}
		if all, err := s.ReviewQueue(ctx, "petition-1", 0); err != nil || len(all) != 4 {
			t.Errorf("ReviewQueue: %d, %v; want 4", len(all), err)
		}

		if n, err := s.Review(ctx, "organizer", "petition-1", []string{id(3)}, true); err != nil || n != 1 {
			t.Fatalf("accept: %d, %v", n, err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return s.ClearFlag(ctx, tx, []string{id(4)}) }); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{3, 4} {
			if p := participationRow(t, db, id(i)); p.FlagReason != "" || p.Status != StatusConfirmed {
				t.Errorf("%s after accept/ClearFlag: %s, flag %q", id(i), p.Status, p.FlagReason)
			}
		}
		if q := queue(); !slices.Equal(q, []string{id(1), id(2)}) {
			t.Errorf("review queue after the review %v, want %v", q, []string{id(1), id(2)})
		}
		var rejected map[string]int
		if err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			rejected, err = s.Invalidate(ctx, tx, []string{id(2), id(3)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rejected["petition-1"] != 1 || participationRow(t, db, id(2)).Status != StatusRejected ||
			participationRow(t, db, id(3)).Status != StatusConfirmed {
			t.Errorf("Invalidate rejected %v; want the one still flagged only", rejected)
		}
	})
}
