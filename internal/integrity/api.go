package integrity

import (
	"context"
	"net/http"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/web"
)

// The API of the integrity review: the groups found (paged, filtered as
// every collection, most suspicious first), their invalidation and
// dismissal, and runs on demand. An organizer's token reaches the groups
// of the communities its holder runs; an administrator's every group.

func (h *Handler) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+api.Prefix+"/integrity/groups", h.apiList)
	mux.HandleFunc("GET "+api.Prefix+"/integrity/groups/{id}", h.apiGet)
	mux.HandleFunc("POST "+api.Prefix+"/integrity/groups/{id}/invalidate", h.apiInvalidate)
	mux.HandleFunc("POST "+api.Prefix+"/integrity/groups/{id}/dismiss", h.apiDismiss)
	mux.HandleFunc("POST "+api.Prefix+"/integrity/runs", h.apiRun)
}

// groupDoc is a group as the API gives it.
type groupDoc struct {
	Identifiers  []string    `json:"identifiers"`
	CreatedDate  string      `json:"created_date"`
	ModifiedDate string      `json:"modified_date"`
	Community    string      `json:"community"`
	Kind         string      `json:"kind"`
	Score        float64     `json:"score"`
	Reasons      []reasonDoc `json:"reasons"`
	Windows      []windowDoc `json:"windows"`
	Accounts     int         `json:"accounts"`
	Members      int         `json:"members"`
	Status       string      `json:"status"`
	Invalidated  int         `json:"invalidated"`
	DecidedDate  *string     `json:"decided_date"`
	BrowserURL   string      `json:"browser_url"`
	Participants []memberDoc `json:"participations,omitempty"`
	Links        api.Links   `json:"_links"`
}

type reasonDoc struct {
	ID   string `json:"id"`
	Text string `json:"text"` // in the request's language
}

type windowDoc struct {
	Action string `json:"action"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// memberDoc is one participation of a group: its person only as a number
// within the group, their id to administrators.
type memberDoc struct {
	Participation string `json:"participation"`
	Account       int    `json:"account"`
	Person        string `json:"person,omitempty"`
	Action        string `json:"action"`
	Status        string `json:"status"`
	CreatedDate   string `json:"created_date"`
	EmailDomain   string `json:"email_domain"`
	Browser       string `json:"browser"`
}

func (h *Handler) doc(r *http.Request, g *StoredGroup, slug string) groupDoc {
	l := web.Localizer(r.Context())
	d := groupDoc{Identifiers: api.Identifiers(g.ID), CreatedDate: api.Time(g.CreatedAt), ModifiedDate: api.Time(g.ModifiedAt),
		Community: "repertoire:" + g.CommunityID, Kind: g.Kind, Score: g.Score, Reasons: []reasonDoc{}, Windows: []windowDoc{},
		Accounts: g.Accounts, Members: g.Members, Status: g.Status, Invalidated: g.Invalidated, DecidedDate: api.TimePtr(g.DecidedAt),
		Links: api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/integrity/groups", g.ID)}}}
	if slug != "" {
		d.BrowserURL = h.baseURL + "/c/" + slug + "/integrity#group-" + g.ID
	}
	for _, r := range g.Reasons {
		d.Reasons = append(d.Reasons, reasonDoc{ID: r, Text: l.T(r)})
	}
	for _, w := range g.Windows {
		d.Windows = append(d.Windows, windowDoc{Action: "repertoire:" + w.ActionID, From: api.Time(w.From), To: api.Time(w.To)})
	}
	return d
}

// reachable reads the group of the URL when the token's holder may review
// it; another's is not found.
func (h *Handler) reachable(w http.ResponseWriter, r *http.Request) (*StoredGroup, string) {
	p := api.Require(w, r)
	if p == nil {
		return nil, ""
	}
	g, err := h.Group(r.Context(), api.ParseID(r.PathValue("id")))
	var slug string
	if err == nil {
		slug, err = h.reviewable(r.Context(), p, g.CommunityID)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, ""
	}
	return g, slug
}

// reviewable checks that p may review a community's groups and gives the
// community's slug; "not found" otherwise.
func (h *Handler) reviewable(ctx context.Context, p *api.Principal, communityID string) (string, error) {
	c, err := h.communities.Get(ctx, communityID)
	if err != nil {
		return "", err
	}
	if !p.IsAdmin {
		ok, err := h.CanReview(ctx, c.ID, p.PersonID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errNotFound
		}
	}
	return c.Slug, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r, "status", "community")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := GroupQuery{Filter: filter, Offset: page.Offset(), Limit: page.PerPage}
	for _, c := range filter.Conditions {
		if c.Op != "eq" {
			api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.bad_filter", nil))
			return
		}
		switch c.Field {
		case "status":
			if c.Value != StatusOpen && c.Value != StatusInvalidated && c.Value != StatusDismissed {
				api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.bad_filter", nil))
				return
			}
			q.Status = c.Value
		case "community":
			com, err := h.communities.Get(r.Context(), api.ParseID(c.Value))
			if err != nil {
				api.Problem(w, r, h.log, err)
				return
			}
			q.CommunityID = com.ID
		}
	}
	if !p.IsAdmin {
		q.OrganizerID = p.PersonID
	}
	groups, total, err := h.Groups(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]groupDoc, len(groups))
	slugs := map[string]string{}
	for i, g := range groups {
		if _, ok := slugs[g.CommunityID]; !ok {
			if c, err := h.communities.Get(r.Context(), g.CommunityID); err == nil {
				slugs[g.CommunityID] = c.Slug
			}
		}
		docs[i] = h.doc(r, g, slugs[g.CommunityID])
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:integrity_groups", docs, total, page))
}

// apiGet gives one group with its participations.
func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	g, slug := h.reachable(w, r)
	if g == nil {
		return
	}
	d, err := h.docWithMembers(r, g, slug)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, d)
}

func (h *Handler) docWithMembers(r *http.Request, g *StoredGroup, slug string) (groupDoc, error) {
	d := h.doc(r, g, slug)
	ms, err := membersOf(r.Context(), h.db.Reader(), g.ID)
	if err != nil {
		return d, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.participationID
	}
	sigs, err := h.parts.SignalsOf(r.Context(), ids)
	if err != nil {
		return d, err
	}
	admin := api.IsAdmin(r)
	number := map[string]int{}
	d.Participants = []memberDoc{}
	for _, m := range ms {
		if number[m.personID] == 0 {
			number[m.personID] = len(number) + 1
		}
		sg := sigs[m.participationID]
		md := memberDoc{Participation: "repertoire:" + m.participationID, Account: number[m.personID], Action: "repertoire:" + m.actionID,
			Status: sg.Status, CreatedDate: api.Time(sg.CreatedAt), EmailDomain: sg.Domain, Browser: sg.UAFamily}
		if admin {
			md.Person = "repertoire:" + m.personID
		}
		d.Participants = append(d.Participants, md)
	}
	return d, nil
}

// confirmBody is what an invalidation asks: a bulk rejection is confirmed,
// never implied.
type confirmBody struct {
	Confirm bool `json:"confirm"`
}

func (h *Handler) apiInvalidate(w http.ResponseWriter, r *http.Request) {
	g, slug := h.reachable(w, r)
	if g == nil {
		return
	}
	var b confirmBody
	if err := api.DecodeStrict(w, r, &b, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if !b.Confirm {
		api.Problem(w, r, h.log, repertoire.Invalid("confirm", "integrity.confirm.required", nil))
		return
	}
	h.apiSettle(w, r, g, slug, h.Invalidate)
}

func (h *Handler) apiDismiss(w http.ResponseWriter, r *http.Request) {
	g, slug := h.reachable(w, r)
	if g == nil {
		return
	}
	h.apiSettle(w, r, g, slug, h.Dismiss)
}

func (h *Handler) apiSettle(w http.ResponseWriter, r *http.Request, g *StoredGroup, slug string,
	settle func(context.Context, string) (*StoredGroup, error)) {
	g, err := settle(r.Context(), g.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.doc(r, g, slug))
}

// runBody is a run asked for: of one community (an organizer must name
// one they run), or of the whole instance (administrators).
type runBody struct {
	Community string `json:"community"`
}

func (h *Handler) apiRun(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var b runBody
	if r.ContentLength != 0 {
		if err := api.DecodeStrict(w, r, &b, nil); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	communityID := ""
	if b.Community != "" {
		c, err := h.communities.Get(r.Context(), api.ParseID(b.Community))
		if err == nil {
			_, err = h.reviewable(r.Context(), p, c.ID)
		}
		if err != nil {
			if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
				err = repertoire.Invalid("community", "integrity.run.community_unknown", nil)
			}
			api.Problem(w, r, h.log, err)
			return
		}
		communityID = c.ID
	} else if !p.IsAdmin {
		api.Problem(w, r, h.log, repertoire.Invalid("community", "field.required", nil))
		return
	}
	run, err := h.Detect(r.Context(), communityID, time.Time{})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	groups := make([]string, len(run.Groups))
	for i, id := range run.Groups {
		groups[i] = api.URL(h.baseURL, api.Prefix+"/integrity/groups", id)
	}
	doc := map[string]any{"community": nil, "participations_read": run.Events, "participations_flagged": run.Flagged,
		"groups": groups, "started_date": api.Time(run.StartedAt), "finished_date": api.Time(run.FinishedAt),
		"groups_found": len(run.Groups)}
	if communityID != "" {
		doc["community"] = "repertoire:" + communityID
	}
	api.JSON(w, http.StatusOK, doc)
}
