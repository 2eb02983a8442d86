package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// One folder per engine, with identical version numbers: a change to the
// schema is one file in each.
//
//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date. It refuses a database migrated
// by a newer Repertoire: this binary would not know its schema, and
// running it could lose what the newer one writes.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	current, newest, err := p.GetVersions(ctx)
	if err != nil {
		return err
	}
	if current > newest {
		return &TooNewError{Database: current, Binary: newest}
	}
	_, err = p.Up(ctx)
	return err
}

// TooNewError is a database whose schema is newer than this binary's.
type TooNewError struct{ Database, Binary int64 }

func (e *TooNewError) Error() string {
	return fmt.Sprintf("the database's schema is at version %d, newer than this binary's %d: "+
		"it was upgraded by a newer Repertoire; run that version (or newer), or restore a backup taken before the upgrade", e.Database, e.Binary)
}

// SchemaVersions are the schema versions this binary knows, oldest first:
// each is a release point an upgrade may start from.
func (db *DB) SchemaVersions() ([]int64, error) {
	p, err := db.migrations()
	if err != nil {
		return nil, err
	}
	var vs []int64
	for _, s := range p.ListSources() {
		vs = append(vs, s.Version)
	}
	return vs, nil
}

// SchemaVersion is the database's current schema version (0: empty).
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := db.migrations()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// MigrationsDigest is a digest of the migrations of dialect d this binary
// carries, names and contents: two binaries with the same digest migrate a
// database to the same schema. The test helpers name the migrated
// database they copy with it (storetest).
func MigrationsDigest(d Dialect) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations, "migrations/"+string(d), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (db *DB) migrations() (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if db.Dialect == Postgres {
		gd = goose.DialectPostgres
	}
	return goose.NewProvider(gd, db.writer, dir)
}
