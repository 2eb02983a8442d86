package participation

import (
	"context"

	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// KeepLog turns the transparency log on: every change of a count appends
// its leaf (translog.Stage, then Staged.Append) in the transaction of the
// change, once a batch for the group commit. Call it before serving.
func (s *Service) KeepLog() { s.logged = true }

// Logged reports whether the transparency log is kept: without it
// (--no-log) the public pages neither link to /log/counts nor name a
// checkpoint.
func (s *Service) Logged() bool { return s.logged }

// leaf is the log's record of p changing by kind.
func leaf(kind translog.Kind, p *Participation) *translog.Leaf {
	return &translog.Leaf{Kind: kind, Tactic: string(p.Kind), ActionID: p.ActionID, PersonID: p.PersonID, Subject: p.ID, Salt: p.logSalt}
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

// stageLog stages leaves when the log is kept (nil when it is not, which
// appends nothing). Every transaction stages its leaves before it changes
// the counters and appends them (Staged.Append) last, after the counters:
// the counters' rows and the log's size row stay locked until the commit
// on PostgreSQL, so only the append itself waits behind another writer's
// commit, never the salts (translog.Stage).
func (s *Service) stageLog(ctx context.Context, tx *store.Tx, leaves []translog.Leaf) (*translog.Staged, error) {
	if !s.logged || len(leaves) == 0 {
		return nil, nil
	}
	return translog.Stage(ctx, tx, leaves)
}

// logFrom is the log's size, read before the transaction inserts
// participations (the place their leaves are appended at or after: see
// newRow.logRow), or -1 when the log is not kept.
func (s *Service) logFrom(ctx context.Context, tx *store.Tx) (int64, error) {
	if !s.logged {
		return -1, nil
	}
	return translog.Size(ctx, tx)
}

// logRow gives a participation about to be inserted its salt in the log
// and the place its leaves are appended from (translog.Leaf.Salt), when
// the log is kept (from >= 0): its confirmation, when it is inserted
// confirmed (an import), then writes no receipt row of the log's, and its
// later leaves are hashed with the same salt.
func (r *newRow) logRow(from int64) {
	if from < 0 {
		return
	}
	r.logSalt, r.logFrom = translog.NewSalt(), from
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
