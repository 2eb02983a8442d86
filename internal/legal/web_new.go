package legal

import (
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/participation"
	"repertoire/internal/target"
	"repertoire/internal/web"
)

// The organizers' form creating a legal action. The company and the lead
// authority are named by their directory slug ("facebook", "iedpc"), or
// the company typed.

type newData struct {
	*scope
	Form  *web.Form
	Kinds []string
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.LocateNew(w, r); s != nil {
		h.pages.Render(w, r, http.StatusOK, "legal_new", web.Localizer(r.Context()).T("legal.new_title"), newData{s, web.NewForm(nil), Kinds})
	}
}

// directorySlug finds a directory target by its slug, naming field when
// there is none.
func (h *Handler) directorySlug(r *http.Request, field, slug string) (string, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" || h.targets == nil {
		return "", nil
	}
	t, err := h.targets.BySlug(r.Context(), target.SourceDatenanfragen, slug)
	if err != nil {
		return "", repertoire.Invalid(field, "legal.target_not_found", nil)
	}
	return t.ID, nil
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	s := h.locator.LocateNew(w, r)
	if s == nil {
		return
	}
	participation.Post(w, r, h.pages, "legal.created", func(f *web.Form) (string, error) {
		in := Input{Kind: f.Get("kind"), Title: f.Get("title"), Slug: f.Get("slug"), Description: f.Get("description"),
			Questions: strings.Split(f.Get("questions"), "\n"), Mandate: f.Get("mandate"), Portability: f.Get("portability") != "",
			Company: Contact{Name: f.Get("company_name"), Email: f.Get("company_email"), Address: f.Get("company_address")}}
		var es repertoire.Errors
		var err error
		if in.Company.TargetID, err = h.directorySlug(r, "company", f.Get("company")); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
		if in.AuthorityID, err = h.directorySlug(r, "authority", f.Get("authority")); err != nil {
			es = append(es, repertoire.FieldErrors(err)...)
		}
		es = append(es, repertoire.FieldErrors(in.normalize())...)
		if err := es.Err(); err != nil {
			return "", err
		}
		a, err := h.Store.Create(r.Context(), web.ViewerID(r), s.Campaign.ID, in, nil)
		if err != nil {
			return "", err
		}
		return a.Path(), nil
	}, func(status int, f *web.Form) {
		h.pages.Render(w, r, status, "legal_new", web.Localizer(r.Context()).T("legal.new_title"), newData{s, f, Kinds})
	})
}
