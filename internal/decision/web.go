package decision

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/gateway"
	"repertoire/internal/pledge"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// place is the community of the URL, seen by the viewer: a private one is
// not found by outsiders.
type place struct {
	Community   *community.Community
	Role        string // the viewer's active role, "" for none
	CanOrganize bool
}

func (h *Handler) locate(w http.ResponseWriter, r *http.Request) *place {
	return h.locateCommunity(w, r, r.PathValue("slug"))
}

func (h *Handler) locateCommunity(w http.ResponseWriter, r *http.Request, idOrSlug string) *place {
	ctx := r.Context()
	pid := web.ViewerID(r)
	c, err := h.communities.Get(ctx, idOrSlug)
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
	if p.Role == "" {
		h.communities.NoteAdmin(ctx, c.ID)
	}
	return p
}

// decision is the decision of the URL, with its community as the viewer
// sees it (a private one's decisions are not found by outsiders).
func (h *Handler) decision(w http.ResponseWriter, r *http.Request) (*place, *Decision) {
	d, err := h.Store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Error(w, r, err)
		return nil, nil
	}
	p := h.locateCommunity(w, r, d.CommunityID)
	if p == nil {
		return nil, nil
	}
	return p, d
}

// organizer sends visitors to sign in and refuses others who do not run
// the community.
func (h *Handler) organizer(w http.ResponseWriter, r *http.Request, p *place) bool {
	if web.RequireViewer(w, r) == nil {
		return false
	}
	if !p.CanOrganize {
		h.pages.Error(w, r, errOrganizersOnly)
		return false
	}
	return true
}

type listData struct {
	*place
	Decisions []*Decision
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p := h.locate(w, r)
	if p == nil {
		return
	}
	ds, _, err := h.Store.List(r.Context(), ListQuery{CommunityID: p.Community.ID, Admin: true, Limit: 200})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "decision_list", web.Localizer(r.Context()).T("decision.list_title", "Community", p.Community.Name),
		listData{place: p, Decisions: ds})
}

// choice is a campaign or pledge offered by the new-decision form.
type choice struct{ ID, Title string }

type formData struct {
	*place
	Form       *web.Form
	Kinds      []string
	Thresholds []string
	Campaigns  []choice
	Pledges    []choice
	Policies   []choice // data policies proposed, not yet adopted
	Strikes    []choice // data strikes proposed, not yet called
}

func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, status int, p *place, f *web.Form) {
	d := formData{place: p, Form: f, Kinds: Kinds, Thresholds: Thresholds}
	cs, _, err := h.campaigns.List(r.Context(), campaign.ListQuery{CommunityID: p.Community.ID, Admin: true, Limit: 200})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, choice{c.ID, c.Title})
		if h.pledges == nil {
			continue
		}
		ps, _, err := h.pledges.List(r.Context(), pledge.ListQuery{CampaignID: c.ID, Admin: true, Limit: 200})
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		for _, pl := range ps {
			d.Pledges = append(d.Pledges, choice{pl.ID, c.Title + " — " + pl.Title})
		}
	}
	if h.gateway != nil {
		l := web.Localizer(r.Context())
		ps, err := h.gateway.Policies(r.Context(), p.Community.ID)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		names := map[string]string{}
		if cs, err := h.gateway.Consumers(r.Context(), p.Community.ID); err == nil {
			for _, c := range cs {
				names[c.ID] = c.Name
			}
		}
		for _, pol := range ps {
			if pol.AdoptedAt == nil {
				d.Policies = append(d.Policies, choice{pol.ID, names[pol.ConsumerID] + " — " + l.T("gateway.level."+pol.Level) + " — " +
					strings.Join(pol.Categories, ", ")})
			}
		}
		ss, err := h.gateway.Strikes(r.Context(), p.Community.ID)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		for _, s := range ss {
			if s.CalledAt == nil {
				d.Strikes = append(d.Strikes, choice{s.ID, l.T("gateway.scope."+s.Scope) + " — " + web.FormatDate(l.Lang, s.StartsAt) + " – " +
					web.FormatDate(l.Lang, s.EndsAt)})
			}
		}
	}
	h.pages.Render(w, r, status, "decision_new", web.Localizer(r.Context()).T("decision.new_title"), d)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	p := h.locate(w, r)
	if p == nil || !h.organizer(w, r, p) {
		return
	}
	// The gateway's pages link here with the policy or strike to vote on.
	q := r.URL.Query()
	kind := KindOther
	if k := q.Get("kind"); k == KindDataPolicy || k == KindDataStrike {
		kind = k
	}
	h.renderForm(w, r, http.StatusOK, p, web.NewForm(url.Values{"threshold": {Majority}, "kind": {kind},
		"policy": {q.Get("policy")}, "strike": {q.Get("strike")},
		"closes_at": {store.Now().Add(7 * 24 * time.Hour).Format(formTime)}}))
}

// formTime is how the form's date and time fields read (UTC).
const formTime = "2006-01-02T15:04"

func formInput(f *web.Form) (Input, error) {
	var es repertoire.Errors
	in := Input{Title: f.Get("title"), Body: f.Get("body"), Kind: f.Get("kind"), CampaignID: f.Get("campaign"), PledgeID: f.Get("pledge"),
		PolicyID: f.Get("policy"), StrikeID: f.Get("strike"),
		Threshold: f.Get("threshold"), Secret: f.Get("secret") != ""}
	if q := strings.TrimSpace(f.Get("quorum")); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			es = append(es, repertoire.Invalid("quorum", "decision.bad_quorum", nil))
		}
		in.Quorum = n
	}
	for _, l := range strings.Split(f.Get("options"), "\n") {
		in.Options = append(in.Options, strings.TrimSpace(l))
	}
	if s := strings.TrimSpace(f.Get("opens_at")); s != "" {
		t, err := time.Parse(formTime, s)
		if err != nil {
			es = append(es, repertoire.Invalid("opens_at", "decision.bad_time", nil))
		} else {
			in.OpensAt = &t
		}
	}
	if s := strings.TrimSpace(f.Get("closes_at")); s != "" {
		t, err := time.Parse(formTime, s)
		if err != nil {
			es = append(es, repertoire.Invalid("closes_at", "decision.bad_time", nil))
		} else {
			in.ClosesAt = t
		}
	}
	return in, es.Err()
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	p := h.locate(w, r)
	if p == nil || !h.organizer(w, r, p) {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in, err := formInput(f)
	var d *Decision
	if err == nil {
		d, err = h.Store.Create(r.Context(), web.ViewerID(r), p.Community.ID, in, store.Now())
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderForm(w, r, http.StatusUnprocessableEntity, p, f)
		return
	}
	web.Redirect(w, r, d.Path(), "decision.flash_created")
}

type showData struct {
	*place
	D        *Decision
	Elector  *Elector // the viewer's place in the electorate, nil when none
	Voters   []Voter  // an open ballot's votes, for members
	Comments []Comment
	Form     *web.Form // the comment form
	Reply    *web.Form // the reply form of the message ReplyTo, shown open
	ReplyTo  string
	Vote     *web.Form
	// What a data policy or data strike decision would adopt or call.
	Policy          *gateway.Policy
	ConsumerName    string
	ConsumerPurpose string
	Strike          *gateway.Strike
}

// OptionLabel names an option in the reader's language.
func (d showData) OptionLabel(p *web.Page, id string) string {
	if o := d.D.Option(id); o != nil {
		return label(p, *o)
	}
	return ""
}

func label(p *web.Page, o Option) string {
	if o.Label != "" {
		return o.Label
	}
	return p.T("decision.option." + o.Role)
}

// Percent is an option's share of the ballots cast, abstentions included.
func (d showData) Percent(o Option) int {
	total := 0
	for _, x := range d.D.Options {
		total += x.Votes
	}
	if total == 0 {
		return 0
	}
	return o.Votes * 100 / total
}

func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, p *place, d *Decision, comment, vote *web.Form) {
	ctx := r.Context()
	data := showData{place: p, D: d, Form: comment, Vote: vote, Reply: web.NewForm(nil)}
	if data.ReplyTo = comment.Get("parent"); data.ReplyTo != "" {
		data.Form, data.Reply = web.NewForm(nil), comment
	}
	var err error
	if data.Elector, err = h.Store.ElectorOf(ctx, d.ID, web.ViewerID(r)); err == nil && p.Role != "" {
		if data.Voters, err = h.Store.Voters(ctx, d); err == nil {
			data.Comments, _, err = h.Store.Comments(ctx, d.ID, api.Filter{}, 0, 0)
		}
	}
	if err == nil && h.gateway != nil && d.PolicyID != "" {
		if data.Policy, err = h.gateway.Policy(ctx, d.PolicyID); err == nil {
			var c *gateway.Consumer
			if c, err = h.gateway.Consumer(ctx, data.Policy.ConsumerID); err == nil {
				data.ConsumerName, data.ConsumerPurpose = c.Name, c.Purpose
			}
		}
	}
	if err == nil && h.gateway != nil && d.StrikeID != "" {
		data.Strike, err = h.gateway.Strike(ctx, d.StrikeID)
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, status, "decision_show", d.Title, data)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	if p, d := h.decision(w, r); d != nil {
		h.renderShow(w, r, http.StatusOK, p, d, web.NewForm(nil), web.NewForm(nil))
	}
}

// vote is a signed-in elector's ballot.
func (h *Handler) vote(w http.ResponseWriter, r *http.Request) {
	if web.RequireViewer(w, r) == nil {
		return
	}
	p, d := h.decision(w, r)
	if d == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	_, err := h.Store.Cast(r.Context(), Ballot{DecisionID: d.ID, PersonID: web.ViewerID(r), OptionID: f.Get("option")})
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderShow(w, r, http.StatusUnprocessableEntity, p, d, web.NewForm(nil), f)
		return
	}
	web.Redirect(w, r, d.Path(), "decision.flash_voted")
}

// comment adds a member's message to the discussion, or their reply to
// one (parent).
func (h *Handler) comment(w http.ResponseWriter, r *http.Request) {
	if web.RequireViewer(w, r) == nil {
		return
	}
	p, d := h.decision(w, r)
	if d == nil {
		return
	}
	if p.Role == "" {
		h.pages.Error(w, r, errMembersOnly)
		return
	}
	if !h.comments.Allow(r) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ERATELIMIT, "error.rate_limited"))
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	c, err := h.Store.AddComment(r.Context(), d.ID, web.ViewerID(r), f.Get("body"), f.Get("parent"))
	if err != nil {
		// A reply to no message of this decision is a form not of this
		// page: the error page says so.
		var e *repertoire.Error
		if errors.As(err, &e) && e.Field == "in_reply_to" || !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderShow(w, r, http.StatusUnprocessableEntity, p, d, f, web.NewForm(nil))
		return
	}
	web.Redirect(w, r, d.Path()+"#comment-"+c.ID, "decision.flash_commented")
}

func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	h.organize(w, r, h.Store.Open, "decision.flash_opened")
}

func (h *Handler) close(w http.ResponseWriter, r *http.Request) {
	h.organize(w, r, h.Store.Close, "decision.flash_closed")
}

func (h *Handler) organize(w http.ResponseWriter, r *http.Request, act func(context.Context, string) (*Decision, error), flash string) {
	p, d := h.decision(w, r)
	if d == nil || !h.organizer(w, r, p) {
		return
	}
	if _, err := act(r.Context(), d.ID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, d.Path(), flash)
}

type ballotData struct {
	D       *Decision
	Elector *Elector
	Link    string
	Form    *web.Form
}

// OptionLabel names an option in the reader's language.
func (d ballotData) OptionLabel(p *web.Page, o Option) string { return label(p, o) }

// ballotPage is the mailed link's page: the options and a button (mail
// scanners open links; only the POST votes), or, once used, "you voted".
// It works signed out, even in a private community: the link is the
// elector's proof.
func (h *Handler) ballotPage(w http.ResponseWriter, r *http.Request) {
	d, e, err := h.Store.ByLink(r.Context(), r.PathValue("token"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "decision_ballot", d.Title, ballotData{D: d, Elector: e, Link: r.PathValue("token"), Form: web.NewForm(nil)})
}

func (h *Handler) ballotVote(w http.ResponseWriter, r *http.Request) {
	if !h.ballots.Allow(r) {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.ERATELIMIT, "error.rate_limited"))
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	link := r.PathValue("token")
	if _, err := h.Store.Cast(r.Context(), Ballot{Link: link, OptionID: f.Get("option")}); err != nil {
		d, e, lerr := h.Store.ByLink(r.Context(), link)
		if lerr != nil || !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "decision_ballot", d.Title, ballotData{D: d, Elector: e, Link: link, Form: f})
		return
	}
	web.Redirect(w, r, "/vote/"+link, "decision.flash_voted")
}
