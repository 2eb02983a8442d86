package pledge

import (
	"context"

	"repertoire"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// ActivateByVote activates a pledge still collecting commitments because
// its community voted to strike (a decision's outcome), in the decision's
// closing transaction: the activation mails go out as when the threshold
// is reached. A pledge already on, lapsed or over is left as it is; the
// answer tells whether this vote activated it.
func ActivateByVote(ctx context.Context, tx *store.Tx, pledgeID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE pledges SET status = 'activated', activated_at = $1, modified_at = $1
		WHERE id = $2 AND status = 'collecting'`, tx.Now, pledgeID)
	if err != nil {
		return false, repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	return true, schedule.Schedule(ctx, tx, jobActivated, pledgeID, tx.Now)
}

// CampaignOf is the campaign of a pledge ("" when there is no such
// pledge): a decision to strike must be its own community's.
func CampaignOf(ctx context.Context, q store.Queryer, pledgeID string) (string, error) {
	ids, err := store.Strings(ctx, q, `SELECT campaign_id FROM pledges WHERE id = $1`, pledgeID)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return ids[0], nil
}
