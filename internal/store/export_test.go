package store

import (
	"context"
	"time"
)

// MigrateTo brings the schema to version, for tests of a migration.
func MigrateTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo takes the schema down to version, running each later
// migration's down step, for tests of those steps.
func MigrateDownTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// CachedStmt reports whether query is prepared on the writer for good.
func CachedStmt(db *DB, query string) bool {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	_, ok := db.stmts.m[query]
	return ok
}

// SetCheckpointing sets the WAL length that makes the writer finish a
// checkpoint and the background checkpointer's period, for databases
// opened afterwards; it returns a function restoring both.
func SetCheckpointing(frames int, every time.Duration) (restore func()) {
	f, e := walRestartFrames, checkpointEvery
	walRestartFrames, checkpointEvery = frames, every
	return func() { walRestartFrames, checkpointEvery = f, e }
}

// CachedRead reports whether query is prepared on the reader pool.
func CachedRead(db *DB, query string) bool {
	db.reads.mu.Lock()
	defer db.reads.mu.Unlock()
	_, ok := db.reads.m[query]
	return ok
}
