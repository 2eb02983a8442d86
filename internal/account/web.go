package account

import (
	"net/http"

	"repertoire"
	"repertoire/internal/api"
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

// afterSignIn is where a sign-in leads: the page it was asked from, else
// the person's dashboard (their communities, what waits for them).
func afterSignIn(next string) string {
	if next == "" {
		return "/dashboard"
	}
	return web.LocalPath(next)
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "signin", l.T("account.signin_title"),
		signInPage{Form: web.NewForm(nil), Next: afterSignIn(r.URL.Query().Get("next"))})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	form.Values.Del("password") // never echoed back
	page := signInPage{Form: form, Next: afterSignIn(r.PostForm.Get("next"))}
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
	if err != nil && repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
		h.pages.Error(w, r, err) // a failing database is not a wrong password
		return
	}
	// The same answer, after the same work, for an unknown address, an
	// account without a password and a wrong password, so the form does not
	// reveal who has an account: checkPassword hashes against a dummy when
	// there is nothing to check.
	if !h.checkPassword(hash, r.PostForm.Get("password")) {
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

// moreRoutes mounts sign-up, confirmation, mailed sign-in links, password
// reset, the account page and the people API.
func (h *Handler) moreRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /signup", h.showSignUp)
	mux.HandleFunc("POST /signup", h.signUp)
	mux.HandleFunc("GET /signup/check", h.showCheckMail("signup"))
	mux.HandleFunc("POST /signup/resend", h.resendConfirmation)
	mux.HandleFunc("GET /confirm/{token}", h.showLink(purposeConfirm))
	mux.HandleFunc("POST /confirm/{token}", h.followLink(purposeConfirm, "account.confirmed"))

	mux.HandleFunc("POST /signin/link", h.sendSignInLink)
	mux.HandleFunc("GET /signin/check", h.showCheckMail("signin"))
	mux.HandleFunc("GET /email/{token}", h.showLink(purposeEmail))
	mux.HandleFunc("POST /email/{token}", h.changeEmail)
	mux.HandleFunc("GET /signin/{token}", h.showLink(purposeSignIn))
	mux.HandleFunc("POST /signin/{token}", h.followLink(purposeSignIn, "account.signed_in"))

	mux.HandleFunc("GET /password/forgot", h.showForgot)
	mux.HandleFunc("POST /password/forgot", h.forgot)
	mux.HandleFunc("GET /password/check", h.showCheckMail("password"))
	mux.HandleFunc("GET /password/reset/{token}", h.showReset)
	mux.HandleFunc("POST /password/reset/{token}", h.reset)

	mux.HandleFunc("GET /account", h.showAccount)
	mux.HandleFunc("POST /account", h.saveProfile)
	mux.HandleFunc("POST /account/password", h.changePassword)
	mux.HandleFunc("POST /account/tokens", h.createToken)
	mux.HandleFunc("POST /account/tokens/revoke", h.revokeToken)
	mux.HandleFunc("GET /account/export", h.export)
	mux.HandleFunc("POST /account/delete", h.deleteAccount)

	mux.HandleFunc("GET "+api.Prefix+"/people", h.apiListPeople)
	mux.HandleFunc("POST "+api.Prefix+"/people", h.apiSignup)
	mux.HandleFunc("GET "+api.Prefix+"/people/{id}", h.apiGetPerson)
	mux.HandleFunc("PUT "+api.Prefix+"/people/{id}", h.apiUpdatePerson)
	mux.HandleFunc("DELETE "+api.Prefix+"/people/{id}", h.apiDeletePerson)
}
