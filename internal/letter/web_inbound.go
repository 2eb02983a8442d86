package letter

import (
	"net/http"

	"repertoire/internal/web"
)

// attribute records a held mail as the answer of the target an organizer
// chose.
func (h *Handler) attribute(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	f, ok := h.pages.Form(w, r)
	if !ok {
		return
	}
	if err := h.Store.Attribute(r.Context(), web.ViewerID(r), s.Tactic, r.PathValue("id"), f.Get("target")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, s.Tactic.Path()+"#answers", "letter.held_attributed")
}

// discard deletes a held mail.
func (h *Handler) discard(w http.ResponseWriter, r *http.Request) {
	s := h.locator.Locate(w, r, true, true)
	if s == nil {
		return
	}
	if err := h.Store.Discard(r.Context(), s.Tactic, r.PathValue("id")); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, s.Tactic.Path()+"#held", "letter.held_discarded")
}
