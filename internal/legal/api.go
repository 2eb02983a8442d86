package legal

import (
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/participation"
	"repertoire/internal/store"
)

// The legal actions API: /api/v1/legal_actions (Repertoire's own
// resource, in OSDI style) with its public aggregate status, and
// /api/v1/legal_actions/{id}/enrolments (organizers: each enrolee's
// completeness; POST: the record helper).

type statusJSON struct {
	Requests   int `json:"requests"`
	InTime     int `json:"answered_in_time"`
	Late       int `json:"answered_late"`
	Incomplete int `json:"incomplete"`
	Overdue    int `json:"overdue"`
	Waiting    int `json:"waiting"`
}

type companyJSON struct {
	Target  string `json:"target"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Address string `json:"address"`
}

type actionJSON struct {
	Identifiers    []string    `json:"identifiers"`
	ID             string      `json:"id"`
	Slug           string      `json:"slug"`
	Kind           string      `json:"kind"`
	Title          string      `json:"title"`
	Description    string      `json:"description"`
	Campaign       string      `json:"campaign"`
	Questions      []string    `json:"questions"`
	Mandate        string      `json:"mandate"`
	MandateVersion int         `json:"mandate_version"`
	Company        companyJSON `json:"company"`
	Authority      string      `json:"authority"`
	Portability    bool        `json:"portability"`
	TotalEnrolled  int         `json:"total_enrolments"`
	Status         *statusJSON `json:"status"`
	Enrolment      string      `json:"enrolment_status"`      // open, or closed with its campaign
	ClosedDate     string      `json:"closed_date,omitempty"` // when its enrolment closed
	CreatedDate    string      `json:"created_date"`
	ModifiedDate   string      `json:"modified_date"`
	BrowserURL     string      `json:"browser_url"`
	Links          api.Links   `json:"_links"`
}

func (h *Handler) actionURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/legal_actions", append([]string{id}, rest...)...)
}

func (h *Handler) actionDoc(a *Action) actionJSON {
	doc := actionJSON{Identifiers: api.Identifiers(a.ID), ID: a.ID, Slug: a.Slug, Kind: a.Kind, Title: a.Title, Description: a.Description,
		Campaign: a.CampaignID, Questions: append([]string{}, a.Questions...), Mandate: a.Mandate, MandateVersion: a.MandateVersion,
		Company:   companyJSON{Target: a.Company.TargetID, Name: a.Company.Name, Email: a.Company.Email, Address: a.Company.Address},
		Authority: a.AuthorityID, Portability: a.Portability, TotalEnrolled: a.Counts.Total(), Enrolment: "open",
		CreatedDate: api.Time(a.CreatedAt), ModifiedDate: api.Time(a.ModifiedAt), BrowserURL: h.baseURL + a.Path(),
		Links: api.Links{
			"self":                               api.Link{Href: h.actionURL(a.ID)},
			"repertoire:campaign":                api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns", a.CampaignID)},
			"repertoire:enrolments":              api.Link{Href: h.actionURL(a.ID, "enrolments")},
			"repertoire:record_enrolment_helper": api.Link{Href: h.actionURL(a.ID, "enrolments")},
		}}
	if a.ClosedAt != nil {
		doc.Enrolment, doc.ClosedDate = "closed", api.Time(*a.ClosedAt)
	}
	if a.Requests() {
		s := a.Status
		doc.Status = &statusJSON{Requests: s.Requests, InTime: s.InTime, Late: s.Late, Incomplete: s.Incomplete, Overdue: s.Overdue, Waiting: s.Waiting}
	}
	return doc
}

type companyBody struct {
	Target  *string `json:"target"`
	Name    *string `json:"name"`
	Email   *string `json:"email"`
	Address *string `json:"address"`
}

type actionBody struct {
	Kind        *string      `json:"kind"`
	Title       *string      `json:"title"`
	Slug        *string      `json:"slug"`
	Description *string      `json:"description"`
	Campaign    *string      `json:"campaign"`
	Questions   *[]string    `json:"questions"`
	Mandate     *string      `json:"mandate"`
	Company     *companyBody `json:"company"`
	Authority   *string      `json:"authority"`
	Portability *bool        `json:"portability"`
}

// apply merges the body into in.
func (b actionBody) apply(in *Input) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Kind, b.Kind)
	set(&in.Title, b.Title)
	set(&in.Slug, b.Slug)
	set(&in.Description, b.Description)
	set(&in.Mandate, b.Mandate)
	set(&in.AuthorityID, b.Authority)
	if b.Questions != nil {
		in.Questions = *b.Questions
	}
	if b.Portability != nil {
		in.Portability = *b.Portability
	}
	if c := b.Company; c != nil {
		set(&in.Company.TargetID, c.Target)
		set(&in.Company.Name, c.Name)
		set(&in.Company.Email, c.Email)
		set(&in.Company.Address, c.Address)
	}
	in.Company.TargetID, in.AuthorityID = api.ParseID(strings.TrimSpace(in.Company.TargetID)), api.ParseID(strings.TrimSpace(in.AuthorityID))
}

// checkTargets refuses directory ids that name no target.
func (h *Handler) checkTargets(r *http.Request, in Input) error {
	var es repertoire.Errors
	for _, t := range []struct{ field, id string }{{"company.target", in.Company.TargetID}, {"authority", in.AuthorityID}} {
		if t.id == "" || h.targets == nil {
			continue
		}
		if _, err := h.targets.Get(r.Context(), t.id); err != nil {
			es = append(es, repertoire.Invalid(t.field, "legal.target_not_found", nil))
		}
	}
	return es.Err()
}

func (h *Handler) apiAction(w http.ResponseWriter, r *http.Request, organize bool) *Action {
	a, _ := campaign.LoadTactic(w, r, h.log, h.access, h.campaigns, h.Store.Get, func(a *Action) campaign.Parent { return a.Parent }, organize)
	return a
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	campaign.ServeTactics(w, r, h.log, h.campaigns, h.access, h.baseURL, "repertoire:legal_actions", h.Store.List, h.actionDoc)
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body actionBody
	if err := api.DecodeStrict(w, r, &body, &actionJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := campaign.Organized(r.Context(), h.campaigns, h.access, api.PrincipalID(r), api.Value(body.Campaign), "legal.campaign_not_found")
	var in Input
	body.apply(&in)
	if err == nil {
		err = in.normalize()
	}
	if err == nil {
		err = h.checkTargets(r, in)
	}
	var a *Action
	if err == nil {
		a, err = h.Store.Create(r.Context(), api.PrincipalID(r), c.ID, in, nil)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.actionDoc(a)
	w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, doc)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if a := h.apiAction(w, r, false); a != nil {
		api.JSON(w, http.StatusOK, h.actionDoc(a))
	}
}

// apiUpdate merges the body into the action; its campaign stays.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	a := h.apiAction(w, r, true)
	if a == nil {
		return
	}
	var body actionBody
	if err := api.DecodeStrict(w, r, &body, &actionJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var err error
	if body.Campaign != nil && api.ParseID(*body.Campaign) != a.CampaignID {
		err = repertoire.Invalid("campaign", "legal.campaign_fixed", nil)
	}
	in := Input{Kind: a.Kind, Title: a.Title, Slug: a.Slug, Description: a.Description, Questions: a.Questions, Mandate: a.Mandate,
		Company: a.Company, AuthorityID: a.AuthorityID, Portability: a.Portability}
	body.apply(&in)
	if err == nil {
		err = in.normalize()
	}
	if err == nil {
		err = h.checkTargets(r, in)
	}
	if err == nil {
		a, err = h.Store.Update(r.Context(), a, in)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.actionDoc(a))
}

type enrolmentJSON struct {
	Identifiers    []string        `json:"identifiers"`
	ID             string          `json:"id"`
	Status         string          `json:"status"`
	Name           string          `json:"name"`
	Email          string          `json:"email"`
	Answers        []string        `json:"answers"`
	MandateVersion int             `json:"mandate_version"`
	Files          int             `json:"files"`
	Completeness   map[string]bool `json:"completeness"`
	Complete       bool            `json:"complete"`
	Clock          string          `json:"clock"`
	SentDate       *string         `json:"sent_date"`
	DueDate        *string         `json:"due_date"`
	Extended       bool            `json:"extended"`
	Answer         string          `json:"answer"`
	CreatedDate    string          `json:"created_date"`
}

// apiEnrolments lists an action's enrolees for its organizers, with each
// one's completeness.
func (h *Handler) apiEnrolments(w http.ResponseWriter, r *http.Request) {
	a := h.apiAction(w, r, true)
	if a == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err == nil {
		_, err = api.ParseFilter(r)
	}
	var list []enrolee
	if err == nil {
		list, err = h.enroleesOf(r.Context(), a)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	now := store.Now()
	total := len(list)
	from := min(page.Offset(), total)
	to := min(from+page.PerPage, total)
	items := make([]enrolmentJSON, 0, to-from)
	for _, e := range list[from:to] {
		c := e.C
		items = append(items, enrolmentJSON{Identifiers: api.Identifiers(e.ParticipationID), ID: e.ParticipationID, Status: e.Status,
			Name: e.Name, Email: e.Email, Answers: append([]string{}, e.Answers...), MandateVersion: e.MandateVersion, Files: len(e.Files),
			Completeness: map[string]bool{"confirmed": c.Confirmed, "answers": c.Answers, "mandate": c.Mandate, "files": c.Files, "sent": c.Sent},
			Complete:     c.Complete(), Clock: e.Clock(now), SentDate: api.TimePtr(e.SentAt), DueDate: api.TimePtr(e.DueAt),
			Extended: e.Extended, Answer: e.Answer, CreatedDate: api.Time(e.CreatedAt)})
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:enrolments", items, total, page))
}

// apiEnrol is the record helper: an enrolment pending until the person
// confirms from the mailed link (the core's Record).
func (h *Handler) apiEnrol(w http.ResponseWriter, r *http.Request) {
	a := h.apiAction(w, r, false)
	if a == nil {
		return
	}
	org := false
	if pid := api.PrincipalID(r); pid != "" {
		var err error
		if org, err = h.communities.CanOrganize(r.Context(), a.CommunityID, pid); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	h.parts.Record(w, r, h.log, participation.Record{Kind: participation.Enrolment, ActionID: a.ID, Organizer: org,
		Unauthorized: repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized"),
		Forbidden:    repertoire.Errorf(repertoire.EFORBIDDEN, "legal.organizers_only"),
		Closed: func(imported bool) error {
			if imported { // mandates gathered elsewhere while it was open
				return nil
			}
			return a.Takes()
		},
		Links:  api.Links{"repertoire:legal_action": api.Link{Href: h.actionURL(a.ID)}},
		Fields: enrolmentFields})
}

// enrolmentFields are the fields of the record-enrolment helper's body:
// those of an OSDI signature (stored, or accepted and ignored), with the
// one consent an enrolment asks through the API; its answers, mandate and
// files are given on the enrolee's page.
var enrolmentFields = api.Known{
	// stored
	"person": nil, "comments": nil, "origin_system": nil,
	// ours
	"contact_ok": nil,
	// refused with their own message: a legal action takes no tags
	"add_tags": nil,
	// accepted and ignored
	"identifiers": nil, "created_date": nil, "modified_date": nil, "action_date": nil, "status": nil, "_links": nil,
	"triggers": nil, "referrer_data": {"source": nil, "referrer": nil, "website": nil, "url": nil}, "_embedded": nil,
}
