package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"repertoire"
)

// IsUnavailable reports whether err is the database failing rather than
// the request: PostgreSQL unreachable, shutting down or out of space, an
// SQLite file that is full, locked past the busy timeout or cannot be
// written. The same request may succeed later.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		// Class 08: connection exception; 53: insufficient resources (disk
		// full, out of memory, too many connections); 57P01–57P03: the
		// server is shutting down or starting.
		return strings.HasPrefix(e.Code, "08") || strings.HasPrefix(e.Code, "53") ||
			e.Code == "57P01" || e.Code == "57P02" || e.Code == "57P03"
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// isFull reports an SQLite database that could not grow.
func isFull(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && e.Code()&0xff == sqlite3.SQLITE_FULL
}

// Classify turns an internal error caused by the database failing into
// repertoire.EUNAVAILABLE (503 with Retry-After, not logged per request),
// and returns any other error as it is. Pages and the API call it before
// answering, so a read that failed on an unreachable database says so too.
func Classify(err error) error {
	if err == nil || repertoire.ErrorCode(err) != repertoire.EINTERNAL || !IsUnavailable(err) {
		return err
	}
	if e, ok := errors.AsType[*repertoire.Error](err); ok && e.Err != nil {
		return repertoire.Unavailable(e.Err)
	}
	return repertoire.Unavailable(err)
}

// fullFor is how long a write refused for want of space keeps the SQLite
// database "not ready": only a write tells whether space returned, and a
// write that succeeds may have fit in a page freed by another (a
// delivered mail's body), so readiness does not flap with each write.
const fullFor = 2 * time.Second

// Ready reports whether the database answers and, on SQLite, whether a
// write was refused for want of space in the last few seconds (see
// fullFor). It is /readyz, and what the server watches to log an outage
// once.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.reader.PingContext(ctx); err != nil {
		return err
	}
	if at := db.fullAt.Load(); at != 0 && time.Since(time.Unix(0, at)) < fullFor {
		return fmt.Errorf("store: the database is full: writes are refused until space is freed")
	}
	return nil
}
