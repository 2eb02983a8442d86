package gateway

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/store"
)

// rowsPer is how many rows one multi-row insert writes.
const rowsPer = 50

func insertRows(ctx context.Context, tx *store.Tx, prefix string, cols int, args []any) error {
	per := rowsPer * cols
	for start := 0; start < len(args); start += per {
		chunk := args[start:min(start+per, len(args))]
		if _, err := tx.ExecContext(ctx, prefix+store.Rows(tx.Dialect, len(chunk)/cols, cols), chunk...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// insertHistory writes a batch's requests and accesses: on PostgreSQL in
// one statement of one text whatever their number (arrays unnested), a
// round trip less in every batch, and no statement to prepare for each
// count of rows; on SQLite, multi-row inserts on its one connection.
func insertHistory(ctx context.Context, tx *store.Tx, reqs []*Request, as []*Access) error {
	if tx.Dialect != store.Postgres {
		if err := insertRequests(ctx, tx, reqs); err != nil {
			return err
		}
		return insertAccesses(ctx, tx, as)
	}
	n := len(reqs)
	rid, rconsumer, rpolicy, rendpoint, rcategory, routcome, rreason, rset := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ritems, rmembers, rat := make([]int32, n), make([]int32, n), make([]time.Time, n)
	for i, r := range reqs {
		rid[i], rconsumer[i], rpolicy[i], rendpoint[i], rcategory[i] = r.ID, r.ConsumerID, r.PolicyID, r.Endpoint, r.Category
		routcome[i], rreason[i], rset[i], ritems[i], rmembers[i], rat[i] = r.Outcome, r.Reason, r.SetID, int32(r.Items), int32(r.People), r.At
	}
	m := len(as)
	aperson, aat, areq, aitemIDs, aitems := make([]string, m), make([]time.Time, m), make([]string, m), make([]string, m), make([]int32, m)
	for i, a := range as {
		aperson[i], aat[i], areq[i], aitemIDs[i], aitems[i] = a.PersonID, a.At, a.RequestID, strings.Join(a.ItemIDs, ","), int32(a.Items)
	}
	_, err := tx.ExecContext(ctx, `WITH r AS (
			INSERT INTO gateway_requests (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id)
			SELECT id, consumer_id, NULLIF(policy_id, ''), endpoint, category, outcome, reason, items, members_read, at, NULLIF(set_id, '')
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[],
				$10::timestamptz[], $11::text[]) AS u (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at, set_id))
		INSERT INTO gateway_accesses (person_id, at, request_id, item_ids, items)
		SELECT * FROM unnest($12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::int[])`,
		rid, rconsumer, rpolicy, rendpoint, rcategory, routcome, rreason, ritems, rmembers, rat, rset,
		aperson, aat, areq, aitemIDs, aitems)
	return internal(err)
}

func insertRequests(ctx context.Context, tx *store.Tx, reqs []*Request) error {
	args := make([]any, 0, len(reqs)*11)
	for _, r := range reqs {
		var policy, set any
		if r.PolicyID != "" {
			policy = r.PolicyID
		}
		if r.SetID != "" {
			set = r.SetID
		}
		args = append(args, r.ID, r.ConsumerID, policy, r.Endpoint, r.Category, r.Outcome, r.Reason, r.Items, r.People, r.At, set)
	}
	return insertRows(ctx, tx, `INSERT INTO gateway_requests (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read,
		at, set_id) VALUES `, 11, args)
}

func insertAccesses(ctx context.Context, tx *store.Tx, as []*Access) error {
	args := make([]any, 0, len(as)*5)
	for _, a := range as {
		args = append(args, a.PersonID, a.At, a.RequestID, strings.Join(a.ItemIDs, ","), a.Items)
	}
	return insertRows(ctx, tx, `INSERT INTO gateway_accesses (person_id, at, request_id, item_ids, items) VALUES `, 5, args)
}

// addCounts counts a batch's requests in the policy's minute and its
// items on day, in the policy's one row of counts (a later minute or day
// starts from the batch's), and returns the counts after. The row stays
// locked until tx commits (PostgreSQL), so every instance's writers count
// in turn. A batch from an instance whose clock is behind the row's (a
// minute or day earlier) counts in the row's window, never starting an
// earlier one again: around midnight a limit may count a few requests
// early, but what two instances serve together never goes over it.
func addCounts(ctx context.Context, tx *store.Tx, policyID, minute string, requests int, day string, items int) (int, int, error) {
	var r, u int
	err := tx.QueryRowContext(ctx, `INSERT INTO gateway_counts (policy_id, minute, requests, day, items) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (policy_id) DO UPDATE SET
			requests = CASE WHEN excluded.minute > gateway_counts.minute THEN excluded.requests ELSE gateway_counts.requests + excluded.requests END,
			minute = CASE WHEN excluded.minute > gateway_counts.minute THEN excluded.minute ELSE gateway_counts.minute END,
			items = CASE WHEN excluded.day > gateway_counts.day THEN excluded.items ELSE gateway_counts.items + excluded.items END,
			day = CASE WHEN excluded.day > gateway_counts.day THEN excluded.day ELSE gateway_counts.day END
		RETURNING requests, items`, policyID, minute, requests, day, items).Scan(&r, &u)
	if err != nil {
		return 0, 0, repertoire.Internal(err)
	}
	return r, u, nil
}

// setCounts sets the policy's counts of this minute and day, to what its
// limits let through.
func setCounts(ctx context.Context, tx *store.Tx, policyID string, requests, items int) error {
	_, err := tx.ExecContext(ctx, `UPDATE gateway_counts SET requests = $2, items = $3 WHERE policy_id = $1`, policyID, requests, items)
	return internal(err)
}

func internal(err error) error {
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// turnBack records requests written as allowed (at, in this batch) as
// denied over their policy's limits, and drops their accesses: found by
// their members and time (the key's prefix), then their requests.
func turnBack(ctx context.Context, tx *store.Tx, at time.Time, recs []*record) error {
	for start := 0; start < len(recs); start += rowsPer {
		chunk := recs[start:min(start+rowsPer, len(recs))]
		var ids, people []string
		for _, rec := range chunk {
			ids = append(ids, rec.req.ID)
			for _, a := range rec.accesses {
				people = append(people, a.PersonID)
			}
		}
		marks, args := store.In(ids, 3)
		if _, err := tx.ExecContext(ctx, `UPDATE gateway_requests SET outcome = $1, reason = $2, items = 0, members_read = 0, set_id = NULL
			WHERE id IN (`+marks+`)`, append([]any{Denied, ReasonOverLimit}, args...)...); err != nil {
			return repertoire.Internal(err)
		}
		if len(people) == 0 {
			continue
		}
		slices.Sort(people)
		people = slices.Compact(people)
		marks, args = store.In(ids, 2)
		pmarks, pargs := store.In(people, 2+len(ids))
		if _, err := tx.ExecContext(ctx, `DELETE FROM gateway_accesses WHERE at = $1 AND request_id IN (`+marks+`) AND person_id IN (`+pmarks+`)`,
			append(append([]any{at}, args...), pargs...)...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// logDay marks each pair ("<policy> <person>", in person order) as in the
// transparency log on day, and returns those that were not yet: the
// leaves to append.
func logDay(ctx context.Context, tx *store.Tx, pairs []string, day string) ([]string, error) {
	var out []string
	for start := 0; start < len(pairs); start += rowsPer {
		chunk := pairs[start:min(start+rowsPer, len(pairs))]
		args := make([]any, 0, 3*len(chunk))
		for _, k := range chunk {
			policy, person, _ := strings.Cut(k, " ")
			args = append(args, person, policy, day)
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO gateway_logged (person_id, policy_id, day) VALUES `+store.Rows(tx.Dialect, len(chunk), 3)+`
			ON CONFLICT (person_id, policy_id) DO UPDATE SET day = excluded.day WHERE gateway_logged.day <> excluded.day
			RETURNING policy_id, person_id`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var policy, person string
			if err := rows.Scan(&policy, &person); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			out = append(out, policy+" "+person)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	return out, nil
}

// aggregateSet finds the set of members (ids sorted) by its hash, or
// writes it.
func aggregateSet(ctx context.Context, tx *store.Tx, hash string, ids []string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM gateway_aggregate_sets WHERE hash = $1`, hash).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", repertoire.Internal(err)
	}
	id = store.NewID()
	// Another writer may be writing the same set: the insert waits for it,
	// and then finds it.
	err = tx.QueryRowContext(ctx, `INSERT INTO gateway_aggregate_sets (id, hash, size, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hash) DO NOTHING RETURNING id`, id, hash, len(ids), tx.Now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM gateway_aggregate_sets WHERE hash = $1`, hash).Scan(&id); err != nil {
			return "", repertoire.Internal(err)
		}
		return id, nil
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	args := make([]any, 0, 2*len(ids))
	for _, p := range ids {
		args = append(args, id, p)
	}
	return id, insertRows(ctx, tx, `INSERT INTO gateway_aggregate_members (set_id, person_id) VALUES `, 2, args)
}

// Used is how many items a policy served on the day of t.
func (s *Store) Used(ctx context.Context, policyID string, t time.Time) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT items FROM gateway_counts WHERE policy_id = $1 AND day = $2`,
		policyID, t.UTC().Format(time.DateOnly)).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, repertoire.Internal(err)
	}
	return n, nil
}

func scanAccess(rows *sql.Rows) (Access, error) {
	var a Access
	var ids string
	if err := rows.Scan(&a.RequestID, &a.PersonID, &a.ConsumerID, &a.ConsumerName, &a.PolicyID, &a.Category, &ids, &a.Items,
		&a.Aggregate, &a.At); err != nil {
		return a, repertoire.Internal(err)
	}
	if ids != "" {
		a.ItemIDs = strings.Split(ids, ",")
	}
	a.At = a.At.UTC()
	return a, nil
}

// PersonAccesses is who read a member's data, newest first: the items read
// (Aggregate 0), and the aggregates they were counted in (Aggregate: of
// how many members).
func (s *Store) PersonAccesses(ctx context.Context, personID string, limit int) ([]Access, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT * FROM (
		SELECT a.request_id AS id, a.person_id, r.consumer_id, COALESCE(c.name, '') AS consumer, COALESCE(r.policy_id, '') AS policy_id,
			r.category, a.item_ids, a.items, 0 AS aggregate, a.at FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id
			LEFT JOIN gateway_consumers c ON c.id = r.consumer_id WHERE a.person_id = $1
		UNION ALL
		SELECT r.id, m.person_id, r.consumer_id, COALESCE(c.name, ''), COALESCE(r.policy_id, ''), r.category, '', 0, r.members_read, r.at
			FROM gateway_aggregate_members m JOIN gateway_requests r ON r.set_id = m.set_id LEFT JOIN gateway_consumers c ON c.id = r.consumer_id
			WHERE m.person_id = $1) x ORDER BY at DESC, id DESC LIMIT $2`, personID, limit)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		a, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Requests is a consumer's access log, newest first.
func (s *Store) Requests(ctx context.Context, consumerID string, limit int) ([]Request, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, consumer_id, COALESCE(policy_id, ''), endpoint, category, outcome, reason, items,
		members_read, at FROM gateway_requests WHERE consumer_id = $1 ORDER BY at DESC, id DESC LIMIT $2`, consumerID, limit)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		var r Request
		if err := rows.Scan(&r.ID, &r.ConsumerID, &r.PolicyID, &r.Endpoint, &r.Category, &r.Outcome, &r.Reason, &r.Items, &r.People, &r.At); err != nil {
			return nil, repertoire.Internal(err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// erase is the gateway's step of a member's erasure: the accesses to
// their data (items read, aggregates counted in, the days logged) and the
// strikes they joined (their leaves in the
// transparency log stay, unlinkable once translog forgets their salt).
func erase(ctx context.Context, tx *store.Tx, personID string) error {
	for _, q := range []string{
		`DELETE FROM gateway_accesses WHERE person_id = $1`,
		`DELETE FROM gateway_strikers WHERE person_id = $1`,
		`DELETE FROM gateway_logged WHERE person_id = $1`,
		// A set that lost a member is never found by its hash again.
		`UPDATE gateway_aggregate_sets SET hash = NULL WHERE id IN (SELECT set_id FROM gateway_aggregate_members WHERE person_id = $1)`,
		`DELETE FROM gateway_aggregate_members WHERE person_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// removeCommunity is the gateway's step of a community's deletion: the
// accesses of its consumers' requests, which name their request without a
// foreign key (migration 57); the requests, consumers and policies go by
// their cascade from the community.
func removeCommunity(ctx context.Context, tx *store.Tx, communityID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM gateway_accesses WHERE request_id IN (SELECT r.id FROM gateway_requests r
		JOIN gateway_consumers c ON c.id = r.consumer_id WHERE c.community_id = $1)`, communityID)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// exportSections are a member's part of the gateway in their data export:
// every access to their data, the aggregates they were counted in, and
// the strikes they joined.
func exportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "data_accesses", SQL: `SELECT c.name AS consumer, c.purpose, r.policy_id AS policy, r.category, a.item_ids, a.items, a.at
			FROM gateway_accesses a JOIN gateway_requests r ON r.id = a.request_id LEFT JOIN gateway_consumers c ON c.id = r.consumer_id
			WHERE a.person_id = $1 ORDER BY a.at`},
		{Name: "data_aggregates", SQL: `SELECT c.name AS consumer, c.purpose, r.policy_id AS policy, r.category, r.members_read AS members, r.at
			FROM gateway_aggregate_members m JOIN gateway_requests r ON r.set_id = m.set_id LEFT JOIN gateway_consumers c ON c.id = r.consumer_id
			WHERE m.person_id = $1 ORDER BY r.at`},
		{Name: "data_strikes_joined", SQL: `SELECT s.id AS strike, s.starts_at, s.ends_at, j.joined_at FROM gateway_strikers j
			JOIN gateway_strikes s ON s.id = j.strike_id WHERE j.person_id = $1 ORDER BY j.joined_at`},
	}
}
