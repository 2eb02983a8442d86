package ledger

import (
	"net/http"

	"repertoire/internal/api"
	"repertoire/internal/campaign"
)

// The ledger API: a campaign's entries and totals, read by whoever sees
// the campaign, written by its organizers.

type entryDoc struct {
	Identifiers  []string  `json:"identifiers"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	Date         string    `json:"date"`
	Kind         string    `json:"kind"`
	Channel      string    `json:"channel"`
	Amount       int64     `json:"amount"`
	Currency     string    `json:"currency"`
	Purpose      string    `json:"purpose"`
	Links        api.Links `json:"_links"`
}

type totalDoc struct {
	Channel   string `json:"channel,omitempty"`
	Month     string `json:"month,omitempty"`
	Currency  string `json:"currency"`
	Funding   int64  `json:"funding"`
	Promotion int64  `json:"promotion"`
}

func (h *Handler) campaignURL(campaignID string) string {
	return api.URL(h.baseURL, api.Prefix+"/campaigns", campaignID)
}

func (h *Handler) doc(e *Entry) entryDoc {
	c := h.campaignURL(e.CampaignID)
	return entryDoc{Identifiers: api.Identifiers(e.ID), CreatedDate: api.Time(e.CreatedAt), ModifiedDate: api.Time(e.ModifiedAt),
		Date: e.Date, Kind: e.Kind, Channel: e.Channel, Amount: e.Amount, Currency: e.Currency, Purpose: e.Purpose,
		Links: api.Links{"self": api.Link{Href: api.URL(c, "/ledger", e.ID)}, "repertoire:campaign": api.Link{Href: c}}}
}

func totalDocs(ts []Total, key string) []totalDoc {
	out := make([]totalDoc, 0, len(ts))
	for _, t := range ts {
		d := totalDoc{Currency: t.Currency, Funding: t.Funding, Promotion: t.Promotion}
		switch key {
		case "channel":
			d.Channel = t.Key
		case "month":
			d.Month = t.Key
		}
		out = append(out, d)
	}
	return out
}

// campaignOf loads the campaign of the URL for the caller (campaign.Load).
func (h *Handler) campaignOf(w http.ResponseWriter, r *http.Request, organize bool) *campaign.Campaign {
	c, _ := campaign.Load(w, r, h.log, h.access, h.campaigns.Get, func(c *campaign.Campaign) string { return c.CommunityID }, organize)
	return c
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	c := h.campaignOf(w, r, false)
	if c == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	f, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	entries, total, err := h.List(r.Context(), c.ID, f, page.PerPage, page.Offset())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	all, _, err := h.List(r.Context(), c.ID, api.Filter{}, 0, 0)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]entryDoc, 0, len(entries))
	for _, e := range entries {
		docs = append(docs, h.doc(e))
	}
	body := api.Collection(r, h.baseURL, "repertoire:ledger_entries", docs, total, page)
	sums := Sum(all)
	body["totals"] = map[string]any{"all": totalDocs(sums.All, ""), "by_channel": totalDocs(sums.ByChannel, "channel"),
		"by_month": totalDocs(sums.ByMonth, "month")}
	api.JSON(w, http.StatusOK, body)
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	c := h.campaignOf(w, r, true)
	if c == nil {
		return
	}
	var in Input
	if err := api.DecodeStrict(w, r, &in, &entryDoc{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	e, err := h.Add(r.Context(), c.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d := h.doc(e)
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	c := h.campaignOf(w, r, false)
	if c == nil {
		return
	}
	e, err := h.Get(r.Context(), c.ID, r.PathValue("entry"))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.doc(e))
}

func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	c := h.campaignOf(w, r, true)
	if c == nil {
		return
	}
	if err := h.Delete(r.Context(), c.ID, r.PathValue("entry")); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
