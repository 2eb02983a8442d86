package target

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/web"
)

// perPage is how many targets the search page lists.
const perPage = 25

// searchData is the directory's page: the search, its results, and for
// organizers the form that adds a target.
type searchData struct {
	Q, Kind, Country string
	Kinds            []string
	Results          []*Target
	Total            int
	Previous, Next   string
	// Communities are those the viewer may add a target to; IsAdmin may
	// add global ones.
	Communities []*community.Community
	IsAdmin     bool
	Form        *web.Form
}

// CanAdd reports whether the viewer sees the form.
func (d searchData) CanAdd() bool { return d.IsAdmin || len(d.Communities) > 0 }

// viewerOf is whose targets the page shows.
func viewerOf(r *http.Request) Query {
	v := web.ViewerFrom(r.Context())
	if v == nil {
		return Query{}
	}
	return Query{ViewerID: v.PersonID, All: v.IsAdmin}
}

func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request) {
	h.renderSearch(w, r, http.StatusOK, web.NewForm(url.Values{}))
}

func (h *Handler) renderSearch(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	qs := r.URL.Query()
	d := searchData{Q: strings.TrimSpace(qs.Get("q")), Kind: qs.Get("kind"), Country: strings.ToUpper(strings.TrimSpace(qs.Get("country"))),
		Kinds: Kinds, Form: f}
	page, _ := strconv.Atoi(qs.Get("page"))
	page = max(1, min(page, api.MaxPage))
	q := viewerOf(r)
	q.Text, q.Country, q.Limit, q.Offset = d.Q, d.Country, perPage, (page-1)*perPage
	for _, k := range Kinds {
		if d.Kind == k {
			q.Kind = k
		}
	}
	var err error
	d.Results, d.Total, err = h.Find(r.Context(), q)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	link := func(p int) string {
		v := url.Values{}
		for k, s := range map[string]string{"q": d.Q, "kind": q.Kind, "country": d.Country} {
			if s != "" {
				v.Set(k, s)
			}
		}
		v.Set("page", strconv.Itoa(p))
		return "/targets?" + v.Encode()
	}
	if page > 1 {
		d.Previous = link(page - 1)
	}
	if page*perPage < d.Total {
		d.Next = link(page + 1)
	}
	if v := web.ViewerFrom(r.Context()); v != nil {
		d.IsAdmin = v.IsAdmin
		ids, err := h.communities.OrganizedIDs(r.Context(), v.PersonID)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		byID, err := community.ByIDs(r.Context(), h.db.Reader(), ids)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		for _, id := range ids {
			if c := byID[id]; c != nil {
				d.Communities = append(d.Communities, c)
			}
		}
	}
	h.pages.Render(w, r, status, "target_search", web.Localizer(r.Context()).T("target.title"), d)
}

// addPage adds an organizer's target from the page's form.
func (h *Handler) addPage(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	in := Input{Kind: f.Get("kind"), Role: f.Get("role"), Name: f.Get("name"), Title: f.Get("title"),
		Organization: f.Get("organization"), Countries: strings.FieldsFunc(f.Get("countries"), listSep),
		Languages: strings.FieldsFunc(f.Get("languages"), listSep), Email: f.Get("email"),
		PostalAddress: f.Get("postal_address"), WebForm: f.Get("web_form"), Phone: f.Get("phone"), Website: f.Get("website")}
	communityID, err := h.community(r.Context(), &api.Principal{PersonID: v.PersonID, IsAdmin: v.IsAdmin}, f.Get("community"))
	var t *Target
	if err == nil {
		t, err = h.Create(r.Context(), communityID, in)
	} else if e := in.Normalize(); e != nil && len(repertoire.FieldErrors(err)) > 0 { // every field's error at once
		err = append(repertoire.FieldErrors(err), repertoire.FieldErrors(e)...)
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		r.URL.RawQuery = ""
		h.renderSearch(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	web.Redirect(w, r, "/targets/"+t.ID, "target.added")
}

func listSep(r rune) bool { return r == ',' || r == ' ' || r == ';' }

type showData struct {
	T          *Target
	CanEdit    bool
	Lead       Lead
	CanSetLead bool
	Form       *web.Form // the lead authority's
}

func (h *Handler) showPage(w http.ResponseWriter, r *http.Request) {
	h.renderShow(w, r, http.StatusOK, nil)
}

// renderShow shows a target, with its lead authority when a company,
// and the form setting it for those who may (f: the form posted).
func (h *Handler) renderShow(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	v := web.ViewerFrom(r.Context())
	var p *api.Principal
	if v != nil {
		p = &api.Principal{PersonID: v.PersonID, IsAdmin: v.IsAdmin}
	}
	t, err := h.visible(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := showData{T: t, Form: f}
	if t.Kind == KindCompany {
		if d.Lead, err = h.LeadAuthority(r.Context(), t); err != nil {
			h.pages.Error(w, r, err)
			return
		}
	}
	if v != nil {
		if d.CanEdit, err = h.CanEdit(r.Context(), t, v.PersonID, v.IsAdmin); err == nil {
			d.CanSetLead, err = h.CanSetLead(r.Context(), t, v.PersonID, v.IsAdmin)
		}
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
	}
	if d.Form == nil {
		ref := ""
		if t.LeadAuthorityID != "" && d.Lead.Authority != nil {
			ref = d.Lead.Authority.Slug
		}
		d.Form = web.NewForm(url.Values{"lead_authority": {ref}})
	}
	h.pages.Render(w, r, status, "target_show", t.Name, d)
}

// setLead sets a company's lead authority from its page.
func (h *Handler) setLead(w http.ResponseWriter, r *http.Request) {
	v := web.ViewerFrom(r.Context())
	if v == nil {
		h.pages.Error(w, r, repertoire.Errorf(repertoire.EUNAUTHORIZED, "error.unauthorized"))
		return
	}
	t, err := h.visible(r.Context(), &api.Principal{PersonID: v.PersonID, IsAdmin: v.IsAdmin}, r.PathValue("id"))
	if err == nil {
		var ok bool
		if ok, err = h.CanSetLead(r.Context(), t, v.PersonID, v.IsAdmin); err == nil && !ok {
			err = repertoire.Errorf(repertoire.EFORBIDDEN, "target.read_only")
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if _, err := h.SetLeadAuthority(r.Context(), t.ID, f.Get("lead_authority")); err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderShow(w, r, repertoire.Status(repertoire.ErrorCode(err)), f)
		return
	}
	web.Redirect(w, r, "/targets/"+t.ID, "target.lead_authority_saved")
}
