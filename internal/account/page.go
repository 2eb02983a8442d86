package account

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/i18n"
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
	Profile   *web.Form
	Password  *web.Form
	Token     *web.Form
	Delete    *web.Form
}

func listTokens(ctx context.Context, q store.Queryer, personID string) ([]TokenInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT token_hash, name, created_at, last_used_at FROM api_tokens WHERE person_id = $1 ORDER BY created_at DESC, name`, personID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var t TokenInfo
		var used sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &used); err != nil {
			return nil, repertoire.Internal(err)
		}
		t.LastUsed = store.TimePtr(used)
		out = append(out, t)
	}
	return out, rows.Err()
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
	page.Person, page.Tokens, page.Languages = p, tokens, i18n.Languages
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
	for name, value := range map[string]string{"given_name": given, "family_name": family} {
		if utf8.RuneCountInString(value) > 100 {
			errs = append(errs, repertoire.Invalid(name, "field.too_long", map[string]any{"Max": 100}))
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
		_, err := tx.ExecContext(r.Context(), `UPDATE people SET given_name = $2, family_name = $3, preferred_language = $4, modified_at = $5 WHERE id = $1`,
			v.PersonID, given, family, lang, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		fail(err)
		return
	}
	web.Redirect(w, r, "/account", "account.saved")
}

// changePassword needs the current password (when there is one) and ends
// the person's other sessions, keeping this one.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	v, _, fail := h.accountForm(w, r, func(p *accountPage, f *web.Form) { p.Password = f })
	if v == nil {
		return
	}
	ctx := r.Context()
	if !h.limit.Allow(r) {
		fail(rateLimited("current_password"))
		return
	}
	var current string
	if err := h.db.Reader().QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE person_id = $1`, v.PersonID).Scan(&current); err != nil {
		fail(store.NotFound(err, "account.not_found"))
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
	c, _ := r.Cookie(SessionCookie)
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2 WHERE person_id = $1`, v.PersonID, hash); err != nil {
			return repertoire.Internal(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2`, v.PersonID, store.HashToken(c.Value)); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		fail(err)
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
	case utf8.RuneCountInString(name) > 100:
		fail(repertoire.Invalid("token_name", "field.too_long", map[string]any{"Max": 100}))
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
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE token_hash = $1 AND person_id = $2`, r.PostForm.Get("token"), v.PersonID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "account.token_not_found")
		}
		return nil
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
// account, sessions, tokens, links, memberships and mail; what they wrote
// for a campaign stays, unsigned. The BeforeDelete work runs first, in the
// same transaction.
func (h *Handler) DeletePerson(ctx context.Context, id string) error {
	return h.db.Write(ctx, func(tx *store.Tx) error {
		for _, fn := range h.beforeDelete {
			if err := fn(ctx, tx, id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Errorf(repertoire.ENOTFOUND, "person.not_found")
		}
		return nil
	})
}
