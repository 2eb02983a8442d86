package integrity

import (
	"math"
	"slices"
	"strconv"
	"sync"
)

// Graph is the engine's compact form of the events: accounts and targets
// interned to int32 ids, participations sorted by target and time in
// columns (account, target, time as seconds from the earliest: 12 bytes
// each), and each account's participations as positions into them. There
// is no map per participation: 10 million participations take about 250
// MB once built.
//
// A graph is filled either with Add (names, and what the instance knows
// of each participation) or with AddID (numeric ids, as bench/integrity
// does), not both; Detect builds it once.
type Graph struct {
	// Filled by Add and AddID, dropped once built.
	bAcct, bTgt []int32
	bTime       []int64
	bIP, bDom   []int32 // interned, 0 unknown; nil until one is known
	bUA         []int32

	accountIDs, targetIDs     map[string]int32
	accountNames, targetNames []string
	nAcct, nTgt               int32
	created                   []int64 // by account, 0 unknown; nil until one is known
	ips, domains, uas         interner

	built bool
	base  int64    // the earliest time; rt are seconds after it
	toff  []int32  // target t's participations are positions toff[t] to toff[t+1]
	acct  []int32  // by position
	tgt   []int32  // by position
	rt    []uint32 // by position
	ip    []int32  // by position, when known
	dom   []int32
	ua    []int32
	aoff  []int32 // account a's positions are apos[aoff[a]:aoff[a+1]], ascending
	apos  []int32
}

// interner gives strings small ids, 0 being "unknown".
type interner struct {
	ids   map[string]int32
	names []string
}

func (in *interner) id(s string) int32 {
	if s == "" {
		return 0
	}
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]int32{}
		in.names = []string{""}
	}
	id := int32(len(in.names))
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

// NewGraph returns an empty graph with room for about n participations.
func NewGraph(n int) *Graph {
	return &Graph{
		bAcct: make([]int32, 0, n),
		bTgt:  make([]int32, 0, n),
		bTime: make([]int64, 0, n),
	}
}

// Add adds one participation.
func (g *Graph) Add(e Event) {
	if g.accountIDs == nil {
		g.accountIDs, g.targetIDs = map[string]int32{}, map[string]int32{}
	}
	a, ok := g.accountIDs[e.Account]
	if !ok {
		a = int32(len(g.accountNames))
		g.accountIDs[e.Account] = a
		g.accountNames = append(g.accountNames, e.Account)
	}
	t, ok := g.targetIDs[e.Target]
	if !ok {
		t = int32(len(g.targetNames))
		g.targetIDs[e.Target] = t
		g.targetNames = append(g.targetNames, e.Target)
	}
	n := len(g.bAcct)
	g.AddID(a, t, e.Time)
	meta := func(col *[]int32, in *interner, s string) {
		if s == "" && *col == nil {
			return
		}
		if *col == nil {
			*col = make([]int32, n, cap(g.bAcct))
		}
		*col = append(*col, in.id(s))
	}
	meta(&g.bIP, &g.ips, e.IPPrefix)
	meta(&g.bDom, &g.domains, e.Domain)
	meta(&g.bUA, &g.uas, e.UserAgent)
	if e.AccountCreated != 0 {
		for int(a) >= len(g.created) {
			g.created = append(g.created, 0)
		}
		g.created[a] = e.AccountCreated
	}
}

// AddID adds one participation by numeric ids (0 ≤ id < 2³¹); names are
// then the ids in decimal.
func (g *Graph) AddID(account, target int32, time int64) {
	g.bAcct = append(g.bAcct, account)
	g.bTgt = append(g.bTgt, target)
	g.bTime = append(g.bTime, time)
	g.nAcct = max(g.nAcct, account+1)
	g.nTgt = max(g.nTgt, target+1)
}

// Len is the number of participations.
func (g *Graph) Len() int {
	if g.built {
		return len(g.acct)
	}
	return len(g.bAcct)
}

// AccountName is account id's name.
func (g *Graph) AccountName(id int32) string {
	if g.accountNames != nil {
		return g.accountNames[id]
	}
	return strconv.Itoa(int(id))
}

// TargetName is target id's name.
func (g *Graph) TargetName(id int32) string {
	if g.targetNames != nil {
		return g.targetNames[id]
	}
	return strconv.Itoa(int(id))
}

// time is position p's time in unix seconds.
func (g *Graph) time(p int32) int64 { return g.base + int64(g.rt[p]) }

// build sorts the participations by target and time and indexes them by
// account, then drops what Add kept. Every step reads its input in
// sequence and runs on the workers in parallel: a counting sort by
// target (each worker placing its share of the participations after the
// earlier workers' on each target), each target's participations sorted
// by time as packed keys, then each account's positions by a counting
// sort too.
func (g *Graph) build(workers int) {
	if g.built {
		return
	}
	g.built = true
	workers = max(1, workers)
	n := len(g.bAcct)
	if n == 0 {
		g.toff = make([]int32, g.nTgt+1)
		g.aoff = make([]int32, g.nAcct+1)
		return
	}
	g.base = slices.Min(g.bTime)
	rel := func(i int) uint64 {
		d := g.bTime[i] - g.base
		if d > math.MaxUint32 {
			d = math.MaxUint32 // more than 136 years apart: clamped
		}
		return uint64(d)
	}

	// Counting sort by target, stable: keys[s] is the participation's
	// time << 32 | its rank among its target's in the order added, and
	// arrived[s] its account.
	parts := splitRange(n, workers)
	next := countBy(g.bTgt, g.nTgt, parts)
	g.toff = offsets(next, g.nTgt)
	keys := make([]uint64, n)
	arrived := make([]int32, n)
	var origin []int32 // the index of each one as added, when columns follow
	if g.bIP != nil || g.bDom != nil || g.bUA != nil {
		origin = make([]int32, n)
	}
	inParallel(len(parts), func(w int) {
		at := next[w]
		for i := parts[w][0]; i < parts[w][1]; i++ {
			t := g.bTgt[i]
			s := at[t]
			at[t]++
			keys[s] = rel(i)<<32 | uint64(s-g.toff[t])
			arrived[s] = g.bAcct[i]
			if origin != nil {
				origin[s] = int32(i)
			}
		}
	})
	next = nil
	g.bTime = nil

	// Each target's by time (its rank as added breaking ties). The
	// columns as added are no longer read: their arrays take the sorted
	// ones.
	g.acct, g.tgt = g.bAcct, g.bTgt
	g.rt = make([]uint32, n)
	g.parallel(workers, func(from, to int32, _ int) {
		var scratch []uint64
		for t := from; t < to; t++ {
			s, e := g.toff[t], g.toff[t+1]
			seg := keys[s:e]
			scratch = sortByTime(seg, scratch)
			for k, key := range seg {
				p := s + int32(k)
				j := s + int32(uint32(key))
				g.rt[p] = uint32(key >> 32)
				g.acct[p] = arrived[j]
				g.tgt[p] = t
				if origin != nil {
					seg[k] = uint64(origin[j])
				}
			}
		}
	})
	arrived, origin = nil, nil
	permute := func(col []int32) []int32 {
		if col == nil {
			return nil
		}
		out := make([]int32, n)
		for p, i := range keys {
			out[p] = col[i]
		}
		return out
	}
	g.ip, g.dom, g.ua = permute(g.bIP), permute(g.bDom), permute(g.bUA)
	g.bAcct, g.bTgt, g.bIP, g.bDom, g.bUA = nil, nil, nil, nil, nil
	keys = nil

	// Each account's positions, ascending.
	next = countBy(g.acct, g.nAcct, parts)
	g.aoff = offsets(next, g.nAcct)
	g.apos = make([]int32, n)
	inParallel(len(parts), func(w int) {
		at := next[w]
		for p := parts[w][0]; p < parts[w][1]; p++ {
			a := g.acct[p]
			g.apos[at[a]] = int32(p)
			at[a]++
		}
	})
}

// sortByTime sorts keys (time << 32 | rank, the ranks ascending) by
// time, ties in rank order: a radix sort of the times (stable, so the
// ranks stay in order) when there are many, else a comparison sort of
// the whole keys. It returns scratch, grown as needed.
func sortByTime(keys, scratch []uint64) []uint64 {
	if len(keys) < 256 {
		slices.Sort(keys)
		return scratch
	}
	if cap(scratch) < len(keys) {
		scratch = make([]uint64, len(keys))
	}
	src, dst := keys, scratch[:len(keys)]
	for shift := uint(32); shift < 64; shift += 8 {
		var count [256]int
		for _, k := range src {
			count[byte(k>>shift)]++
		}
		if count[byte(src[0]>>shift)] == len(src) {
			continue // every key has this byte
		}
		at := 0
		for b, c := range count {
			count[b] = at
			at += c
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	return scratch
}

// countBy counts the values (0 ≤ v < k) of col in each part, in parallel.
func countBy(col []int32, k int32, parts [][2]int) [][]int32 {
	counts := make([][]int32, len(parts))
	inParallel(len(parts), func(w int) {
		c := make([]int32, k)
		for _, v := range col[parts[w][0]:parts[w][1]] {
			c[v]++
		}
		counts[w] = c
	})
	return counts
}

// offsets turns countBy's counts into the start of each value's run
// (off[v] to off[v+1]) and, in place, into where each part's first one
// of each value goes: after the earlier parts', so that the sort is
// stable.
func offsets(counts [][]int32, k int32) []int32 {
	off := make([]int32, k+1)
	for v := range k {
		s := off[v]
		for _, c := range counts {
			n := c[v]
			c[v] = s
			s += n
		}
		off[v+1] = s
	}
	return off
}

// splitRange cuts 0..n into k ranges of about equal length.
func splitRange(n, k int) [][2]int {
	k = max(1, min(k, n))
	out := make([][2]int, k)
	for w := range k {
		out[w] = [2]int{n * w / k, n * (w + 1) / k}
	}
	return out
}

// inParallel runs f(0) to f(k-1), one goroutine each, and waits.
func inParallel(k int, f func(w int)) {
	var wg sync.WaitGroup
	for w := range k {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// parallel runs f on each range of targets of about equal numbers of
// participations, one goroutine each; w is the range's index.
func (g *Graph) parallel(workers int, f func(from, to int32, w int)) {
	var wg sync.WaitGroup
	for w, r := range splitTargets(g.toff, max(1, workers)) {
		wg.Go(func() { f(r[0], r[1], w) })
	}
	wg.Wait()
}

// splitTargets cuts the targets into about k ranges of similar numbers of
// participations.
func splitTargets(toff []int32, k int) [][2]int32 {
	nt := int32(len(toff) - 1)
	total := int64(toff[nt])
	var out [][2]int32
	from := int32(0)
	for i := 1; i <= k && from < nt; i++ {
		goal := total * int64(i) / int64(k)
		to := from
		for to < nt && int64(toff[to]) < goal {
			to++
		}
		if i == k {
			to = nt
		}
		if to > from {
			out = append(out, [2]int32{from, to})
		}
		from = to
	}
	return out
}

// positions are the first and one past the last position of target t
// whose time is within [from, to] (relative seconds).
func (g *Graph) span(t int32, from, to int64) (int32, int32) {
	s, e := g.toff[t], g.toff[t+1]
	lo := s + int32(searchRT(g.rt[s:e], from))
	hi := s + int32(searchRT(g.rt[s:e], to+1))
	return lo, hi
}

// searchRT is the first index of rt (ascending) whose value is ≥ v.
func searchRT(rt []uint32, v int64) int {
	if v <= 0 {
		return 0
	}
	if v > math.MaxUint32 {
		return len(rt)
	}
	i, _ := slices.BinarySearch(rt, uint32(v))
	for i > 0 && int64(rt[i-1]) >= v {
		i--
	}
	return i
}
