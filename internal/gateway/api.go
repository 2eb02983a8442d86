package gateway

import (
	"context"
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
	"repertoire/internal/vault"
	"repertoire/internal/web"
)

// The consumer API: /gateway/v1, key-authenticated (Authorization: Bearer
// <key>), described by openapi.json. Every request is decided, allowed or
// denied with its reason, and recorded (history.go).

//go:embed openapi.json
var openAPIDoc []byte

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
}

func (h *Handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	api.Problem(w, r, h.log, errNotFound)
}

// problem is the gateway's problem document: RFC 9457 with the reason a
// request was denied and, for a strike, the decision that called it and
// when it ends.
type problem struct {
	api.ProblemBody
	Reason   string `json:"reason,omitempty"`
	Decision string `json:"decision,omitempty"`
	Until    string `json:"until,omitempty"`
}

var (
	errNoPolicy  = repertoire.Errorf(repertoire.EFORBIDDEN, "gateway.denied.no_policy")
	errNoConsent = repertoire.Errorf(repertoire.EFORBIDDEN, "gateway.denied.no_consent")
	errOverLimit = repertoire.Errorf(repertoire.ERATELIMIT, "gateway.denied.over_limit")
	errStrike    = repertoire.Errorf(repertoire.EUNAVAILABLE, "gateway.denied.strike")
)

var reasons = map[string]*repertoire.Error{ReasonNoPolicy: errNoPolicy, ReasonNoConsent: errNoConsent, ReasonOverLimit: errOverLimit,
	ReasonStrike: errStrike}

// consumer authenticates the request's key and returns its consumer and
// adopted policies, or answers 401.
func (h *Handler) consumer(w http.ResponseWriter, r *http.Request) (*Consumer, []*Policy) {
	key := api.Token(r)
	if key == "" {
		api.Problem(w, r, h.log, errBadKey)
		return nil, nil
	}
	c, ps, err := h.consumerOf(r.Context(), key)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, nil
	}
	return c, ps
}

// deny records a denied request and answers its problem.
func (h *Handler) deny(w http.ResponseWriter, r *http.Request, rec *record, reason string, strike *Strike) {
	rec.req.Outcome, rec.req.Reason, rec.req.Items, rec.req.People = Denied, reason, 0, 0
	rec.accesses = nil
	if !h.NoHistory {
		if err := h.history.write(r.Context(), rec); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	h.denied(w, r, reason, strike)
}

func (h *Handler) denied(w http.ResponseWriter, r *http.Request, reason string, strike *Strike) {
	doc := problem{ProblemBody: api.ProblemOf(r, reasons[reason]), Reason: reason}
	if strike != nil {
		doc.Title = web.Localizer(r.Context()).T("gateway.strike_title")
		doc.Decision = api.URL(h.baseURL, "/decisions/"+strike.DecisionID)
		doc.Until = api.Time(strike.EndsAt)
		secs := int(time.Until(strike.EndsAt).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		w.Header().Set("Link", "<"+doc.Decision+`>; rel="related"`)
	}
	api.WriteProblem(w, doc.Status, doc)
}

// policyFor is the policy in force at t that covers the category at one
// of the levels, nil when none does.
func policyFor(ps []*Policy, category string, t time.Time, levels ...string) *Policy {
	for _, p := range ps {
		if p.InForce(t) && p.Covers(category) && slices.Contains(levels, p.Level) {
			return p
		}
	}
	return nil
}

// request is what the two data endpoints share before serving: the key,
// the category, the policy, the rate, the strike of the whole community.
// It answers and returns nil when the request stops there.
func (h *Handler) request(w http.ResponseWriter, r *http.Request, endpoint string, levels ...string) (*record, *Policy, *Consumer) {
	c, ps := h.consumer(w, r)
	if c == nil {
		return nil, nil, nil
	}
	ctx := r.Context()
	category := r.URL.Query().Get("category")
	if !vault.ValidCategory(category) {
		api.Problem(w, r, h.log, repertoire.Invalid("category", "gateway.category_unknown", nil))
		return nil, nil, nil
	}
	now := store.Now()
	rec := &record{req: Request{ID: store.NewID(), ConsumerID: c.ID, Endpoint: endpoint, Category: category, Outcome: Allowed},
		communityID: c.CommunityID}
	p := policyFor(ps, category, now, levels...)
	if p == nil {
		h.deny(w, r, rec, ReasonNoPolicy, nil)
		return nil, nil, nil
	}
	rec.req.PolicyID = p.ID
	var err error
	if rec.state, err = h.strikes.state(ctx, c.CommunityID); err != nil {
		api.Problem(w, r, h.log, err)
		return nil, nil, nil
	}
	if s := rec.state.blocking(now); s != nil {
		h.deny(w, r, rec, ReasonStrike, s)
		return nil, nil, nil
	}
	rec.policy = p
	if h.history.overRate(p, now) {
		h.deny(w, r, rec, ReasonOverLimit, nil)
		return nil, nil, nil
	}
	return rec, p, c
}

// members are the community's active members not on a strike at t: the
// people whose data may be served, consent aside.
func (h *Handler) members(ctx context.Context, rec *record, t time.Time) ([]string, error) {
	ids, err := h.activeMembers(ctx, rec.communityID)
	if err != nil {
		return nil, err
	}
	kept := make([]string, 0, len(ids))
	for _, id := range ids {
		if rec.state.striking(id, t) == nil {
			kept = append(kept, id)
		}
	}
	return kept, nil
}

// sharing are the members who share the request's category under p now
// (Handler.sharers), less those on a strike at t, sorted, and the vault's
// sharing version they hold at.
func (h *Handler) sharing(ctx context.Context, rec *record, p *Policy, t time.Time) ([]string, int64, error) {
	all, err := h.activeMembers(ctx, rec.communityID)
	if err != nil {
		return nil, 0, err
	}
	if len(all) == 0 {
		return nil, 0, nil
	}
	sharers, version, err := h.sharers(ctx, p, all, rec.req.Category)
	if err != nil {
		return nil, 0, err
	}
	kept := make([]string, 0, len(sharers))
	for _, id := range sharers {
		if rec.state.striking(id, t) == nil {
			kept = append(kept, id)
		}
	}
	return kept, version, nil
}

// finish records an allowed request and tells whether it may be answered:
// a strike its transaction saw denies it after all, and so do its
// policy's limits as every instance counted them. A strike of the
// members who joined it is answered only when retry is false (the caller
// tries again without the strikers otherwise).
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, rec *record, retry bool) bool {
	if h.NoHistory {
		return true
	}
	if err := h.history.write(r.Context(), rec); err != nil {
		api.Problem(w, r, h.log, err)
		return false
	}
	if rec.strike != nil && !(retry && rec.strike.Scope == ScopeJoined) {
		h.denied(w, r, ReasonStrike, rec.strike)
		return false
	}
	if rec.strike == nil && rec.req.Outcome == Denied {
		h.denied(w, r, rec.req.Reason, nil)
		return false
	}
	return rec.strike == nil
}

// itemDoc is one item as a consumer reads it.
type itemDoc struct {
	ID       string `json:"id"`
	Person   string `json:"person"`
	Category string `json:"category"`
	Source   string `json:"source"`
	Kind     string `json:"kind"`
	Time     string `json:"time,omitempty"`
	Data     any    `json:"data"`
}

// ItemsPage is the answer of /gateway/v1/items.
type ItemsPage struct {
	Policy string    `json:"policy"`
	Level  string    `json:"level"`
	Items  []itemDoc `json:"items"`
	Next   string    `json:"next,omitempty"`
}

// WriteItems writes the items as a consumer reads them at the policy's
// level: at the pseudonymized level each owner is named by the consumer's
// HMAC of their id.
func WriteItems(w http.ResponseWriter, c *Consumer, p *Policy, items []vault.Item, limit int) {
	page := ItemsPage{Policy: p.ID, Level: p.Level, Items: make([]itemDoc, len(items))}
	for i, it := range items {
		person := it.PersonID
		if p.Level == LevelPseudonym {
			person = c.Pseudonym(it.PersonID)
		}
		d := itemDoc{ID: it.ID, Person: person, Category: it.Category, Source: it.Source, Kind: it.Kind, Data: it.Data}
		if !it.Time.IsZero() {
			d.Time = api.Time(it.Time)
		}
		page.Items[i] = d
	}
	if len(items) == limit && limit > 0 {
		page.Next = items[len(items)-1].ID
	}
	api.JSON(w, http.StatusOK, page)
}

const defaultLimit, maxLimit = 100, 1000

func (h *Handler) apiItems(w http.ResponseWriter, r *http.Request) {
	limit := defaultLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			api.Problem(w, r, h.log, repertoire.Invalid("limit", "gateway.bad_limit", map[string]any{"Max": maxLimit}))
			return
		}
		limit = n
	}
	rec, p, c := h.request(w, r, "items", LevelItem, LevelPseudonym)
	if rec == nil {
		return
	}
	// A member joined a strike since this instance last heard: their data
	// is left out and the items read again, once, from the strikes as the
	// database has them.
	for try := 0; ; try++ {
		items, ok := h.items(w, r, rec, p, c, limit)
		if !ok {
			return
		}
		if h.finish(w, r, rec, try == 0) {
			WriteItems(w, c, p, items, limit)
			return
		}
		if rec.strike == nil || rec.strike.Scope != ScopeJoined || try > 0 {
			return // answered
		}
		h.strikes.changed(c.CommunityID)
		state, err := h.strikes.state(r.Context(), c.CommunityID)
		if err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
		rec = &record{req: Request{ID: store.NewID(), ConsumerID: c.ID, PolicyID: p.ID, Endpoint: rec.req.Endpoint, Category: rec.req.Category,
			Outcome: Allowed}, communityID: c.CommunityID, policy: p, state: state}
	}
}

// items reads the page of items the request may serve and notes each
// member's access in rec; false when it answered a denial.
func (h *Handler) items(w http.ResponseWriter, r *http.Request, rec *record, p *Policy, c *Consumer, limit int) ([]vault.Item, bool) {
	ctx := r.Context()
	now := store.Now()
	used, err := h.used(ctx, p.ID, now)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, false
	}
	if used >= p.ItemsPerDay {
		h.deny(w, r, rec, ReasonOverLimit, nil)
		return nil, false
	}
	limit = min(limit, p.ItemsPerDay-used)
	after := r.URL.Query().Get("after")
	// Who shares the category now, as kept at the vault's version, less
	// the strikers; their page read only while that version holds.
	sharers, version, err := h.sharing(ctx, rec, p, now)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil, false
	}
	if len(sharers) == 0 && after == "" {
		h.deny(w, r, rec, ReasonNoConsent, nil)
		return nil, false
	}
	var items []vault.Item
	fast := false
	if len(sharers) > 0 {
		if items, fast, err = h.vault.SharedAmong(ctx, version, sharers, rec.req.Category, after, limit); err != nil {
			api.Problem(w, r, h.log, err)
			return nil, false
		}
	}
	// The version moved, or no item was left: read as the vault decides
	// per row.
	var people []string
	if !fast {
		if people, err = h.members(ctx, rec, now); err != nil {
			api.Problem(w, r, h.log, err)
			return nil, false
		}
	}
	if !fast && len(people) > 0 {
		if items, err = h.vault.SharedWith(ctx, p.ID, people, []string{rec.req.Category}, after, limit); err != nil {
			api.Problem(w, r, h.log, err)
			return nil, false
		}
	}
	if len(items) == 0 && after == "" {
		// Nothing at all: is it that nobody of the community shares the
		// category?
		counts := map[string]int{}
		if len(people) > 0 {
			if counts, err = h.vault.SharingWith(ctx, p.ID, people, []string{rec.req.Category}); err != nil {
				api.Problem(w, r, h.log, err)
				return nil, false
			}
		}
		if counts[rec.req.Category] == 0 {
			h.deny(w, r, rec, ReasonNoConsent, nil)
			return nil, false
		}
	}
	byPerson := map[string]int{}
	for _, it := range items {
		i, ok := byPerson[it.PersonID]
		if !ok {
			i = len(rec.accesses)
			byPerson[it.PersonID] = i
			rec.accesses = append(rec.accesses, Access{RequestID: rec.req.ID, PersonID: it.PersonID, ConsumerID: c.ID,
				PolicyID: p.ID, Category: rec.req.Category})
		}
		a := &rec.accesses[i]
		a.ItemIDs = append(a.ItemIDs, it.ID)
		a.Items++
	}
	rec.req.Items, rec.req.People = len(items), len(rec.accesses)
	return items, true
}

// AggregatesDoc is the answer of /gateway/v1/aggregates: how many members
// share the category, when at least the policy's minimum group do.
type AggregatesDoc struct {
	Policy     string `json:"policy"`
	Category   string `json:"category"`
	People     *int   `json:"people"`
	MinGroup   int    `json:"min_group"`
	Suppressed bool   `json:"suppressed"`
}

// apiAggregates answers counts. The members counted are named in the
// history (a set written once and named by each request that counts the
// same members), so each sees the aggregate on their access page.
func (h *Handler) apiAggregates(w http.ResponseWriter, r *http.Request) {
	rec, p, _ := h.request(w, r, "aggregates", LevelAggregate)
	if rec == nil {
		return
	}
	counted, _, err := h.sharing(r.Context(), rec, p, store.Now())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	n := len(counted)
	doc := AggregatesDoc{Policy: p.ID, Category: rec.req.Category, MinGroup: p.MinGroup}
	if n >= p.MinGroup {
		doc.People = &n
		rec.req.People = n
		rec.counted = counted
	} else {
		doc.Suppressed = true // a count not given reads nobody's data
	}
	if !h.finish(w, r, rec, false) {
		return
	}
	api.JSON(w, http.StatusOK, doc)
}

// policyDoc is a policy as its consumer reads it.
type policyDoc struct {
	ID          string   `json:"id"`
	Categories  []string `json:"categories"`
	Level       string   `json:"level"`
	MinGroup    int      `json:"min_group,omitempty"`
	RatePerMin  int      `json:"rate_per_minute"`
	ItemsPerDay int      `json:"items_per_day"`
	Purpose     string   `json:"purpose"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	Decision    string   `json:"decision"`
}

// apiPolicies lists the consumer's adopted policies: what it may ask.
func (h *Handler) apiPolicies(w http.ResponseWriter, r *http.Request) {
	c, ps := h.consumer(w, r)
	if c == nil {
		return
	}
	out := make([]policyDoc, 0, len(ps))
	for _, p := range ps {
		out = append(out, policyDoc{ID: p.ID, Categories: p.Categories, Level: p.Level, MinGroup: p.MinGroup, RatePerMin: p.RatePerMin,
			ItemsPerDay: p.ItemsPerDay, Purpose: p.Purpose, StartsAt: api.Time(p.StartsAt), EndsAt: api.Time(p.EndsAt),
			Decision: api.URL(h.baseURL, "/decisions/"+p.DecisionID)})
	}
	api.JSON(w, http.StatusOK, map[string]any{"consumer": c.Name, "policies": out})
}

// Run keeps this instance's knowledge of strikes current until ctx ends.
func (h *Handler) Run(ctx context.Context) error { return h.strikes.run(ctx) }
