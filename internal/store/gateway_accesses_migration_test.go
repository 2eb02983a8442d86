package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
)

// TestGatewayAccessesMigration: version 54 carries each access to a
// member's data over to its narrow row (member, time, request, items)
// whose consumer, policy and category are its request's, and its down
// step back to the wide row, on both engines; up again, the same rows.
// Version 57 drops the check of its request, and gives it back.
func TestGatewayAccessesMigration(t *testing.T) {
	atVersion(t, 53, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 891000, time.UTC)
		write := func(qs ...string) {
			t.Helper()
			writeAt(t, db, at, qs...)
		}
		write(
			`INSERT INTO people (id, email, created_at, modified_at) VALUES ('pa', 'a@example.org', $1, $1), ('pb', 'b@example.org', $1, $1)`,
			`INSERT INTO communities (id, slug, name, created_at, modified_at) VALUES ('c1', 'c1', 'C', $1, $1)`,
			`INSERT INTO gateway_consumers (id, community_id, name, purpose, licence, contact, pseudonym_key, created_at, modified_at)
				VALUES ('k1', 'c1', 'Lab', 'research', 'CC0', 'lab@example.org', 'x', $1, $1)`,
			`INSERT INTO gateway_requests (id, consumer_id, policy_id, endpoint, category, outcome, items, members_read, at)
				VALUES ('r1', 'k1', 'pol1', 'items', 'posts', 'allowed', 3, 2, $1), ('r2', 'k1', 'pol1', 'items', 'comments', 'allowed', 1, 1, $1)`,
			`INSERT INTO gateway_accesses (id, request_id, person_id, consumer_id, policy_id, category, item_ids, items, at)
				VALUES ('a1', 'r1', 'pa', 'k1', 'pol1', 'posts', 'i1,i2', 2, $1), ('a2', 'r1', 'pb', 'k1', 'pol1', 'posts', 'i3', 1, $1),
				('a3', 'r2', 'pa', 'k1', 'pol1', 'comments', 'i4', 1, $1)`,
		)
		// Each access as its member's page reads it: through its request.
		accesses := func() []string {
			t.Helper()
			rows, err := db.Reader().QueryContext(ctx, `SELECT a.person_id, a.request_id, r.consumer_id, r.policy_id, r.category, a.item_ids,
				a.items, a.at FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id ORDER BY a.person_id, a.request_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var person, req, consumer, policy, category, ids string
				var items int
				var when time.Time
				if err := rows.Scan(&person, &req, &consumer, &policy, &category, &ids, &items, &when); err != nil {
					t.Fatal(err)
				}
				if !when.Equal(at) {
					t.Errorf("access %s/%s at %v, want %v", person, req, when, at)
				}
				out = append(out, strings.Join([]string{person, req, consumer, policy, category, ids, strconv.Itoa(items)}, " "))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		want := []string{"pa r1 k1 pol1 posts i1,i2 2", "pa r2 k1 pol1 comments i4 1", "pb r1 k1 pol1 posts i3 1"}
		if got := accesses(); !slices.Equal(got, want) {
			t.Fatalf("before: %q", got)
		}
		if err := store.MigrateTo(ctx, db, 54); err != nil {
			t.Fatal(err)
		}
		if got := accesses(); !slices.Equal(got, want) {
			t.Errorf("after 54: %q, want %q", got, want)
		}
		// The narrow row: no id, no copies of its request's columns.
		if _, err := db.Reader().ExecContext(ctx, `SELECT id FROM gateway_accesses`); err == nil {
			t.Error("the narrow access row still has an id")
		}
		// A request's accesses go with it (its consumer deleted).
		write(`INSERT INTO gateway_requests (id, consumer_id, endpoint, outcome, at) VALUES ('r3', 'k1', 'items', 'allowed', $1)`,
			`INSERT INTO gateway_accesses (person_id, at, request_id, item_ids, items) VALUES ('pb', $1, 'r3', 'i5', 1)`)
		write(`DELETE FROM gateway_requests WHERE id = 'r3'`)
		if got := accesses(); !slices.Equal(got, want) {
			t.Errorf("after a request deleted: %q, want %q", got, want)
		}

		if err := store.MigrateDownTo(ctx, db, 53); err != nil {
			t.Fatal(err)
		}
		if got := accesses(); !slices.Equal(got, want) {
			t.Errorf("down again: %q, want %q", got, want)
		}
		var copies int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id
			WHERE a.consumer_id = r.consumer_id AND a.policy_id = r.policy_id AND a.category = r.category AND a.id <> ''`).Scan(&copies); err != nil {
			t.Fatal(err)
		}
		if copies != 3 {
			t.Errorf("%d wide rows with their request's consumer, policy and category; want 3", copies)
		}
		// The wide row's member follows them out again.
		write(`DELETE FROM people WHERE id = 'pb'`)
		if got := accesses(); !slices.Equal(got, want[:2]) {
			t.Errorf("down, a member deleted: %q, want %q", got, want[:2])
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := accesses(); !slices.Equal(got, want[:2]) {
			t.Errorf("up again: %q, want %q", got, want[:2])
		}

		// Version 57: an access names its request without a check (the
		// gateway deletes accesses itself); down to 56 the check is back,
		// and an access without its request does not outlive the step.
		orphan := `INSERT INTO gateway_accesses (person_id, at, request_id, item_ids, items) VALUES ('pa', $1, 'gone', 'i6', 1)`
		write(orphan)
		if err := store.MigrateDownTo(ctx, db, 56); err != nil {
			t.Fatal(err)
		}
		var orphans int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_accesses WHERE request_id = 'gone'`).Scan(&orphans); err != nil || orphans != 0 {
			t.Errorf("down to 56: %d accesses of no request (%v)", orphans, err)
		}
		if got := accesses(); !slices.Equal(got, want[:2]) {
			t.Errorf("down to 56: %q, want %q", got, want[:2])
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, orphan, at); return err }); err == nil {
			t.Error("at 56, an access of no request was written")
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := accesses(); !slices.Equal(got, want[:2]) {
			t.Errorf("up to 57: %q, want %q", got, want[:2])
		}
	})
}
