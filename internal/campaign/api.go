package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/web"
)

// The campaigns API. A campaign document carries its targets, its demand
// sections with their demands and histories, its updates and coverage; the
// collection leaves out sections, updates and coverage (follow self).
// Demands change through /campaigns/{id}/demands: PUT on a campaign changes
// title, slug, summary, targets (replaced when given) and ultimatum_date
// (null clears it), and refuses demand_sections.

type targetJSON struct {
	Name string `json:"name"`
}

type changeJSON struct {
	Status      string `json:"status"`
	Note        string `json:"note"`
	EvidenceURL string `json:"evidence_url"`
	Date        string `json:"date"`
}

type demandJSON struct {
	Identifiers     []string     `json:"identifiers"`
	ID              string       `json:"id"`
	Number          string       `json:"number"`
	Position        int          `json:"position"`
	Text            string       `json:"text"`
	Translations    translations `json:"translations"`
	Status          string       `json:"status"`
	SectionID       string       `json:"section_id"`
	SectionLetter   string       `json:"section_letter"`
	SectionPosition int          `json:"section_position"`
	SectionTitle    string       `json:"section_title"`
	StatusHistory   []changeJSON `json:"status_history"`
	CreatedDate     string       `json:"created_date"`
	ModifiedDate    string       `json:"modified_date"`
	OriginSystem    string       `json:"origin_system"`
	BrowserURL      string       `json:"browser_url"`
	Links           api.Links    `json:"_links"`
}

type sectionJSON struct {
	ID           string       `json:"id"`
	Letter       string       `json:"letter"`
	Position     int          `json:"position"`
	Title        string       `json:"title"`
	Translations translations `json:"translations"`
	Demands      []demandJSON `json:"demands"`
}

// translations are a content's versions in its other languages, keyed by
// BCP 47 tag ({"fr": {"title": "…"}}), beside its fields in its own
// language: never null in documents.
type translations = i18n.Translations

type updateJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Body          string `json:"body"`
	PublishedDate string `json:"published_date"`
	// Translations are an organizer's entry in the campaign's other
	// languages (title, body), as the campaign's own translations.
	Translations translations `json:"translations"`
}

type coverageJSON struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Date     string `json:"date"`
	Outlet   string `json:"outlet"`
	Title    string `json:"title"`
	Language string `json:"language"`
	URL      string `json:"url"`
}

type campaignJSON struct {
	Identifiers  []string     `json:"identifiers"`
	ID           string       `json:"id"`
	Slug         string       `json:"slug"`
	Title        string       `json:"title"`
	Summary      string       `json:"summary"`
	Language     string       `json:"language"`
	Translations translations `json:"translations"`
	Community    string       `json:"community"`
	// Status is draft (its organizers' only, as if it did not exist),
	// published, or closed (with its tactics, since ClosedDate).
	Status         string         `json:"status"`
	ClosedDate     *string        `json:"closed_date"`
	Targets        []targetJSON   `json:"targets"`
	UltimatumDate  *string        `json:"ultimatum_date"`
	TotalDemands   *int           `json:"total_demands,omitempty"`
	DemandSections []sectionJSON  `json:"demand_sections,omitempty"`
	Updates        []updateJSON   `json:"updates,omitempty"`
	Coverage       []coverageJSON `json:"coverage,omitempty"`
	CreatedDate    string         `json:"created_date"`
	ModifiedDate   string         `json:"modified_date"`
	OriginSystem   string         `json:"origin_system"`
	BrowserURL     string         `json:"browser_url"`
	Links          api.Links      `json:"_links"`
}

func (h *Handler) campaignURL(id string, rest ...string) string {
	return api.URL(h.baseURL, api.Prefix+"/campaigns", append([]string{id}, rest...)...)
}

func (h *Handler) campaignDoc(c *Campaign, full bool) campaignJSON {
	doc := campaignJSON{
		Identifiers:   api.Identifiers(c.ID),
		ID:            c.ID,
		Slug:          c.Slug,
		Title:         c.Title,
		Summary:       c.Summary,
		Language:      c.Language,
		Translations:  c.Translations.Document(),
		Community:     c.CommunityID,
		Status:        statusOf(c),
		Targets:       make([]targetJSON, 0, len(c.Targets)),
		UltimatumDate: api.TimePtr(c.UltimatumAt),
		ClosedDate:    api.TimePtr(c.ClosedAt),
		CreatedDate:   api.Time(c.CreatedAt),
		ModifiedDate:  api.Time(c.ModifiedAt),
		OriginSystem:  "repertoire",
		BrowserURL:    h.baseURL + campaignPath(c),
		Links: api.Links{
			"self":                 api.Link{Href: h.campaignURL(c.ID)},
			"repertoire:community": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", c.CommunityID)},
			"repertoire:demands":   api.Link{Href: h.campaignURL(c.ID, "demands")},
			"repertoire:coverage":  api.Link{Href: h.campaignURL(c.ID, "coverage")},
			"repertoire:updates":   api.Link{Href: h.campaignURL(c.ID, "updates")},
		},
	}
	for _, t := range c.Targets {
		doc.Targets = append(doc.Targets, targetJSON{Name: t})
	}
	if !full {
		return doc
	}
	n := c.DemandCount()
	doc.TotalDemands = &n
	doc.DemandSections = make([]sectionJSON, 0, len(c.Sections))
	for _, s := range c.Sections {
		sj := sectionJSON{ID: s.ID, Letter: s.Letter(), Position: s.Position, Title: s.Title, Translations: s.Translations.Document(), Demands: make([]demandJSON, 0, len(s.Demands))}
		for _, d := range s.Demands {
			sj.Demands = append(sj.Demands, h.demandDoc(c, d))
		}
		doc.DemandSections = append(doc.DemandSections, sj)
	}
	doc.Updates = make([]updateJSON, 0, len(c.Updates))
	for _, u := range c.Updates {
		doc.Updates = append(doc.Updates, updateDoc(u))
	}
	doc.Coverage = make([]coverageJSON, 0, len(c.Coverage))
	for _, cv := range c.Coverage {
		doc.Coverage = append(doc.Coverage, coverageDoc(cv))
	}
	return doc
}

// A campaign's statuses in the API: a draft, then published for good,
// until its organizers close it (and its tactics) for good.
const (
	statusDraft     = "draft"
	statusPublished = "published"
	statusClosed    = "closed"
)

// errStaysClosed refuses to reopen a closed campaign.
var errStaysClosed = &repertoire.Error{Code: repertoire.ECONFLICT, Field: "status", MessageID: "campaign.stays_closed"}

func statusOf(c *Campaign) string {
	switch {
	case c.Draft:
		return statusDraft
	case c.ClosedAt != nil:
		return statusClosed
	}
	return statusPublished
}

func updateDoc(u Update) updateJSON {
	return updateJSON{ID: u.ID, Title: u.Title, Body: u.Body, PublishedDate: api.Time(u.PublishedAt), Translations: u.Translations.Document()}
}

func coverageDoc(c Coverage) coverageJSON {
	return coverageJSON{ID: c.ID, Kind: c.Kind, Date: c.PublishedOn, Outlet: c.Outlet, Title: c.Title, Language: c.Language, URL: c.URL}
}

func (h *Handler) demandDoc(c *Campaign, d Demand) demandJSON {
	doc := demandJSON{
		Identifiers:     api.Identifiers(d.ID),
		ID:              d.ID,
		Number:          d.Number(),
		Position:        d.Position,
		Text:            d.Text,
		Translations:    d.Translations.Document(),
		Status:          d.Status,
		SectionID:       d.SectionID,
		SectionLetter:   d.SectionLetter(),
		SectionPosition: d.SectionPosition,
		SectionTitle:    d.SectionTitle,
		StatusHistory:   make([]changeJSON, 0, len(d.History)),
		CreatedDate:     api.Time(d.CreatedAt),
		ModifiedDate:    api.Time(d.ModifiedAt),
		OriginSystem:    "repertoire",
		BrowserURL:      h.baseURL + campaignPath(c, "demands", d.ID),
		Links: api.Links{
			"self":                api.Link{Href: h.campaignURL(c.ID, "demands", d.ID)},
			"repertoire:campaign": api.Link{Href: h.campaignURL(c.ID)},
		},
	}
	for _, ch := range d.History {
		doc.StatusHistory = append(doc.StatusHistory, changeJSON{Status: ch.Status, Note: ch.Note, EvidenceURL: ch.EvidenceURL, Date: api.Time(ch.ChangedAt)})
	}
	return doc
}

// campaignBody is what clients send. Pointers tell absent fields from
// empty ones, so PUT changes only what is given.
type campaignBody struct {
	Title          *string            `json:"title"`
	Slug           *string            `json:"slug"`
	Summary        *string            `json:"summary"`
	Language       *string            `json:"language"`
	Translations   *i18n.Translations `json:"translations"`
	Community      *string            `json:"community"`
	Status         *string            `json:"status"`
	Targets        *[]targetJSON      `json:"targets"`
	UltimatumDate  json.RawMessage    `json:"ultimatum_date"`
	DemandSections *[]sectionBody     `json:"demand_sections"`
}

type sectionBody struct {
	Title        string            `json:"title"`
	Translations i18n.Translations `json:"translations"`
	Demands      []struct {
		Text         string            `json:"text"`
		Translations i18n.Translations `json:"translations"`
		Status       string            `json:"status"`
	} `json:"demands"`
}

func targetNames(ts *[]targetJSON) []string {
	if ts == nil {
		return nil
	}
	out := make([]string, len(*ts))
	for i, t := range *ts {
		out[i] = t.Name
	}
	return out
}

// ultimatum reads ultimatum_date: absent (set false), null (set, nil), or
// a date.
func ultimatum(raw json.RawMessage) (t *time.Time, set bool, err error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, true, repertoire.Invalid("ultimatum_date", "field.bad_date", nil)
	}
	if strings.TrimSpace(s) == "" {
		return nil, true, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return nil, true, repertoire.Invalid("ultimatum_date", "field.bad_date", nil)
	}
	return &d, true, nil
}

// apiCommunity finds a community the caller may see; a private one is
// not found for outsiders.
func (h *Handler) apiCommunity(r *http.Request, idOrSlug string) (*community.Community, error) {
	c, err := h.communities.Get(r.Context(), api.ParseID(idOrSlug))
	if err != nil {
		return nil, err
	}
	ok, err := h.communities.CanView(r.Context(), c, api.PrincipalID(r))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, repertoire.Errorf(repertoire.ENOTFOUND, "campaign.community_not_found")
	}
	return c, nil
}

// Access is the API's rule for a campaign and for each of its tactics: a
// resource whose community the caller may not see is not found, and
// organizing it takes a token (401) and organizing the community (403).
// Each capability names its own answers.
type Access struct {
	Communities    *community.Store
	NotFound       error
	OrganizersOnly error
}

// Check answers a.NotFound when personID may not see the community, and
// a.OrganizersOnly when organize is asked and they do not organize it.
func (a Access) Check(ctx context.Context, communityID, personID string, organize bool) error {
	com, err := a.Communities.Get(ctx, communityID)
	if err != nil {
		return err
	}
	ok, err := a.Communities.CanView(ctx, com, personID)
	if err != nil {
		return err
	}
	if !ok {
		return a.NotFound
	}
	if organize {
		ok, err := a.Communities.CanOrganize(ctx, communityID, personID)
		if err != nil {
			return err
		}
		if !ok {
			return a.OrganizersOnly
		}
	}
	return nil
}

// Load reads the resource of the URL's {id} with get, for the API caller,
// and checks it against its community (communityOf). With organize the
// caller must hold a token (401) and organize the community (403). It
// answers the problem and returns false on failure.
func Load[T any](w http.ResponseWriter, r *http.Request, log *slog.Logger, a Access, get func(context.Context, string) (T, error),
	communityOf func(T) string, organize bool) (T, bool) {
	var zero T
	if organize && api.Require(w, r) == nil {
		return zero, false
	}
	v, err := get(r.Context(), api.ParseID(r.PathValue("id")))
	if err == nil {
		err = a.Check(r.Context(), communityOf(v), api.PrincipalID(r), organize)
	}
	if err != nil {
		api.Problem(w, r, log, err)
		return zero, false
	}
	return v, true
}

// LoadTactic is Load for a campaign's tactic (parent names its campaign):
// the tactics of a draft campaign are found by its organizers only, as
// its pages are (Locate). A draft is not found before organizing is
// asked: another community's organizer gets 404, not 403, so the API
// tells nothing of a draft.
func LoadTactic[T any](w http.ResponseWriter, r *http.Request, log *slog.Logger, a Access, campaigns *Store,
	get func(context.Context, string) (T, error), parent func(T) Parent, organize bool) (T, bool) {
	var zero T
	if organize && api.Require(w, r) == nil {
		return zero, false
	}
	v, ok := Load(w, r, log, a, get, func(v T) string { return parent(v).CommunityID }, false)
	if !ok {
		return zero, false
	}
	err := campaigns.CheckPublished(r.Context(), a, parent(v).CampaignID, api.PrincipalID(r), api.IsAdmin(r))
	if err == nil && organize {
		err = a.Check(r.Context(), parent(v).CommunityID, api.PrincipalID(r), true)
	}
	if err != nil {
		api.Problem(w, r, log, err)
		return zero, false
	}
	return v, true
}

// ParseTacticQuery reads what every collection of tactics takes: its
// page, its filter, the caller, and ?campaign= narrowing it to a campaign
// the caller may see.
func ParseTacticQuery(r *http.Request, campaigns *Store, a Access) (TacticQuery, api.Page, error) {
	page, err := api.ParsePage(r)
	if err != nil {
		return TacticQuery{}, page, err
	}
	filter, err := api.ParseFilter(r)
	if err != nil {
		return TacticQuery{}, page, err
	}
	q := TacticQuery{ViewerID: api.PrincipalID(r), Admin: api.IsAdmin(r), Filter: filter, Offset: page.Offset(), Limit: page.PerPage}
	if s := r.URL.Query().Get("campaign"); s != "" {
		c, err := campaigns.Get(r.Context(), api.ParseID(s))
		if err == nil {
			err = a.Check(r.Context(), c.CommunityID, q.ViewerID, false)
		}
		if err == nil {
			err = campaigns.CheckPublished(r.Context(), a, c.ID, q.ViewerID, q.Admin)
		}
		if err != nil {
			return q, page, err
		}
		q.CampaignID = c.ID
	}
	return q, page, nil
}

// ParseCommunityQuery reads what a collection of a community's things
// takes (decisions, messages): its page, its filter, and ?community=
// narrowing it to a community the caller may see (with organize: runs).
func ParseCommunityQuery(r *http.Request, a Access, organize bool) (communityID string, page api.Page, filter api.Filter, err error) {
	if page, err = api.ParsePage(r); err != nil {
		return "", page, filter, err
	}
	if filter, err = api.ParseFilter(r); err != nil {
		return "", page, filter, err
	}
	if s := r.URL.Query().Get("community"); s != "" {
		c, err := a.Communities.Get(r.Context(), api.ParseID(s))
		if err == nil {
			err = a.Check(r.Context(), c.ID, api.PrincipalID(r), organize)
		}
		if err != nil {
			return "", page, filter, err
		}
		communityID = c.ID
	}
	return communityID, page, filter, nil
}

// ServeTactics answers the collection of one kind of tactic (rel, such as
// "osdi:events"): the page list finds for the request, each drawn by doc.
func ServeTactics[T, D any](w http.ResponseWriter, r *http.Request, log *slog.Logger, campaigns *Store, a Access, baseURL, rel string,
	list func(context.Context, TacticQuery) ([]T, int, error), doc func(T) D) {
	q, page, err := ParseTacticQuery(r, campaigns, a)
	var items []T
	var total int
	if err == nil {
		items, total, err = list(r.Context(), q)
	}
	if err != nil {
		api.Problem(w, r, log, err)
		return
	}
	docs := make([]D, 0, len(items))
	for _, it := range items {
		docs = append(docs, doc(it))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, baseURL, rel, docs, total, page))
}

// Organized finds the campaign a new tactic goes in, from ref (an id, or
// the campaign's address as OSDI links give it): one personID may see
// (else the tactic's notFound message, on the field campaign) and whose
// community they organize. A closed campaign takes no new tactic
// (TakesNewActions), told only to its organizers.
func Organized(ctx context.Context, campaigns *Store, a Access, personID, ref, notFound string) (*Campaign, error) {
	id := api.ParseID(ref)
	if id == "" {
		return nil, repertoire.Invalid("campaign", "field.required", nil)
	}
	c, err := campaigns.Get(ctx, id)
	if err == nil {
		err = a.Check(ctx, c.CommunityID, personID, true)
	}
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil, repertoire.Invalid("campaign", notFound, nil)
	}
	if err == nil {
		err = c.TakesNewActions()
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// OrganizedCommunity is Organized for what goes in a community (a
// message, a decision): the community of ref (an id or slug) that
// personID may see (else notFound, on the field community) and organizes.
func OrganizedCommunity(ctx context.Context, a Access, personID, ref, notFound string) (*community.Community, error) {
	if ref == "" {
		return nil, repertoire.Invalid("community", "field.required", nil)
	}
	c, err := a.Communities.Get(ctx, api.ParseID(ref))
	if err == nil {
		err = a.Check(ctx, c.ID, personID, true)
	}
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil, repertoire.Invalid("community", notFound, nil)
	}
	return c, err
}

// apiCampaign loads the campaign of the URL for the caller (see Load).
// A draft is found by its community's organizers only (and admins):
// anyone else gets 404 whatever they asked, before organizing is checked.
func (h *Handler) apiCampaign(w http.ResponseWriter, r *http.Request, organize bool) *Campaign {
	if organize && api.Require(w, r) == nil {
		return nil
	}
	c, _ := Load(w, r, h.log, h.access, h.Store.Get, func(c *Campaign) string { return c.CommunityID }, false)
	if c == nil {
		return nil
	}
	hidden := c.Draft && !api.IsAdmin(r)
	if hidden || organize {
		if err := h.access.Check(r.Context(), c.CommunityID, api.PrincipalID(r), true); err != nil {
			if hidden {
				err = errNotFound
			}
			api.Problem(w, r, h.log, err)
			return nil
		}
	}
	return c
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := ListQuery{ViewerID: api.PrincipalID(r), Admin: api.IsAdmin(r), Filter: filter, Offset: page.Offset(), Limit: page.PerPage}
	if s := r.URL.Query().Get("community"); s != "" {
		com, err := h.apiCommunity(r, s)
		if err != nil {
			api.Problem(w, r, h.log, err)
			return
		}
		q.CommunityID = com.ID
	}
	list, total, err := h.Store.List(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]campaignJSON, 0, len(list))
	for _, c := range list {
		items = append(items, h.campaignDoc(c, false))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:campaigns", items, total, page))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var body campaignBody
	if err := api.DecodeStrict(w, r, &body, &campaignJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	if api.Value(body.Community) == "" {
		api.Problem(w, r, h.log, repertoire.Invalid("community", "field.required", nil))
		return
	}
	com, err := h.apiCommunity(r, *body.Community)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		err = repertoire.Invalid("community", "campaign.community_not_found", nil)
	}
	if err == nil {
		err = h.access.Check(r.Context(), com.ID, p.PersonID, true)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in := CampaignInput{CommunityID: com.ID, Title: api.Value(body.Title), Slug: api.Value(body.Slug), Summary: api.Value(body.Summary), Targets: targetNames(body.Targets),
		Language: api.Value(body.Language)}
	var es repertoire.Errors
	if body.Translations != nil {
		in.Translations = *body.Translations
	}
	if body.Language != nil && strings.TrimSpace(*body.Language) == "" {
		es = append(es, repertoire.Invalid("language", "field.required", nil))
	}
	switch api.Value(body.Status) {
	case statusDraft:
		in.Draft = true // as the form's "save as a draft"
	case "", statusPublished:
	default:
		es = append(es, repertoire.Invalid("status", "campaign.bad_status_value", nil))
	}
	if in.UltimatumAt, _, err = ultimatum(body.UltimatumDate); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if body.DemandSections != nil {
		for _, s := range *body.DemandSections {
			sec := SectionInput{Title: s.Title, Translations: s.Translations}
			for _, d := range s.Demands {
				sec.Demands = append(sec.Demands, DemandInput{Text: d.Text, Translations: d.Translations, Status: d.Status})
			}
			in.Sections = append(in.Sections, sec)
		}
	}
	if err := in.normalize(); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	c, err := h.Store.Create(r.Context(), p.PersonID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.campaignDoc(c, true)
	w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, doc)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if c := h.apiCampaign(w, r, false); c != nil {
		api.JSON(w, http.StatusOK, h.campaignDoc(toldIn(r, c), true))
	}
}

// toldIn writes the system's timeline entries in the request's language
// (Accept-Language); the rest of the document is as stored, its
// translations beside it: an organizer's entries too, each reader's
// version in their translations.
func toldIn(r *http.Request, c *Campaign) *Campaign {
	l := web.Localizer(r.Context())
	if l == nil {
		return c
	}
	out := *c
	out.Updates = make([]Update, len(c.Updates))
	for i, u := range c.Updates {
		if u.Told != nil {
			u = u.In(l, c.Language)
		}
		out.Updates[i] = u
	}
	return &out
}

func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	var body campaignBody
	if err := api.DecodeStrict(w, r, &body, &campaignJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	if body.DemandSections != nil {
		es = append(es, repertoire.Invalid("demand_sections", "campaign.sections_through_demands", nil))
	}
	if body.Community != nil && api.ParseID(*body.Community) != c.CommunityID && *body.Community != c.CommunitySlug {
		es = append(es, repertoire.Invalid("community", "campaign.community_fixed", nil))
	}
	p := CampaignPatch{Title: body.Title, Slug: body.Slug, Summary: body.Summary, Language: body.Language, Translations: body.Translations}
	closing := false
	switch st := api.Value(body.Status); {
	case st == "" || st == statusOf(c): // a document sent back as read
	case c.ClosedAt != nil: // no way back: its tactics were closed, their people told
		api.Problem(w, r, h.log, errStaysClosed)
		return
	case st == statusPublished:
		p.Publish = true
	case st == statusClosed:
		if err := closable(c); err != nil { // a draft: 409 at once, nothing saved
			api.Problem(w, r, h.log, err)
			return
		}
		closing = true // after the other fields are saved
	default:
		es = append(es, repertoire.Invalid("status", "campaign.stays_published", nil))
	}
	if body.Targets != nil {
		names := targetNames(body.Targets)
		p.Targets = &names
	}
	ult, set, err := ultimatum(body.UltimatumDate)
	if err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	} else if set {
		p.UltimatumAt = &ult
	}
	if err := p.normalize(); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	updated, err := h.Store.Update(r.Context(), c.ID, p)
	if err == nil && closing {
		if err = h.Close(r.Context(), web.ViewerID(r), updated, web.Localizer(r.Context()).Lang); err == nil {
			updated, err = h.Store.Get(r.Context(), c.ID)
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.campaignDoc(toldIn(r, updated), true))
}

// apiDelete deletes a campaign as its page does: not one whose tactics
// counted anyone (409, saying why).
func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	err := h.deletable(r.Context(), c.ID)
	if err == nil {
		err = h.Store.Delete(r.Context(), c.ID)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiDemands(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, false)
	if c == nil {
		return
	}
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	filter, err := api.ParseFilter(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	ds, total, err := h.Store.Demands(r.Context(), c.ID, filter, page.Offset(), page.PerPage)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	items := make([]demandJSON, 0, len(ds))
	for _, d := range ds {
		items = append(items, h.demandDoc(c, d))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:demands", items, total, page))
}

// demandBody is a demand as clients send it. "section" is a section's
// position (1 = A), its letter ("B") or its id.
type demandBody struct {
	Section      json.RawMessage    `json:"section"`
	Text         *string            `json:"text"`
	Translations *i18n.Translations `json:"translations"`
	Position     *int               `json:"position"`
	Status       *string            `json:"status"`
	StatusNote   *string            `json:"status_note"`
	EvidenceURL  *string            `json:"evidence_url"`
	StatusDate   *string            `json:"status_date"`
}

// sectionRef reads "section": 2, "B" or a section id.
func sectionRef(raw json.RawMessage) (id string, pos int, err error) {
	bad := repertoire.Invalid("section", "campaign.section_not_found", nil)
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", 0, repertoire.Invalid("section", "field.required", nil)
	}
	if json.Unmarshal(raw, &pos) == nil {
		if pos < 1 {
			return "", 0, bad
		}
		return "", pos, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", 0, bad
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 1 {
		return "", n, nil
	}
	if len(s) == 1 && s[0] >= 'A' && s[0] <= 'Z' || len(s) == 1 && s[0] >= 'a' && s[0] <= 'z' {
		return "", int(s[0]|0x20-'a') + 1, nil
	}
	return api.ParseID(s), 0, nil
}

func (h *Handler) apiAddDemand(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	var body demandBody
	if err := api.DecodeStrict(w, r, &body, &demandJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in := NewDemand{Text: api.Value(body.Text)}
	if body.Translations != nil {
		in.Translations = *body.Translations
	}
	var es repertoire.Errors
	var err error
	if in.SectionID, in.SectionPosition, err = sectionRef(body.Section); err != nil {
		es = append(es, repertoire.FieldErrors(err)...)
	}
	if body.Position != nil {
		if *body.Position < 1 {
			es = append(es, repertoire.Invalid("position", "campaign.bad_position", nil))
		}
		in.Position = *body.Position
	}
	if body.Status != nil && *body.Status != StatusOpen {
		es = append(es, repertoire.Invalid("status", "campaign.new_demand_open", nil))
	}
	if strings.TrimSpace(in.Text) == "" {
		es = append(es, repertoire.Invalid("text", "field.required", nil))
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	d, err := h.Store.AddDemand(r.Context(), api.PrincipalID(r), c.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	doc := h.demandDoc(c, *d)
	w.Header().Set("Location", doc.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, doc)
}

func (h *Handler) apiDemand(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, false)
	if c == nil {
		return
	}
	d, err := h.Store.Demand(r.Context(), c.ID, api.ParseID(r.PathValue("demand")))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.demandDoc(c, *d))
}

// apiEditDemand merges the body into the demand. A status that differs
// from the current one, or comes with a note or evidence, is recorded in
// the history with status_note, evidence_url and status_date (default now).
func (h *Handler) apiEditDemand(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	d, err := h.Store.Demand(r.Context(), c.ID, api.ParseID(r.PathValue("demand")))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var body demandBody
	if err := api.DecodeStrict(w, r, &body, &demandJSON{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	var es repertoire.Errors
	p := DemandPatch{Text: body.Text, Position: body.Position, Translations: body.Translations}
	if len(body.Section) > 0 {
		es = append(es, repertoire.Invalid("section", "campaign.section_fixed", nil))
	}
	switch {
	case body.Status != nil:
		ch := StatusChange{Status: *body.Status, Note: api.Value(body.StatusNote), EvidenceURL: api.Value(body.EvidenceURL)}
		if body.StatusDate != nil && strings.TrimSpace(*body.StatusDate) != "" {
			t, err := ParseDate(*body.StatusDate)
			if err != nil {
				es = append(es, repertoire.Invalid("status_date", "field.bad_date", nil))
			}
			ch.ChangedAt = t
		}
		if ch.Status != d.Status || strings.TrimSpace(ch.Note) != "" || strings.TrimSpace(ch.EvidenceURL) != "" {
			p.Status = &ch
		} else if !ValidStatus(ch.Status) {
			es = append(es, repertoire.Invalid("status", "campaign.bad_status", nil))
		}
	case body.StatusNote != nil || body.EvidenceURL != nil || body.StatusDate != nil:
		es = append(es, repertoire.Invalid("status", "field.required", nil))
	}
	if len(es) > 0 {
		api.Problem(w, r, h.log, es)
		return
	}
	d, err = h.Store.EditDemand(r.Context(), api.PrincipalID(r), c.ID, d.ID, p)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, h.demandDoc(c, *d))
}

func (h *Handler) apiDeleteDemand(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	if err := h.Store.DeleteDemand(r.Context(), c.ID, api.ParseID(r.PathValue("demand"))); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiAddCoverage(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	var body coverageJSON
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	cv, err := h.Store.CreateCoverage(r.Context(), c.ID, CoverageInput{Kind: body.Kind, PublishedOn: body.Date, Outlet: body.Outlet, Title: body.Title, Language: body.Language, URL: body.URL})
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, coverageDoc(*cv))
}

func (h *Handler) apiAddUpdate(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	var body updateJSON
	if err := api.DecodeStrict(w, r, &body, nil); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	in := UpdateInput{Title: body.Title, Body: body.Body, Translations: body.Translations}
	if strings.TrimSpace(body.PublishedDate) != "" {
		t, err := ParseDate(body.PublishedDate)
		if err != nil {
			api.Problem(w, r, h.log, repertoire.Invalid("published_date", "field.bad_date", nil))
			return
		}
		in.PublishedAt = t
	}
	u, err := h.Store.CreateUpdate(r.Context(), api.PrincipalID(r), c.ID, in)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusCreated, updateDoc(*u))
}

func (h *Handler) apiDeleteCoverage(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	if err := h.Store.DeleteCoverage(r.Context(), c.ID, r.PathValue("item")); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiDeleteUpdate(w http.ResponseWriter, r *http.Request) {
	c := h.apiCampaign(w, r, true)
	if c == nil {
		return
	}
	if err := h.Store.DeleteUpdate(r.Context(), c.ID, r.PathValue("item")); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
