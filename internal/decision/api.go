package decision

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
)

// The decisions API: GET/POST /decisions, GET/PUT /decisions/{id} (PUT
// edits a draft, and opens or closes it with "status"), and
// /decisions/{id}/ballots: POST casts the token holder's ballot; GET lists
// an open ballot's votes with their voters, and a secret ballot's count
// only once closed.

type optionJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Role  string `json:"role"`
	Votes *int   `json:"votes"` // null while a secret ballot is open
}

type decisionJSON struct {
	Identifiers  []string     `json:"identifiers"`
	ID           string       `json:"id"`
	Community    string       `json:"community"`
	Title        string       `json:"title"`
	Body         string       `json:"body"`
	Kind         string       `json:"kind"`
	Campaign     *string      `json:"campaign"`
	Pledge       *string      `json:"pledge"`
	Policy       *string      `json:"data_policy"`
	Strike       *string      `json:"data_strike"`
	Threshold    string       `json:"threshold"`
	Quorum       int          `json:"quorum"`
	Secret       bool         `json:"secret"`
	Status       string       `json:"status"`
	Options      []optionJSON `json:"options"`
	OpensAt      *string      `json:"opens_at"`
	ClosesAt     string       `json:"closes_at"`
	OpenedDate   *string      `json:"opened_date"`
	ClosedDate   *string      `json:"closed_date"`
	Electorate   int          `json:"electorate"`
	Turnout      *int         `json:"turnout"` // null while a secret ballot is open
	Outcome      string       `json:"outcome"`
	Winner       *string      `json:"winner"`
	CreatedDate  string       `json:"created_date"`
	ModifiedDate string       `json:"modified_date"`
	BrowserURL   string       `json:"browser_url"`
	Links        api.Links    `json:"_links"`
}

func (h *Handler) decisionURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/decisions", append([]string{id}, rest...)...)
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *Handler) decisionDoc(d *Decision) decisionJSON {
	doc := decisionJSON{Identifiers: api.Identifiers(d.ID), ID: d.ID, Community: d.CommunityID, Title: d.Title, Body: d.Body, Kind: d.Kind,
		Campaign: optional(d.CampaignID), Pledge: optional(d.PledgeID), Policy: optional(d.PolicyID), Strike: optional(d.StrikeID),
		Threshold: d.Threshold, Quorum: d.Quorum, Secret: d.Secret,
		Status: d.Status, Options: []optionJSON{}, OpensAt: api.TimePtr(d.OpensAt), ClosesAt: api.Time(d.ClosesAt),
		OpenedDate: api.TimePtr(d.OpenedAt), ClosedDate: api.TimePtr(d.ClosedAt), Electorate: d.Electorate, Outcome: d.Outcome,
		Winner: optional(d.WinnerID), CreatedDate: api.Time(d.CreatedAt), ModifiedDate: api.Time(d.ModifiedAt),
		BrowserURL: h.baseURL + d.Path(),
		Links: api.Links{
			"self":                 api.Link{Href: h.decisionURL(d.ID)},
			"repertoire:ballots":   api.Link{Href: h.decisionURL(d.ID, "ballots")},
			"repertoire:comments":  api.Link{Href: h.decisionURL(d.ID, "comments")},
			"repertoire:community": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", d.CommunityID)},
		},
	}
	shown := d.ResultsShown()
	if shown {
		doc.Turnout = ptr(d.Turnout)
	}
	for _, o := range d.Options {
		oj := optionJSON{ID: o.ID, Label: o.Label, Role: o.Role}
		if shown {
			oj.Votes = ptr(o.Votes)
		}
		doc.Options = append(doc.Options, oj)
	}
	return doc
}

// decisionBody is what clients send; pointers tell absent fields from
// empty ones.
type decisionBody struct {
	Community *string         `json:"community"`
	Title     *string         `json:"title"`
	Body      *string         `json:"body"`
	Kind      *string         `json:"kind"`
	Campaign  *string         `json:"campaign"`
	Pledge    *string         `json:"pledge"`
	Policy    *string         `json:"data_policy"`
	Strike    *string         `json:"data_strike"`
	Threshold *string         `json:"threshold"`
	Quorum    *int            `json:"quorum"`
	Secret    *bool           `json:"secret"`
	Options   json.RawMessage `json:"options"` // labels when creating; a read document's options may be sent back
	OpensAt   *string         `json:"opens_at"`
	ClosesAt  *string         `json:"closes_at"`
	Status    *string         `json:"status"`
}

func parseTime(es *repertoire.Errors, field string, s *string) *time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*s))
	if err != nil {
		*es = append(*es, repertoire.Invalid(field, "decision.bad_time", nil))
		return nil
	}
	return &t
}

// apiDecision loads the decision of the URL for the caller: not found
// when they may not see its community; with organize, 401 without a
// token and 403 unless they run the community.
func (h *Handler) apiDecision(w http.ResponseWriter, r *http.Request, organize bool) *Decision {
	d, _ := campaign.Load(w, r, h.log, h.access, h.Store.Get, func(d *Decision) string { return d.CommunityID }, organize)
	return d
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	communityID, page, filter, err := campaign.ParseCommunityQuery(r, h.access, false)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := ListQuery{CommunityID: communityID, ViewerID: api.PrincipalID(r), Admin: api.IsAdmin(r), Filter: filter, Offset: page.Offset(), Limit: page.PerPage}
	list, total, err := h.Store.List(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]decisionJSON, 0, len(list))
	for _, d := range list {
		items = append(items, h.decisionDoc(d))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:decisions", items, total, page))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body decisionBody
	if err := api.DecodeStrict(w, r, &body, &decisionJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := campaign.OrganizedCommunity(r.Context(), h.access, api.PrincipalID(r), api.Value(body.Community), "decision.community_not_found")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	in := Input{Title: api.Value(body.Title), Body: api.Value(body.Body), Kind: api.Value(body.Kind), CampaignID: api.ParseID(api.Value(body.Campaign)),
		PledgeID: api.ParseID(api.Value(body.Pledge)), PolicyID: api.ParseID(api.Value(body.Policy)),
		StrikeID: api.ParseID(api.Value(body.Strike)), Threshold: api.Value(body.Threshold), Quorum: api.Value(body.Quorum),
		Secret: api.Value(body.Secret), OpensAt: parseTime(&es, "opens_at", body.OpensAt)}
	if len(body.Options) > 0 && json.Unmarshal(body.Options, &in.Options) != nil {
		es = append(es, repertoire.Invalid("options", "decision.options_labels", nil))
	}
	if t := parseTime(&es, "closes_at", body.ClosesAt); t != nil {
		in.ClosesAt = *t
	}
	if body.Status != nil && *body.Status != StatusDraft {
		es = append(es, repertoire.Invalid("status", "decision.status_new", nil))
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	d, err := h.Store.Create(r.Context(), api.PrincipalID(r), c.ID, in, time.Now())
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.decisionDoc(d)
	w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, doc)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if d := h.apiDecision(w, r, false); d != nil {
		api.JSON(w, http.StatusOK, h.decisionDoc(d))
	}
}

// apiUpdate edits a draft's title, body and dates; "status": "open" opens
// it now (the electorate is taken, the ballot links mailed), "closed"
// closes an open one now (counted, acted on). Other fields are fixed once
// created: the electorate was told what it votes on.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	d := h.apiDecision(w, r, true)
	if d == nil {
		return
	}
	var body decisionBody
	if err := api.DecodeStrict(w, r, &body, &decisionJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	// What cannot change may be sent back as it is (a document read with
	// GET); a different value is refused by name.
	var es repertoire.Errors
	differs := func(p *string, cur string, id bool) bool {
		if p == nil {
			return false
		}
		if id {
			return api.ParseID(*p) != cur
		}
		return *p != cur
	}
	var sent []optionJSON
	optionsDiffer := len(body.Options) > 0 && (json.Unmarshal(body.Options, &sent) != nil ||
		!slices.EqualFunc(sent, d.Options, func(a optionJSON, b Option) bool { return a.ID == b.ID }))
	for _, f := range []struct {
		name string
		set  bool
	}{{"community", differs(body.Community, d.CommunityID, true)}, {"kind", differs(body.Kind, d.Kind, false)},
		{"campaign", differs(body.Campaign, d.CampaignID, true)}, {"pledge", differs(body.Pledge, d.PledgeID, true)},
		{"data_policy", differs(body.Policy, d.PolicyID, true)}, {"data_strike", differs(body.Strike, d.StrikeID, true)},
		{"threshold", differs(body.Threshold, d.Threshold, false)}, {"quorum", body.Quorum != nil && *body.Quorum != d.Quorum},
		{"secret", body.Secret != nil && *body.Secret != d.Secret}, {"options", optionsDiffer}} {
		if f.set {
			es = append(es, repertoire.Invalid(f.name, "decision.field_fixed", nil))
		}
	}
	status := api.Value(body.Status)
	if status != "" && status != d.Status && status != StatusOpen && status != StatusClosed {
		es = append(es, repertoire.Invalid("status", "field.bad_choice", nil))
	}
	patch := Patch{Title: body.Title, Body: body.Body, OpensAt: parseTime(&es, "opens_at", body.OpensAt), ClosesAt: parseTime(&es, "closes_at", body.ClosesAt)}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	var err error
	if patch.changes(d) {
		d, err = h.Store.Update(r.Context(), d.ID, patch, time.Now())
	}
	if err == nil && status != "" && status != d.Status {
		if status == StatusOpen {
			d, err = h.Store.Open(r.Context(), d.ID)
		} else {
			d, err = h.Store.Close(r.Context(), d.ID)
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.decisionDoc(d))
}

type ballotBody struct {
	Option *string `json:"option"`
}

type ballotJSON struct {
	Option  *string   `json:"option"` // the choice, for an open ballot only
	Voted   bool      `json:"voted"`
	Voter   *string   `json:"voter,omitempty"`
	Name    string    `json:"name,omitempty"`
	VotedAt *string   `json:"voted_date,omitempty"`
	Links   api.Links `json:"_links"`
}

// apiCast casts the token holder's ballot, as an elector of the decision.
func (h *Handler) apiCast(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	d := h.apiDecision(w, r, false)
	if d == nil {
		return
	}
	var body ballotBody
	if err := api.DecodeStrict(w, r, &body, &ballotJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if api.Value(body.Option) == "" {
		api.Problem(w, r, h.log, repertoire.Invalid("option", "field.required", nil))
		return
	}
	d, err := h.Store.Cast(r.Context(), Ballot{DecisionID: d.ID, PersonID: api.PrincipalID(r), OptionID: api.ParseID(*body.Option)})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := ballotJSON{Voted: true, Links: api.Links{"repertoire:decision": api.Link{Href: h.decisionURL(d.ID)}}}
	if !d.Secret {
		doc.Option = body.Option
	}
	api.JSON(w, http.StatusCreated, doc)
}

// apiBallots lists an open ballot's votes with their voters to the
// community's members, and a secret ballot's options with their counts
// once it is closed (before that: 409).
func (h *Handler) apiBallots(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	d := h.apiDecision(w, r, false)
	if d == nil {
		return
	}
	if d.Secret {
		if !d.ResultsShown() {
			api.Problem(w, r, h.log, repertoire.Errorf(repertoire.ECONFLICT, "decision.tally_hidden"))
			return
		}
		api.JSON(w, http.StatusOK, h.decisionDoc(d))
		return
	}
	role, err := h.communities.Role(r.Context(), d.CommunityID, api.PrincipalID(r))
	if err == nil && role == "" && !api.IsAdmin(r) {
		err = errMembersOnly
	}
	var voters []Voter
	if err == nil {
		voters, err = h.Store.Voters(r.Context(), d)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := []ballotJSON{}
	for _, v := range voters {
		items = append(items, ballotJSON{Option: optional(v.OptionID), Voted: true, Voter: ptr(v.PersonID), Name: v.Name,
			VotedAt: api.TimePtr(v.VotedAt), Links: api.Links{"osdi:person": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", v.PersonID)}}})
	}
	total := len(items)
	start := min(page.Offset(), total)
	items = items[start:min(start+page.PerPage, total)]
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:ballots", items, total, page))
}

// commentJSON is a message of a decision's discussion; a message carries
// its replies (one level: a reply has none).
type commentJSON struct {
	Identifiers  []string      `json:"identifiers"`
	ID           string        `json:"id"`
	Body         string        `json:"body"`
	InReplyTo    *string       `json:"in_reply_to"`
	Name         string        `json:"name"`
	Replies      []commentJSON `json:"replies,omitempty"`
	CreatedDate  string        `json:"created_date"`
	ModifiedDate string        `json:"modified_date"`
	BrowserURL   string        `json:"browser_url"`
	Links        api.Links     `json:"_links"`
}

// commentBody is a new message, or with in_reply_to a reply to one.
type commentBody struct {
	Body      *string `json:"body"`
	InReplyTo *string `json:"in_reply_to"`
}

func (h *Handler) commentDoc(d *Decision, c Comment) commentJSON {
	doc := commentJSON{Identifiers: api.Identifiers(c.ID), ID: c.ID, Body: c.Body, InReplyTo: optional(c.ParentID), Name: c.Name,
		CreatedDate: api.Time(c.CreatedAt), ModifiedDate: api.Time(c.CreatedAt), BrowserURL: h.baseURL + d.Path() + "#comment-" + c.ID,
		Links: api.Links{"self": api.Link{Href: h.decisionURL(d.ID, "comments", c.ID)},
			"repertoire:decision": api.Link{Href: h.decisionURL(d.ID)},
			"osdi:person":         api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", c.PersonID)}}}
	if c.ParentID != "" {
		doc.Links["repertoire:in_reply_to"] = api.Link{Href: h.decisionURL(d.ID, "comments", c.ParentID)}
	}
	for _, r := range c.Replies {
		doc.Replies = append(doc.Replies, h.commentDoc(d, r))
	}
	return doc
}

// apiMember loads the decision of the URL for a member of its community
// (the discussion is theirs, as on the page): 401 without a token, 403
// for others; an administrator reads too when read.
func (h *Handler) apiMember(w http.ResponseWriter, r *http.Request, read bool) *Decision {
	if api.Require(w, r) == nil {
		return nil
	}
	d := h.apiDecision(w, r, false)
	if d == nil {
		return nil
	}
	role, err := h.communities.Role(r.Context(), d.CommunityID, api.PrincipalID(r))
	if err == nil && role == "" && !(read && api.IsAdmin(r)) {
		err = errMembersOnly
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil
	}
	return d
}

// apiComments lists a decision's discussion to its community's members:
// its messages, oldest first, each with its replies, filtered on the
// messages' created_date and paged by message.
func (h *Handler) apiComments(w http.ResponseWriter, r *http.Request) {
	d := h.apiMember(w, r, true)
	if d == nil {
		return
	}
	page, err := api.ParsePage(r)
	var f api.Filter
	if err == nil {
		f, err = api.ParseFilter(r)
	}
	var cs []Comment
	total := 0
	if err == nil {
		cs, total, err = h.Store.Comments(r.Context(), d.ID, f, page.PerPage, page.Offset())
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]commentJSON, 0, len(cs))
	for _, c := range cs {
		items = append(items, h.commentDoc(d, c))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:comments", items, total, page))
}

// apiComment reads one message of the discussion, with its replies.
func (h *Handler) apiComment(w http.ResponseWriter, r *http.Request) {
	d := h.apiMember(w, r, true)
	if d == nil {
		return
	}
	c, err := h.Store.Comment(r.Context(), d.ID, api.ParseID(r.PathValue("comment")))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.commentDoc(d, *c))
}

// apiAddComment posts the token holder's message, or with in_reply_to
// their reply to one, as a member of the community.
func (h *Handler) apiAddComment(w http.ResponseWriter, r *http.Request) {
	d := h.apiMember(w, r, false)
	if d == nil {
		return
	}
	if !h.comments.AllowKey(api.PrincipalID(r)) {
		api.Problem(w, r, h.log, repertoire.Errorf(repertoire.ERATELIMIT, "error.rate_limited"))
		return
	}
	var body commentBody
	if err := api.DecodeStrict(w, r, &body, &commentJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := h.Store.AddComment(r.Context(), d.ID, api.PrincipalID(r), api.Value(body.Body), api.ParseID(api.Value(body.InReplyTo)))
	if err == nil {
		c, err = h.Store.Comment(r.Context(), d.ID, c.ID)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, h.commentDoc(d, *c))
}
