package integrity

import (
	"context"
	"time"

	"repertoire/internal/store"
)

// Run looks at the participations of the last Recent every Every, over the
// whole instance, until ctx ends: the incremental run. It stays off the
// signing path: it reads from the readers (never the group commit's
// writer), runs the engine in memory, and writes only what it found, in
// one short transaction. Several instances each running it are harmless:
// a participation joins one group at most.
//
// Not a job of the scheduler: a job's handler runs inside the writing
// transaction that marks it done, which on SQLite would hold the single
// writer, and every submission behind it, for the whole run.
func (h *Handler) Run(ctx context.Context) {
	if h.Every <= 0 {
		return
	}
	tick := time.NewTicker(h.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		run, err := h.Detect(ctx, "", store.Now().Add(-h.Recent))
		switch {
		case err != nil:
			if ctx.Err() == nil {
				h.log.Error("integrity run failed", "err", err)
			}
		case run.Flagged > 0:
			h.log.Info("integrity run", "participations", run.Events, "groups", len(run.Groups), "flagged", run.Flagged,
				"took", run.FinishedAt.Sub(run.StartedAt).String())
		}
	}
}
