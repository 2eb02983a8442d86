package participation

import (
	"net/http"

	"repertoire/internal/web"
)

// Routes mounts the pages every tactic shares: following a mailed link to
// confirm or withdraw. GET only shows a button (mail scanners prefetch
// links); the button's POST acts.
func (s *Service) Routes(mux *http.ServeMux, pages *web.Renderer) {
	h := &linkPages{s: s, pages: pages}
	mux.HandleFunc("GET /p/confirm/{token}", h.show("confirm"))
	mux.HandleFunc("POST /p/confirm/{token}", h.act("confirm"))
	mux.HandleFunc("GET /p/withdraw/{token}", h.show("withdraw"))
	mux.HandleFunc("POST /p/withdraw/{token}", h.act("withdraw"))
}

type linkPages struct {
	s     *Service
	pages *web.Renderer
}

type linkPage struct {
	Mode        string // confirm | withdraw
	Token       string
	Done        bool   // the POST went through
	Status      string // the participation's status
	ActionTitle string
	ActionPath  string
	Kind        Kind
}

func (h *linkPages) render(w http.ResponseWriter, r *http.Request, mode, token string, p *Participation, done bool) {
	l := web.Localizer(r.Context())
	d := linkPage{Mode: mode, Token: token, Done: done, Status: p.Status, Kind: p.Kind}
	if a := h.s.action(p.Kind); a != nil {
		title, path, err := a.Page(r.Context(), p.ActionID, l.Lang)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		d.ActionTitle, d.ActionPath = title, path
	}
	h.pages.Render(w, r, http.StatusOK, "participation_link", l.T("participation."+mode+".title"), d)
}

func (h *linkPages) show(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		p, err := h.s.ByToken(r.Context(), token)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		h.render(w, r, mode, token, p, false)
	}
}

func (h *linkPages) act(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		do := h.s.Confirm
		if mode == "withdraw" {
			do = h.s.Withdraw
		}
		p, err := do(r.Context(), token)
		if err != nil {
			h.pages.Error(w, r, err)
			return
		}
		h.render(w, r, mode, token, p, true)
	}
}
