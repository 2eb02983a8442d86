package account

import (
	"context"
	"net/http"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// The signed-in person's own page: profile, password, API tokens, export
// and deletion. Each form has its own field names, so one page can show the
// errors of whichever was posted.

// TokenInfo describes an API token without its secret.
type TokenInfo struct {
	ID        string // the stored hash: names the token in the revoke form, reveals nothing
	Name      string
	CreatedAt time.Time
	LastUsed  *time.Time
}

type accountPage struct {
	Person    *Person
	Tokens    []TokenInfo
	NewToken  string // shown once, right after it was created
	Languages []string
	Links     []PageLink // other capabilities' pages of the person's data
	Profile   *web.Form
	Password  *web.Form
	Token     *web.Form
	Delete    *web.Form
}

// renderAccount shows the page with the forms given (nil ones start empty).
func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, page accountPage) {
	ctx := r.Context()
	v := web.ViewerFrom(ctx)
	p, err := GetPerson(ctx, h.db.Reader(), v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	tokens, err := listTokens(ctx, h.db.Reader(), v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	page.Person, page.Tokens, page.Languages, page.Links = p, tokens, i18n.Languages, h.Links
	if page.Profile == nil {
		page.Profile = web.NewForm(map[string][]string{"given_name": {p.GivenName}, "family_name": {p.FamilyName},
			"preferred_language": {p.PreferredLanguage}})
	}
	for _, f := range []**web.Form{&page.Password, &page.Token, &page.Delete} {
		if *f == nil {
			*f = web.NewForm(nil)
		}
	}
	l := web.Localizer(ctx)
	h.pages.Render(w, r, status, "account", l.T("account.page_title"), page)
}

func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request) {
	if web.RequireViewer(w, r) == nil {
		return
	}
	h.renderAccount(w, r, http.StatusOK, accountPage{})
}

// accountForm parses a form of the account page for the signed-in viewer
// and returns a function that re-renders the page with its errors.
func (h *Handler) accountForm(w http.ResponseWriter, r *http.Request, set func(*accountPage, *web.Form), keep ...string) (*web.Viewer, *web.Form, func(error)) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return nil, nil, nil
	}
	if err := web.ParseForm(w, r); err != nil {
		h.pages.Error(w, r, err)
		return nil, nil, nil
	}
	form := web.NewForm(nil)
	for _, k := range keep { // passwords are never echoed back
		form.Values.Set(k, r.PostForm.Get(k))
	}
	fail := func(err error) {
		if !form.SetErrors(web.Localizer(r.Context()), err) {
			h.pages.Error(w, r, err)
			return
		}
		var page accountPage
		set(&page, form)
		h.renderAccount(w, r, http.StatusUnprocessableEntity, page)
	}
	return v, form, fail
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(p *accountPage, f *web.Form) { p.Profile = f }, "given_name", "family_name", "preferred_language")
	if v == nil {
		return
	}
	given, family := strings.TrimSpace(r.PostForm.Get("given_name")), strings.TrimSpace(r.PostForm.Get("family_name"))
	lang := r.PostForm.Get("preferred_language")
	var errs repertoire.Errors
	if given == "" {
		errs = append(errs, repertoire.Invalid("given_name", "field.required", nil))
	}
	for _, f := range [][2]string{{"given_name", given}, {"family_name", family}} {
		if e := TooLong(f[0], f[1], MaxName); e != nil {
			errs = append(errs, e)
		}
	}
	if !i18n.Supported(lang) {
		errs = append(errs, repertoire.Invalid("preferred_language", "field.bad_choice", nil))
	}
	if err := errs.Err(); err != nil {
		fail(err)
		return
	}
	err := h.db.Write(r.Context(), func(tx *store.Tx) error {
		return setProfile(r.Context(), tx, v.PersonID, given, family, lang)
	})
	if err != nil {
		fail(err)
		return
	}
	web.Redirect(w, r, "/account", "account.saved")
}

// changePassword needs the current password (when there is one) and ends
// the person's other sessions, keeping this one. Their API tokens are
// revoked too unless they untick "revoke_tokens" (ticked at first): a
// person changing a password they fear is known wants both, one who merely
// changes it may keep the scripts running.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(p *accountPage, f *web.Form) { p.Password = f }, "revoke_tokens")
	if v == nil {
		return
	}
	ctx := r.Context()
	if !h.limit.Allow(r) {
		fail(rateLimited("current_password"))
		return
	}
	current, err := passwordHash(ctx, h.db.Reader(), v.PersonID)
	if err != nil {
		fail(err)
		return
	}
	var errs repertoire.Errors
	if current != "" && !CheckPassword(current, r.PostForm.Get("current_password")) {
		errs = append(errs, repertoire.Invalid("current_password", "account.bad_password", nil))
	}
	password := r.PostForm.Get("new_password")
	if err := checkNewPassword("new_password", "new_password_confirm", password, r.PostForm.Get("new_password_confirm")); err != nil {
		errs = append(errs, repertoire.FieldErrors(err)...)
	}
	if err := errs.Err(); err != nil {
		fail(err)
		return
	}
	hash := HashPassword(password)
	revokeTokens := r.PostForm.Get("revoke_tokens") != ""
	c, _ := r.Cookie(SessionCookie)
	err = h.db.Write(ctx, func(tx *store.Tx) error {
		if err := setPassword(ctx, tx, v.PersonID, hash, false); err != nil {
			return err
		}
		if revokeTokens {
			if err := deleteTokens(ctx, tx, v.PersonID); err != nil {
				return err
			}
		}
		return deleteSessions(ctx, tx, v.PersonID, c.Value)
	})
	if err != nil {
		fail(err)
		return
	}
	if revokeTokens {
		web.Redirect(w, r, "/account", "account.password_changed_tokens_revoked")
		return
	}
	web.Redirect(w, r, "/account", "account.password_changed")
}

// createToken shows the new token on the page it answers, once: only its
// hash is kept, so it cannot be shown again after a redirect.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(p *accountPage, f *web.Form) { p.Token = f }, "token_name")
	if v == nil {
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("token_name"))
	switch {
	case name == "":
		fail(repertoire.Invalid("token_name", "field.required", nil))
		return
	case TooLong("token_name", name, MaxName) != nil:
		fail(TooLong("token_name", name, MaxName))
		return
	}
	tok, err := CreateToken(r.Context(), h.db, v.Email, name)
	if err != nil {
		fail(err)
		return
	}
	h.renderAccount(w, r, http.StatusCreated, accountPage{NewToken: tok})
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(*accountPage, *web.Form) {})
	if v == nil {
		return
	}
	ctx := r.Context()
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		return deleteToken(ctx, tx, v.PersonID, r.PostForm.Get("token"))
	})
	if err != nil {
		fail(err)
		return
	}
	web.Redirect(w, r, "/account", "account.token_revoked")
}

// deleteAccount erases the person after they typed their address: the
// foreign keys cascade to what is theirs and unlink what they authored.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(p *accountPage, f *web.Form) { p.Delete = f }, "delete_confirm")
	if v == nil {
		return
	}
	if NormalizeEmail(r.PostForm.Get("delete_confirm")) != v.Email {
		fail(repertoire.Invalid("delete_confirm", "account.delete_mismatch", nil))
		return
	}
	if err := h.DeletePerson(r.Context(), v.PersonID); err != nil {
		fail(err)
		return
	}
	h.clearSessionCookie(w)
	web.Redirect(w, r, "/", "account.deleted")
}

// DeletePerson erases a person and, through the schema's cascades, their
// account, sessions, tokens and links; what they wrote for a campaign
// stays, unsigned. Each capability's erasure step (Keep) runs first, in
// the same transaction, in the reverse order of wiring: a tactic's step
// (pledge) reads the participations the core's step then deletes. The
// outbox's goes last: the mails to them, about them, and their address
// and name in the mails to others not yet delivered.
func (h *Handler) DeletePerson(ctx context.Context, id string) error {
	return h.db.Write(ctx, func(tx *store.Tx) error {
		email, name, err := personToErase(ctx, tx, id)
		if err != nil {
			return err
		}
		for i := len(h.kept) - 1; i >= 0; i-- {
			if d := h.kept[i]; d.Erase != nil {
				if err := d.Erase(ctx, tx, id); err != nil {
					return err
				}
			}
		}
		if err := outbox.ErasePerson(ctx, tx, id, email, name); err != nil {
			return err
		}
		return deletePerson(ctx, tx, id)
	})
}
