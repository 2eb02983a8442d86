package integrity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"repertoire/internal/i18n"
)

const (
	hour = 3600
	day  = 24 * hour
	t0   = 1_700_000_000
)

// organic is a small organic graph: accounts with heavy-tailed activity
// choosing targets by a Zipf popularity, each target with its own start
// and decay.
type organic struct {
	rng    *rand.Rand
	events []Event
	start  []int64
	decay  []float64
	cdf    []float64
}

func newOrganic(seed uint64, accounts, targets int) *organic {
	o := &organic{rng: rand.New(rand.NewPCG(seed, 7))}
	var sum float64
	for t := range targets {
		o.start = append(o.start, t0+o.rng.Int64N(60*day))
		o.decay = append(o.decay, float64(day)*(1+6*o.rng.Float64()))
		sum += 1 / float64(t+1)
		o.cdf = append(o.cdf, sum)
	}
	for a := range accounts {
		k := min(int(math.Pow(1-o.rng.Float64(), -1/0.8)), 150)
		seen := map[int]bool{}
		for range k {
			t := o.popular()
			if seen[t] {
				continue
			}
			seen[t] = true
			o.events = append(o.events, Event{Account: fmt.Sprintf("o%d", a), Target: fmt.Sprintf("t%d", t), Time: o.at(t)})
		}
	}
	return o
}

func (o *organic) popular() int {
	i, _ := slices.BinarySearch(o.cdf, o.rng.Float64()*o.cdf[len(o.cdf)-1])
	return min(i, len(o.cdf)-1)
}

func (o *organic) at(t int) int64 { return o.start[t] + int64(o.rng.ExpFloat64()*o.decay[t]) }

// block adds accounts × targets participations (each with probability
// density), every target within two hours of a time of its own (perTarget)
// or all within one shared two-day window, by accounts named prefix+i on
// targets not otherwise used.
func (o *organic) block(prefix string, accounts, targets int, density float64, perTarget bool) []string {
	var names []string
	shared := int64(t0 + 20*day)
	for a := range accounts {
		names = append(names, fmt.Sprintf("%s%d", prefix, a))
	}
	for t := range targets {
		centre := int64(t0 + 10*day + o.rng.Int64N(40*day))
		for _, n := range names {
			if o.rng.Float64() >= density {
				continue
			}
			at := shared + o.rng.Int64N(2*day)
			if perTarget {
				at = centre - hour + o.rng.Int64N(2*hour)
			}
			o.events = append(o.events, Event{Account: n, Target: fmt.Sprintf("%s-target%d", prefix, t), Time: at})
		}
	}
	return names
}

// only reports the group holding most of want, and whether its accounts
// are want's and nobody else's but for tolerance.
func only(t *testing.T, groups []Group, want []string, tolerance int) Group {
	t.Helper()
	in := map[string]bool{}
	for _, a := range want {
		in[a] = true
	}
	var best Group
	bestN := 0
	for _, g := range groups {
		n := 0
		for _, a := range g.Accounts {
			if in[a] {
				n++
			}
		}
		if n > bestN {
			best, bestN = g, n
		}
	}
	if bestN < len(want)-tolerance {
		t.Fatalf("the best group holds %d of the %d attacking accounts (groups: %v)", bestN, len(want), summary(groups))
	}
	if extra := len(best.Accounts) - bestN; extra > tolerance {
		t.Errorf("the group holds %d accounts that are not the attack's", extra)
	}
	return best
}

func summary(groups []Group) []string {
	var s []string
	for _, g := range groups {
		s = append(s, fmt.Sprintf("%s:%d accounts/%d targets/%.0f", g.Kind, len(g.Accounts), len(g.Targets), g.Score))
	}
	return s
}

func TestOrganicGraphFlagsNobody(t *testing.T) {
	for seed := range uint64(3) {
		o := newOrganic(seed, 4000, 400)
		cfg := DefaultConfig()
		if groups := Detect(o.events, cfg); len(groups) > 0 {
			t.Errorf("seed %d: %d organic participations gave groups %v", seed, len(o.events), summary(groups))
		}
		cfg.DenseCrowd = 150
		if groups := Detect(o.events, cfg); len(groups) > 0 {
			t.Errorf("seed %d, with the dense pass: groups %v", seed, summary(groups))
		}
	}
}

func TestLockstepWithTargetsOwnWindows(t *testing.T) {
	o := newOrganic(1, 4000, 400)
	block := o.block("f", 40, 30, 0.3, true)
	groups := Detect(o.events, DefaultConfig())
	g := only(t, groups, block, 2)
	if g.Kind != KindLockstep || !slices.Contains(g.Reasons, "integrity.reason.lockstep") {
		t.Errorf("kind %q reasons %v", g.Kind, g.Reasons)
	}
	if len(g.Targets) < 25 || len(g.Windows) != len(g.Targets) {
		t.Errorf("%d targets, %d windows for a block on 30", len(g.Targets), len(g.Windows))
	}
	for _, w := range g.Windows {
		if w.To-w.From > 2*hour {
			t.Errorf("window on %s spans %d s, the block's spans at most two hours", w.Target, w.To-w.From)
		}
	}
	if groups[0].Score < g.Score {
		t.Error("groups are not highest score first")
	}
}

func TestLockstepInOneSharedWindow(t *testing.T) {
	o := newOrganic(2, 4000, 400)
	block := o.block("s", 40, 30, 0.3, false)
	only(t, Detect(o.events, DefaultConfig()), block, 2)
}

// Camouflage on popular targets, by the attacking accounts themselves,
// neither hides them nor drags honest accounts into their group.
func TestLockstepUnderPopularCamouflage(t *testing.T) {
	o := newOrganic(3, 4000, 400)
	block := o.block("c", 40, 30, 0.5, true)
	for _, a := range block {
		for range 10 {
			tg := o.popular()
			o.events = append(o.events, Event{Account: a, Target: fmt.Sprintf("t%d", tg), Time: o.at(tg)})
		}
	}
	only(t, Detect(o.events, DefaultConfig()), block, 2)
}

// Two attacks make two groups, not one.
func TestSeveralBlocks(t *testing.T) {
	o := newOrganic(4, 4000, 400)
	a := o.block("a", 30, 20, 0.4, true)
	b := o.block("b", 30, 20, 0.4, false)
	groups := Detect(o.events, DefaultConfig())
	ga, gb := only(t, groups, a, 2), only(t, groups, b, 2)
	if ga.ID == gb.ID {
		t.Error("two blocks in one group")
	}
}

func TestFloodOfNewAccounts(t *testing.T) {
	o := newOrganic(5, 4000, 400)
	var flood []string
	at := int64(t0 + 30*day)
	for i := range 300 {
		name := fmt.Sprintf("new%d", i)
		flood = append(flood, name)
		o.events = append(o.events, Event{Account: name, Target: "t3", Time: at + o.rng.Int64N(hour), AccountCreated: at - o.rng.Int64N(hour)})
	}
	g := only(t, Detect(o.events, DefaultConfig()), flood, 10)
	if g.Kind != KindFlood || !slices.Contains(g.Reasons, "integrity.reason.new_accounts") || len(g.Targets) != 1 || g.Targets[0] != "t3" {
		t.Errorf("group %s on %v, reasons %v", g.Kind, g.Targets, g.Reasons)
	}
}

// Established accounts arriving all at once on a quiet target are a
// burst, not a flood.
func TestBurstOfEstablishedAccounts(t *testing.T) {
	o := newOrganic(6, 4000, 400)
	var burst []string
	at := int64(t0 + 70*day)
	for i := range 250 {
		name := fmt.Sprintf("old%d", i)
		burst = append(burst, name)
		o.events = append(o.events,
			Event{Account: name, Target: "t50", Time: at + o.rng.Int64N(hour), AccountCreated: t0 - 400*day},
			Event{Account: name, Target: fmt.Sprintf("t%d", 100+i), Time: t0 + o.rng.Int64N(day)})
	}
	g := only(t, Detect(o.events, DefaultConfig()), burst, 10)
	if g.Kind != KindBurst {
		t.Errorf("kind %s", g.Kind)
	}
}

func TestThrowawayDomainsTogether(t *testing.T) {
	o := newOrganic(7, 2000, 200)
	ordinary := []string{"gmail.com", "outlook.com", "orange.fr", "example.org"}
	for i := range o.events {
		o.events[i].Domain = ordinary[i%len(ordinary)]
	}
	var bad []string
	for i := range 8 {
		name := fmt.Sprintf("throw%d", i)
		bad = append(bad, name)
		d := "mailinator.com"
		if i%2 == 1 {
			d = "gmial.com"
		}
		o.events = append(o.events, Event{Account: name, Target: "t9", Time: t0 + 5*day + int64(i)*600, Domain: d})
	}
	// Honest ones with ordinary domains at the same time are not flagged.
	for i := range 20 {
		o.events = append(o.events, Event{Account: fmt.Sprintf("ok%d", i), Target: "t9", Time: t0 + 5*day + int64(i)*300, Domain: "gmail.com"})
	}
	g := only(t, Detect(o.events, DefaultConfig()), bad, 0)
	if g.Kind != KindDomain {
		t.Errorf("kind %s", g.Kind)
	}
}

func TestOneNetworkOnOneTarget(t *testing.T) {
	o := newOrganic(8, 2000, 200)
	for i := range o.events {
		o.events[i].IPPrefix = fmt.Sprintf("198.51.%d.0/24", i%200)
	}
	var same []string
	for i := range 30 {
		name := fmt.Sprintf("net%d", i)
		same = append(same, name)
		o.events = append(o.events, Event{Account: name, Target: "t20", Time: t0 + 8*day + int64(i)*60, IPPrefix: "203.0.113.0/24"})
	}
	g := only(t, Detect(o.events, DefaultConfig()), same, 0)
	if g.Kind != KindNetwork {
		t.Errorf("kind %s", g.Kind)
	}
}

func TestSpellingsOfOneInbox(t *testing.T) {
	o := newOrganic(9, 2000, 200)
	spellings := []string{"jane.doe@gmail.com", "janedoe+petition@googlemail.com", "JaneDoe@gmail.com"}
	for i, s := range spellings {
		o.events = append(o.events, Event{Account: s, Target: "t4", Time: t0 + day + int64(i)})
	}
	o.events = append(o.events, Event{Account: "jane.doe@example.org", Target: "t4", Time: t0 + day})
	g := only(t, Detect(o.events, DefaultConfig()), spellings, 0)
	if g.Kind != KindCanonical {
		t.Errorf("kind %s", g.Kind)
	}
}

func TestCanonicalEmail(t *testing.T) {
	for in, want := range map[string]string{
		"Jane.Doe+news@GoogleMail.com": "janedoe@gmail.com",
		"jane.doe@example.org":         "jane.doe@example.org",
		"jane+x@example.org":           "jane+x@example.org",
	} {
		if got := CanonicalEmail(in); got != want {
			t.Errorf("CanonicalEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDomains(t *testing.T) {
	for _, c := range []struct {
		domain           string
		disposable, typo bool
	}{
		{"mailinator.com", true, false},
		{"eu.mailinator.com", true, false},
		{"Yopmail.fr", true, false},
		{"gmial.com", false, true},
		{"gmail.co", false, true},
		{"hotmial.com", false, true},
		{"gmaill.com", false, true},
		{"gmail.com", false, false},
		{"example.org", false, false},
		{"", false, false},
	} {
		if got := DisposableDomain(c.domain); got != c.disposable {
			t.Errorf("DisposableDomain(%q) = %v", c.domain, got)
		}
		if got := TypoDomain(c.domain); got != c.typo {
			t.Errorf("TypoDomain(%q) = %v", c.domain, got)
		}
	}
}

// Every reason a group can give is a message in both languages.
func TestReasonsAreMessages(t *testing.T) {
	c := i18n.MustLoad()
	for _, k := range []string{KindLockstep, KindDense, KindFlood, KindBurst, KindDomain, KindCanonical, KindNetwork, "new_accounts"} {
		if id := "integrity.reason." + k; !c.Has(id) {
			t.Errorf("%s is not in the catalog", id)
		}
	}
}

// A block spread over months, in no window, is no lockstep; the
// time-free pass (DenseCrowd) finds it as a dense group all the same.
func TestDenseBlockWithoutSynchrony(t *testing.T) {
	o := newOrganic(10, 4000, 400)
	var block []string
	for a := range 40 {
		block = append(block, fmt.Sprintf("d%d", a))
	}
	for tg := range 30 {
		for _, n := range block {
			if o.rng.Float64() < 0.4 {
				o.events = append(o.events, Event{Account: n, Target: fmt.Sprintf("slow%d", tg), Time: t0 + o.rng.Int64N(90*day)})
			}
		}
	}
	if groups := Detect(o.events, DefaultConfig()); len(groups) > 0 {
		t.Logf("without the dense pass: %v", summary(groups))
	}
	cfg := DefaultConfig()
	cfg.DenseCrowd = 150
	g := only(t, Detect(o.events, cfg), block, 2)
	if g.Kind != KindDense {
		t.Errorf("kind %s", g.Kind)
	}
}
