package participation

import (
	"context"
	"net/http"
	"strings"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
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
	Receipt     string // where its receipt from the transparency log is, when it counts
}

func (h *linkPages) render(w http.ResponseWriter, r *http.Request, mode, token string, p *Participation, done bool) {
	l := web.Localizer(r.Context())
	d := linkPage{Mode: mode, Token: token, Done: done, Status: p.Status, Kind: p.Kind}
	if h.s.logged && p.Status == StatusConfirmed {
		d.Receipt = "/log/receipt/" + p.ID
	}
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

// Page is what a tactic's page resolves from its URL: the campaign's
// place and, on the pages of one action, that action (a petition, a
// pledge).
type Page[T any] struct {
	*campaign.Place   // the campaign, its community, and whether the viewer organizes it
	Tactic          T // the zero value on the page creating one
}

// In is the page as a reader of l's language reads it: the campaign's
// content in their language (campaign.Campaign.In), and the tactic's
// through in (nil keeps it). The page is copied, never changed: the
// locator's snapshots are shared.
func (p *Page[T]) In(l *i18n.Localizer, in func(T, string) T) *Page[T] {
	pl := *p.Place
	pl.Campaign = p.Campaign.In(l)
	out := &Page[T]{Place: &pl, Tactic: p.Tactic}
	if in != nil {
		out.Tactic = in(p.Tactic, l.Tag())
	}
	return out
}

// Locator resolves a tactic's pages; the tactic supplies how it finds an
// action and what answers a member who does not organize.
type Locator[T any] struct {
	Pages       *web.Renderer
	Communities *community.Store
	Campaigns   *campaign.Store
	// Get finds the action of a campaign by the slug in the path value
	// Param.
	Get   func(ctx context.Context, campaignID, slug string) (T, error)
	Param string
	// OrganizersOnly is the message answering a member who does not
	// organize the community.
	OrganizersOnly string
	// Draft tells an action saved but not published (nil: none is): its
	// pages are found by its organizers only, who preview it there; anyone
	// else gets NotFound, as if it did not exist.
	Draft    func(T) bool
	NotFound error

	places places[T] // LocatePost's snapshots
}

// Locate resolves the URL for the viewer, with the action when withTactic.
// With organize the viewer must organize the community (visitors are sent
// to sign in). It writes the error page and returns nil on failure.
func (l *Locator[T]) Locate(w http.ResponseWriter, r *http.Request, withTactic, organize bool) *Page[T] {
	pl, err := campaign.LocateRequest(r, l.Communities, l.Campaigns)
	var action T
	if err == nil && withTactic {
		action, err = l.Get(r.Context(), pl.Campaign.ID, r.PathValue(l.Param))
	}
	if err != nil {
		l.Pages.Error(w, r, err)
		return nil
	}
	if organize && !pl.RequireOrganizer(w, r, l.Pages, l.OrganizersOnly) {
		return nil
	}
	if withTactic && l.Draft != nil && l.Draft(action) && !pl.CanOrganize {
		l.Pages.Error(w, r, l.NotFound)
		return nil
	}
	return &Page[T]{Place: pl, Tactic: action}
}

// LocateNew is Locate for the form creating a tactic in the campaign of
// the URL (its GET and its POST): organizers only, and the campaign must
// still take new actions (campaign.Campaign.TakesNewActions: a closed
// one answers the error page, 409).
func (l *Locator[T]) LocateNew(w http.ResponseWriter, r *http.Request) *Page[T] {
	p := l.Locate(w, r, false, true)
	if p == nil {
		return nil
	}
	if err := p.Campaign.TakesNewActions(); err != nil {
		l.Pages.Error(w, r, err)
		return nil
	}
	return p
}

// Post handles the POST of a tactic's form: act reads the form and acts.
// On success the browser goes to the page act returns, with flash (303);
// field errors show the page again with the form and its errors
// (rerender); any other error, the error page.
func Post(w http.ResponseWriter, r *http.Request, pages *web.Renderer, flash string,
	act func(f *web.Form) (string, error), rerender func(status int, f *web.Form)) {
	f, ok := pages.Form(w, r)
	if !ok {
		return
	}
	done, err := act(f)
	if err != nil {
		if !f.SetErrors(web.Localizer(r.Context()), err) {
			pages.Error(w, r, err)
			return
		}
		rerender(repertoire.Status(repertoire.ErrorCode(err)), f)
		return
	}
	web.Redirect(w, r, done, flash)
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
	// Check reads the tactic's own fields (nil: none): their field errors,
	// reported with the person's (a legal action's eligibility answers and
	// mandate), or else the submission's Payload, which the link mailed for
	// it confirms (a letter's text, an enrolment's answers) and the
	// tactic's Mover keeps once that link is followed.
	Check func(f *web.Form) (payload string, errs repertoire.Errors)
}

// Take handles the POST of a tactic's public form: the submission, pending
// until confirmed from the mailed link.
func (s *Service) Take(w http.ResponseWriter, r *http.Request, pages *web.Renderer, form Form) {
	Post(w, r, pages, form.Flash, func(f *web.Form) (string, error) {
		if form.Closed != nil {
			return "", form.Closed
		}
		lang := web.Localizer(r.Context()).Lang
		sub := Submission{Kind: form.Kind, ActionID: form.ActionID,
			Person: account.PersonInput{Email: f.Get("email"), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"),
				Locality: f.Get("locality"), Country: f.Get("country"), Language: lang},
			Comment:         f.Get("comment"),
			PublicName:      f.Get("public_name") != "",
			ContactOK:       f.Get("contact_ok") != "",
			ShareWithTarget: f.Get("share_with_target") != "",
			IP:              web.ClientIP(r),
			UserAgent:       r.UserAgent(),
			Lang:            lang,
		}
		errs := repertoire.FieldErrors(Validate(&sub))
		if form.NameRequired && strings.TrimSpace(f.Get("given_name")) == "" {
			errs = append(errs, repertoire.Invalid("given_name", "field.required", nil))
		}
		if form.Check != nil {
			payload, es := form.Check(f)
			errs = append(errs, es...)
			sub.Payload = payload
		}
		if err := errs.Err(); err != nil {
			return "", err
		}
		_, err := s.Submit(r.Context(), sub)
		return form.Done, err
	}, func(status int, f *web.Form) { form.Rerender(w, r, status, f) })
}
