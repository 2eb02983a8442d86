package vault

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/store"
)

// Store is the vault's SQL: vault_items and vault_consents.
type Store struct {
	db *store.DB
}

// NewStore returns the vault's store over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// personChunk is how many person ids one statement binds: the gateway
// may ask about every member of a large community.
const personChunk = 2000

// chunks splits a person filter into statements' worth: nil (anyone) is
// one unfiltered statement, an empty list none at all.
func chunks(personIDs []string) [][]string {
	if personIDs == nil {
		return [][]string{nil}
	}
	ids := slices.Clone(personIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out [][]string
	for start := 0; start < len(ids); start += personChunk {
		out = append(out, ids[start:min(start+personChunk, len(ids))])
	}
	return out
}

// inSet writes "col is one of vals" as one parameter whatever their
// number: a JSON array SQLite reads with json_each, a PostgreSQL text
// array. A list of hundreds of placeholders cost SQLite more to parse
// than the gateway's whole read (sqlite3VListNameToNum, a search per
// placeholder), every request.
func inSet(args *store.Args, d store.Dialect, col string, vals []string) string {
	if d == store.Postgres {
		return col + " = ANY(" + args.Add(vals) + "::text[])"
	}
	b, _ := json.Marshal(vals)
	return col + " IN (SELECT value FROM json_each(" + args.Add(string(b)) + "))"
}

// unplanned binds v as a value SQLite's planner does not look at: with
// the statistics of ANALYZE (SQLite's STAT4), a bare parameter compared
// with an indexed column marks the statement to be prepared again each
// time it is bound, which undid store.DB.Prepared for the gateway's read.
// The plan (the category's items in id order) does not depend on it.
func unplanned(args *store.Args, v any) string { return `CAST(` + args.Add(v) + ` AS TEXT)` }

// in writes "col IN ($a, $b, …)" binding vals in args.
func in(args *store.Args, col string, vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = args.Add(v)
	}
	return col + " IN (" + strings.Join(ph, ", ") + ")"
}

// Consent is personID's consent for category: DoNotShare until they say
// otherwise.
func (s *Store) Consent(ctx context.Context, personID, category string) (Consent, error) {
	if err := checkCategories("category", []string{category}); err != nil {
		return "", err
	}
	var c string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT consent FROM vault_consents WHERE person_id = $1 AND category = $2`,
		personID, category).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return DoNotShare, nil
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return Consent(c), nil
}

// Consents is personID's consent for every category.
func (s *Store) Consents(ctx context.Context, personID string) (map[string]Consent, error) {
	out := make(map[string]Consent, len(Categories))
	for _, c := range Categories {
		out[c] = DoNotShare
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT category, consent FROM vault_consents WHERE person_id = $1`, personID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cat, c string
		if err := rows.Scan(&cat, &c); err != nil {
			return nil, repertoire.Internal(err)
		}
		out[cat] = Consent(c)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// SetConsent records personID's consent for category, at once: the
// gateway reads it on its next request.
func (s *Store) SetConsent(ctx context.Context, personID, category string, c Consent) error {
	if err := checkCategories("category", []string{category}); err != nil {
		return err
	}
	if !c.Valid() {
		return repertoire.Invalid("consent", "vault.consent_unknown", nil)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO vault_consents (person_id, category, consent, modified_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (person_id, category) DO UPDATE SET consent = excluded.consent, modified_at = excluded.modified_at`,
			personID, category, string(c), tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return raise(ctx, tx)
	})
}

const itemColumns = `i.id, i.person_id, i.category, i.source, i.kind, i.happened_at, i.data, i.created_at`

func scanItem(sc store.Scanner) (Item, error) {
	var it Item
	var at sql.NullTime
	var data string
	if err := sc.Scan(&it.ID, &it.PersonID, &it.Category, &it.Source, &it.Kind, &at, &data, &it.Created); err != nil {
		return it, repertoire.Internal(err)
	}
	if at.Valid {
		it.Time = at.Time.UTC()
	}
	it.Created = it.Created.UTC()
	it.Data = []byte(data)
	return it, nil
}

func readItems(ctx context.Context, q store.Queryer, query string, args ...any) ([]Item, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

func pageLimit(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return MaxPage
	}
	return limit
}

// Shared lists items of the given categories whose owner is among
// personIDs (nil: anyone) and consents Share for the item's category;
// paging by item id after `after`, at most limit.
func (s *Store) Shared(ctx context.Context, personIDs []string, categories []string, after string, limit int) ([]Item, error) {
	return s.SharedWith(ctx, "", personIDs, categories, after, limit)
}

// consentCond is the condition that person col's consent for category
// col lets policyID read it: Share, or AskMe and their answer to that
// policy for that category allows it ("" policy: Share only).
func consentCond(args *store.Args, policyID, person, category string) string {
	share := `EXISTS (SELECT 1 FROM vault_consents c WHERE c.person_id = ` + person + ` AND c.category = ` + category + ` AND c.consent = ` +
		args.Add(string(Share)) + `)`
	if policyID == "" {
		return share
	}
	return `(` + share + ` OR EXISTS (SELECT 1 FROM vault_consents c JOIN vault_answers a ON a.person_id = c.person_id AND a.category = c.category
		WHERE c.person_id = ` + person + ` AND c.category = ` + category + ` AND c.consent = ` + args.Add(string(AskMe)) +
		` AND a.policy_id = ` + args.Add(policyID) + ` AND a.allow))`
}

// SharedWith is Shared under policyID: a member whose consent for the
// category is AskMe is read too once they allowed that policy.
func (s *Store) SharedWith(ctx context.Context, policyID string, personIDs []string, categories []string, after string, limit int) ([]Item, error) {
	if err := checkCategories("categories", categories); err != nil {
		return nil, err
	}
	limit = pageLimit(limit)
	if len(categories) == 0 {
		return nil, nil
	}
	// One statement per category (and chunk of people), each walking the
	// category's items in id order (index vault_items_category) and
	// stopping at limit: a statement over several categories, or driven
	// by the people, would read every shared item to sort them.
	var out []Item
	for _, c := range slices.Compact(slices.Sorted(slices.Values(categories))) {
		for _, ids := range chunks(personIDs) {
			var args store.Args
			conds := []string{`i.category = ` + unplanned(&args, c), `i.id > ` + unplanned(&args, after),
				consentCond(&args, policyID, "i.person_id", "i.category")}
			if ids != nil {
				// Concatenated, the column is no index key: the planner
				// keeps to the category's id order.
				conds = append(conds, inSet(&args, s.db.Dialect, "i.person_id || ''", ids))
			}
			items, err := readItems(ctx, s.db.Prepared(), `SELECT `+itemColumns+` FROM vault_items i
				WHERE `+strings.Join(conds, " AND ")+` ORDER BY i.id LIMIT `+args.Add(limit), args...)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	}
	// Each statement gave its first limit items: the first limit of them
	// all are among those.
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}

// Sharing counts, per category, the people among personIDs (nil: anyone)
// who consent Share and have items in it.
func (s *Store) Sharing(ctx context.Context, personIDs []string, categories []string) (map[string]int, error) {
	return s.SharingWith(ctx, "", personIDs, categories)
}

// SharingWith is Sharing under policyID: those whose consent is AskMe and
// who allowed that policy the category count too.
func (s *Store) SharingWith(ctx context.Context, policyID string, personIDs []string, categories []string) (map[string]int, error) {
	if err := checkCategories("categories", categories); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(categories))
	for _, c := range categories {
		out[c] = 0
	}
	if len(categories) == 0 {
		return out, nil
	}
	for _, ids := range chunks(personIDs) {
		var args store.Args
		cond := sharingCond(&args, s.db.Dialect, policyID, ids, categories)
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.category, COUNT(*) FROM vault_consents c
			WHERE `+cond+` GROUP BY c.category`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var cat string
			var n int
			if err := rows.Scan(&cat, &n); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[cat] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

// sharingCond is the condition on vault_consents c that its person (one
// of ids; nil: anyone) shares its category (one of categories) under
// policyID and has items in it.
func sharingCond(args *store.Args, d store.Dialect, policyID string, ids, categories []string) string {
	consent := `c.consent = ` + args.Add(string(Share))
	if policyID != "" {
		consent = `(` + consent + ` OR (c.consent = ` + args.Add(string(AskMe)) + ` AND EXISTS (SELECT 1 FROM vault_answers a
			WHERE a.person_id = c.person_id AND a.category = c.category AND a.policy_id = ` + args.Add(policyID) + ` AND a.allow)))`
	}
	conds := []string{consent, in(args, "c.category", categories),
		`EXISTS (SELECT 1 FROM vault_items i WHERE i.person_id = c.person_id AND i.category = c.category)`}
	if ids != nil {
		conds = append(conds, inSet(args, d, "c.person_id", ids))
	}
	return strings.Join(conds, " AND ")
}

// SharingPeopleWith is who SharingWith counts for one category: the ids,
// sorted, of the people among personIDs (nil: anyone) who share it under
// policyID and have items in it. An aggregate names them on their access
// pages.
func (s *Store) SharingPeopleWith(ctx context.Context, policyID string, personIDs []string, category string) ([]string, error) {
	if err := checkCategories("category", []string{category}); err != nil {
		return nil, err
	}
	var out []string
	for _, ids := range chunks(personIDs) {
		var args store.Args
		cond := sharingCond(&args, s.db.Dialect, policyID, ids, []string{category})
		got, err := store.Strings(ctx, s.db.Prepared(), `SELECT c.person_id FROM vault_consents c WHERE `+cond, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	slices.Sort(out)
	return out, nil
}

// raise raises the vault's sharing version (vault_version) in a
// transaction that changes who shares what: a consent, an answer, items
// added or deleted, an erasure. What the gateway keeps of who shares
// (SharersWith) holds while the version has not moved.
func raise(ctx context.Context, tx *store.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE vault_version SET version = version + 1 WHERE id = 1`); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Version is the vault's sharing version now.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.Prepared().QueryRowContext(ctx, `SELECT version FROM vault_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, repertoire.Internal(err)
	}
	return v, nil
}

// SharersWith is SharingPeopleWith read at the vault's sharing version
// before (Version): ok is false when the version moved meanwhile, and
// the people then are not to be kept. The version only grows, so the
// same version after the read means nothing changed who shares since
// before.
func (s *Store) SharersWith(ctx context.Context, before int64, policyID string, personIDs []string, category string) (people []string, ok bool, err error) {
	if people, err = s.SharingPeopleWith(ctx, policyID, personIDs, category); err != nil {
		return nil, false, err
	}
	after, err := s.Version(ctx)
	if err != nil {
		return nil, false, err
	}
	return people, after == before, nil
}

// SharedAmong is the page of the category's items (after, limit) of
// people, who share it at the vault's sharing version (SharersWith),
// read only while the version is still that one: the consent is not
// checked again per row. ok is false when nothing was read, the version
// having moved or no item being left: the caller then reads with
// SharedWith, which decides.
func (s *Store) SharedAmong(ctx context.Context, version int64, people []string, category, after string, limit int) (items []Item, ok bool, err error) {
	if err := checkCategories("category", []string{category}); err != nil {
		return nil, false, err
	}
	limit = pageLimit(limit)
	var out []Item
	parts := chunks(people)
	for _, ids := range parts {
		if ids == nil {
			return nil, false, nil // nobody named: not this path
		}
		var args store.Args
		conds := []string{`i.category = ` + unplanned(&args, category), `i.id > ` + unplanned(&args, after),
			inSet(&args, s.db.Dialect, "i.person_id || ''", ids),
			`(SELECT v.version FROM vault_version v WHERE v.id = 1) = ` + args.Add(version)}
		got, err := readItems(ctx, s.db.Prepared(), `SELECT `+itemColumns+` FROM vault_items i
			WHERE `+strings.Join(conds, " AND ")+` ORDER BY i.id LIMIT `+args.Add(limit), args...)
		if err != nil {
			return nil, false, err
		}
		out = append(out, got...)
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	if len(parts) > 1 {
		// Each statement checked the version; together, they were at one
		// version only if it is the same after the last.
		if now, err := s.Version(ctx); err != nil || now != version {
			return nil, false, err
		}
	}
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], true, nil
}

// addColumns is how many values one item row binds.
const addColumns = 10

// Add keeps items for personID in one transaction, and returns how many
// were new: an item whose content hash the person already holds is
// skipped. Each item's Category must be valid; ids and times are set here.
func (s *Store) Add(ctx context.Context, personID string, items []Item) (int, error) {
	return s.add(ctx, personID, "", items)
}

// add is Add for an import: importID marks the items it brings, so that
// undo takes them out again if it fails.
func (s *Store) add(ctx context.Context, personID, importID string, items []Item) (int, error) {
	for _, it := range items {
		if err := checkCategories("category", []string{it.Category}); err != nil {
			return 0, err
		}
	}
	added := 0
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		added = 0
		for start := 0; start < len(items); start += addBatch {
			batch := items[start:min(start+addBatch, len(items))]
			args := make([]any, 0, len(batch)*addColumns)
			for _, it := range batch {
				var at any
				if !it.Time.IsZero() {
					at = it.Time.UTC()
				}
				args = append(args, store.NewID(), personID, it.Category, it.Source, it.Kind, at, string(it.Data), it.Hash(), tx.Now, importID)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO vault_items
				(id, person_id, category, source, kind, happened_at, data, hash, created_at, import_id)
				VALUES `+store.Rows(tx.Dialect, len(batch), addColumns)+` ON CONFLICT (person_id, hash) DO NOTHING`, args...)
			if err != nil {
				return repertoire.Internal(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return repertoire.Internal(err)
			}
			added += int(n)
		}
		if added == 0 {
			return nil
		}
		return raise(ctx, tx)
	})
	return added, err
}

// addBatch is how many items one statement inserts.
const addBatch = 200

// Counts is how many items personID holds in each category (every
// category present, 0 when empty).
func (s *Store) Counts(ctx context.Context, personID string) (map[string]int, error) {
	out := make(map[string]int, len(Categories))
	for _, c := range Categories {
		out[c] = 0
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT category, COUNT(*) FROM vault_items WHERE person_id = $1 GROUP BY category`, personID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cat string
		var n int
		if err := rows.Scan(&cat, &n); err != nil {
			return nil, repertoire.Internal(err)
		}
		out[cat] = n
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// Items lists personID's items of category ("": every category) by id,
// after `after`, at most limit.
func (s *Store) Items(ctx context.Context, personID, category, after string, limit int) ([]Item, error) {
	var args store.Args
	conds := []string{`i.person_id = ` + args.Add(personID), `i.id > ` + args.Add(after)}
	if category != "" {
		if err := checkCategories("category", []string{category}); err != nil {
			return nil, err
		}
		conds = append(conds, `i.category = `+args.Add(category))
	}
	return readItems(ctx, s.db.Reader(), `SELECT `+itemColumns+` FROM vault_items i WHERE `+
		strings.Join(conds, " AND ")+` ORDER BY i.id LIMIT `+args.Add(pageLimit(limit)), args...)
}

// Get is one of personID's items; not found when it is someone else's.
func (s *Store) Get(ctx context.Context, personID, id string) (Item, error) {
	it, err := scanItem(s.db.Reader().QueryRowContext(ctx, `SELECT `+itemColumns+` FROM vault_items i
		WHERE i.id = $1 AND i.person_id = $2`, id, personID))
	if err != nil {
		return it, store.NotFound(err, "vault.item_not_found") // scanItem keeps sql.ErrNoRows as the cause
	}
	return it, nil
}

// Delete deletes one of personID's items; not found when it is someone
// else's or already gone.
func (s *Store) Delete(ctx context.Context, personID, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM vault_items WHERE id = $1 AND person_id = $2`, id, personID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return repertoire.Internal(err)
		} else if n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "vault.item_not_found")
		}
		return raise(ctx, tx)
	})
}

// DeleteCategory deletes personID's items of category ("": all of them)
// and returns how many went. Their consents stay: a member who imports
// again shares as they chose.
func (s *Store) DeleteCategory(ctx context.Context, personID, category string) (int, error) {
	if category != "" {
		if err := checkCategories("category", []string{category}); err != nil {
			return 0, err
		}
	}
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var res sql.Result
		var err error
		if category == "" {
			res, err = tx.ExecContext(ctx, `DELETE FROM vault_items WHERE person_id = $1`, personID)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM vault_items WHERE person_id = $1 AND category = $2`, personID, category)
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return repertoire.Internal(err)
		}
		return raise(ctx, tx)
	})
	return int(n), err
}

// Analyze refreshes PostgreSQL's statistics of the vault's tables (on
// SQLite it does nothing). Without them, after a large import into a new
// table, the planner took the sharing people's items whole and sorted
// them (a quarter of a second a page of Shared) where walking the
// category's items in id order takes a fraction of a millisecond;
// autovacuum would get there, later.
func (s *Store) Analyze(ctx context.Context) error {
	if s.db.Dialect != store.Postgres {
		return nil
	}
	for _, t := range []string{"vault_items", "vault_consents"} {
		if _, err := s.db.Writer().ExecContext(ctx, `ANALYZE `+t); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// begin records an import under way and returns its id.
func (s *Store) begin(ctx context.Context, personID string) (string, error) {
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vault_imports (id, person_id, started_at) VALUES ($1, $2, $3)`,
			id, personID, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return id, err
}

// end records that an import ended whole: its items stay.
func (s *Store) end(ctx context.Context, importID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM vault_imports WHERE id = $1`, importID); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
}

// undo takes out what a failed import brought: nothing of it stays.
func (s *Store) undo(ctx context.Context, personID, importID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM vault_items WHERE person_id = $1 AND import_id = $2`, personID, importID); err != nil {
			return repertoire.Internal(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vault_imports WHERE id = $1`, importID); err != nil {
			return repertoire.Internal(err)
		}
		return raise(ctx, tx)
	})
}

// Recover undoes the imports a crash stopped: those still under way
// after olderThan (younger ones may be another instance's, at work). It
// returns how many it undid.
func (s *Store) Recover(ctx context.Context, olderThan time.Duration) (int, error) {
	var stale []struct{ id, person string }
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, person_id FROM vault_imports WHERE started_at < $1`,
		store.Now().Add(-olderThan))
	if err != nil {
		return 0, repertoire.Internal(err)
	}
	for rows.Next() {
		var st struct{ id, person string }
		if err := rows.Scan(&st.id, &st.person); err != nil {
			rows.Close()
			return 0, repertoire.Internal(err)
		}
		stale = append(stale, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, repertoire.Internal(err)
	}
	for _, st := range stale {
		if err := s.undo(ctx, st.person, st.id); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// erase deletes everything the vault holds of personID, in the erasing
// transaction.
func erase(ctx context.Context, tx *store.Tx, personID string) error {
	for _, q := range []string{`DELETE FROM vault_items WHERE person_id = $1`, `DELETE FROM vault_consents WHERE person_id = $1`,
		`DELETE FROM vault_answers WHERE person_id = $1`,
		`DELETE FROM vault_imports WHERE person_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return raise(ctx, tx)
}

// ItemsPage is a page of personID's items of category ("": all) within
// the filter's dates (an item is never modified: both are its creation),
// by id, and how many there are in all.
func (s *Store) ItemsPage(ctx context.Context, personID, category string, dates api.Filter, offset, limit int) ([]Item, int, error) {
	var args store.Args
	conds := []string{`i.person_id = ` + args.Add(personID)}
	if category != "" {
		if err := checkCategories("category", []string{category}); err != nil {
			return nil, 0, err
		}
		conds = append(conds, `i.category = `+args.Add(category))
	}
	conds = append(conds, dates.Where("i.created_at", "i.created_at", args.Add)...)
	where := strings.Join(conds, " AND ")
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM vault_items i WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	items, err := readItems(ctx, s.db.Reader(), `SELECT `+itemColumns+` FROM vault_items i WHERE `+where+
		` ORDER BY i.id LIMIT `+args.Add(pageLimit(limit))+` OFFSET `+args.Add(offset), args...)
	return items, total, err
}

// Each calls fn on every item of personID, by id, reading a page at a
// time (a download of a large vault).
func (s *Store) Each(ctx context.Context, personID string, fn func(Item) error) error {
	after := ""
	for {
		items, err := s.Items(ctx, personID, "", after, MaxPage)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(items) < MaxPage {
			return nil
		}
		after = items[len(items)-1].ID
	}
}

// exportSections are the vault's parts of a person's data export: every
// item (its fields as JSON) and every consent they gave.
func exportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "vault_items", Read: func(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
			items, err := readItems(ctx, q, `SELECT `+itemColumns+` FROM vault_items i WHERE i.person_id = $1 ORDER BY i.id`, personID)
			if err != nil {
				return nil, err
			}
			out := make([]map[string]any, 0, len(items))
			for _, it := range items {
				out = append(out, it.document())
			}
			return out, nil
		}},
		{Name: "vault_consents", SQL: `SELECT category, consent, modified_at FROM vault_consents WHERE person_id = $1 ORDER BY category`},
		{Name: "vault_answers", SQL: `SELECT policy_id, category, allow, answered_at FROM vault_answers WHERE person_id = $1 ORDER BY policy_id, category`},
	}
}

// ByHash is personID's item of that content hash.
func (s *Store) ByHash(ctx context.Context, personID, hash string) (Item, error) {
	it, err := scanItem(s.db.Reader().QueryRowContext(ctx, `SELECT `+itemColumns+` FROM vault_items i
		WHERE i.person_id = $1 AND i.hash = $2`, personID, hash))
	if err != nil {
		return it, store.NotFound(err, "vault.item_not_found")
	}
	return it, nil
}

// Answer is a member's answer to a policy for a category whose consent is
// AskMe.
type Answer struct {
	PolicyID string
	Category string
	Allow    bool
	At       time.Time
}

// SetAnswer records personID's answer to policyID for category (allow or
// refuse), replacing any earlier one: the gateway reads it on its next
// request.
func (s *Store) SetAnswer(ctx context.Context, personID, policyID, category string, allow bool) error {
	if err := checkCategories("category", []string{category}); err != nil {
		return err
	}
	if policyID == "" {
		return repertoire.Invalid("policy", "field.required", nil)
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO vault_answers (person_id, policy_id, category, allow, answered_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (person_id, policy_id, category) DO UPDATE SET allow = excluded.allow, answered_at = excluded.answered_at`,
			personID, policyID, category, allow, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return raise(ctx, tx)
	})
}

// Answers are personID's answers, by policy then category.
func (s *Store) Answers(ctx context.Context, personID string) (map[string]map[string]Answer, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT policy_id, category, allow, answered_at FROM vault_answers WHERE person_id = $1`, personID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	out := map[string]map[string]Answer{}
	for rows.Next() {
		var a Answer
		if err := rows.Scan(&a.PolicyID, &a.Category, &a.Allow, &a.At); err != nil {
			return nil, repertoire.Internal(err)
		}
		a.At = a.At.UTC()
		if out[a.PolicyID] == nil {
			out[a.PolicyID] = map[string]Answer{}
		}
		out[a.PolicyID][a.Category] = a
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// AskingAbout maps each of personIDs whose consent is AskMe for one of
// categories to those categories: whom a policy covering them asks, and
// about what.
func AskingAbout(ctx context.Context, q store.Queryer, personIDs, categories []string) (map[string][]string, error) {
	if err := checkCategories("categories", categories); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, ids := range chunks(personIDs) {
		if len(ids) == 0 || len(categories) == 0 {
			continue
		}
		var args store.Args
		conds := []string{`consent = ` + args.Add(string(AskMe)), in(&args, "category", categories), in(&args, "person_id", ids)}
		rows, err := q.QueryContext(ctx, `SELECT person_id, category FROM vault_consents WHERE `+strings.Join(conds, " AND ")+
			` ORDER BY person_id, category`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var person, category string
			if err := rows.Scan(&person, &category); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out[person] = append(out[person], category)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

// Ask is a question the gateway puts to a member: an adopted policy
// covering categories whose consent they set to AskMe.
type Ask struct {
	PolicyID        string
	Consumer        string
	ConsumerPurpose string
	Community       string
	Purpose         string
	Level           string
	Starts, Ends    time.Time
	Categories      []AskCategory
}

// AskCategory is one category an Ask is about, and the member's answer.
type AskCategory struct {
	Name     string
	Answered bool
	Allow    bool
}
