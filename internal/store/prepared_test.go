package store_test

import (
	"context"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestPreparedReadsWhatIsCommitted: a read through Prepared is prepared
// once on SQLite's reader pool (PostgreSQL's driver keeps its own) and
// each call still sees what was committed since.
func TestPreparedReadsWhatIsCommitted(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const q = `SELECT COUNT(*) FROM people WHERE email LIKE $1`
		count := func() int {
			var n int
			if err := db.Prepared().QueryRowContext(ctx, q, "%@example.org").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i, id := range []string{"p1", "p2", "p3"} {
			if got := count(); got != i {
				t.Fatalf("before %s: %d people, want %d", id, got, i)
			}
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`,
					id, id+"@example.org", tx.Now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if got := count(); got != 3 {
			t.Fatalf("%d people, want 3", got)
		}
		if got, want := store.CachedRead(db, q), db.Dialect == store.SQLite; got != want {
			t.Fatalf("prepared on the reader pool: %v, want %v", got, want)
		}
	})
}
