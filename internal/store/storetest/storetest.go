// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when REPERTOIRE_TEST_POSTGRES holds
// a connection string. No mocks: every store test runs on both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"repertoire/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL test DSN.
const EnvPostgres = "REPERTOIRE_TEST_POSTGRES"

// Engines runs fn once per available engine, as subtests "sqlite" and
// "postgres", each with a freshly migrated database.
func Engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	if postgresOn(t) {
		t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
	}
}

var saidOff sync.Once

// postgresOn reports whether the PostgreSQL tests run, and says once per
// test binary (one package) when they do not, so that a green run on
// SQLite alone is not mistaken for one on both engines.
func postgresOn(t testing.TB) bool {
	if os.Getenv(EnvPostgres) != "" {
		return true
	}
	saidOff.Do(func() { t.Logf("PostgreSQL tests skipped: %s is not set", EnvPostgres) })
	return false
}

// DSNs returns a fresh, migrated DSN per available engine (for tests that
// start the whole server or the binary).
func DSNs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "repertoire.db")}
	if postgresOn(t) {
		out["postgres"] = PostgresDSN(t)
	}
	return out
}

// OpenSQLite opens a new SQLite database in a temp dir, migrated: a copy
// of the database this binary's migrations made once (sqliteTemplate),
// which Migrate then finds up to date.
func OpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "repertoire.db")
	if tmpl := sqliteTemplate(tb); tmpl != "" {
		if err := copyFile(tmpl, path); err != nil {
			tb.Fatalf("copy the migrated SQLite template: %v", err)
		}
	}
	return MustOpen(tb, "sqlite:"+path)
}

// OpenPostgres opens a new migrated database on the test server: a copy
// of the database this binary's migrations made once (postgresTemplate),
// which Migrate then finds up to date. Where the server refuses to make
// databases, a new schema migrated from scratch.
func OpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	if tmpl := postgresTemplate(tb); tmpl != "" {
		return MustOpen(tb, postgresCopy(tb, tmpl))
	}
	return MustOpen(tb, PostgresDSN(tb))
}

// PostgresDSN creates an empty schema, dropped when the test ends, and
// returns a DSN whose search_path points at it.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Fatalf("%s is not set", EnvPostgres)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpen opens and migrates dsn, closing it when the test ends.
func MustOpen(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", strings.SplitN(dsn, ":", 2)[0], err)
	}
	return db
}
