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
// account, then drops what Add kept.
func (g *Graph) build(workers int) {
	if g.built {
		return
	}
	g.built = true
	n := len(g.bAcct)
	if n == 0 {
		g.toff = make([]int32, g.nTgt+1)
		g.aoff = make([]int32, g.nAcct+1)
		return
	}
	g.base = slices.Min(g.bTime)

	// Counting sort by target, stable.
	g.toff = make([]int32, g.nTgt+1)
	for _, t := range g.bTgt {
		g.toff[t+1]++
	}
	for t := range g.nTgt {
		g.toff[t+1] += g.toff[t]
	}
	perm := make([]int32, n)
	next := slices.Clone(g.toff[:g.nTgt])
	for i, t := range g.bTgt {
		perm[next[t]] = int32(i)
		next[t]++
	}
	next = nil

	// Then each target's participations by time: sorted as packed keys
	// (time << 32 | index), split among the workers by target.
	rel := func(i int32) uint64 {
		d := g.bTime[i] - g.base
		if d > math.MaxUint32 {
			d = math.MaxUint32 // more than 136 years apart: clamped
		}
		return uint64(d)
	}
	var wg sync.WaitGroup
	for _, r := range splitTargets(g.toff, max(1, workers)) {
		wg.Go(func() {
			var keys []uint64
			for t := r[0]; t < r[1]; t++ {
				seg := perm[g.toff[t]:g.toff[t+1]]
				keys = keys[:0]
				for _, i := range seg {
					keys = append(keys, rel(i)<<32|uint64(uint32(i)))
				}
				slices.Sort(keys)
				for k, key := range keys {
					seg[k] = int32(uint32(key))
				}
			}
		})
	}
	wg.Wait()

	g.acct = make([]int32, n)
	g.tgt = make([]int32, n)
	g.rt = make([]uint32, n)
	g.parallel(workers, func(from, to int32, _ int) {
		for p := g.toff[from]; p < g.toff[to]; p++ {
			i := perm[p]
			g.acct[p] = g.bAcct[i]
			g.tgt[p] = g.bTgt[i]
			g.rt[p] = uint32(rel(i))
		}
	})
	permute := func(col []int32) []int32 {
		if col == nil {
			return nil
		}
		out := make([]int32, n)
		for p, i := range perm {
			out[p] = col[i]
		}
		return out
	}
	g.ip, g.dom, g.ua = permute(g.bIP), permute(g.bDom), permute(g.bUA)
	g.bAcct, g.bTgt, g.bTime, g.bIP, g.bDom, g.bUA = nil, nil, nil, nil, nil, nil
	perm = nil

	// Each account's positions, ascending.
	g.aoff = make([]int32, g.nAcct+1)
	for _, a := range g.acct {
		g.aoff[a+1]++
	}
	for a := range g.nAcct {
		g.aoff[a+1] += g.aoff[a]
	}
	g.apos = make([]int32, n)
	fill := slices.Clone(g.aoff[:g.nAcct])
	for p, a := range g.acct {
		g.apos[fill[a]] = int32(p)
		fill[a]++
	}
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
