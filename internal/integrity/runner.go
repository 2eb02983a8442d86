package integrity

import (
	"context"
	"slices"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// Run looks at the participations of the last Recent every Every, over the
// whole instance, until ctx ends: the incremental run. It stays off the
// signing path: it reads from the readers (never the group commit's
// writer), only what arrived since its last look (the rest of the window
// it keeps in memory, with its people's ages and what it knows of their
// groups), runs the engine over the window, and writes only what is new,
// in short transactions of writeChunk participations each (SQLite's
// single writer is held a few milliseconds at a time). Several instances each running it are
// harmless: a participation joins one group at most.
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
	w := &window{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		run, err := h.incremental(ctx, w, store.Now())
		switch {
		case err != nil:
			if ctx.Err() == nil {
				h.log.Error("integrity run failed", "err", err)
			}
			*w = window{} // read it all again next time
		case run.Flagged > 0:
			h.log.Info("integrity run", "participations", run.Events, "groups", len(run.Groups), "flagged", run.Flagged,
				"took", run.FinishedAt.Sub(run.StartedAt).String())
		}
	}
}

// window is the incremental run's memory: the participations of the last
// Recent, oldest first, the ages of their people, and what is known of
// their groups.
type window struct {
	sigs    []participation.Signal
	events  []Event // the engine's events of sigs
	seen    map[string]bool
	created map[string]time.Time
	grouped map[string]membership
	// next is where the next look starts: no participation committed
	// since the last look is dated before it (participation's
	// RecentSignals says why), so nothing but what is new is read again.
	next time.Time
}

// incremental reads what arrived since w's last look, drops what left the
// window, and runs the engine over the window.
func (h *Handler) incremental(ctx context.Context, w *window, now time.Time) (*Run, error) {
	h.runMu.Lock()
	defer h.runMu.Unlock()
	from := now.Add(-h.Recent)
	run := &Run{Since: from, StartedAt: store.Now()}
	if w.seen == nil {
		w.seen, w.created, w.grouped = map[string]bool{}, map[string]time.Time{}, map[string]membership{}
	}
	since := from
	if w.next.After(since) {
		since = w.next
	}
	fresh, next, err := h.parts.RecentSignals(ctx, since)
	if err != nil {
		return nil, err
	}
	// What was read again (the participations dated at next itself, and
	// on PostgreSQL those since its oldest open transaction) is known.
	var added []participation.Signal
	for _, sg := range fresh {
		if !w.seen[sg.ID] {
			w.seen[sg.ID] = true
			added = append(added, sg)
		}
	}
	created, err := account.Created(ctx, h.db.Reader(), peopleOf(added, w.created))
	if err != nil {
		return nil, err
	}
	for id, t := range created {
		w.created[id] = t
	}
	w.next = next
	// Each participation's event is built once, when it joins the window.
	inOrder := len(w.sigs) == 0 || len(added) == 0 || !added[0].CreatedAt.Before(w.sigs[len(w.sigs)-1].CreatedAt)
	w.sigs = append(w.sigs, added...)
	w.events = append(w.events, eventsOf(added, w.created)...)
	if !inOrder { // committed late, on PostgreSQL
		order := make([]int, len(w.sigs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return w.sigs[a].CreatedAt.Compare(w.sigs[b].CreatedAt) })
		sigs, events := make([]participation.Signal, len(order)), make([]Event, len(order))
		for i, k := range order {
			sigs[i], events[i] = w.sigs[k], w.events[k]
		}
		w.sigs, w.events = sigs, events
	}
	// Drop what left the window, and what is known of it.
	cut := 0
	for cut < len(w.sigs) && w.sigs[cut].CreatedAt.Before(from) {
		delete(w.seen, w.sigs[cut].ID)
		delete(w.grouped, w.sigs[cut].ID)
		cut++
	}
	if cut > 0 {
		w.sigs = slices.Clone(w.sigs[cut:])
		w.events = slices.Clone(w.events[cut:])
		people := make(map[string]bool, len(w.created))
		for _, sg := range w.sigs {
			people[sg.PersonID] = true
		}
		for id := range w.created {
			if !people[id] {
				delete(w.created, id)
			}
		}
	}
	return run, h.detect(ctx, run, w.sigs, w.events, w.grouped)
}
