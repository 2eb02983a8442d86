package account

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"repertoire"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// Purposes of the links this package mails (mail_tokens.purpose), and how
// long each stays valid: a confirmation may wait in an inbox for days, a
// sign-in or reset link is a key and expires soon.
const (
	purposeConfirm = "confirm"
	purposeSignIn  = "signin"
	purposeReset   = "reset"
	purposeEmail   = "email" // a new address, confirmed before it replaces the old

	ConfirmTTL = 7 * 24 * time.Hour
	SignInTTL  = 30 * time.Minute
	ResetTTL   = time.Hour
)

func linkTTL(purpose string) time.Duration {
	switch purpose {
	case purposeConfirm, purposeEmail:
		return ConfirmTTL
	case purposeSignIn:
		return SignInTTL
	}
	return ResetTTL
}

// errLinkInvalid is the one answer for a used, expired or unknown link:
// telling them apart would help no one but a guesser.
func errLinkInvalid() error {
	return repertoire.Errorf(repertoire.ENOTFOUND, "account.link_invalid")
}

// recipient is who an account mail goes to, and in which language.
type recipient struct {
	PersonID string
	Email    string
	Lang     string
}

// sendLink mails a fresh link of the given purpose, carrying d, rendered
// in the recipient's language, inside tx: no commit, no mail.
func (h *Handler) sendLink(ctx context.Context, tx *store.Tx, to recipient, purpose string, d linkData) error {
	tok, err := issueMailToken(ctx, tx, to.PersonID, purpose, d)
	if err != nil {
		return err
	}
	path := map[string]string{purposeConfirm: "/confirm/", purposeSignIn: "/signin/", purposeReset: "/password/reset/"}[purpose]
	return h.sendMail(ctx, tx, to, "account.mail_"+purpose, "URL", h.baseURL+path+tok+nextQuery(d.Next))
}

// sendMail renders messageID+"_subject" and messageID+"_body" and queues them.
func (h *Handler) sendMail(ctx context.Context, tx *store.Tx, to recipient, messageID string, args ...any) error {
	l := h.cat.For(to.Lang)
	args = append(args, "SignIn", h.baseURL+"/signin", "Reset", h.baseURL+"/password/forgot")
	return outbox.Enqueue(ctx, tx, h.baseURL, outbox.Message{
		PersonID:      to.PersonID,
		To:            to.Email,
		Subject:       l.T(messageID+"_subject", args...),
		Body:          l.T(messageID+"_body", args...),
		Lang:          l.Lang,
		Transactional: true,
		Catalog:       h.cat,
	})
}

// requestEmailChange mails a link to newEmail that makes it p's address
// once followed; until then p keeps the old one. A new request replaces
// the pending one.
func (h *Handler) requestEmailChange(ctx context.Context, tx *store.Tx, p *Person, newEmail string) error {
	if err := dropPendingLinks(ctx, tx, p.ID, purposeEmail); err != nil {
		return err
	}
	tok, err := issueMailToken(ctx, tx, p.ID, purposeEmail, linkData{NewEmail: newEmail})
	if err != nil {
		return err
	}
	return h.sendMail(ctx, tx, recipient{PersonID: p.ID, Email: newEmail, Lang: p.PreferredLanguage}, "account.mail_email", "URL", h.baseURL+"/email/"+tok)
}

// changeEmail follows a mailed address-change link (POST): the new
// address replaces the old, which gets a notice.
func (h *Handler) changeEmail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := h.db.Write(ctx, func(tx *store.Tx) error {
		personID, d, err := spendMailToken(ctx, tx, r.PathValue("token"), purposeEmail)
		if err != nil {
			return err
		}
		newEmail := d.NewEmail
		p, err := GetPerson(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := setEmail(ctx, tx, personID, newEmail); err != nil {
			return err
		}
		return h.sendMail(ctx, tx, recipient{PersonID: p.ID, Email: p.Email, Lang: p.PreferredLanguage}, "account.mail_email_changed", "Email", newEmail)
	})
	if err != nil {
		h.linkFailed(w, r, err)
		return
	}
	web.Redirect(w, r, "/account", "account.email_changed")
}

// nextQuery is the query that carries a return path through a link or a
// form ("" for none, or for a path that is not this site's).
func nextQuery(next string) string {
	if next = web.LocalPath(next); next == "/" {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}
