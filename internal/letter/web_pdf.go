package letter

import (
	"net/http"

	"repertoire/internal/web"
)

// servePDF answers a PDF of letters, never cached (it names people).
func servePDF(w http.ResponseWriter, name string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
}

// postPDF is a writer's letter for post as a PDF, from their printable
// page's link; posted with their postal address for the sender block,
// which is printed and kept nowhere.
func (h *Handler) postPDF(w http.ResponseWriter, r *http.Request) {
	address := ""
	if r.Method == http.MethodPost {
		f, ok := h.pages.Form(w, r)
		if !ok {
			return
		}
		address = f.Get("address")
	}
	pdf, err := h.Store.PrintablePDF(r.Context(), r.PathValue("token"), address)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	servePDF(w, "letter.pdf", pdf)
}

// targetPDF is every counted letter to one target as one PDF, for the
// organizers.
func (h *Handler) targetPDF(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	pdf, err := h.Store.TargetPDF(r.Context(), s.Tactic, r.PathValue("target"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	servePDF(w, web.Slugify(s.Tactic.Title)+".pdf", pdf)
}
