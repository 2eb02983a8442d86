package participation

import (
	"context"
	"database/sql"
	"errors"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// backfillChunk bounds the leaves of one append of the backfill.
const backfillChunk = 5000

// BackfillLog gives the transparency log a confirmation for every
// participation counted before it existed (a database from before
// migration 23), once: when the log is empty. Called at start, before
// serving; on PostgreSQL the log's size row is locked first, so of several
// instances starting together only one fills it.
func (s *Service) BackfillLog(ctx context.Context) error {
	if !s.logged {
		return nil
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		empty, err := translog.Empty(ctx, tx)
		if err != nil || !empty {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, action_id, person_id, log_salt FROM participations
			WHERE status = $1 ORDER BY confirmed_at, id`, StatusConfirmed)
		if err != nil {
			return repertoire.Internal(err)
		}
		var leaves []translog.Leaf
		for rows.Next() {
			var p Participation
			if err := rows.Scan(&p.ID, &p.Kind, &p.ActionID, &p.PersonID, &p.logSalt); err != nil {
				rows.Close()
				return repertoire.Internal(err)
			}
			leaves = append(leaves, *leaf(translog.Confirm, &p))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return repertoire.Internal(err)
		}
		for start := 0; start < len(leaves); start += backfillChunk {
			if err := translog.Append(ctx, tx, leaves[start:min(start+backfillChunk, len(leaves))]); err != nil {
				return err
			}
		}
		return nil
	})
}

// LogPlace finds where a participation's confirmation is in the log when
// it has no receipt row (translog.Placer): a counted one with its own salt.
func (s *Service) LogPlace(ctx context.Context, q store.Queryer, id string) (translog.Place, bool, error) {
	var from sql.NullInt64
	p, err := scanParticipation(q.QueryRowContext(ctx, `SELECT `+participationColumns+`, p.log_from FROM participations p WHERE p.id = $1`, id), &from)
	if errors.Is(err, sql.ErrNoRows) {
		return translog.Place{}, false, nil
	}
	if err != nil {
		return translog.Place{}, false, repertoire.Internal(err)
	}
	if p.logSalt == nil || !from.Valid || !isCounted(counterOf(p)) {
		return translog.Place{}, false, nil
	}
	return translog.Place{Leaf: *leaf(translog.Confirm, p), From: from.Int64}, true, nil
}
