package participation

import (
	"context"

	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// KeepLog turns the transparency log on: every change of a count appends
// its leaf (translog.Append) in the transaction of the change, once a
// batch for the group commit. Call it before serving.
func (s *Service) KeepLog() { s.logged = true }

// leaf is the log's record of p changing by kind.
func leaf(kind translog.Kind, p *Participation) *translog.Leaf {
	return &translog.Leaf{Kind: kind, Tactic: string(p.Kind), ActionID: p.ActionID, PersonID: p.PersonID, Subject: p.ID}
}

// moveLeaf is the leaf of p moving from counter prev to its own: a
// confirmation when it starts counting, a withdrawal when it stops.
func moveLeaf(p *Participation, prev string) *translog.Leaf {
	was, is := isCounted(prev), isCounted(counterOf(p))
	switch {
	case !was && is:
		return leaf(translog.Confirm, p)
	case was && !is:
		return leaf(translog.Withdraw, p)
	}
	return nil
}

// appendLog appends leaves when the log is kept.
func (s *Service) appendLog(ctx context.Context, tx *store.Tx, leaves []translog.Leaf) error {
	if !s.logged || len(leaves) == 0 {
		return nil
	}
	return translog.Append(ctx, tx, leaves)
}

// batchLeaves are the leaves of a batch's changes, in the batch's order.
func batchLeaves(batch []*pending) []translog.Leaf {
	var out []translog.Leaf
	for _, p := range batch {
		if p.err != nil {
			continue
		}
		if p.leaf != nil {
			out = append(out, *p.leaf)
		}
		if p.move != nil && p.move.leaf != nil {
			out = append(out, *p.move.leaf)
		}
	}
	return out
}
