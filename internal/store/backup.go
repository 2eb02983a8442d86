package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrPostgresBackup explains where PostgreSQL's backups come from: its own
// tools, which know its storage better than Repertoire could.
var ErrPostgresBackup = errors.New("on PostgreSQL, back up with pg_dump and restore with pg_restore " +
	"(pg_dump --format=custom --file=FILE DSN; pg_restore --no-owner --dbname=EMPTY_DB FILE; " +
	"then `repertoire migrate --db EMPTY_DB` checks the restored schema): see docs/deploy.md")

// Backup writes a consistent copy of the SQLite database to out while it
// keeps serving: VACUUM INTO reads one snapshot (what was committed when it
// began, WAL included) and writes a compact database, without taking the
// write lock. The copy is written beside out and renamed when whole, so
// out is never half a backup. out must not exist.
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.Dialect != SQLite {
		return ErrPostgresBackup
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s exists: choose a new file", out)
	}
	tmp := filepath.Join(filepath.Dir(out), ".tmp-"+filepath.Base(out))
	os.Remove(tmp)
	if _, err := db.writer.ExecContext(ctx, `VACUUM INTO `+quoteLiteral(tmp)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkSQLiteFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

// RestoreSQLite copies a backup into a new database at path (a file that
// does not exist, or is empty), after checking the backup reads whole.
// The caller then opens and migrates it as usual: a backup of an older
// version is upgraded, one of a newer version refused (Migrate).
func RestoreSQLite(ctx context.Context, backup, path string) error {
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return fmt.Errorf("restore: %s is not empty: restore into a new database, then point --db at it", path)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + side); err == nil {
			return fmt.Errorf("restore: %s%s exists: is a server running on %s?", path, side, path)
		}
	}
	if err := checkSQLiteFile(ctx, backup); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := copyFile(backup, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	return os.Rename(tmp, path)
}

// checkSQLiteFile opens a database file read-only and runs SQLite's
// integrity check over it.
func checkSQLiteFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	db, err := Open("sqlite:" + path)
	if err != nil {
		return err
	}
	defer db.Close()
	var result string
	if err := db.reader.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&result); err != nil {
		return fmt.Errorf("%s is not a readable SQLite database: %w", path, err)
	}
	if result != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, result)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v == 0 {
		return fmt.Errorf("%s holds no Repertoire schema (%v)", path, err)
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

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
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
