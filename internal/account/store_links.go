package account

import (
	"context"

	"repertoire"
	"repertoire/internal/store"
)

// The mail_tokens table: the links this package mails.

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

// spendMailToken spends a link token and returns its person and the new
// address an address-change link carries ("" for the other purposes). The
// UPDATE is the check, so two clicks racing each other cannot both
// succeed.
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

// dropPendingLinks deletes the person's unused links of a purpose: a new
// address-change request replaces the pending one.
func dropPendingLinks(ctx context.Context, tx *store.Tx, personID, purpose string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE person_id = $1 AND purpose = $2 AND used_at IS NULL`, personID, purpose); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}
