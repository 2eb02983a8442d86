package account

import (
	"net/http"

	"repertoire"
	"repertoire/internal/web"
)

// Routes mounts the account pages and the people API.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", h.showSignIn)
	mux.HandleFunc("POST /signin", h.signIn)
	mux.HandleFunc("POST /signout", h.signOut)
	h.moreRoutes(mux)
}

type signInPage struct {
	Form *web.Form
	Next string
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "signin", l.T("account.signin_title"),
		signInPage{Form: web.NewForm(nil), Next: web.LocalPath(r.URL.Query().Get("next"))})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	form.Values.Del("password") // never echoed back
	page := signInPage{Form: form, Next: web.LocalPath(r.PostForm.Get("next"))}
	fail := func(err error) {
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "signin", l.T("account.signin_title"), page)
	}
	if !h.limit.Allow(r) {
		fail(&repertoire.Error{Code: repertoire.EINVALID, Field: "email", MessageID: "error.rate_limited"})
		return
	}
	email, err := CheckEmail("email", r.PostForm.Get("email"))
	if err != nil {
		fail(err)
		return
	}
	personID, hash, confirmed, err := credentials(r.Context(), h.db.Reader(), email)
	// The same answer for an unknown address and a wrong password, so the
	// form does not reveal who has an account; a failing database is not
	// a wrong password.
	if err != nil || hash == "" || !CheckPassword(hash, r.PostForm.Get("password")) {
		if err != nil && repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			h.pages.Error(w, r, err)
			return
		}
		fail(repertoire.Invalid("password", "account.bad_credentials", nil))
		return
	}
	if !confirmed {
		fail(repertoire.Invalid("email", "account.unconfirmed", nil))
		return
	}
	if err := h.startSession(r.Context(), w, personID); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, page.Next, "account.signed_in")
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.endSession(r.Context(), w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "/", "account.signed_out")
}
