// Package integrity finds coordinated and purchased participations: groups
// of accounts acting together on the same targets at the same times more
// often than organic activity would (lockstep), floods of new accounts
// onto one target, bursts against a target's own baseline, and the mail
// and network traces signups leave (canonical address collisions,
// throwaway and misspelt mail domains, one network prefix). Each flagged
// group carries its evidence: accounts, targets, time windows, a score and
// the reasons, as message ids.
//
// Everything is measured against what the organic graph itself would give:
// a pair of accounts counts only when it shares more time windows than
// their activity and the crowding of those windows make likely under a
// degree-preserving null model, so the heavy users of popular targets (the
// natural dense core of heavy-tailed activity) are not flagged for being
// heavy. docs/integrity.md says what is caught and what is not, measured by
// bench/integrity.
package integrity

import (
	"runtime"
	"strings"

	"repertoire/internal/account"
)

// Event is one participation seen by the engine.
type Event struct {
	Account, Target string
	Time            int64  // unix seconds
	IPPrefix        string // e.g. "203.0.113.0/24", "" unknown
	Domain          string // email domain, lower case, "" unknown
	UserAgent       string // user agent family, "" unknown
	AccountCreated  int64  // unix seconds, 0 unknown
}

// Window is the time span a group acted in on one target.
type Window struct {
	Target   string
	From, To int64
}

// Group is one flagged set of accounts with its evidence.
type Group struct {
	ID       int
	Kind     string // "lockstep", "dense", "flood", "burst", "domain", "canonical", "network"
	Accounts []string
	Targets  []string
	Windows  []Window
	Score    float64  // higher is more suspicious; comparable across kinds
	Reasons  []string // message ids, e.g. "integrity.reason.lockstep", with their text in internal/i18n/locales/integrity.{en,fr}.json
}

// Kinds of groups.
const (
	KindLockstep  = "lockstep"  // the same accounts on several targets, each time within a window of that target's own
	KindDense     = "dense"     // the same accounts on several targets far more often than their activity explains, whatever the times
	KindFlood     = "flood"     // many new accounts onto one target, far above its own rate
	KindBurst     = "burst"     // many established accounts onto one target, far above its own rate
	KindDomain    = "domain"    // accounts of throwaway or misspelt mail domains together on one target
	KindCanonical = "canonical" // several spellings of one inbox on one target
	KindNetwork   = "network"   // many accounts from one network prefix on one target within a window
)

// Config holds the thresholds of every rule. DefaultConfig's values are
// those docs/integrity.md measured; a zero field means "rule off" only
// where said.
type Config struct {
	// Window is the lockstep span in seconds: two participations on one
	// target are together when at most Window apart (CopyCatch's Δt).
	Window int64
	// Crowd: a participation with more than Crowd others on its target
	// within Window carries no lockstep evidence (it is in a crowd, as on
	// a popular target's launch day), and its pairs are not counted.
	Crowd int
	// DenseCrowd: the same cap for the time-free pass (dense blocks), on a
	// target's whole count; 0 turns the dense pass off.
	DenseCrowd int
	// PairMin is the least number of targets two accounts must share
	// (within the window) to be a pair at all.
	PairMin int
	// PairP is the largest probability, under the null model, of a pair
	// sharing that many windows by chance, and of a member's hits in a
	// group's windows.
	PairP float64
	// Ratio is the least ratio of what a pair shares (or a member's hits)
	// to the null model's expectation: heavy users expected to meet 50
	// times who meet 70 times are not in lockstep, however unlikely 70 is
	// under a Poisson law (their meetings vary more than one).
	Ratio float64
	// Core: an account stays only with at least Core significant pairs
	// among those who stay (the k-core of the pair graph).
	Core int
	// MinGroup is the least number of accounts of a lockstep or dense
	// group; MinTargets the least number of its targets.
	MinGroup, MinTargets int
	// HitMin is the least number of a group's windows an account must act
	// in to be one of its members.
	HitMin int

	// Arrivals on one target (flood and burst): ArrivalWindow is the
	// span counted, Baseline the span on each side it is compared to.
	ArrivalWindow, Baseline int64
	// FloodMin is the least number of new accounts in ArrivalWindow,
	// FloodRatio how many times the target's own rate of new accounts
	// they must be.
	FloodMin   int
	FloodRatio float64
	// NewAccount: an account is new when created (or, unknown, first seen)
	// less than NewAccount seconds before the participation.
	NewAccount int64
	// BurstMin and BurstRatio: the same for all accounts; BurstMin 0 turns
	// the burst rule off.
	BurstMin   int
	BurstRatio float64

	// DomainMin: accounts of throwaway or misspelt domains together on one
	// target within Window; NetworkMin: accounts of one network prefix on
	// one target within ArrivalWindow. 0 turns each off.
	DomainMin, NetworkMin int
	// ScoreMin: groups scoring less are dropped (score is the log10 of how
	// unlikely the group's evidence is by chance).
	ScoreMin float64
	// Workers is how many goroutines count pairs (default: GOMAXPROCS).
	Workers int
}

// DefaultConfig returns the thresholds measured in docs/integrity.md.
func DefaultConfig() Config {
	return Config{
		Window:        48 * 3600,
		Crowd:         150,
		DenseCrowd:    0,
		PairMin:       2,
		PairP:         1e-4,
		Ratio:         3,
		Core:          8,
		MinGroup:      10,
		MinTargets:    3,
		HitMin:        3,
		ArrivalWindow: 3600,
		Baseline:      24 * 3600,
		FloodMin:      50,
		FloodRatio:    8,
		NewAccount:    24 * 3600,
		BurstMin:      200,
		BurstRatio:    20,
		DomainMin:     5,
		NetworkMin:    20,
		ScoreMin:      6,
		Workers:       runtime.GOMAXPROCS(0),
	}
}

// Detect returns the flagged groups, highest score first.
func Detect(events []Event, cfg Config) []Group {
	g := NewGraph(len(events))
	for _, e := range events {
		g.Add(e)
	}
	return g.Detect(cfg)
}

// CanonicalEmail folds an address the way signups are deduplicated (lower
// case, gmail dots and +tags, googlemail → gmail): account.CanonicalEmail,
// the form participations are unique on.
func CanonicalEmail(addr string) string {
	return account.CanonicalEmail(addr)
}

// DisposableDomain reports a throwaway mail domain (or a subdomain of one).
func DisposableDomain(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	for d != "" {
		if _, ok := disposable[d]; ok {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			break
		}
		d = d[i+1:]
	}
	return false
}

// TypoDomain reports a near-miss of a common provider (gmial.com,
// hotmial.com, gmail.co): one edit away from it (a letter changed, added,
// dropped, or two neighbours swapped), without being a provider itself.
func TypoDomain(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" {
		return false
	}
	if _, ok := providers[d]; ok {
		return false
	}
	for p := range providers {
		if oneEdit(d, p) {
			return true
		}
	}
	return false
}
