package gateway

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"maps"
	"slices"
	"strings"
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

// How long a busy writer waits for a batch under lingerBelow to fill.
// SQLite's one writer waits longer: each commit there empties every
// reader's page cache, so fewer, larger commits make the reads faster too
// (measured in turns with bench/gateway, full/none 0.82 against 0.79);
// PostgreSQL's writers run side by side and a longer wait only adds to
// each answer.
const (
	lingerSQLite   = 2 * time.Millisecond
	lingerPostgres = 500 * time.Microsecond
	lingerBelow    = 64
)

// writersPostgres is how many batches are written side by side on
// PostgreSQL: a batch is a dozen round trips before its commit, and only
// the rows of its policies' limits and the log's size row, locked in one
// order, make them wait on each other.
const writersPostgres = 4

// record is one request on its way to the history, with the answer the
// writer gives it.
type record struct {
	req         Request
	asked       Request // req as the handler decided it (the writer starts from it again)
	communityID string
	policy      *Policy      // what it is read under: its rate and volume are counted in the transaction
	state       *strikeState // what the answer was computed with (allowed requests)
	accesses    []Access     // one per member whose data it serves
	counted     []string     // an aggregate's members, sorted: each sees it on their access page
	strike      *Strike      // set by the writer: a strike denies it after all
	err         error
	done        chan struct{}
}

// history is the writer of the access history, and what this instance
// learnt from its commits: each policy's count in the current minute and
// day, the members already in the log today, the aggregates' sets.
type history struct {
	s     *Store
	log   *slog.Logger
	snaps *snapshots
	queue chan *record
	once  sync.Once

	mu     sync.Mutex
	rates  map[string]rateSeen // policy → its requests this minute, as last committed here
	logged map[string]string   // policy + " " + person → the day last in the log
	sets   map[string]string   // an aggregate set's hash → its id
}

type rateSeen struct {
	minute string
	n      int
}

func newHistory(s *Store, log *slog.Logger, snaps *snapshots) *history {
	return &history{s: s, log: log, snaps: snaps, queue: make(chan *record, 4*maxBatch), rates: map[string]rateSeen{},
		logged: map[string]string{}, sets: map[string]string{}}
}

// minuteOf is the window a policy's rate is counted in.
func minuteOf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") }

// overRate tells whether the policy's requests this minute, as the last
// commit on this instance counted them, already reached its rate: a
// request then is denied without waiting for a transaction. The count
// only grows within its minute, so this never denies what the
// transaction would allow; the transaction decides the rest.
func (h *history) overRate(p *Policy, t time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.rates[p.ID]
	return ok && r.minute == minuteOf(t) && r.n >= p.RatePerMin
}

// write records a request and waits for the commit that holds it. An
// allowed request may come back denied (rec.req.Outcome): by a strike its
// transaction saw (rec.strike), or over its policy's limits as every
// instance counted them.
func (h *history) write(ctx context.Context, rec *record) error {
	h.once.Do(func() {
		n, linger := 1, lingerSQLite
		if h.s.db.Dialect == store.Postgres {
			n, linger = writersPostgres, lingerPostgres
		}
		for range n {
			go store.GroupCommit(h.queue, maxBatch, linger, lingerBelow, h.commit)
		}
	})
	rec.asked = rec.req
	rec.done = make(chan struct{})
	select {
	case h.queue <- rec:
	case <-ctx.Done():
		return repertoire.Internal(ctx.Err())
	}
	<-rec.done // once queued, answered only after the commit
	return rec.err
}

// written is what a batch's transaction learnt, kept once it commits.
type written struct {
	rates  map[string]rateSeen
	used   map[string]usedEntry
	logged []string // policy + " " + person, in the log on day
	day    string
	sets   map[string]string
}

func (h *history) commit(batch []*record) {
	var w *written
	err := h.s.db.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		w, err = h.writeBatch(context.Background(), tx, batch)
		return err
	})
	if err == nil {
		h.remember(w)
	}
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

// remember keeps what a committed batch counted.
func (h *history) remember(w *written) {
	h.mu.Lock()
	maps.Copy(h.rates, w.rates)
	if len(h.logged) > 1_000_000 {
		h.logged = map[string]string{}
	}
	for _, k := range w.logged {
		h.logged[k] = w.day
	}
	if len(h.sets) > 100_000 {
		h.sets = map[string]string{}
	}
	maps.Copy(h.sets, w.sets)
	h.mu.Unlock()
	now := time.Now()
	h.snaps.mu.Lock()
	for p, u := range w.used {
		u.at = now
		h.snaps.used[p] = u
	}
	h.snaps.mu.Unlock()
}

// deny turns an allowed request into a denied one, in the writer.
func (rec *record) deny(reason string) {
	rec.req.Outcome, rec.req.Reason, rec.req.Items, rec.req.People, rec.req.SetID = Denied, reason, 0, 0, ""
}

// writeBatch writes a batch. First, for each community (in one order, so
// two writers never wait on each other in a cycle) the strike version is
// read under the community's shared strike lock (lockState): a strike
// being called waits for this transaction, or this one for the strike.
// When it moved since a request was answered, the strikes are read again
// and decide. Then each policy's rate and volume, counted in rows every
// instance shares and locks (in policy order), deny what goes over. Then
// the requests, the aggregates' sets, the accesses, and one leaf of the
// transparency log per member, policy and day.
func (h *history) writeBatch(ctx context.Context, tx *store.Tx, batch []*record) (*written, error) {
	w := &written{rates: map[string]rateSeen{}, used: map[string]usedEntry{}, day: tx.Now.Format(time.DateOnly), sets: map[string]string{}}
	byCommunity := map[string][]*record{}
	for _, rec := range batch {
		rec.req, rec.strike = rec.asked, nil
		rec.req.At = tx.Now
		if rec.req.Outcome == Allowed {
			byCommunity[rec.communityID] = append(byCommunity[rec.communityID], rec)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(byCommunity)) {
		v, err := stateVersion(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		var fresh *strikeState
		for _, rec := range byCommunity[c] {
			st := rec.state
			if st == nil || st.version != v {
				if fresh == nil {
					if fresh, err = readState(ctx, tx, c); err != nil {
						return nil, err
					}
				}
				st = fresh
			}
			rec.strike = st.blocking(tx.Now)
			for _, a := range rec.accesses {
				if rec.strike == nil {
					rec.strike = st.striking(a.PersonID, tx.Now)
				}
			}
			for _, p := range rec.counted {
				if rec.strike == nil {
					rec.strike = st.striking(p, tx.Now)
				}
			}
			if rec.strike != nil {
				rec.deny(ReasonStrike)
			}
		}
	}
	// Everything the batch writes before its hot rows (its policies'
	// limits, the log's size), which make the writers of other batches
	// wait until it commits: a request the limits deny is then turned
	// back, in the same transaction.
	if err := h.aggregateSets(ctx, tx, batch, w); err != nil {
		return nil, err
	}
	var reqs []*Request
	var accesses []*Access
	for _, rec := range batch {
		reqs = append(reqs, &rec.req)
		if rec.req.Outcome != Allowed {
			continue
		}
		for i := range rec.accesses {
			a := &rec.accesses[i]
			a.At = tx.Now
			accesses = append(accesses, a)
		}
	}
	if err := insertHistory(ctx, tx, reqs, accesses); err != nil {
		return nil, err
	}
	if err := h.limits(ctx, tx, batch, w); err != nil {
		return nil, err
	}
	read := map[string]bool{}    // policy + " " + person
	sets := map[[2]string]bool{} // the aggregates' sets already counted under a policy: their members once
	for _, rec := range batch {
		if rec.req.Outcome != Allowed {
			continue
		}
		for _, a := range rec.accesses {
			read[a.PolicyID+" "+a.PersonID] = true
		}
		if len(rec.counted) > 0 {
			if k := [2]string{rec.req.PolicyID, rec.req.SetID}; !sets[k] {
				sets[k] = true
				for _, p := range rec.counted {
					read[rec.req.PolicyID+" "+p] = true
				}
			}
		}
	}
	leaves, err := h.toLog(ctx, tx, read, w)
	if err != nil {
		return nil, err
	}
	return w, translog.Append(ctx, tx, leaves)
}

// limits counts each policy's requests in the current minute and items
// today in its row of counts every instance shares (locked, in policy
// order, until the batch commits), and turns back the requests that went
// over (over_limit): the rate and the volume hold across instances.
// Counting first and deciding after keeps the common case at one
// statement a policy.
func (h *history) limits(ctx context.Context, tx *store.Tx, batch []*record, w *written) error {
	byPolicy := map[string][]*record{}
	for _, rec := range batch {
		if rec.req.Outcome == Allowed && rec.policy != nil {
			byPolicy[rec.policy.ID] = append(byPolicy[rec.policy.ID], rec)
		}
	}
	minute := minuteOf(tx.Now)
	var over []*record
	for _, id := range slices.Sorted(maps.Keys(byPolicy)) {
		recs := byPolicy[id]
		p := recs[0].policy
		items := 0
		for _, rec := range recs {
			items += rec.req.Items
		}
		requestsAfter, itemsAfter, err := addCounts(ctx, tx, id, minute, len(recs), w.day, items)
		if err != nil {
			return err
		}
		// A request serving no items is never over the volume.
		if requestsAfter > p.RatePerMin || (items > 0 && itemsAfter > p.ItemsPerDay) {
			// Over: the batch's requests in their order, as many as fit.
			requests, used := requestsAfter-len(recs), itemsAfter-items
			for _, rec := range recs {
				if requests >= p.RatePerMin || (rec.req.Items > 0 && used+rec.req.Items > p.ItemsPerDay) {
					rec.deny(ReasonOverLimit)
					over = append(over, rec)
					continue
				}
				requests++
				used += rec.req.Items
			}
			if err := setCounts(ctx, tx, id, requests, used); err != nil {
				return err
			}
			requestsAfter, itemsAfter = requests, used
		}
		w.rates[id] = rateSeen{minute: minute, n: requestsAfter}
		w.used[id] = usedEntry{day: w.day, n: itemsAfter}
	}
	return turnBack(ctx, tx, tx.Now, over)
}

// toLog writes the members read under each policy who are not in the
// transparency log for that policy today (gateway_logged, locked in
// person order), and returns their leaves: one per member, policy and
// day. The member's access page has every access; the log, that this
// policy read this member that day.
func (h *history) toLog(ctx context.Context, tx *store.Tx, read map[string]bool, w *written) ([]translog.Leaf, error) {
	h.mu.Lock()
	var pairs []string
	for k := range read {
		if h.logged[k] != w.day {
			pairs = append(pairs, k)
		}
	}
	h.mu.Unlock()
	slices.SortFunc(pairs, func(a, b string) int { // person, then policy
		pa, ma, _ := strings.Cut(a, " ")
		pb, mb, _ := strings.Cut(b, " ")
		return cmp.Or(cmp.Compare(ma, mb), cmp.Compare(pa, pb))
	})
	w.logged = pairs
	logged, err := logDay(ctx, tx, pairs, w.day)
	if err != nil {
		return nil, err
	}
	leaves := make([]translog.Leaf, 0, len(logged))
	for _, k := range logged {
		policy, person, _ := strings.Cut(k, " ")
		leaves = append(leaves, translog.Leaf{Kind: translog.Access, Tactic: "gateway", ActionID: policy, PersonID: person})
	}
	// Leaves in one order of people (their salts are written in it).
	slices.SortStableFunc(leaves, func(a, b translog.Leaf) int { return cmp.Compare(a.PersonID, b.PersonID) })
	return leaves, nil
}

// aggregateSets names, on each allowed aggregate request, the set of
// members it counted: found by its hash, or written once (its members a
// row each) the first time.
func (h *history) aggregateSets(ctx context.Context, tx *store.Tx, batch []*record, w *written) error {
	byHash := map[string][]*record{}
	var last []string // the set just hashed: an aggregate's members change rarely
	hash := ""
	for _, rec := range batch {
		if rec.req.Outcome == Allowed && len(rec.counted) > 0 {
			if !slices.Equal(rec.counted, last) {
				last, hash = rec.counted, setHash(rec.counted)
			}
			byHash[hash] = append(byHash[hash], rec)
		}
	}
	for _, hash := range slices.Sorted(maps.Keys(byHash)) {
		recs := byHash[hash]
		h.mu.Lock()
		id := h.sets[hash]
		h.mu.Unlock()
		if id == "" {
			var err error
			if id, err = aggregateSet(ctx, tx, hash, recs[0].counted); err != nil {
				return err
			}
		}
		w.sets[hash] = id
		for _, rec := range recs {
			rec.req.SetID = id
		}
	}
	return nil
}

// setHash names a set of members by their sorted ids.
func setHash(ids []string) string {
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return hex.EncodeToString(sum[:])
}
