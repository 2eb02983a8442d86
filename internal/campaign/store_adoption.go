package campaign

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// Adoption is a demand list adopted by a community's vote: when, and the
// vote's count (for, against, ballots cast, electorate).
type Adoption struct {
	At                                time.Time
	For, Against, Turnout, Electorate int
}

// Adopt marks a campaign's demand list adopted by a vote, in the closing
// transaction of the decision that ratified it. A later vote replaces it.
func Adopt(ctx context.Context, tx *store.Tx, campaignID string, a Adoption) error {
	_, err := tx.ExecContext(ctx, `UPDATE campaigns SET demands_adopted_at = $1, demands_adopted_for = $2, demands_adopted_against = $3,
		demands_adopted_turnout = $4, demands_adopted_electorate = $5, modified_at = $6 WHERE id = $7`,
		a.At.UTC(), a.For, a.Against, a.Turnout, a.Electorate, tx.Now, campaignID)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// AdoptionOf reads a campaign's adoption, nil when its demands were never
// adopted by a vote.
func AdoptionOf(ctx context.Context, q store.Queryer, campaignID string) (*Adoption, error) {
	var at sql.NullTime
	var a Adoption
	err := q.QueryRowContext(ctx, `SELECT demands_adopted_at, demands_adopted_for, demands_adopted_against, demands_adopted_turnout,
		demands_adopted_electorate FROM campaigns WHERE id = $1`, campaignID).Scan(&at, &a.For, &a.Against, &a.Turnout, &a.Electorate)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !at.Valid {
		return nil, nil
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	a.At = at.Time.UTC()
	return &a, nil
}
