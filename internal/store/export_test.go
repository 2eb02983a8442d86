package store

import "context"

// MigrateTo brings the schema to version, for tests of a migration.
func MigrateTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// CachedStmt reports whether query is prepared on the writer for good.
func CachedStmt(db *DB, query string) bool {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	_, ok := db.stmts.m[query]
	return ok
}
