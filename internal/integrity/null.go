package integrity

import "math/bits"

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
	// Repeats, in ranges of targets: an account already seen on the
	// target (last[a] is the last target it was seen on, plus one).
	ranges := splitTargets(g.toff, workers)
	repeats := make([][]int32, len(ranges)) // accounts, once per repeat
	inParallel(len(ranges), func(w int) {
		last := make([]int32, g.nAcct)
		for t := ranges[w][0]; t < ranges[w][1]; t++ {
			d := int32(0)
			for p := g.toff[t]; p < g.toff[t+1]; p++ {
				a := g.acct[p]
				if last[a] == t+1 {
					n.dup[p] = true
					repeats[w] = append(repeats[w], a)
					continue
				}
				last[a] = t + 1
				d++
			}
			n.accounts[t] = d
		}
	})
	// Accounts' classes: their distinct targets.
	distinct := make([]int32, g.nAcct)
	for a := range distinct {
		distinct[a] = g.aoff[a+1] - g.aoff[a]
	}
	for _, r := range repeats {
		for _, a := range r {
			distinct[a]--
		}
	}
	var inClass [classes]float64
	for a, d := range distinct {
		n.class[a] = classOf(int(d))
		inClass[n.class[a]]++
	}
	distinct = nil
	// Targets' classes, then who is on them, in ranges of targets.
	targets := make([][classes]float64, len(ranges))
	on := make([][classes][classes]float64, len(ranges))
	inParallel(len(ranges), func(w int) {
		for t := ranges[w][0]; t < ranges[w][1]; t++ {
			c := classOf(int(n.accounts[t]))
			n.tclass[t] = c
			targets[w][c]++
			for p := g.toff[t]; p < g.toff[t+1]; p++ {
				if !n.dup[p] {
					on[w][n.class[g.acct[p]]][c]++
				}
			}
		}
	})
	for w := range ranges {
		for k := range classes {
			if w > 0 {
				targets[0][k] += targets[w][k]
			}
			for c := range classes {
				n.onShare[k][c] += on[w][k][c]
			}
		}
	}
	for k := range classes {
		for c := range classes {
			if inClass[k] > 0 && targets[0][c] > 0 {
				n.onShare[k][c] /= inClass[k] * targets[0][c]
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
