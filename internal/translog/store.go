package translog

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"repertoire"
	"repertoire/internal/store"
)

// chunkRows bounds the rows of one multi-row statement (see
// participation's batch.go: SQLite scans for numbered parameters).
const chunkRows = 100

// The log's rows are few and wide (migration 44): a leaf's own row and
// index entries, and the integrator's two hash rows a leaf, cost as much
// again as the participation they recorded.
const (
	// bundleBytes bounds a row of log_leaves: the leaves appended together,
	// as an entry bundle, under PostgreSQL's TOAST threshold (about 2 KiB),
	// which would otherwise move it to rows of another table.
	bundleBytes = 1900
	// hashesPerRow is how many stored hashes a row of log_hashes holds
	// (1 KiB): row i holds stored indexes hashesPerRow*i onwards.
	hashesPerRow = 32
)

// Append adds leaves to the log inside tx, the transaction of the changes
// they record: Stage, then Staged.Append at once. It is the one way into
// the log, for every tactic. The leaves have their places (indexes) when
// tx commits; their tree hashes come with the next integration
// (Integrate), which every checkpoint signed runs first.
func Append(ctx context.Context, tx *store.Tx, leaves []Leaf) error {
	st, err := Stage(ctx, tx, leaves)
	if err != nil {
		return err
	}
	return st.Append(ctx, tx)
}

// Staged is leaves ready to append: their people's salts made, their data
// written, an erased person's receipts dropped. Nothing of it holds the
// log's size row, so a transaction stages before it takes its hot locks
// (counters, then the size) and keeps only Staged.Append after them.
type Staged struct {
	data [][]byte // each leaf's data
	// The rows to write, placed from the first leaf's index: the entry
	// bundles (log_leaves) and each participation's last leaf
	// (log_receipts).
	bundleAt  []int64
	bundles   [][]byte
	subjects  []string
	subjectAt []int64
	salts     [][]byte // each subject's
}

// Stage does, inside tx, the part of an append that needs no place in the
// log yet: the salts of the leaves' people, each leaf's data, and for an
// erasure the removal of the participation's receipt and salt (its leaves
// stay, unlinkable). A participation's leaves are hashed with its own
// salt: the one its owner keeps when the leaf carries it (Leaf.Salt, the
// participation's row since migration 47: an import's one leaf then
// writes no row of the log's but its bundle's share), else the one kept
// with its receipt (log_receipts), made on its first leaf. A leaf of no
// participation (the gateway's) is hashed with its person's (log_salts),
// and so is a participation's whose receipt predates migration 45.
func Stage(ctx context.Context, tx *store.Tx, leaves []Leaf) (*Staged, error) {
	st := &Staged{}
	if len(leaves) == 0 {
		return st, nil
	}
	salts, err := subjectSalts(ctx, tx, leaves)
	if err != nil {
		return nil, err
	}
	var people []Leaf // leaves hashed with their person's salt
	for _, l := range leaves {
		if salt, ok := salts[l.Subject]; l.Subject == "" || l.Salt == nil && ok && salt == nil {
			people = append(people, l)
		}
	}
	personSalts, err := saltsOf(ctx, tx, people)
	if err != nil {
		return nil, err
	}
	var forgotten []string
	last := map[string]int{} // a subject's last leaf, its receipt
	seen := map[string]bool{}
	count := map[string]int{} // a subject's leaves in this append
	for _, l := range leaves {
		if l.Subject != "" {
			count[l.Subject]++
		}
	}
	for i, l := range leaves {
		var salt []byte
		if l.Subject != "" && l.Salt != nil {
			salt = l.Salt
			salts[l.Subject] = salt
		} else if l.Subject != "" {
			salt = salts[l.Subject]
			if salt == nil {
				if _, had := salts[l.Subject]; had {
					salt = personSalts[l.PersonID] // a receipt from before its salt
				} else {
					salt = NewSalt()
				}
				salts[l.Subject] = salt
			}
		} else {
			salt = personSalts[l.PersonID]
		}
		data := Entry{Kind: l.Kind, Tactic: l.Tactic, ActionID: l.ActionID, Person: personHash(salt, l.ActionID)}.Encode()
		st.data = append(st.data, data)
		if n := len(st.bundles); n == 0 || len(st.bundles[n-1])+2+len(data) > bundleBytes {
			st.bundleAt = append(st.bundleAt, int64(i))
			st.bundles = append(st.bundles, nil)
		}
		st.bundles[len(st.bundles)-1] = AppendBundleEntry(st.bundles[len(st.bundles)-1], data)
		switch {
		case l.Subject == "":
		case l.New && l.Salt != nil && count[l.Subject] == 1:
			// Its owner keeps its salt and Place: no receipt row, the
			// hot path's row a leaf.
		case l.Kind == Erase:
			forgotten = append(forgotten, l.Subject)
			delete(last, l.Subject)
			delete(salts, l.Subject) // a later leaf of it (none should be) starts afresh
		default:
			if !seen[l.Subject] {
				seen[l.Subject] = true
				st.subjects = append(st.subjects, l.Subject)
			}
			last[l.Subject] = i
		}
	}
	// One row per subject: a statement may not upsert a row twice.
	st.subjects = slices.DeleteFunc(st.subjects, func(s string) bool { _, ok := last[s]; return !ok })
	for _, s := range st.subjects {
		st.subjectAt = append(st.subjectAt, int64(last[s]))
		st.salts = append(st.salts, salts[s])
	}
	if err := ForgetSubjects(ctx, tx, forgotten); err != nil {
		return nil, err
	}
	return st, nil
}

// NewSalt makes a salt, for a participation whose owner keeps it
// (Leaf.Salt) or for the log's own rows.
func NewSalt() []byte {
	salt := make([]byte, 32)
	rand.Read(salt)
	return salt
}

// Place is where to find a participation's leaf that has no receipt row
// (Leaf.Salt): the leaf the participation's state makes (a confirmation,
// with its kept salt), appended at From or after. From is the log's size
// read in the transaction that made the participation, before its append.
type Place struct {
	Leaf Leaf
	From int64
}

// Placer finds a participation's Place; ok is false when it has none (no
// such participation, or not counted, or its leaves have a receipt row).
type Placer func(ctx context.Context, q store.Queryer, subject string) (p Place, ok bool, err error)

// subjectSalts reads the salts of the leaves' participations that have a
// receipt already: a nil salt for a receipt from before migration 45. A
// participation created by the transaction (Leaf.New) has none to read.
func subjectSalts(ctx context.Context, tx *store.Tx, leaves []Leaf) (map[string][]byte, error) {
	var ids []string
	for _, l := range leaves {
		if l.Subject != "" && !l.New && l.Salt == nil {
			ids = append(ids, l.Subject)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	salts := make(map[string][]byte, len(ids))
	if len(ids) == 0 {
		return salts, nil
	}
	err := store.EachByID(ctx, tx, `SELECT subject, salt FROM log_receipts WHERE subject IN $ids`, ids, func(s store.Scanner) error {
		var id string
		var salt []byte
		if err := s.Scan(&id, &salt); err != nil {
			return err
		}
		salts[id] = salt
		return nil
	})
	return salts, err
}

// Append gives the staged leaves the next places in the log and writes
// them: the size row moved, then the leaves. On PostgreSQL the size row
// stays locked until tx commits, and other appenders (writers, instances)
// queue there, so that is one statement (the leaves passed as arrays) and
// all a transaction does after taking the row: the hashing waits for the
// integration, outside it. SQLite has one writer, for which nothing
// waits on a lock: there the append hashes its leaves too, when every
// leaf before them is integrated (always, but for a log from before
// that), sparing the integrator a transaction and a reading of the
// leaves. A nil Staged appends nothing.
func (st *Staged) Append(ctx context.Context, tx *store.Tx) error {
	if st == nil || len(st.data) == 0 {
		return nil
	}
	if tx.Dialect == store.Postgres {
		_, err := tx.ExecContext(ctx, `WITH places AS (UPDATE log_tree SET size = size + $1 WHERE id = 1 RETURNING size - $1 AS first),
			bundles AS (INSERT INTO log_leaves (idx, data)
				SELECT places.first + b.at, b.data FROM places, unnest($2::bigint[], $3::bytea[]) AS b (at, data))
			INSERT INTO log_receipts (subject, idx, salt)
			SELECT r.subject, places.first + r.at, r.salt FROM places, unnest($4::text[], $5::bigint[], $6::bytea[]) AS r (subject, at, salt)
			ON CONFLICT (subject) DO UPDATE SET idx = excluded.idx, salt = COALESCE(log_receipts.salt, excluded.salt)`,
			int64(len(st.data)), st.bundleAt, st.bundles, st.subjects, st.subjectAt, st.salts)
		return internal(err)
	}
	var end int64
	if err := tx.QueryRowContext(ctx, `UPDATE log_tree SET size = size + $1 WHERE id = 1 RETURNING size`, len(st.data)).Scan(&end); err != nil {
		return repertoire.Internal(err)
	}
	first := end - int64(len(st.data))
	rows := make([]any, 0, 2*len(st.bundles))
	for i, b := range st.bundles {
		rows = append(rows, first+st.bundleAt[i], b)
	}
	if err := insertRows(ctx, tx, `INSERT INTO log_leaves (idx, data) VALUES `, ``, rows, 2); err != nil {
		return err
	}
	rows = rows[:0]
	for i, s := range st.subjects {
		rows = append(rows, s, first+st.subjectAt[i], st.salts[i])
	}
	if err := insertRows(ctx, tx, `INSERT INTO log_receipts (subject, idx, salt) VALUES `,
		` ON CONFLICT (subject) DO UPDATE SET idx = excluded.idx, salt = COALESCE(log_receipts.salt, excluded.salt)`, rows, 3); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE log_integrated SET size = $1 WHERE id = 1 AND size = $2`, end, first)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return internal(err) // the integrator has leaves before these to hash first
	}
	return storeHashes(ctx, tx, first, st.data)
}

// storeHashes stores the tree hashes of leaves, from index first: every
// leaf before them is integrated. The row the last integration left
// part-filled is written again, whole.
func storeHashes(ctx context.Context, tx *store.Tx, first int64, leaves [][]byte) error {
	r := &hashReader{ctx: ctx, q: tx, mem: map[int64]tlog.Hash{}}
	from := tlog.StoredHashCount(first)
	if start := from - from%hashesPerRow; start < from {
		before := make([]int64, 0, from-start)
		for i := start; i < from; i++ {
			before = append(before, i)
		}
		if _, err := r.ReadHashes(before); err != nil {
			return repertoire.Internal(err)
		}
	}
	for i, data := range leaves {
		n := first + int64(i)
		hashes, err := tlog.StoredHashes(n, data, r)
		if err != nil {
			return repertoire.Internal(err)
		}
		at := tlog.StoredHashCount(n)
		for j, h := range hashes {
			r.mem[at+int64(j)] = h
		}
	}
	to := tlog.StoredHashCount(first + int64(len(leaves)))
	var rows []any
	for row := from / hashesPerRow; row*hashesPerRow < to; row++ {
		b := make([]byte, 0, hashesPerRow*tlog.HashSize)
		for i := row * hashesPerRow; i < min(to, (row+1)*hashesPerRow); i++ {
			h := r.mem[i]
			b = append(b, h[:]...)
		}
		rows = append(rows, row, b)
	}
	return insertRows(ctx, tx, `INSERT INTO log_hashes (idx, hashes) VALUES `, ` ON CONFLICT (idx) DO UPDATE SET hashes = excluded.hashes`, rows, 2)
}

// integrateChunk bounds the leaves one integrating transaction hashes.
const integrateChunk = 5000

// Integrate hashes the leaves appended since the last integration into
// the tree's stored hashes (log_hashes), in transactions of its own that
// lock log_integrated (one integrator at a time, across instances) and
// never log_tree, so appends do not wait for it. It returns the
// integrated size: every leaf committed before the call is in it.
func Integrate(ctx context.Context, db *store.DB) (int64, error) {
	for {
		var done int64
		more := false
		err := db.Write(ctx, func(tx *store.Tx) error {
			lock := ""
			if tx.Dialect == store.Postgres {
				lock = " FOR UPDATE"
			}
			var from int64
			if err := tx.QueryRowContext(ctx, `SELECT size FROM log_integrated WHERE id = 1`+lock).Scan(&from); err != nil {
				return repertoire.Internal(err)
			}
			// Every append that moved the size past a place committed
			// before this statement began: the leaves below it are all
			// there (on PostgreSQL, each append waited for the previous
			// one's commit to take the size row).
			to, err := Size(ctx, tx)
			if err != nil {
				return err
			}
			if to > from+integrateChunk {
				to, more = from+integrateChunk, true
			}
			done = to
			if to <= from {
				done = from
				return nil
			}
			leaves, err := leavesData(ctx, tx, from, to)
			if err != nil {
				return err
			}
			if err := storeHashes(ctx, tx, from, leaves); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE log_integrated SET size = $1 WHERE id = 1`, to)
			return internal(err)
		})
		if err != nil || !more {
			return done, err
		}
	}
}

// Integrated is the log's integrated size: the tree a checkpoint can sign.
func Integrated(ctx context.Context, q store.Queryer) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT size FROM log_integrated WHERE id = 1`).Scan(&n)
	return n, internal(err)
}

// insertRows inserts args, cols a row, chunkRows rows a statement, each
// statement ending with suffix.
func insertRows(ctx context.Context, tx *store.Tx, prefix, suffix string, args []any, cols int) error {
	per := chunkRows * cols
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		if _, err := tx.ExecContext(ctx, prefix+store.Rows(tx.Dialect, len(chunk)/cols, cols)+suffix, chunk...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// saltsOf gives each person of leaves a salt, made on their first leaf,
// in person order (the lock order of the batches meeting in PostgreSQL).
func saltsOf(ctx context.Context, tx *store.Tx, leaves []Leaf) (map[string][]byte, error) {
	var ids []string
	for _, l := range leaves {
		ids = append(ids, l.PersonID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, id, NewSalt())
	}
	// The insert returns the salts it made; only the people who had one
	// already (taking part again) are read after it.
	salts := make(map[string][]byte, len(ids))
	per := chunkRows * 2
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		rows, err := tx.QueryContext(ctx, `INSERT INTO log_salts (person_id, salt) VALUES `+store.Rows(tx.Dialect, len(chunk)/2, 2)+
			` ON CONFLICT (person_id) DO NOTHING RETURNING person_id, salt`, chunk...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var id string
			var salt []byte
			if err := rows.Scan(&id, &salt); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			salts[id] = salt
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	var had []string
	for _, id := range ids {
		if salts[id] == nil {
			had = append(had, id)
		}
	}
	if len(had) == 0 {
		return salts, nil
	}
	err := store.EachByID(ctx, tx, `SELECT person_id, salt FROM log_salts WHERE person_id IN $ids`, had, func(s store.Scanner) error {
		var id string
		var salt []byte
		if err := s.Scan(&id, &salt); err != nil {
			return err
		}
		salts[id] = salt
		return nil
	})
	return salts, err
}

// ForgetPerson drops a person's salt (their erasure): the leaves naming
// them stay, and nobody can link them to the person any more.
func ForgetPerson(ctx context.Context, tx *store.Tx, personID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM log_salts WHERE person_id = $1`, personID)
	return internal(err)
}

// ForgetSubjects drops the receipts of participations being erased,
// counted or not (a withdrawn one has leaves too): their leaves stay,
// found by no participation.
func ForgetSubjects(ctx context.Context, tx *store.Tx, subjects []string) error {
	for start := 0; start < len(subjects); start += chunkRows {
		marks, args := store.In(subjects[start:min(start+chunkRows, len(subjects))], 1)
		if _, err := tx.ExecContext(ctx, `DELETE FROM log_receipts WHERE subject IN (`+marks+`)`, args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// HasSubjectSalt reports whether a participation still has a salt (for
// tests and the erasure's checks).
func HasSubjectSalt(ctx context.Context, q store.Queryer, subject string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_receipts WHERE subject = $1 AND salt IS NOT NULL`, subject).Scan(&n)
	return n > 0, internal(err)
}

// HasSalt reports whether a person still has a salt (for tests and the
// erasure's checks).
func HasSalt(ctx context.Context, q store.Queryer, personID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_salts WHERE person_id = $1`, personID).Scan(&n)
	return n > 0, internal(err)
}

func internal(err error) error {
	if err == nil {
		return nil
	}
	return repertoire.Internal(err)
}

// Empty reports whether the log has no leaf yet, locking its size row
// on PostgreSQL until tx ends (the backfill of a database from before the
// log runs once).
func Empty(ctx context.Context, tx *store.Tx) (bool, error) {
	lock := ""
	if tx.Dialect == store.Postgres {
		lock = " FOR UPDATE"
	}
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT size FROM log_tree WHERE id = 1`+lock).Scan(&n)
	return n == 0, internal(err)
}

// Size is the log's size: the places appends took, committed. A leaf
// below it is in the log; its hashes come with the next integration.
func Size(ctx context.Context, q store.Queryer) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT size FROM log_tree WHERE id = 1`).Scan(&n)
	return n, internal(err)
}

// leafOf finds the last leaf recording a participation (its receipt).
func leafOf(ctx context.Context, q store.Queryer, subject string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT idx FROM log_receipts WHERE subject = $1`, subject).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return -1, nil
	}
	return n, internal(err)
}

// placeScan bounds the leaves a receipt's search reads from its Place:
// the appends that took places between the participation's transaction
// reading the size and its own append (other writers, other instances).
const placeScan = 1 << 16

// findLeaf finds the first leaf whose data is data at index from or
// after, within placeScan leaves (-1: none). A leaf with a Place is its
// participation's only one (any later leaf has a receipt row), and its
// salt its own: the first match is it.
func findLeaf(ctx context.Context, q store.Queryer, data []byte, from int64) (int64, error) {
	size, err := Size(ctx, q)
	if err != nil {
		return -1, err
	}
	end := min(size, from+placeScan)
	for at := from; at < end; {
		to := min(end, at+1024)
		leaves, err := leavesData(ctx, q, at, to)
		if err != nil {
			return -1, err
		}
		for k, d := range leaves {
			if bytes.Equal(d, data) {
				return at + int64(k), nil
			}
		}
		at = to
	}
	return -1, nil
}

var errMissingLeaf = errors.New("translog: a leaf is missing")

// leavesData reads the data of leaves [from, to), from the bundle holding
// leaf from onwards.
func leavesData(ctx context.Context, q store.Queryer, from, to int64) ([][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT idx, data FROM log_leaves
		WHERE idx >= (SELECT idx FROM log_leaves WHERE idx <= $1 ORDER BY idx DESC LIMIT 1) AND idx < $2 ORDER BY idx`, from, to)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out [][]byte
	next := int64(-1) // the index the next bundle starts at
	for rows.Next() {
		var i int64
		var b []byte
		if err := rows.Scan(&i, &b); err != nil {
			return nil, internal(err)
		}
		if next >= 0 && i != next || next < 0 && i > from {
			return nil, repertoire.Internal(errMissingLeaf)
		}
		leaves, err := SplitBundle(b)
		if err != nil || len(leaves) == 0 {
			return nil, repertoire.Internal(errors.New("translog: a bundle of leaves is malformed"))
		}
		for k, d := range leaves {
			if n := i + int64(k); n >= from && n < to {
				out = append(out, d)
			}
		}
		next = i + int64(len(leaves))
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	if int64(len(out)) != to-from {
		return nil, repertoire.Internal(errMissingLeaf)
	}
	return out, nil
}

// hashReader reads stored hashes from the database, those of the
// transaction's own appends from memory.
type hashReader struct {
	ctx context.Context
	q   store.Queryer
	mem map[int64]tlog.Hash
}

func (r *hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	if r.mem == nil {
		r.mem = map[int64]tlog.Hash{}
	}
	var missing []int64 // rows of log_hashes
	for _, i := range indexes {
		if _, ok := r.mem[i]; !ok {
			missing = append(missing, i/hashesPerRow)
		}
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	for start := 0; start < len(missing); start += 500 {
		chunk := missing[start:min(start+500, len(missing))]
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for j, i := range chunk {
			marks[j], args[j] = "$"+strconv.Itoa(j+1), i
		}
		rows, err := r.q.QueryContext(r.ctx, `SELECT idx, hashes FROM log_hashes WHERE idx IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var row int64
			var b []byte
			if err := rows.Scan(&row, &b); err != nil {
				rows.Close()
				return nil, err
			}
			if len(b)%tlog.HashSize != 0 || len(b) > hashesPerRow*tlog.HashSize {
				rows.Close()
				return nil, errors.New("translog: a row of stored hashes is malformed")
			}
			for k := 0; k*tlog.HashSize < len(b); k++ {
				i := row*hashesPerRow + int64(k)
				if _, ok := r.mem[i]; !ok { // this transaction's own hashes stand
					r.mem[i] = tlog.Hash(b[k*tlog.HashSize : (k+1)*tlog.HashSize])
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := r.mem[i]
		if !ok {
			return nil, errors.New("translog: a stored hash is missing")
		}
		out[k] = h
	}
	return out, nil
}
