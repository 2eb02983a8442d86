package store_test

import (
	"context"
	"testing"

	"repertoire/internal/store"
)

// TestParticipationLinksMigration: version 9 drops the index on the
// participations' token hashes and keeps every row, including the
// pledge_activation_mails that cascade from participations on SQLite's
// table rebuild. Links of earlier versions stop working: their hashes go.
func TestParticipationLinksMigration(t *testing.T) {
	atVersion(t, 8, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeAt(t, db, store.Now(),
			`INSERT INTO people (id, email, created_at, modified_at) VALUES ('pe1', 'a@example.org', $1, $1)`,
			`INSERT INTO communities (id, slug, name, created_at, modified_at) VALUES ('co1', 'co', 'Co', $1, $1)`,
			`INSERT INTO campaigns (id, community_id, slug, title, created_at, modified_at) VALUES ('ca1', 'co1', 'ca', 'Ca', $1, $1)`,
			`INSERT INTO pledges (id, campaign_id, slug, title, action, threshold, deadline, window_start, window_end, created_at, modified_at)
				VALUES ('pl1', 'ca1', 'pl', 'Pl', 'log out', 10, $1, $1, $1, $1, $1)`,
			`INSERT INTO participations (id, kind, action_id, person_id, status, token_hash, created_at, modified_at)
				VALUES ('pa1', 'commitment', 'pl1', 'pe1', 'confirmed', 'old-hash', $1, $1)`,
			`INSERT INTO pledge_activation_mails (participation_id, pledge_id, sent_at) VALUES ('pa1', 'pl1', $1)`,
		)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var status string
		var hash *string
		if err := db.Reader().QueryRowContext(ctx, `SELECT status, token_hash FROM participations WHERE id = 'pa1'`).Scan(&status, &hash); err != nil {
			t.Fatal(err)
		}
		if status != "confirmed" || hash != nil {
			t.Errorf("participation after the migration: %s, hash %v; want confirmed without a hash", status, hash)
		}
		var mails int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM pledge_activation_mails WHERE participation_id = 'pa1'`).Scan(&mails); err != nil {
			t.Fatal(err)
		}
		if mails != 1 {
			t.Errorf("%d activation mails kept, want 1", mails)
		}
		// Two participations may now hold the same hash: no index.
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO participations (id, kind, action_id, person_id, status, token_hash, created_at, modified_at)
				VALUES ('pa2', 'signature', 'x', 'pe1', 'pending', 'h', $1, $1), ('pa3', 'signature', 'y', 'pe1', 'pending', 'h', $1, $1)`, tx.Now)
			return err
		})
		if err != nil {
			t.Errorf("equal hashes refused after the migration: %v", err)
		}
	})
}
