package participation

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// The integrity review's SQL on participations (see integrity.go).

// oldestOpen is when the oldest transaction open on PostgreSQL's database
// began, another session's, or now when none is.
func oldestOpen(ctx context.Context, r store.Queryer) (time.Time, error) {
	var t time.Time
	err := r.QueryRowContext(ctx, `SELECT COALESCE(MIN(xact_start), statement_timestamp()) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&t)
	return t.UTC(), internalErr(err)
}

// signals reads the participations q selects, oldest first.
func signals(ctx context.Context, r store.Queryer, q SignalQuery) ([]Signal, error) {
	var args store.Args
	where := []string{`p.status IN (` + args.Add(StatusPending) + `, ` + args.Add(StatusConfirmed) + `, ` + args.Add(StatusFlagged) + `)`}
	if !q.Since.IsZero() {
		// The recent ones arrived online, with their IP: the partial index
		// participations_ip (created_at, where an IP is kept) finds them
		// without reading the table.
		where = append(where, `p.ip IS NOT NULL AND p.created_at >= `+args.Add(q.Since))
	}
	if q.Actions != nil {
		where = append(where, q.Actions("p.action_id", args.Add))
	}
	rows, err := r.QueryContext(ctx, `SELECT p.id, p.kind, p.action_id, p.person_id, p.status, p.flag_reason, p.created_at,
		p.ip, p.email_domain, p.ua_family FROM participations p WHERE `+strings.Join(where, " AND ")+` ORDER BY p.created_at, p.id`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []Signal
	for rows.Next() {
		var sg Signal
		var kind string
		var ip sql.NullString
		if err := rows.Scan(&sg.ID, &kind, &sg.ActionID, &sg.PersonID, &sg.Status, &sg.FlagReason, &sg.CreatedAt,
			&ip, &sg.Domain, &sg.UAFamily); err != nil {
			return nil, repertoire.Internal(err)
		}
		sg.Kind, sg.IP, sg.CreatedAt = Kind(kind), ip.String, sg.CreatedAt.UTC()
		out = append(out, sg)
	}
	return out, internalErr(rows.Err())
}

// shadowFlag flags ids as coordinated where they carry no flag yet and are
// not settled, then reads those not settled among them. The rows it flags
// come back from the UPDATE itself; only the others (flagged before, or
// settled) are read again.
func shadowFlag(ctx context.Context, tx *store.Tx, ids []string) ([]Signal, error) {
	var out []Signal
	got := make(map[string]bool, len(ids))
	scan := func(r store.Scanner) error {
		var sg Signal
		var kind string
		if err := r.Scan(&sg.ID, &kind, &sg.ActionID, &sg.PersonID, &sg.Status, &sg.FlagReason, &sg.CreatedAt); err != nil {
			return repertoire.Internal(err)
		}
		got[sg.ID] = true
		if sg.Status == StatusPending || sg.Status == StatusConfirmed || sg.Status == StatusFlagged {
			sg.Kind = Kind(kind)
			out = append(out, sg)
		}
		return nil
	}
	// On PostgreSQL the ids are one array: one statement of one text
	// whatever their number. SQLite has no arrays: lists of idsChunk.
	step := idsChunk
	if tx.Dialect == store.Postgres {
		step = max(len(ids), 1)
	}
	for start := 0; start < len(ids); start += step {
		chunk := ids[start:min(start+step, len(ids))]
		args := store.Args{FlagCoordinated, tx.Now}
		in := ""
		if tx.Dialect == store.Postgres {
			in = `= ANY(` + args.Add(chunk) + `::text[])`
		} else {
			marks := make([]string, len(chunk))
			for i, id := range chunk {
				marks[i] = args.Add(id)
			}
			in = `IN (` + strings.Join(marks, ",") + `)`
		}
		rows, err := tx.QueryContext(ctx, `UPDATE participations SET flag_reason = $1, modified_at = $2
			WHERE flag_reason = '' AND status IN ('pending', 'confirmed', 'flagged') AND id `+in+`
			RETURNING id, kind, action_id, person_id, status, flag_reason, created_at`, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	var rest []string
	for _, id := range ids {
		if !got[id] {
			rest = append(rest, id)
		}
	}
	err := store.EachByID(ctx, tx, `SELECT id, kind, action_id, person_id, status, flag_reason, created_at FROM participations
		WHERE id IN $ids`, rest, scan)
	return out, err
}

// clearCoordinated takes the coordinated flag off ids.
func clearCoordinated(ctx context.Context, tx *store.Tx, ids []string) error {
	for start := 0; start < len(ids); start += idsChunk {
		chunk := ids[start:min(start+idsChunk, len(ids))]
		args := store.Args{FlagCoordinated, tx.Now}
		marks := make([]string, len(chunk))
		for i, id := range chunk {
			marks[i] = args.Add(id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participations SET flag_reason = '', modified_at = $2
			WHERE flag_reason = $1 AND id IN (`+strings.Join(marks, ",")+`)`, args...); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}

// withFlag reads those of ids that carry a flag and are not settled: a
// review may reject them.
func withFlag(ctx context.Context, tx *store.Tx, ids []string) ([]*Participation, error) {
	var out []*Participation
	err := store.EachByID(ctx, tx, `SELECT `+participationColumns+` FROM participations p WHERE p.id IN $ids`, ids, func(r store.Scanner) error {
		p, err := scanParticipation(r)
		if err != nil {
			return repertoire.Internal(err)
		}
		if p.Status == StatusFlagged || (p.FlagReason != "" && (p.Status == StatusPending || p.Status == StatusConfirmed)) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// signalsByID reads the signals of ids.
func signalsByID(ctx context.Context, q store.Queryer, ids []string) (map[string]Signal, error) {
	out := make(map[string]Signal, len(ids))
	err := store.EachByID(ctx, q, `SELECT id, kind, action_id, person_id, status, flag_reason, created_at, ip, email_domain, ua_family
		FROM participations WHERE id IN $ids`, ids, func(r store.Scanner) error {
		var sg Signal
		var kind string
		var ip sql.NullString
		if err := r.Scan(&sg.ID, &kind, &sg.ActionID, &sg.PersonID, &sg.Status, &sg.FlagReason, &sg.CreatedAt,
			&ip, &sg.Domain, &sg.UAFamily); err != nil {
			return repertoire.Internal(err)
		}
		sg.Kind, sg.IP, sg.CreatedAt = Kind(kind), ip.String, sg.CreatedAt.UTC()
		out[sg.ID] = sg
		return nil
	})
	return out, err
}
