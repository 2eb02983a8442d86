package cases

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// listData is the library's page: every case, and for organizers the
// form that adds one.
type listData struct {
	Cases       []*Case
	Tactics     []string
	Communities []*community.Community // those the viewer may add a case for
	IsAdmin     bool
	Form        *web.Form
}

// CanAdd reports whether the viewer sees the form.
func (d listData) CanAdd() bool { return d.IsAdmin || len(d.Communities) > 0 }

// Checked reports whether the form ticks a tactic.
func (d listData) Checked(tactic string) bool {
	for _, t := range d.Form.Values["tactics"] {
		if t == tactic {
			return true
		}
	}
	return false
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, web.NewForm(url.Values{}))
}

func (h *Handler) renderList(w http.ResponseWriter, r *http.Request, status int, f *web.Form) {
	cs, _, err := h.List(r.Context(), Query{Platform: strings.TrimSpace(r.URL.Query().Get("platform"))})
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	d := listData{Cases: cs, Tactics: Tactics, Form: f}
	if v := web.ViewerFrom(r.Context()); v != nil {
		d.IsAdmin = v.IsAdmin
		ids, err := h.communities.OrganizedIDs(r.Context(), v.PersonID)
		if err == nil {
			var byID map[string]*community.Community
			if byID, err = community.ByIDs(r.Context(), h.db.Reader(), ids); err == nil {
				for _, id := range ids {
					if c := byID[id]; c != nil {
						d.Communities = append(d.Communities, c)
					}
				}
			}
		}
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
	}
	h.pages.Render(w, r, status, "cases_list", web.Localizer(r.Context()).T("cases.title"), d)
}

// onBehalf is the community a new case is added for: one the person
// organizes, or none for an administrator.
func (h *Handler) onBehalf(ctx context.Context, personID string, admin bool, given string) (string, error) {
	given = strings.TrimSpace(given)
	if given == "" {
		if admin {
			return "", nil
		}
		return "", repertoire.Invalid("community_id", "field.required", nil)
	}
	c, err := h.communities.Get(ctx, api.ParseID(given))
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return "", repertoire.Invalid("community_id", "cases.community_not_found", nil)
	}
	if err != nil {
		return "", err
	}
	ok := admin
	if !ok {
		if ok, err = h.communities.CanOrganize(ctx, c.ID, personID); err != nil {
			return "", err
		}
	}
	if !ok {
		return "", repertoire.Invalid("community_id", "cases.community_not_found", nil)
	}
	return c.ID, nil
}

func (h *Handler) addPage(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	year, _ := strconv.Atoi(strings.TrimSpace(f.Get("year")))
	in := Input{Platform: f.Get("platform"), Year: year, Title: f.Get("title"), Community: f.Get("community"),
		Tactics: f.Values["tactics"], Numbers: f.Get("numbers"), Outcome: f.Get("outcome"), Won: f.Get("won") == "yes",
		Sources: strings.Fields(f.Get("sources"))}
	communityID, err := h.onBehalf(r.Context(), v.PersonID, v.IsAdmin, f.Get("community_id"))
	var c *Case
	if err == nil {
		c, err = h.Create(r.Context(), communityID, in)
	} else if e := in.Normalize(store.Now()); e != nil && len(repertoire.FieldErrors(err)) > 0 {
		err = append(repertoire.FieldErrors(err), repertoire.FieldErrors(e)...)
	}
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		h.renderList(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	web.Redirect(w, r, "/cases/"+c.ID, "cases.added")
}

func (h *Handler) showPage(w http.ResponseWriter, r *http.Request) {
	c, err := h.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "cases_show", c.Title, c)
}
