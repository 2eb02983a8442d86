package integrity

import (
	"math/bits"
	"sync"
)

// classes is how many activity classes the null model tells apart:
// accounts with 1, 2–3, 4–7, … distinct targets.
const classes = 22

// null is the organic graph's own answer to "how likely is account b on
// target t": the share of the accounts of b's activity class found on the
// targets of t's popularity class, over the whole graph. A
// degree-preserving null model, by classes rather than linear in the
// degrees: heavy users are on most popular and middling targets at once
// (they cannot take part twice), far more than a degree-proportional
// model gives; that is the natural dense core of heavy-tailed activity,
// and measured so it is expected, not flagged. Averaged over every target
// of a class, the attack's own presence on its few targets hardly moves
// the expectation it is measured against.
type null struct {
	class    []uint8                   // by account
	tclass   []uint8                   // by target
	onShare  [classes][classes]float64 // account class, target class: P(on one such target)
	accounts []int32                   // distinct accounts by target
	dup      []bool                    // by position: a repeat of its account's participation on its target
}

// classOf is the class of a count: 1, 2–3, 4–7, …
func classOf(n int) uint8 {
	if n <= 0 {
		return 0
	}
	return uint8(min(bits.Len(uint(n))-1, classes-1))
}

func newNull(g *Graph, workers int) *null {
	workers = max(1, workers)
	n := &null{
		class:    make([]uint8, g.nAcct),
		tclass:   make([]uint8, g.nTgt),
		accounts: make([]int32, g.nTgt),
		dup:      make([]bool, len(g.acct)),
	}
	// Accounts: their repeats and class, in ranges of accounts.
	inClass := make([][classes]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			from, to := int(g.nAcct)*w/workers, int(g.nAcct)*(w+1)/workers
			for a := from; a < to; a++ {
				ps := g.apos[g.aoff[a]:g.aoff[a+1]]
				distinct := 0
				for k, p := range ps {
					if k > 0 && g.tgt[p] == g.tgt[ps[k-1]] {
						n.dup[p] = true
						continue
					}
					distinct++
				}
				n.class[a] = classOf(distinct)
				inClass[w][n.class[a]]++
			}
		})
	}
	wg.Wait()
	// Targets: their accounts and class, then who is on them, in ranges
	// of targets.
	targets := make([][classes]float64, workers)
	on := make([][classes][classes]float64, workers)
	g.parallel(workers, func(from, to int32, w int) {
		for t := from; t < to; t++ {
			d := int32(0)
			for p := g.toff[t]; p < g.toff[t+1]; p++ {
				if !n.dup[p] {
					d++
				}
			}
			n.accounts[t] = d
			c := classOf(int(d))
			n.tclass[t] = c
			targets[w][c]++
			for p := g.toff[t]; p < g.toff[t+1]; p++ {
				if !n.dup[p] {
					on[w][n.class[g.acct[p]]][c]++
				}
			}
		}
	})
	for w := range workers {
		for k := range classes {
			if w > 0 {
				inClass[0][k] += inClass[w][k]
				targets[0][k] += targets[w][k]
			}
			for c := range classes {
				n.onShare[k][c] += on[w][k][c]
			}
		}
	}
	for k := range classes {
		for c := range classes {
			if inClass[0][k] > 0 && targets[0][c] > 0 {
				n.onShare[k][c] /= inClass[0][k] * targets[0][c]
			}
		}
	}
	return n
}

// share is P(an account of class k is on target t).
func (n *null) share(t int32, k uint8) float64 {
	return n.onShare[k][n.tclass[t]]
}

// inTime is the chance that another account on target t is among the
// span's participations: their share of the target's others.
func (n *null) inTime(t int32, inSpan int) float64 {
	others := n.accounts[t] - 1
	if others <= 0 {
		return 0
	}
	return min(1, float64(inSpan)/float64(others))
}
