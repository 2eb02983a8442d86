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
	deg  []int32 // counted participations by account

	// The participations pairs are counted on: counted ones of accounts
	// with at least PairMin of them (an account acting once pairs with
	// nobody), by target and time.
	cAcct []int32
	// Each account's counted participations, in account order (read
	// in sequence, not scattered over the graph): account a's are wOff[a]
	// to wOff[a+1]; each one's window in cAcct (lo<<32 | hi), the chance
	// another account on its target is in it, and the target's class.
	wOff   []int32
	wWin   []uint64
	wShare []float32
	wClass []uint8
}

// pair is two accounts (a < b) sharing count targets' windows.
type pair struct{ a, b, count int32 }

func newPass(g *Graph, nm *null, kind string, window int64, crowd int, cfg Config) *pass {
	p := &pass{g: g, null: nm, kind: kind, window: window, crowd: crowd, cfg: cfg}
	n := len(g.acct)
	if window < 0 {
		window = math.MaxUint32
	}
	// Each participation's occupancy: the others on its target within
	// the window.
	occ := make([]int32, n)
	g.parallel(cfg.Workers, func(from, to int32, _ int) {
		for t := from; t < to; t++ {
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
				occ[i] = h - l - 1
			}
		}
	})
	p.deg = make([]int32, g.nAcct)
	share := make([]float32, n)
	counted := func(i int) bool { return occ[i] >= 1 && int(occ[i]) <= crowd && !nm.dup[i] }
	for i := range n {
		if counted(i) {
			p.deg[g.acct[i]]++
			share[i] = float32(nm.inTime(g.tgt[i], int(occ[i])))
		}
	}
	// The list pairs are counted on, and each one's window in it.
	cIdx := make([]int32, n)
	var cRT []uint32
	coff := make([]int32, g.nTgt+1)
	for t := range g.nTgt {
		for i := g.toff[t]; i < g.toff[t+1]; i++ {
			cIdx[i] = -1
			if counted(int(i)) && p.deg[g.acct[i]] >= int32(cfg.PairMin) {
				cIdx[i] = int32(len(p.cAcct))
				p.cAcct = append(p.cAcct, g.acct[i])
				cRT = append(cRT, g.rt[i])
			}
		}
		coff[t+1] = int32(len(p.cAcct))
	}
	occ = nil
	cLo, cHi := make([]int32, len(p.cAcct)), make([]int32, len(p.cAcct))
	g.parallel(cfg.Workers, func(from, to int32, _ int) {
		for t := from; t < to; t++ {
			s, e := coff[t], coff[t+1]
			l, h := s, s
			for k := s; k < e; k++ {
				tk := int64(cRT[k])
				for int64(cRT[l]) < tk-window {
					l++
				}
				for h < e && int64(cRT[h]) <= tk+window {
					h++
				}
				cLo[k], cHi[k] = l, h
			}
		}
	})
	cRT = nil
	// In account order.
	p.wOff = make([]int32, g.nAcct+1)
	for a := range g.nAcct {
		m := int32(0)
		for _, i := range g.apos[g.aoff[a]:g.aoff[a+1]] {
			if cIdx[i] >= 0 {
				m++
			}
		}
		p.wOff[a+1] = p.wOff[a] + m
	}
	p.wWin = make([]uint64, p.wOff[g.nAcct])
	p.wShare = make([]float32, p.wOff[g.nAcct])
	p.wClass = make([]uint8, p.wOff[g.nAcct])
	var wg sync.WaitGroup
	workers := max(1, cfg.Workers)
	for w := range workers {
		wg.Go(func() {
			for a := int(g.nAcct) * w / workers; a < int(g.nAcct)*(w+1)/workers; a++ {
				j := p.wOff[a]
				for _, i := range g.apos[g.aoff[a]:g.aoff[a+1]] {
					if k := cIdx[i]; k >= 0 {
						p.wWin[j] = uint64(cLo[k])<<32 | uint64(uint32(cHi[k]))
						p.wShare[j] = share[i]
						p.wClass[j] = nm.tclass[g.tgt[i]]
						j++
					}
				}
			}
		})
	}
	wg.Wait()
	return p
}

// expectations are, for each activity class, how many of account a's
// counted windows an account of that class is expected to share with a:
// Σ over a's windows of P(on the target) × P(in the window | on it).
func (p *pass) expectations(a int32, into *[classes]float64) {
	*into = [classes]float64{}
	nm := p.null
	var byTargetClass [classes]float64 // Σ of a's windows' shares, by their target's class
	for j := p.wOff[a]; j < p.wOff[a+1]; j++ {
		byTargetClass[p.wClass[j]] += float64(p.wShare[j])
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
// ones.
func (p *pass) pairs() []pair {
	g := p.g
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
	var next atomic.Int32
	const chunk = 512
	out := make([][]pair, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			count := make([]int32, g.nAcct)
			var expect [classes]float64
			var touched []int32
			var found []pair
			for {
				from := next.Add(chunk) - chunk
				if from >= g.nAcct {
					break
				}
				for a := from; a < min(from+chunk, g.nAcct); a++ {
					if p.deg[a] < int32(p.cfg.PairMin) {
						continue
					}
					for _, win := range p.wWin[p.wOff[a]:p.wOff[a+1]] {
						for _, b := range p.cAcct[win>>32 : uint32(win)] {
							if b <= a {
								continue
							}
							if count[b] == 0 {
								touched = append(touched, b)
							}
							count[b]++
						}
					}
					expect[0] = -1
					for _, b := range touched {
						c := count[b]
						count[b] = 0
						if c < int32(p.cfg.PairMin) {
							continue
						}
						if expect[0] < 0 {
							p.expectations(a, &expect)
						}
						if expect[p.null.class[b]] <= most[min(int(c), len(most)-1)] {
							found = append(found, pair{a, b, c})
						}
					}
					touched = touched[:0]
				}
			}
			out[w] = found
		})
	}
	wg.Wait()
	return slices.Concat(out...)
}

// components returns the groups of accounts of the pairs' k-core (each
// account keeping at least k pairs among those kept), connected by pairs.
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
		groups = append(groups, communities(members, off, adj, weight, gone)...)
	}
	return groups
}

// communities splits a component by label propagation (each account
// takes the label its pairs weigh most for, until none changes): two
// groups joined by a few chance pairs come apart, one group stays whole.
func communities(members []int32, off, adj, weight []int32, gone []bool) [][]int32 {
	slices.Sort(members)
	label := map[int32]int32{}
	for _, a := range members {
		label[a] = a
	}
	votes := map[int32]int32{}
	for range 30 {
		changed := false
		for _, a := range members {
			clear(votes)
			for k := off[a]; k < off[a+1]; k++ {
				if b := adj[k]; !gone[b] {
					votes[label[b]] += weight[k]
				}
			}
			best, bestW := label[a], votes[label[a]]
			for l, w := range votes {
				if w > bestW || w == bestW && l < best {
					best, bestW = l, w
				}
			}
			if best != label[a] {
				label[a] = best
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	byLabel := map[int32][]int32{}
	for _, a := range members {
		byLabel[label[a]] = append(byLabel[label[a]], a)
	}
	out := make([][]int32, 0, len(byLabel))
	for _, c := range byLabel {
		out = append(out, c)
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
	hits := map[int32]int32{}
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
				hits[a]++
			}
		}
	}
	var c candidate
	c.kind = p.kind
	var observed int
	var lambdas float64
	for a, h := range hits {
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
	in := map[int32]bool{}
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
	if len(c.windows) < cfg.MinTargets {
		return candidate{}, false
	}
	slices.Sort(c.accounts)
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
	index := map[span]int32{}
	for k, w := range all.windows {
		index[w] = int32(k)
	}
	in := map[int32]bool{}
	for _, a := range all.accounts {
		in[a] = true
	}
	of := map[int32][]int32{} // member → its windows
	for k, w := range all.windows {
		lo, hi := g.span(w.target, w.from, w.to)
		for i := lo; i < hi; i++ {
			if a := g.acct[i]; in[a] && !repeated(g, lo, i, a) {
				of[a] = append(of[a], int32(k))
			}
		}
	}
	shared := map[uint64]int32{}
	parent := make([]int32, len(all.windows))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, ws := range of {
		for i, x := range ws {
			for _, y := range ws[i+1:] {
				key := uint64(min(x, y))<<32 | uint64(max(x, y))
				shared[key]++
				if shared[key] == 2 {
					parent[find(x)] = find(y)
				}
			}
		}
	}
	parts := map[int32][]span{}
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
	comps := components(p.g.nAcct, pairs, p.cfg.Core)
	var out []candidate
	for _, members := range comps {
		if len(members) < p.cfg.MinGroup {
			continue
		}
		out = append(out, p.group(members)...)
	}
	return out
}
