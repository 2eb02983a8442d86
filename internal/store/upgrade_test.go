package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// TestUpgradeFromEverySchemaVersion treats every migration as a release:
// a database left at that version, holding people, a community, a
// campaign and (once the table exists) a participation, is migrated to
// the newest version by Migrate, as `repertoire serve` does at start, and
// keeps every row.
func TestUpgradeFromEverySchemaVersion(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			probe := storetest.MustOpen(t, dsn) // a database at the newest version, to list them
			versions, err := probe.SchemaVersions()
			if err != nil || len(versions) < 2 {
				t.Fatalf("versions %v: %v", versions, err)
			}
			newest := versions[len(versions)-1]
			if v, err := probe.SchemaVersion(context.Background()); err != nil || v != newest {
				t.Fatalf("a fresh database is at %d (%v), want %d", v, err, newest)
			}
			for _, from := range versions[:len(versions)-1] {
				t.Run(fmt.Sprint(from), func(t *testing.T) {
					t.Parallel()
					upgradeFrom(t, engine, from, newest)
				})
			}
		})
	}
}

func upgradeFrom(t *testing.T, engine string, from, newest int64) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "old.db")
	if engine == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.MigrateTo(ctx, db, from); err != nil {
		t.Fatal(err)
	}
	// Columns every version since the table's creation has.
	rows := []string{
		`INSERT INTO people (id, email, created_at, modified_at) VALUES ('pe1', 'ana@example.org', $1, $1)`,
		`INSERT INTO people (id, email, created_at, modified_at) VALUES ('pe2', 'bo@example.org', $1, $1)`,
		`INSERT INTO accounts (person_id, created_at) VALUES ('pe1', $1)`,
		`INSERT INTO communities (id, slug, name, created_at, modified_at) VALUES ('co1', 'riders', 'Riders', $1, $1)`,
		`INSERT INTO memberships (community_id, person_id, role, status, created_at, modified_at) VALUES ('co1', 'pe1', 'organizer', 'active', $1, $1)`,
		`INSERT INTO campaigns (id, community_id, slug, title, created_at, modified_at) VALUES ('ca1', 'co1', 'pay', 'Fair pay', $1, $1)`,
	}
	rows = append(rows, `INSERT INTO outbox (id, person_id, to_address, subject, body_text, next_attempt_at, created_at)
		VALUES ('ob1', 'pe2', 'bo@example.org', 'Confirm', 'Click the link', $1, $1)`) // a mail not yet delivered
	want := map[string]int{"people": 2, "accounts": 1, "communities": 1, "memberships": 1, "campaigns": 1, "outbox": 1}
	if from >= 5 {
		rows = append(rows,
			`INSERT INTO petitions (id, campaign_id, slug, title, created_at, modified_at) VALUES ('pt1', 'ca1', 'pay', 'Fair pay', $1, $1)`,
			`INSERT INTO participations (id, kind, action_id, person_id, status, created_at, modified_at) VALUES ('pa1', 'signature', 'pt1', 'pe2', 'confirmed', $1, $1)`)
		want["petitions"], want["participations"] = 1, 1
	}
	if from >= 7 {
		rows = append(rows,
			`INSERT INTO pledges (id, campaign_id, slug, title, action, threshold, deadline, window_start, window_end, created_at, modified_at)
				VALUES ('pl1', 'ca1', 'out', 'Log out', 'log out', 10, $1, $1, $1, $1, $1)`,
			`INSERT INTO participations (id, kind, action_id, person_id, status, created_at, modified_at) VALUES ('pa2', 'commitment', 'pl1', 'pe1', 'confirmed', $1, $1)`)
		want["pledges"], want["participations"] = 1, 2
	}
	err = db.Write(ctx, func(tx *store.Tx) error {
		for _, q := range rows {
			if _, err := tx.ExecContext(ctx, q, tx.Now); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("sample data at version %d: %v", from, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("upgrade from %d: %v", from, err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != newest {
		t.Fatalf("after the upgrade from %d: version %d (%v), want %d", from, v, err, newest)
	}
	for table, n := range want {
		var got int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil || got != n {
			t.Errorf("%s after the upgrade from %d: %d rows (%v), want %d", table, from, got, err, n)
		}
	}
	var email string
	if err := db.Reader().QueryRowContext(ctx, `SELECT email FROM people WHERE id = 'pe2'`).Scan(&email); err != nil || email != "bo@example.org" {
		t.Errorf("person after the upgrade from %d: %q (%v)", from, email, err)
	}
	var body, status string
	if err := db.Reader().QueryRowContext(ctx, `SELECT body_text, status FROM outbox WHERE id = 'ob1'`).Scan(&body, &status); err != nil || body != "Click the link" || status != "pending" {
		t.Errorf("mail waiting after the upgrade from %d: %q, %q (%v)", from, body, status, err)
	}
}

// TestRefusesDatabaseNewerThanBinary: a database migrated by a newer
// Repertoire (its goose table names a version this binary lacks) is
// refused with a message saying so, and left untouched.
func TestRefusesDatabaseNewerThanBinary(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		versions, _ := db.SchemaVersions()
		newest := versions[len(versions)-1]
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, newest+100); err != nil {
			t.Fatal(err)
		}
		err := db.Migrate(ctx)
		var tooNew *store.TooNewError
		if !errors.As(err, &tooNew) || tooNew.Database != newest+100 || tooNew.Binary != newest {
			t.Fatalf("Migrate on a newer database: %v", err)
		}
		if v, _ := db.SchemaVersion(ctx); v != newest+100 {
			t.Errorf("the database's version became %d", v)
		}
	})
}
