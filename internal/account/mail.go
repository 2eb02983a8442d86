package account

import (
	"context"
	"net/http"
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

// issueMailToken mints a single-use link token; only its hash is stored,
// with the new address of an address-change link ("" otherwise).
func issueMailToken(ctx context.Context, tx *store.Tx, personID, purpose, newEmail string) (string, error) {
	tok := store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at, new_email) VALUES ($1, $2, $3, $4, $5, $6)`,
		store.HashToken(tok), personID, purpose, tx.Now, tx.Now.Add(linkTTL(purpose)), newEmail)
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return tok, nil
}

// useMailToken spends a link token and returns its person. The UPDATE is
// the check, so two clicks racing each other cannot both succeed.
func useMailToken(ctx context.Context, tx *store.Tx, tok, purpose string) (string, error) {
	personID, _, err := spendMailToken(ctx, tx, tok, purpose)
	return personID, err
}

// spendMailToken is useMailToken that also returns the new address an
// address-change link carries ("" for the other purposes).
func spendMailToken(ctx context.Context, tx *store.Tx, tok, purpose string) (personID, newEmail string, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE mail_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING person_id, new_email`,
		tx.Now, store.HashToken(tok), purpose).Scan(&personID, &newEmail)
	if err != nil {
		if repertoire.ErrorCode(store.NotFound(err, "")) == repertoire.ENOTFOUND {
			return "", "", errLinkInvalid()
		}
		return "", "", repertoire.Internal(err)
	}
	return personID, newEmail, nil
}

// checkMailToken reports whether a link token is still usable, without
// spending it (the reset form is shown before it is posted).
func checkMailToken(ctx context.Context, q store.Queryer, tok, purpose string) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		store.HashToken(tok), purpose, store.Now()).Scan(&n)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n == 0 {
		return errLinkInvalid()
	}
	return nil
}

// confirmAccount marks the account's address as proven (idempotent).
func confirmAccount(ctx context.Context, tx *store.Tx, personID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE accounts SET confirmed_at = COALESCE(confirmed_at, $2) WHERE person_id = $1`, personID, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// recipient is who an account mail goes to, and in which language.
type recipient struct {
	PersonID string
	Email    string
	Lang     string
}

// accountHolder finds the account of a normalized address inside tx; ok is
// false when the address has no account.
func accountHolder(ctx context.Context, tx *store.Tx, email string) (rc recipient, confirmed, ok bool, err error) {
	err = tx.QueryRowContext(ctx, `SELECT p.id, p.email, p.preferred_language, a.confirmed_at IS NOT NULL
		FROM people p JOIN accounts a ON a.person_id = p.id WHERE p.email = $1`, email).
		Scan(&rc.PersonID, &rc.Email, &rc.Lang, &confirmed)
	if err != nil {
		if repertoire.ErrorCode(store.NotFound(err, "")) == repertoire.ENOTFOUND {
			return rc, false, false, nil
		}
		return rc, false, false, repertoire.Internal(err)
	}
	return rc, confirmed, true, nil
}

// sendLink mails a fresh link of the given purpose, rendered in the
// recipient's language, inside tx: no commit, no mail.
func (h *Handler) sendLink(ctx context.Context, tx *store.Tx, to recipient, purpose string) error {
	tok, err := issueMailToken(ctx, tx, to.PersonID, purpose, "")
	if err != nil {
		return err
	}
	path := map[string]string{purposeConfirm: "/confirm/", purposeSignIn: "/signin/", purposeReset: "/password/reset/"}[purpose]
	return h.sendMail(ctx, tx, to, "account.mail_"+purpose, "URL", h.baseURL+path+tok)
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
	})
}

// requestEmailChange mails a link to newEmail that makes it p's address
// once followed; until then p keeps the old one. A new request replaces
// the pending one.
func (h *Handler) requestEmailChange(ctx context.Context, tx *store.Tx, p *Person, newEmail string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL`, p.ID, purposeEmail); err != nil {
		return repertoire.Internal(err)
	}
	tok, err := issueMailToken(ctx, tx, p.ID, purposeEmail, newEmail)
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
		personID, newEmail, err := spendMailToken(ctx, tx, r.PathValue("token"), purposeEmail)
		if err != nil {
			return err
		}
		p, err := GetPerson(ctx, tx, personID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE people SET email = $2, modified_at = $3 WHERE id = $1`, personID, newEmail, tx.Now)
		if store.IsUniqueViolation(err) {
			return repertoire.Errorf(repertoire.ECONFLICT, "account.email_in_use")
		}
		if err != nil {
			return repertoire.Internal(err)
		}
		return h.sendMail(ctx, tx, recipient{PersonID: p.ID, Email: p.Email, Lang: p.PreferredLanguage}, "account.mail_email_changed", "Email", newEmail)
	})
	if err != nil {
		h.linkFailed(w, r, err)
		return
	}
	web.Redirect(w, r, "/account", "account.email_changed")
}
