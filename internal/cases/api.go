package cases

import (
	"net/http"

	"repertoire"
	"repertoire/internal/api"
)

// The case library's API: anyone reads it; an organizer (for one of their
// communities) or an administrator adds to it.

type caseDoc struct {
	Identifiers  []string  `json:"identifiers"`
	CreatedDate  string    `json:"created_date"`
	ModifiedDate string    `json:"modified_date"`
	Slug         string    `json:"slug"`
	Platform     string    `json:"platform"`
	Year         int       `json:"year"`
	Title        string    `json:"title"`
	Community    string    `json:"community"`
	Tactics      []string  `json:"tactics"`
	Numbers      string    `json:"numbers"`
	Outcome      string    `json:"outcome"`
	Won          bool      `json:"won"`
	Sources      []string  `json:"sources"`
	BrowserURL   string    `json:"browser_url"`
	Links        api.Links `json:"_links"`
}

func (h *Handler) doc(c *Case) caseDoc {
	links := api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/cases", c.ID)}}
	if c.CommunityID != "" {
		links["repertoire:community"] = api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", c.CommunityID)}
	}
	return caseDoc{Identifiers: api.Identifiers(c.ID), CreatedDate: api.Time(c.CreatedAt), ModifiedDate: api.Time(c.ModifiedAt),
		Slug: c.Slug, Platform: c.Platform, Year: c.Year, Title: c.Title, Community: c.Community, Tactics: c.Tactics,
		Numbers: c.Numbers, Outcome: c.Outcome, Won: c.Won, Sources: c.Sources,
		BrowserURL: api.URL(h.baseURL, "/cases", c.ID), Links: links}
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	f, err := api.ParseFilter(r, "platform")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := Query{Filter: f, Limit: page.PerPage, Offset: page.Offset()}
	for _, c := range f.Conditions {
		if c.Op != "eq" {
			api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.filter_operator", map[string]any{"Field": c.Field, "Op": c.Op, "Ops": "eq"}))
			return
		}
		q.Platform = c.Value
	}
	cs, total, err := h.List(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]caseDoc, 0, len(cs))
	for _, c := range cs {
		docs = append(docs, h.doc(c))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:cases", docs, total, page))
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	c, err := h.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.doc(c))
}

type caseBody struct {
	Input
	CommunityID string `json:"community_id"`
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var b caseBody
	if err := api.DecodeStrict(w, r, &b, &caseDoc{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	communityID, err := h.onBehalf(r.Context(), p.PersonID, p.IsAdmin, b.CommunityID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := h.Create(r.Context(), communityID, b.Input)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d := h.doc(c)
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}
