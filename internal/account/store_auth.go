package account

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// The accounts, sessions and api_tokens tables.

// insertAccount gives the person an account, with the password already
// hashed ("" for none). An existing account is a conflict on "email".
func insertAccount(ctx context.Context, tx *store.Tx, personID, hash string, confirmed, admin bool) error {
	var confirmedAt any
	if confirmed {
		confirmedAt = tx.Now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO accounts (person_id, password_hash, confirmed_at, is_admin, created_at) VALUES ($1, $2, $3, $4, $5)`,
		personID, hash, confirmedAt, admin, tx.Now)
	if store.IsUniqueViolation(err) {
		return &repertoire.Error{Code: repertoire.ECONFLICT, Field: "email", MessageID: "account.email_taken"}
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// IsAdmin reports whether the person administers this Repertoire (false
// for "" and for a person without an account).
func IsAdmin(ctx context.Context, q store.Queryer, personID string) (bool, error) {
	if personID == "" {
		return false, nil
	}
	var admin bool
	err := q.QueryRowContext(ctx, `SELECT is_admin FROM accounts WHERE person_id = $1`, personID).Scan(&admin)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, repertoire.Internal(err)
	}
	return admin, nil
}

// credentials reads what signing in with a normalized address checks: the
// person, the password hash to check and whether the account is confirmed.
// An unconfirmed account holds no password: its hash here is the one its
// newest confirmation link carries, so that the person who chose it is
// told to confirm first rather than that the password is wrong. An
// address without an account is ENOTFOUND.
func credentials(ctx context.Context, q store.Queryer, email string) (personID, hash string, confirmed bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT p.id, a.password_hash, a.confirmed_at IS NOT NULL
		FROM people p JOIN accounts a ON a.person_id = p.id WHERE p.email = $1`, email).Scan(&personID, &hash, &confirmed)
	if err != nil {
		return "", "", false, store.NotFound(err, "account.not_found")
	}
	if !confirmed {
		d, err := latestSignUp(ctx, q, personID)
		if err != nil {
			return "", "", false, err
		}
		hash = d.PasswordHash
	}
	return personID, hash, confirmed, nil
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

// proveAddress confirms an unconfirmed account from a mailed link and
// gives it the password that link carried ("" for none): whatever password
// the account held before belonged to whoever typed the address, not to
// whoever proved it. The person's other confirmation links go, with the
// passwords they carry. It reports whether the account was unconfirmed; a
// confirmed account is left as it was.
func proveAddress(ctx context.Context, tx *store.Tx, personID, hash string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $2, confirmed_at = $3 WHERE person_id = $1 AND confirmed_at IS NULL`,
		personID, hash, tx.Now)
	if err != nil {
		return false, repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, dropPendingLinks(ctx, tx, personID, purposeConfirm)
}

// passwordHash reads the account's password hash ("" for none).
func passwordHash(ctx context.Context, q store.Queryer, personID string) (string, error) {
	var hash string
	if err := q.QueryRowContext(ctx, `SELECT password_hash FROM accounts WHERE person_id = $1`, personID).Scan(&hash); err != nil {
		return "", store.NotFound(err, "account.not_found")
	}
	return hash, nil
}

// setPassword stores a new password hash. With confirm (a reset link, which
// proves the address and was followed by whoever chose this password) it
// also confirms the account and drops its pending confirmation links.
func setPassword(ctx context.Context, tx *store.Tx, personID, hash string, confirm bool) error {
	q := `UPDATE accounts SET password_hash = $2 WHERE person_id = $1`
	args := []any{personID, hash}
	if confirm {
		q = `UPDATE accounts SET password_hash = $2, confirmed_at = COALESCE(confirmed_at, $3) WHERE person_id = $1`
		args = append(args, tx.Now)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return repertoire.Internal(err)
	}
	if confirm {
		return dropPendingLinks(ctx, tx, personID, purposeConfirm)
	}
	return nil
}

// createSession inserts a session for the person inside tx and returns its
// token; the caller sets the cookie once tx has committed.
func createSession(ctx context.Context, tx *store.Tx, personID string) (string, error) {
	tok := store.NewToken()
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		store.HashToken(tok), personID, tx.Now, tx.Now.Add(SessionLifetime))
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return tok, nil
}

// deleteSession ends the session of a cookie token.
func deleteSession(ctx context.Context, tx *store.Tx, token string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, store.HashToken(token)); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deleteSessions ends every session of the person but the one of the
// cookie token keep ("" for none).
func deleteSessions(ctx context.Context, tx *store.Tx, personID, keep string) error {
	q, args := `DELETE FROM sessions WHERE person_id = $1`, []any{personID}
	if keep != "" {
		q, args = `DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2`, append(args, store.HashToken(keep))
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// sessionViewer reads the signed-in person of a live session token; an
// unknown or expired one is ENOTFOUND.
func sessionViewer(ctx context.Context, q store.Queryer, token string, now time.Time) (*web.Viewer, error) {
	var v web.Viewer
	var given, family string
	err := q.QueryRowContext(ctx, `SELECT p.id, p.email, p.given_name, p.family_name, a.is_admin, a.confirmed_at IS NOT NULL
			FROM sessions s JOIN people p ON p.id = s.person_id JOIN accounts a ON a.person_id = p.id
			WHERE s.token_hash = $1 AND s.expires_at > $2`, store.HashToken(token), now).
		Scan(&v.PersonID, &v.Email, &given, &family, &v.IsAdmin, &v.Confirmed)
	if err != nil {
		return nil, store.NotFound(err, "")
	}
	v.Name = joinName(given, family)
	return &v, nil
}

// accountOf finds the person with an account at a normalized address.
func accountOf(ctx context.Context, q store.Queryer, email string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN accounts a ON a.person_id = p.id WHERE p.email = $1`, email).Scan(&id)
	if err != nil {
		return "", store.NotFound(err, "account.not_found")
	}
	return id, nil
}

// insertToken stores an API token's hash.
func insertToken(ctx context.Context, tx *store.Tx, personID, token, name string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, person_id, name, created_at) VALUES ($1, $2, $3, $4)`,
		store.HashToken(token), personID, name, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// tokenPrincipal resolves an API token to its owner and when it was last
// used (nil for never); an unknown one is ENOTFOUND.
func tokenPrincipal(ctx context.Context, q store.Queryer, token string) (*api.Principal, *time.Time, error) {
	var p api.Principal
	var used sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT t.person_id, a.is_admin, t.last_used_at FROM api_tokens t JOIN accounts a ON a.person_id = t.person_id WHERE t.token_hash = $1`,
		store.HashToken(token)).Scan(&p.PersonID, &p.IsAdmin, &used)
	if err != nil {
		return nil, nil, store.NotFound(err, "account.bad_token")
	}
	return &p, store.TimePtr(used), nil
}

// touchToken notes that the token is used now, unless a use after before
// is already noted (another request was first).
func touchToken(ctx context.Context, tx *store.Tx, token string, before time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`,
		store.HashToken(token), tx.Now, before)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deleteTokens revokes every API token of the person.
func deleteTokens(ctx context.Context, tx *store.Tx, personID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE person_id = $1`, personID); err != nil {
		return repertoire.Internal(err)
	}
	return nil
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
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

// deleteToken revokes one of the person's tokens, named by its hash.
func deleteToken(ctx context.Context, tx *store.Tx, personID, hash string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE token_hash = $1 AND person_id = $2`, hash, personID)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return repertoire.Errorf(repertoire.ENOTFOUND, "account.token_not_found")
	}
	return nil
}
