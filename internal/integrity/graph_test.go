package integrity

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// The radix sort of a target's keys orders them by time, ties in the
// order the participations were added, as a comparison sort does, for
// small and large targets and times close together or far apart.
func TestSortByTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var scratch []uint64
	for _, n := range []int{0, 1, 255, 256, 1000, 70_000} {
		for _, spread := range []uint32{1, 300, 1 << 20, 1<<32 - 1} {
			keys := make([]uint64, n)
			for rank := range keys {
				keys[rank] = uint64(rng.Uint32N(spread))<<32 | uint64(rank)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			scratch = sortByTime(keys, scratch)
			if !slices.Equal(keys, want) {
				t.Fatalf("%d keys over %d s: not in order of time then rank", n, spread)
			}
		}
	}
}

// The graph's columns are sorted by target and time, ties in the order
// added, whatever the number of workers, and each account's positions
// are ascending; what was known of each participation follows it.
func TestBuildOrdersByTargetAndTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type ev struct {
		acct, tgt int32
		time      int64
		ip        string
	}
	var evs []ev
	for i := range 20_000 {
		tgt := int32(rng.IntN(40))
		if i%3 == 0 {
			tgt = 7 // one large target, sorted by radix
		}
		evs = append(evs, ev{int32(rng.IntN(3000)), tgt, 1_700_000_000 + int64(rng.IntN(500)), string(rune('a' + i%26))})
	}
	for _, workers := range []int{1, 2, 3} {
		g := NewGraph(len(evs))
		for _, e := range evs {
			g.Add(Event{Account: strconv.Itoa(int(e.acct)), Target: strconv.Itoa(int(e.tgt)), Time: e.time, IPPrefix: e.ip})
		}
		// Targets are ordered by their ids, given in order of first
		// appearance.
		want := slices.Clone(evs)
		slices.SortStableFunc(want, func(x, y ev) int {
			if tx, ty := g.targetIDs[strconv.Itoa(int(x.tgt))], g.targetIDs[strconv.Itoa(int(y.tgt))]; tx != ty {
				return int(tx - ty)
			}
			return int(x.time - y.time)
		})
		g.build(workers)
		for p, w := range want {
			got := ev{g.acct[p], g.tgt[p], g.time(int32(p)), g.ips.names[g.ip[p]]}
			got.acct, got.tgt = number(g.AccountName(got.acct)), number(g.TargetName(got.tgt))
			if got != w {
				t.Fatalf("%d workers, position %d: %+v, want %+v", workers, p, got, w)
			}
		}
		for a := range g.nAcct {
			ps := g.apos[g.aoff[a]:g.aoff[a+1]]
			for k, p := range ps {
				if g.acct[p] != a || k > 0 && ps[k-1] >= p {
					t.Fatalf("%d workers: account %d's positions %v", workers, a, ps)
				}
			}
		}
	}
}

// number is the number a name was added as.
func number(s string) int32 {
	n, _ := strconv.Atoi(s)
	return int32(n)
}
