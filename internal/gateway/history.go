package gateway

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/translog"
)

// The access history's group commit (store.GroupCommit, as the
// participation core's): every request waiting is written in one
// transaction, and none is answered before it commits.
const maxBatch = 500

var (
	lingerFor   = 500 * time.Microsecond
	lingerBelow = 64
)

// writersPostgres is how many batches are written side by side on
// PostgreSQL: a batch is a dozen round trips before its commit, and only
// the log's size row, locked last, makes them wait on each other.
const writersPostgres = 4

// record is one request on its way to the history, with the answer the
// writer gives it.
type record struct {
	req         Request
	communityID string
	state       *strikeState // what the answer was computed with (allowed requests)
	accesses    []Access     // one per member whose data it serves
	strike      *Strike      // set by the writer: a strike denies it after all
	err         error
	done        chan struct{}
}

// history is the writer of the access history.
type history struct {
	s     *Store
	log   *slog.Logger
	queue chan *record
	once  sync.Once
}

func newHistory(s *Store, log *slog.Logger) *history {
	return &history{s: s, log: log, queue: make(chan *record, 4*maxBatch)}
}

// write records a request and waits for the commit that holds it. An
// allowed request may come back denied by a strike its transaction saw
// (rec.strike).
func (h *history) write(ctx context.Context, rec *record) error {
	h.once.Do(func() {
		n := 1
		if h.s.db.Dialect == store.Postgres {
			n = writersPostgres
		}
		for range n {
			go store.GroupCommit(h.queue, maxBatch, func() time.Duration { return lingerFor }, func() int { return lingerBelow }, h.commit)
		}
	})
	rec.done = make(chan struct{})
	select {
	case h.queue <- rec:
	case <-ctx.Done():
		return repertoire.Internal(ctx.Err())
	}
	<-rec.done // once queued, answered only after the commit
	return rec.err
}

func (h *history) commit(batch []*record) {
	err := h.s.db.Write(context.Background(), func(tx *store.Tx) error { return writeHistory(context.Background(), tx, batch) })
	for _, rec := range batch {
		if err != nil {
			rec.err = err
		}
		close(rec.done)
	}
	if err != nil && repertoire.ErrorCode(err) != repertoire.EUNAVAILABLE {
		h.log.Error("gateway history batch failed", "size", len(batch), "err", err)
	}
}

// writeHistory writes a batch: for each community (in one order, so two
// writers never wait on each other in a cycle) the strike version is read
// under the community's shared strike lock (lockState): a strike being
// called waits for this transaction, or this one for the strike. When it moved since a request
// was answered, the strikes are read again and decide; then the requests,
// the accesses, the day's volume, and one leaf of the transparency log per
// member a request served.
func writeHistory(ctx context.Context, tx *store.Tx, batch []*record) error {
	byCommunity := map[string][]*record{}
	for _, rec := range batch {
		rec.strike = nil
		if rec.req.Outcome == Allowed {
			byCommunity[rec.communityID] = append(byCommunity[rec.communityID], rec)
		}
	}
	communities := slices.Sorted(func(yield func(string) bool) {
		for c := range byCommunity {
			if !yield(c) {
				return
			}
		}
	})
	for _, c := range communities {
		v, err := stateVersion(ctx, tx, c)
		if err != nil {
			return err
		}
		var fresh *strikeState
		for _, rec := range byCommunity[c] {
			st := rec.state
			if st == nil || st.version != v {
				if fresh == nil {
					if fresh, err = readState(ctx, tx, c); err != nil {
						return err
					}
				}
				st = fresh
			}
			if s := st.blocking(tx.Now); s != nil {
				rec.strike = s
				continue
			}
			for _, a := range rec.accesses {
				if s := st.striking(a.PersonID, tx.Now); s != nil {
					rec.strike = s
					break
				}
			}
		}
	}
	var leaves []translog.Leaf
	var reqs []*Request
	var accesses []*Access
	usage := map[string]int{}
	for _, rec := range batch {
		if rec.strike != nil {
			rec.req.Outcome, rec.req.Reason, rec.req.Items, rec.req.People = Denied, ReasonStrike, 0, 0
		}
		rec.req.At = tx.Now
		reqs = append(reqs, &rec.req)
		if rec.req.Outcome != Allowed {
			continue
		}
		usage[rec.req.PolicyID] += rec.req.Items
		for i := range rec.accesses {
			a := &rec.accesses[i]
			a.At = tx.Now
			accesses = append(accesses, a)
			leaves = append(leaves, translog.Leaf{Kind: translog.Access, Tactic: "gateway", ActionID: a.PolicyID, PersonID: a.PersonID})
		}
	}
	if err := insertRequests(ctx, tx, reqs); err != nil {
		return err
	}
	if err := insertAccesses(ctx, tx, accesses); err != nil {
		return err
	}
	day := tx.Now.Format(time.DateOnly)
	policies := slices.SortedFunc(func(yield func(string) bool) {
		for p := range usage {
			if !yield(p) {
				return
			}
		}
	}, cmp.Compare[string])
	for _, p := range policies {
		if usage[p] == 0 {
			continue
		}
		if err := addUsage(ctx, tx, p, day, usage[p]); err != nil {
			return err
		}
	}
	// Leaves in one order of people (their salts are written in it).
	slices.SortStableFunc(leaves, func(a, b translog.Leaf) int { return cmp.Compare(a.PersonID, b.PersonID) })
	return translog.Append(ctx, tx, leaves)
}
