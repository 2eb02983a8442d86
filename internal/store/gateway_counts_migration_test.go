package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
)

// TestGatewayCountsMigration: version 58 carries each policy's rate of
// this minute and its items of its last day into its one row of counts,
// and (SQLite) every request into the table keyed by its id, whose index
// of sets holds aggregates' requests only; its down step gives the rate
// and the last day's items back, on both engines, and up again the same.
func TestGatewayCountsMigration(t *testing.T) {
	atVersion(t, 57, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 891000, time.UTC)
		write := func(qs ...string) {
			t.Helper()
			writeAt(t, db, at, qs...)
		}
		strs := func(q string) []string {
			t.Helper()
			rows, err := db.Reader().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		write(
			`INSERT INTO communities (id, slug, name, created_at, modified_at) VALUES ('c1', 'c1', 'C', $1, $1)`,
			`INSERT INTO gateway_consumers (id, community_id, name, purpose, licence, contact, pseudonym_key, created_at, modified_at)
				VALUES ('k1', 'c1', 'Lab', 'research', 'CC0', 'lab@example.org', 'x', $1, $1),
				('k2', 'c1', 'Other lab', 'research', 'CC0', 'other@example.org', 'y', $1, $1)`,
			`INSERT INTO gateway_policies (id, community_id, consumer_id, categories, level, rate_per_min, items_per_day, purpose, starts_at, ends_at, created_at)
				VALUES ('p1', 'c1', 'k1', 'posts', 'item', 60, 1000, 'study', $1, $1, $1),
				('p2', 'c1', 'k1', 'posts', 'aggregate', 60, 1000, 'study', $1, $1, $1),
				('p3', 'c1', 'k1', 'posts', 'item', 60, 1000, 'study', $1, $1, $1)`,
			`INSERT INTO gateway_requests (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id)
				VALUES ('r1', 'k1', 'p1', 'items', 'posts', 'allowed', '', 3, 2, $1, NULL),
				('r2', 'k1', 'p2', 'aggregates', 'posts', 'allowed', '', 0, 12, $1, 's1'),
				('r3', 'k2', NULL, 'items', 'posts', 'denied', 'no_policy', 0, 0, $1, NULL)`,
			`INSERT INTO gateway_rate (policy_id, minute, requests) VALUES ('p1', '2026-03-04T05:06', 7), ('p2', '2026-03-04T05:05', 2)`,
			`INSERT INTO gateway_usage (policy_id, day, items) VALUES ('p1', '2026-03-03', 40), ('p1', '2026-03-04', 9), ('p3', '2026-03-02', 5)`,
		)
		requests := func() []string {
			t.Helper()
			return strs(`SELECT id || ' ' || consumer_id || ' ' || COALESCE(policy_id, '-') || ' ' || endpoint || ' ' || category || ' ' || outcome
				|| ' ' || reason || ' ' || items || ' ' || members_read || ' ' || COALESCE(set_id, '-') FROM gateway_requests ORDER BY id`)
		}
		wantRequests := []string{"r1 k1 p1 items posts allowed  3 2 -", "r2 k1 p2 aggregates posts allowed  0 12 s1",
			"r3 k2 - items posts denied no_policy 0 0 -"}
		if got := requests(); !slices.Equal(got, wantRequests) {
			t.Fatalf("before: %q", got)
		}
		rateUsage := func() []string {
			t.Helper()
			return append(strs(`SELECT 'rate ' || policy_id || ' ' || minute || ' ' || requests FROM gateway_rate ORDER BY policy_id`),
				strs(`SELECT 'usage ' || policy_id || ' ' || day || ' ' || items FROM gateway_usage ORDER BY policy_id, day`)...)
		}

		if err := store.MigrateTo(ctx, db, 58); err != nil {
			t.Fatal(err)
		}
		if got := requests(); !slices.Equal(got, wantRequests) {
			t.Errorf("after 58: %q, want %q", got, wantRequests)
		}
		var when time.Time
		if err := db.Reader().QueryRowContext(ctx, `SELECT at FROM gateway_requests WHERE id = 'r2'`).Scan(&when); err != nil || !when.Equal(at) {
			t.Errorf("after 58, r2 at %v (%v), want %v", when, err, at)
		}
		// Today's items of p1 (its last day), its rate; p2's rate; p3's
		// last day, without a rate.
		counts := strs(`SELECT policy_id || ' ' || minute || ' ' || requests || ' ' || day || ' ' || items FROM gateway_counts ORDER BY policy_id`)
		wantCounts := []string{"p1 2026-03-04T05:06 7 2026-03-04 9", "p2 2026-03-04T05:05 2  0", "p3  0 2026-03-02 5"}
		if !slices.Equal(counts, wantCounts) {
			t.Errorf("counts after 58: %q, want %q", counts, wantCounts)
		}
		for _, gone := range []string{"gateway_rate", "gateway_usage"} {
			if _, err := db.Reader().ExecContext(ctx, `SELECT 1 FROM `+gone); err == nil {
				t.Errorf("after 58, %s is still there", gone)
			}
		}
		if db.Dialect == store.SQLite {
			// One b-tree keyed by the id: no rowid.
			if _, err := db.Reader().ExecContext(ctx, `SELECT rowid FROM gateway_requests`); err == nil {
				t.Error("after 58, requests still have a rowid")
			}
			var def string
			if err := db.Reader().QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'gateway_requests_set'`).Scan(&def); err != nil ||
				!strings.Contains(def, "WHERE set_id IS NOT NULL") {
				t.Errorf("after 58, the index of sets is %q (%v), want aggregates' requests only", def, err)
			}
		}
		// A member's aggregates are still found through their set, and a
		// consumer's requests go with it.
		if got := strs(`SELECT r.id FROM gateway_requests r WHERE r.set_id = 's1'`); !slices.Equal(got, []string{"r2"}) {
			t.Errorf("after 58, set s1's requests: %q", got)
		}
		write(`DELETE FROM gateway_consumers WHERE id = 'k2'`)
		wantRequests = wantRequests[:2]
		if got := requests(); !slices.Equal(got, wantRequests) {
			t.Errorf("after 58, a consumer deleted: %q, want %q", got, wantRequests)
		}
		// A policy's counts go with it.
		write(`DELETE FROM gateway_policies WHERE id = 'p3'`)
		if got := strs(`SELECT policy_id FROM gateway_counts ORDER BY policy_id`); !slices.Equal(got, []string{"p1", "p2"}) {
			t.Errorf("after 58, a policy deleted: counts of %q", got)
		}

		if err := store.MigrateDownTo(ctx, db, 57); err != nil {
			t.Fatal(err)
		}
		if got := requests(); !slices.Equal(got, wantRequests) {
			t.Errorf("down to 57: %q, want %q", got, wantRequests)
		}
		wantRateUsage := []string{"rate p1 2026-03-04T05:06 7", "rate p2 2026-03-04T05:05 2", "usage p1 2026-03-04 9"}
		if got := rateUsage(); !slices.Equal(got, wantRateUsage) {
			t.Errorf("down to 57: %q, want %q", got, wantRateUsage)
		}
		if db.Dialect == store.SQLite {
			if _, err := db.Reader().ExecContext(ctx, `SELECT rowid FROM gateway_requests`); err != nil {
				t.Errorf("down to 57, requests have no rowid: %v", err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := requests(); !slices.Equal(got, wantRequests) {
			t.Errorf("up again: %q, want %q", got, wantRequests)
		}
		counts = strs(`SELECT policy_id || ' ' || minute || ' ' || requests || ' ' || day || ' ' || items FROM gateway_counts ORDER BY policy_id`)
		if want := wantCounts[:2]; !slices.Equal(counts, want) {
			t.Errorf("counts up again: %q, want %q", counts, want)
		}
	})
}
