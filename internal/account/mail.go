package account

import (
	"context"
	"time"

	"repertoire"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// Purposes of the links this package mails (mail_tokens.purpose), and how
// long each stays valid: a confirmation may wait in an inbox for days, a
// sign-in or reset link is a key and expires soon.
const (
	purposeConfirm = "confirm"
	purposeSignIn  = "signin"
	purposeReset   = "reset"

	ConfirmTTL = 7 * 24 * time.Hour
	SignInTTL  = 30 * time.Minute
	ResetTTL   = time.Hour
)

func linkTTL(purpose string) time.Duration {
	switch purpose {
	case purposeConfirm:
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

// issueMailToken mints a single-use link token; only its hash is stored.
func issueMailToken(ctx context.Context, tx *store.Tx, personID, purpose string) (string, error) {
	tok := store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		store.HashToken(tok), personID, purpose, tx.Now, tx.Now.Add(linkTTL(purpose)))
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return tok, nil
}

// useMailToken spends a link token and returns its person. The UPDATE is
// the check, so two clicks racing each other cannot both succeed.
func useMailToken(ctx context.Context, tx *store.Tx, tok, purpose string) (string, error) {
	var personID string
	err := tx.QueryRowContext(ctx, `UPDATE mail_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING person_id`,
		tx.Now, store.HashToken(tok), purpose).Scan(&personID)
	if err != nil {
		if repertoire.ErrorCode(store.NotFound(err, "")) == repertoire.ENOTFOUND {
			return "", errLinkInvalid()
		}
		return "", repertoire.Internal(err)
	}
	return personID, nil
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
	tok, err := issueMailToken(ctx, tx, to.PersonID, purpose)
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
