package gateway

import (
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
)

// The organizers' API (/api/v1/gateway, an organizer's API token): the
// same consumers, keys, proposals and access log as the pages.

func (h *Handler) organizerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/gateway/consumers", h.apiConsumers)
	mux.HandleFunc("POST /api/v1/gateway/consumers", h.apiCreateConsumer)
	mux.HandleFunc("POST /api/v1/gateway/consumers/{id}/keys", h.apiCreateKey)
	mux.HandleFunc("DELETE /api/v1/gateway/consumers/{id}/keys/{key}", h.apiRevokeKey)
	mux.HandleFunc("GET /api/v1/gateway/consumers/{id}/requests", h.apiRequests)
	mux.HandleFunc("GET /api/v1/gateway/policies", h.apiListPolicies)
	mux.HandleFunc("POST /api/v1/gateway/policies", h.apiProposePolicy)
	mux.HandleFunc("GET /api/v1/gateway/strikes", h.apiListStrikes)
	mux.HandleFunc("POST /api/v1/gateway/strikes", h.apiProposeStrike)
}

// listOf reads a collection's page and filter and the community it is
// of, which the caller organizes; nil when it answered.
func (h *Handler) listOf(w http.ResponseWriter, r *http.Request) (*community.Community, api.Page, api.Filter, bool) {
	if api.Require(w, r) == nil {
		return nil, api.Page{}, api.Filter{}, false
	}
	page, err := api.ParsePage(r)
	var filter api.Filter
	if err == nil {
		filter, err = api.ParseFilter(r)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, page, filter, false
	}
	com := h.organizes(w, r, r.URL.Query().Get("community"))
	return com, page, filter, com != nil
}

// organizerPolicyJSON is a policy as its community's organizers read it.
type organizerPolicyJSON struct {
	Identifiers []string `json:"identifiers"`
	ID          string   `json:"id"`
	Community   string   `json:"community"`
	Consumer    string   `json:"consumer"`
	Categories  []string `json:"categories"`
	Level       string   `json:"level"`
	MinGroup    int      `json:"min_group"`
	RatePerMin  int      `json:"rate_per_minute"`
	ItemsPerDay int      `json:"items_per_day"`
	Purpose     string   `json:"purpose"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	InForce     bool     `json:"in_force"`
	Decision    *string  `json:"decision"`
	AdoptedDate *string  `json:"adopted_date"`
	CreatedDate string   `json:"created_date"`
}

// apiListPolicies lists a community's policies, adopted or proposed, to
// its organizers: GET /api/v1/gateway/policies?community=….
func (h *Handler) apiListPolicies(w http.ResponseWriter, r *http.Request) {
	com, page, filter, ok := h.listOf(w, r)
	if !ok {
		return
	}
	ps, total, err := h.Store.PoliciesPage(r.Context(), com.ID, filter, page.Offset(), page.PerPage)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	now := time.Now()
	items := make([]organizerPolicyJSON, 0, len(ps))
	for _, p := range ps {
		d := organizerPolicyJSON{Identifiers: api.Identifiers(p.ID), ID: p.ID, Community: p.CommunityID, Consumer: p.ConsumerID,
			Categories: p.Categories, Level: p.Level, MinGroup: p.MinGroup, RatePerMin: p.RatePerMin, ItemsPerDay: p.ItemsPerDay,
			Purpose: p.Purpose, StartsAt: api.Time(p.StartsAt), EndsAt: api.Time(p.EndsAt), InForce: p.InForce(now),
			AdoptedDate: api.TimePtr(p.AdoptedAt), CreatedDate: api.Time(p.CreatedAt)}
		if p.DecisionID != "" {
			link := api.URL(h.baseURL, "/decisions/"+p.DecisionID)
			d.Decision = &link
		}
		items = append(items, d)
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:gateway_policies", items, total, page))
}

// organizerStrikeJSON is a data strike as its community's organizers read it.
type organizerStrikeJSON struct {
	Identifiers []string `json:"identifiers"`
	ID          string   `json:"id"`
	Community   string   `json:"community"`
	Scope       string   `json:"scope"`
	Reason      string   `json:"reason"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	Active      bool     `json:"active"`
	Strikers    *int     `json:"strikers,omitempty"` // scope joined: how many joined
	Decision    *string  `json:"decision"`
	CalledDate  *string  `json:"called_date"`
	CreatedDate string   `json:"created_date"`
}

// apiListStrikes lists a community's data strikes, called or proposed, to
// its organizers: GET /api/v1/gateway/strikes?community=….
func (h *Handler) apiListStrikes(w http.ResponseWriter, r *http.Request) {
	com, page, filter, ok := h.listOf(w, r)
	if !ok {
		return
	}
	ss, total, err := h.Store.StrikesPage(r.Context(), com.ID, filter, page.Offset(), page.PerPage)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	now := time.Now()
	items := make([]organizerStrikeJSON, 0, len(ss))
	for _, s := range ss {
		d := organizerStrikeJSON{Identifiers: api.Identifiers(s.ID), ID: s.ID, Community: s.CommunityID, Scope: s.Scope, Reason: s.Reason,
			StartsAt: api.Time(s.StartsAt), EndsAt: api.Time(s.EndsAt), Active: s.Active(now), CalledDate: api.TimePtr(s.CalledAt),
			CreatedDate: api.Time(s.CreatedAt)}
		if s.Scope == ScopeJoined {
			n := s.Strikers
			d.Strikers = &n
		}
		if s.DecisionID != "" {
			link := api.URL(h.baseURL, "/decisions/"+s.DecisionID)
			d.Decision = &link
		}
		items = append(items, d)
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:gateway_strikes", items, total, page))
}

// organizes finds a community the token's holder organizes (one they
// cannot see is not found).
func (h *Handler) organizes(w http.ResponseWriter, r *http.Request, idOrSlug string) *community.Community {
	p := api.Require(w, r)
	if p == nil {
		return nil
	}
	if idOrSlug == "" {
		api.Problem(w, r, h.log, repertoire.Invalid("community", "field.required", nil))
		return nil
	}
	ctx := r.Context()
	c, err := h.communities.Get(ctx, api.ParseID(idOrSlug))
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanView(ctx, c, p.PersonID); err == nil && !ok {
			err = errNotFound
		}
	}
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanOrganize(ctx, c.ID, p.PersonID); err == nil && !ok && !p.IsAdmin {
			err = errOrganizersOnly
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil
	}
	return c
}

// consumerOfOrganizer is the consumer of the URL, of a community the
// token's holder organizes.
func (h *Handler) consumerOfOrganizer(w http.ResponseWriter, r *http.Request) *Consumer {
	if api.Require(w, r) == nil {
		return nil
	}
	c, err := h.Store.Consumer(r.Context(), r.PathValue("id"))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil
	}
	if h.organizes(w, r, c.CommunityID) == nil {
		return nil
	}
	return c
}

type consumerJSON struct {
	Identifiers []string `json:"identifiers"`
	ID          string   `json:"id"`
	Community   string   `json:"community"`
	Name        string   `json:"name"`
	Purpose     string   `json:"purpose"`
	Licence     string   `json:"licence"`
	Contact     string   `json:"contact"`
	Keys        []keyDoc `json:"keys"`
	CreatedDate string   `json:"created_date"`
	BrowserURL  string   `json:"browser_url"`
}

type keyDoc struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	CreatedDate string  `json:"created_date"`
	RevokedDate *string `json:"revoked_date"`
}

func (h *Handler) consumerDoc(c *Consumer, slug string) consumerJSON {
	d := consumerJSON{Identifiers: api.Identifiers(c.ID), ID: c.ID, Community: c.CommunityID, Name: c.Name, Purpose: c.Purpose,
		Licence: c.Licence, Contact: c.Contact, Keys: []keyDoc{}, CreatedDate: api.Time(c.CreatedAt),
		BrowserURL: h.baseURL + "/c/" + slug + "/gateway/consumers/" + c.ID}
	for _, k := range c.Keys {
		d.Keys = append(d.Keys, keyDoc{ID: k.ID, Name: k.Name, CreatedDate: api.Time(k.CreatedAt), RevokedDate: api.TimePtr(k.RevokedAt)})
	}
	return d
}

func (h *Handler) apiConsumers(w http.ResponseWriter, r *http.Request) {
	com := h.organizes(w, r, r.URL.Query().Get("community"))
	if com == nil {
		return
	}
	cs, err := h.Store.Consumers(r.Context(), com.ID)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	out := []consumerJSON{}
	for _, c := range cs {
		full, err := h.Store.Consumer(r.Context(), c.ID)
		if err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
		out = append(out, h.consumerDoc(full, com.Slug))
	}
	api.JSON(w, http.StatusOK, map[string]any{"consumers": out})
}

type consumerBody struct {
	Community *string `json:"community"`
	Name      *string `json:"name"`
	Purpose   *string `json:"purpose"`
	Licence   *string `json:"licence"`
	Contact   *string `json:"contact"`
}

func (h *Handler) apiCreateConsumer(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body consumerBody
	if err := api.DecodeStrict(w, r, &body, &consumerJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	com := h.organizes(w, r, api.Value(body.Community))
	if com == nil {
		return
	}
	c, err := h.Store.CreateConsumer(r.Context(), com.ID, ConsumerInput{Name: api.Value(body.Name), Purpose: api.Value(body.Purpose),
		Licence: api.Value(body.Licence), Contact: api.Value(body.Contact)})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, h.consumerDoc(c, com.Slug))
}

// apiCreateKey answers the new key, the one time it is shown.
func (h *Handler) apiCreateKey(w http.ResponseWriter, r *http.Request) {
	c := h.consumerOfOrganizer(w, r)
	if c == nil {
		return
	}
	var body struct {
		Name *string `json:"name"`
	}
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	key, err := h.Store.CreateKey(r.Context(), c.ID, api.Value(body.Name))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	id, _, _ := strings.Cut(key, ".")
	api.JSON(w, http.StatusCreated, map[string]string{"id": id, "key": key})
}

func (h *Handler) apiRevokeKey(w http.ResponseWriter, r *http.Request) {
	c := h.consumerOfOrganizer(w, r)
	if c == nil {
		return
	}
	if err := h.Store.RevokeKey(r.Context(), c.ID, r.PathValue("key")); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.snaps.forget()
	w.WriteHeader(http.StatusNoContent)
}

type requestDoc struct {
	ID       string `json:"id"`
	Policy   string `json:"policy,omitempty"`
	Endpoint string `json:"endpoint"`
	Category string `json:"category"`
	Outcome  string `json:"outcome"`
	Reason   string `json:"reason,omitempty"`
	Items    int    `json:"items"`
	Members  int    `json:"members"`
	Date     string `json:"date"`
}

// apiRequests is the consumer's access log, newest first.
func (h *Handler) apiRequests(w http.ResponseWriter, r *http.Request) {
	c := h.consumerOfOrganizer(w, r)
	if c == nil {
		return
	}
	rs, err := h.Store.Requests(r.Context(), c.ID, 1000)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	out := make([]requestDoc, 0, len(rs))
	for _, q := range rs {
		out = append(out, requestDoc{ID: q.ID, Policy: q.PolicyID, Endpoint: q.Endpoint, Category: q.Category, Outcome: q.Outcome,
			Reason: q.Reason, Items: q.Items, Members: q.People, Date: api.Time(q.At)})
	}
	api.JSON(w, http.StatusOK, map[string]any{"requests": out})
}

func timeField(es *repertoire.Errors, field string, s *string) time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*s))
	if err != nil {
		*es = append(*es, repertoire.Invalid(field, "gateway.bad_time", nil))
	}
	return t
}

type policyBody struct {
	Community   *string  `json:"community"`
	Consumer    *string  `json:"consumer"`
	Categories  []string `json:"categories"`
	Level       *string  `json:"level"`
	MinGroup    *int     `json:"min_group"`
	RatePerMin  *int     `json:"rate_per_minute"`
	ItemsPerDay *int     `json:"items_per_day"`
	Purpose     *string  `json:"purpose"`
	StartsAt    *string  `json:"starts_at"`
	EndsAt      *string  `json:"ends_at"`
}

// apiProposePolicy proposes a policy; a decision of kind data_policy
// (POST /api/v1/decisions with data_policy) adopts it.
func (h *Handler) apiProposePolicy(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body policyBody
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	com := h.organizes(w, r, api.Value(body.Community))
	if com == nil {
		return
	}
	var es repertoire.Errors
	in := PolicyInput{ConsumerID: api.ParseID(api.Value(body.Consumer)), Categories: body.Categories, Level: api.Value(body.Level),
		MinGroup: api.Value(body.MinGroup), RatePerMin: api.Value(body.RatePerMin), ItemsPerDay: api.Value(body.ItemsPerDay),
		Purpose: api.Value(body.Purpose), StartsAt: timeField(&es, "starts_at", body.StartsAt), EndsAt: timeField(&es, "ends_at", body.EndsAt)}
	err := es.Err()
	var p *Policy
	if err == nil {
		p, err = h.Store.ProposePolicy(r.Context(), com.ID, in)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, policyDoc{ID: p.ID, Categories: p.Categories, Level: p.Level, MinGroup: p.MinGroup, RatePerMin: p.RatePerMin,
		ItemsPerDay: p.ItemsPerDay, Purpose: p.Purpose, StartsAt: api.Time(p.StartsAt), EndsAt: api.Time(p.EndsAt)})
}

type strikeBody struct {
	Community *string `json:"community"`
	Scope     *string `json:"scope"`
	Reason    *string `json:"reason"`
	StartsAt  *string `json:"starts_at"`
	EndsAt    *string `json:"ends_at"`
}

// apiProposeStrike proposes a data strike; a decision of kind data_strike
// calls it.
func (h *Handler) apiProposeStrike(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body strikeBody
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	com := h.organizes(w, r, api.Value(body.Community))
	if com == nil {
		return
	}
	var es repertoire.Errors
	in := StrikeInput{Scope: api.Value(body.Scope), Reason: api.Value(body.Reason), StartsAt: timeField(&es, "starts_at", body.StartsAt),
		EndsAt: timeField(&es, "ends_at", body.EndsAt)}
	err := es.Err()
	var s *Strike
	if err == nil {
		s, err = h.Store.ProposeStrike(r.Context(), com.ID, in)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, map[string]any{"id": s.ID, "scope": s.Scope, "reason": s.Reason, "starts_at": api.Time(s.StartsAt),
		"ends_at": api.Time(s.EndsAt)})
}
