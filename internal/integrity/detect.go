package integrity

import (
	"cmp"
	"slices"
	"sync"
)

// Detect runs every rule and both graph passes over the graph and returns
// the flagged groups, highest score first. A group whose accounts are
// mostly (four in five) in a group scoring higher is not returned apart:
// its reasons and windows join that group's.
func (g *Graph) Detect(cfg Config) []Group {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	g.build(cfg.Workers)
	if len(g.acct) == 0 {
		return nil
	}
	// The rules beside the graph passes: the passes' stages are parallel
	// but some are not, and the rules fill the gaps.
	var rules []candidate
	var wg sync.WaitGroup
	wg.Go(func() {
		rules = append(rules, g.floods(cfg)...)
		rules = append(rules, g.domainGroups(cfg)...)
		rules = append(rules, g.networkGroups(cfg)...)
		rules = append(rules, g.canonicalGroups()...)
	})
	var cands []candidate
	nm := newNull(g, cfg.Workers)
	if cfg.Window > 0 {
		cands = append(cands, newPass(g, nm, KindLockstep, cfg.Window, cfg.Crowd, cfg).run()...)
	}
	if cfg.DenseCrowd > 0 {
		cands = append(cands, newPass(g, nm, KindDense, -1, cfg.DenseCrowd, cfg).run()...)
	}
	wg.Wait()
	cands = append(cands, rules...)

	kept := cands[:0]
	for _, c := range cands {
		if c.score >= cfg.ScoreMin && len(c.accounts) > 0 {
			kept = append(kept, c)
		}
	}
	slices.SortStableFunc(kept, func(x, y candidate) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return cmp.Compare(len(y.accounts), len(x.accounts))
	})
	// Fold groups mostly covered by a stronger one into it.
	owner := map[int32]int{} // account → index in out of its strongest group
	var out []candidate
	for _, c := range kept {
		counts := map[int]int{}
		for _, a := range c.accounts {
			if o, ok := owner[a]; ok {
				counts[o]++
			}
		}
		folded := false
		for o, n := range counts {
			if 5*n >= 4*len(c.accounts) {
				for _, r := range c.reasons {
					if !slices.Contains(out[o].reasons, r) {
						out[o].reasons = append(out[o].reasons, r)
					}
				}
				// Its windows are the same accounts acting together
				// elsewhere: evidence of the stronger group too.
				for _, w := range c.windows {
					if !slices.Contains(out[o].windows, w) {
						out[o].windows = append(out[o].windows, w)
					}
				}
				folded = true
				break
			}
		}
		if folded {
			continue
		}
		for _, a := range c.accounts {
			if _, ok := owner[a]; !ok {
				owner[a] = len(out)
			}
		}
		out = append(out, c)
	}

	groups := make([]Group, len(out))
	for k, c := range out {
		gr := Group{ID: k + 1, Kind: c.kind, Score: c.score, Reasons: c.reasons}
		for _, a := range c.accounts {
			gr.Accounts = append(gr.Accounts, g.AccountName(a))
		}
		for _, w := range c.windows {
			name := g.TargetName(w.target)
			if !slices.Contains(gr.Targets, name) {
				gr.Targets = append(gr.Targets, name)
			}
			gr.Windows = append(gr.Windows, Window{Target: name, From: g.base + w.from, To: g.base + w.to})
		}
		groups[k] = gr
	}
	return groups
}
