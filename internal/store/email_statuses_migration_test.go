package store_test

import (
	"context"
	"testing"

	"repertoire/internal/store"
)

// TestEmailStatusesMigration: version 12 moves the email statuses other
// than "subscribed" from people to email_statuses, keeps every person and
// what hangs on them, and drops the unsubscribe links of mail_tokens only.
func TestEmailStatusesMigration(t *testing.T) {
	atVersion(t, 11, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeAt(t, db, store.Now(),
			`INSERT INTO people (id, email, email_status, created_at, modified_at) VALUES ('pe1', 'a@example.org', 'subscribed', $1, $1)`,
			`INSERT INTO people (id, email, email_status, created_at, modified_at) VALUES ('pe2', 'b@example.org', 'unsubscribed', $1, $1)`,
			`INSERT INTO people (id, email, email_status, created_at, modified_at) VALUES ('pe3', 'c@example.org', 'bouncing', $1, $1)`,
			`INSERT INTO accounts (person_id, created_at) VALUES ('pe2', $1)`,
			`INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ('s', 'pe2', $1, $1)`,
			`INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES ('u', 'pe1', 'unsubscribe', $1, $1)`,
			`INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES ('c', 'pe1', 'confirm', $1, $1)`,
		)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM people`:         3,
			`SELECT COUNT(*) FROM accounts`:       1,
			`SELECT COUNT(*) FROM sessions`:       1,
			`SELECT COUNT(*) FROM email_statuses`: 2,
			`SELECT COUNT(*) FROM email_statuses WHERE person_id = 'pe2' AND status = 'unsubscribed'`: 1,
			`SELECT COUNT(*) FROM email_statuses WHERE person_id = 'pe3' AND status = 'bouncing'`:     1,
			`SELECT COUNT(*) FROM mail_tokens WHERE purpose = 'unsubscribe'`:                          0,
			`SELECT COUNT(*) FROM mail_tokens WHERE purpose = 'confirm'`:                              1,
		} {
			if got := count(q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}
		// The status follows its person out.
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = 'pe2'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(`SELECT COUNT(*) FROM email_statuses`); got != 1 {
			t.Errorf("%d email statuses after erasing a person, want 1", got)
		}
	})
}
