package target

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"repertoire"
	"repertoire/internal/api"
)

// The targets API: anyone reads the global targets; a token's holder
// also those of their communities (an administrator every one); the
// organizers of a community add, change and delete its targets, an
// administrator the global ones. The directory's rows change only by
// import, but for a company's lead authority, which the data does not
// name and administrators set.

func (h *Handler) apiRoutes(mux *http.ServeMux) {
	p := api.Prefix
	mux.HandleFunc("GET "+p+"/targets", h.apiList)
	mux.HandleFunc("POST "+p+"/targets", h.apiCreate)
	mux.HandleFunc("GET "+p+"/targets/{id}", h.apiGet)
	mux.HandleFunc("PUT "+p+"/targets/{id}", h.apiUpdate)
	mux.HandleFunc("DELETE "+p+"/targets/{id}", h.apiDelete)
}

type targetDoc struct {
	Identifiers   []string `json:"identifiers"`
	CreatedDate   string   `json:"created_date"`
	ModifiedDate  string   `json:"modified_date"`
	Source        string   `json:"source"`
	Slug          string   `json:"slug"`
	Kind          string   `json:"kind"`
	Role          string   `json:"role"`
	Name          string   `json:"name"`
	OtherNames    []string `json:"other_names"`
	Title         string   `json:"title"`
	Organization  string   `json:"organization"`
	Countries     []string `json:"countries"`
	Languages     []string `json:"languages"`
	Email         string   `json:"email"`
	PostalAddress string   `json:"postal_address"`
	WebForm       string   `json:"web_form"`
	Phone         string   `json:"phone"`
	Website       string   `json:"website"`
	// LeadAuthorityID is a company's lead authority as set by hand (""
	// when derived); LeadAuthority the one in force, read only.
	LeadAuthorityID string    `json:"lead_authority_id"`
	LeadAuthority   *leadDoc  `json:"lead_authority,omitempty"`
	BrowserURL      string    `json:"browser_url"`
	Links           api.Links `json:"_links"`
}

// leadDoc is a company's lead supervisory authority in its document.
type leadDoc struct {
	ID      string `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Derived bool   `json:"derived"`           // from the company's country
	Country string `json:"country,omitempty"` // which
}

// leadDoc adds a company's lead authority to its document.
func (h *Handler) withLead(ctx context.Context, d targetDoc, t *Target) (targetDoc, error) {
	if t.Kind != KindCompany {
		return d, nil
	}
	lead, err := h.LeadAuthority(ctx, t)
	if err != nil || lead.Authority == nil {
		return d, err
	}
	d.LeadAuthority = &leadDoc{ID: lead.Authority.ID, Slug: lead.Authority.Slug, Name: lead.Authority.Name, Derived: lead.Derived,
		Country: lead.Country}
	return d, nil
}

func (h *Handler) doc(t *Target) targetDoc {
	ids := api.Identifiers(t.ID)
	if t.Source != "" {
		ids = append(ids, t.Source+":"+t.Slug)
	}
	links := api.Links{"self": api.Link{Href: api.URL(h.baseURL, api.Prefix+"/targets", t.ID)}}
	if t.CommunityID != "" {
		links["repertoire:community"] = api.Link{Href: api.URL(h.baseURL, api.Prefix+"/communities", t.CommunityID)}
	}
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return targetDoc{Identifiers: ids, CreatedDate: api.Time(t.CreatedAt), ModifiedDate: api.Time(t.ModifiedAt),
		Source: t.Source, Slug: t.Slug, Kind: t.Kind, Role: t.Role, Name: t.Name, OtherNames: nonNil(t.OtherNames),
		Title: t.Title, Organization: t.Organization, Countries: nonNil(t.Countries), Languages: nonNil(t.Languages),
		Email: t.Email, PostalAddress: t.PostalAddress, WebForm: t.WebForm, Phone: t.Phone, Website: t.Website,
		LeadAuthorityID: t.LeadAuthorityID, BrowserURL: api.URL(h.baseURL, "/targets", t.ID), Links: links}
}

// viewerQuery is whose targets a request sees.
func viewerQuery(p *api.Principal) Query {
	if p == nil {
		return Query{}
	}
	return Query{ViewerID: p.PersonID, All: p.IsAdmin}
}

// The fields a collection filters on, each with eq only.
var filterFields = []string{"kind", "role", "country", "name"}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	page, err := api.ParsePage(r)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	f, err := api.ParseFilter(r, filterFields...)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	q := viewerQuery(api.PrincipalFrom(r.Context()))
	q.Filter, q.Limit, q.Offset = f, page.PerPage, page.Offset()
	q.Text = r.URL.Query().Get("q")
	for _, c := range f.Conditions {
		if c.Op != "eq" {
			api.Problem(w, r, h.log, repertoire.Invalid("filter", "api.filter_operator",
				map[string]any{"Field": c.Field, "Op": c.Op, "Ops": "eq"}))
			return
		}
		switch c.Field {
		case "kind":
			q.Kind = c.Value
		case "role":
			q.Role = c.Value
		case "country":
			q.Country = c.Value
		case "name":
			q.Name = c.Value
		}
	}
	ts, total, err := h.Find(r.Context(), q)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	docs := make([]targetDoc, 0, len(ts))
	for _, t := range ts {
		docs = append(docs, h.doc(t))
	}
	api.JSON(w, http.StatusOK, api.Collection(r, h.baseURL, "repertoire:targets", docs, total, page))
}

// visible reads the target of the URL for the request: another
// community's is not found.
func (h *Handler) visible(ctx context.Context, p *api.Principal, id string) (*Target, error) {
	t, err := h.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Global() || (p != nil && p.IsAdmin) {
		return t, nil
	}
	if p != nil {
		role, status, err := h.communities.Membership(ctx, t.CommunityID, p.PersonID)
		if err != nil {
			return nil, err
		}
		if role != "" && status == "active" {
			return t, nil
		}
	}
	return nil, errNotFound
}

// CanEdit reports whether a person (admin or not) may change a target: an
// organizer's target by its community's organizers, a global one added by
// hand by administrators; the directory's by nobody.
func (h *Handler) CanEdit(ctx context.Context, t *Target, personID string, admin bool) (bool, error) {
	if t.Source != "" {
		return false, nil
	}
	if admin {
		return true, nil
	}
	if t.Global() {
		return false, nil
	}
	return h.communities.CanOrganize(ctx, t.CommunityID, personID)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	t, err := h.visible(r.Context(), api.PrincipalFrom(r.Context()), r.PathValue("id"))
	var d targetDoc
	if err == nil {
		d, err = h.withLead(r.Context(), h.doc(t), t)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, d)
}

type targetBody struct {
	Input
	Community string `json:"community"`
}

// community is the community a new target goes to: the one named, which
// the holder must run; none (global) for an administrator naming none.
func (h *Handler) community(ctx context.Context, p *api.Principal, given string) (string, error) {
	given = strings.TrimSpace(given)
	if given == "" {
		if p.IsAdmin {
			return "", nil
		}
		return "", repertoire.Invalid("community", "field.required", nil)
	}
	c, err := h.communities.Get(ctx, api.ParseID(given))
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return "", repertoire.Invalid("community", "target.community_not_found", nil)
	}
	if err != nil {
		return "", err
	}
	ok := p.IsAdmin
	if !ok {
		if ok, err = h.communities.CanOrganize(ctx, c.ID, p.PersonID); err != nil {
			return "", err
		}
	}
	if !ok {
		return "", repertoire.Invalid("community", "target.community_not_found", nil)
	}
	return c.ID, nil
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	var b targetBody
	if err := api.DecodeStrict(w, r, &b, &targetDoc{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	communityID, err := h.community(r.Context(), p, b.Community)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	t, err := h.Create(r.Context(), communityID, b.Input)
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	d := h.doc(t)
	w.Header().Set("Location", d.Links["self"].(api.Link).Href)
	api.JSON(w, http.StatusCreated, d)
}

// editable loads the target of the URL for a change: not found when not
// visible, 403 when the holder may not change it.
func (h *Handler) editable(w http.ResponseWriter, r *http.Request) *Target {
	p := api.Require(w, r)
	if p == nil {
		return nil
	}
	t, err := h.visible(r.Context(), p, r.PathValue("id"))
	if err == nil {
		var ok bool
		if ok, err = h.CanEdit(r.Context(), t, p.PersonID, p.IsAdmin); err == nil && !ok {
			err = repertoire.Errorf(repertoire.EFORBIDDEN, "target.read_only")
		}
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return nil
	}
	return t
}

// CanSetLead reports whether a person may set a company's lead
// authority: whoever may edit it, and administrators on the directory's
// rows too (the data names none).
func (h *Handler) CanSetLead(ctx context.Context, t *Target, personID string, admin bool) (bool, error) {
	if t.Kind != KindCompany {
		return false, nil
	}
	if admin {
		return true, nil
	}
	return h.CanEdit(ctx, t, personID, admin)
}

// apiUpdate merges the body into a target. Of the directory's rows only
// a company's lead authority changes, by an administrator.
func (h *Handler) apiUpdate(w http.ResponseWriter, r *http.Request) {
	p := api.Require(w, r)
	if p == nil {
		return
	}
	t, err := h.visible(r.Context(), p, r.PathValue("id"))
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	// PUT merges: the body's fields are decoded over the target's own.
	cur := Input{Kind: t.Kind, Role: t.Role, Name: t.Name, OtherNames: t.OtherNames, Title: t.Title, Organization: t.Organization,
		Countries: t.Countries, Languages: t.Languages, Email: t.Email, PostalAddress: t.PostalAddress, WebForm: t.WebForm,
		Phone: t.Phone, Website: t.Website, LeadAuthority: t.LeadAuthorityID}
	b := cur
	if err := api.DecodeStrict(w, r, &b, &targetDoc{}); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	edit, err := h.CanEdit(r.Context(), t, p.PersonID, p.IsAdmin)
	switch {
	case err != nil:
	case edit:
		t, err = h.Update(r.Context(), t.ID, b)
	default:
		// A directory row: only its lead authority, by whoever may set it.
		lead := b.LeadAuthority
		b.LeadAuthority = cur.LeadAuthority
		var ok bool
		if ok, err = h.CanSetLead(r.Context(), t, p.PersonID, p.IsAdmin); err == nil && (!ok || !reflect.DeepEqual(b, cur)) {
			err = repertoire.Errorf(repertoire.EFORBIDDEN, "target.read_only")
		}
		if err == nil {
			t, err = h.SetLeadAuthority(r.Context(), t.ID, lead)
		}
	}
	var d targetDoc
	if err == nil {
		d, err = h.withLead(r.Context(), h.doc(t), t)
	}
	if err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	api.JSON(w, http.StatusOK, d)
}

func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request) {
	t := h.editable(w, r)
	if t == nil {
		return
	}
	if err := h.Delete(r.Context(), t.ID); err != nil {
		api.Problem(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
