package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"repertoire/internal/store"
)

// Migrating a database from scratch takes every migration in turn: about
// half a second on SQLite and two to four on PostgreSQL on a 2-core CI
// machine, paid by each of several hundred tests. The migrated database
// is made once instead, named by the digest of the migrations the test
// binary carries (store.MigrationsDigest: a change to any migration makes
// another), and each test gets a copy of it: a file copy on SQLite,
// CREATE DATABASE … TEMPLATE on PostgreSQL. The template is kept for the
// next test binary with the same migrations (every package of a run, and
// the next runs), in the temp directory and on the test server.

var (
	sqliteOnce sync.Once
	sqliteTmpl string
	sqliteErr  error
)

// sqliteTemplate is the path of the migrated SQLite template, made when
// missing.
func sqliteTemplate(tb testing.TB) string {
	sqliteOnce.Do(func() { sqliteTmpl, sqliteErr = makeSQLiteTemplate() })
	if sqliteErr != nil {
		tb.Fatalf("make the migrated SQLite template: %v", sqliteErr)
	}
	return sqliteTmpl
}

func makeSQLiteTemplate() (string, error) {
	digest, err := store.MigrationsDigest(store.SQLite)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "repertoire-template-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	// The settings a new file is made with (page size, auto-vacuum,
	// journal mode, encoding) name it too: a change to store.Open's makes
	// another template.
	settings, err := sqliteSettings(filepath.Join(dir, "empty.db"))
	if err != nil {
		return "", err
	}
	final := filepath.Join(os.TempDir(), "repertoire-template-"+digest[:16]+"-"+settings+".db")
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	path := filepath.Join(dir, "repertoire.db")
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		return "", err
	}
	err = db.Migrate(context.Background())
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// The last connection closed checkpoints the WAL into the file and
	// removes it: the file alone is the database.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return "", fmt.Errorf("the migrated database left a WAL of %d bytes", fi.Size())
	}
	// Made beside the template's place, then renamed: a test binary
	// reading it meanwhile sees the whole file or none.
	tmp := final + "." + randomHex(6)
	if err := copyFile(path, tmp); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return final, nil
}

// sqliteSettings reads the settings store.Open makes a new file with.
func sqliteSettings(path string) (string, error) {
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var pageSize, autoVacuum int
	var journal, encoding string
	r := db.Reader()
	ctx := context.Background()
	if err := r.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return "", err
	}
	if err := r.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&autoVacuum); err != nil {
		return "", err
	}
	if err := r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
		return "", err
	}
	if err := r.QueryRowContext(ctx, "PRAGMA encoding").Scan(&encoding); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d-%d-%s-%s", pageSize, autoVacuum, journal, encoding), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var (
	pgOnce  sync.Once
	pgTmpl  string
	pgOwner string      // this process's part of its databases' names
	pgDrops chan string // databases of ended tests, dropped one after another
	pgKeep  *sql.Conn   // holds this process's advisory lock while it runs
	pgAdmin *sql.DB     // connected to the test server's own database
)

// postgresTemplate is the name of the migrated template database on the
// test server, made when missing; "" when it cannot be made (a role that
// may not create databases), said once.
func postgresTemplate(tb testing.TB) string {
	pgOnce.Do(func() {
		var err error
		pgTmpl, err = makePostgresTemplate()
		if err != nil {
			pgTmpl = ""
			tb.Logf("PostgreSQL tests migrate a schema each: no template database: %v", err)
		}
	})
	return pgTmpl
}

// Advisory lock keys (class, key): templateLock is held while a test binary
// looks for the template database and makes it, as the binaries of
// several packages start at once; ownerLock, key n, by the test binary
// whose databases are named repertoire_t_<n in hex>_…, as long as it runs.
const (
	templateLock = 727368
	ownerLock    = 727369
	copyPrefix   = "repertoire_t_"
)

func makePostgresTemplate() (string, error) {
	digest, err := store.MigrationsDigest(store.Postgres)
	if err != nil {
		return "", err
	}
	name := "repertoire_tmpl_" + digest[:16]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
	if err != nil {
		return "", err
	}
	if err := own(ctx, admin); err != nil {
		admin.Close()
		return "", err
	}
	pgAdmin = admin
	pgDrops = make(chan string, 1024)
	go dropper()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, 0)", templateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1, 0)", templateLock)
	var found int
	switch err := conn.QueryRowContext(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", name).Scan(&found); {
	case err == nil:
		return name, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", err
	}
	// Made under another name, then renamed: a binary that stopped
	// half-way leaves no template that looks whole.
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	db, err := store.Open(databaseDSN(building))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	// The server ends the closed connections' backends a moment after
	// they leave; until then the database is in use and cannot be renamed.
	for {
		_, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
		if err == nil {
			return name, nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55006" || ctx.Err() != nil {
			return "", err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// own takes this process's owner lock on a connection kept open until it
// exits: the lock says its databases are in use.
func own(ctx context.Context, admin *sql.DB) error {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	for {
		b := make([]byte, 4)
		rand.Read(b)
		n := int32(binary.BigEndian.Uint32(b) &^ (1 << 31))
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", ownerLock, n).Scan(&got); err != nil {
			conn.Close()
			return err
		}
		if got {
			pgKeep, pgOwner = conn, fmt.Sprintf("%08x", n)
			return nil
		}
	}
}

// dropper drops the databases of ended tests, then those a test binary
// that has exited left (its owner lock is free): a test's copy is dropped
// after it, not while it ends, as DROP DATABASE waits for a checkpoint
// (seconds on a busy server). The copies still to drop when the binary
// exits are dropped by the next one.
func dropper() {
	reap := time.After(time.Second)
	for {
		select {
		case name := <-pgDrops:
			pgAdmin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		case <-reap:
			reapLeftovers()
		}
	}
}

// reapLeftovers drops the copies whose test binary has exited.
func reapLeftovers() {
	rows, err := pgAdmin.Query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", copyPrefix)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			names = append(names, name)
		}
	}
	rows.Close()
	ctx := context.Background()
	conn, err := pgAdmin.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, name := range names {
		owner, _, ok := strings.Cut(strings.TrimPrefix(name, copyPrefix), "_")
		n, err := strconv.ParseUint(owner, 16, 31)
		if !ok || err != nil || owner == pgOwner {
			continue
		}
		var free bool
		if conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", ownerLock, int32(n)).Scan(&free) != nil || !free {
			continue
		}
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, $2)", ownerLock, int32(n))
	}
}

// postgresCopy creates a database from the template, dropped after the
// test, and returns its DSN.
func postgresCopy(tb testing.TB, tmpl string) string {
	tb.Helper()
	name := copyPrefix + pgOwner + "_" + randomHex(6)
	// A template in use (its maker's backends not gone yet) refuses to be
	// copied for a moment.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := pgAdmin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl)
		if err == nil {
			break
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "55006" || time.Now().After(deadline) {
			tb.Fatalf("create database from the template: %v", err)
		}
	}
	tb.Cleanup(func() { pgDrops <- name })
	return databaseDSN(name)
}

// databaseDSN is the test server's DSN with the database name changed.
func databaseDSN(name string) string {
	u, err := url.Parse(os.Getenv(EnvPostgres))
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
