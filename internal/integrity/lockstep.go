package integrity

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// A pass counts, for every pair of accounts, the targets on which they
// acted within window of each other (CopyCatch, SynchroTrap: each target's
// own times, not a shared clock), keeps the pairs that share more targets
// than the null model gives (null.go: by activity and popularity classes,
// so that heavy users, who meet each other often, are expected to), and
// makes groups of what stays in the pairs' k-core.
//
// A participation in a crowd (more than crowd others within the window,
// a popular target's launch) counts for nothing: it says little about who
// acts with whom, and would cost the square of the crowd (FRAUDAR's
// weighting of popular columns, 1/log(degree+c), taken to its limit).
type pass struct {
	g      *Graph
	kind   string
	window int64 // seconds; < 0: the target's whole history (dense pass)
	crowd  int
	cfg    Config

	null *null

	// Pairs are counted among the accounts with at least PairMin counted
	// participations (an account acting once pairs with nobody), under
	// ids of their own: accts[c] is pair id c's account (ascending, so
	// that ids compare as accounts do), cls[c] its activity class.
	accts []int32
	cls   []uint8
	// The counted participations of those accounts, by target and time,
	// as pair ids (cAcct) and as counter ids (cCtr): an order of the pair
	// ids by activity, the most active first, so that the counters most
	// often touched lie together in the processor's cache; ctrPair[k] is
	// counter k's pair id.
	cAcct, cCtr []int32
	ctrPair     []int32
	// Each one's window in cAcct, in account order (read in sequence, not
	// scattered over the graph): pair id c's are wins[wOff[c]:wOff[c+1]].
	wOff []int32
	wins []cowindow

	// Scratch of the groups' evidence, by account: hits in a group's
	// windows, and whether a member.
	hits []int32
	in   []bool
}

// cowindow is a counted participation's window: the others on its
// target within the window are cAcct[lo:hi] (itself included), share
// the chance that another account on the target is among them, class
// the target's popularity class.
type cowindow struct {
	lo, hi int32
	share  float32
	class  uint8
}

// pair is two accounts (a < b) sharing count targets' windows.
type pair struct{ a, b, count int32 }

func newPass(g *Graph, nm *null, kind string, window int64, crowd int, cfg Config) *pass {
	p := &pass{g: g, null: nm, kind: kind, window: window, crowd: crowd, cfg: cfg}
	n := len(g.acct)
	if window < 0 {
		window = math.MaxUint32
	}
	ranges := splitTargets(g.toff, max(1, cfg.Workers))
	// occupancy calls f for each participation of target t that counts
	// (not a repeat, not alone, not in a crowd) with the number of others
	// on the target within the window.
	occupancy := func(t int32, f func(i, occ int32)) {
		s, e := g.toff[t], g.toff[t+1]
		l, h := s, s
		for i := s; i < e; i++ {
			ti := int64(g.rt[i])
			for int64(g.rt[l]) < ti-window {
				l++
			}
			for h < e && int64(g.rt[h]) <= ti+window {
				h++
			}
			if occ := h - l - 1; occ >= 1 && int(occ) <= crowd && !nm.dup[i] {
				f(i, occ)
			}
		}
	}
	// Counted participations by account, in each range of targets;
	// pid[i] is 0 for a counted one, -1 else.
	pid := make([]int32, n)
	degs := make([][]int32, len(ranges))
	inParallel(len(ranges), func(w int) {
		deg := make([]int32, g.nAcct)
		for i := g.toff[ranges[w][0]]; i < g.toff[ranges[w][1]]; i++ {
			pid[i] = -1
		}
		for t := ranges[w][0]; t < ranges[w][1]; t++ {
			occupancy(t, func(i, _ int32) {
				pid[i] = 0
				deg[g.acct[i]]++
			})
		}
		degs[w] = deg
	})
	// Pair ids, and where each range's windows of each pair id go (after
	// the earlier ranges', so that each one's are in position order).
	id := make([]int32, g.nAcct)
	next := make([][]int32, len(ranges))
	p.wOff = []int32{0}
	for a := range g.nAcct {
		d := int32(0)
		for _, deg := range degs {
			d += deg[a]
		}
		id[a] = -1
		if d < int32(cfg.PairMin) {
			continue
		}
		id[a] = int32(len(p.accts))
		p.accts = append(p.accts, a)
		p.cls = append(p.cls, nm.class[a])
		at := p.wOff[len(p.wOff)-1]
		for w, deg := range degs {
			next[w] = append(next[w], at)
			at += deg[a]
		}
		p.wOff = append(p.wOff, at)
	}
	degs = nil
	// Counter ids: by activity class, the most active first (a counting
	// sort, stable).
	ctr := make([]int32, len(p.accts))
	{
		var byClass [classes + 1]int32
		for c := range p.accts {
			byClass[classes-1-classOf(int(p.wOff[c+1]-p.wOff[c]))+1]++
		}
		for k := 1; k <= classes; k++ {
			byClass[k] += byClass[k-1]
		}
		p.ctrPair = make([]int32, len(p.accts))
		for c := range p.accts {
			k := classes - 1 - classOf(int(p.wOff[c+1]-p.wOff[c]))
			ctr[c] = byClass[k]
			p.ctrPair[byClass[k]] = int32(c)
			byClass[k]++
		}
	}
	// Each counted participation's pair id (-1: its account has too few),
	// and how many each target has, in ranges of targets.
	coff := make([]int32, g.nTgt+1)
	inParallel(len(ranges), func(w int) {
		for t := ranges[w][0]; t < ranges[w][1]; t++ {
			k := int32(0)
			for i := g.toff[t]; i < g.toff[t+1]; i++ {
				if pid[i] == 0 {
					pid[i] = id[g.acct[i]]
					k += 1 + pid[i]>>31
				}
			}
			coff[t+1] = k
		}
	})
	id = nil
	for t := range g.nTgt {
		coff[t+1] += coff[t]
	}
	p.cAcct = make([]int32, coff[g.nTgt])
	p.cCtr = make([]int32, coff[g.nTgt])
	p.wins = make([]cowindow, coff[g.nTgt])
	inParallel(len(ranges), func(w int) {
		next := next[w]
		var rt []uint32
		var share []float32
		for t := ranges[w][0]; t < ranges[w][1]; t++ {
			rt, share = rt[:0], share[:0]
			k := coff[t]
			occupancy(t, func(i, occ int32) {
				if c := pid[i]; c >= 0 {
					p.cAcct[k] = c
					p.cCtr[k] = ctr[c]
					rt = append(rt, g.rt[i])
					share = append(share, float32(nm.inTime(t, int(occ))))
					k++
				}
			})
			// Each one's window among them, laid out by pair id.
			class := nm.tclass[t]
			l, h := 0, 0
			for j, tj := range rt {
				for int64(rt[l]) < int64(tj)-window {
					l++
				}
				for h < len(rt) && int64(rt[h]) <= int64(tj)+window {
					h++
				}
				c := p.cAcct[coff[t]+int32(j)]
				slot := next[c]
				next[c]++
				p.wins[slot] = cowindow{lo: coff[t] + int32(l), hi: coff[t] + int32(h), share: share[j], class: class}
			}
		}
	})
	return p
}

// expectations are, for each activity class, how many of pair id a's
// counted windows an account of that class is expected to share with a:
// Σ over a's windows of P(on the target) × P(in the window | on it).
func (p *pass) expectations(a int32, into *[classes]float64) {
	*into = [classes]float64{}
	nm := p.null
	var byTargetClass [classes]float64 // Σ of a's windows' shares, by their target's class
	for _, w := range p.wins[p.wOff[a]:p.wOff[a+1]] {
		byTargetClass[w.class] += float64(w.share)
	}
	for c, s := range byTargetClass {
		if s == 0 {
			continue
		}
		for k := range classes {
			into[k] += s * nm.onShare[k][c]
		}
	}
}

// pairs counts every pair's shared windows, in parallel over accounts
// with a dense counter per worker (no map), and returns the significant
// ones, as pair ids. The count runs without a branch on the data: each
// of a's windows adds one to the counter of every account in it after a
// (by id), and appends it to the touched ones when its counter was 0.
func (p *pass) pairs() []pair {
	workers := max(1, p.cfg.Workers)
	// most[c] is the largest expectation under which sharing c windows is
	// still significant (the tail falls as the expectation does).
	most := make([]float64, 257)
	limit := math.Log10(p.cfg.PairP)
	for c := 1; c < len(most); c++ {
		lo, hi := 0.0, float64(c)
		for range 60 {
			mid := (lo + hi) / 2
			if logTail(c, mid) <= limit {
				lo = mid
			} else {
				hi = mid
			}
		}
		most[c] = lo
		if p.cfg.Ratio > 0 {
			most[c] = min(lo, float64(c)/p.cfg.Ratio)
		}
	}
	m := int32(len(p.accts))
	pairMin := int32(p.cfg.PairMin)
	var next atomic.Int32
	const chunk = 512
	out := make([][]pair, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			count := make([]int32, m) // by counter id
			var expect [classes]float64
			var touched []int32 // counter ids
			var found []pair
			for {
				from := next.Add(chunk) - chunk
				if from >= m {
					break
				}
				for a := from; a < min(from+chunk, m); a++ {
					wins := p.wins[p.wOff[a]:p.wOff[a+1]]
					size := 1
					for _, win := range wins {
						size += int(win.hi - win.lo)
					}
					if size > len(touched) {
						touched = make([]int32, size+size/4)
					}
					nt := 0
					for _, win := range wins {
						ctrs := p.cCtr[win.lo:win.hi]
						for j, b := range p.cAcct[win.lo:win.hi][:len(ctrs)] {
							after := int32(uint32(a-b) >> 31) // 1 when b > a
							k := ctrs[j]
							c := count[k]
							touched[nt] = k
							nt += int(uint32(c-1)>>31) & int(after)
							count[k] = c + after
						}
					}
					expect[0] = -1
					for _, k := range touched[:nt] {
						c := count[k]
						count[k] = 0
						if c < pairMin {
							continue
						}
						if expect[0] < 0 {
							p.expectations(a, &expect)
						}
						b := p.ctrPair[k]
						if expect[p.cls[b]] <= most[min(int(c), len(most)-1)] {
							found = append(found, pair{a, b, c})
						}
					}
				}
			}
			out[w] = found
		})
	}
	wg.Wait()
	return slices.Concat(out...)
}

// components returns the groups of accounts of the pairs' k-core (each
// account keeping at least k pairs among those kept), connected by pairs;
// accounts are ids below nAcct.
func components(nAcct int32, pairs []pair, k int) [][]int32 {
	deg := make([]int32, nAcct)
	for _, e := range pairs {
		deg[e.a]++
		deg[e.b]++
	}
	off := make([]int32, nAcct+1)
	for a := range nAcct {
		off[a+1] = off[a] + deg[a]
	}
	adj := make([]int32, off[nAcct])
	weight := make([]int32, off[nAcct])
	fill := slices.Clone(off[:nAcct])
	for _, e := range pairs {
		adj[fill[e.a]], weight[fill[e.a]] = e.b, e.count
		fill[e.a]++
		adj[fill[e.b]], weight[fill[e.b]] = e.a, e.count
		fill[e.b]++
	}
	fill = nil
	// Peel: an account with fewer than k pairs leaves, and its pairs with it.
	gone := make([]bool, nAcct)
	var queue []int32
	for a := range nAcct {
		if deg[a] > 0 && deg[a] < int32(k) {
			gone[a] = true
			queue = append(queue, a)
		}
	}
	for len(queue) > 0 {
		a := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, b := range adj[off[a]:off[a+1]] {
			if gone[b] {
				continue
			}
			deg[b]--
			if deg[b] < int32(k) {
				gone[b] = true
				queue = append(queue, b)
			}
		}
	}
	// Connected components of what stays.
	comp := make([]int32, nAcct)
	for i := range comp {
		comp[i] = -1
	}
	local := make([]int32, nAcct) // an account's index among its component's members
	var groups [][]int32
	for s := range nAcct {
		if gone[s] || deg[s] == 0 || comp[s] >= 0 {
			continue
		}
		id := int32(len(groups))
		members := []int32{s}
		comp[s] = id
		for q := 0; q < len(members); q++ {
			a := members[q]
			for _, b := range adj[off[a]:off[a+1]] {
				if !gone[b] && comp[b] < 0 {
					comp[b] = id
					members = append(members, b)
				}
			}
		}
		groups = append(groups, communities(members, off, adj, weight, gone, local)...)
	}
	return groups
}

// communities splits a component by label propagation (each account
// takes the label its pairs weigh most for, the lowest on a tie, until
// none changes): two groups joined by a few chance pairs come apart, one
// group stays whole. Labels are indices among the sorted members.
func communities(members []int32, off, adj, weight []int32, gone []bool, local []int32) [][]int32 {
	slices.Sort(members)
	label := make([]int32, len(members))
	for i, a := range members {
		local[a] = int32(i)
		label[i] = int32(i)
	}
	votes := make([]int32, len(members))
	var voted []int32
	for range 30 {
		changed := false
		for i, a := range members {
			for k := off[a]; k < off[a+1]; k++ {
				if b := adj[k]; !gone[b] {
					l := label[local[b]]
					if votes[l] == 0 {
						voted = append(voted, l)
					}
					votes[l] += weight[k]
				}
			}
			best := label[i]
			bestW := votes[best]
			for _, l := range voted {
				if w := votes[l]; w > bestW || w == bestW && l < best {
					best, bestW = l, w
				}
				votes[l] = 0
			}
			voted = voted[:0]
			if best != label[i] {
				label[i] = best
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	byLabel := make([][]int32, len(members))
	for i, a := range members {
		byLabel[label[i]] = append(byLabel[label[i]], a)
	}
	var out [][]int32
	for _, c := range byLabel {
		if len(c) > 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y []int32) int { return int(x[0] - y[0]) })
	return out
}

// candidate is a group before it becomes a Group: ids, not names.
type candidate struct {
	kind     string
	accounts []int32
	windows  []span
	score    float64
	reasons  []string
}

// span is a target's window, in relative seconds.
type span struct {
	target   int32
	from, to int64
}

// group turns a component into a candidate with its evidence: the targets
// where its members acted together (more of them within one window than
// chance gives), those windows, and as members every account that acted
// in more of those windows than its activity explains (members of the
// component who do not drop out; others who do join: the k-core misses
// the sparsest rows of a block).
func (p *pass) group(members []int32) []candidate {
	g := p.g
	cfg := p.cfg
	limit := math.Log10(cfg.PairP)

	// Members' participations by target and time.
	type tt struct {
		t  int32
		rt uint32
	}
	var evs []tt
	for _, a := range members {
		for _, i := range g.apos[g.aoff[a]:g.aoff[a+1]] {
			evs = append(evs, tt{g.tgt[i], g.rt[i]})
		}
	}
	slices.SortFunc(evs, func(x, y tt) int {
		if x.t != y.t {
			return int(x.t - y.t)
		}
		return int(int64(x.rt) - int64(y.rt))
	})
	// Members by activity class, for what chance puts on a target.
	var perClass [classes]float64
	for _, a := range members {
		perClass[p.null.class[a]]++
	}
	onByChance := func(t int32) float64 {
		var x float64
		for k, m := range perClass {
			if m > 0 {
				x += m * p.null.share(t, uint8(k))
			}
		}
		return x
	}

	// The densest window of each target (two pointers), kept when the
	// members are in it more than chance puts them there.
	var windows []span
	for s := 0; s < len(evs); {
		e := s
		for e < len(evs) && evs[e].t == evs[s].t {
			e++
		}
		if e-s >= cfg.HitMin {
			best, bl, bh := 0, s, s
			l := s
			for h := s; h < e; h++ {
				for p.window >= 0 && int64(evs[h].rt)-int64(evs[l].rt) > p.window {
					l++
				}
				if h-l+1 > best {
					best, bl, bh = h-l+1, l, h
				}
			}
			t := evs[s].t
			from, to := int64(evs[bl].rt), int64(evs[bh].rt)
			lo, hi := g.span(t, from, to)
			// A crowd is no evidence (as for pairs); else the members must
			// be more in the window than its crowd gives, and more on the
			// target at all than its popularity gives (the members'
			// camouflage on popular targets is not their block).
			onTarget := onByChance(t)
			inWindow := onTarget * p.null.inTime(t, int(hi-lo)-1)
			if int(hi-lo) <= p.crowd+1 && best >= cfg.HitMin && logTail(best, inWindow) <= limit && logTail(e-s, onTarget) <= limit {
				windows = append(windows, span{t, from, to})
			}
		}
		s = e
	}
	if len(windows) < cfg.MinTargets {
		return nil
	}

	var out []candidate
	for _, part := range p.split(windows) {
		if c, ok := p.members(part); ok {
			out = append(out, c)
		}
	}
	return out
}

// members are the accounts that acted in more of the windows than their
// activity explains (at least HitMin of them); the windows kept are those
// at least HitMin members fill.
func (p *pass) members(windows []span) (candidate, bool) {
	g, cfg := p.g, p.cfg
	limit := math.Log10(cfg.PairP)
	hits := p.hits
	var seen []int32 // accounts with hits, in the order first seen
	// expect[k]: how many of the windows an account of class k is in by
	// chance.
	var expect [classes]float64
	for _, w := range windows {
		lo, hi := g.span(w.target, w.from, w.to)
		in := p.null.inTime(w.target, int(hi-lo)-1)
		for k := range uint8(classes) {
			expect[k] += p.null.share(w.target, k) * in
		}
		for i := lo; i < hi; i++ {
			if a := g.acct[i]; !repeated(g, lo, i, a) {
				if hits[a] == 0 {
					seen = append(seen, a)
				}
				hits[a]++
			}
		}
	}
	var c candidate
	c.kind = p.kind
	var observed int
	var lambdas float64
	slices.Sort(seen)
	for _, a := range seen {
		h := hits[a]
		hits[a] = 0
		if int(h) < cfg.HitMin {
			continue
		}
		lambda := expect[p.null.class[a]]
		if logTail(int(h), lambda) <= limit && float64(h) >= cfg.Ratio*lambda {
			c.accounts = append(c.accounts, a)
			observed += int(h)
			lambdas += lambda
		}
	}
	if len(c.accounts) < cfg.MinGroup {
		return candidate{}, false
	}
	in := p.in
	for _, a := range c.accounts {
		in[a] = true
	}
	for _, w := range windows {
		lo, hi := g.span(w.target, w.from, w.to)
		n := 0
		for _, a := range g.acct[lo:hi] {
			if in[a] {
				n++
			}
		}
		if n >= cfg.HitMin {
			c.windows = append(c.windows, w)
		}
	}
	for _, a := range c.accounts {
		in[a] = false
	}
	if len(c.windows) < cfg.MinTargets {
		return candidate{}, false
	}
	c.score = surprise(observed, lambdas)
	c.reasons = []string{"integrity.reason." + p.kind}
	return c, true
}

// repeated reports whether account a already acted between lo and i (a
// second participation of one account in one window counts once).
func repeated(g *Graph, lo, i, a int32) bool {
	for j := i - 1; j >= lo && i-j < 64; j-- {
		if g.acct[j] == a {
			return true
		}
	}
	return false
}

// split cuts a component's windows into the sets that share members: two
// windows belong together when at least two accounts acted in both
// (each significant in the whole), so that two groups joined in the pairs'
// graph by a few chance pairs come apart.
func (p *pass) split(windows []span) [][]span {
	all, ok := p.members(windows)
	if !ok {
		return nil
	}
	g := p.g
	in := p.in
	for _, a := range all.accounts {
		in[a] = true
	}
	// Each member's windows: (member, window) as member << 32 | window,
	// sorted.
	var of []uint64
	for k, w := range all.windows {
		lo, hi := g.span(w.target, w.from, w.to)
		for i := lo; i < hi; i++ {
			if a := g.acct[i]; in[a] && !repeated(g, lo, i, a) {
				of = append(of, uint64(a)<<32|uint64(k))
			}
		}
	}
	for _, a := range all.accounts {
		in[a] = false
	}
	slices.Sort(of)
	nw := len(all.windows)
	parent := make([]int32, nw)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	// How many members each two windows share, up to 2: in a matrix when
	// the windows are few, else counted from the sorted pairs.
	var twice func(x, y int32) bool
	if nw <= 2048 {
		shared := make([]uint8, nw*nw)
		twice = func(x, y int32) bool {
			k := int(x)*nw + int(y)
			if shared[k] < 2 {
				shared[k]++
			}
			return shared[k] == 2
		}
	}
	var keys []uint64
	for s := 0; s < len(of); {
		e := s
		for e < len(of) && of[e]>>32 == of[s]>>32 {
			e++
		}
		ws := of[s:e]
		for i, x := range ws {
			for _, y := range ws[i+1:] {
				x, y := int32(uint32(x)), int32(uint32(y)) // x < y
				if twice == nil {
					keys = append(keys, uint64(x)<<32|uint64(y))
				} else if twice(x, y) {
					parent[find(x)] = find(y)
				}
			}
		}
		s = e
	}
	if twice == nil {
		slices.Sort(keys)
		for i := 1; i < len(keys); i++ {
			if keys[i] == keys[i-1] && (i == 1 || keys[i-2] != keys[i]) {
				x, y := int32(keys[i]>>32), int32(uint32(keys[i]))
				parent[find(x)] = find(y)
			}
		}
	}
	parts := make([][]span, nw)
	for k, w := range all.windows {
		r := find(int32(k))
		parts[r] = append(parts[r], w)
	}
	var out [][]span
	for _, part := range parts {
		if len(part) >= p.cfg.MinTargets {
			out = append(out, part)
		}
	}
	slices.SortFunc(out, func(x, y []span) int { return int(x[0].target - y[0].target) })
	return out
}

// run is the whole pass: pairs, their k-core, its components, their
// groups.
func (p *pass) run() []candidate {
	pairs := p.pairs()
	comps := components(int32(len(p.accts)), pairs, p.cfg.Core)
	p.hits = make([]int32, p.g.nAcct)
	p.in = make([]bool, p.g.nAcct)
	var out []candidate
	for _, members := range comps {
		if len(members) < p.cfg.MinGroup {
			continue
		}
		for i, c := range members {
			members[i] = p.accts[c] // ascending still
		}
		out = append(out, p.group(members)...)
	}
	return out
}
