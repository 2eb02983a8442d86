package store

import (
	"context"
	"database/sql"
)

// Prepared returns the reader pool for a hot path's reads of constant
// text: on SQLite each text is prepared once per connection and kept
// (database/sql's Stmt on the pool), where a plain query parses its text
// at every call; the gateway's read of a page of items spent a third of
// its time in SQLite's parser. PostgreSQL's driver already keeps its
// statements per connection: there it is the pool. Only texts without
// values in them belong here (the cache is bounded and keeps what comes
// first).
func (db *DB) Prepared() Queryer {
	if db.Dialect != SQLite {
		return db.reader
	}
	return preparedReader{db}
}

type preparedReader struct{ db *DB }

// stmt is query prepared on the reader pool, nil when the cache is full
// or it failed to prepare (the caller then runs the text, which reports
// the error).
func (p preparedReader) stmt(ctx context.Context, query string) *sql.Stmt {
	c := &p.db.reads
	c.mu.Lock()
	st, known := c.m[query]
	full := len(c.m) >= maxStmts
	c.mu.Unlock()
	if known || full {
		return st
	}
	st, err := p.db.reader.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	if other, ok := c.m[query]; ok {
		st.Close()
		return other
	}
	c.m[query] = st
	return st
}

func (p preparedReader) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.reader.ExecContext(ctx, query, args...)
}

func (p preparedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.reader.QueryContext(ctx, query, args...)
}

func (p preparedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.reader.QueryRowContext(ctx, query, args...)
}
