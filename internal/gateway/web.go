package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/vault"
	"repertoire/internal/web"
)

// place is the community of the URL as the viewer sees it.
type place struct {
	Community   *community.Community
	Role        string
	CanOrganize bool
}

func (h *Handler) locate(w http.ResponseWriter, r *http.Request) *place {
	ctx := r.Context()
	pid := web.ViewerID(r)
	c, err := h.communities.Get(ctx, r.PathValue("slug"))
	p := &place{Community: c}
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanView(ctx, c, pid); err == nil && !ok {
			err = errNotFound
		}
	}
	if err == nil {
		p.Role, err = h.communities.Role(ctx, c.ID, pid)
	}
	if err == nil {
		p.CanOrganize, err = h.communities.CanOrganize(ctx, c.ID, pid)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return nil
	}
	return p
}

// organizer locates the community and lets only its organizers through.
func (h *Handler) organizer(w http.ResponseWriter, r *http.Request) *place {
	if web.RequireViewer(w, r) == nil {
		return nil
	}
	p := h.locate(w, r)
	if p != nil && !p.CanOrganize {
		h.pages.Error(w, r, errOrganizersOnly)
		return nil
	}
	return p
}

// overviewData is the community's gateway page: its consumers, policies
// and strikes, and the organizers' forms.
type overviewData struct {
	*place
	Consumers    []*Consumer
	ConsumerName map[string]string
	Policies     []*Policy
	Strikes      []*Strike
	Joined       map[string]bool
	Now          time.Time
	Categories   []string
	Levels       []string
	Scopes       []string
	Consumer     *web.Form
	Policy       *web.Form
	Strike       *web.Form
	Checked      map[string]bool // the policy form's categories ticked
}

func (h *Handler) renderOverview(w http.ResponseWriter, r *http.Request, status int, p *place, d overviewData) {
	ctx := r.Context()
	d.place, d.Now, d.Categories, d.Levels, d.Scopes = p, store.Now(), vault.Categories, Levels, Scopes
	var err error
	if d.Consumers, err = h.Store.Consumers(ctx, p.Community.ID); err == nil {
		if d.Policies, err = h.Store.Policies(ctx, p.Community.ID); err == nil {
			if d.Strikes, err = h.Store.Strikes(ctx, p.Community.ID); err == nil {
				d.Joined, err = h.Store.Joined(ctx, web.ViewerID(r))
			}
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d.ConsumerName = map[string]string{}
	for _, c := range d.Consumers {
		d.ConsumerName[c.ID] = c.Name
	}
	for _, f := range []**web.Form{&d.Consumer, &d.Policy, &d.Strike} {
		if *f == nil {
			*f = web.NewForm(nil)
		}
	}
	if d.Policy.Values.Get("level") == "" && !d.Policy.HasErrors() {
		now := store.Now()
		d.Policy = web.NewForm(url.Values{"level": {LevelPseudonym}, "rate_per_min": {"60"}, "items_per_day": {"10000"},
			"min_group": {strconv.Itoa(DefaultMinGroup)}, "starts_at": {now.Format(formTime)}, "ends_at": {now.AddDate(1, 0, 0).Format(formTime)}})
	}
	if d.Strike.Values.Get("scope") == "" && !d.Strike.HasErrors() {
		now := store.Now()
		d.Strike = web.NewForm(url.Values{"scope": {ScopeMembers}, "starts_at": {now.Add(24 * time.Hour).Format(formTime)},
			"ends_at": {now.Add(8 * 24 * time.Hour).Format(formTime)}})
	}
	d.Checked = map[string]bool{}
	for _, c := range d.Policy.Values["categories"] {
		d.Checked[c] = true
	}
	h.pages.Render(w, r, status, "gateway_overview", web.Localizer(ctx).T("gateway.overview_title", "Community", p.Community.Name), d)
}

// formTime is how the forms' date and time fields read (UTC).
const formTime = "2006-01-02T15:04"

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	if p := h.locate(w, r); p != nil {
		h.renderOverview(w, r, http.StatusOK, p, overviewData{})
	}
}

func (h *Handler) createConsumer(w http.ResponseWriter, r *http.Request) {
	p := h.organizer(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	c, err := h.Store.CreateConsumer(r.Context(), p.Community.ID, ConsumerInput{Name: f.Get("name"), Purpose: f.Get("purpose"),
		Licence: f.Get("licence"), Contact: f.Get("contact")})
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderOverview(w, r, http.StatusUnprocessableEntity, p, overviewData{Consumer: f})
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/gateway/consumers/"+c.ID, "gateway.flash_consumer")
}

func parseTime(es *repertoire.Errors, f *web.Form, field string) time.Time {
	s := strings.TrimSpace(f.Get(field))
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(formTime, s)
	if err != nil {
		*es = append(*es, repertoire.Invalid(field, "gateway.bad_time", nil))
	}
	return t
}

func parseInt(es *repertoire.Errors, f *web.Form, field string) int {
	s := strings.TrimSpace(f.Get(field))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		*es = append(*es, repertoire.Invalid(field, "gateway.bad_number", map[string]any{"Max": MaxVolume}))
	}
	return n
}

func (h *Handler) createPolicy(w http.ResponseWriter, r *http.Request) {
	p := h.organizer(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	var es repertoire.Errors
	in := PolicyInput{ConsumerID: f.Get("consumer"), Categories: f.Values["categories"], Level: f.Get("level"),
		MinGroup: parseInt(&es, f, "min_group"), RatePerMin: parseInt(&es, f, "rate_per_min"), ItemsPerDay: parseInt(&es, f, "items_per_day"),
		Purpose: f.Get("purpose"), StartsAt: parseTime(&es, f, "starts_at"), EndsAt: parseTime(&es, f, "ends_at")}
	err := es.Err()
	var pol *Policy
	if err == nil {
		pol, err = h.Store.ProposePolicy(r.Context(), p.Community.ID, in)
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderOverview(w, r, http.StatusUnprocessableEntity, p, overviewData{Policy: f})
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/decisions/new?kind=data_policy&policy="+pol.ID, "gateway.flash_policy")
}

func (h *Handler) createStrike(w http.ResponseWriter, r *http.Request) {
	p := h.organizer(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	var es repertoire.Errors
	in := StrikeInput{Scope: f.Get("scope"), Reason: f.Get("reason"), StartsAt: parseTime(&es, f, "starts_at"), EndsAt: parseTime(&es, f, "ends_at")}
	err := es.Err()
	var s *Strike
	if err == nil {
		s, err = h.Store.ProposeStrike(r.Context(), p.Community.ID, in)
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderOverview(w, r, http.StatusUnprocessableEntity, p, overviewData{Strike: f})
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/decisions/new?kind=data_strike&strike="+s.ID, "gateway.flash_strike")
}

// joinStrike is a member joining a strike of those who join.
func (h *Handler) joinStrike(w http.ResponseWriter, r *http.Request) {
	if web.RequireViewer(w, r) == nil {
		return
	}
	p := h.locate(w, r)
	if p == nil {
		return
	}
	if _, ok := h.pages.Form(w, r); !ok {
		return
	}
	s, err := h.Store.Strike(r.Context(), r.PathValue("id"))
	if err == nil && s.CommunityID != p.Community.ID {
		err = errNotFound
	}
	if err == nil && p.Role == "" {
		err = repertoire.Errorf(repertoire.EFORBIDDEN, "gateway.members_only")
	}
	if err == nil {
		err = h.Store.JoinStrike(r.Context(), s.ID, web.ViewerID(r))
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/gateway", "gateway.flash_joined")
}

// consumerData is a consumer's page: its keys, policies and access log.
type consumerData struct {
	*place
	C        *Consumer
	Policies []*Policy
	Requests []Request
	NewKey   string // the key just made, shown this once
	Form     *web.Form
}

func (h *Handler) renderConsumer(w http.ResponseWriter, r *http.Request, status int, p *place, newKey string, f *web.Form) {
	ctx := r.Context()
	c, err := h.Store.Consumer(ctx, r.PathValue("id"))
	if err == nil && c.CommunityID != p.Community.ID {
		err = errNotFound
	}
	d := consumerData{place: p, C: c, NewKey: newKey, Form: f}
	if err == nil {
		if d.Policies, err = h.Store.ConsumerPolicies(ctx, c.ID); err == nil {
			d.Requests, err = h.Store.Requests(ctx, c.ID, 200)
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	if newKey != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	h.pages.Render(w, r, status, "gateway_consumer", c.Name, d)
}

func (h *Handler) consumerPage(w http.ResponseWriter, r *http.Request) {
	if p := h.organizer(w, r); p != nil {
		h.renderConsumer(w, r, http.StatusOK, p, "", web.NewForm(nil))
	}
}

// createKey makes a key and shows it on the consumer's page, this once.
func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	p := h.organizer(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	c, err := h.Store.Consumer(r.Context(), r.PathValue("id"))
	if err == nil && c.CommunityID != p.Community.ID {
		err = errNotFound
	}
	var key string
	if err == nil {
		key, err = h.Store.CreateKey(r.Context(), c.ID, f.Get("name"))
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderConsumer(w, r, http.StatusUnprocessableEntity, p, "", f)
		return
	}
	h.renderConsumer(w, r, http.StatusOK, p, key, web.NewForm(nil))
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	p := h.organizer(w, r)
	if p == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	c, err := h.Store.Consumer(r.Context(), r.PathValue("id"))
	if err == nil && c.CommunityID != p.Community.ID {
		err = errNotFound
	}
	// A revoked key opens nothing ever again, for a consumer that may be
	// mid-study: asked first.
	l := web.Localizer(r.Context())
	if err == nil && !h.pages.Confirmed(w, r, f, web.Confirmation{
		Question:     l.T("gateway.revoke_confirm", "Name", c.Name),
		Consequences: []string{l.T("gateway.revoke_consequence")},
		Button:       l.T("gateway.revoke"),
		Back:         "/c/" + p.Community.Slug + "/gateway/consumers/" + c.ID,
	}) {
		return
	}
	if err == nil {
		err = h.Store.RevokeKey(r.Context(), c.ID, r.PathValue("key"))
		h.snaps.forget()
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/c/"+p.Community.Slug+"/gateway/consumers/"+c.ID, "gateway.flash_revoked")
}

// memberData is "who read my data": every access to the member's data.
type memberData struct {
	Accesses []Access
}

func (h *Handler) memberPage(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	as, err := h.Store.PersonAccesses(r.Context(), web.ViewerID(r), 500)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.pages.Render(w, r, http.StatusOK, "gateway_accesses", web.Localizer(r.Context()).T("gateway.accesses_title"), memberData{Accesses: as})
}
