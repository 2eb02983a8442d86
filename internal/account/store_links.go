package account

import (
	"context"
	"database/sql"
	"errors"

	"repertoire"
	"repertoire/internal/store"
)

// The mail_tokens table: the links this package mails.

// linkData is what a link carries besides its person: the new address of
// an address-change link; the password hash chosen at a sign-up and the
// hash of the sign-up browser's cookie, for a confirmation link.
type linkData struct {
	NewEmail     string
	PasswordHash string
	BrowserHash  string
	// Next is the same-site page the link's person goes back to once it
	// is followed (an invitation they opened signed out). It travels in
	// the mailed URL's query, never stored: it is no secret, and
	// followLink passes it through web.LocalPath like any other.
	Next string
}

// issueMailToken mints a single-use link token; only its hash is stored,
// with what the link carries.
func issueMailToken(ctx context.Context, tx *store.Tx, personID, purpose string, d linkData) (string, error) {
	tok := store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_tokens (token_hash, person_id, purpose, created_at, expires_at, new_email, password_hash, browser_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		store.HashToken(tok), personID, purpose, tx.Now, tx.Now.Add(linkTTL(purpose)), d.NewEmail, d.PasswordHash, d.BrowserHash)
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return tok, nil
}

// spendMailToken spends a link token and returns its person and what it
// carries. The UPDATE is the check, so two clicks racing each other cannot
// both succeed.
func spendMailToken(ctx context.Context, tx *store.Tx, tok, purpose string) (personID string, d linkData, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE mail_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING person_id, new_email, password_hash, browser_hash`,
		tx.Now, store.HashToken(tok), purpose).Scan(&personID, &d.NewEmail, &d.PasswordHash, &d.BrowserHash)
	if err != nil {
		if repertoire.ErrorCode(store.NotFound(err, "")) == repertoire.ENOTFOUND {
			return "", linkData{}, errLinkInvalid()
		}
		return "", linkData{}, repertoire.Internal(err)
	}
	return personID, d, nil
}

// checkMailToken reports whether a link token is still usable, without
// spending it (a link's page is shown before its button is pressed), and
// returns what it carries.
func checkMailToken(ctx context.Context, q store.Queryer, tok, purpose string) (linkData, error) {
	var d linkData
	err := q.QueryRowContext(ctx, `SELECT new_email, password_hash, browser_hash FROM mail_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
		store.HashToken(tok), purpose, store.Now()).Scan(&d.NewEmail, &d.PasswordHash, &d.BrowserHash)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errLinkInvalid()
	}
	if err != nil {
		return d, repertoire.Internal(err)
	}
	return d, nil
}

// latestSignUp reads what the person's newest usable confirmation link
// carries (empty when there is none): a resent link carries the same, and
// the sign-in form recognizes the password chosen at that sign-up.
func latestSignUp(ctx context.Context, q store.Queryer, personID string) (linkData, error) {
	var d linkData
	err := q.QueryRowContext(ctx, `SELECT password_hash, browser_hash FROM mail_tokens
		WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		ORDER BY created_at DESC LIMIT 1`, personID, purposeConfirm, store.Now()).Scan(&d.PasswordHash, &d.BrowserHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return d, repertoire.Internal(err)
	}
	return d, nil
}

// dropPendingLinks deletes the person's unused links of a purpose: a new
// address-change request replaces the pending one, and a proven address
// has no use for the other confirmation links (nor for the passwords they
// carry).
func dropPendingLinks(ctx context.Context, tx *store.Tx, personID, purpose string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL`, personID, purpose); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}
