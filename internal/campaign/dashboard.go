package campaign

import (
	"net/http"
	"sort"

	"repertoire/internal/community"
	"repertoire/internal/web"
)

// The organizer's dashboard: the communities the viewer runs, each with
// its campaigns and their tactics (counted, from the campaign page's
// TacticListers), what waits for their review and what is scheduled (the
// Dashboarders other capabilities offer, each reading its own tables).

type dashboardCommunity struct {
	C         *community.Community
	Campaigns []dashboardCampaign
	Review    []community.DashboardItem
	Scheduled []community.DashboardItem
}

type dashboardCampaign struct {
	Title, Path string
	Closed      bool
	Tactics     []Tactic
}

type dashboardData struct {
	Communities []dashboardCommunity
	Lang        string
}

// Num writes a count the way the page's language does.
func (d dashboardData) Num(n int) string { return web.FormatNumber(d.Lang, n) }

// When writes the day of a scheduled item in the page's language, and its
// hour on its zone's clock when it has one (an event).
func (d dashboardData) When(it community.DashboardItem) string {
	if it.Zone != "" {
		return web.FormatMoment(d.Lang, it.At, it.Zone)
	}
	return web.FormatDate(d.Lang, it.At)
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	ctx := r.Context()
	l := web.Localizer(ctx)
	cs, err := h.communities.Organized(ctx, v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := dashboardData{Lang: l.Lang}
	at := map[string]int{}
	for _, c := range cs {
		dc := dashboardCommunity{C: c}
		campaigns, _, err := h.Store.List(ctx, ListQuery{CommunityID: c.ID, Admin: true})
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		for _, cp := range campaigns {
			dc.Campaigns = append(dc.Campaigns, dashboardCampaign{Title: cp.Translations.Pick(web.Localizer(r.Context()).Tag(), cp.Language, "title", cp.Title), Path: campaignPath(cp), Closed: cp.ClosedAt != nil, Tactics: h.tactics(r, cp.ID, true)})
		}
		at[c.ID] = len(d.Communities)
		d.Communities = append(d.Communities, dc)
	}
	for _, src := range h.Dashboard {
		items, err := src.DashboardItems(ctx, v.PersonID)
		if err != nil {
			h.log.Error("dashboard items", "err", err) // one capability's failure costs its lines, not the page
			continue
		}
		for _, it := range items {
			i, ok := at[it.CommunityID]
			if !ok {
				continue
			}
			if it.Scheduled {
				d.Communities[i].Scheduled = append(d.Communities[i].Scheduled, it)
			} else {
				d.Communities[i].Review = append(d.Communities[i].Review, it)
			}
		}
	}
	for i := range d.Communities {
		s := d.Communities[i].Scheduled
		sort.SliceStable(s, func(a, b int) bool { return s[a].At.Before(s[b].At) })
	}
	h.pages.Render(w, r, http.StatusOK, "dashboard", l.T("campaign.dashboard.title"), d)
}
