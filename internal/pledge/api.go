package pledge

import (
	"context"
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/participation"
	"repertoire/internal/tag"
	"repertoire/internal/web"
)

// The pledges API, in OSDI style: a pledge document carries its status,
// threshold, maintained total_commitments, deadline and window; the
// record-commitment helper is POST /pledges/{id}/commitments, shaped like
// OSDI's record-signature helper.

type complianceJSON struct {
	Held  int  `json:"held"`
	Broke int  `json:"broke"`
	Rate  *int `json:"rate"` // percent who held the line; null before any answer
}

type pledgeJSON struct {
	Identifiers []string `json:"identifiers"`
	ID          string   `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Action      string   `json:"action"`
	Description string   `json:"description"`
	// Language is the one title, action and description are in (the
	// campaign's); Translations the others', keyed by BCP 47 tag.
	Language         string            `json:"language"`
	Translations     i18n.Translations `json:"translations"`
	Campaign         string            `json:"campaign"`
	Status           string            `json:"status"`
	Threshold        int               `json:"threshold"`
	TotalCommitments int               `json:"total_commitments"`
	TotalImported    int               `json:"total_imported"`
	Deadline         string            `json:"deadline"`
	WindowStart      string            `json:"window_start"`
	WindowEnd        string            `json:"window_end"`      // the instant the window closes
	WindowLastDay    string            `json:"window_last_day"` // its last day, as pages and mails show it (Pledge.LastDay)
	ActivatedDate    *string           `json:"activated_date"`
	Compliance       complianceJSON    `json:"compliance"`
	CreatedDate      string            `json:"created_date"`
	ModifiedDate     string            `json:"modified_date"`
	OriginSystem     string            `json:"origin_system"`
	BrowserURL       string            `json:"browser_url"`
	// SetAside is the integrity review's figure: commitments held for
	// review or invalidated, by general reason.
	SetAside map[string]any `json:"set_aside,omitempty"`
	// History is what changed since it was published, oldest first, as
	// its page shows it (in the document of one pledge, not in lists).
	History *[]changeJSON `json:"history,omitempty"`
	Links   api.Links     `json:"_links"`
}

// changeJSON is one entry of a pledge's history: the field that changed
// (threshold, deadline, window, action; published and closed carry no
// values), its values before and after as stored (a window is
// "first day/last day"), and the sentence its page shows, in the
// request's language (Accept-Language).
type changeJSON struct {
	Field    string `json:"field"`
	OldValue string `json:"old_value,omitempty"`
	NewValue string `json:"new_value,omitempty"`
	Date     string `json:"date"`
	Text     string `json:"text"`
}

// withHistory adds the pledge's history to its document.
func (h *Handler) withHistory(r *http.Request, d *pledgeJSON, p *Pledge) error {
	changes, err := h.Store.History(r.Context(), p.ID)
	if err != nil {
		return err
	}
	l := web.Localizer(r.Context())
	out := make([]changeJSON, len(changes))
	for i, c := range changes {
		out[i] = changeJSON{Field: c.Field, OldValue: c.Old, NewValue: c.New, Date: api.Time(c.At), Text: changeSentence(l, c)}
	}
	d.History = &out
	return nil
}

// one answers the document of one pledge, with its set-aside figure and
// its history.
func (h *Handler) one(w http.ResponseWriter, r *http.Request, status int, p *Pledge) {
	docs, err := h.pledgeDocs(r.Context(), []*Pledge{p})
	if err == nil {
		err = h.withHistory(r, &docs[0], p)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", docs[0].Links["self"].(api.Link).Href)
	}
	api.JSON(w, status, docs[0])
}

func (h *Handler) pledgeURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/pledges", append([]string{id}, rest...)...)
}

// pledgeDocs are the documents of pledges with their set-aside figures,
// read at once.
func (h *Handler) pledgeDocs(ctx context.Context, list []*Pledge) ([]pledgeJSON, error) {
	var asides map[string]integrity.Aside
	if h.Integrity != nil {
		counts := make(map[string]participation.Counts, len(list))
		for _, p := range list {
			counts[p.ID] = p.Counts
		}
		var err error
		if asides, err = h.Integrity.Asides(ctx, counts); err != nil {
			return nil, err
		}
	}
	out := make([]pledgeJSON, 0, len(list))
	for _, p := range list {
		d := h.pledgeDoc(p)
		if a, ok := asides[p.ID]; ok {
			d.SetAside = a.Document()
		}
		out = append(out, d)
	}
	return out, nil
}

func (h *Handler) pledgeDoc(p *Pledge) pledgeJSON {
	doc := pledgeJSON{
		Identifiers: api.Identifiers(p.ID), ID: p.ID, Slug: p.Slug, Title: p.Title, Action: p.Action, Description: p.Description,
		Language: p.Language, Translations: p.Translations.Document(),
		Campaign: p.CampaignID, Status: p.Status, Threshold: p.Threshold, TotalCommitments: p.Total(), TotalImported: p.Counts.Imported,
		Deadline: api.Time(p.Deadline), WindowStart: api.Time(p.WindowStart), WindowEnd: api.Time(p.WindowEnd),
		WindowLastDay: p.LastDay().Format(time.DateOnly), ActivatedDate: api.TimePtr(p.ActivatedAt),
		Compliance:  complianceJSON{Held: p.CheckinsHeld, Broke: p.CheckinsBroke},
		CreatedDate: api.Time(p.CreatedAt), ModifiedDate: api.Time(p.ModifiedAt), OriginSystem: "repertoire",
		BrowserURL: h.baseURL + p.Path(),
		Links: api.Links{
			"self":                                api.Link{Href: h.pledgeURL(p.ID)},
			"repertoire:campaign":                 api.Link{Href: api.URL(h.baseURL, api.Prefix+"/campaigns", p.CampaignID)},
			"repertoire:commitments":              api.Link{Href: h.pledgeURL(p.ID, "commitments")},
			"repertoire:record_commitment_helper": api.Link{Href: h.pledgeURL(p.ID, "commitments")},
		},
	}
	if rate, ok := p.Compliance(); ok {
		doc.Compliance.Rate = &rate
	}
	return doc
}

// pledgeBody is what clients send; pointers tell absent fields from empty
// ones, so PUT changes only what is given.
type pledgeBody struct {
	Title       *string `json:"title"`
	Slug        *string `json:"slug"`
	Action      *string `json:"action"`
	Description *string `json:"description"`
	// Translations, when given, replace the pledge's; language is the
	// campaign's, read only.
	Translations *i18n.Translations `json:"translations"`
	Language     *string            `json:"language"`
	Campaign     *string            `json:"campaign"`
	Threshold    *int               `json:"threshold"`
	Deadline     *string            `json:"deadline"`
	WindowStart  *string            `json:"window_start"`
	WindowEnd    *string            `json:"window_end"`
	// Status on POST: draft saves it unpublished (absent or collecting:
	// published at once). On PUT: collecting publishes a draft, closed
	// closes a pledge still collecting; the others are the system's.
	Status *string `json:"status"`
}

// times reads the RFC 3339 fields that are given.
func (b pledgeBody) times(es *repertoire.Errors) (deadline, start, end *time.Time) {
	parse := func(field string, s *string) *time.Time {
		if s == nil {
			return nil
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*s))
		if err != nil {
			*es = append(*es, repertoire.Invalid(field, "pledge.bad_time", nil))
			return nil
		}
		return &t
	}
	return parse("deadline", b.Deadline), parse("window_start", b.WindowStart), parse("window_end", b.WindowEnd)
}

// apiPledge loads the pledge of the URL for the caller, by the campaign's
// rule (campaign.LoadTactic): with organize the caller must hold a token
// (401) and organize its community (403). A draft is found by its
// organizers only (and admins), as on its page: anyone else gets 404,
// whatever they asked.
func (h *Handler) apiPledge(w http.ResponseWriter, r *http.Request, organize bool) *Pledge {
	if organize && api.Require(w, r) == nil {
		return nil
	}
	p, _ := campaign.LoadTactic(w, r, h.log, h.access, h.campaigns, h.Store.Get, func(p *Pledge) campaign.Parent { return p.Parent }, false)
	if p == nil {
		return nil
	}
	hidden := p.Draft() && !api.IsAdmin(r)
	if hidden || organize {
		if err := h.access.Check(r.Context(), p.CommunityID, api.PrincipalID(r), true); err != nil {
			if hidden {
				err = errNotFound
			}
			api.Problem(w, r, h.log, err)
			return nil
		}
	}
	return p
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	// The page's set-aside figures are read at once, with the page.
	var docs map[*Pledge]pledgeJSON
	list := func(ctx context.Context, q campaign.TacticQuery) ([]*Pledge, int, error) {
		ps, total, err := h.Store.List(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		items, err := h.pledgeDocs(ctx, ps)
		if err != nil {
			return nil, 0, err
		}
		docs = make(map[*Pledge]pledgeJSON, len(ps))
		for i, p := range ps {
			docs[p] = items[i]
		}
		return ps, total, nil
	}
	campaign.ServeTactics(w, r, h.log, h.campaigns, h.access, h.baseURL, "repertoire:pledges", list, func(p *Pledge) pledgeJSON { return docs[p] })
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	if api.Require(w, r) == nil {
		return
	}
	var body pledgeBody
	if err := api.DecodeStrict(w, r, &body, &pledgeJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	c, err := campaign.Organized(r.Context(), h.campaigns, h.access, api.PrincipalID(r), api.Value(body.Campaign), "pledge.campaign_not_found")
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	in := Input{Title: api.Value(body.Title), Slug: api.Value(body.Slug), Action: api.Value(body.Action), Description: api.Value(body.Description),
		Threshold: api.Value(body.Threshold)}
	switch api.Value(body.Status) {
	case StatusDraft:
		in.Draft = true // as the page's "save as a draft"
	case "", StatusCollecting:
	default:
		es = append(es, repertoire.Invalid("status", "pledge.bad_new_status", nil))
	}
	if body.Translations != nil {
		in.Translations = *body.Translations
	}
	d, s, e := body.times(&es)
	for _, t := range []struct{ dst, v *time.Time }{{&in.Deadline, d}, {&in.WindowStart, s}, {&in.WindowEnd, e}} {
		if t.v != nil {
			*t.dst = *t.v
		}
	}
	now := time.Now()
	if err := in.normalize(now); err != nil {
		for _, fe := range repertoire.FieldErrors(err) {
			if !hasField(es, fe.Field) {
				es = append(es, fe)
			}
		}
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	p, err := h.Store.Create(r.Context(), api.PrincipalID(r), c.ID, in, now)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.one(w, r, http.StatusCreated, p)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if p := h.apiPledge(w, r, false); p != nil {
		h.one(w, r, http.StatusOK, p)
	}
}

// apiUpdate merges the body into a draft or a pledge still collecting
// commitments, as the page's edit form does (Store.Edit: the changes its
// committed people count on go in its history); once activated it is a
// promise made to the people who committed, and answers 409. "status"
// publishes a draft (collecting) or closes it (closed) in the same
// transaction.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	p := h.apiPledge(w, r, true)
	if p == nil {
		return
	}
	var body pledgeBody
	if err := api.DecodeStrict(w, r, &body, &pledgeJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	if body.Campaign != nil && api.ParseID(*body.Campaign) != p.CampaignID {
		es = append(es, repertoire.Invalid("campaign", "pledge.campaign_fixed", nil))
	}
	status := api.Value(body.Status)
	switch {
	case status == "" || status == p.Status: // a document sent back as read
		status = ""
	case status == StatusCollecting && p.Draft(), status == StatusClosed && p.Status == StatusCollecting:
	default:
		es = append(es, repertoire.Invalid("status", "pledge.bad_status", map[string]any{"Status": p.Status}))
	}
	patch := Patch{Title: body.Title, Slug: body.Slug, Action: body.Action, Description: body.Description, Threshold: body.Threshold,
		Translations: body.Translations}
	patch.Deadline, patch.WindowStart, patch.WindowEnd = body.times(&es)
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	p, err := h.Store.Edit(r.Context(), p.ID, patch, status, time.Now())
	h.locator.Forget()
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.one(w, r, http.StatusOK, p)
}

func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	p := h.apiPledge(w, r, true)
	if p == nil {
		return
	}
	if err := h.Store.Delete(r.Context(), p.ID); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	h.locator.Forget()
	w.WriteHeader(http.StatusNoContent)
}

// apiCommit is the record-commitment helper (participation.Record): a
// commitment is taken, imported too, only while the pledge collects them.
func (h *Handler) apiCommit(w http.ResponseWriter, r *http.Request) {
	p := h.apiPledge(w, r, false)
	if p == nil {
		return
	}
	org := false
	if pid := api.PrincipalID(r); pid != "" {
		var err error
		if org, err = h.communities.CanOrganize(r.Context(), p.CommunityID, pid); err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
	}
	h.parts.Record(w, r, h.log, participation.Record{Kind: participation.Commitment, ActionID: p.ID, Organizer: org,
		Unauthorized: repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized"),
		Forbidden:    repertoire.Errorf(repertoire.EFORBIDDEN, "pledge.organizers_only"),
		Closed: func(bool) error {
			if !p.Open() {
				return errClosed
			}
			return nil
		},
		Links:     api.Links{"repertoire:pledge": api.Link{Href: h.pledgeURL(p.ID)}},
		CheckTags: tag.CheckNames,
		AddTags:   tag.Adder(h.Store.db, p.CommunityID),
		Fields:    commitmentFields})
}

// commitmentFields are the fields of the record-commitment helper's body:
// those of an OSDI signature (stored, or accepted and ignored: README
// "OSDI fields"), with the one consent a pledge asks.
var commitmentFields = api.Known{
	// stored
	"person": nil, "comments": nil, "origin_system": nil, "add_tags": nil,
	// ours
	"contact_ok": nil,
	// accepted and ignored
	"identifiers": nil, "created_date": nil, "modified_date": nil, "action_date": nil, "status": nil, "_links": nil,
	"triggers": nil, "referrer_data": {"source": nil, "referrer": nil, "website": nil, "url": nil}, "_embedded": nil,
}

// commitmentJSON is a commitment for its pledge's organizers, shaped like
// an OSDI signature.
type commitmentJSON struct {
	Identifiers  []string       `json:"identifiers"`
	OriginSystem string         `json:"origin_system"`
	CreatedDate  string         `json:"created_date"`
	ModifiedDate string         `json:"modified_date"`
	ActionDate   *string        `json:"action_date"`
	Status       string         `json:"status"`
	Comments     string         `json:"comments"`
	ContactOK    bool           `json:"contact_ok"`
	Checkin      string         `json:"checkin,omitempty"`
	Person       map[string]any `json:"person"`
	Links        api.Links      `json:"_links"`
}

// apiCommitments lists a pledge's counted commitments for its organizers,
// filtered and paged like every collection.
func (h *Handler) apiCommitments(w http.ResponseWriter, r *http.Request) {
	p := h.apiPledge(w, r, true)
	if p == nil {
		return
	}
	page, err := api.ParsePage(r)
	var filter api.Filter
	if err == nil {
		filter, err = api.ParseFilter(r)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	list, total, err := h.parts.List(r.Context(), participation.ListQuery{Kind: participation.Commitment, ActionID: p.ID, Filter: filter,
		Offset: page.Offset(), Limit: page.PerPage})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]commitmentJSON, 0, len(list))
	for _, pt := range list {
		pt = pt.ForOrganizers() // the consents, as in the CSV export
		docs = append(docs, commitmentJSON{
			Identifiers: api.Identifiers(pt.ID), OriginSystem: pt.OriginSystem, CreatedDate: api.Time(pt.CreatedAt),
			ModifiedDate: api.Time(pt.ModifiedAt), ActionDate: api.TimePtr(pt.ConfirmedAt), Status: pt.Status, Comments: pt.Comment,
			ContactOK: pt.ContactOK, Checkin: pt.Checkin,
			Person: pt.OSDIPerson(),
			Links: api.Links{
				"osdi:person":       api.Link{Href: api.URL(h.baseURL, api.Prefix+"/people", pt.PersonID)},
				"repertoire:pledge": api.Link{Href: h.pledgeURL(p.ID)},
			},
		})
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:commitments", docs, total, page))
}
