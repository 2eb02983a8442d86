package gateway

import (
	"context"
	"database/sql"
	"errors"
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

func insertRequests(ctx context.Context, tx *store.Tx, reqs []*Request) error {
	args := make([]any, 0, len(reqs)*10)
	for _, r := range reqs {
		var policy any
		if r.PolicyID != "" {
			policy = r.PolicyID
		}
		args = append(args, r.ID, r.ConsumerID, policy, r.Endpoint, r.Category, r.Outcome, r.Reason, r.Items, r.People, r.At)
	}
	return insertRows(ctx, tx, `INSERT INTO gateway_requests (id, consumer_id, policy_id, endpoint, category, outcome, reason, items, members_read, at) VALUES `,
		10, args)
}

func insertAccesses(ctx context.Context, tx *store.Tx, as []*Access) error {
	args := make([]any, 0, len(as)*9)
	for _, a := range as {
		args = append(args, a.ID, a.RequestID, a.PersonID, a.ConsumerID, a.PolicyID, a.Category, strings.Join(a.ItemIDs, ","), a.Items, a.At)
	}
	return insertRows(ctx, tx, `INSERT INTO gateway_accesses (id, request_id, person_id, consumer_id, policy_id, category, item_ids, items, at) VALUES `,
		9, args)
}

func addUsage(ctx context.Context, tx *store.Tx, policyID, day string, items int) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_usage (policy_id, day, items) VALUES ($1, $2, $3)
		ON CONFLICT (policy_id, day) DO UPDATE SET items = gateway_usage.items + $3`, policyID, day, items); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// Used is how many items a policy served on the day of t.
func (s *Store) Used(ctx context.Context, policyID string, t time.Time) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT items FROM gateway_usage WHERE policy_id = $1 AND day = $2`,
		policyID, t.UTC().Format(time.DateOnly)).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, repertoire.Internal(err)
	}
	return n, nil
}

func scanAccess(rows *sql.Rows) (Access, error) {
	var a Access
	var ids string
	if err := rows.Scan(&a.ID, &a.RequestID, &a.PersonID, &a.ConsumerID, &a.ConsumerName, &a.PolicyID, &a.Category, &ids, &a.Items, &a.At); err != nil {
		return a, repertoire.Internal(err)
	}
	if ids != "" {
		a.ItemIDs = strings.Split(ids, ",")
	}
	a.At = a.At.UTC()
	return a, nil
}

// PersonAccesses is who read a member's data, newest first.
func (s *Store) PersonAccesses(ctx context.Context, personID string, limit int) ([]Access, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT a.id, a.request_id, a.person_id, a.consumer_id, COALESCE(c.name, ''), a.policy_id,
		a.category, a.item_ids, a.items, a.at FROM gateway_accesses a LEFT JOIN gateway_consumers c ON c.id = a.consumer_id
		WHERE a.person_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2`, personID, limit)
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
// their data and the strikes they joined (their leaves in the
// transparency log stay, unlinkable once translog forgets their salt).
func erase(ctx context.Context, tx *store.Tx, personID string) error {
	for _, q := range []string{
		`DELETE FROM gateway_accesses WHERE person_id = $1`,
		`DELETE FROM gateway_strikers WHERE person_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, personID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// exportSections are a member's part of the gateway in their data export:
// every access to their data, and the strikes they joined.
func exportSections() []account.ExportSection {
	return []account.ExportSection{
		{Name: "data_accesses", SQL: `SELECT c.name AS consumer, c.purpose, a.policy_id AS policy, a.category, a.item_ids, a.items, a.at
			FROM gateway_accesses a LEFT JOIN gateway_consumers c ON c.id = a.consumer_id WHERE a.person_id = $1 ORDER BY a.at`},
		{Name: "data_strikes_joined", SQL: `SELECT s.id AS strike, s.starts_at, s.ends_at, j.joined_at FROM gateway_strikers j
			JOIN gateway_strikes s ON s.id = j.strike_id WHERE j.person_id = $1 ORDER BY j.joined_at`},
	}
}
