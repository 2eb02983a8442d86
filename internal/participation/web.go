package participation

import (
	"context"
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/web"
)

// Routes mounts the pages every tactic shares: following a mailed link to
// confirm or withdraw. GET only shows a button (mail scanners prefetch
// links); the button's POST acts.
func (s *Service) Routes(mux *http.ServeMux) {
	h := &linkPages{s: s, pages: s.pages}
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

// --- what the tactics' pages share ---

// Locate resolves a tactic's page for the viewer: the campaign's place
// from the URL and, when get is given, the action named by the path value
// param. With organize the viewer must organize the community (visitors
// are sent to sign in; organizersOnly answers members). It writes the
// error page and returns false on failure.
func Locate[T any](w http.ResponseWriter, r *http.Request, pages *web.Renderer, communities *community.Store, campaigns *campaign.Store,
	get func(ctx context.Context, campaignID, slug string) (T, error), param string, organize bool, organizersOnly string) (*campaign.Place, T, bool) {
	var action T
	pl, err := campaign.LocateRequest(r, communities, campaigns)
	if err == nil && get != nil {
		action, err = get(r.Context(), pl.Campaign.ID, r.PathValue(param))
	}
	if err != nil {
		pages.Error(w, r, err)
		return nil, action, false
	}
	if organize && !pl.RequireOrganizer(w, r, pages, organizersOnly) {
		return nil, action, false
	}
	return pl, action, true
}

// Form is a tactic's public form taking part (a petition's signing form,
// a pledge's commitment form), as Take handles its POST.
type Form struct {
	Kind     Kind
	ActionID string
	// Closed is the error page's answer when the action takes no
	// participation now (nil: it does).
	Closed error
	// NameRequired: a petition is signed with a name.
	NameRequired bool
	// Done is the page to go back to and Flash what it says, the same
	// whatever became of the participation (pending, already there,
	// flagged): the page never tells who takes part.
	Done, Flash string
	// Rerender shows the page again with the form's errors.
	Rerender func(w http.ResponseWriter, r *http.Request, status int, f *web.Form)
}

// Take handles the POST of a tactic's public form: the submission, pending
// until confirmed from the mailed link.
func (s *Service) Take(w http.ResponseWriter, r *http.Request, pages *web.Renderer, form Form) {
	f, ok := pages.Form(w, r)
	if !ok {
		return
	}
	if form.Closed != nil {
		pages.Error(w, r, form.Closed)
		return
	}
	l := web.Localizer(r.Context())
	sub := Submission{Kind: form.Kind, ActionID: form.ActionID,
		Person: account.PersonInput{Email: f.Get("email"), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"),
			Locality: f.Get("locality"), Country: f.Get("country"), Language: l.Lang},
		Comment:         f.Get("comment"),
		PublicName:      f.Get("public_name") != "",
		ContactOK:       f.Get("contact_ok") != "",
		ShareWithTarget: f.Get("share_with_target") != "",
		IP:              web.ClientIP(r),
		Lang:            l.Lang,
	}
	errs := repertoire.FieldErrors(Validate(&sub))
	if form.NameRequired && strings.TrimSpace(f.Get("given_name")) == "" {
		errs = append(errs, repertoire.Invalid("given_name", "field.required", nil))
	}
	err := errs.Err()
	if err == nil {
		_, err = s.Submit(r.Context(), sub)
	}
	if err != nil {
		if !f.SetErrors(l, err) {
			pages.Error(w, r, err)
			return
		}
		form.Rerender(w, r, repertoire.Status(repertoire.ErrorCode(err)), f)
		return
	}
	web.Redirect(w, r, form.Done, form.Flash)
}
