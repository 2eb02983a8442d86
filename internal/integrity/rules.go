package integrity

import (
	"math"
	"slices"
	"strings"
)

// interval is a run of one target's positions flagged by a rule.
type interval struct {
	target   int32
	from, to int32 // positions, to included
}

// arrivals finds, on each target, the windows of width w where the
// selected participations (sel[p], every one when sel is nil) arrive at
// least ratio times faster than on the baseline around them (b on each
// side, the window itself left out), and at least min of them: a target
// against its own rate, not a global one. Overlapping windows are
// merged. It returns each merged interval with the selected count in it
// and the count its baseline rate gives.
func (g *Graph) arrivals(workers int, sel []bool, w, b int64, minN int, ratio float64, scoreMin float64) []candidate {
	outs := make([][]candidate, max(1, workers))
	g.parallel(workers, func(from, to int32, k int) {
		outs[k] = g.arrivalsIn(from, to, sel, w, b, minN, ratio, scoreMin)
	})
	return slices.Concat(outs...)
}

func (g *Graph) arrivalsIn(from, to int32, sel []bool, w, b int64, minN int, ratio float64, scoreMin float64) []candidate {
	var out []candidate
	var idx []int32    // the selected positions
	var times []uint32 // and their times
	for t := from; t < to; t++ {
		s, e := g.toff[t], g.toff[t+1]
		if int(e-s) < minN {
			continue
		}
		if sel == nil {
			times = g.rt[s:e]
		} else {
			idx, times = idx[:0], times[:0]
			for i := s; i < e; i++ {
				if sel[i] {
					idx = append(idx, i)
					times = append(times, g.rt[i])
				}
			}
		}
		if len(times) < minN {
			continue
		}
		var flagged []interval
		bl, wh, bh := 0, 0, 0
		for j, tj32 := range times {
			tj := int64(tj32)
			for int64(times[bl]) < tj-b {
				bl++
			}
			for wh < len(times) && int64(times[wh]) < tj+w {
				wh++
			}
			for bh < len(times) && int64(times[bh]) < tj+w+b {
				bh++
			}
			n := wh - j
			if n < minN {
				continue
			}
			base := float64(bh-bl-n) * float64(w) / float64(2*b)
			if float64(n) < ratio*math.Max(base, 1) || surprise(n, base) < scoreMin {
				continue
			}
			if k := len(flagged) - 1; k >= 0 && flagged[k].to >= int32(j) {
				flagged[k].to = int32(wh - 1)
			} else {
				flagged = append(flagged, interval{t, int32(j), int32(wh - 1)})
			}
		}
		for _, f := range flagged {
			from, to := int64(times[f.from]), int64(times[f.to])
			length := max(to-from, w)
			lo := searchRT(times, from-b)
			hi := searchRT(times, to+b+1)
			n := int(f.to-f.from) + 1
			rate := float64(hi-lo-n) / float64(2*b)
			c := candidate{windows: []span{{t, from, to}}, score: surprise(n, rate*float64(length))}
			for j := f.from; j <= f.to; j++ {
				i := s + j
				if sel != nil {
					i = idx[j]
				}
				c.accounts = append(c.accounts, g.acct[i])
			}
			out = append(out, c)
		}
	}
	return out
}

// firstSeen is each account's creation time when known, else its first
// participation's, in relative seconds (may be negative).
func (g *Graph) firstSeen() []int64 {
	first := make([]int64, g.nAcct)
	for a := range first {
		first[a] = math.MaxInt64
	}
	for p, a := range g.acct {
		first[a] = min(first[a], int64(g.rt[p]))
	}
	for a, c := range g.created {
		if c != 0 {
			first[a] = c - g.base
		}
	}
	return first
}

// floods are many new accounts onto one target (no dense block at all:
// each may act once), bursts many of any accounts, each against the
// target's own rate.
func (g *Graph) floods(cfg Config) []candidate {
	var out []candidate
	if cfg.FloodMin > 0 {
		first := g.firstSeen()
		isNew := make([]bool, len(g.acct))
		g.parallel(cfg.Workers, func(from, to int32, _ int) {
			for p := g.toff[from]; p < g.toff[to]; p++ {
				age := int64(g.rt[p]) - first[g.acct[p]]
				isNew[p] = age >= 0 && age < cfg.NewAccount
			}
		})
		first = nil
		for _, c := range g.arrivals(cfg.Workers, isNew, cfg.ArrivalWindow, cfg.Baseline, cfg.FloodMin, cfg.FloodRatio, cfg.ScoreMin) {
			c.kind = KindFlood
			c.reasons = []string{"integrity.reason.flood", "integrity.reason.new_accounts"}
			out = append(out, c)
		}
	}
	if cfg.BurstMin > 0 {
		for _, c := range g.arrivals(cfg.Workers, nil, cfg.ArrivalWindow, cfg.Baseline, cfg.BurstMin, cfg.BurstRatio, cfg.ScoreMin) {
			c.kind = KindBurst
			c.reasons = []string{"integrity.reason.burst"}
			out = append(out, c)
		}
	}
	return out
}

// domains are accounts of throwaway or misspelt mail domains together on
// one target within the window, more than the share of such domains
// among all participations gives.
func (g *Graph) domainGroups(cfg Config) []candidate {
	if cfg.DomainMin <= 0 || g.dom == nil {
		return nil
	}
	bad := make([]bool, len(g.domains.names))
	for id, d := range g.domains.names {
		bad[id] = d != "" && (DisposableDomain(d) || TypoDomain(d))
	}
	known, nBad := 0, 0
	for _, d := range g.dom {
		if d != 0 {
			known++
			if bad[d] {
				nBad++
			}
		}
	}
	if nBad == 0 {
		return nil
	}
	share := float64(nBad) / float64(known)
	var out []candidate
	for _, c := range g.together(func(p int32) bool { return bad[g.dom[p]] }, cfg.Window, cfg.DomainMin, share) {
		c.kind = KindDomain
		c.reasons = []string{"integrity.reason.domain"}
		out = append(out, c)
	}
	return out
}

// networks are many accounts of one network prefix on one target within
// the arrival window.
func (g *Graph) networkGroups(cfg Config) []candidate {
	if cfg.NetworkMin <= 0 || g.ip == nil {
		return nil
	}
	count := make([]int, len(g.ips.names))
	known := 0
	for _, ip := range g.ip {
		if ip != 0 {
			count[ip]++
			known++
		}
	}
	var out []candidate
	for ip := int32(1); ip < int32(len(count)); ip++ {
		if count[ip] < cfg.NetworkMin {
			continue
		}
		share := float64(count[ip]) / float64(known)
		for _, c := range g.together(func(p int32) bool { return g.ip[p] == ip }, cfg.ArrivalWindow, cfg.NetworkMin, share) {
			// The network's share is taken without the run's own accounts:
			// on a small instance a farm is most of what its network (and
			// the instance) ever sent, and measured against itself it
			// looks ordinary. What is left of its traffic, among all the
			// participations (those whose address is forgotten too), with
			// a prior of one in a hundred worth a hundred participations,
			// is what it gives: a network first seen in a burst has not
			// earned a large share.
			in := map[int32]bool{}
			for _, a := range c.accounts {
				in[a] = true
			}
			own := 0
			for p, pip := range g.ip {
				if pip == ip && in[g.acct[p]] {
					own++
				}
			}
			rest := (float64(count[ip]-own) + 1) / (float64(len(g.ip)-own) + 100)
			if rest < share {
				w := c.windows[0]
				lo, hi := g.span(w.target, w.from, w.to)
				c.score = surprise(len(c.accounts), rest*float64(hi-lo))
			}
			c.kind = KindNetwork
			c.reasons = []string{"integrity.reason.network"}
			out = append(out, c)
		}
	}
	return out
}

// together finds, on each target, runs of at least minN selected
// participations within w of each other, scored against the selected
// share of all participations in the run's time.
func (g *Graph) together(sel func(p int32) bool, w int64, minN int, share float64) []candidate {
	var out []candidate
	var idx []int32
	for t := range g.nTgt {
		s, e := g.toff[t], g.toff[t+1]
		idx = idx[:0]
		for i := s; i < e; i++ {
			if sel(i) {
				idx = append(idx, i)
			}
		}
		if len(idx) < minN {
			continue
		}
		// Runs: consecutive selected participations no more than w apart
		// from the run's first.
		for j := 0; j < len(idx); {
			k := j
			for k < len(idx) && int64(g.rt[idx[k]])-int64(g.rt[idx[j]]) <= w {
				k++
			}
			accounts := map[int32]bool{}
			for _, i := range idx[j:k] {
				accounts[g.acct[i]] = true
			}
			if len(accounts) < minN {
				j++
				continue
			}
			from, to := int64(g.rt[idx[j]]), int64(g.rt[idx[k-1]])
			lo, hi := g.span(t, from, to)
			c := candidate{windows: []span{{t, from, to}}, score: surprise(len(accounts), share*float64(hi-lo))}
			for a := range accounts {
				c.accounts = append(c.accounts, a)
			}
			slices.Sort(c.accounts)
			out = append(out, c)
			j = k
		}
	}
	return out
}

// canonicalGroups are several spellings of one inbox (account names that
// are mail addresses with one canonical form) on one target: one group
// per inbox, its targets those where its spellings met.
func (g *Graph) canonicalGroups() []candidate {
	if g.accountNames == nil {
		return nil
	}
	canon := map[string][]int32{}
	for a, name := range g.accountNames {
		if strings.Contains(name, "@") {
			c := CanonicalEmail(name)
			canon[c] = append(canon[c], int32(a))
		}
	}
	var out []candidate
	for _, accounts := range canon {
		if len(accounts) < 2 {
			continue
		}
		byTarget := map[int32][]int32{} // target → positions
		for _, a := range accounts {
			for _, p := range g.apos[g.aoff[a]:g.aoff[a+1]] {
				byTarget[g.tgt[p]] = append(byTarget[g.tgt[p]], p)
			}
		}
		var c candidate
		in := map[int32]bool{}
		for t, ps := range byTarget {
			who := map[int32]bool{}
			for _, p := range ps {
				who[g.acct[p]] = true
			}
			if len(who) < 2 {
				continue
			}
			from, to := int64(math.MaxInt64), int64(math.MinInt64)
			for _, p := range ps {
				from, to = min(from, int64(g.rt[p])), max(to, int64(g.rt[p]))
			}
			c.windows = append(c.windows, span{t, from, to})
			for a := range who {
				in[a] = true
			}
		}
		if len(in) < 2 {
			continue
		}
		for a := range in {
			c.accounts = append(c.accounts, a)
		}
		slices.Sort(c.accounts)
		slices.SortFunc(c.windows, func(x, y span) int { return int(x.target - y.target) })
		c.kind = KindCanonical
		// Two people do not share an inbox: each spelling beyond the first
		// is a duplicate, as unlikely by chance as a strong lockstep.
		c.score = 10 * float64(len(c.accounts)-1)
		c.reasons = []string{"integrity.reason.canonical"}
		out = append(out, c)
	}
	return out
}
