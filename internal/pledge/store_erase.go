package pledge

import (
	"context"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// PersonData is the pledge's step of a person's erasure (its part of their
// export is their commitments, which the participation core lists).
func (h *Handler) PersonData() account.PersonData {
	return account.PersonData{Erase: h.Store.erase}
}

// erase runs in the erasing transaction before the participation core's
// step (account runs the steps tactics first): the check-in answers of
// the person's commitments leave the pledges' compliance counts, and the
// check-in links mailed to them go.
func (s *Store) erase(ctx context.Context, tx *store.Tx, personID string) error {
	parts, err := participation.OfPerson(ctx, tx, personID)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if p.Kind != participation.Commitment {
			continue
		}
		held, broke := 0, 0
		switch p.Checkin {
		case CheckinHeld:
			held = -1
		case CheckinBroke:
			broke = -1
		}
		if held != 0 || broke != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE pledges SET checkins_held = checkins_held + $1, checkins_broke = checkins_broke + $2
				WHERE id = $3`, held, broke, p.ActionID); err != nil {
				return repertoire.Internal(err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pledge_checkins WHERE participation_id = $1`, p.ID); err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}
