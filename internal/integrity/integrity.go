// Package integrity finds coordinated participations (crowdturfing: bought
// or scripted signatures and commitments) and gives organizers their
// review: groups of accounts acting together, with their evidence, to
// invalidate in bulk or dismiss.
//
// This file is the engine's interface with a simple detector (a flood of
// new accounts from one network onto a target within minutes); the engine
// proper replaces it. The product around it (runs, the stored groups, the
// review queue, the public figure, the API) is in the other files.
package integrity

import (
	"sort"
	"strings"
)

// Event is one participation as the engine sees it.
type Event struct {
	Account, Target string
	Time            int64  // unix seconds
	IPPrefix        string // e.g. "203.0.113.0/24", "" unknown
	Domain          string // email domain, lower case, "" unknown
	UserAgent       string // user agent family, "" unknown
	AccountCreated  int64  // unix seconds, 0 unknown
}

// Window is when a group acted on one target.
type Window struct {
	Target   string
	From, To int64
}

// Group is a set of accounts found acting together, with its evidence.
type Group struct {
	ID       int
	Kind     string // "lockstep", "dense", "flood", "burst", "domain", ...
	Accounts []string
	Targets  []string
	Windows  []Window
	Score    float64  // higher is more suspicious
	Reasons  []string // message ids, e.g. "integrity.reason.lockstep"
}

// Config holds the thresholds.
type Config struct {
	// Gap is the longest pause between two events of one network on one
	// target that keeps them in one wave (seconds).
	Gap int64
	// MinAccounts is the fewest new accounts a wave needs to be flagged.
	MinAccounts int
	// NewAccount is how old an account may be and count as new (seconds).
	NewAccount int64
}

// DefaultConfig is the thresholds in use.
func DefaultConfig() Config {
	return Config{Gap: 600, MinAccounts: 10, NewAccount: 7 * 24 * 3600}
}

// Detect finds groups in events, highest score first.
func Detect(events []Event, cfg Config) []Group {
	type key struct{ prefix, target string }
	waves := map[key][]Event{}
	for _, e := range events {
		if e.IPPrefix != "" {
			k := key{e.IPPrefix, e.Target}
			waves[k] = append(waves[k], e)
		}
	}
	type found struct {
		accounts map[string]bool
		windows  []Window
	}
	byPrefix := map[string]*found{}
	for k, es := range waves {
		sort.Slice(es, func(i, j int) bool { return es[i].Time < es[j].Time })
		flush := func(run []Event) {
			fresh := map[string]bool{}
			for _, e := range run {
				if e.AccountCreated == 0 || e.Time-e.AccountCreated <= cfg.NewAccount {
					fresh[e.Account] = true
				}
			}
			if len(fresh) < cfg.MinAccounts {
				return
			}
			f := byPrefix[k.prefix]
			if f == nil {
				f = &found{accounts: map[string]bool{}}
				byPrefix[k.prefix] = f
			}
			for a := range fresh {
				f.accounts[a] = true
			}
			f.windows = append(f.windows, Window{Target: k.target, From: run[0].Time, To: run[len(run)-1].Time})
		}
		start := 0
		for i := 1; i <= len(es); i++ {
			if i == len(es) || es[i].Time-es[i-1].Time > cfg.Gap {
				flush(es[start:i])
				start = i
			}
		}
	}
	var out []Group
	for _, f := range byPrefix {
		g := Group{Kind: "flood", Windows: f.windows, Reasons: []string{"integrity.reason.flood"}}
		for a := range f.accounts {
			g.Accounts = append(g.Accounts, a)
		}
		sort.Strings(g.Accounts)
		sort.Slice(g.Windows, func(i, j int) bool { return g.Windows[i].Target < g.Windows[j].Target })
		for _, w := range g.Windows {
			g.Targets = append(g.Targets, w.Target)
		}
		g.Score = float64(len(g.Accounts) * len(g.Targets))
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	for i := range out {
		out[i].ID = i + 1
	}
	return out
}

// CanonicalEmail folds the spellings of one inbox: lower case, and for
// Gmail without dots or a +suffix.
func CanonicalEmail(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		local, _, _ = strings.Cut(local, "+")
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	}
	return local + "@" + domain
}

// DisposableDomain reports a throwaway mail provider.
func DisposableDomain(domain string) bool {
	switch strings.ToLower(domain) {
	case "mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com", "trashmail.com", "tempmail.com":
		return true
	}
	return false
}

// TypoDomain reports a misspelling of a large provider.
func TypoDomain(domain string) bool {
	switch strings.ToLower(domain) {
	case "gmial.com", "gmal.com", "gnail.com", "hotmial.com", "yaho.com", "outlok.com":
		return true
	}
	return false
}
