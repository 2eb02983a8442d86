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
	rows, err := r.QueryContext(ctx, `SELECT p.id, p.kind, p.action_id, p.person_id, p.status, `+flagReason+`, p.created_at,
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
// not settled (a row each in participation_coordinated: the participation
// itself is left as it is), then reads those not settled among them.
func shadowFlag(ctx context.Context, tx *store.Tx, ids []string) ([]Signal, error) {
	if err := store.EachIn(ctx, tx, `INSERT INTO participation_coordinated (participation_id, action_id, created_at)
		SELECT p.id, p.action_id, p.created_at FROM participations p
		WHERE p.flag_reason = '' AND p.status IN ('pending', 'confirmed', 'flagged') AND p.id IN $ids
		ON CONFLICT DO NOTHING`, ids, nil); err != nil {
		return nil, err
	}
	var out []Signal
	err := store.EachIn(ctx, tx, `SELECT p.id, p.kind, p.action_id, p.person_id, p.status, `+flagReason+`, p.created_at
		FROM participations p WHERE p.id IN $ids`, ids, func(r store.Scanner) error {
		var sg Signal
		var kind string
		if err := r.Scan(&sg.ID, &kind, &sg.ActionID, &sg.PersonID, &sg.Status, &sg.FlagReason, &sg.CreatedAt); err != nil {
			return repertoire.Internal(err)
		}
		if sg.Status == StatusPending || sg.Status == StatusConfirmed || sg.Status == StatusFlagged {
			sg.Kind, sg.CreatedAt = Kind(kind), sg.CreatedAt.UTC()
			out = append(out, sg)
		}
		return nil
	})
	return out, err
}

// clearCoordinated takes the coordinated flag off ids.
func clearCoordinated(ctx context.Context, tx *store.Tx, ids []string) error {
	return store.EachIn(ctx, tx, `DELETE FROM participation_coordinated WHERE participation_id IN $ids`, ids, nil)
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
	err := store.EachByID(ctx, q, `SELECT p.id, p.kind, p.action_id, p.person_id, p.status, `+flagReason+`, p.created_at, p.ip,
		p.email_domain, p.ua_family FROM participations p WHERE p.id IN $ids`, ids, func(r store.Scanner) error {
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
