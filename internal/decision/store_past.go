package decision

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// Past is a vote held before Repertoire kept its electorate: the demo's
// 2018 ratification. Votes are counts by option role.
type Past struct {
	Input
	OpenedAt   time.Time
	ClosedAt   time.Time
	Electorate int
	Votes      map[string]int
}

// RecordPast records a decision already closed, with its count, and
// applies its outcome as its closing would have (a ratification adopts
// the demand list, a data policy comes in force, a data strike is called,
// dated by its closing). It keeps no electors: nobody can
// vote in it, and nothing of anyone's ballot exists.
func (s *Store) RecordPast(ctx context.Context, personID, communityID string, p Past) (*Decision, error) {
	in := p.Input
	in.OpensAt, in.ClosesAt = &p.OpenedAt, p.ClosedAt
	if err := in.normalize(time.Time{}); err != nil {
		return nil, err
	}
	turnout := 0
	for _, n := range p.Votes {
		turnout += n
	}
	if turnout > p.Electorate {
		return nil, repertoire.Invalid("electorate", "decision.bad_quorum", nil)
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := checkLinks(ctx, tx, communityID, in); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO decisions (id, community_id, title, body, kind, campaign_id, pledge_id, policy_id, strike_id,
			threshold, quorum, secret, status, opens_at, closes_at, opened_at, electorate, turnout, created_by, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $13, $15, $16, $17, $13, $13)`,
			id, communityID, in.Title, in.Body, in.Kind, nullable(in.CampaignID), nullable(in.PledgeID), nullable(in.PolicyID),
			nullable(in.StrikeID), in.Threshold, in.Quorum, in.Secret, p.OpenedAt.UTC(), in.ClosesAt, p.Electorate, turnout, nullable(personID))
		if err != nil {
			return repertoire.Internal(err)
		}
		for i, o := range standardOptions(in.Threshold) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO decision_options (id, decision_id, position, label, role, votes) VALUES ($1, $2, $3, $4, $5, $6)`,
				store.NewID(), id, i+1, "", o.Role, p.Votes[o.Role]); err != nil {
				return repertoire.Internal(err)
			}
		}
		// Closed as its closing job would have, at its closing time.
		return s.closeCounted(ctx, tx, id, in.ClosesAt)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
