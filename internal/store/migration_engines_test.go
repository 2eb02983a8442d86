package store_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// latest, as atVersion's version, is every migration there is.
const latest = math.MaxInt64

// atVersion runs fn on each engine there is (subtests "sqlite" and
// "postgres"), on a new database whose schema is at version: a test of a
// migration writes its rows as they were there, then steps up and down.
func atVersion(t *testing.T, version int64, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	dsns := map[string]func(testing.TB) string{
		"sqlite": func(tb testing.TB) string { return "sqlite:" + filepath.Join(tb.TempDir(), "old.db") },
	}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dsns["postgres"] = storetest.PostgresDSN
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			db, err := store.Open(dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := store.MigrateTo(context.Background(), db, version); err != nil {
				t.Fatal(err)
			}
			fn(t, db)
		})
	}
}

// writeAt runs the statements in one transaction, $1 (where a statement
// has it) bound to at.
func writeAt(t *testing.T, db *store.DB, at time.Time, qs ...string) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		for _, q := range qs {
			var args []any
			if strings.Contains(q, "$1") {
				args = append(args, at)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
