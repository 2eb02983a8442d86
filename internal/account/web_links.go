package account

import (
	"context"
	"crypto/subtle"
	"net/http"

	"repertoire"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Sign-up, confirmation, one-time sign-in links and password reset: every
// public form here answers the same page whether or not the address has an
// account, so none of them tells a stranger who is a member.

// signUpPage is the sign-up form; Next is the page to come back to once
// the address is confirmed (an invitation opened signed out).
type signUpPage struct {
	Form *web.Form
	Next string
}

func (h *Handler) showSignUp(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "signup", l.T("account.signup_title"),
		signUpPage{Form: web.NewForm(nil), Next: web.LocalPath(r.URL.Query().Get("next"))})
}

func (h *Handler) signUp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := web.Localizer(ctx)
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	form.Values.Del("password")
	next := web.LocalPath(r.PostForm.Get("next"))
	fail := func(err error) {
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "signup", l.T("account.signup_title"), signUpPage{Form: form, Next: next})
	}
	if !h.limit.Allow(r) {
		fail(rateLimited("email"))
		return
	}
	u := NewUser{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Password: r.PostForm.Get("password"), Language: l.Lang}
	email, err := u.validate()
	if err != nil {
		fail(err)
		return
	}
	// Hashed whether or not the address is taken, so the answer takes as
	// long either way. The hash waits in the confirmation link, bound to
	// this browser: it becomes the account's password only when this
	// browser follows the link, so a stranger who signs up first with
	// someone's address cannot choose the password its owner confirms.
	hash := u.passwordHash()
	browser := h.signUpBrowser(r)
	if h.mailAllowed(email) { // past the limit, the same answer and no mail
		err = h.db.Write(ctx, func(tx *store.Tx) error {
			d := linkData{PasswordHash: hash, BrowserHash: store.HashToken(browser), Next: next}
			rc, confirmed, ok, err := accountHolder(ctx, tx, email)
			switch {
			case err != nil:
				return err
			case ok && confirmed:
				return h.sendMail(ctx, tx, rc, "account.mail_exists")
			case ok:
				return h.sendLink(ctx, tx, rc, purposeConfirm, d)
			}
			id, err := createAccount(ctx, tx, u, "", false)
			if err != nil {
				return err
			}
			// The language of the sign-up is the person's language from now on.
			if err := setLanguage(ctx, tx, id, l.Lang); err != nil {
				return err
			}
			return h.sendLink(ctx, tx, recipient{PersonID: id, Email: email, Lang: l.Lang}, purposeConfirm, d)
		})
		if err != nil {
			fail(err)
			return
		}
	}
	h.setSignUpCookie(w, browser, int(ConfirmTTL.Seconds()))
	web.Redirect(w, r, "/signup/check"+nextQuery(next), "")
}

// signUpCookie names the cookie that ties a sign-up's password to the
// browser it was typed in (only its hash is stored, in the link's row).
const signUpCookie = "signup"

// signUpBrowser returns this browser's sign-up secret, a new one when it
// has none.
func (h *Handler) signUpBrowser(r *http.Request) string {
	if c, err := r.Cookie(signUpCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 100 {
		return c.Value
	}
	return store.NewToken()
}

// setSignUpCookie sends the sign-up secret to the confirmation links only
// (maxAge -1 clears it).
func (h *Handler) setSignUpCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: signUpCookie, Value: value, Path: "/confirm/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// sameBrowser reports whether r comes from the browser whose sign-up
// secret hashes to browserHash.
func sameBrowser(r *http.Request, browserHash string) bool {
	c, err := r.Cookie(signUpCookie)
	return err == nil && browserHash != "" && subtle.ConstantTimeCompare([]byte(store.HashToken(c.Value)), []byte(browserHash)) == 1
}

// checkMailPage is the answer to every public form that mails a link.
type checkMailPage struct {
	Kind string // signup | signin | password
	Form *web.Form
	Next string // kept by the resend form, so a new link returns there too
}

func (h *Handler) showCheckMail(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := web.Localizer(r.Context())
		h.pages.Render(w, r, http.StatusOK, "check_mail", l.T("account.check_mail_title"),
			checkMailPage{Kind: kind, Form: web.NewForm(nil), Next: web.LocalPath(r.URL.Query().Get("next"))})
	}
}

// emailForm runs a public "type your address, we mail you a link" form:
// rate limit, validation (re-rendering the page on error), then act in one
// transaction with the account of that address, if any, and 303 to next
// (keeping the form's own "next", the page to return to, in its query).
func (h *Handler) emailForm(w http.ResponseWriter, r *http.Request, field string, rerender func(*web.Form), next, flash string,
	act func(ctx context.Context, tx *store.Tx, rc recipient, confirmed bool) error) {
	ctx := r.Context()
	l := web.Localizer(ctx)
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(r.PostForm)
	fail := func(err error) {
		if !form.SetErrors(l, err) {
			h.pages.Error(w, r, err)
			return
		}
		rerender(form)
	}
	if !h.limit.Allow(r) {
		fail(rateLimited(field))
		return
	}
	email, err := CheckEmail(field, r.PostForm.Get(field))
	if err != nil {
		fail(err)
		return
	}
	next += nextQuery(r.PostForm.Get("next"))
	if !h.mailAllowed(email) { // past the limit, the same answer and no mail
		web.Redirect(w, r, next, flash)
		return
	}
	err = h.db.Write(ctx, func(tx *store.Tx) error {
		rc, confirmed, ok, err := accountHolder(ctx, tx, email)
		if err != nil || !ok {
			return err
		}
		return act(ctx, tx, rc, confirmed)
	})
	if err != nil {
		fail(err)
		return
	}
	web.Redirect(w, r, next, flash)
}

func rateLimited(field string) error {
	return &repertoire.Error{Code: repertoire.EINVALID, Field: field, MessageID: "error.rate_limited"}
}

// resendConfirmation mails a new confirmation link to an unconfirmed account.
func (h *Handler) resendConfirmation(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	rerender := func(f *web.Form) {
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "check_mail", l.T("account.check_mail_title"),
			checkMailPage{Kind: "signup", Form: f, Next: web.LocalPath(f.Get("next"))})
	}
	h.emailForm(w, r, "email", rerender, "/signup/check", "account.resent",
		func(ctx context.Context, tx *store.Tx, rc recipient, confirmed bool) error {
			if confirmed {
				return nil
			}
			// The new link carries what the newest sign-up chose, bound to
			// the same browser: resending gives no one else its password.
			d, err := latestSignUp(ctx, tx, rc.PersonID)
			if err != nil {
				return err
			}
			d.Next = r.PostForm.Get("next")
			return h.sendLink(ctx, tx, rc, purposeConfirm, d)
		})
}

// sendSignInLink mails a one-time sign-in link.
func (h *Handler) sendSignInLink(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	rerender := func(f *web.Form) {
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "signin", l.T("account.signin_title"), signInPage{Form: f, Next: web.LocalPath(f.Get("next"))})
	}
	h.emailForm(w, r, "link_email", rerender, "/signin/check", "",
		func(ctx context.Context, tx *store.Tx, rc recipient, _ bool) error {
			return h.sendLink(ctx, tx, rc, purposeSignIn, linkData{Next: r.PostForm.Get("next")})
		})
}

type forgotPage struct{ Form *web.Form }

func (h *Handler) showForgot(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusOK, "password_forgot", l.T("account.forgot_title"), forgotPage{Form: web.NewForm(nil)})
}

func (h *Handler) forgot(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	rerender := func(f *web.Form) {
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "password_forgot", l.T("account.forgot_title"), forgotPage{Form: f})
	}
	h.emailForm(w, r, "email", rerender, "/password/check", "",
		func(ctx context.Context, tx *store.Tx, rc recipient, _ bool) error {
			return h.sendLink(ctx, tx, rc, purposeReset, linkData{})
		})
}

// showLink answers a mailed confirm or sign-in link with a page whose
// button follows it (POST): mail scanners open the links they find, and a
// GET that used the link up would confirm an address nobody read, or spend
// a sign-in link before its owner clicks it.
func (h *Handler) showLink(purpose string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := checkMailToken(r.Context(), h.db.Reader(), r.PathValue("token"), purpose)
		if err != nil {
			h.linkFailed(w, r, err)
			return
		}
		l := web.Localizer(r.Context())
		h.pages.Render(w, r, http.StatusOK, "link_follow", l.T("account.link_follow."+purpose+".title"),
			linkPage{Purpose: purpose, Action: r.URL.Path + nextQuery(r.URL.Query().Get("next")),
				Elsewhere: purpose == purposeConfirm && d.PasswordHash != "" && !sameBrowser(r, d.BrowserHash)})
	}
}

type linkPage struct {
	Purpose, Action string
	Elsewhere       bool // a sign-up's link opened in another browser: its password will not be set
}

// followLink spends a confirmation or sign-in link: either proves the
// mailbox, so both confirm an unconfirmed account and sign the person in.
// The account's password is then the one the link carried: the password
// chosen at the sign-up whose link it is, when followed from that sign-up's
// browser, and none otherwise (the person chooses one on their page).
// The person then goes back to the link's next page (an invitation), a
// path of this site only, else to their account.
func (h *Handler) followLink(purpose, flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		next := web.LocalPath(r.URL.Query().Get("next"))
		var session string
		chooseAgain := false
		err := h.db.Write(ctx, func(tx *store.Tx) error {
			id, d, err := spendMailToken(ctx, tx, r.PathValue("token"), purpose)
			if err != nil {
				return err
			}
			carried := ""
			if purpose == purposeConfirm && sameBrowser(r, d.BrowserHash) {
				carried = d.PasswordHash
			}
			proven, err := proveAddress(ctx, tx, id, carried)
			if err != nil {
				return err
			}
			chooseAgain = proven && carried == "" && d.PasswordHash != ""
			session, err = createSession(ctx, tx, id)
			return err
		})
		if err != nil {
			h.linkFailed(w, r, err)
			return
		}
		h.setSessionCookie(w, session)
		if purpose == purposeConfirm {
			h.setSignUpCookie(w, "", -1)
		}
		switch {
		case chooseAgain && next != "/":
			web.Redirect(w, r, next, "account.confirmed_choose_password_later")
		case chooseAgain:
			web.Redirect(w, r, "/account#password", "account.confirmed_choose_password")
		case next != "/":
			web.Redirect(w, r, next, flash)
		default:
			web.Redirect(w, r, "/account", flash)
		}
	}
}

// linkFailed explains a dead link and offers the ways to get a new one.
func (h *Handler) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	if repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
		h.pages.Error(w, r, err)
		return
	}
	l := web.Localizer(r.Context())
	h.pages.Render(w, r, http.StatusNotFound, "link_invalid", l.T("account.link_invalid_title"), nil)
}

type resetPage struct {
	Form  *web.Form
	Token string
}

func (h *Handler) showReset(w http.ResponseWriter, r *http.Request) {
	l := web.Localizer(r.Context())
	tok := r.PathValue("token")
	if _, err := checkMailToken(r.Context(), h.db.Reader(), tok, purposeReset); err != nil {
		h.linkFailed(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in this page's URL
	h.pages.Render(w, r, http.StatusOK, "password_reset", l.T("account.reset_title"), resetPage{Form: web.NewForm(nil), Token: tok})
}

// reset sets the new password, ends every session and revokes every API
// token of the person (a reset often follows a stolen password: whoever
// stole it may have made either), and signs this browser in.
func (h *Handler) reset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := web.Localizer(ctx)
	tok := r.PathValue("token")
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	form := web.NewForm(nil)
	fail := func(err error) {
		if !form.SetErrors(l, err) {
			h.linkFailed(w, r, err)
			return
		}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "password_reset", l.T("account.reset_title"), resetPage{Form: form, Token: tok})
	}
	if !h.limit.Allow(r) {
		fail(rateLimited("password"))
		return
	}
	password := r.PostForm.Get("password")
	if err := checkNewPassword("password", "password_confirm", password, r.PostForm.Get("password_confirm")); err != nil {
		fail(err)
		return
	}
	hash := HashPassword(password)
	var session string
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		id, _, err := spendMailToken(ctx, tx, tok, purposeReset)
		if err != nil {
			return err
		}
		if err := setPassword(ctx, tx, id, hash, true); err != nil {
			return err
		}
		if err := deleteSessions(ctx, tx, id, ""); err != nil {
			return err
		}
		if err := deleteTokens(ctx, tx, id); err != nil {
			return err
		}
		session, err = createSession(ctx, tx, id)
		return err
	})
	if err != nil {
		fail(err)
		return
	}
	h.setSessionCookie(w, session)
	web.Redirect(w, r, "/account", "account.password_changed_tokens_revoked")
}

// checkNewPassword validates a new password typed twice.
func checkNewPassword(field, confirmField, password, confirm string) error {
	var errs repertoire.Errors
	switch n := len([]rune(password)); {
	case password == "":
		errs = append(errs, repertoire.Invalid(field, "field.required", nil))
	case n < MinPasswordLength:
		errs = append(errs, repertoire.Invalid(field, "account.password_short", map[string]any{"Min": MinPasswordLength}))
	case n > 1000:
		errs = append(errs, repertoire.Invalid(field, "field.too_long", map[string]any{"Max": 1000}))
	}
	if confirm != password {
		errs = append(errs, repertoire.Invalid(confirmField, "account.password_mismatch", nil))
	}
	return errs.Err()
}
