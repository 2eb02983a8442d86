package store_test

import (
	"context"
	"testing"

	"repertoire/internal/store"
)

// TestCanonicalAddressMigration: version 15 gives every participation the
// canonical form of its address (lower case, Gmail's and Proton's rules),
// keeps two rows of one action that would share a form apart with their
// lowered addresses, and makes the form unique per action.
func TestCanonicalAddressMigration(t *testing.T) {
	atVersion(t, 13, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeAt(t, db, store.Now(),
			`INSERT INTO people (id, email, created_at, modified_at) VALUES ('pe1', 'jdoe@gmail.com', $1, $1),
				('pe2', 'j.doe+news@googlemail.com', $1, $1), ('pe3', 'x.y+t@proton.me', $1, $1),
				('pe4', 'a+x@example.org', $1, $1), ('pe5', 'a@example.org', $1, $1)`,
			`INSERT INTO participations (id, kind, action_id, person_id, status, created_at, modified_at) VALUES
				('p1', 'signature', 'A', 'pe1', 'confirmed', $1, $1), ('p2', 'signature', 'A', 'pe2', 'confirmed', $1, $1),
				('p3', 'signature', 'B', 'pe2', 'pending', $1, $1), ('p4', 'signature', 'A', 'pe3', 'pending', $1, $1),
				('p5', 'signature', 'A', 'pe4', 'pending', $1, $1), ('p6', 'signature', 'A', 'pe5', 'pending', $1, $1)`,
		)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{
			"p1": "jdoe@gmail.com",            // shares its form with p2 in A: lowered
			"p2": "j.doe+news@googlemail.com", // idem
			"p3": "jdoe@gmail.com",            // alone in B
			"p4": "x.y@proton.me",
			"p5": "a+x@example.org",
			"p6": "a@example.org",
		} {
			var got string
			if err := db.Reader().QueryRowContext(ctx, `SELECT email_canonical FROM participations WHERE id = $1`, id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: canonical %q, want %q", id, got, want)
			}
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at)
				VALUES ('pe6', 'x.y+other@proton.me', $1, $1)`, tx.Now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, created_at, modified_at,
				email_canonical) VALUES ('p7', 'signature', 'A', 'pe6', 'pending', $1, $1, 'x.y@proton.me')`, tx.Now)
			return err
		})
		if !store.IsUniqueViolation(err) {
			t.Errorf("a second participation of one canonical address in an action: %v, want a unique violation", err)
		}
	})
}
