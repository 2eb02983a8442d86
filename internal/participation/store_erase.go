package participation

import (
	"context"
	"slices"
	"time"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// OfPerson reads a person's participations in every action, oldest first
// (a tactic's step of their erasure reads its own before they go).
func OfPerson(ctx context.Context, q store.Queryer, personID string) ([]*Participation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+participationColumns+` FROM participations p WHERE p.person_id = $1
		ORDER BY p.created_at, p.id`, personID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Participation
	for rows.Next() {
		p, err := scanParticipation(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, p)
	}
	return out, internalErr(rows.Err())
}

// erase is the core's step of a person's erasure, inside the erasing
// transaction: their participations are deleted and taken out of the
// counters, as if they had never taken part. A counted one leaves the
// chart's bucket of the hour it was confirmed in, so the chart's total
// stays the count; its action is told of its new count, as after a
// withdrawal.
func (s *Service) erase(ctx context.Context, tx *store.Tx, personID string) error {
	parts, err := OfPerson(ctx, tx, personID)
	if err != nil || len(parts) == 0 {
		return err
	}
	type change struct {
		kind    Kind
		delta   map[string]int
		buckets map[time.Time]int
	}
	changes := map[string]*change{}
	var order []string
	var leaves []translog.Leaf
	ids := make([]string, len(parts))
	for i, p := range parts {
		ids[i] = p.ID
		if isCounted(counterOf(p)) {
			leaves = append(leaves, *leaf(translog.Erase, p))
		}
		c := changes[p.ActionID]
		if c == nil {
			c = &change{kind: p.Kind, delta: map[string]int{}, buckets: map[time.Time]int{}}
			changes[p.ActionID] = c
			order = append(order, p.ActionID)
		}
		counter := counterOf(p)
		c.delta[counter]--
		if isCounted(counter) && p.ConfirmedAt != nil {
			c.buckets[p.ConfirmedAt.UTC().Truncate(time.Hour)]--
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM participations WHERE person_id = $1`, personID); err != nil {
		return repertoire.Internal(err)
	}
	staged, err := s.stageLog(ctx, tx, leaves)
	if err != nil {
		return err
	}
	// Every receipt goes with its salt, a withdrawn participation's too,
	// once the erase leaves are hashed with theirs: the log keeps no
	// participation's id, nor what links its leaves, once it is erased.
	if err := translog.ForgetSubjects(ctx, tx, ids); err != nil {
		return err
	}
	slices.Sort(order) // counters in the writers' lock order
	for _, id := range order {
		c := changes[id]
		counts, err := bump(ctx, tx, c.kind, id, c.delta)
		if err != nil {
			return err
		}
		for hour, n := range c.buckets {
			if err := addBucketAt(ctx, tx, id, hour, n); err != nil {
				return err
			}
		}
		if a := s.action(c.kind); a != nil && len(c.buckets) > 0 {
			if err := a.Counted(ctx, tx, id, counts); err != nil {
				return err
			}
		}
		s.forget(id)
	}
	// Their leaves stay, unlinkable once their salt is gone (translog's
	// step of the erasure, after this one); erase leaves take them out of
	// the counts the log recounts. Last, as in a batch.
	return staged.Append(ctx, tx)
}
