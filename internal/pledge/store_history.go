package pledge

import (
	"context"
	"errors"
	"time"

	"repertoire"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// RecordLapse records how a pledge of the past ended: opened at created,
// it lapsed at its deadline below its threshold, as the deadline job
// lapses one, except that nobody is mailed (that was long ago) and none of
// its jobs is left to run. Only a pledge still collecting, whose deadline
// has passed below its threshold, can be recorded so; its commitments are
// recorded beforehand (participation's RecordPast).
func (s *Store) RecordLapse(ctx context.Context, id string, created time.Time) error {
	created = created.UTC()
	return s.db.Write(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, `p.id = $1`, id)
		if err != nil {
			return err
		}
		if p.Status != StatusCollecting || p.Total() >= p.Threshold {
			return errLocked
		}
		if !p.Deadline.Before(tx.Now) || created.After(p.Deadline) {
			return repertoire.Internal(errors.New("pledge: a lapse recorded before its deadline"))
		}
		res, err := tx.ExecContext(ctx, `UPDATE pledges SET status = $2, created_at = $3, modified_at = $4 WHERE id = $1 AND status = $5`,
			id, StatusLapsed, created, p.Deadline, StatusCollecting)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLocked
		}
		return schedule.Cancel(ctx, tx, id)
	})
}
