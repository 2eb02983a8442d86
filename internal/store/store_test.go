package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

func TestWriteCommitsOrRollsBack(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Now()
		insert := func(tx *store.Tx, id, email string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`, id, email, tx.Now)
			return err
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return insert(tx, "p1", "a@example.org") }); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if err := insert(tx, "p2", "b@example.org"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM people`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("rolled-back insert is visible: %d people", n)
		}
		var created time.Time
		if err := db.Reader().QueryRowContext(ctx, `SELECT created_at FROM people WHERE id = $1`, "p1").Scan(&created); err != nil {
			t.Fatal(err)
		}
		if _, offset := created.Zone(); offset != 0 || created.Sub(now).Abs() > time.Minute {
			t.Fatalf("time did not round-trip: %v vs %v", created, now)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { return insert(tx, "p3", "a@example.org") })
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate email: want unique violation, got %v", err)
		}
		// Read from the driver's code, not the text: a message that merely
		// says so is not one, nor is another constraint's failure.
		if store.IsUniqueViolation(fmt.Errorf("UNIQUE constraint failed (SQLSTATE 23505)")) {
			t.Fatal("an error's text taken for a unique violation")
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, NULL, $2, $2)`, "p4", now)
			return err
		})
		if err == nil || store.IsUniqueViolation(err) {
			t.Fatalf("NOT NULL failure: want a non-unique error, got %v", err)
		}
		err = store.NotFound(db.Reader().QueryRowContext(ctx, `SELECT id FROM people WHERE id = $1`, "nope").Scan(new(string)), "person.not_found")
		if repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			t.Fatalf("want not found, got %v", err)
		}
	})
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := store.Open("mysql://x"); err == nil {
		t.Fatal("mysql DSN accepted")
	}
}

// TestStmtPreparedOnceAcrossTransactions: on SQLite a statement is
// prepared for good after the first transaction that runs it, and the
// cached statement still belongs to each later transaction: a rollback
// undoes what it wrote.
func TestStmtPreparedOnceAcrossTransactions(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const q = `INSERT INTO people (id, email, created_at, modified_at) VALUES ($1, $2, $3, $3)`
		insert := func(tx *store.Tx, id string) error {
			_, err := tx.ExecContext(ctx, q, id, id+"@example.org", tx.Now)
			return err
		}
		if store.CachedStmt(db, q) {
			t.Fatal("cached before any use")
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return insert(tx, "p1") }); err != nil {
			t.Fatal(err)
		}
		if got, want := store.CachedStmt(db, q), db.Dialect == store.SQLite; got != want {
			t.Fatalf("cached after its first transaction: %v, want %v", got, want)
		}
		boom := errors.New("boom")
		if err := db.Write(ctx, func(tx *store.Tx) error {
			if err := insert(tx, "p2"); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return insert(tx, "p3") }); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM people ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
		}
		if strings.Join(ids, ",") != "p1,p3" {
			t.Fatalf("people %v, want p1,p3: the rolled-back insert through the cached statement stays undone", ids)
		}
	})
}

// TestWALStartsAgainUnderConstantWrites: with a writer that never pauses,
// the background checkpoint alone never catches up with the whole WAL, so
// the WAL would only grow; the writer finishing the checkpoint between two
// transactions makes it start again from its beginning.
func TestWALStartsAgainUnderConstantWrites(t *testing.T) {
	defer store.SetCheckpointing(64, 10*time.Millisecond)()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 3000) // about a page a row
	written := 0
	for start := time.Now(); time.Since(start) < 400*time.Millisecond || written < 2000; {
		err := db.Write(ctx, func(tx *store.Tx) error {
			for range 4 {
				written++
				id := store.NewID()
				if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, email, given_name, created_at, modified_at) VALUES ($1, $2, $3, $4, $4)`,
					id, id+"@example.org", pad, tx.Now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Each row wrote about three pages to the WAL (its table and two
	// indexes). The WAL's file keeps the size it once reached, so ask
	// how many frames it holds now, since it last started again: a WAL
	// that never started again holds them all.
	side, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer side.Close()
	var busy, frames, done int
	if err := side.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
		t.Fatal(err)
	}
	if frames > 3*written/2 {
		t.Errorf("the WAL holds %d frames after %d rows of about three pages each: it never started again", frames, written)
	}
}
