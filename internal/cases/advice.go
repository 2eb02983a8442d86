package cases

import (
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"

	"repertoire/internal/campaign"
)

// Advice compares a campaign's tactics with those that won comparable
// cases.
type Advice struct {
	Uses     []string // the library's tactics the campaign uses
	Won      []Count  // tactics of the comparable cases won, most used first
	Missing  []string // of those, the ones the campaign does not use
	Cases    []*Case  // the comparable cases won
	Platform string   // the platform compared on; "" when every case is
	// Single warns that the campaign relies on one tactic alone.
	Single bool
}

// Count is how many comparable cases won with a tactic.
type Count struct {
	Tactic string
	Cases  int
}

// Advise compares: the cases of a platform the campaign addresses (one of
// its targets, or named in its title) are comparable; without any, every
// case is.
func Advise(c *campaign.Campaign, tactics []campaign.Tactic, library []*Case) Advice {
	var a Advice
	for _, t := range tactics {
		if k := tacticOf(t.Kind); !slices.Contains(a.Uses, k) {
			a.Uses = append(a.Uses, k)
		}
	}
	a.Single = len(a.Uses) == 1
	names := []string{strings.ToLower(c.Title)}
	for _, t := range c.Targets {
		names = append(names, strings.ToLower(t))
	}
	var comparable []*Case
	for _, k := range library {
		p := strings.ToLower(k.Platform)
		for _, n := range names {
			if n == p || strings.Contains(" "+n+" ", " "+p+" ") {
				comparable = append(comparable, k)
				a.Platform = k.Platform
				break
			}
		}
	}
	if len(comparable) == 0 {
		comparable = library
	}
	counts := map[string]int{}
	for _, k := range comparable {
		if !k.Won {
			continue
		}
		a.Cases = append(a.Cases, k)
		for _, t := range k.Tactics {
			counts[t]++
		}
	}
	for t, n := range counts {
		a.Won = append(a.Won, Count{t, n})
	}
	sort.Slice(a.Won, func(i, j int) bool {
		if a.Won[i].Cases != a.Won[j].Cases {
			return a.Won[i].Cases > a.Won[j].Cases
		}
		return slices.Index(Tactics, a.Won[i].Tactic) < slices.Index(Tactics, a.Won[j].Tactic)
	})
	for _, w := range a.Won {
		if !slices.Contains(a.Uses, w.Tactic) {
			a.Missing = append(a.Missing, w.Tactic)
		}
	}
	return a
}

// adviceData is the block's dot.Data.
type adviceData struct {
	Advice
	Place *campaign.Place
}

// CampaignSection is the advice on a campaign's page.
func (h *Handler) CampaignSection() campaign.Block { return h }

// CampaignBlock renders the advice for a campaign's page (campaign.Block).
func (h *Handler) CampaignBlock(r *http.Request, p *campaign.Place, tactics []campaign.Tactic) (template.HTML, error) {
	library, _, err := h.List(r.Context(), Query{})
	if err != nil {
		return "", err
	}
	return h.pages.Fragment(r, "cases_list", "cases_advice", adviceData{Advice: Advise(p.Campaign, tactics, library), Place: p})
}
