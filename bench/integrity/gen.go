package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Profile is how organic activity is spread over accounts: each account's
// number of participations follows a power law of exponent Alpha, capped.
type Profile struct {
	Name      string
	Alpha     float64
	MaxDegree int
}

// Profiles are the two activity profiles measured: a heavy tail (few
// accounts, some very active: a natural dense core with the popular
// targets) and a lighter one (many accounts acting once or twice).
var Profiles = []Profile{
	{"heavy", 1.5, 2000},
	{"light", 2.2, 2000},
}

const (
	day     = 24 * 3600
	hour    = 3600
	horizon = 180 * day
	epoch   = 1_700_000_000
)

// World is a generated graph: participations in columns, and which
// accounts each attack made or took over (truth[account] is the attack's
// index, -1 for an honest account).
type World struct {
	Acct, Tgt []int32
	Time      []int64
	Accounts  int32
	Targets   int32
	Organic   int32 // accounts 0 to Organic-1 are organic (some taken over)
	Truth     []int16
	Attacks   []Attack

	rng      *rand.Rand
	pop      *alias
	start    []int64 // each target's start
	decay    []float64
	degree   []int32 // organic participations by account
	used     []bool  // targets given to an attack
	hijacked []bool
}

// Attack is one injected attack and the accounts it used.
type Attack struct {
	Name     string
	Density  float64 // 0 for the farm and the flood
	Accounts []int32
}

// organicTime is a participation's time on target t: its start, then an
// exponential decay of its own.
func (w *World) organicTime(t int32) int64 {
	return w.start[t] + int64(w.rng.ExpFloat64()*w.decay[t])
}

func (w *World) add(a, t int32, at int64) {
	w.Acct = append(w.Acct, a)
	w.Tgt = append(w.Tgt, t)
	w.Time = append(w.Time, at)
}

// Organic generates about n organic participations (over n/100 targets,
// at least 10,000): targets with a
// Zipf popularity (exponent 1), start times spread over 180 days and
// decays of 1 to 14 days; accounts with power-law activity, each choosing
// its targets by popularity, at the targets' own times.
func Organic(n int, p Profile, seed uint64) *World {
	w := &World{rng: rand.New(rand.NewPCG(seed, 0x1e9a))}
	w.Targets = int32(max(10_000, n/100))
	weights := make([]float64, w.Targets)
	for i, r := range w.rng.Perm(int(w.Targets)) {
		weights[i] = 1 / float64(r+1)
	}
	w.pop = newAlias(weights, w.rng)
	w.start = make([]int64, w.Targets)
	w.decay = make([]float64, w.Targets)
	for t := range w.Targets {
		w.start[t] = epoch + w.rng.Int64N(horizon)
		w.decay[t] = float64(day) * (1 + 13*w.rng.Float64())
	}
	w.Acct = make([]int32, 0, n+n/10)
	w.Tgt = make([]int32, 0, n+n/10)
	w.Time = make([]int64, 0, n+n/10)
	var picks []int32
	for len(w.Acct) < n {
		a := w.Accounts
		w.Accounts++
		k := int(math.Pow(1-w.rng.Float64(), -1/(p.Alpha-1)))
		k = min(max(k, 1), p.MaxDegree, n-len(w.Acct))
		picks = picks[:0]
		for range k {
			picks = append(picks, int32(w.pop.draw()))
		}
		slices.Sort(picks)
		picks = slices.Compact(picks)
		for _, t := range picks {
			w.add(a, t, w.organicTime(t))
		}
		w.degree = append(w.degree, int32(len(picks)))
	}
	w.Organic = w.Accounts
	w.used = make([]bool, w.Targets)
	w.hijacked = make([]bool, w.Accounts)
	return w
}

// freeTargets draws k targets uniformly among those no attack has yet.
func (w *World) freeTargets(k int) []int32 {
	free := 0
	for _, u := range w.used {
		if !u {
			free++
		}
	}
	if free < 2*k {
		panic(fmt.Sprintf("%d targets left for an attack on %d: generate more participations", free, k))
	}
	var out []int32
	for len(out) < k {
		t := w.rng.Int32N(w.Targets)
		if !w.used[t] {
			w.used[t] = true
			out = append(out, t)
		}
	}
	return out
}

// newAccounts makes k accounts of an attack.
func (w *World) newAccounts(k int) []int32 {
	out := make([]int32, k)
	for i := range out {
		out[i] = w.Accounts
		w.Accounts++
	}
	return out
}

// established takes over k organic accounts with 5 to 200 participations
// of their own.
func (w *World) established(k int) []int32 {
	free := 0
	for a, d := range w.degree {
		if d >= 5 && d <= 200 && !w.hijacked[a] {
			free++
		}
	}
	if free < 2*k {
		panic(fmt.Sprintf("%d established accounts left to take over %d: generate more participations", free, k))
	}
	var out []int32
	for len(out) < k {
		a := w.rng.Int32N(w.Organic)
		if d := w.degree[a]; d >= 5 && d <= 200 && !w.hijacked[a] {
			w.hijacked[a] = true
			out = append(out, a)
		}
	}
	return out
}

// Camouflage is what a block's accounts do besides the block.
type Camouflage string

const (
	NoCamouflage Camouflage = "none"
	RandomCamo   Camouflage = "random"  // as many participations on targets drawn uniformly
	PopularCamo  Camouflage = "popular" // as many on targets drawn by popularity
	HijackedCamo Camouflage = "hijacked"
	SharedWindow            = "shared"    // the whole block within one 2-day window
	PerTarget               = "pertarget" // each target within 2 hours of a time of its own
)

// Block injects accounts × targets participations, each there with
// probability density, timed in one shared window or in a window of each
// target's own (within its active time).
func (w *World) Block(accounts, targets int, density float64, camo Camouflage, timing string) {
	var acc []int32
	if camo == HijackedCamo {
		acc = w.established(accounts)
	} else {
		acc = w.newAccounts(accounts)
	}
	tg := w.freeTargets(targets)
	centre := make([]int64, len(tg))
	shared := epoch + w.rng.Int64N(horizon)
	for i, t := range tg {
		centre[i] = w.start[t] + int64(2*w.rng.Float64()*w.decay[t])
	}
	for _, a := range acc {
		n := 0
		for i, t := range tg {
			if w.rng.Float64() >= density {
				continue
			}
			n++
			if timing == SharedWindow {
				w.add(a, t, shared+w.rng.Int64N(2*day))
			} else {
				w.add(a, t, centre[i]-hour+w.rng.Int64N(2*hour))
			}
		}
		if camo != RandomCamo && camo != PopularCamo {
			continue
		}
		// As many other targets, each once (a participation is unique
		// per account and target).
		seen := map[int32]bool{}
		for len(seen) < n {
			t := w.rng.Int32N(w.Targets)
			if camo == PopularCamo {
				t = int32(w.pop.draw())
			}
			if seen[t] || slices.Contains(tg, t) {
				continue
			}
			seen[t] = true
			w.add(a, t, w.organicTime(t))
		}
	}
	w.record(fmt.Sprintf("block %.2f %s %s", density, camo, timing), density, acc)
}

// Farm injects a click farm: workers paid per job, each job a target and
// a burst of 50 to 150 of the workers within an hour.
func (w *World) Farm(workers, jobs int) {
	acc := w.newAccounts(workers)
	for _, t := range w.freeTargets(jobs) {
		at := w.start[t] + int64(2*w.rng.Float64()*w.decay[t])
		n := 50 + w.rng.IntN(101)
		for _, i := range w.rng.Perm(workers)[:min(n, workers)] {
			w.add(acc[i], t, at+w.rng.Int64N(hour))
		}
	}
	w.record("click farm", 0, acc)
}

// Flood injects accounts new accounts onto one target within two hours,
// each acting once.
func (w *World) Flood(accounts int) {
	acc := w.newAccounts(accounts)
	t := w.freeTargets(1)[0]
	at := w.start[t] + int64(w.rng.Float64()*w.decay[t])
	for _, a := range acc {
		w.add(a, t, at+w.rng.Int64N(2*hour))
	}
	w.record("flood", 0, acc)
}

func (w *World) record(name string, density float64, acc []int32) {
	w.Attacks = append(w.Attacks, Attack{Name: name, Density: density, Accounts: acc})
}

// Label fills Truth once every attack is in.
func (w *World) Label() {
	w.Truth = make([]int16, w.Accounts)
	for i := range w.Truth {
		w.Truth[i] = -1
	}
	for k, at := range w.Attacks {
		for _, a := range at.Accounts {
			w.Truth[a] = int16(k)
		}
	}
}

// Standard injects the measured attacks: blocks of 200 × 200 at each
// density, camouflage and timing, a click farm and a flood.
func (w *World) Standard(densities []float64) {
	for _, d := range densities {
		for _, camo := range []Camouflage{NoCamouflage, RandomCamo, PopularCamo, HijackedCamo} {
			for _, timing := range []string{SharedWindow, PerTarget} {
				w.Block(200, 200, d, camo, timing)
			}
		}
	}
	w.Farm(2000, 400)
	w.Flood(1500)
}

// alias draws from a discrete distribution in constant time (Vose).
type alias struct {
	prob  []float64
	alias []int32
	rng   *rand.Rand
}

func newAlias(weights []float64, rng *rand.Rand) *alias {
	n := len(weights)
	var sum float64
	for _, x := range weights {
		sum += x
	}
	al := &alias{prob: make([]float64, n), alias: make([]int32, n), rng: rng}
	scaled := make([]float64, n)
	var small, large []int32
	for i, x := range weights {
		scaled[i] = x * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		al.prob[s], al.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		al.prob[i] = 1
	}
	return al
}

func (al *alias) draw() int {
	i := al.rng.IntN(len(al.prob))
	if al.rng.Float64() < al.prob[i] {
		return i
	}
	return int(al.alias[i])
}
