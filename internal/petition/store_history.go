package petition

import (
	"context"
	"errors"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// Backdate records when a petition of the past opened, so that its page
// dates it from then rather than from the day it was recorded here; its
// signatures are recorded with their own dates (participation's
// RecordPast).
func (s *Store) Backdate(ctx context.Context, id string, opened time.Time) error {
	opened = opened.UTC()
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if opened.After(tx.Now) {
			return repertoire.Internal(errors.New("petition: opened in the future"))
		}
		r, err := tx.ExecContext(ctx, `UPDATE petitions SET created_at = $2, modified_at = $2 WHERE id = $1`, id, opened)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}
