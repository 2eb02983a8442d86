// Package store opens the database — embedded SQLite or PostgreSQL — and
// runs the SQL shared by both engines. Each capability keeps its own queries
// next to its domain code (community/store.go, campaign/store.go, …) and
// calls Write or Read here, so the transaction rules live in one place.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"               // registers "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"repertoire"
)

// Dialect names the engine, for the few statements that differ.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the handle every store uses. On SQLite writes go through a single
// connection (SQLite has one writer; queuing in Go is cheaper than
// SQLITE_BUSY retries) and reads through a pool; on PostgreSQL both are
// the same pool.
type DB struct {
	Dialect Dialect
	writer  *sql.DB
	reader  *sql.DB
	stop    func() // stops the SQLite checkpointer
	stmts   stmtCache
	reads   stmtCache // statements prepared on the reader pool (prepared.go)
	// finishCheckpoint asks the writer to checkpoint between two
	// transactions: see startCheckpointer.
	finishCheckpoint atomic.Bool
	// fullAt is when a write was last refused for want of space (unix
	// nanoseconds; 0: never), for Ready.
	fullAt atomic.Int64
	listen listeners // SQLite's in-process notifications (notify.go)
}

// walRestartFrames is the size of the WAL (in pages) above which the
// writer finishes a checkpoint itself, so that the WAL starts again from
// its beginning: 256 MB with 4 KiB pages, reached every few seconds under a
// spike. The writer's pass syncs what was appended since the background's
// last one, 5 to 50 ms on this machine, so it should be rare; a longer WAL
// makes every page lookup in it slower.
var walRestartFrames = 65536

// checkpointEvery is the background checkpointer's period.
var checkpointEvery = 500 * time.Millisecond

// stmtCache holds statements prepared on the writer pool once, by text.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxStmts bounds the cache: the hot paths have a few dozen texts (the
// group commit's multi-row statements, one per row count).
const maxStmts = 512

// Open parses "sqlite:PATH" or "postgres://…" and opens the database.
// It does not migrate; call Migrate.
func Open(dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{Dialect: Postgres, writer: pool, reader: pool}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: empty sqlite path")
		}
		q := url.Values{}
		// The writer never checkpoints: a checkpoint inside a commit would
		// stall every caller waiting on that commit; startCheckpointer does
		// it beside the writer instead. Statement journals (each multi-row
		// insert with ON CONFLICT keeps one) stay in memory: on disk they
		// cost a write system call per page touched.
		for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)",
			"wal_autocheckpoint(0)", "cache_size(-65536)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		q.Set("_time_format", "sqlite")
		q.Set("_txlock", "immediate")
		base := "file:" + path + "?" + q.Encode()
		writer, err := sql.Open("sqlite", base)
		if err != nil {
			return nil, err
		}
		writer.SetMaxOpenConns(1)
		writer.SetConnMaxIdleTime(0)
		writer.SetConnMaxLifetime(0)
		// Create the file and switch it to WAL before readers open it.
		if err := writer.Ping(); err != nil {
			writer.Close()
			return nil, err
		}
		rq := url.Values{}
		for _, p := range []string{"foreign_keys(1)", "busy_timeout(10000)", "query_only(1)"} {
			rq.Add("_pragma", p)
		}
		rq.Set("_time_format", "sqlite")
		reader, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
		if err != nil {
			writer.Close()
			return nil, err
		}
		reader.SetMaxOpenConns(8)
		reader.SetMaxIdleConns(8)
		db := &DB{Dialect: SQLite, writer: writer, reader: reader}
		if err := db.startCheckpointer(base); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	return nil, fmt.Errorf("store: database must be sqlite:PATH or postgres://…, got %q", redact(dsn))
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// startCheckpointer copies the SQLite write-ahead log into the database
// file from its own connection, twice a second, so that no commit pays for
// the copying. PASSIVE never blocks the writer or readers — but the log only
// starts again from its beginning once a checkpoint has caught up with all
// of it, which one running beside a busy writer never does: the log grew by
// gigabytes a minute, every frame a write to a new part of the file. So
// when the log is long, the writer itself finishes the checkpoint between
// two transactions (Write), with little left to copy.
func (db *DB) startCheckpointer(dsn string) error {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	conn.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if db.finishCheckpoint.Load() {
					// The writer's pass is due: a checkpoint of
					// ours now would make it busy, and the log
					// would never start again.
					continue
				}
				// Copy, then copy again what the writer appended
				// meanwhile, until little is new: the writer's own
				// pass (Write) is then short.
				checkpoint := func() (frames, done int) {
					var busy int
					if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done); err != nil {
						return 0, 0
					}
					return frames, done
				}
				frames, _ := checkpoint()
				if frames <= walRestartFrames {
					continue
				}
				for range 4 {
					before := frames
					if frames, _ = checkpoint(); frames-before < 256 {
						break
					}
				}
				db.finishCheckpoint.Store(true)
			}
		}
	}()
	db.stop = func() {
		cancel()
		<-done
		conn.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		conn.Close()
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stop()
		db.stop = nil
	}
	db.stmts.mu.Lock()
	for _, st := range db.stmts.m {
		st.Close()
	}
	db.stmts.m = nil
	db.stmts.mu.Unlock()
	db.reads.mu.Lock()
	for _, st := range db.reads.m {
		st.Close()
	}
	db.reads.m = nil
	db.reads.mu.Unlock()
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Ping reports whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	return db.reader.PingContext(ctx)
}

// Queryer is what both a transaction and a read pool offer.
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Private store helpers take a *Tx; the public
// method that owns the transaction calls Write.
type Tx struct {
	*sql.Tx
	Dialect Dialect
	Now     time.Time // one clock reading per transaction
	db      *DB
	local   map[string]*sql.Stmt // the statements of this transaction, by text
	unknown []string             // those to cache for good when it ends
	notes   []note               // SQLite: notifications to deliver after the commit
}

// Write runs fn in a transaction and commits it when fn returns nil.
// Errors from fn are returned as they are; failures of the database itself
// become internal errors.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if db.finishCheckpoint.CompareAndSwap(true, false) {
		// Between two transactions of the only writer nothing new is
		// written: this checkpoint catches up with the whole WAL (the
		// background one did most of the copying), and the next commit
		// writes from the WAL's start again. When it could not (the
		// background checkpointer held the log at that moment), the next
		// transaction tries again.
		var busy, frames, done int
		err := db.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done)
		if err == nil && (busy != 0 || done < frames) {
			db.finishCheckpoint.Store(true)
		}
	}
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.failed(repertoire.Internal(err))
	}
	tx := &Tx{Tx: sqlTx, Dialect: db.Dialect, Now: Now(), db: db}
	defer func() { db.prepare(tx.unknown) }()
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return db.failed(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return db.failed(repertoire.Internal(err))
	}
	db.deliver(tx.notes)
	return nil
}

// failed notes a write refused for want of space (see Ready) and turns a
// failure of the database into EUNAVAILABLE: nothing of the transaction
// was kept, and the caller may try again.
func (db *DB) failed(err error) error {
	if isFull(err) {
		db.fullAt.Store(time.Now().UnixNano())
	}
	return Classify(err)
}

// ExecContext, QueryContext and QueryRowContext run query in tx. On
// SQLite they go through statements prepared once on the writer (stmt):
// its parser costs as much as running a batch's multi-row statement. On
// PostgreSQL, pgx keeps its own per-connection statement cache.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.Dialect != SQLite {
		return tx.Tx.ExecContext(ctx, query, args...)
	}
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.Dialect != SQLite {
		return tx.Tx.QueryContext(ctx, query, args...)
	}
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx.Dialect != SQLite {
		return tx.Tx.QueryRowContext(ctx, query, args...)
	}
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return tx.Tx.QueryRowContext(ctx, query, args...) // carries the same error
	}
	return st.QueryRowContext(ctx, args...)
}

// stmt returns query prepared for tx, once per transaction, from the
// statements prepared once on the writer. One not yet cached is prepared
// for this transaction only and cached when it ends: preparing it on the
// pool now would wait for the connection tx holds.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := tx.local[query]; st != nil {
		return st, nil
	}
	tx.db.stmts.mu.Lock()
	cached := tx.db.stmts.m[query]
	tx.db.stmts.mu.Unlock()
	var st *sql.Stmt
	if cached != nil {
		st = tx.StmtContext(ctx, cached)
	} else {
		var err error
		if st, err = tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		tx.unknown = append(tx.unknown, query)
	}
	if tx.local == nil {
		tx.local = map[string]*sql.Stmt{}
	}
	tx.local[query] = st
	return st, nil
}

// prepare caches the statements of queries on the writer, while the cache
// has room. A statement that fails to prepare is left out: its next use
// reports the error in its own transaction.
func (db *DB) prepare(queries []string) {
	for _, q := range queries {
		db.stmts.mu.Lock()
		if db.stmts.m == nil {
			db.stmts.m = map[string]*sql.Stmt{}
		}
		_, known := db.stmts.m[q]
		full := len(db.stmts.m) >= maxStmts
		db.stmts.mu.Unlock()
		if known || full {
			continue
		}
		st, err := db.writer.Prepare(q)
		if err != nil {
			continue
		}
		db.stmts.mu.Lock()
		if _, known := db.stmts.m[q]; known {
			st.Close()
		} else {
			db.stmts.m[q] = st
		}
		db.stmts.mu.Unlock()
	}
}

// Reader returns the pool for reads outside a transaction.
func (db *DB) Reader() Queryer { return db.reader }

// Writer returns the write pool, for the rare statement that needs no
// transaction (and for tests).
func (db *DB) Writer() Queryer { return db.writer }

// NewID returns a time-ordered identifier (UUIDv7).
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// NewToken returns a random URL-safe token (256 bits) for a link or a
// session; store only its HashToken.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is what is stored of a token: its SHA-256, hex. Tokens carry
// 256 random bits, so a plain hash is enough (no salt, no stretching) and
// lookups by hash stay indexable.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Now is the current time in UTC, truncated to microseconds: both engines
// keep that precision, so what is written reads back equal.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// IsUniqueViolation reports whether err is a unique constraint failure on
// either engine, from the driver's error code.
func IsUniqueViolation(err error) bool {
	if sqliteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := sqliteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505" // unique_violation
	}
	return false
}

// NotFound maps sql.ErrNoRows to a not-found domain error with the given
// message ID, and anything else to an internal error.
func NotFound(err error, messageID string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return repertoire.Errorf(repertoire.ENOTFOUND, messageID)
	}
	var e *repertoire.Error
	if errors.As(err, &e) {
		return e
	}
	return repertoire.Internal(err)
}

// NullTime converts an optional time for a query argument.
func NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// TimePtr converts a scanned sql.NullTime back.
func TimePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// Rows writes the placeholders of a multi-row VALUES list: n rows of cols
// arguments, in order. SQLite gets plain "?": it resolves each "$N" by
// scanning the list of those seen so far, which grows quadratic with the
// thousand arguments of a large insert.
func Rows(d Dialect, n, cols int) string {
	var b strings.Builder
	k := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if d == SQLite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(k))
			}
			k++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// idChunk is how many ids one statement of EachByID binds: a list of a
// hundred thousand (a pledge's fan-out) takes fifty reads.
const idChunk = 2000

// EachByID runs query for ids, idChunk at a time, and scan on each row.
// The query names the list as "IN $ids": each chunk's placeholders take
// its place. It is how one capability reads the rows of many ids another
// one holds, instead of joining a table it does not own.
func EachByID(ctx context.Context, q Queryer, query string, ids []string, scan func(Scanner) error) error {
	if !strings.Contains(query, "$ids") {
		return repertoire.Internal(errors.New("store: EachByID query without $ids"))
	}
	// SQLite resolves each "$N" by a scan of those seen so far (a chunk of
	// 2,000 costs two million comparisons): a transaction, or a pool,
	// that is SQLite's binds plain "?" there.
	plain := false
	switch q := q.(type) {
	case *Tx:
		plain = q.Dialect == SQLite
	case *sql.DB:
		_, plain = q.Driver().(*sqlite.Driver)
	}
	for start := 0; start < len(ids); start += idChunk {
		chunk := ids[start:min(start+idChunk, len(ids))]
		args := make([]any, len(chunk))
		var b strings.Builder
		b.WriteByte('(')
		for i, id := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			if plain {
				b.WriteByte('?')
			} else {
				b.WriteString("$" + strconv.Itoa(i+1))
			}
			args[i] = id
		}
		b.WriteByte(')')
		if err := eachRow(ctx, q, strings.Replace(query, "$ids", b.String(), 1), args, scan); err != nil {
			return err
		}
	}
	return nil
}

// EachIn is EachByID in a writing transaction, for a statement that may
// change rows (scan nil: nothing read back): on PostgreSQL the ids are
// one array ("IN $ids" read as "= ANY($1)"), one statement of one text
// whatever their number; SQLite, which has no arrays, takes them a chunk
// at a time. The integrity review's runs write thousands at once.
func EachIn(ctx context.Context, tx *Tx, query string, ids []string, scan func(Scanner) error) error {
	if !strings.Contains(query, "IN $ids") {
		return repertoire.Internal(errors.New("store: EachIn query without IN $ids"))
	}
	if len(ids) == 0 {
		return nil
	}
	if tx.Dialect == Postgres {
		return eachRow(ctx, tx, strings.Replace(query, "IN $ids", "= ANY($1::text[])", 1), []any{ids}, scan)
	}
	return EachByID(ctx, tx, query, ids, scan)
}

// eachRow runs query and scan on each of its rows; with scan nil it only
// executes it.
func eachRow(ctx context.Context, q Queryer, query string, args []any, scan func(Scanner) error) error {
	if scan == nil {
		_, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return repertoire.AsError(err)
		}
	}
	if err := rows.Err(); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Scanner is a row being read.
type Scanner interface{ Scan(dest ...any) error }

// In writes the placeholders of an "IN (…)" list of vals, numbered from
// first ("$3, $4, …"), and vals as arguments.
func In(vals []string, first int) (string, []any) {
	var b strings.Builder
	args := make([]any, len(vals))
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(first+i))
		args[i] = v
	}
	return b.String(), args
}

// Strings reads a query's one text column, in the order of its rows.
func Strings(ctx context.Context, q Queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// Args gathers a statement's arguments while its conditions are written:
// Add binds one value and returns its placeholder ($n), so a value is
// never spliced into SQL.
type Args []any

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike is s with LIKE's wildcards escaped, for a pattern written
// with ESCAPE '\' (a searched text, an address or a name found anywhere
// in a column).
func EscapeLike(s string) string { return likeEscaper.Replace(s) }
